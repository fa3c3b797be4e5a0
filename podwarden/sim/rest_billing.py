"""REST v2 billing: ``/v2/billing[/pods|/serverless|/network-volumes]`` from the world's ledger.

The world bills per second and files each charge in the hour it fell in
(`billing.BillingLedger`); V2 groups those hours into buckets of ``bucketSize`` (hour, day
— the default —, week from Monday, month, year), one record per bucket and pod. The window
``[startTime, endTime)`` is half-open and compared with each hour's start, so an hour
belongs to exactly one window; without bounds every hour so far counts. Amounts leave the
world's exact Decimals here, rounded to a millionth of a dollar.

The world knows GPU and disk for pods, one rate for an endpoint's workers and one for a
network volume, so: a pod's compute is ``gpuAmount`` (``cpuAmount`` for a CPU pod), its
disks ``diskAmount``; an endpoint's charges are ``gpuAmount`` (its cpu, disk and fee amounts
stay 0); a network volume's are ``standardAmount``. The account's ``/v2/billing`` has one
record per bucket (no id) with the ``pod*``, ``serverless*`` and ``storage*`` amounts filled
that way, the endpoint (public endpoints) and cluster amounts 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from podwarden.sim.billing import BillingRecord
from podwarden.sim.rest_calls import Answer, Call, Problem
from podwarden.sim.rest_views import stamp

if TYPE_CHECKING:
    from podwarden.sim.world import World

__all__ = ["HANDLERS", "account_billing", "pod_billing", "serverless_billing", "volume_billing"]

BUCKETS = ("hour", "day", "week", "month", "year")
_CENT_FRACTION = Decimal("0.000001")


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


@dataclass(frozen=True)
class _View:
    """One billing route: the ledger's resource, its id's name, its amounts and the count's name."""

    resource: str | None  # None: every resource (the account's aggregate)
    id_name: str | None
    amounts: tuple[str, ...]
    unique: str | None
    classify: Callable[[World, BillingRecord], str]


def _pod_amount(world: World, record: BillingRecord) -> str:
    if record.kind == "disk":
        return "diskAmount"
    pod = world.pods.get(record.resource_id)  # a terminated pod is gone: its compute counts as GPU
    return "cpuAmount" if pod is not None and pod.cpu_flavor is not None else "gpuAmount"


def _account_amount(world: World, record: BillingRecord) -> str:
    if record.resource == "pod":
        amount = _pod_amount(world, record)  # gpuAmount -> podGpuAmount
        return "pod" + amount[0].upper() + amount[1:]
    if record.resource == "endpoint":
        return "serverlessGpuAmount"
    return "storageStandardAmount"


_VIEWS = {
    "pods": _View("pod", "podId", ("gpuAmount", "cpuAmount", "diskAmount"), "uniquePodCount", _pod_amount),
    "serverless": _View("endpoint", "serverlessId", ("gpuAmount", "cpuAmount", "diskAmount", "feeAmount"),
                        "uniqueServerlessCount", lambda _w, _r: "gpuAmount"),
    "network-volumes": _View("networkVolume", "networkVolumeId", ("standardAmount", "highPerformanceAmount"),
                             "uniqueNetworkVolumeCount", lambda _w, _r: "standardAmount"),
    "account": _View(None, None, (
        "podGpuAmount", "podCpuAmount", "podDiskAmount", "serverlessGpuAmount", "serverlessCpuAmount",
        "serverlessDiskAmount", "serverlessFeeAmount", "storageStandardAmount", "storageHighPerformanceAmount",
        "endpointAmount", "clusterGpuAmount", "clusterDiskAmount", "clusterNetworkingAmount"), None, _account_amount),
}


def _billing(call: Call, view: _View) -> Answer:
    size = call.param("bucketSize") or "day"
    if size not in BUCKETS:
        raise Problem(400, "bucketSize must be hour, day, week, month or year")
    start, end = _time(call, "startTime"), _time(call, "endTime")
    if start is not None and end is not None and end <= start:
        raise Problem(400, "endTime must be after startTime")
    wanted = call.param(view.id_name) if view.id_name else None
    world = call.world
    sums: dict[tuple[datetime, str], dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(view.amounts, Decimal(0)))
    for record in world.billing.records(resource=view.resource, resource_id=wanted or None):
        if (start is not None and record.time < start) or (end is not None and record.time >= end):
            continue
        owner = record.resource_id if view.id_name else ""
        sums[(bucket_start(record.time, size), owner)][view.classify(world, record)] += record.amount
    records = []
    totals = dict.fromkeys(view.amounts, Decimal(0))
    for (bucket, owner), amounts in sorted(sums.items()):
        ids = {view.id_name: owner} if view.id_name else {}
        records.append({"startTime": stamp(bucket), "endTime": stamp(bucket_end(bucket, size)), **ids,
                        "totalAmount": _money(sum(amounts.values(), Decimal(0))),
                        **{k: _money(v) for k, v in amounts.items()}})
        for kind, amount in amounts.items():
            totals[kind] += amount
    query: dict[str, Any] = {"startTime": stamp(start), "endTime": stamp(end), "bucketSize": size}
    if view.id_name and wanted:
        query[view.id_name] = wanted
    metadata: dict[str, Any] = {
        "query": query,
        "recordCount": len(records),
        "totals": {"totalAmount": _money(sum(totals.values(), Decimal(0))),
                   **{k: _money(v) for k, v in totals.items()}},
    }
    if view.unique and view.id_name:
        metadata[view.unique] = len({r[view.id_name] for r in records})
    return Answer(200, {"records": records, "metadata": metadata})


def pod_billing(call: Call) -> Answer:
    return _billing(call, _VIEWS["pods"])


def serverless_billing(call: Call) -> Answer:
    return _billing(call, _VIEWS["serverless"])


def volume_billing(call: Call) -> Answer:
    return _billing(call, _VIEWS["network-volumes"])


def account_billing(call: Call) -> Answer:
    return _billing(call, _VIEWS["account"])


HANDLERS: dict[tuple[str, str], Callable[[Call], Answer]] = {
    ("GET", "/v2/billing"): account_billing,
    ("GET", "/v2/billing/pods"): pod_billing,
    ("GET", "/v2/billing/serverless"): serverless_billing,
    ("GET", "/v2/billing/network-volumes"): volume_billing,
}
