"""Pods as the ledger sees them, and their usage as intervals.

`observe_pods` is how RunPod's view enters the ledger. It keeps each pod's row current and
keeps `pod_intervals` true: an interval is open while a pod keeps one status at one billed
rate, and a change closes it and opens the next at the instant it was observed. Recording
the same snapshot twice changes nothing, and a snapshot older than what the ledger already
saw of a pod is ignored for that pod, so the bot and the daemon may both record what they
see without coordinating.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from podwarden.adapters.sql._base import LedgerBase, aware, insert_ignore
from podwarden.adapters.sql.models import MemberRow, PodIntervalRow, PodRow
from podwarden.adapters.sql.notices import insert_notice
from podwarden.adapters.sql.people import ensure_member
from podwarden.adapters.sql.types import as_money
from podwarden.adapters.sql.usage import UtilisationSample, add_utilisation_many
from podwarden.domain.ledger_values import NoticeIntent, PodChange, PodInterval, PodLifecycle, PodRecord, PodTrack
from podwarden.domain.models import Cloud, Pod, PodStatus
from podwarden.errors import LedgerError

BILLED_STATUSES = frozenset({PodStatus.RUNNING, PodStatus.RESTARTING})
"""Statuses in which RunPod bills a pod's compute rate (storage is priced elsewhere)."""

_ZERO = Decimal(0)


def billed_rate(status: PodStatus, cost_per_hr: Decimal) -> Decimal:
    return cost_per_hr if status in BILLED_STATUSES else _ZERO


