"""Spend from the intervals, and the budgets it is held against.

Spend over [start, end) is, for every interval overlapping the window, its billed $/h
times the seconds it overlaps, over 3600. The arithmetic is exact: durations are counted
in whole microseconds and summed as `Decimal` products before the single division, so
$1.89/h for 90 minutes is exactly $2.835. An interval still open counts up to `end`.
Spend is attributed to a pod's current owner, and to that owner's current team.
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, delete, select

from podwarden.adapters.sql._base import LedgerBase, aware, insert_ignore, rowcount
from podwarden.adapters.sql.models import BudgetRow, MemberRow, PodIntervalRow, PodRow
from podwarden.adapters.sql.types import as_money
from podwarden.domain.ledger_values import GLOBAL_SUBJECT, Budget, BudgetPeriod, BudgetScope

_MICROSECONDS_PER_HOUR = 3_600_000_000
_ONE_MICROSECOND = timedelta(microseconds=1)
_K = TypeVar("_K")
_Overlaps = Select[str, Decimal, datetime, datetime | None, str | None, str | None]


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
            query = query.where(PodRow.owner_id == owner_id)
        if team is not None:
            query = query.where(MemberRow.team == team)
        return self._totals(query, start, end, lambda _row: None).get(None, Decimal(0))

    def spend_by_pod(self, *, start: datetime, end: datetime) -> dict[str, Decimal]:
        return self._totals(_overlapping(start, end), start, end, lambda row: str(row.pod_id))

    def spend_by_owner(self, *, start: datetime, end: datetime) -> dict[str | None, Decimal]:
        """Spend per owner's Slack id; None collects pods nobody owns."""
        return self._totals(_overlapping(start, end), start, end, lambda row: row.owner_id)

    def spend_by_team(self, *, start: datetime, end: datetime) -> dict[str | None, Decimal]:
        """Spend per team; None collects pods without an owner or whose owner has no team."""
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

    # -- budgets ---------------------------------------------------------------------------------
    def set_budget(
        self, scope: BudgetScope, subject: str | None, *, amount: Decimal, period: BudgetPeriod,
        hard: bool = False, now: datetime,
    ) -> Budget:
        """Create or replace the budget of `subject` (a user id, a team; None for global)."""
        now = aware(now)
        scope, period = BudgetScope(scope), BudgetPeriod(period)
        subject = _subject(scope, subject)
        amount = as_money(amount)
        if amount < 0:
            raise ValueError("a budget cannot be negative")
        with self._write() as session:
            values = {"amount": amount, "hard": hard, "updated_at": now}
            if not insert_ignore(session, BudgetRow, {
                "scope": scope.value, "subject": subject, "period": period.value, "created_at": now, **values,
            }):
                row = session.scalars(_budget_query(scope, subject, period).with_for_update()).one()
                for name, value in values.items():
                    setattr(row, name, value)
            return Budget(
                scope=scope, subject=subject, amount=amount, period=period, hard=hard, updated_at=now,
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
            PodIntervalRow.ended_at, PodRow.owner_id, MemberRow.team,
        )
        .join(PodRow, PodRow.id == PodIntervalRow.pod_id)
        .outerjoin(MemberRow, MemberRow.user_id == PodRow.owner_id)
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
        period=BudgetPeriod(row.period), hard=row.hard, updated_at=row.updated_at,
    )
