"""The weekly digest as Block Kit, plain text, a CSV and a PNG chart.

Slack's native blocks where they fit: a `table` for the per-user and per-GPU figures and a
`data_visualization` bar chart of daily spend (the top five spenders plus "others"). Not
every workspace has them yet, so `blocks(native=False)` renders the same figures as
monospace text tables and the publisher uploads `chart_png` instead of the chart. The
message always carries `summary` as its top-level text (notifications, screen readers).

Limits kept here (Slack's, checked by `check_limits`): at most 50 blocks, 3,000 characters
per section, a chart title of 50 characters, series names and labels of 20, at most six
series of at most 20 points.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from podwarden.domain.digest import FORECAST_RULE, RATE_SOURCE, SAVINGS_RULE, Digest, Line, Runway, cents_adding_up
from podwarden.domain.money import format_number, format_usd

__all__ = [
    "MAX_BLOCKS",
    "MAX_SECTION",
    "blocks",
    "chart",
    "chart_png",
    "check_limits",
    "csv_text",
    "rate_source",
    "rounded",
    "runway_line",
    "slack_summary",
    "summary",
    "text",
]

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_TABLE_ROWS = 100
MAX_LABEL = 20
MAX_TITLE = 50
MAX_SERIES = 6
_CENT = Decimal("0.01")


def summary(digest: Digest) -> str:
    """One paragraph: the week's total, the change, and where it went."""
    late = ""
    if digest.late_by is not None:
        late = f" (posted late: nothing was running at the scheduled time, {_duration(digest.late_by)} ago)"
    top = ", ".join(f"{line.label} {_usd(line.amount)}" for line in digest.top[:3]) or "nobody"
    note = "" if digest.note is None else f"{digest.note}. "
    pods, serverless = cents_adding_up((digest.pods, digest.serverless), digest.total.this_week)
    return (
        f"{note}{digest.title}{late}: {_usd(digest.total.this_week)} "
        f"({_delta(digest)} vs {_usd(digest.total.last_week)} the week before). "
        f"Pods {format_usd(pods)}, Serverless {format_usd(serverless)}. Top: {top}. "
        f"Idle waste {_usd(digest.idle_waste)}; auto-stop saved {_usd(digest.savings)}."
    )


def text(digest: Digest) -> str:
    """The whole digest as plain text (the console, and the fallback's body)."""
    parts = [summary(digest), ""]
    for title, body in _sections(digest, native=False, fence=False):
        parts += [title, body, ""]
    return "\n".join(parts).rstrip() + "\n"


def blocks(digest: Digest, *, native: bool = True) -> list[dict[str, Any]]:
    """Block Kit: native `table` and `data_visualization` blocks, or text tables (`native=False`)."""
    out: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": digest.title[:150], "emoji": True}},
        _section(summary(digest)),
    ]
    if native:
        out += [_section("*Per user*"), _table(["User", "Spend"], _money_rows(rounded(digest.per_user, digest)))]
        out += [_section("*Per GPU type*"), _table(
            ["GPU", "Hours", "Spend"],
            [[g.label, "" if g.hours is None else format_number(g.hours), _usd(g.amount)] for g in digest.per_gpu])]
        if digest.daily.series:  # a week with no spend has nothing to chart (Slack wants 1-6 series)
            out.append(chart(digest))
    for title, body in _sections(digest, native=native):
        out.append(_section(f"*{title}*\n{body}"))
    out.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _fit(
        f"Weeks, days and months in {digest.zone}. Auto-stop savings: {SAVINGS_RULE}. "
        f"Forecast: {FORECAST_RULE}. Idle waste: compute billed while a pod was idle. "
        "Runway: the balance at RunPod's current spend rate for the account.", 3000)}]})
    check_limits(out)
    return out


def chart(digest: Digest) -> dict[str, Any]:
    """The `data_visualization` bar chart of daily spend: one series per top spender, plus others."""
    names = _unique([name for name, _ in digest.daily.series])
    return {
        "type": "data_visualization",
        "title": "Daily spend ($), top 5 + others"[:MAX_TITLE],
        "chart": {
            "type": "bar",
            "series": [
                {"name": name, "data": [
                    {"label": day, "value": float(_cents(amount))}
                    for day, amount in zip(digest.daily.categories, amounts, strict=True)
                ]}
                for name, (_, amounts) in zip(names, digest.daily.series, strict=True)
            ],
            "axis_config": {"categories": list(digest.daily.categories), "x_label": "day", "y_label": "US$"},
        },
    }


