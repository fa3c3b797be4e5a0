"""`spend`'s budgets, forecast and runway, from the ledger seeded in `digest_seed` (by hand).

At Sunday 22 Nov 2026 12:00 UTC only alice's stopped A100 bills, its storage at $0.05/h:
today so far is 12 h x $0.05 = $0.60. The month so far is the week before ($45.84) plus the
week up to now ($173.32 less the last 12 h of that storage, $0.60): $218.56, over 21.5 days.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.domain.ledger_values import BudgetPeriod, BudgetScope
from podwarden.domain.models import Pod, PodStatus
from podwarden.errors import RunPodError
from podwarden.services.reporting import ReportingService
from tests.services.digest_seed import FakeRunPod, FixedClock, at, seed_two_weeks
from tests.unit.gpu_catalog import BOOK

SUNDAY_NOON = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def service(ledger: SqlLedger) -> ReportingService:
    runpod = FakeRunPod()  # balance $500, RunPod's spend rate $2.50/h
    return ReportingService(ledger=ledger, runpod=runpod, clock=FixedClock(SUNDAY_NOON), zone="UTC",  # type: ignore[arg-type]
                            catalog=runpod, book=BOOK)


@pytest.fixture
def seeded(ledger: SqlLedger) -> SqlLedger:
    seed_two_weeks(ledger)
    ledger.set_budget(BudgetScope.GLOBAL, None, amount=Decimal(250), period=BudgetPeriod.MONTH, now=at(1))
    ledger.set_budget(BudgetScope.GLOBAL, None, amount=Decimal(2), period=BudgetPeriod.DAY, now=at(1))
    ledger.set_budget(BudgetScope.USER, "U0ALICE", amount=Decimal(200), period=BudgetPeriod.MONTH, now=at(1))
    return ledger


def test_spend_today_burns_the_daily_budget_and_forecasts_the_day(seeded: SqlLedger) -> None:
    answer = service(seeded).spend("today")

    assert answer.summary.total == Decimal("0.60")
    outlook = answer.outlook
    assert outlook.period_end == at(23)
    assert outlook.elapsed_hours == Decimal(12)
    assert outlook.forecast == Decimal("1.20")  # $0.60 so far + the stopped A100's volume, $0.05/h, for 12 h
    assert (outlook.rate_now, outlook.hours_left) == (Decimal("0.05"), Decimal(12))
    assert [(b.label, b.period, b.amount, b.spent, b.percent) for b in outlook.budgets] == [
        ("everyone", "day", Decimal(2), Decimal("0.60"), Decimal(30))]
    assert outlook.runway is not None
    assert (outlook.runway.balance, outlook.runway.spend_per_hr) == (Decimal(500), Decimal("2.50"))


def test_spend_month_for_everyone_and_for_a_user_matches_their_own_budgets(seeded: SqlLedger) -> None:
    everyone = service(seeded).spend("month").outlook
    alice = service(seeded).spend("month", user="U0ALICE")

    assert everyone.forecast is not None
    assert everyone.forecast.quantize(Decimal("0.01")) == Decimal("304.97")  # 218.56 / 516 h x 720 h
    assert [(b.label, b.amount, b.spent) for b in everyone.budgets] == [("everyone", Decimal(250), Decimal("218.56"))]
    assert everyone.budgets[0].percent == Decimal("87.424")
    assert [(b.label, b.amount) for b in alice.outlook.budgets] == [("alice", Decimal(200))]


def test_spend_week_has_no_budget_period_to_match(seeded: SqlLedger) -> None:
    outlook = service(seeded).spend("week").outlook

    assert outlook.budgets_period is None
    assert outlook.budgets == ()
    assert outlook.period_end == at(23)


def test_today_is_forecast_from_what_runs_now_when_the_ledger_saw_only_part_of_the_day(ledger: SqlLedger) -> None:
    """A fresh ledger (nothing recorded) while $3.20/h of pods run: the day ends at $3.20 x 12 h,
    not at a run-rate of $0 over what the ledger saw."""
    runpod = FakeRunPod(pods=[
        Pod("p1", "train", PodStatus.RUNNING, "NVIDIA A100 80GB PCIe", 1, Decimal("1.89")),
        Pod("p2", "sweep", PodStatus.RUNNING, "NVIDIA L40S", 1, Decimal("1.31")),
    ])
    reporting = ReportingService(ledger=ledger, runpod=runpod, clock=FixedClock(SUNDAY_NOON), zone="UTC",  # type: ignore[arg-type]
                                 catalog=runpod, book=None)
    outlook = reporting.spend("today").outlook
    assert outlook.forecast == Decimal("3.20") * 12
    assert outlook.rate_now == Decimal("3.20")
    assert reporting.spend("today", user="U0NOBODY").outlook.forecast == 0  # nobody's pods run


def test_without_the_fleet_today_falls_back_to_the_run_rate_so_far(seeded: SqlLedger) -> None:
    class Unreachable(FakeRunPod):
        def list_pods(self) -> list[Pod]:
            raise RunPodError("connection refused")

    runpod = Unreachable()
    reporting = ReportingService(ledger=seeded, runpod=runpod, clock=FixedClock(SUNDAY_NOON), zone="UTC",  # type: ignore[arg-type]
                                 catalog=runpod, book=BOOK)
    outlook = reporting.spend("today").outlook
    assert (outlook.forecast, outlook.rate_now, outlook.hours_left) == (Decimal("1.20"), None, None)
