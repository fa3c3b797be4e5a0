"""Spend from the intervals, the digest's other inputs, and the budgets spend is held against.

Spend over [start, end) is, for every interval overlapping the window, its billed $/h
times the seconds it overlaps, over 3600. The arithmetic is exact and done in Python: the
rates come back as six-decimal `Decimal`s on both backends, durations are counted in whole
microseconds, and the `Decimal` products are summed before the single division, so $1.89/h
for 90 minutes is exactly $2.835 and a year sums to the same cent on SQLite (whose
`Numeric` is a float) and PostgreSQL. An interval still open counts up to `end`.

Spend is attributed to the owner and team recorded on the interval, as they were then: a
member who changes team, or a pod that changes hands, does not move money already spent.
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, delete, select, update

from podwarden.adapters.sql._base import LedgerBase, aware, insert_ignore, rowcount
from podwarden.adapters.sql.models import (
    AutoStopRow,
    BudgetRow,
    DigestSentRow,
    EndpointRow,
    EndpointUsageQuarterRow,
    MemberRow,
    PodIntervalRow,
    PodRow,
)
from podwarden.adapters.sql.types import as_money
from podwarden.adapters.sql.usage import add_sample
from podwarden.domain.ledger_values import GLOBAL_SUBJECT, Budget, BudgetPeriod, BudgetScope
from podwarden.domain.models import PodStatus
from podwarden.domain.spend_values import AutoStop, DigestClaim, EndpointQuarter, PodStretch
from podwarden.errors import LedgerError

_MICROSECONDS_PER_HOUR = 3_600_000_000
_ONE_MICROSECOND = timedelta(microseconds=1)
_QUARTER = timedelta(minutes=15)
_K = TypeVar("_K")
_Overlaps = Select[str, Decimal, datetime, datetime | None, str | None, str | None]


def quarter_start(at: datetime) -> datetime:
    """The UTC quarter hour `at` falls in."""
    return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)


class SpendMixin(LedgerBase):
    def spend(
        self, *, start: datetime, end: datetime, pod_id: str | None = None, owner_id: str | None = None,
        team: str | None = None,
    ) -> Decimal:
        """Compute spend in [start, end), optionally only one pod's, owner's or team's."""
        query = _overlapping(start, end)
        if pod_id is not None:
            query = query.where(PodIntervalRow.pod_id == pod_id)
        if owner_id is not None:
            query = query.where(PodIntervalRow.owner_id == owner_id)
        if team is not None:
            query = query.where(PodIntervalRow.team == team)
        return self._totals(query, start, end, lambda _row: None).get(None, Decimal(0))

    def spend_by_pod(self, *, start: datetime, end: datetime) -> dict[str, Decimal]:
        return self._totals(_overlapping(start, end), start, end, lambda row: str(row.pod_id))

    def spend_by_owner(self, *, start: datetime, end: datetime) -> dict[str | None, Decimal]:
        """Spend per owner's Slack id at the time; None collects pods nobody owned then."""
        return self._totals(_overlapping(start, end), start, end, lambda row: row.owner_id)

    def spend_by_team(self, *, start: datetime, end: datetime) -> dict[str | None, Decimal]:
        """Spend per team at the time; None collects pods without an owner or a team then."""
        return self._totals(_overlapping(start, end), start, end, lambda row: row.team)

    def _totals(
        self, query: _Overlaps, start: datetime, end: datetime, key: Callable[[Any], _K],
    ) -> dict[_K, Decimal]:
        start, end = aware(start, "start"), aware(end, "end")
        if end < start:
            raise ValueError("the end of a spend window comes before its start")
        sums: dict[_K, Decimal] = defaultdict(Decimal)
        with self._read() as session:
            rows = session.execute(query).all()
        with decimal.localcontext() as exact:
            exact.prec = 60  # the products and their sum are exact; only the division rounds
            for row in rows:
                begins = max(row.started_at, start)
                ends = min(row.ended_at or end, end)
                if ends > begins:
                    sums[key(row)] += row.cost_per_hr * ((ends - begins) // _ONE_MICROSECOND)
        return {k: total / _MICROSECONDS_PER_HOUR for k, total in sums.items()}

    # -- what the digest reads -------------------------------------------------------------------
    def pod_stretches(self, *, start: datetime, end: datetime) -> list[PodStretch]:
        """Every interval overlapping [start, end), whole (the caller clips), oldest first."""
        start, end = aware(start, "start"), aware(end, "end")
        query = (
            select(PodIntervalRow, PodRow.name)
            .join(PodRow, PodRow.id == PodIntervalRow.pod_id)
            .where(
                PodIntervalRow.started_at < end,
                PodIntervalRow.ended_at.is_(None) | (PodIntervalRow.ended_at > start),
            )
            .order_by(PodIntervalRow.started_at, PodIntervalRow.pod_id)
        )
        with self._read() as session:
            return [_stretch(row, name) for row, name in session.execute(query)]

    def add_pod_interval(
        self, pod_id: str, *, status: PodStatus, started_at: datetime, ended_at: datetime | None,
        cost_per_hr: Decimal, storage_per_hr: Decimal = Decimal(0), gpu_type_id: str | None = None,
        gpu_count: int = 1, cloud: str | None = None, spot: bool = False, owner_id: str | None = None,
        team: str | None = None, idle: bool | None = None,
    ) -> None:
        """Write one interval with every column, as it was then (imports of past usage, tests).

        The daemon opens and closes intervals as it observes pods; this writes history.
        """
        started_at = aware(started_at, "started_at")
        ended = None if ended_at is None else aware(ended_at, "ended_at")
        if ended is not None and ended < started_at:
            raise ValueError("an interval cannot end before it starts")
        with self._write() as session:
            if session.get(PodRow, pod_id) is None:
                raise LedgerError(f"pod {pod_id} is not in the ledger yet; record an observation of it first")
            session.add(PodIntervalRow(
                pod_id=pod_id, status=PodStatus(status).value, cost_per_hr=as_money(cost_per_hr),
                started_at=started_at, ended_at=ended, storage_per_hr=as_money(storage_per_hr),
                gpu_type_id=gpu_type_id, gpu_count=gpu_count, cloud=cloud, spot=spot, owner_id=owner_id,
                team=team, idle=idle,
            ))

    def add_endpoint_quarter(
        self, endpoint_id: str, *, at: datetime, seconds: int, workers_running: int, workers_idle: int,
        cost: Decimal, idle_cost: Decimal = Decimal(0), jobs_completed: int = 0,
    ) -> bool:
        """Add one sample of an endpoint to its UTC quarter hour; False if already counted.

        The owner and the owner's team are read now and kept on the bucket, so the money
        stays where it was spent. `idle_cost` is the part of `cost` paid for active workers
        while no job ran.
        """
        at = aware(at, "at")
        if seconds < 0:
            raise ValueError("a sample cannot cover negative time")
        sample: dict[str, Any] = {
            "samples": 1, "running_worker_seconds": workers_running * seconds,
            "idle_worker_seconds": workers_idle * seconds, "jobs_completed": jobs_completed,
            "cost": as_money(cost), "idle_cost": as_money(idle_cost),
        }
        bucket = quarter_start(at)
        with self._write() as session:
            owner_id = session.scalar(select(EndpointRow.owner_id).where(EndpointRow.id == endpoint_id))
            if owner_id is None and session.get(EndpointRow, endpoint_id) is None:
                raise LedgerError(f"endpoint {endpoint_id} is not in the ledger yet; observe it first")
            team = None if owner_id is None else session.scalar(
                select(MemberRow.team).where(MemberRow.user_id == owner_id))
            if insert_ignore(session, EndpointUsageQuarterRow, {
                "endpoint_id": endpoint_id, "bucket_start": bucket, "owner_id": owner_id, "team": team,
                "last_sample_at": at, **sample,
            }):
                return True
            row = session.scalars(
                select(EndpointUsageQuarterRow).where(
                    EndpointUsageQuarterRow.endpoint_id == endpoint_id,
                    EndpointUsageQuarterRow.bucket_start == bucket,
                ).with_for_update().execution_options(populate_existing=True)
            ).one()
            return add_sample(row, at, sample)

    def endpoint_quarters(self, *, start: datetime, end: datetime) -> list[EndpointQuarter]:
        """The quarter hours starting in [start, end), oldest first."""
        query = (
            select(EndpointUsageQuarterRow, EndpointRow.name)
            .join(EndpointRow, EndpointRow.id == EndpointUsageQuarterRow.endpoint_id)
            .where(
                EndpointUsageQuarterRow.bucket_start >= aware(start, "start"),
                EndpointUsageQuarterRow.bucket_start < aware(end, "end"),
            )
            .order_by(EndpointUsageQuarterRow.bucket_start, EndpointUsageQuarterRow.endpoint_id)
        )
        with self._read() as session:
            return [
                EndpointQuarter(
                    endpoint_id=row.endpoint_id, endpoint_name=name, bucket_start=row.bucket_start,
                    owner_id=row.owner_id, team=row.team, running_worker_seconds=row.running_worker_seconds,
                    idle_worker_seconds=row.idle_worker_seconds, jobs_completed=row.jobs_completed,
                    cost=row.cost, idle_cost=row.idle_cost,
                )
                for row, name in session.execute(query)
            ]

    def record_auto_stop(self, pod_id: str, *, at: datetime, reason: str) -> bool:
        """Remember a stop the daemon made on its own (idle, deadline, cap); False if known."""
        with self._write() as session:
            if session.get(PodRow, pod_id) is None:
                raise LedgerError(f"pod {pod_id} is not in the ledger yet; record an observation of it first")
            return insert_ignore(session, AutoStopRow, {"pod_id": pod_id, "at": aware(at, "at"), "reason": reason})

    def auto_stops(self, *, start: datetime, end: datetime) -> list[AutoStop]:
        query = select(AutoStopRow).where(
            AutoStopRow.at >= aware(start, "start"), AutoStopRow.at < aware(end, "end"),
        ).order_by(AutoStopRow.at, AutoStopRow.pod_id)
        with self._read() as session:
            return [AutoStop(pod_id=row.pod_id, at=row.at, reason=row.reason) for row in session.scalars(query)]

    # -- posting the digest once -----------------------------------------------------------------
    def claim_digest(
        self, week_start: date, channel: str, *, now: datetime, stale_after: timedelta,
    ) -> DigestClaim:
        """Claim the posting of a week's digest to `channel` (`sending` first, then `sent`).

        POST: this caller claimed it. RECONCILE: a `sending` older than `stale_after` (its
        process died) was taken over: the message may be in the channel already. BUSY:
        another process is sending it now. SENT: done. Race-free on both backends: the
        claim is an insert-or-nothing, the take-over a conditional update.
        """
        now = aware(now)
        where = (DigestSentRow.week_start == week_start, DigestSentRow.channel == channel)
        with self._write() as session:
            if insert_ignore(session, DigestSentRow, {
                "week_start": week_start, "channel": channel, "ts": None, "sent_at": now, "state": "sending",
            }):
                return DigestClaim.POST
            taken = session.execute(
                update(DigestSentRow)
                .where(*where, DigestSentRow.state == "sending", DigestSentRow.sent_at <= now - stale_after)
                .values(sent_at=now)
                .execution_options(synchronize_session=False)
            )
            if rowcount(taken) == 1:
                return DigestClaim.RECONCILE
            state = session.scalar(select(DigestSentRow.state).where(*where))
            return DigestClaim.SENT if state == "sent" else DigestClaim.BUSY

    def finish_digest(self, week_start: date, channel: str, *, ts: str | None, now: datetime) -> None:
        """Mark a claimed digest `sent` (with the message's ts)."""
        stmt = (
            update(DigestSentRow)
            .where(DigestSentRow.week_start == week_start, DigestSentRow.channel == channel)
            .values(state="sent", ts=ts, sent_at=aware(now))
            .execution_options(synchronize_session=False)
        )
        with self._write() as session:
            if rowcount(session.execute(stmt)) != 1:
                raise LedgerError(f"no digest of the week of {week_start} for {channel} was claimed")

    # -- budgets ---------------------------------------------------------------------------------
    def set_budget(
        self, scope: BudgetScope, subject: str | None, *, amount: Decimal, period: BudgetPeriod,
        hard: bool = False, now: datetime, action: str | None = None,
    ) -> Budget:
        """Create or replace the budget of `subject` (a user id, a team; None for global).
        `action` is what reaching it does (warn | refuse | stop); by default a hard budget
        refuses new starts and a soft one warns."""
        now = aware(now)
        scope, period = BudgetScope(scope), BudgetPeriod(period)
        subject = _subject(scope, subject)
        amount = as_money(amount)
        if amount < 0:
            raise ValueError("a budget cannot be negative")
        action = action or ("refuse" if hard else "warn")
        if action not in {"warn", "refuse", "stop"}:
            raise ValueError(f"a budget's action is warn, refuse or stop, not {action!r}")
        with self._write() as session:
            values = {"amount": amount, "hard": hard, "action": action, "updated_at": now}
            if not insert_ignore(session, BudgetRow, {
                "scope": scope.value, "subject": subject, "period": period.value, "created_at": now, **values,
            }):
                row = session.scalars(_budget_query(scope, subject, period).with_for_update()).one()
                for name, value in values.items():
                    setattr(row, name, value)
            return Budget(
                scope=scope, subject=subject, amount=amount, period=period, hard=hard, updated_at=now, action=action,
            )

    def budgets(self, *, scope: BudgetScope | None = None, subject: str | None = None) -> list[Budget]:
        query = select(BudgetRow).order_by(BudgetRow.scope, BudgetRow.subject, BudgetRow.period)
        if scope is not None:
            query = query.where(BudgetRow.scope == BudgetScope(scope).value)
        if subject is not None:
            query = query.where(BudgetRow.subject == subject)
        with self._read() as session:
            return [_budget_value(row) for row in session.scalars(query)]

    def budget(self, scope: BudgetScope, subject: str | None, period: BudgetPeriod) -> Budget | None:
        scope = BudgetScope(scope)
        query = _budget_query(scope, _subject(scope, subject), BudgetPeriod(period))
        with self._read() as session:
            row = session.scalars(query).one_or_none()
            return _budget_value(row) if row is not None else None

    def delete_budget(self, scope: BudgetScope, subject: str | None, period: BudgetPeriod) -> bool:
        scope = BudgetScope(scope)
        stmt = delete(BudgetRow).where(
            BudgetRow.scope == scope.value, BudgetRow.subject == _subject(scope, subject),
            BudgetRow.period == BudgetPeriod(period).value,
        )
        with self._write() as session:
            return rowcount(session.execute(stmt.execution_options(synchronize_session=False))) == 1


def _overlapping(start: datetime, end: datetime) -> _Overlaps:
    start, end = aware(start, "start"), aware(end, "end")
    return (
        select(
            PodIntervalRow.pod_id, PodIntervalRow.cost_per_hr, PodIntervalRow.started_at,
            PodIntervalRow.ended_at, PodIntervalRow.owner_id, PodIntervalRow.team,
        )
        .where(
            PodIntervalRow.started_at < end,
            PodIntervalRow.ended_at.is_(None) | (PodIntervalRow.ended_at > start),
            PodIntervalRow.cost_per_hr > Decimal(0),
        )
    )


def _subject(scope: BudgetScope, subject: str | None) -> str:
    if scope is BudgetScope.GLOBAL:
        if subject not in (None, GLOBAL_SUBJECT):
            raise ValueError("the global budget has no subject")
        return GLOBAL_SUBJECT
    if not subject:
        raise ValueError(f"a {scope.value} budget needs a {scope.value}")
    return subject


def _budget_query(scope: BudgetScope, subject: str, period: BudgetPeriod) -> Select[BudgetRow]:
    return select(BudgetRow).where(
        BudgetRow.scope == scope.value, BudgetRow.subject == subject, BudgetRow.period == period.value,
    )


def _budget_value(row: BudgetRow) -> Budget:
    return Budget(
        scope=BudgetScope(row.scope), subject=row.subject, amount=row.amount,
        period=BudgetPeriod(row.period), hard=row.hard, updated_at=row.updated_at, action=row.action,
    )


def _stretch(row: PodIntervalRow, name: str) -> PodStretch:
    return PodStretch(
        pod_id=row.pod_id, pod_name=name, status=row.status, started_at=row.started_at, ended_at=row.ended_at,
        cost_per_hr=row.cost_per_hr, storage_per_hr=row.storage_per_hr, gpu_type_id=row.gpu_type_id,
        gpu_count=row.gpu_count, owner_id=row.owner_id, team=row.team, idle=row.idle, spot=row.spot,
        cloud=row.cloud,
    )
