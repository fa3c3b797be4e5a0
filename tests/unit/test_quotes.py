from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podwarden.domain.errors import InputError
from podwarden.domain.models import Cloud, GpuType
from podwarden.domain.money import format_number, format_rate, format_usd
from podwarden.domain.quotes import (
    Quote,
    QuoteRequest,
    break_even,
    compare_spot,
    quote,
    quote_pod,
    quote_serverless,
    stop_vs_terminate,
    usage_period,
)
from tests.unit.gpu_catalog import BOOK, CATALOG, SIM_SOURCE, gpu

A100 = gpu("NVIDIA A100 80GB PCIe")
A4000 = gpu("NVIDIA RTX A4000")
TOLERANCE = Decimal("1e-9")  # dollars; Decimal keeps 28 digits, so this is generous


def _quote(gpu_type: GpuType = A100, **options: object) -> Quote:
    return quote(QuoteRequest(gpu=gpu_type, **options), BOOK, price_source=SIM_SOURCE)  # type: ignore[arg-type]


# -- the guides' own figures, exactly ---------------------------------------------------


def test_an_a100_pod_at_189_an_hour_is_4536_a_day() -> None:
    q = _quote(A100, hours_per_day=24)
    assert q.pod.per_hour == Decimal("1.89")
    assert q.pod.per_day == Decimal("45.36")
    assert q.pod.total == Decimal("1360.80")  # 30 days
    assert format_usd(q.pod.per_day) == "$45.36"


def test_a100_flex_is_2736_an_hour_and_breaks_even_at_166_busy_hours_a_day() -> None:
    q = _quote(A100)
    assert q.serverless is not None
    assert q.break_even is not None
    assert q.serverless.flex_rate.amount == Decimal("0.00076")
    assert q.serverless.flex_per_busy_hour == Decimal("2.736")
    assert format_rate(q.serverless.flex_per_busy_hour, "h") == "$2.74/h"
    assert q.break_even.busy_hours_per_day == Decimal("16.57894736842105263157894737")  # the guides' ~17 h/day
    assert abs(q.break_even.busy_hours_per_day - Decimal("16.578947368421")) < Decimal("1e-12")
    assert format_number(q.break_even.busy_hours_per_day) == "16.6"


def test_an_a4000_request_of_5_s_costs_00008_and_breaks_even_at_350_an_hour() -> None:
    q = _quote(A4000, requests_per_hour=Decimal(300), seconds_per_request=Decimal(5))
    assert q.serverless is not None
    assert q.break_even is not None
    assert q.serverless.flex_rate.amount == Decimal("0.00016")
    assert q.serverless.per_request == Decimal("0.0008")
    assert format_usd(q.serverless.per_request) == "$0.0008"
    assert q.pod.per_hour == Decimal("0.28")
    assert q.break_even.requests_per_hour == 350
    assert q.recommendation == (
        "At 300 requests/h of 5 s Serverless flex is cheaper: $0.24 vs $0.28/h; a Pod wins above 350 requests/h."
    )


def test_the_recommendation_names_the_deciding_number() -> None:
    q = _quote(A100, hours_per_day=8)
    assert q.recommendation == (
        "At 8 busy h/day a Pod stopped after its 8 h is cheapest: $15.12/day, vs $21.89 on Serverless flex "
        "and $45.36 for a Pod left on; if it would stay on, flex wins below 16.6 busy h/day."
    )
    around_the_clock = _quote(A100, hours_per_day=24)
    assert around_the_clock.recommendation == (
        "At 24 busy h/day a Pod is cheaper: $45.36 vs $65.66/day on Serverless flex; Serverless wins below 16.6 h/day."
    )
    busy = _quote(A100, hours_per_day=20)
    assert busy.recommendation == (
        "At 20 busy h/day a Pod stopped after its 20 h is cheapest: $37.80/day, vs $54.72 on Serverless flex "
        "and $45.36 for a Pod left on; if it would stay on, flex wins below 16.6 busy h/day."
    )


