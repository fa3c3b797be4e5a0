"""The quote as people read it: the table's rows, its totals and the recommendation under it
say the same thing (properties over random quotes, through the real renderer)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from podwarden.adapters.slack import render_costs
from podwarden.adapters.slack.reply import Reply
from podwarden.domain.catalog import GpuList, offered_gpus
from podwarden.domain.models import Cloud, GpuType
from podwarden.domain.money import format_usd
from podwarden.domain.quotes import QuoteRequest, quote
from podwarden.domain.sizing import size_model
from podwarden.services.costs import QuoteAnswer
from tests.unit.gpu_catalog import BOOK, CATALOG, SIM_SOURCE

on_demand = [g for g in CATALOG if g.secure_price is not None]
requests = st.one_of(st.none(), st.tuples(st.integers(1, 50_000), st.integers(1, 120)))
disks = st.integers(0, 3000)


def _money(cell: str) -> Decimal:
    return Decimal(cell.replace("$", "").replace(",", ""))


@st.composite
def quote_requests(draw: st.DrawFn) -> QuoteRequest:
    gpu = draw(st.sampled_from(on_demand))
    period = draw(st.sampled_from(["run", "day", "none"]))
    load = draw(requests)
    return QuoteRequest(
        gpu=gpu, gpu_count=draw(st.integers(1, min(8, gpu.max_gpu_count))),
        hours=draw(st.decimals(min_value=Decimal("0.5"), max_value=2000, places=2)) if period == "run" else None,
        hours_per_day=draw(st.integers(1, 24)) if period == "day" else None,
        requests_per_hour=Decimal(load[0]) if load else None, seconds_per_request=Decimal(load[1]) if load else None,
        container_disk_gb=draw(disks), volume_gb=draw(disks), network_volume_gb=draw(st.integers(0, 3000)),
    )


@settings(max_examples=200, deadline=None)
@given(quote_requests())
def test_rounded_rows_add_up_to_the_shown_total_or_a_footnote_says_why(request: QuoteRequest) -> None:
    q = quote(request, BOOK, price_source=SIM_SOURCE)
    reply = render_costs.quote(QuoteAnswer(quote=q, note=""))
    table = reply.sections[0].table
    labels = [row[0] for row in table]
    total_at = next((n for n, label in enumerate(labels) if label.strip() in {"Pod total", "Pods total"}), None)
    if total_at is None:
        assert not q.pod.storage
        return
    rows = [_money(row[-1]) for row in table[1:total_at]]
    shown_total = _money(table[total_at][-1])
    assert shown_total == _money(format_usd(q.pod.total))
    if sum(rows) != shown_total:
        assert "Rows are rounded for display" in reply.text()


@settings(max_examples=200, deadline=None)
@given(quote_requests())
def test_the_recommendation_quotes_the_table(request: QuoteRequest) -> None:
    """A one-run recommendation names the table's Pod total; a load-sized one prices as many
    Pods as the table, which says how many in its title and rows."""
    q = quote(request, BOOK, price_source=SIM_SOURCE)
    reply = render_costs.quote(QuoteAnswer(quote=q, note=""))
    if q.serverless is None:
        return
    if q.serverless.requests_per_hour is not None:
        assert q.serverless.active_workers == q.pod.pods
        if q.pod.pods > 1:
            assert f"{q.pod.pods} Pods" in reply.title
            assert f"{q.pod.pods} Pods" in q.recommendation
            assert f"Serverless {q.pod.pods} active workers" in reply.text()
        return
    if q.pod.period.days is None:
        assert format_usd(q.pod.total) in q.recommendation


@settings(max_examples=200, deadline=None)
@given(quote_requests())
def test_every_row_has_the_same_columns_and_a_one_run_quote_has_no_per_day(request: QuoteRequest) -> None:
    """`quote h100 x8 --hours 2` once filled "per day" for the active worker alone and printed a
    busy-hours-a-day break-even: a single run has no day to divide by."""
    q = quote(request, BOOK, price_source=SIM_SOURCE)
    reply = render_costs.quote(QuoteAnswer(quote=q, note=""))
    table = reply.sections[0].table
    assert {len(row) for row in table} == {len(table[0])}
    one_run = q.pod.period.days is None
    assert table[0] == (("option", "rate", "this run") if one_run else ("option", "rate", "per day", "period"))
    assert ("Break-even:" in reply.text()) == (not one_run and q.break_even is not None)
    if not one_run:
        assert all(row[2] for row in table[1:]), table  # every row has its day


def test_the_issue_example_one_run_of_eight_h100s() -> None:
    gpu = next(g for g in CATALOG if g.id == "NVIDIA H100 80GB HBM3")
    q = quote(QuoteRequest(gpu=gpu, gpu_count=8, hours=Decimal(2)), BOOK, price_source=SIM_SOURCE)
    reply = render_costs.quote(QuoteAnswer(quote=q, note=""))
    active = next(row for row in reply.sections[0].table if row[0].startswith("Serverless 1 active"))
    assert active[2] == format_usd(q.serverless.active_total)  # type: ignore[union-attr]
    assert format_usd(q.serverless.active_per_day) not in reply.text()  # type: ignore[union-attr]
    assert "busy h/day" not in reply.text()
    assert json.loads(reply.json())["quote"]["break_even"] is not None  # the JSON keeps its keys


@settings(max_examples=100, deadline=None)
@given(quote_requests())
def test_json_money_is_cents_at_the_documented_precision(request: QuoteRequest) -> None:
    q = quote(request, BOOK, price_source=SIM_SOURCE)
    data = json.loads(render_costs.quote(QuoteAnswer(quote=q, note="")).json())["quote"]

    def walk(value: object, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value) and not key.startswith(
            ("requests", "busy_hours", "seconds", "billed", "running", "total_hours", "hours", "volume_gb",
             "utilisation", "savings_percent")
        ):
            places = len(value.partition(".")[2])
            if key.endswith(("_per_period", "_per_day", "_per_month")) or key == "per_day":
                assert places == 2, (key, value)
            elif key.endswith("_per_second") or key == "per_request":
                assert places == 6, (key, value)
            elif key.endswith("per_hour") or key == "per_gb_month":
                assert places == 3, (key, value)
            assert len(value) < 20, (key, value)  # never a 28-digit string

    walk(data)
    assert isinstance(data["pod"]["pods"], int)
    assert isinstance(data["notes"], list)


def test_an_issue_example_prices_the_load_in_every_row() -> None:
    """`quote 4090 --requests 1000000/hour --seconds 3.5`: 973 Pods busy at once, in the table
    and in the recommendation alike."""
    gpu = next(g for g in CATALOG if g.id == "NVIDIA GeForce RTX 4090")
    q = quote(QuoteRequest(gpu=gpu, requests_per_hour=Decimal(1_000_000), seconds_per_request=Decimal("3.5")),
              BOOK, price_source=SIM_SOURCE)
    text = render_costs.quote(QuoteAnswer(quote=q, note="")).text()
    assert q.pod.pods == 973
    assert "973 Pods (on-demand) compute" in text
    assert "Serverless 973 active workers" in text
    assert q.recommendation.startswith("At 1,000,000 requests/h of 3.5 s, 973 Pods are cheaper: $671.37 vs")


# -- one type per key, across answers ---------------------------------------------------------

QUOTE_SHAPES: dict[str, dict[str, object]] = {  # the ways people ask `quote`
    "month": {},
    "one run": {"hours": Decimal("3.5")},
    "hours a day": {"hours_per_day": 8},
    "spot": {"spot": True, "hours_per_day": 24},
    "light load": {"requests_per_hour": Decimal(300), "seconds_per_request": Decimal(5)},
    "heavy load": {"requests_per_hour": Decimal(50_000), "seconds_per_request": Decimal("3.5"),
                   "cold_start_s": Decimal(2), "idle_timeout_s": Decimal(5)},
    "storage": {"container_disk_gb": 20, "volume_gb": 100, "network_volume_gb": 1000},
    "two GPUs": {"gpu_count": 2, "hours": 10},
}


def _shapes(gpu: GpuType) -> list[QuoteRequest]:
    """Every shape in every cloud that prices `gpu` (spot only where it has a spot price)."""
    asked = []
    for cloud in (Cloud.SECURE, Cloud.COMMUNITY):
        for shape in QUOTE_SHAPES.values():
            spot = bool(shape.get("spot"))
            if gpu.price(cloud, spot=spot) is None or int(str(shape.get("gpu_count", 1))) > gpu.max_gpu_count:
                continue
            asked.append(QuoteRequest(gpu=gpu, cloud=cloud, **shape))  # type: ignore[arg-type]
    return asked


def _answers() -> list[Reply]:
    """Every catalog GPU × every quote shape, `size` from tiny to too big (with and without a
    context), and `gpus` in each cloud, spot or not, and with nothing to list."""
    replies = [render_costs.quote(QuoteAnswer(quote=quote(r, BOOK, price_source=SIM_SOURCE), note=""))
               for gpu in CATALOG for r in _shapes(gpu)]
    for params, dtype, context in (("0.5", "bf16", None), ("7", "bf16", 8192), ("70", "int4", None),
                                   ("405", "fp8", 32_768), ("99000", "int4", None)):
        for cloud in (Cloud.SECURE, Cloud.COMMUNITY):
            replies.append(render_costs.size(size_model(Decimal(params), dtype, catalog=CATALOG, context=context,
                                                        cloud=cloud, price_source=SIM_SOURCE)))
    for cloud in (Cloud.ALL, Cloud.SECURE, Cloud.COMMUNITY):
        for spot, vram in ((False, 0), (True, 48), (False, 10_000)):
            listed = offered_gpus(CATALOG, cloud=cloud, spot=spot, min_vram_gb=vram)
            replies.append(render_costs.gpus(GpuList(cloud=cloud, min_vram_gb=vram, gpus=listed,
                                                     price_source=SIM_SOURCE)))
    return replies


def _types(value: object, path: str, seen: dict[str, set[str]]) -> None:
    """Record the JSON type at every key path (`[]` for a list's items), nulls included."""
    seen.setdefault(path, set()).add(type(value).__name__)
    if isinstance(value, dict):
        for key, item in value.items():
            _types(item, f"{path}.{key}", seen)
    elif isinstance(value, list):
        for item in value:
            _types(item, f"{path}[]", seen)


def test_json_keys_keep_one_type_across_every_answer() -> None:
    """A script reads `quote.pod.per_hour` the same way whichever GPU, cloud or shape it asked
    about: each key path has one type besides null, across the whole matrix of answers."""
    seen: dict[str, set[str]] = {}
    replies = _answers()
    for reply in replies:
        assert reply.ok, reply.title
        _types(json.loads(reply.json()), "", seen)
    mixed = {path: types for path, types in seen.items() if len(types - {"NoneType"}) > 1}
    assert not mixed, mixed
    # The matrix reaches the optional parts, so the check above is not vacuous about them.
    assert {".quote.spot", ".quote.serverless", ".quote.break_even", ".gpus[].secure_spot_per_hour"} <= set(seen)
    assert len(replies) > 10 * len(CATALOG)
