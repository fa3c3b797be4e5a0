"""Hourly roll-ups of telemetry: pod utilisation and Serverless endpoint usage.

One row per pod (or endpoint) per UTC hour, however often the daemon samples. A sample
counts towards the hour it was taken in; a sample at or before the last one already
counted in that hour is ignored, so a daemon that restarts mid-tick does not count twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session

from podwarden.adapters.sql._base import LedgerBase, aware, insert_ignore
from podwarden.adapters.sql.models import (
    EndpointRow,
    EndpointUsageHourlyRow,
    EndpointUsageQuarterRow,
    PodRow,
    PodUtilisationHourlyRow,
)
from podwarden.adapters.sql.people import ensure_member
from podwarden.adapters.sql.types import as_money
from podwarden.domain.ledger_values import EndpointUsageHour, UtilisationHour
from podwarden.domain.models import Endpoint
from podwarden.errors import LedgerError


def hour_start(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


class UsageMixin(LedgerBase):
    def add_utilisation_sample(
        self, pod_id: str, *, at: datetime, seconds: int, gpu_percents: Sequence[int | None] = (),
        cpu_percent: int | None = None, idle: bool | None = None,
    ) -> bool:
        """Add one telemetry sample covering `seconds`; False if it was already counted.

        `gpu_percents` has one reading per GPU (None where RunPod gave none); `idle` is the
        idle policy's verdict for the sample, None when telemetry was missing or stale.
        """
        at = aware(at, "at")
        with self._write() as session:
            if session.get(PodRow, pod_id) is None:
                raise LedgerError(f"pod {pod_id} is not in the ledger yet; record an observation of it first")
            return add_utilisation(session, pod_id, at=at, seconds=seconds, gpu_percents=gpu_percents,
                                   cpu_percent=cpu_percent, idle=idle)

    def utilisation(self, pod_id: str, *, start: datetime, end: datetime) -> list[UtilisationHour]:
        """The pod's hours that start within [start, end), oldest first."""
        query = (
            select(PodUtilisationHourlyRow)
            .where(
                PodUtilisationHourlyRow.pod_id == pod_id,
                PodUtilisationHourlyRow.hour_start >= hour_start(aware(start, "start")),
                PodUtilisationHourlyRow.hour_start < aware(end, "end"),
            )
            .order_by(PodUtilisationHourlyRow.hour_start)
        )
        with self._read() as session:
            return [
                UtilisationHour(
                    pod_id=row.pod_id, hour_start=row.hour_start, samples=row.samples,
                    gpu_util_avg=row.gpu_util_sum / row.gpu_readings if row.gpu_readings else None,
                    gpu_util_max=row.gpu_util_max,
                    cpu_avg=row.cpu_util_sum / row.cpu_readings if row.cpu_readings else None,
                    idle_seconds=row.idle_seconds, unknown_seconds=row.unknown_seconds,
                )
                for row in session.scalars(query)
            ]

    def observe_endpoints(
        self, endpoints: Sequence[Endpoint], *, now: datetime, owners: Mapping[str, str] | None = None,
        complete: bool = False,
    ) -> None:
        """Keep the endpoints' rows current; with `complete`, missing ones were deleted."""
        now = aware(now)
        owners = owners or {}
        with self._write() as session:
            for endpoint in sorted(endpoints, key=lambda e: e.id):
                fields: dict[str, Any] = {
                    "name": endpoint.name, "gpu_ids": ",".join(endpoint.gpu_ids),
                    "workers_min": endpoint.workers_min, "workers_max": endpoint.workers_max,
                    "idle_timeout_s": endpoint.idle_timeout_s, "deleted_at": None,
                }
                insert_ignore(session, EndpointRow, {
                    "id": endpoint.id, "owner_id": None, **fields,
                    "created_at": now, "updated_at": now, "last_seen_at": now,
                })
                row = session.get(EndpointRow, endpoint.id, with_for_update=True, populate_existing=True)
                if row is None or row.last_seen_at > now:
                    continue
                if any(getattr(row, name) != value for name, value in fields.items()):
                    for name, value in fields.items():
                        setattr(row, name, value)
                    row.updated_at = now
                row.last_seen_at = now
                owner = owners.get(endpoint.id)
                if owner is not None and row.owner_id != owner:
                    ensure_member(session, owner, now=now)
                    row.owner_id, row.updated_at = owner, now
            if complete:
                seen = [endpoint.id for endpoint in endpoints]
                gone = session.scalars(select(EndpointRow).where(
                    EndpointRow.deleted_at.is_(None), EndpointRow.id.not_in(seen),
                    EndpointRow.last_seen_at <= now,
                ))
                for row in gone:
                    row.deleted_at = row.updated_at = now

    def endpoint_ids(self, *, include_deleted: bool = False) -> list[str]:
        """Endpoints the ledger knows; deleted ones (gone from a complete listing) on request."""
        query = select(EndpointRow.id).order_by(EndpointRow.id)
        if not include_deleted:
            query = query.where(EndpointRow.deleted_at.is_(None))
        with self._read() as session:
            return list(session.scalars(query))

    def endpoint_owner(self, endpoint_id: str) -> str | None:
        with self._read() as session:
            return session.scalar(select(EndpointRow.owner_id).where(EndpointRow.id == endpoint_id))

    def add_endpoint_usage(
        self, endpoint_id: str, *, at: datetime, seconds: int, workers_running: int, workers_idle: int,
        cost: Decimal, jobs_completed: int = 0, jobs_failed: int = 0,
    ) -> bool:
        """Add one sample of an endpoint (workers seen for `seconds`, what they cost)."""
        at = aware(at, "at")
        sample: dict[str, Any] = {
            "samples": 1, "running_worker_seconds": workers_running * seconds,
            "idle_worker_seconds": workers_idle * seconds, "jobs_completed": jobs_completed,
            "jobs_failed": jobs_failed, "cost": as_money(cost),
        }
        with self._write() as session:
            if session.get(EndpointRow, endpoint_id) is None:
                raise LedgerError(f"endpoint {endpoint_id} is not in the ledger yet; observe it first")
            row = _hourly_row(session, EndpointUsageHourlyRow, "endpoint_id", endpoint_id, at, sample)
            return row is None or add_sample(row, at, sample)

    def endpoint_usage(
        self, *, start: datetime, end: datetime, endpoint_id: str | None = None,
    ) -> list[EndpointUsageHour]:
        query = select(EndpointUsageHourlyRow).where(
            EndpointUsageHourlyRow.hour_start >= hour_start(aware(start, "start")),
            EndpointUsageHourlyRow.hour_start < aware(end, "end"),
        )
        if endpoint_id is not None:
            query = query.where(EndpointUsageHourlyRow.endpoint_id == endpoint_id)
        query = query.order_by(EndpointUsageHourlyRow.hour_start, EndpointUsageHourlyRow.endpoint_id)
        with self._read() as session:
            return [
                EndpointUsageHour(
                    endpoint_id=row.endpoint_id, hour_start=row.hour_start, samples=row.samples,
                    running_worker_seconds=row.running_worker_seconds,
                    idle_worker_seconds=row.idle_worker_seconds, jobs_completed=row.jobs_completed,
                    jobs_failed=row.jobs_failed, cost=row.cost,
                )
                for row in session.scalars(query)
            ]