class PodsMixin(LedgerBase):
    def observe_pods(
        self, pods: Sequence[Pod], *, now: datetime, owners: Mapping[str, str] | None = None,
        complete: bool = False,
    ) -> list[PodChange]:
        """Record what RunPod says about `pods` at `now`; what changed, by pod id.

        `owners` sets the owner (a Slack user id) of the pods it names, e.g. right after
        the bot created one. With `complete=True` the snapshot is the whole fleet: a pod
        the ledger knows that is missing from it was terminated.
        """
        now = aware(now)
        ids = [pod.id for pod in pods]
        if len(set(ids)) != len(ids):
            raise ValueError("a snapshot lists each pod once")
        owners = owners or {}
        changes: list[PodChange] = []
        with self._write() as session:
            for pod in sorted(pods, key=lambda p: p.id):  # one lock order for every writer
                change = _observe(session, pod, now=now, owner=owners.get(pod.id))
                if change is not None:
                    changes.append(change)
            if complete:
                changes += _terminate_missing(session, ids, now)
        return changes

    def pod(self, pod_id: str) -> PodRecord | None:
        with self._read() as session:
            row = session.get(PodRow, pod_id)
            return pod_value(row) if row is not None else None

    def pods(self, *, owner_id: str | None = None, include_terminated: bool = False) -> list[PodRecord]:
        query = select(PodRow).order_by(PodRow.created_at, PodRow.id)
        if owner_id is not None:
            query = query.where(PodRow.owner_id == owner_id)
        if not include_terminated:
            query = query.where(PodRow.terminated_at.is_(None))
        with self._read() as session:
            return [pod_value(row) for row in session.scalars(query)]

    def pod_owner(self, pod_id: str) -> str | None:
        with self._read() as session:
            return session.scalar(select(PodRow.owner_id).where(PodRow.id == pod_id))

    def set_pod_owner(self, pod_id: str, owner_id: str | None, *, now: datetime) -> None:
        """Give a known pod an owner (created as a member if new), or none."""
        now = aware(now)
        with self._write() as session:
            row = session.get(PodRow, pod_id, with_for_update=True)
            if row is None:
                raise LedgerError(f"pod {pod_id} is not in the ledger yet; record an observation of it first")
            if owner_id is not None:
                ensure_member(session, owner_id, now=now)
            if row.owner_id != owner_id:
                row.owner_id, row.updated_at = owner_id, now

    def lifecycle_state(self) -> dict[str, PodLifecycle]:
        """Every pod not terminated, with the daemon's memory of it, in one query."""
        query = (
            select(PodRow, MemberRow.team, PodIntervalRow.started_at)
            .outerjoin(MemberRow, MemberRow.user_id == PodRow.owner_id)
            .outerjoin(PodIntervalRow, (PodIntervalRow.pod_id == PodRow.id) & PodIntervalRow.ended_at.is_(None))
            .where(PodRow.terminated_at.is_(None))
            .order_by(PodRow.id)
        )
        with self._read() as session:
            return {
                row.id: PodLifecycle(
                    record=pod_value(row), team=team, status_since=since, idle_since=row.idle_since,
                    last_telemetry_at=row.last_telemetry_at, deadline_at=row.deadline_at,
                    stopped_by_us_at=row.stopped_by_us_at, created_by_podwarden=row.created_by_podwarden,
                )
                for row, team, since in session.execute(query)
            }

    def record_tick(
        self, pods: Sequence[Pod], *, now: datetime, complete: bool, tracks: Mapping[str, PodTrack],
        adopt: Mapping[str, str] | None = None, storage_per_hr: Mapping[str, Decimal] | None = None,
        notices: Sequence[NoticeIntent] = (),
    ) -> list[PodChange]:
        """One tick's observations and decisions, in one transaction.

        The fleet as RunPod reported it (intervals split on a change of status, rate or idleness,
        carrying GPU, cloud, spot, storage $/h and owner and team as they are now), adoptions of
        outside pods, each running pod's idle clock and hourly roll-up, and the notices the tick
        decided to send (recorded as pending: the outbox). Nothing is half-recorded: a crash
        leaves the previous tick's state, and the next tick decides again.
        """
        now = aware(now)
        ids = [pod.id for pod in pods]
        if len(set(ids)) != len(ids):
            raise ValueError("a snapshot lists each pod once")
        adopt, storage = adopt or {}, storage_per_hr or {}
        changes: list[PodChange] = []
        with self._write() as session:
            batch = _Batch.load(session, ids)
            samples: list[UtilisationSample] = []
            for pod in sorted(pods, key=lambda p: p.id):
                track = tracks.get(pod.id)
                change = _observe(session, pod, now=now, owner=adopt.get(pod.id), extras=_Extras(
                    idle=track.idle if track is not None else None, storage_per_hr=storage.get(pod.id, _ZERO),
                ), batch=batch)
                if change is not None:
                    changes.append(change)
                row = batch.pods.get(pod.id)
                if row is None or row.last_seen_at != now:
                    continue  # an older snapshot than one already recorded
                if track is None:
                    row.idle_since = None
                    continue
                row.idle_since, row.last_telemetry_at = track.idle_since, now
                samples.append(UtilisationSample(pod.id, now, track.seconds, track.gpu_percents, track.cpu_percent,
                                                 track.idle))
            batch.open_pending(session)
            add_utilisation_many(session, samples)
            if complete:
                changes += _terminate_missing(session, ids, now)
            for intent in sorted(notices, key=lambda n: n.key):
                insert_notice(session, intent.key, kind=intent.kind, now=now, pod_id=intent.pod_id,
                              endpoint_id=intent.endpoint_id, recipient=intent.recipient, due_at=intent.due_at,
                              payload=intent.payload)
        return changes

    def set_pod_deadline(self, pod_id: str, deadline_at: datetime | None, *, now: datetime) -> None:
        """`start --max-hours`: stop the pod at `deadline_at` unless kept (None: no deadline)."""
        now = aware(now)
        with self._write() as session:
            row = _known(session, pod_id)
            row.deadline_at = aware(deadline_at, "deadline_at") if deadline_at is not None else None
            row.updated_at = now

    def mark_stopped_by_us(self, pod_id: str, *, now: datetime) -> None:
        """Podwarden asked RunPod to stop the pod (so that its going down is not a spot eviction)."""
        with self._write() as session:
            row = _known(session, pod_id)
            row.stopped_by_us_at = aware(now)

    def unmark_stopped_by_us(self, pod_id: str, *, since: datetime, until: datetime) -> bool:
        """A stop of ours marked between `since` and `until` (inclusive) did not happen: clear
        the mark, so that the pod's next going down (a spot eviction) is not taken for our stop.
        A mark outside that span (a later stop, e.g. the owner's through Podwarden) stays."""
        with self._write() as session:
            row = session.get(PodRow, pod_id)
            marked = row.stopped_by_us_at if row is not None else None
            if row is None or marked is None or not aware(since, "since") <= marked <= aware(until, "until"):
                return False
            row.stopped_by_us_at = None
            return True

    def pod_intervals(
        self, pod_id: str, *, start: datetime | None = None, end: datetime | None = None,
    ) -> list[PodInterval]:
        """The pod's intervals overlapping [start, end), oldest first (not clipped)."""
        query = select(PodIntervalRow).where(PodIntervalRow.pod_id == pod_id)
        if end is not None:
            query = query.where(PodIntervalRow.started_at < aware(end, "end"))
        if start is not None:
            start = aware(start, "start")
            query = query.where((PodIntervalRow.ended_at.is_(None)) | (PodIntervalRow.ended_at > start))
        with self._read() as session:
            rows = session.scalars(query.order_by(PodIntervalRow.started_at, PodIntervalRow.id))
            return [interval_value(row) for row in rows]