def test_heavy_traffic_counts_the_pods_it_needs() -> None:
    q = _quote(A4000, requests_per_hour=Decimal(4000), seconds_per_request=Decimal(5))
    assert q.recommendation.startswith("At 4,000 requests/h of 5 s, 6 Pods are cheaper: $1.68 vs $3.20/h")
    assert "That load keeps 6 Pods of this size busy at once: the table prices 6 Pods and 6 active workers." \
        in q.notes
    assert q.pod.pods == 6
    assert q.pod.per_hour == Decimal("1.68")  # the table prices the six Pods, as the line above does
    assert q.pod.total == Decimal("1209.60")  # 6 × $0.28 × 720 h
    assert q.serverless is not None
    assert q.serverless.active_workers == 6


def test_a_load_sized_quote_prices_the_load_in_its_table() -> None:
    """The issue's example: 3,000 requests/h of 5 s keeps 5 A4000 Pods busy (4.17 rounded up)."""
    q = _quote(A4000, requests_per_hour=Decimal(3000), seconds_per_request=Decimal(5))
    assert q.pod.pods == 5
    assert q.pod.total == Decimal("1008.00")  # 5 × $0.28 × 720 h
    assert q.spot is not None
    assert q.spot.spot_rate.amount == Decimal("0.14")  # the A4000's Secure Cloud spot price
    assert q.spot.spot_per_hour == Decimal("0.70")  # 5 Pods × $0.14/h
    assert "5 Pods are cheaper: $1.40 vs $2.40/h" in q.recommendation


def test_one_run_compares_the_run() -> None:
    q = _quote(A100, hours=Decimal(10))
    assert q.pod.compute == Decimal("18.90")
    assert q.recommendation == (
        "For one 10 h run a Pod is cheaper: $18.90 vs $27.36 on Serverless flex ($1.89/h vs $2.74/h of busy time)."
    )


def test_a_gpu_without_a_serverless_class() -> None:
    q = _quote(gpu("AMD Instinct MI300X OAM"), gpu_count=2)
    assert q.serverless is None
    assert q.break_even is None
    assert q.recommendation == (
        "Serverless has no class for MI300X: a Pod at $4.98/h ($119.52/day left on) is the way to rent it."
    )


# -- what each figure says about its source ---------------------------------------------


def test_every_rate_says_where_it_came_from() -> None:
    q = _quote(A100, hours_per_day=8, container_disk_gb=50, volume_gb=100, network_volume_gb=1500)
    assert q.pod.gpu_rate.source == SIM_SOURCE
    assert q.serverless is not None
    assert q.serverless.flex_rate.source == f"{BOOK.source}, 2026-11-01"
    assert {item.rate.source for item in q.pod.storage} == {BOOK.storage_origin}
    assert "2026-11-01" in BOOK.storage_origin


def test_an_estimated_serverless_price_says_so() -> None:
    q = _quote(gpu("NVIDIA GeForce RTX 5090"))
    assert q.serverless is not None
    assert q.serverless.estimate
    assert q.serverless.flex_rate.source.endswith("(estimate)")
    assert "The 32 GB PRO Serverless price is our estimate, not a published one." in q.notes


# -- storage, spot, stop vs terminate ---------------------------------------------------


def test_storage_of_a_pod_stopped_between_sessions() -> None:
    """8 h/day for 30 days: 240 h running, 480 h stopped."""
    q = _quote(A100, hours_per_day=8, container_disk_gb=50, volume_gb=100, network_volume_gb=1500)
    amounts = {item.label: round(item.amount, 4) for item in q.pod.storage}
    assert amounts == {  # $0.10 and $0.20/GB/month from the guides, for a third and two thirds of a month
        "container disk 50 GB, while running": Decimal("1.6667"),
        "volume disk 100 GB, running": Decimal("3.3333"),
        "volume disk 100 GB, stopped": Decimal("13.3333"),
        "network volume 1,500 GB (first 1,000 GB at $0.07/GB/month, the rest at $0.05/GB/month)": Decimal(95),
    }
    assert round(q.pod.storage_total, 4) == Decimal("113.3333")
    assert q.pod.compute == Decimal("453.60")  # $1.89 × 240 h
    assert round(q.pod.total, 2) == Decimal("566.93")
    assert q.notes[0] == (
        "The Pod runs 8 h/day for a 30-day month and is stopped (not terminated) the rest of each day; "
        "its volume bills the stopped rate meanwhile."
    )