def add_utilisation(
    session: Session, pod_id: str, *, at: datetime, seconds: int, gpu_percents: Sequence[int | None] = (),
    cpu_percent: int | None = None, idle: bool | None = None,
) -> bool:
    """Add one sample to the pod's hour, in the caller's transaction; False if already counted."""
    if seconds < 0:
        raise ValueError("a sample cannot cover negative time")
    readings = [p for p in gpu_percents if p is not None]
    sample = {
        "samples": 1, "gpu_readings": len(readings), "gpu_util_sum": sum(readings),
        "cpu_readings": int(cpu_percent is not None), "cpu_util_sum": cpu_percent or 0,
        "idle_seconds": seconds if idle else 0, "unknown_seconds": seconds if idle is None else 0,
    }
    peak = max(readings, default=None)
    row = _hourly_row(session, PodUtilisationHourlyRow, "pod_id", pod_id, at, {**sample, "gpu_util_max": peak})
    if row is None:
        return True
    if not add_sample(row, at, sample):
        return False
    if peak is not None:
        row.gpu_util_max = peak if row.gpu_util_max is None else max(row.gpu_util_max, peak)
    return True


@dataclass(frozen=True, slots=True)
class UtilisationSample:
    pod_id: str
    at: datetime
    seconds: int
    gpu_percents: Sequence[int | None] = ()
    cpu_percent: int | None = None
    idle: bool | None = None


