"""Per-second billing in exact `Decimal`s, bucketed by the hour.

Every thing that costs money (a pod's compute, a pod's disks, a network volume, an
endpoint's workers) has a `Meter`: a rate in $/h that holds from an instant until it is
changed. A meter charges *telescopically*: the total owed for the current segment is
``rate × elapsed`` rounded to `QUANTUM`, and each charge is that total minus what was
already charged. So an hour at a constant rate costs exactly the rate, however many
times the world was stepped in between, and no rounding error accumulates.

Storage rates follow the price book (docs/architecture.md): $/GB/month over a 30-day (720 h) month.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

__all__ = [
    "CONTAINER_DISK_PER_GB_MONTH",
    "HOURS_PER_MONTH",
    "NETWORK_VOLUME_PER_GB_MONTH",
    "NETWORK_VOLUME_PER_GB_MONTH_OVER_1TB",
    "QUANTUM",
    "VOLUME_RUNNING_PER_GB_MONTH",
    "VOLUME_STOPPED_PER_GB_MONTH",
    "BillingLedger",
    "BillingRecord",
    "Meter",
    "hour_floor",
    "network_volume_rate",
    "per_month_to_per_hour",
]

HOURS_PER_MONTH = Decimal(720)
CONTAINER_DISK_PER_GB_MONTH = Decimal("0.10")
VOLUME_RUNNING_PER_GB_MONTH = Decimal("0.10")
VOLUME_STOPPED_PER_GB_MONTH = Decimal("0.20")
NETWORK_VOLUME_PER_GB_MONTH = Decimal("0.07")
NETWORK_VOLUME_PER_GB_MONTH_OVER_1TB = Decimal("0.05")
QUANTUM = Decimal("1e-12")
_MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)


def per_month_to_per_hour(per_month: Decimal) -> Decimal:
    return per_month / HOURS_PER_MONTH


def network_volume_rate(size_gb: int) -> Decimal:
    """$/h of a network volume: $0.07/GB/month for the first 1 TB, $0.05 beyond (tiered)."""
    first = min(size_gb, 1000)
    rest = max(size_gb - 1000, 0)
    monthly = first * NETWORK_VOLUME_PER_GB_MONTH + rest * NETWORK_VOLUME_PER_GB_MONTH_OVER_1TB
    return per_month_to_per_hour(monthly)


def hour_floor(when: datetime) -> datetime:
    return when.replace(minute=0, second=0, microsecond=0)


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass
class Meter:
    """A $/h rate in force since `since`; `charge_to` returns what is owed since the last charge."""

    kind: str
    rate_per_hour: Decimal
    since: datetime
    charged: Decimal = Decimal(0)

    def owed_until(self, until: datetime) -> Decimal:
        elapsed = Decimal(_micros(until - self.since))
        return (self.rate_per_hour * elapsed / _MICROSECONDS_PER_HOUR).quantize(QUANTUM)

    def charge_to(self, until: datetime) -> Decimal:
        total = self.owed_until(until)
        delta = total - self.charged
        self.charged = total
        return delta

    def reset(self, rate_per_hour: Decimal, at: datetime) -> None:
        """Start a new segment at `at` (the caller has charged up to `at` first)."""
        self.rate_per_hour = rate_per_hour
        self.since = at
        self.charged = Decimal(0)


@dataclass(frozen=True)
class BillingRecord:
    """What one resource cost in one hour bucket (REST-v1/v2-like; served by GET /_sim/billing)."""

    time: datetime
    resource: str  # "pod" | "endpoint" | "networkVolume"
    resource_id: str
    kind: str  # "gpu" | "disk" | "serverless" | "storage"
    amount: Decimal
    time_billed: timedelta


@dataclass
class _Slot:
    amount: Decimal = Decimal(0)
    billed: timedelta = timedelta(0)


@dataclass
class BillingLedger:
    """Hour-bucketed charges keyed by (hour, resource, id, kind)."""

    buckets: dict[tuple[datetime, str, str, str], _Slot] = field(default_factory=lambda: defaultdict(_Slot))
    lifetime: Decimal = Decimal(0)

    def add(self, hour: datetime, resource: str, resource_id: str, kind: str, amount: Decimal,
            billed: timedelta) -> None:
        slot = self.buckets[(hour, resource, resource_id, kind)]
        slot.amount += amount
        slot.billed += billed
        self.lifetime += amount

    def records(self, *, resource: str | None = None, resource_id: str | None = None) -> list[BillingRecord]:
        return [
            BillingRecord(hour, res, rid, kind, slot.amount, slot.billed)
            for (hour, res, rid, kind), slot in sorted(self.buckets.items())
            if (resource is None or res == resource) and (resource_id is None or rid == resource_id)
        ]

    def total(self, *, resource: str | None = None, resource_id: str | None = None) -> Decimal:
        return sum((r.amount for r in self.records(resource=resource, resource_id=resource_id)), Decimal(0))

    def to_json(self) -> dict[str, Any]:
        """The records as JSON (GET /_sim/billing): one list per kind of resource, oldest hour first.

        Each record is one hour bucket of one meter: ``time`` (the bucket's start), the
        resource's id (``podId``, ``endpointId`` or ``networkVolumeId``), ``kind`` (``gpu`` or
        ``disk`` for a pod), ``amount`` as a decimal string (exact, never a float) and
        ``secondsBilled``.
        """
        out: dict[str, list[dict[str, Any]]] = {key: [] for key in _JSON_LISTS.values()}
        for record in self.records():
            out[_JSON_LISTS[record.resource]].append({
                "time": record.time.isoformat(),
                _JSON_IDS[record.resource]: record.resource_id,
                "kind": record.kind,
                "amount": _exact(record.amount),
                "secondsBilled": record.time_billed.total_seconds(),
            })
        return {**out, "lifetime": _exact(self.lifetime)}


def _exact(amount: Decimal) -> str:
    """``Decimal("0.280000000000")`` -> ``"0.28"``: exact, without the quantum's trailing zeros."""
    return format(amount.normalize(), "f")


_JSON_LISTS = {"pod": "pods", "endpoint": "endpoints", "networkVolume": "networkVolumes"}
_JSON_IDS = {"pod": "podId", "endpoint": "endpointId", "networkVolume": "networkVolumeId"}
