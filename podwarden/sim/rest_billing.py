"""REST v2 pod billing: ``GET /v2/billing/pods`` from the world's hour-bucketed ledger.

The world bills per second and files each charge in the hour it fell in
(`billing.BillingLedger`); V2 groups those hours into buckets of ``bucketSize`` (hour, day
— the default —, week from Monday, month, year), one record per bucket and pod. The window
``[startTime, endTime)`` is half-open and compared with each hour's start, so an hour
belongs to exactly one window; without bounds every hour so far counts. Amounts leave the
world's exact Decimals here, rounded to a millionth of a dollar.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from podwarden.sim.rest_calls import Answer, Call, Problem
from podwarden.sim.rest_views import stamp

__all__ = ["pod_billing"]

BUCKETS = ("hour", "day", "week", "month", "year")
_CENT_FRACTION = Decimal("0.000001")
_KINDS = ("gpuAmount", "cpuAmount", "diskAmount")


def _time(call: Call, name: str) -> datetime | None:
    raw = call.param(name)
    if raw is None or raw == "":
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise Problem(400, f"{name} must be an RFC 3339 time, not {raw!r}") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def bucket_start(hour: datetime, size: str) -> datetime:
    day = hour.replace(hour=0, minute=0, second=0, microsecond=0)
    if size == "hour":
        return hour
    if size == "day":
        return day
    if size == "week":
        return day - timedelta(days=day.weekday())
    if size == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def bucket_end(start: datetime, size: str) -> datetime:
    if size == "hour":
        return start + timedelta(hours=1)
    if size == "day":
        return start + timedelta(days=1)
    if size == "week":
        return start + timedelta(days=7)
    if size == "month":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start.replace(year=start.year + 1)


def _money(amount: Decimal) -> float:
    return float(amount.quantize(_CENT_FRACTION))


def pod_billing(call: Call) -> Answer:
    size = call.param("bucketSize") or "day"
    if size not in BUCKETS:
        raise Problem(400, "bucketSize must be hour, day, week, month or year")
    start, end = _time(call, "startTime"), _time(call, "endTime")
    if start is not None and end is not None and end <= start:
        raise Problem(400, "endTime must be after startTime")
    pod_id = call.param("podId")
    world = call.world
    sums: dict[tuple[datetime, str], dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(_KINDS, Decimal(0)))
    for record in world.billing.records(resource="pod", resource_id=pod_id or None):
        if (start is not None and record.time < start) or (end is not None and record.time >= end):
            continue
        pod = world.pods.get(record.resource_id)
        if record.kind == "disk":
            key = "diskAmount"
        else:
            key = "cpuAmount" if pod is not None and pod.cpu_flavor is not None else "gpuAmount"
        sums[(bucket_start(record.time, size), record.resource_id)][key] += record.amount
    records = []
    totals = dict.fromkeys(_KINDS, Decimal(0))
    for (bucket, rid), amounts in sorted(sums.items()):
        records.append({"startTime": stamp(bucket), "endTime": stamp(bucket_end(bucket, size)), "podId": rid,
                        "totalAmount": _money(sum(amounts.values(), Decimal(0))),
                        **{k: _money(v) for k, v in amounts.items()}})
        for kind, amount in amounts.items():
            totals[kind] += amount
    query: dict[str, Any] = {"startTime": stamp(start), "endTime": stamp(end), "bucketSize": size}
    if pod_id:
        query["podId"] = pod_id
    metadata = {
        "query": query,
        "recordCount": len(records),
        "totals": {"totalAmount": _money(sum(totals.values(), Decimal(0))),
                   **{k: _money(v) for k, v in totals.items()}},
        "uniquePodCount": len({r["podId"] for r in records}),
    }
    return Answer(200, {"records": records, "metadata": metadata})
