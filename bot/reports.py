"""`spend` and `digest`: the handlers of the reporting verbs.

`spend [today|week|month] [@user|team|team:NAME]` answers from the digest's own arithmetic
(`domain.digest.spend_summary`), attributed to the owner and team of the time, with the
matching budgets' burn, a forecast to the end of the period at its run-rate so far and the
balance's runway at RunPod's own spend rate. `team` is the caller's team; `team:NAME` any team. `digest` previews
the last full week for the caller (or this week so far when the last one has no spend at
all, saying so): Block Kit with the native table and chart blocks only (an ephemeral message
cannot carry a file); at the console the chart and the CSV are saved to files in the
per-user data directory. `digest now` (admins) posts the last full week to the digest
channel, once, through the weekly job's own path (`services.digest_delivery`).

Money shown is to the cent, and the parts of a total are rounded to add up to it; `--json`
keys follow docs/json.md (decimal strings, every amount naming its period).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bot import commands as c
from bot.dispatch import Caller, Handler
from bot.verbs import on
from podwarden.adapters.slack import render_digest
from podwarden.adapters.slack.reply import Reply, Section
from podwarden.domain.digest import Digest, Line, Runway, SpendOutlook, cents_adding_up
from podwarden.domain.money import format_number, format_usd
from podwarden.errors import InputError

if TYPE_CHECKING:
    from podwarden.bootstrap import Services

_CENT = Decimal("0.01")
_MILLI = Decimal("0.001")
_PERIOD_WORD = {"today": "day", "week": "week", "month": "month"}
_RUN_RATE = {"today": "today's", "week": "this week's", "month": "this month's"}
_MENTION = re.compile(r"^<?@([UW][A-Z0-9]+)(?:\|[^>]*)?>?$")


@dataclass(frozen=True, slots=True)
class BlocksReply(Reply):
    """A reply whose Block Kit is given: the digest's native `table` and chart blocks."""

    native: tuple[dict[str, Any], ...] = ()

    def blocks(self) -> list[dict[str, Any]]:
        return [dict(block) for block in self.native]


def report_handlers(services: Services) -> dict[type[c.Command], Handler]:
    from podwarden.bootstrap import reporting

    def spend(command: c.Spend, caller: Caller) -> Reply:
        user, team = _subject(services, command.who, caller)
        answer = reporting(services).spend(command.period, user=user, team=team)
        s, outlook = answer.summary, answer.outlook
        pods, serverless = cents_adding_up((s.pods, s.serverless), s.total)
        users, teams = _rounded(s.per_user, s.total), _rounded(s.per_team, s.total)
        title = f"Spend {answer.label}{' for ' + answer.who if answer.who else ''}: {_usd(s.total)}"
        sections = [Section(lines=(
            f"Pods {_usd(pods)} · Serverless {_usd(serverless)} · idle waste {_usd(s.idle_waste)}",
            *_outlook_lines(command.period, outlook),
            "Attributed to the owner and team of the time; the same arithmetic as the weekly digest.",
        ))]
        if users and user is None:
            sections.append(Section(table=_table("User", users)))
        if teams and team is None:
            sections.append(Section(table=_table("Team", teams)))
        return Reply(title=title, sections=tuple(sections), data={
            "period": command.period, "start": s.start, "end": s.end, "period_end": outlook.period_end,
            "user": user, "team": team,
            "spend_per_period": _cents(s.total), "pods_per_period": _cents(pods),
            "serverless_per_period": _cents(serverless), "idle_waste_per_period": _cents(s.idle_waste),
            "per_user": [{"user": line.label, "spend_per_period": _cents(line.amount)} for line in users],
            "per_team": [{"team": line.label, "spend_per_period": _cents(line.amount)} for line in teams],
            "forecast_per_period": None if outlook.forecast is None else _cents(outlook.forecast),
            "forecast_method": "the period's run-rate so far x the whole period" if outlook.rate_now is None
            else "spent so far + the pods' rate now (storage included) x the hours left",
            "budgets": [{"scope": b.label, "period": b.period, "budget_per_period": _cents(b.amount),
                         "spent_per_period": _cents(b.spent), "burn_percent": _hundredths(b.percent)}
                        for b in outlook.budgets],
            **_runway_data(outlook.runway),
        })

    def digest(command: c.Digest, caller: Caller) -> Reply:
        if command.now:
            return _post_now(services)
        built = reporting(services).preview()
        lines = render_digest.text(built).rstrip("\n").split("\n")
        if caller.channel_id is None:  # the console or the CLI: files instead of a chart block
            from podwarden.adapters.slack.digest_publisher import save_files
            from podwarden.bootstrap import digest_directory

            png, csv = save_files(built, digest_directory(services), at=services.clock.now())
            lines += ["", f"Chart (PNG): {png}", f"The week's rows (CSV): {csv}"]
        return BlocksReply(
            title=built.title, sections=(Section(lines=tuple(lines)),), data=_digest_data(built),
            native=tuple(render_digest.blocks(built)),
        )

    return dict([on(c.Spend, spend), on(c.Digest, digest)])  # real type dispatch, not an `assert`


