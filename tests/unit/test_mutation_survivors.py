"""Tests that kill what the mutation pass over podwarden/domain found alive
(tests/tools/mutate_domain.py; docs/mutation-report.md lists each survivor and its test).
Each pins a boundary the other tests only came near: the figure at the bound, a tie, an
order of words."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from podwarden.domain import money
from podwarden.domain.catalog import resolve_gpu
from podwarden.domain.durations import parse_duration
from podwarden.domain.errors import InputError
from podwarden.domain.money import format_usd
from podwarden.domain.quotes import QuoteRequest, quote, stop_vs_terminate
from podwarden.domain.rates import check_hours, parse_request_rate, parse_seconds
from tests.unit.gpu_catalog import BOOK, CATALOG, SIM_SOURCE, gpu


def test_minus_one_dollar_keeps_its_sign() -> None:
    """money.py `if cents == 0: sign = ""` (mutant `cents == 1` dropped the sign of -$1.00)."""
    assert format_usd(Decimal("-1")) == "-$1.00"
    assert format_usd(Decimal("1")) == "$1.00"


def test_a_day_is_86400_seconds() -> None:
    """money.py SECONDS_PER_DAY (exported, used by no module yet: `*` -> `/` survived)."""
    assert money.SECONDS_PER_DAY == 86_400


def test_every_word_of_a_gpu_in_any_order_names_it() -> None:
    """catalog.py `set(words) <= _gpu_words(g)`: all of a GPU's words, reordered, are not an
    exact name but still fit it (mutant `<` answered "unknown GPU")."""
    assert resolve_gpu("pcie nvidia a100 80gb", CATALOG).gpu.id == "NVIDIA A100 80GB PCIe"


def test_a_one_run_tie_names_the_pod() -> None:
    """advice.py `if pod.total <= serverless.flex_total`: at a tie the Pod is named (no cold
    starts, no queue). A 16 GB GPU at $0.576/h costs what 16 GB flex costs ($0.00016/s × 3600)."""
    even = dataclasses.replace(gpu("NVIDIA RTX A4000"), secure_price=Decimal("0.576"))
    q = quote(QuoteRequest(gpu=even, hours=Decimal(10)), BOOK, price_source=SIM_SOURCE)
    assert q.serverless is not None
    assert q.pod.total == q.serverless.flex_total == Decimal("5.76")
    assert q.recommendation.startswith("For one 10 h run a Pod is cheaper: $5.76 vs $5.76 on Serverless flex")


def test_one_pod_for_a_load_is_a_pod_not_one_pods() -> None:
    """advice.py `" a Pod is" if pods == 1`: 500 requests/h of 5 s keep one A4000 busy."""
    q = quote(QuoteRequest(gpu=gpu("NVIDIA RTX A4000"), requests_per_hour=Decimal(500),
                           seconds_per_request=Decimal(5)), BOOK, price_source=SIM_SOURCE)
    assert q.recommendation == ("At 500 requests/h of 5 s a Pod is cheaper: $0.28 vs $0.40/h on Serverless flex; "
                                "Serverless wins below 350 requests/h.")


def test_a_run_s_hours_show_two_decimals() -> None:
    """advice.py `format_number(running_hours, places=2)`: 2.125 h reads 2.13 h."""
    q = quote(QuoteRequest(gpu=gpu("NVIDIA A100 80GB PCIe"), hours=Decimal("2.125")), BOOK, price_source=SIM_SOURCE)
    assert q.recommendation.startswith("For one 2.13 h run a Pod is cheaper: $4.02 vs $5.81 on Serverless flex")


def test_a_bad_duration_of_40_characters_is_echoed_whole_and_41_are_cut() -> None:
    """durations.py `len(text) <= 40`: the echo is cut only past 40 characters."""
    for text, shown in (("x" * 40, repr("x" * 40)), ("x" * 41, repr("x" * 39) + "…")):
        with pytest.raises(InputError) as caught:
            parse_duration(text)
        assert caught.value.message == f"not a duration: {shown} (use e.g. 90s, 30m, 2h, 1d)"


def test_five_fitting_gpus_are_all_listed_and_a_sixth_is_one_more() -> None:
    """catalog.py `len(shown) > _MAX_LISTED` (5): five names are listed without "and 0 more"."""
    ids = ("NVIDIA RTX A4000", "NVIDIA RTX A4500", "NVIDIA RTX A5000", "NVIDIA RTX A6000", "NVIDIA A40", "NVIDIA L4")
    six = [g for g in CATALOG if g.id in ids]
    five = [g for g in six if g.id != "NVIDIA A40"]
    with pytest.raises(InputError) as caught:
        resolve_gpu("nvidia", five)
    assert caught.value.message == ("'nvidia' fits several GPUs: RTX A4000, RTX A4500, RTX A5000, RTX A6000, L4; "
                                    "say which one")
    with pytest.raises(InputError) as caught:
        resolve_gpu("nvidia", six)
    assert caught.value.message.endswith(", RTX A6000, A40 and 1 more; say which one")


def _a4000(**load: Decimal) -> str:
    return quote(QuoteRequest(gpu=gpu("NVIDIA RTX A4000"), **load), BOOK,  # type: ignore[arg-type]
                 price_source=SIM_SOURCE).recommendation


def test_the_recommendation_s_figures_keep_their_precision() -> None:
    """advice.py's `format_number(..., places=N)` calls: busy hours and seconds at two
    decimals, a break-even rate at one decimal from 1 request/h up and four below it."""
    assert _a4000(hours_per_day=Decimal("2.125")).startswith("At 2.13 busy h/day a Pod stopped after its 2.13 h is ")
    assert _a4000(requests_per_hour=Decimal(300), seconds_per_request=Decimal("2.125")).startswith(
        "At 300 requests/h of 2.13 s ")
    assert _a4000(requests_per_hour=Decimal(1), seconds_per_request=Decimal(1000)).endswith(
        "a Pod wins above 1.8 requests/h.")  # $0.28/h ÷ $0.16 a request = 1.75
    assert _a4000(requests_per_hour=Decimal(1), seconds_per_request=Decimal(3600)).endswith(
        "Serverless wins below 0.4861 requests/h.")  # $0.28/h ÷ $0.576 a request


def test_the_billed_seconds_note_shows_three_decimals() -> None:
    """advice.py notes: `format_number(value, places=3)`: 2.1255 s reads 2.126 s."""
    q = quote(QuoteRequest(gpu=gpu("NVIDIA RTX A4000"), requests_per_hour=Decimal(300),
                           seconds_per_request=Decimal("2.1255"), cold_start_s=Decimal(2)), BOOK,
              price_source=SIM_SOURCE)
    assert "Flex bills 4.126 s a request (2.126 s execution + 2 s cold start + 0 s idle timeout)" in " ".join(q.notes)


def test_a_pod_stopped_when_idle_is_priced_even_when_flex_wins() -> None:
    """advice.py's `stopped` sentence (capitalised "A Pod", hours at two decimals): a 200 GB
    volume makes the stopped A4000 dearer than 1.125 busy hours of flex."""
    assert _a4000(hours_per_day=Decimal("1.125"), volume_gb=Decimal(200)) == (
        "At 1.13 busy h/day Serverless flex is cheaper than a Pod left on: $0.65 vs $7.39/day; a Pod wins above "
        "12.8 h/day. A Pod stopped after its 1.13 h costs $1.62/day.")


def test_the_longest_request_and_the_longest_quote_are_accepted_and_one_more_is_not() -> None:
    """rates.py `seconds > MAX_SECONDS_PER_REQUEST` and `hours > MAX_HOURS`: the bounds are in."""
    assert parse_seconds("604800") == 604_800  # 7 days, RunPod's longest execution timeout
    with pytest.raises(InputError):
        parse_seconds("604801")
    assert check_hours(Decimal(8784)) == 8784  # a leap year of running time
    with pytest.raises(InputError):
        check_hours(Decimal("8784.01"))


def test_the_smallest_request_rate_is_one_a_30_day_month() -> None:
    """rates.py MIN_REQUESTS_PER_HOUR = 1 / (24 × 30): 0.034 a day is over it, 0.0333 under."""
    assert parse_request_rate("0.034/day") == Decimal("0.034") / 24
    with pytest.raises(InputError) as caught:
        parse_request_rate("0.0333/day")
    assert caught.value.message.startswith("--requests must be at least one a month")


def test_a_free_pod_has_no_break_even() -> None:
    """quotes.py `if ... pod.per_hour > 0` (mutant `>= 0` asked break_even for $0 and failed)
    and advice.py's "nothing beats free" line, capitalised."""
    free = dataclasses.replace(gpu("NVIDIA RTX A4000"), secure_price=Decimal(0))
    q = quote(QuoteRequest(gpu=free), BOOK, price_source=SIM_SOURCE)
    assert q.break_even is None
    assert q.recommendation == "A Pod costs $0.00/h here: nothing beats free."