def check_limits(out: Sequence[dict[str, Any]]) -> None:
    """Raise ValueError if `out` breaks one of Slack's limits (a bug here, never Slack's 400)."""
    if len(out) > MAX_BLOCKS:
        raise ValueError(f"{len(out)} blocks, Slack takes {MAX_BLOCKS}")
    for block in out:
        if block["type"] == "section" and len(block["text"]["text"]) > MAX_SECTION:
            raise ValueError("a section is longer than 3,000 characters")
        if block["type"] == "table" and len(block["rows"]) > MAX_TABLE_ROWS:
            raise ValueError("a table has more than 100 rows")
        if block["type"] == "data_visualization":
            series = block["chart"]["series"]
            categories = block["chart"]["axis_config"]["categories"]
            if len(block["title"]) > MAX_TITLE or not 1 <= len(series) <= MAX_SERIES:
                raise ValueError("a chart's title or number of series is out of Slack's limits")
            for one in series:
                labels = [point["label"] for point in one["data"]]
                if len(one["name"]) > MAX_LABEL or labels != categories or len(labels) > 20:
                    raise ValueError(f"chart series {one['name']!r} is out of Slack's limits")


def csv_text(digest: Digest) -> str:
    """The week's rows: one per pod interval (clipped to the week) and per endpoint-day."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["kind", "id", "name", "owner", "team", "gpu", "status", "start_utc", "end_utc", "hours",
                     "rate_per_hr", "compute_usd", "storage_usd", "total_usd"])
    for row in digest.rows:
        writer.writerow([
            row.kind, row.resource_id, row.name, row.owner, row.team, row.gpu, row.status,
            row.start.isoformat(), row.end.isoformat(), _plain(row.hours, "0.0001"),
            "" if row.rate_per_hr is None else _plain(row.rate_per_hr, "0.000001"),
            _plain(row.compute, "0.000001"), _plain(row.storage, "0.000001"), _plain(row.amount, "0.000001"),
        ])
    return buffer.getvalue()


def chart_png(digest: Digest) -> bytes:
    """The same chart as a PNG (matplotlib, Agg): stacked daily bars, one colour per spender.

    Names are drawn with the glyphs the bundled font has; a character it lacks (CJK, emoji)
    is drawn as a box rather than left to matplotlib's missing-glyph warning.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4), dpi=100)
    axes = figure.subplots()
    base = [0.0] * len(digest.daily.categories)
    drawable = _glyphs()
    for name, amounts in digest.daily.series:
        values = [float(_cents(a)) for a in amounts]
        axes.bar(list(digest.daily.categories), values, bottom=base, label=_printable(name, drawable))
        base = [b + v for b, v in zip(base, values, strict=True)]
    axes.set_title(_printable(f"{digest.title} - daily spend (US$)", drawable))
    axes.set_ylabel("US$")
    if digest.daily.series:
        axes.legend(loc="upper right", fontsize="small")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


# -- pieces ------------------------------------------------------------------------------------------


def _sections(digest: Digest, *, native: bool, fence: bool = True) -> list[tuple[str, str]]:
    parts: list[tuple[str, str]] = []
    if not native:
        parts.append(("Per user", _text_table(
            ["User", "Spend"], _money_rows(rounded(digest.per_user, digest)), fence=fence)))
        parts.append(("Per GPU type", _text_table(
            ["GPU", "Hours", "Spend"],
            [[g.label, "" if g.hours is None else format_number(g.hours), _usd(g.amount)] for g in digest.per_gpu],
            fence=fence)))
        parts.append(("Daily spend", _text_table(
            ["Spender", *digest.daily.categories],
            [[name, *(_usd(a) for a in amounts)] for name, amounts in digest.daily.series], fence=fence)))
    parts.append(("Per team", _lines(rounded(digest.per_team, digest)) or "no spend"))
    pods, serverless = cents_adding_up((digest.pods, digest.serverless), digest.total.this_week)
    parts.append(("Pods vs Serverless", f"Pods {format_usd(pods)} · Serverless {format_usd(serverless)}"
                  + (f" · unowned pods {_usd(digest.unowned)}" if digest.unowned else "")))
    parts.append(("Waste and savings", (
        f"Idle waste: {_usd(digest.idle_waste)} ({format_number(digest.idle_hours)} idle h x rate).\n"
        f"Auto-stop saved {_usd(digest.savings)} over {format_number(digest.savings_hours)} h "
        f"({digest.auto_stops} stop{'s' if digest.auto_stops != 1 else ''}): {SAVINGS_RULE}.\n"
        f"Serverless active workers with no traffic: {_usd(digest.serverless_idle)}."
    )))
    storage = [f"{line.label}: {_usd(line.amount)}" for line in digest.stopped_storage]
    storage += [
        f"network volume {v.name} ({v.size_gb} GB, attached to no pod): {_usd(v.per_hour * 720)}/month"
        for v in digest.unattached_volumes
    ]
    parts.append(("Storage billing while stopped or unattached", "\n".join(storage) or "none"))
    forecast = digest.forecast
    month = [
        f"{forecast.month} to date {_usd(forecast.to_date)} after {format_number(Decimal(forecast.days_elapsed))} of "
        f"{forecast.days_in_month} days; month-end forecast {_usd(forecast.forecast)} ({forecast.method})."
    ]
    month += [
        f"{'over' if b.over else 'within'} budget: {b.label} {_usd(b.amount)}/month, forecast {_usd(b.forecast)}"
        for b in digest.budgets
    ]
    if digest.runway is not None:
        month.append(runway_line(digest.runway))
    parts.append(("Month and runway", "\n".join(month)))
    if digest.recommendations:
        parts.append(("Recommendations", "\n".join(f"• {r.text}" for r in digest.recommendations)))
    parts.append(("Cross-check", _cross_check(digest)))
    return [(title, _fit(body, MAX_SECTION - len(title) - 4)) for title, body in parts]