def test_one_run_has_no_stopped_time() -> None:
    q = _quote(A100, hours=Decimal(10), volume_gb=100)
    assert [item.label for item in q.pod.storage] == ["volume disk 100 GB, running"]


def test_spot_saves_and_warns_of_the_five_second_sigterm() -> None:
    q = _quote(A100, hours_per_day=24)
    assert q.spot is not None
    assert q.spot.spot_per_hour == Decimal("0.95")
    assert q.spot.savings_per_hour == Decimal("0.94")
    assert q.spot.savings_over_period == Decimal("676.80")
    assert format_number(q.spot.savings_percent) == "49.7"
    assert "5-second SIGTERM before SIGKILL" in q.spot.caveat
    spot = _quote(A100, spot=True, cloud=Cloud.COMMUNITY)
    assert spot.pod.per_hour == Decimal("0.82")
    assert any("5-second SIGTERM" in note for note in spot.notes)
    assert "a spot Pod" in spot.recommendation


def test_stop_vs_terminate() -> None:
    answer = stop_vs_terminate(volume_gb=100, book=BOOK)
    assert answer.stopped_per_month == Decimal(20)
    assert round(answer.stopped_per_day, 4) == Decimal("0.6667")  # $20 a month, a thirtieth a day
    assert answer.terminated_per_day == 0
    assert answer.summary == (
        "Stopped, its 100 GB volume costs $0.67/day ($20.00/month); terminated it costs nothing, "
        "but the volume is gone."
    )
    assert "/workspace" in answer.keeps
    assert "for good" in answer.loses
    assert _quote(A100, volume_gb=100).stop_vs_terminate == answer
    assert _quote(A100).stop_vs_terminate is None


def test_active_workers_bill_around_the_clock() -> None:
    q = _quote(A100)
    assert q.serverless is not None
    assert q.serverless.active_per_hour == Decimal("2.16")
    assert q.serverless.active_per_day == Decimal("51.84")
    assert q.serverless.active_per_month == Decimal("1555.2")


def test_cold_start_and_idle_timeout_are_billed_per_request() -> None:
    q = _quote(A4000, requests_per_hour=Decimal(300), seconds_per_request=Decimal(5), cold_start_s=Decimal(2),
               idle_timeout_s=Decimal(5))
    assert q.serverless is not None
    assert q.break_even is not None
    assert q.serverless.billed_seconds_per_request == 12
    assert q.serverless.per_request == Decimal("0.00192")  # 12 s × $0.00016/s
    # $0.28/h ÷ $0.00192 a request = 145⅚ requests/h, unrounded inside the engine
    assert q.break_even.requests_per_hour == Decimal("145.8333333333333333333333333")
    assert "Flex bills 12 s a request (5 s execution + 2 s cold start + 5 s idle timeout)" in " ".join(q.notes)


def test_as_dict_is_json_ready_and_keeps_decimals() -> None:
    data = _quote(A4000, requests_per_hour=Decimal(300), seconds_per_request=Decimal(5)).as_dict()
    assert data["recommendation"] == (
        "At 300 requests/h of 5 s Serverless flex is cheaper: $0.24 vs $0.28/h; a Pod wins above 350 requests/h."
    )
    pod = data["pod"]
    assert isinstance(pod, dict)
    assert pod["per_hour"] == Decimal("0.28")
    assert isinstance(pod["per_hour"], Decimal)
    assert pod["cloud"] == "SECURE"
    even = data["break_even"]
    assert isinstance(even, dict)
    assert str(even["requests_per_hour"]) == "350"  # no 3.5E+2 in JSON
    assert isinstance(data["notes"], list)