def test_the_quote_s_smaller_bounds() -> None:
    """quotes.py survivors of the second pass: the on-demand side of spot counts every GPU
    (`on_demand * gpus`), one cloud at the same price is not "cheaper" (`there < here`), a
    1 GB network volume is billed (`network_gb > 0`), a stopped 100 GB volume is $0.67 a
    day at $0.20/GB/month (`hours=1`), and 0 s a request is refused (`length <= 0`)."""
    a4000 = gpu("NVIDIA RTX A4000")
    two = quote(QuoteRequest(gpu=a4000, gpu_count=2, hours_per_day=24), BOOK, price_source=SIM_SOURCE)
    assert two.spot is not None
    assert two.spot.on_demand_per_hour == Decimal("0.56")  # 2 × $0.28
    level = dataclasses.replace(a4000, community_price=a4000.secure_price)
    offer = quote(QuoteRequest(gpu=level), BOOK, price_source=SIM_SOURCE).other_cloud
    assert offer is not None
    assert not offer.cheaper
    network = quote(QuoteRequest(gpu=a4000, network_volume_gb=1), BOOK, price_source=SIM_SOURCE)
    assert [item.label for item in network.pod.storage] == ["network volume 1 GB"]
    nearly_on = quote(QuoteRequest(gpu=a4000, hours_per_day=Decimal("23.99"), volume_gb=100), BOOK,
                      price_source=SIM_SOURCE)  # stopped 0.3 h a month: still billed (`stop > 0`)
    assert "volume disk 100 GB, stopped" in [item.label for item in nearly_on.pod.storage]
    stopped = stop_vs_terminate(volume_gb=Decimal(100), book=BOOK)
    assert stopped.stopped_per_hour.quantize(Decimal("0.00001")) == Decimal("0.02778")  # $20/month ÷ 720 h
    with pytest.raises(InputError) as caught:
        quote(QuoteRequest(gpu=a4000, requests_per_hour=Decimal(300), seconds_per_request=Decimal(0),
                           cold_start_s=Decimal(2)), BOOK, price_source=SIM_SOURCE)
    assert caught.value.message == "seconds per request must be more than 0, got 0"


def test_one_request_an_hour_reads_singular() -> None:
    """advice.py: "At 1 request/h", not "1 requests/h"."""
    q = quote(QuoteRequest(gpu=gpu("NVIDIA RTX A4000"), requests_per_hour=Decimal(1),
                           seconds_per_request=Decimal(5)), BOOK, price_source=SIM_SOURCE)
    assert q.recommendation.startswith("At 1 request/h of 5 s Serverless flex is cheaper")
