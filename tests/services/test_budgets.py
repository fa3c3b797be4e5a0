"""Caps: the pure check, and BudgetService gathering what it needs from the ledger."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from podwarden.domain import caps
from podwarden.errors import InputError
from tests.services.verbs_world import ADMIN, ALICE, world

D = Decimal


def test_an_hourly_cap_judges_the_rate_after_the_start() -> None:
    cap = caps.Cap("user", "U1", D(5), "hour", "refuse")
    ok = caps.check(D(2), [cap], {("user", "U1"): caps.Usage(rate=D(3))})
    assert ok.allowed
    assert not ok.warnings
    over = caps.check(D("2.01"), [cap], {("user", "U1"): caps.Usage(rate=D(3))})
    assert not over.allowed
    assert "$5.01/h against a cap of $5.00/h" in over.refusals[0]


def test_daily_and_monthly_caps_count_the_first_hour_and_soft_ones_warn() -> None:
    day = caps.Cap("team", "ml", D(10), "day", "warn")
    month = caps.Cap("global", "*", D(100), "month", "stop")
    usage = {("team", "ml"): caps.Usage(today=D(9)), ("global", "*"): caps.Usage(month=D(99))}
    check = caps.check(D("1.5"), [day, month], usage)
    assert not check.allowed
    assert check.warnings[0].startswith("team ml's budget")
    assert check.refusals[0].startswith("the global budget")


def test_the_global_rate_cap_is_hard() -> None:
    check = caps.check(D(3), [], {}, global_cap_per_hr=D(10), fleet_rate=D(8))
    assert not check.allowed
    assert "over the global cap of $10.00/h" in check.refusals[0]
    assert caps.action_of(True, None) == "refuse"
    assert caps.action_of(False, None) == "warn"
    assert caps.action_of(False, "stop") == "stop"


@pytest.mark.usefixtures("podwarden_env")
def test_budget_service_sets_shows_and_checks(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        b = w.verbs.budgets
        line = b.set(f"@{ALICE}", amount=D(1), period="hour", hard=False, action="refuse")
        assert (line.budget.subject, line.budget.hard, line.action) == (ALICE, True, "refuse")
        assert not b.check(ALICE, D("1.89")).allowed
        assert b.check(ADMIN, D("1.89")).allowed
        w.verbs.people.set_team(ADMIN, "ops")
        b.set("team:ops", amount=D(1), period="day", hard=False, action=None)
        assert b.check(ADMIN, D("1.89")).warnings
        with pytest.raises(InputError, match="no team 'nope'"):
            b.set("team:nope", amount=D(1), period="day", hard=False, action=None)
        stop = b.set("global", amount=D(100), period="month", hard=False, action="stop")
        assert (stop.budget.action, stop.budget.hard) == ("stop", True)
        shown = b.show()
        assert {(x.budget.scope.value, x.action) for x in shown.lines} == {("user", "refuse"), ("team", "warn"),
                                                                         ("global", "stop")}