# -- properties -------------------------------------------------------------------------

hours = st.decimals(min_value=0, max_value=8784, places=2)
counts = st.integers(min_value=1, max_value=8)
gpus = st.sampled_from([g for g in CATALOG if g.secure_price is not None])


@settings(max_examples=60, deadline=None)
@given(gpus, counts, hours, hours, st.integers(min_value=0, max_value=2000))
def test_cost_is_monotonic_in_hours(gpu_type: GpuType, count: int, a: Decimal, b: Decimal, disk: int) -> None:
    low, high = sorted((a, b))
    def total(h: Decimal) -> Decimal:
        return _quote(gpu_type, gpu_count=count, hours=h, container_disk_gb=disk, volume_gb=disk).pod.total
    assert total(low) <= total(high)


@settings(max_examples=60, deadline=None)
@given(gpus, counts, st.decimals(min_value=0, max_value=24, places=2), st.booleans())
def test_compute_is_linear_in_gpu_count(gpu_type: GpuType, count: int, per_day: Decimal, spot: bool) -> None:
    one = _quote(gpu_type, hours_per_day=per_day, spot=spot).pod
    many = _quote(gpu_type, gpu_count=count, hours_per_day=per_day, spot=spot).pod
    assert many.per_hour == count * one.per_hour
    assert many.compute == count * one.compute


@settings(max_examples=60, deadline=None)
@given(
    st.decimals(min_value=Decimal("0.01"), max_value=50, places=2),
    st.decimals(min_value=Decimal("0.00001"), max_value=Decimal("0.01"), places=5),
    st.decimals(min_value=Decimal("0.1"), max_value=600, places=1),
)
def test_both_sides_cost_the_same_at_the_break_even(pod: Decimal, flex: Decimal, seconds: Decimal) -> None:
    even = break_even(pod_per_hour=pod, flex_per_second=flex, seconds_per_request=seconds)
    pod_day, flex_day = pod * 24, even.busy_hours_per_day * 3600 * flex
    assert abs(pod_day - flex_day) <= TOLERANCE
    assert even.requests_per_hour is not None
    assert abs(pod - even.requests_per_hour * seconds * flex) <= TOLERANCE
    assert abs(even.utilisation * 24 - even.busy_hours_per_day) <= TOLERANCE


@settings(max_examples=40, deadline=None)
@given(gpus, counts)
def test_a_quote_at_its_own_break_even_is_a_tie(gpu_type: GpuType, count: int) -> None:
    q = _quote(gpu_type, gpu_count=count)
    if q.break_even is None or q.break_even.busy_hours_per_day > 24:
        return
    at = _quote(gpu_type, gpu_count=count, hours_per_day=q.break_even.busy_hours_per_day)
    assert at.serverless is not None
    assert abs(at.serverless.flex_total - at.pod.per_hour * 24 * 30) <= TOLERANCE


