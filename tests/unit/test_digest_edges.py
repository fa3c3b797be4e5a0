"""The digest's and `spend`'s figures at their edges: each test here was written for a
mutant of `podwarden/domain/digest.py` no test noticed (docs/mutation-report.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from podwarden.domain.digest import (
    BudgetBurn,
    DigestInputs,
    Recommendation,
    build_digest,
    spend_outlook,
    spend_summary,
)
from podwarden.domain.spend_values import EndpointQuarter, PodStretch

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
