"""The digest's endpoint-as-Pod advice on both sides of its break-even, figures by hand.

Price book: the 16 GB Serverless pool at flex $0.00016/s = $0.576 a busy hour; its cheapest
Pod, the RTX 4000 Ada, at $0.26/h, left on 24 h x 7 = 168 h: $43.68 a week. Break-even:
$43.68 / $0.576 = 75.83 busy h a week (10.83 h/day).
"""

from __future__ import annotations

from decimal import Decimal

from podwarden.domain.digest import Recommendation
from podwarden.domain.digest_advice import endpoint_as_pod, pod_as_serverless

FLEX_PER_SECOND = Decimal("0.00016")
POD_PER_HOUR = Decimal("0.26")


def advice(busy_hours: int, *, workers: int = 1) -> Recommendation | None:
    """The advice for `busy_hours` of each of `workers` workers, billed at flex."""
    worker_hours = Decimal(busy_hours * workers)
    return endpoint_as_pod(
        name="llm", busy_hours=worker_hours, serverless_cost=FLEX_PER_SECOND * 3600 * worker_hours,
        gpu="RTX 4000 Ada", pod_per_hour=POD_PER_HOUR,
    )


def test_just_below_break_even_there_is_no_advice() -> None:
    # 75 busy h x $0.576 = $43.20 on Serverless, under the Pod's $43.68
    assert advice(75) is None


def test_exactly_at_break_even_there_is_no_advice() -> None:
    assert endpoint_as_pod(
        name="llm", busy_hours=Decimal("75.8"), serverless_cost=Decimal("43.68"), gpu="RTX 4000 Ada",
        pod_per_hour=POD_PER_HOUR,
    ) is None


def test_just_above_break_even_the_pod_saves_the_difference() -> None:
    # 76 busy h x $0.576 = $43.776 on Serverless against $43.68: $0.096 a week; 76 / 7 = 10.86 h/day
    assert advice(76) == Recommendation(
        text="endpoint llm was busy 10.9 h/day: one RTX 4000 Ada Pod left on at $0.26/h would have cost $43.68 "
             "this week instead of $43.78 on Serverless.",
        saving=Decimal("0.096"),
    )


def test_busy_20_hours_a_day() -> None:
    # 140 busy h x $0.576 = $80.64 against $43.68
    recommendation = advice(140)

    assert recommendation is not None
    assert recommendation.saving == Decimal("36.96")
    assert recommendation.text.startswith("endpoint llm was busy 20 h/day:")


def test_more_work_than_one_pod_can_carry_gets_no_single_pod_advice() -> None:
    # two workers busy 20 h/day each: 280 worker-hours ($161.28) do not fit one Pod's 168 h
    assert advice(140, workers=2) is None
    # a whole week of one worker (168 h, $96.768) still fits: $53.088 saved
    whole_week = advice(168)
    assert whole_week is not None
    assert whole_week.saving == Decimal("53.088")


def test_a_pod_busy_under_half_its_hours_is_advised_serverless_flex() -> None:
    idea = pod_as_serverless(name="alice-train", running_hours=Decimal(10), busy_hours=Decimal("4.94"),
                             pod_per_hour=Decimal("1.00"), flex_per_second=Decimal("0.0005"))
    assert idea is not None
    assert idea.text.startswith("alice-train was busy 49 % of its 10 h: as Serverless flex ($1.80 a busy hour)")
    assert idea.saving == Decimal("1.108")  # $10.00 as a Pod, 4.94 busy h × $1.80 as flex
    half_hour = pod_as_serverless(name="x", running_hours=Decimal("0.5"), busy_hours=Decimal("0.1"),
                                  pod_per_hour=Decimal("1.00"), flex_per_second=Decimal("0.0005"))
    assert half_hour is not None
    assert half_hour.saving == Decimal("0.32")


def test_no_advice_at_break_even_for_a_pod_that_never_ran_or_at_a_free_price() -> None:
    # $1.00/h for 18 h = $18.00; flex at $1.80 a busy hour for 10 busy hours = $18.00.
    tie = {"name": "bob-nb", "pod_per_hour": Decimal("1.00"), "flex_per_second": Decimal("0.0005")}
    assert pod_as_serverless(running_hours=Decimal(18), busy_hours=Decimal(10), **tie) is None  # type: ignore[arg-type]
    assert pod_as_serverless(running_hours=Decimal(0), busy_hours=Decimal(0), **tie) is None  # type: ignore[arg-type]
    hours = {"name": "bob-nb", "running_hours": Decimal(18), "busy_hours": Decimal(1)}
    assert pod_as_serverless(pod_per_hour=Decimal(0), flex_per_second=Decimal("0.0005"), **hours) is None  # type: ignore[arg-type]
    assert pod_as_serverless(pod_per_hour=Decimal(1), flex_per_second=Decimal(0), **hours) is None  # type: ignore[arg-type]
    assert endpoint_as_pod(name="llm", busy_hours=Decimal(10), serverless_cost=Decimal(5), gpu="RTX 4000 Ada",
                           pod_per_hour=Decimal(0)) is None