# -- bad input: one line each -----------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"hours": Decimal(-1)}, "hours cannot be negative, got -1"),
        ({"hours": Decimal(10_000)}, "at most 8,784 hours (a year) per quote, got 10000"),
        ({"hours_per_day": Decimal(25)}, "a day has 24 hours, got 25/day"),
        ({"hours_per_day": Decimal(-2)}, "hours per day cannot be negative, got -2"),
        ({"hours": Decimal(2), "hours_per_day": Decimal(2)},
         "give --hours as a total (10) or per day (8/day), not both"),
        ({"gpu_count": 0}, "A100 PCIe Pods take 1 to 8 GPUs, got 0"),
        ({"gpu_count": 9}, "A100 PCIe Pods take 1 to 8 GPUs, got 9"),
        ({"container_disk_gb": -5}, "--disk cannot be negative, got -5 GB"),
        ({"volume_gb": -1}, "--volume cannot be negative, got -1 GB"),
        ({"volume_gb": 200_000}, "--volume can be at most 100,000 GB, got 200000 GB"),
        ({"requests_per_hour": Decimal(300)},
         "--requests and --seconds go together (e.g. --requests 300/hour --seconds 5)"),
        ({"requests_per_hour": Decimal(-3), "seconds_per_request": Decimal(5)},
         "requests per hour cannot be negative, got -3"),
        ({"requests_per_hour": Decimal(3), "seconds_per_request": Decimal(0)},
         "seconds per request must be more than 0, got 0"),
        ({"cold_start_s": Decimal(-1)}, "cold start seconds cannot be negative, got -1"),
        ({"idle_timeout_s": Decimal(4000)}, "the idle timeout must be 0 to 3600 s, got 4000"),
        ({"hours": Decimal("NaN")}, "hours must be a number, got NaN"),
    ],
)
def test_bad_input_gets_one_line(options: dict[str, object], message: str) -> None:
    with pytest.raises(InputError) as caught:
        _quote(A100, **options)
    assert str(caught.value) == message
    assert "\n" not in message


def test_a_gpu_not_offered_in_that_cloud() -> None:
    with pytest.raises(InputError, match=r"^L4 is not offered in community cloud; try --cloud secure$"):
        _quote(gpu("NVIDIA L4"), cloud=Cloud.COMMUNITY)
    no_spot = GpuType(id="X", display_name="X1", memory_gb=24, secure_price=Decimal(1))
    with pytest.raises(InputError, match=r"^X1 has no spot price in secure cloud; drop --spot for on-demand$"):
        _quote(no_spot, spot=True)


def test_usage_period_defaults_to_around_the_clock() -> None:
    period = usage_period()
    assert [period.running_hours, period.total_hours, period.stopped_hours] == [720, 720, 0]
    assert period.days == 30
    assert period.label == "24 h/day for a 30-day month"
    assert usage_period(hours=Decimal("2.5")).label == "one 2.5 h run"


def test_quote_pod_on_its_own() -> None:
    pod = quote_pod(A100, period=usage_period(hours=Decimal(1)), book=BOOK, price_source="live catalog", count=2)
    assert (pod.compute, pod.storage, pod.per_day) == (Decimal("3.78"), (), None)
    assert pod.gpu_rate.source == "live catalog"


def test_the_recommendation_counts_the_disks_the_table_counts() -> None:
    """A 10 GB volume at $0.10/GB/month is $1 a 720-hour month: the Pod side is $0.28139/h,
    so the break-even moves from 350 to 351.7 requests/h, and both lines say so."""
    q = _quote(A4000, requests_per_hour=Decimal(300), seconds_per_request=Decimal(5), volume_gb=10)
    assert q.break_even is not None
    assert round(q.break_even.requests_per_hour or 0, 1) == Decimal("351.7")
    assert q.recommendation.endswith("a Pod wins above 351.7 requests/h.")
    assert any("count the Pod's disks" in note for note in q.notes)
    run = _quote(A100, hours=Decimal(10), container_disk_gb=720)  # $0.10/GB/month: $0.10 an hour for 720 GB
    assert run.pod.total == Decimal("19.90")
    assert run.recommendation.startswith("For one 10 h run a Pod is cheaper: $19.90 vs $27.36")


# -- what the mutation pass found untested ---------------------------------------------------


def test_spot_savings_count_every_gpu() -> None:
    q = _quote(A100, gpu_count=2, hours_per_day=24)
    assert q.spot is not None
    assert q.spot.savings_per_hour == Decimal("1.88")  # 2 × ($1.89 − $0.95)
    assert q.spot.spot_per_hour == Decimal("1.90")


