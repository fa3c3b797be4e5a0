"""Caps: the pure check, and BudgetService gathering what it needs from the ledger."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from podwarden.domain import caps
from podwarden.errors import InputError, RunPodError
from podwarden.services.budgets import BudgetService
from podwarden.services.pods import storage_now
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


def _rate_now(services: Any, prefix: str = "") -> Decimal:
    """What RunPod's pods (named with `prefix`) cost per hour now: GPUs of those running, disks of all."""
    return sum((p.cost_per_hr + storage_now(p, services.costs.book) for p in services.runpod.list_pods()
                if p.status.value != "TERMINATED" and p.name.startswith(prefix)), D(0))


@pytest.mark.usefixtures("podwarden_env")
def test_a_fleet_already_over_the_global_cap_refuses_a_start_on_a_fresh_ledger(tmp_path: Path) -> None:
    """No daemon has run: the ledger knows no pod, but RunPod runs a fleet above the cap."""
    with world(tmp_path, global_cap_per_hr="2") as w:
        fleet = _rate_now(w.services)
        assert fleet > D(2)
        assert not w.services.ledger.pods()  # nothing recorded yet
        verdict = w.verbs.budgets.check(ALICE, D("0.69"))
        assert not verdict.allowed
        assert f"the fleet would run at ${fleet + D('0.69'):.2f}/h, over the global cap of $2.00/h" \
            in verdict.refusals[0]
        assert not verdict.warnings  # RunPod answered: nothing to note
        w.verbs.budgets.set("global", amount=D(3), period="hour", hard=True, action=None)
        shown = w.verbs.budgets.show()
        assert [line.spent for line in shown.lines] == [fleet]  # `budget` says the same used figure
        assert (shown.running_per_hr, shown.note) == (fleet, "")


@pytest.mark.usefixtures("podwarden_env")
def test_an_hourly_user_cap_counts_their_running_pods_by_name_prefix(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.verbs.people.set_role(ALICE, "member", prefix="alice-")
        alice = _rate_now(w.services, "alice-")
        assert alice > 0
        w.verbs.budgets.set(f"@{ALICE}", amount=alice, period="hour", hard=True, action=None)
        assert [line.spent for line in w.verbs.budgets.show().lines] == [alice]
        assert not w.verbs.budgets.check(ALICE, D("0.01")).allowed


class _Unreachable:
    def list_pods(self) -> list[Any]:
        raise RunPodError("connection refused")


@pytest.mark.usefixtures("podwarden_env")
def test_when_runpod_cannot_be_read_the_ledger_is_used_and_the_answer_says_so(tmp_path: Path) -> None:
    with world(tmp_path, global_cap_per_hr="2") as w:
        budgets = BudgetService(w.services.ledger, w.services.clock, people=w.verbs.people,
                                global_cap_per_hr=D(2), runpod=_Unreachable())  # type: ignore[arg-type]
        verdict = budgets.check(ALICE, D("0.69"))
        assert verdict.allowed  # the ledger has recorded no pod...
        assert "RunPod could not be read (connection refused)" in verdict.warnings[-1]  # ...and it says so
        assert "the ledger's view (it has recorded none)" in verdict.warnings[-1]
        w.services.ledger.observe_pods(w.services.runpod.list_pods(), now=w.now())
        recorded = budgets.check(ALICE, D("0.69"))
        assert not recorded.allowed  # the ledger's last view is still judged
        assert "as last recorded at" in recorded.warnings[-1]
        assert "RunPod could not be read" in budgets.show().note