def _post_now(services: Services) -> Reply:
    from podwarden.bootstrap import digest_delivery, reporting
    from podwarden.services.digest_delivery import Outcome

    channel = services.settings.digest_channel
    if not channel:
        raise InputError("no digest channel is set: set PODWARDEN_DIGEST_CHANNEL to post the digest")
    week = reporting(services).last_week()
    outcome = digest_delivery(services).post_week(week, channel=channel, now=services.clock.now())
    said = {
        Outcome.POSTED: f"Posted the digest of the week of {week} to <#{channel}>.",
        Outcome.RECONCILED: f"The digest of the week of {week} was already in <#{channel}>.",
        Outcome.ALREADY_SENT: f"The digest of the week of {week} was already posted to <#{channel}>.",
        Outcome.BUSY: f"The digest of the week of {week} is being posted right now.",
        Outcome.FILES_PENDING: f"The digest of the week of {week} is in <#{channel}>; its files go up later.",
        Outcome.FAILED: f"The digest of the week of {week} could not be posted; see the logs.",
    }[outcome]
    return Reply(title=said, data={"week_start": week, "channel": channel, "outcome": outcome.value},
                 ok=outcome is not Outcome.FAILED)


def _subject(services: Services, who: str | None, caller: Caller) -> tuple[str | None, str | None]:
    """(user id, team) to filter by: a mention, an @name, `team` (the caller's team) or
    `team:NAME` (any team, as `budget` names one: spend is no secret, unfiltered `spend` lists
    every team)."""
    if who is None:
        return None, None
    if who.startswith("team:"):
        return None, who.removeprefix("team:")
    if who == "team":
        member = services.ledger.member(caller.user_id)
        if member is None or member.team is None:
            raise InputError("you are in no team; ask an admin to add you to one, or name a @user")
        return None, member.team
    found = _MENTION.match(who)
    if found:
        return found.group(1), None
    name = who.lstrip("@").lower()
    for member in services.ledger.members():
        if member.display_name and member.display_name.lower() == name:
            return member.user_id, None
    raise InputError(f"no member is called {who}; mention them (@) instead")


def _outlook_lines(period: str, outlook: SpendOutlook) -> list[str]:
    """Budgets burnt, the forecast to the period's end and the runway: one line each."""
    word = _PERIOD_WORD[period]
    lines = [
        f"Budget {b.label}: {_usd(b.spent)} of {_usd(b.amount)}/{b.period}, "
        f"{format_number(b.percent)} % burnt" for b in outlook.budgets
    ]
    if outlook.budgets_period is None:
        lines.append("No weekly budgets (budgets are per hour, day or month).")
    elif not outlook.budgets:
        lines.append("No daily budget set for this." if word == "day" else "No monthly budget set for this.")
    if outlook.forecast is not None and outlook.rate_now is not None and outlook.hours_left is not None:
        lines.append(
            f"Forecast to the end of the {word}: {_usd(outlook.forecast)} (spent so far + the pods as they run now, "
            f"{format_usd(outlook.rate_now)}/h with storage, for the {format_number(outlook.hours_left)} h left)."
        )
    elif outlook.forecast is not None:
        lines.append(
            f"Forecast to the end of the {word}: {_usd(outlook.forecast)} ({_RUN_RATE[period]} run-rate so far, "
            f"over {format_number(outlook.elapsed_hours)} h)."
        )
    if outlook.runway is not None:
        lines.append(render_digest.runway_line(outlook.runway))
    return lines


def _runway_data(runway: Runway | None) -> dict[str, Any]:
    days = None if runway is None else runway.days
    return {
        "balance": None if runway is None else _cents(runway.balance),
        "spend_rate_per_hour": None if runway is None else _tenth_cent(runway.spend_per_hr),
        "spend_rate_source": "RunPod's current spend rate for the account, incl. storage and Serverless",
        "runway_days": None if days is None else _hundredths(days),
    }


def _rounded(lines: tuple[Line, ...], total: Decimal) -> tuple[Line, ...]:
    """The parts of `total` to the cent, adding up to the total shown."""
    cents = cents_adding_up([line.amount for line in lines], total)
    return tuple(Line(line.label, amount, line.hours) for line, amount in zip(lines, cents, strict=True))


def _table(what: str, lines: tuple[Line, ...]) -> tuple[tuple[str, ...], ...]:
    return ((what, "Spend"), *((line.label, _usd(line.amount)) for line in lines))


def _usd(amount: Decimal) -> str:
    return format_usd(amount.quantize(_CENT))


def _cents(amount: Decimal) -> str:
    return format(amount.quantize(_CENT), "f")


def _tenth_cent(amount: Decimal) -> str:
    return format(amount.quantize(_MILLI), "f")


def _hundredths(value: Decimal) -> str:
    return format(value.quantize(_CENT), "f")


def _digest_data(digest: Digest) -> dict[str, Any]:
    total = digest.total.this_week
    pods, serverless = cents_adding_up((digest.pods, digest.serverless), total)
    return {
        "week_start": digest.week_start, "zone": digest.zone, "start": digest.start, "end": digest.end,
        "partial": digest.partial, "note": digest.note,
        "total_per_week": _cents(total), "week_before_per_week": _cents(digest.total.last_week),
        "pods_per_week": _cents(pods), "serverless_per_week": _cents(serverless),
        "per_user": [{"user": line.label, "spend_per_week": _cents(line.amount)}
                     for line in _rounded(digest.per_user, total)],
        "per_team": [{"team": line.label, "spend_per_week": _cents(line.amount)}
                     for line in _rounded(digest.per_team, total)],
        "per_gpu": [{"gpu": line.label, "hours": None if line.hours is None else _hundredths(line.hours),
                     "spend_per_week": _cents(line.amount)} for line in digest.per_gpu],
        "idle_waste_per_week": _cents(digest.idle_waste), "auto_stop_savings_per_week": _cents(digest.savings),
        "month_to_date": _cents(digest.forecast.to_date), "forecast_per_month": _cents(digest.forecast.forecast),
        **_runway_data(digest.runway),
    }