def add_utilisation_many(session: Session, samples: Sequence[UtilisationSample]) -> None:
    """`add_utilisation` for a whole fleet in a few statements: one read of the hours' rows, one
    insert of the missing ones, and the updates flushed together."""
    if not samples:
        return
    keys = {(s.pod_id, hour_start(s.at)) for s in samples}
    pods = sorted({pod for pod, _ in keys})
    hours = sorted({hour for _, hour in keys})
    query = select(PodUtilisationHourlyRow).where(
        PodUtilisationHourlyRow.pod_id.in_(pods), PodUtilisationHourlyRow.hour_start.in_(hours),
    ).with_for_update().execution_options(populate_existing=True)
    rows = {(row.pod_id, row.hour_start): row for row in session.scalars(query)}
    fresh = [s for s in samples if (s.pod_id, hour_start(s.at)) not in rows]
    if fresh:
        firsts = [{"pod_id": s.pod_id, "hour_start": hour_start(s.at), "last_sample_at": s.at,
                   **_utilisation(s)[0], "gpu_util_max": _utilisation(s)[1]} for s in fresh]
        table = PodUtilisationHourlyRow.__table__
        dialect: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(dialect.insert(table).values(firsts).on_conflict_do_nothing())
    for sample in samples:
        row = rows.get((sample.pod_id, hour_start(sample.at)))
        if row is None:
            continue  # its hour's row was made from this very sample
        values, peak = _utilisation(sample)
        if add_sample(row, sample.at, values) and peak is not None:
            row.gpu_util_max = peak if row.gpu_util_max is None else max(row.gpu_util_max, peak)


def _utilisation(sample: UtilisationSample) -> tuple[dict[str, int], int | None]:
    if sample.seconds < 0:
        raise ValueError("a sample cannot cover negative time")
    readings = [p for p in sample.gpu_percents if p is not None]
    values = {
        "samples": 1, "gpu_readings": len(readings), "gpu_util_sum": sum(readings),
        "cpu_readings": int(sample.cpu_percent is not None), "cpu_util_sum": sample.cpu_percent or 0,
        "idle_seconds": sample.seconds if sample.idle else 0,
        "unknown_seconds": sample.seconds if sample.idle is None else 0,
    }
    return values, max(readings, default=None)


_Row = TypeVar("_Row", bound=DeclarativeBase)


def add_sample(
    row: PodUtilisationHourlyRow | EndpointUsageHourlyRow | EndpointUsageQuarterRow, at: datetime,
    sample: Mapping[str, Any],
) -> bool:
    """Add `sample` to an existing roll-up row (an hour, a quarter hour), once per instant:
    False for a repeated or older one."""
    if at <= row.last_sample_at:
        return False
    for name, value in sample.items():
        setattr(row, name, getattr(row, name) + value)
    row.last_sample_at = at
    return True


def _hourly_row(
    session: Session, model: type[_Row], key: str, key_value: str, at: datetime, first: Mapping[str, Any],
) -> _Row | None:
    """None if this sample created the hour's row; otherwise the existing row, locked."""
    hour = hour_start(at)
    if insert_ignore(session, model, {key: key_value, "hour_start": hour, "last_sample_at": at, **first}):
        return None
    columns = model.__table__.c
    query = select(model).where(columns[key] == key_value, columns.hour_start == hour)
    return session.scalars(query.with_for_update().execution_options(populate_existing=True)).one()