def _terminate_missing(session: Session, ids: Sequence[str], now: datetime) -> list[PodChange]:
    """Pods the ledger knows that a complete snapshot no longer lists were terminated."""
    changes = []
    gone = session.scalars(
        select(PodRow)
        .where(PodRow.terminated_at.is_(None), PodRow.id.not_in(ids), PodRow.last_seen_at <= now)
        .order_by(PodRow.id)
        .with_for_update()
    )
    for row in gone:
        previous = PodStatus(row.status)
        _set_interval(session, row, PodStatus.TERMINATED, _ZERO, now)
        row.status, row.terminated_at, row.updated_at = PodStatus.TERMINATED.value, now, now
        row.idle_since = None
        changes.append(PodChange(
            pod_id=row.id, status=PodStatus.TERMINATED, cost_per_hr=row.cost_per_hr,
            ssh=_ssh(row), previous_status=previous, previous_cost_per_hr=row.cost_per_hr,
            previous_ssh=_ssh(row),
        ))
    return changes


def _known(session: Session, pod_id: str) -> PodRow:
    row = session.get(PodRow, pod_id, with_for_update=True)
    if row is None:
        raise LedgerError(f"pod {pod_id} is not in the ledger yet; record an observation of it first")
    return row


@dataclass
class _Batch:
    """A tick's rows loaded up front (a few statements for the whole fleet, not a few per pod)."""

    pods: dict[str, PodRow]
    open_intervals: dict[str, PodIntervalRow]
    teams: dict[str, str | None]
    opening: list[PodIntervalRow] = field(default_factory=list)

    @classmethod
    def load(cls, session: Session, ids: Sequence[str]) -> _Batch:
        pods = {row.id: row for row in session.scalars(
            select(PodRow).where(PodRow.id.in_(ids)).order_by(PodRow.id).with_for_update())}
        intervals = {row.pod_id: row for row in session.scalars(
            select(PodIntervalRow).where(PodIntervalRow.pod_id.in_(ids), PodIntervalRow.ended_at.is_(None)))}
        teams: dict[str, str | None] = dict(session.execute(select(MemberRow.user_id, MemberRow.team)).all())
        return cls(pods, intervals, teams)

    def open_pending(self, session: Session) -> None:
        """Insert the intervals this tick opened, after the ones it closed are written (the
        one-open-interval index must see them closed first): two batched statements."""
        if self.opening:
            session.flush()
            columns = ("pod_id", "status", "cost_per_hr", "started_at", "ended_at", "storage_per_hr", "gpu_type_id",
                       "gpu_count", "cloud", "spot", "owner_id", "team", "idle")
            rows = [{name: getattr(opened, name) for name in columns} for opened in self.opening]
            session.execute(insert(cast(Table, PodIntervalRow.__table__)), rows)  # one executemany, no RETURNING
            self.opening.clear()