def test_flex_for_a_request_load_bills_only_the_busy_seconds() -> None:
    """300 requests/h of 5 s for 720 h is 300 busy hours: 300 × $0.576 = $172.80 on the 16 GB class."""
    q = _quote(A4000, requests_per_hour=Decimal(300), seconds_per_request=Decimal(5))
    assert q.serverless is not None
    assert q.serverless.busy_hours == 300
    assert q.serverless.flex_total == Decimal("172.80")
    assert q.serverless.active_per_hour == Decimal("0.396")  # one worker: $0.00011/s
    heavy = _quote(A4000, requests_per_hour=Decimal(4000), seconds_per_request=Decimal(5))
    assert heavy.serverless is not None
    assert heavy.serverless.active_per_hour == Decimal("2.376")  # the six workers the load needs: 6 × $0.396


def test_the_other_cloud_is_named_when_it_is_cheaper_or_dearer() -> None:
    secure = _quote(A100)
    assert secure.other_cloud is not None
    assert (secure.other_cloud.cloud, secure.other_cloud.per_hour, secure.other_cloud.cheaper) == (
        Cloud.COMMUNITY, Decimal("1.64"), True)
    assert ("Community cloud is cheaper for A100 PCIe on-demand: $1.64/h vs $1.89/h per GPU here "
            "(add --cloud community).") in secure.notes
    community = _quote(A100, cloud=Cloud.COMMUNITY, spot=True)
    assert "Secure cloud costs more for A100 PCIe spot: $0.95/h per GPU." in community.notes
    only_secure = _quote(gpu("NVIDIA B200"))
    assert only_secure.other_cloud is None
    assert not any("cloud is cheaper" in note or "cloud costs more" in note for note in only_secure.notes)


def test_the_smallest_disks_and_the_network_volume_tier_edge() -> None:
    q = _quote(A100, hours=Decimal(10), container_disk_gb=1, volume_gb=1, network_volume_gb=1000)
    assert [item.label for item in q.pod.storage] == [
        "container disk 1 GB, while running", "volume disk 1 GB, running", "network volume 1,000 GB",
    ]


@pytest.mark.parametrize(
    ("options", "accepted"),
    [
        ({"container_disk_gb": 100_000}, True), ({"container_disk_gb": 100_001}, False),
        ({"idle_timeout_s": 3600, "requests_per_hour": Decimal(1), "seconds_per_request": Decimal(1)}, True),
        ({"idle_timeout_s": 3601, "requests_per_hour": Decimal(1), "seconds_per_request": Decimal(1)}, False),
        ({"requests_per_hour": Decimal(10_000_000), "seconds_per_request": Decimal("0.001")}, True),
        ({"requests_per_hour": Decimal(10_000_001), "seconds_per_request": Decimal(1)}, False),
        ({"requests_per_hour": Decimal(1), "seconds_per_request": Decimal(604_800)}, True),
        ({"requests_per_hour": Decimal(1), "seconds_per_request": Decimal(604_801)}, False),
    ],
)
def test_the_limits_are_inclusive(options: dict[str, object], accepted: bool) -> None:
    if accepted:
        _quote(A4000, **options)
    else:
        with pytest.raises(InputError):
            _quote(A4000, **options)


def test_the_gpu_count_worth_asking_about() -> None:
    from podwarden.domain.quotes import check_gpu_count

    assert check_gpu_count(1) == 1
    assert check_gpu_count(1000) == 1000
    with pytest.raises(InputError, match="at least 1, got 0"):
        check_gpu_count(0)
    with pytest.raises(InputError, match="no RunPod Pod has 1001 GPUs"):
        check_gpu_count(1001)


def test_the_notes_say_when_the_pod_is_stopped_and_how_many_pods_a_load_needs() -> None:
    assert _quote(A100, hours_per_day=24).notes[0] == "The Pod runs around the clock for a 30-day month."
    almost = _quote(A100, hours_per_day=Decimal("23.99")).notes[0]  # 18 minutes stopped a month
    assert almost.startswith("The Pod runs 23.99 h/day for a 30-day month and is stopped (not terminated)")
    one = _quote(A4000, requests_per_hour=Decimal(720), seconds_per_request=Decimal(5))  # exactly one Pod busy
    two = _quote(A4000, requests_per_hour=Decimal(721), seconds_per_request=Decimal(5))
    assert (one.pod.pods, two.pod.pods) == (1, 2)
    assert not any("That load keeps" in note for note in one.notes)
    assert "That load keeps 2 Pods of this size busy at once: the table prices 2 Pods and 2 active workers." \
        in two.notes


