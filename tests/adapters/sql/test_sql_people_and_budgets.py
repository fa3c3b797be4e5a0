"""Members, their roles and teams; budgets per user, team and globally."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.domain.access import Role
from podwarden.domain.ledger_values import Budget, BudgetPeriod, BudgetScope, Member


def test_a_member_starts_as_a_viewer_named_after_their_id(ledger: SqlLedger, t0: datetime) -> None:
    assert ledger.upsert_member("U0ALICE", now=t0) == Member("U0ALICE", "U0ALICE", Role.VIEWER)

    ledger.upsert_member("U0ALICE", display_name="Alice", role=Role.ADMIN, now=t0)
    ledger.upsert_member("U0ALICE", now=t0 + timedelta(minutes=1))  # nothing given: nothing changes

    assert ledger.member("U0ALICE") == Member("U0ALICE", "Alice", Role.ADMIN)
    assert ledger.member("U0NOBODY") is None


def test_an_unknown_role_is_refused(ledger: SqlLedger, t0: datetime) -> None:
    with pytest.raises(ValueError, match="superuser"):
        ledger.upsert_member("U0ALICE", role="superuser", now=t0)  # type: ignore[arg-type]


def test_members_join_and_leave_teams(ledger: SqlLedger, t0: datetime) -> None:
    ledger.set_member_team("U0ALICE", "ml-research", now=t0)
    ledger.set_member_team("U0BOB", "ml-research", now=t0)
    ledger.set_member_team("U0CAROL", "infra", now=t0)

    ledger.set_member_team("U0BOB", None, now=t0)

    assert [m.user_id for m in ledger.members(team="ml-research")] == ["U0ALICE"]
    assert ledger.teams() == ["infra", "ml-research"]
    assert ledger.add_team("infra", now=t0) is False
    assert ledger.add_team("platform", now=t0) is True


def test_a_budget_is_set_replaced_and_removed(ledger: SqlLedger, t0: datetime) -> None:
    ledger.set_budget(BudgetScope.USER, "U0ALICE", amount=Decimal("50"), period=BudgetPeriod.DAY, now=t0)
    later = t0 + timedelta(hours=1)

    ledger.set_budget(
        BudgetScope.USER, "U0ALICE", amount=Decimal("12.345678"), period=BudgetPeriod.DAY, hard=True,
        now=later,
    )

    expected = Budget(BudgetScope.USER, "U0ALICE", Decimal("12.345678"), BudgetPeriod.DAY, True, later, "refuse")
    assert ledger.budget(BudgetScope.USER, "U0ALICE", BudgetPeriod.DAY) == expected
    assert ledger.budgets() == [expected]
    assert ledger.delete_budget(BudgetScope.USER, "U0ALICE", BudgetPeriod.DAY) is True
    assert ledger.delete_budget(BudgetScope.USER, "U0ALICE", BudgetPeriod.DAY) is False
    assert ledger.budgets() == []


def test_a_budget_keeps_what_reaching_it_does(ledger: SqlLedger, t0: datetime) -> None:
    soft = ledger.set_budget(BudgetScope.TEAM, "ml", amount=Decimal(5), period=BudgetPeriod.DAY, now=t0)
    assert soft.action == "warn"
    ledger.set_budget(BudgetScope.TEAM, "ml", amount=Decimal(5), period=BudgetPeriod.DAY, hard=True, now=t0,
                      action="stop")
    stored = ledger.budget(BudgetScope.TEAM, "ml", BudgetPeriod.DAY)
    assert stored is not None
    assert stored.action == "stop"
    with pytest.raises(ValueError, match="warn, refuse or stop"):
        ledger.set_budget(BudgetScope.TEAM, "ml", amount=Decimal(5), period=BudgetPeriod.DAY, now=t0, action="x")


def test_budgets_are_listed_by_scope_and_the_global_one_has_no_subject(
    ledger: SqlLedger, t0: datetime
) -> None:
    hour, day, month = BudgetPeriod.HOUR, BudgetPeriod.DAY, BudgetPeriod.MONTH
    ledger.set_budget(BudgetScope.GLOBAL, None, amount=Decimal("80"), period=hour, hard=True, now=t0)
    ledger.set_budget(BudgetScope.TEAM, "ml-research", amount=Decimal("3000"), period=month, now=t0)
    ledger.set_budget(BudgetScope.USER, "U0ALICE", amount=Decimal("40"), period=day, now=t0)

    globals_ = ledger.budgets(scope=BudgetScope.GLOBAL)
    assert [(b.scope, b.subject) for b in globals_] == [(BudgetScope.GLOBAL, "*")]
    assert [b.amount for b in ledger.budgets(subject="ml-research")] == [Decimal("3000")]
    with pytest.raises(ValueError, match="needs a team"):
        ledger.set_budget(BudgetScope.TEAM, None, amount=Decimal(1), period=BudgetPeriod.DAY, now=t0)
    with pytest.raises(ValueError, match="negative"):
        ledger.set_budget(BudgetScope.USER, "U0BOB", amount=Decimal(-1), period=BudgetPeriod.DAY, now=t0)