@dataclass(frozen=True, slots=True)
class _Extras:
    """What the daemon adds to an interval beyond status and rate."""

    idle: bool | None
    storage_per_hr: Decimal


def _observe(
    session: Session, pod: Pod, *, now: datetime, owner: str | None, extras: _Extras | None = None,
    batch: _Batch | None = None,
) -> PodChange | None:
    runtime_ssh = pod.runtime.ssh() if pod.runtime is not None else None
    fields: dict[str, Any] = {
        "name": pod.name, "gpu_type_id": pod.gpu_type_id, "gpu_count": pod.gpu_count,
        "cloud": pod.cloud.value if pod.cloud is not None else None, "spot": pod.spot,
        "container_disk_gb": pod.container_disk_gb, "volume_gb": pod.volume_gb,
        "network_volume_id": pod.network_volume_id, "status": pod.status.value,
        "cost_per_hr": as_money(pod.cost_per_hr),
    }
    if pod.runtime is not None:  # a stopped pod reports no runtime: keep the last known SSH
        fields["ssh_ip"] = runtime_ssh.ip if runtime_ssh is not None else None
        fields["ssh_port"] = runtime_ssh.public_port if runtime_ssh is not None else None
    row = batch.pods.get(pod.id) if batch is not None else session.get(PodRow, pod.id, with_for_update=True)
    previous: tuple[PodStatus, Decimal, tuple[str, int] | None] | None = None
    if row is None:
        inserted = insert_ignore(session, PodRow, {
            "id": pod.id, "ssh_ip": None, "ssh_port": None, "owner_id": None, **fields,
            "created_at": now, "updated_at": now, "last_seen_at": now, "terminated_at": None,
        })
        row = session.get(PodRow, pod.id, with_for_update=True, populate_existing=True)
        if row is None:  # pragma: no cover - inserted just above, by us or a concurrent writer
            raise LedgerError(f"pod {pod.id} vanished while being recorded")
        if not inserted:
            previous = (PodStatus(row.status), row.cost_per_hr, _ssh(row))
        if batch is not None:
            batch.pods[pod.id] = row
    else:
        previous = (PodStatus(row.status), row.cost_per_hr, _ssh(row))
    if row.last_seen_at > now:
        return None  # an older snapshot than one already recorded
    if any(getattr(row, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(row, name, value)
        row.updated_at = now
    row.last_seen_at = now
    if owner is not None and row.owner_id != owner:
        ensure_member(session, owner, now=now)
        row.owner_id, row.updated_at = owner, now
        if batch is not None and owner not in batch.teams:
            batch.teams[owner] = None  # a member just made has no team
    if pod.status is PodStatus.TERMINATED:
        row.terminated_at = row.terminated_at or now
    elif row.terminated_at is not None:
        row.terminated_at = None
    _set_interval(session, row, pod.status, billed_rate(pod.status, row.cost_per_hr), now, extras, batch=batch)
    if batch is None:
        session.flush()
    ssh = _ssh(row)
    if previous is not None and previous == (pod.status, row.cost_per_hr, ssh):
        return None
    return PodChange(
        pod_id=pod.id, status=pod.status, cost_per_hr=row.cost_per_hr, ssh=ssh,
        previous_status=previous[0] if previous else None,
        previous_cost_per_hr=previous[1] if previous else None,
        previous_ssh=previous[2] if previous else None,
    )


def _set_interval(
    session: Session, row: PodRow, status: PodStatus, rate: Decimal, now: datetime, extras: _Extras | None = None,
    *, batch: _Batch | None = None,
) -> None:
    """Make the pod's open interval say (status, rate[, idle]) from `now` on; TERMINATED closes it.

    Without `extras` (the bot recording what it saw) idleness is not judged: the open
    interval's is kept. A new interval copies what pricing and attribution need from the pod's
    row and its owner as they are now.
    """
    if batch is not None:
        current = batch.open_intervals.get(row.id)
    else:
        current = session.scalars(
            select(PodIntervalRow).where(PodIntervalRow.pod_id == row.id, PodIntervalRow.ended_at.is_(None))
        ).one_or_none()
    idle = extras.idle if extras is not None else (current.idle if current is not None else None)
    if status not in BILLED_STATUSES:
        idle = None
    if current is not None and current.status == status.value and current.cost_per_hr == rate \
            and current.idle == idle:
        if extras is not None and current.owner_id is None and row.owner_id is not None:
            current.owner_id, current.team = row.owner_id, _team_of(session, row.owner_id, batch)  # adopted
        return
    storage = extras.storage_per_hr if extras is not None else (current.storage_per_hr if current else _ZERO)
    if current is not None:
        if current.started_at == now:  # changed again at the same instant: no zero-length row
            if status is PodStatus.TERMINATED:
                session.delete(current)
                if batch is not None:
                    batch.open_intervals.pop(row.id, None)
            else:
                current.status, current.cost_per_hr, current.idle = status.value, rate, idle
            session.flush()
            return
        current.ended_at = now
        if batch is None:
            session.flush()  # the open-interval index must see it closed before the next opens
        else:
            batch.open_intervals.pop(row.id, None)
    if status is not PodStatus.TERMINATED:
        opened = PodIntervalRow(
            pod_id=row.id, status=status.value, cost_per_hr=rate, started_at=now, storage_per_hr=storage,
            gpu_type_id=row.gpu_type_id, gpu_count=row.gpu_count, cloud=row.cloud, spot=row.spot,
            owner_id=row.owner_id, team=_team_of(session, row.owner_id, batch), idle=idle,
        )
        if batch is None:
            session.add(opened)
        else:
            batch.opening.append(opened)  # added after the closes are flushed (`_Batch.open_pending`)
            batch.open_intervals[row.id] = opened


def _team_of(session: Session, owner_id: str | None, batch: _Batch | None) -> str | None:
    if owner_id is None:
        return None
    if batch is not None and owner_id in batch.teams:
        return batch.teams[owner_id]
    return session.scalar(select(MemberRow.team).where(MemberRow.user_id == owner_id))


def _ssh(row: PodRow) -> tuple[str, int] | None:
    if row.ssh_ip is None or row.ssh_port is None:
        return None
    return row.ssh_ip, row.ssh_port


def pod_value(row: PodRow) -> PodRecord:
    return PodRecord(
        id=row.id, name=row.name, status=PodStatus(row.status), owner_id=row.owner_id,
        gpu_type_id=row.gpu_type_id, gpu_count=row.gpu_count,
        cloud=Cloud(row.cloud) if row.cloud is not None else None, spot=row.spot,
        container_disk_gb=row.container_disk_gb, volume_gb=row.volume_gb,
        network_volume_id=row.network_volume_id, cost_per_hr=row.cost_per_hr,
        ssh_ip=row.ssh_ip, ssh_port=row.ssh_port, created_at=row.created_at,
        updated_at=row.updated_at, last_seen_at=row.last_seen_at, terminated_at=row.terminated_at,
    )


def interval_value(row: PodIntervalRow) -> PodInterval:
    return PodInterval(
        pod_id=row.pod_id, status=PodStatus(row.status), cost_per_hr=row.cost_per_hr,
        started_at=row.started_at, ended_at=row.ended_at,
    )
