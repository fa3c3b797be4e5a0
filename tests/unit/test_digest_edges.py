"""The digest's and `spend`'s figures at their edges: each test here was written for a
mutant of `podwarden/domain/digest.py` no test noticed (docs/mutation-report.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from podwarden.domain.digest import (
    BillingCheck,
    BudgetBurn,
    DigestInputs,
    Recommendation,
    build_digest,
    spend_outlook,
    spend_summary,
)
from podwarden.domain.ledger_values import Budget, BudgetPeriod, BudgetScope
from podwarden.domain.spend_values import AutoStop, EndpointQuarter, PodStretch

MONDAY = date(2026, 11, 16)
START = datetime(2026, 11, 16, tzinfo=UTC)
END = START + timedelta(days=7)


def stretch(hours: float, *, idle: bool | None, cost: str = "1.89", at: datetime = START) -> PodStretch:
    return PodStretch(pod_id="pod1", pod_name="alice-train", status="RUNNING", started_at=at,
                      ended_at=at + timedelta(hours=hours), cost_per_hr=Decimal(cost), storage_per_hr=Decimal(0),
                      gpu_type_id="NVIDIA A100 80GB PCIe", gpu_count=1, owner_id="U0ALICE", team="vision", idle=idle)


def quarter(at: datetime, cost: str) -> EndpointQuarter:
    return EndpointQuarter(endpoint_id="ep1", endpoint_name="embeddings", bucket_start=at, owner_id="U0BOB",
                           team="nlp", running_worker_seconds=900, idle_worker_seconds=0, jobs_completed=3,
                           cost=Decimal(cost), idle_cost=Decimal(0))


def test_spend_counts_idle_compute_only_when_telemetry_said_idle() -> None:
    summary = spend_summary([stretch(2, idle=True), stretch(3, idle=None, at=START + timedelta(hours=2))], [],
                            start=START, end=END)
    assert summary.idle_waste == Decimal("3.78")  # 2 h at $1.89/h; the 3 unknown hours are not idle
    assert summary.pods == Decimal("9.45")


def test_a_quarter_hour_starting_at_the_week_s_first_instant_is_in_that_week_and_one_at_its_end_is_not() -> None:
    quarters = [quarter(START, "1.00"), quarter(END, "2.00")]
    digest = build_digest(DigestInputs(week_start=MONDAY, zone="UTC", stretches=(), quarters=quarters))
    assert digest.serverless == Decimal("1.00")
    assert [(line.label, line.amount) for line in digest.per_user] == [("U0BOB", Decimal("1.00"))]
    assert [(row.resource_id, row.amount) for row in digest.rows] == [("ep1", Decimal("1.00"))]
    summary = spend_summary([], quarters, start=START, end=END)
    assert summary.serverless == Decimal("1.00")
    assert [(line.label, line.amount) for line in summary.per_user] == [("U0BOB", Decimal("1.00"))]
    assert [(line.label, line.amount) for line in summary.per_team] == [("nlp", Decimal("1.00"))]


def test_week_over_week_reads_up_down_or_unchanged() -> None:
    def words(this: str, last: str) -> str:
        stretches = [stretch(1, idle=False, cost=this), stretch(1, idle=False, cost=last, at=START - timedelta(days=7))]
        return build_digest(DigestInputs(week_start=MONDAY, zone="UTC", stretches=stretches, quarters=())).total.words

    assert words("2.00", "2.00") == "unchanged 0.0 %"
    assert words("2.50", "2.00") == "up 25.0 %"
    assert words("1.50", "2.00") == "down 25.0 %"


def test_the_digest_names_the_three_biggest_savings() -> None:
    ideas = [Recommendation(f"idea {n}", Decimal(n)) for n in (5, 40, 12, 30)]
    digest = build_digest(DigestInputs(week_start=MONDAY, zone="UTC", stretches=(), quarters=(),
                                       recommendations=ideas))
    assert [r.text for r in digest.recommendations] == ["idea 40", "idea 30", "idea 12"]


def test_a_budget_under_a_dollar_still_burns_in_percent() -> None:
    assert BudgetBurn("@alice", "day", Decimal("0.50"), Decimal("0.25")).percent == Decimal(50)
    assert BudgetBurn("@alice", "day", Decimal(0), Decimal("0.25")).percent == Decimal(0)


def test_today_s_forecast_after_the_day_s_end_adds_nothing_more() -> None:
    day_start = START
    summary = spend_summary([stretch(2, idle=False)], [], start=day_start, end=day_start + timedelta(hours=25))
    outlook = spend_outlook(summary, period="today", period_end=day_start + timedelta(hours=24), budgets=(),
                            rate_now=Decimal("1.89"))
    assert outlook.hours_left == Decimal(0)
    assert outlook.forecast == summary.total


def test_a_bill_exactly_two_percent_apart_agrees_and_one_further_does_not() -> None:
    def differs(theirs: str) -> bool:
        inputs = DigestInputs(week_start=MONDAY, zone="UTC", stretches=[stretch(1, idle=False, cost="98.00")],
                              quarters=(), billing=BillingCheck("the simulator's billing", Decimal(theirs)))
        return build_digest(inputs).cross_check_differs

    assert not differs("100.00")  # $2.00 of $100.00: 2 %, the tolerance
    assert differs("100.01")


def test_an_auto_stop_at_the_week_s_first_instant_saved_money_that_week() -> None:
    ran = stretch(24, idle=True, at=START - timedelta(hours=24))
    stop = AutoStop("pod1", START, "idle")
    digest = build_digest(DigestInputs(week_start=MONDAY, zone="UTC", stretches=[ran], quarters=(),
                                       auto_stops=[stop]))
    assert (digest.auto_stops, digest.savings_hours) == (1, Decimal(168))


def test_a_pod_whose_compute_equals_its_storage_is_still_counted() -> None:
    even = PodStretch(pod_id="pod1", pod_name="alice-train", status="RUNNING", started_at=START,
                      ended_at=START + timedelta(hours=1), cost_per_hr=Decimal("1.00"), storage_per_hr=Decimal("1.00"),
                      gpu_type_id="NVIDIA A100 80GB PCIe", gpu_count=1, owner_id="U0ALICE", team="vision", idle=False)
    digest = build_digest(DigestInputs(week_start=MONDAY, zone="UTC", stretches=[even], quarters=()))
    assert [(line.label, line.amount) for line in digest.per_user] == [("U0ALICE", Decimal("2.00"))]


def test_a_week_ending_with_its_month_measures_the_month_it_ends() -> None:
    # The week of Monday 25 May 2026 ends at 1 June 00:00: its monthly budget is May's.
    week = date(2026, 5, 25)
    may = stretch(10, idle=False, at=datetime(2026, 5, 3, tzinfo=UTC))
    budget = Budget(BudgetScope.USER, "U0ALICE", Decimal("100"), BudgetPeriod.MONTH, hard=False,
                    updated_at=START)
    [line] = build_digest(DigestInputs(week_start=week, zone="UTC", stretches=[may], quarters=(),
                                       budgets=[budget])).budgets
    assert line.forecast == Decimal("18.90")  # all of May is in: $18.90 spent, 31 of 31 days


def test_spend_for_one_member_burns_only_that_member_s_budget() -> None:
    summary = spend_summary([stretch(2, idle=False)], [], start=START, end=START + timedelta(hours=2),
                            owner_id="U0ALICE")
    budgets = [Budget(BudgetScope.USER, "U0ALICE", Decimal("10"), BudgetPeriod.DAY, hard=False, updated_at=START),
               Budget(BudgetScope.USER, "U0BOB", Decimal("20"), BudgetPeriod.DAY, hard=False, updated_at=START),
               Budget(BudgetScope.TEAM, "vision", Decimal("30"), BudgetPeriod.DAY, hard=False, updated_at=START)]
    outlook = spend_outlook(summary, period="today", period_end=START + timedelta(days=1), budgets=budgets,
                            owner_id="U0ALICE", owner_label="@alice")
    assert [(b.label, b.amount) for b in outlook.budgets] == [("@alice", Decimal("10"))]


def test_no_forecast_in_a_period_s_first_instant() -> None:
    empty = spend_summary([], [], start=START, end=START)
    assert spend_outlook(empty, period="month", period_end=END, budgets=()).forecast is None


def test_a_month_s_forecast_is_its_run_rate_so_far_over_the_whole_month() -> None:
    # $9.45 in the first 30 minutes of a 30-day month: $9.45 / 0.5 h × 720 h.
    summary = spend_summary([stretch(5, idle=False)], [], start=START, end=START + timedelta(minutes=30))
    outlook = spend_outlook(summary, period="month", period_end=START + timedelta(days=30), budgets=())
    assert summary.total == Decimal("0.945")
    assert outlook.forecast == Decimal("1360.8")


def test_a_pod_costing_exactly_a_dollar_is_counted() -> None:
    one = stretch(1, idle=False, cost="1.00")
    digest = build_digest(DigestInputs(week_start=MONDAY, zone="UTC", stretches=[one], quarters=()))
    assert [(line.label, line.amount) for line in digest.per_user] == [("U0ALICE", Decimal("1.00"))]


def test_an_auto_stop_at_the_week_s_end_belongs_to_the_next_week() -> None:
    ran = stretch(24 * 7, idle=True)
    digest = build_digest(DigestInputs(week_start=MONDAY, zone="UTC", stretches=[ran], quarters=(),
                                       auto_stops=[AutoStop("pod1", END, "idle")]))
    assert digest.auto_stops == 0


def test_an_owner_who_spent_nothing_is_not_among_the_top_spenders_and_one_who_spent_cents_is() -> None:
    digest = build_digest(DigestInputs(week_start=MONDAY, zone="UTC", stretches=[stretch(1, idle=False)],
                                       quarters=[quarter(START + timedelta(hours=1), "0")]))
    assert [line.label for line in digest.top] == ["U0ALICE"]
    cents = build_digest(DigestInputs(week_start=MONDAY, zone="UTC", stretches=[stretch(1, idle=False)],
                                      quarters=[quarter(START + timedelta(hours=1), "0.50")]))
    assert [line.label for line in cents.top] == ["U0ALICE", "U0BOB"]