def runway_line(runway: Runway) -> str:
    """The runway, with the rate it is computed from and where that rate comes from."""
    days = runway.days
    return (
        f"Runway: balance {_usd(runway.balance)} at {rate_source(runway.spend_per_hr)}: "
        + ("nothing is spending." if days is None else f"about {format_number(days)} days.")
    )


def rate_source(per_hour: Decimal) -> str:
    """The current rate and where it comes from: "RunPod's current spend rate, $3.81/h, incl. ..."."""
    return RATE_SOURCE.format(rate=f"{format_usd(per_hour)}/h")


def rounded(lines: Sequence[Line], digest: Digest) -> tuple[Line, ...]:
    """`lines` (the parts of the week's total) to the cent, adding up to the total shown."""
    cents = cents_adding_up([line.amount for line in lines], digest.total.this_week)
    return tuple(Line(line.label, amount, line.hours) for line, amount in zip(lines, cents, strict=True))


def _money_rows(lines: Sequence[Line]) -> list[list[str]]:
    return [[line.label, _usd(line.amount)] for line in lines]


def _cross_check(digest: Digest) -> str:
    billing = digest.billing
    check = digest.cross_check
    if billing is None or check is None:
        return f"Not checked: {billing.source if billing else 'no bill to compare with'}."
    theirs, gap = check
    if _usd(theirs) == _usd(digest.total.this_week):
        verdict = "agrees to the cent"
    else:
        verdict = (f":warning: differs by {format_number(gap * 100)} %, more than 2 %: check the ledger"
                   if digest.cross_check_differs else f"agrees within 2 % ({format_number(gap * 100)} %)")
    return f"{billing.source}: {_usd(theirs)} vs ours {_usd(digest.total.this_week)}, {verdict}."


def slack_summary(digest: Digest) -> str:
    """`summary` for Slack's top-level text, which Slack parses as mrkdwn too."""
    return _escape(summary(digest))


def _section(body: str) -> dict[str, Any]:
    """A mrkdwn section; names are escaped so that a "<!channel>" in one pings nobody."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": _fit(_escape(body), MAX_SECTION)}}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(header: list[str], rows: list[list[str]]) -> dict[str, Any]:
    shown = rows[: MAX_TABLE_ROWS - 1] or [["none", *([""] * (len(header) - 1))]]
    return {
        "type": "table",
        "column_settings": [{"align": "left"}, *({"align": "right"} for _ in header[1:])],
        "rows": [[{"type": "raw_text", "text": cell or " "} for cell in row] for row in [header, *shown]],
    }


def _text_table(header: list[str], rows: list[list[str]], *, fence: bool) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in [header, *rows]]
    body = "\n".join(line.rstrip() for line in lines)
    return f"```\n{body}\n```" if fence else body


def _lines(lines: Sequence[Line]) -> str:
    return "\n".join(f"{line.label}: {_usd(line.amount)}" for line in lines)


def _delta(digest: Digest) -> str:
    change = digest.total
    if change.percent is None:
        return change.words
    sign = "+" if change.delta >= 0 else "-"
    return f"{sign}{_usd(abs(change.delta))}, {change.words}"


def _usd(amount: Decimal) -> str:
    return format_usd(_cents(amount))


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def _plain(amount: Decimal, step: str) -> str:
    return format(amount.quantize(Decimal(step), rounding=ROUND_HALF_UP), "f")


def _fit(body: str, limit: int) -> str:
    return body if len(body) <= limit else body[: limit - 1] + "…"


def _unique(names: list[str]) -> list[str]:
    """Series names cut to Slack's 20 characters, still unique."""
    out: list[str] = []
    for name in names:
        short = name[:MAX_LABEL]
        n = 2
        while short in out:
            suffix = f"~{n}"
            short, n = name[: MAX_LABEL - len(suffix)] + suffix, n + 1
        out.append(short)
    return out


def _duration(delta: Any) -> str:
    hours = Decimal(int(delta.total_seconds())) / 3600
    return f"{format_number(hours / 24)} days" if hours >= 48 else f"{format_number(hours)} h"


def _glyphs() -> set[int]:
    from matplotlib import font_manager, rcParams
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties(family=rcParams["font.family"]))
    return set(FT2Font(path).get_charmap())


def _printable(label: str, drawable: set[int]) -> str:
    return "".join(ch if ord(ch) in drawable or ch.isspace() else "□" for ch in label)