def test_requests_longer_than_the_default_execution_timeout_say_so() -> None:
    def warned(seconds: int) -> bool:
        q = _quote(A4000, requests_per_hour=Decimal(1), seconds_per_request=Decimal(seconds))
        return any("default execution timeout is 600 s" in note for note in q.notes)

    assert (warned(600), warned(601)) == (False, True)


def test_the_building_blocks_default_to_one_gpu_one_pod_no_disk_and_no_cold_start() -> None:
    """`quote` passes every argument; other callers rely on the defaults (mutation survivors
    of quotes.py's signatures): one GPU, one Pod, no disks, no cold start or idle timeout, one
    active worker. An A4000 month is $0.28/h, spot $0.14/h, flex billed 5 s a request."""
    month = usage_period()
    pod = quote_pod(A4000, period=month, book=BOOK, price_source=SIM_SOURCE)
    assert (pod.count, pod.pods, pod.per_hour, pod.storage_total) == (1, 1, Decimal("0.28"), Decimal(0))
    spot = compare_spot(A4000, period=month, price_source=SIM_SOURCE)
    assert spot is not None
    assert (spot.on_demand_per_hour, spot.spot_per_hour) == (Decimal("0.28"), Decimal("0.14"))
    flex = quote_serverless(A4000, period=month, book=BOOK, requests_per_hour=300, seconds_per_request=5)
    assert flex is not None
    assert (flex.gpu_count, flex.active_workers, flex.billed_seconds_per_request) == (1, 1, Decimal(5))
    assert (flex.cold_start_s, flex.idle_timeout_s) == (Decimal(0), Decimal(0))
    assert flex.per_request == Decimal("0.0008")  # 5 s × $0.00016/s
    assert flex.active_per_hour == Decimal("0.396")  # one worker: $0.00011/s


@pytest.mark.parametrize(
    ("pod", "flex", "seconds", "message"),
    [
        ("0", "0.00016", None, "break-even needs a Pod price and a Serverless price above $0"),
        ("0.28", "0", None, "break-even needs a Pod price and a Serverless price above $0"),
        ("0.28", "0.00016", "0", "seconds per request must be more than 0, got 0"),
    ],
)
def test_a_break_even_at_zero_is_bad_input_not_a_division_by_zero(
    pod: str, flex: str, seconds: str | None, message: str
) -> None:
    """quotes.py's `<= 0` guards (mutation survivors as `< 0`): zero is refused as input."""
    with pytest.raises(InputError) as caught:
        break_even(pod_per_hour=Decimal(pod), flex_per_second=Decimal(flex),
                   seconds_per_request=None if seconds is None else Decimal(seconds))
    assert caught.value.message == message


def test_hours_in_a_period_s_label_and_a_disk_s_basis_show_two_decimals() -> None:
    assert usage_period(hours_per_day=Decimal("1.125")).label == "1.13 h/day for a 30-day month"
    q = _quote(A100, hours=Decimal("1.125"), container_disk_gb=20, volume_gb=50)
    assert [item.basis for item in q.pod.storage] == ["20 GB × 1.13 h", "50 GB × 1.13 h"]


def test_a_load_under_one_request_an_hour_is_quoted() -> None:
    q = _quote(A4000, requests_per_hour=Decimal("0.5"), seconds_per_request=Decimal(5))
    assert q.serverless.per_request == Decimal("0.0008")  # priced, though one comes every two hours
    with pytest.raises(InputError, match="cannot be negative"):
        _quote(A4000, requests_per_hour=Decimal("-0.5"), seconds_per_request=Decimal(5))
