from __future__ import annotations

import copy
import json
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from podwarden.domain.errors import InputError
from podwarden.domain.models import GpuType
from podwarden.domain.pricing import PriceBook, parse_serverless_table
from tests.unit.gpu_catalog import BOOK, CATALOG, gpu


def _shipped() -> dict[str, Any]:
    text = resources.files("podwarden.data").joinpath("serverless_prices.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def test_the_shipped_table_is_dated_and_has_the_guides_prices() -> None:
    table = parse_serverless_table(_shipped())
    assert table.date == "2026-11-01"
    assert "serverless-gpu-pricing-table" in table.source
    by_pool = {p.pool: p for p in table.prices}
    assert by_pool["AMPERE_16"].flex_per_s == Decimal("0.00016")
    assert by_pool["AMPERE_80"].flex_per_s == Decimal("0.00076")
    assert by_pool["AMPERE_80"].active_per_s == Decimal("0.00060")
    assert by_pool["ADA_32_PRO"].estimate is True
    assert not any(p.estimate for p in table.prices if p.pool != "ADA_32_PRO")
    assert all(p.active_per_s < p.flex_per_s for p in table.prices)


@pytest.mark.parametrize(
    ("gpu_id", "pool"),
    [
        ("NVIDIA RTX A4000", "AMPERE_16"),
        ("NVIDIA RTX A4500", "AMPERE_24"),  # RunPod's pool ids, not the pricing page's grouping
        ("NVIDIA L4", "ADA_24"),
        ("NVIDIA GeForce RTX 4090", "ADA_24"),
        ("NVIDIA GeForce RTX 5090", "ADA_32_PRO"),
        ("NVIDIA A40", "AMPERE_48"),
        ("NVIDIA L40S", "ADA_48_PRO"),
        ("NVIDIA A100-SXM4-80GB", "AMPERE_80"),
        ("NVIDIA H100 NVL", "ADA_80_PRO"),
        ("NVIDIA H200", "HOPPER_141"),
        ("NVIDIA B200", "BLACKWELL_180"),
    ],
)
def test_serverless_class_by_gpu_type(gpu_id: str, pool: str) -> None:
    price = BOOK.serverless_for(gpu(gpu_id))
    assert price is not None
    assert price.pool == pool


def test_an_unlisted_gpu_takes_the_smallest_standard_class_that_holds_it() -> None:
    def unlisted(memory_gb: int) -> str | None:
        price = BOOK.serverless_for(GpuType(id="NVIDIA Something New", display_name="New", memory_gb=memory_gb))
        return None if price is None else price.pool

    assert unlisted(12) == "AMPERE_16"
    assert unlisted(24) == "AMPERE_24"  # the standard class, not ADA_24 (pro)
    assert unlisted(32) == "AMPERE_48"  # no standard 32 GB class: the next standard one
    assert unlisted(96) == "HOPPER_141"
    assert unlisted(192) is None  # the MI300X has no Serverless class
    assert BOOK.serverless_for(gpu("AMD Instinct MI300X OAM")) is None


def test_container_disk_bills_only_while_running() -> None:
    assert BOOK.container_disk_cost(50, hours=720) == Decimal("5")
    assert BOOK.container_disk_per_hour(72) == Decimal("0.01")


def test_volume_costs_twice_as_much_stopped() -> None:
    assert BOOK.volume_cost(100, hours=720, running=True) == Decimal("10")
    assert BOOK.volume_cost(100, hours=720, running=False) == Decimal("20")
    assert BOOK.volume_per_hour(100, running=False) == 2 * BOOK.volume_per_hour(100, running=True)


@pytest.mark.parametrize(
    ("gb", "monthly"), [(0, "0"), (500, "35"), (1000, "70"), (1500, "95"), (2000, "120")]
)
def test_network_volume_is_tiered_at_one_terabyte(gb: int, monthly: str) -> None:
    """First 1,000 GB at $0.07, only what is beyond at $0.05."""
    assert BOOK.network_volume_per_month(gb) == Decimal(monthly)
    assert BOOK.network_volume_cost(gb, hours=720) == Decimal(monthly)


def test_a_negative_size_is_refused() -> None:
    with pytest.raises(InputError, match=r"^volume size cannot be negative, got -1 GB$"):
        BOOK.volume_per_hour(-1, running=True)


def test_sources_carry_their_dates() -> None:
    book = PriceBook(
        date="2026-11-01", source="table", container_disk_gb_month=Decimal("0.10"),
        volume_gb_month_running=Decimal("0.10"), volume_gb_month_stopped=Decimal("0.20"),
        network_volume_gb_month=Decimal("0.07"), network_volume_gb_month_over_1tb=Decimal("0.05"),
        serverless=(), storage_date="2026-10-01",
    )
    assert book.serverless_source == "table, 2026-11-01"
    assert book.storage_origin.endswith(", 2026-10-01")
    assert book.serverless_for(CATALOG[0]) is None


def _broken(path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    data = copy.deepcopy(_shipped())
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("date",), "November", "date must be YYYY-MM-DD, got 'November'"),
        (("classes",), [], "classes must be a non-empty list of price classes"),
        (("classes",), _DELETE, "classes must be a non-empty list of price classes"),
        (("classes", 0, "flex_per_s"), 0.00016,
         'classes[0] (AMPERE_16): flex_per_s must be a decimal string such as "0.00076", got 0.00016'),
        (("classes", 0, "flex_per_s"), "cheap",
         "classes[0] (AMPERE_16): flex_per_s must be a decimal string such as \"0.00076\", got 'cheap'"),
        (("classes", 1, "active_per_s"), "-0.1",
         "classes[1] (AMPERE_24): active_per_s must be more than 0, got '-0.1'"),
        (("classes", 1, "active_per_s"), "0.5",
         "classes[1] (AMPERE_24): active_per_s (0.5) cannot exceed flex_per_s (0.00019)"),
        (("classes", 2, "memory_gb"), "24",
         "classes[2] (ADA_24): memory_gb must be a whole number of GB above 0, got '24'"),
        (("classes", 2, "pool"), "ada 24", "classes[2]: pool must look like AMPERE_80, got 'ada 24'"),
        (("classes", 3, "pool"), "ADA_24", "classes[3]: pool ADA_24 appears twice"),
        (("classes", 4, "gpu_type_ids"), ["NVIDIA L4"],
         "classes[4] (AMPERE_48): 'NVIDIA L4' is already in ADA_24"),
        (("classes", 4, "gpu_type_ids"), "NVIDIA A40",
         "classes[4] (AMPERE_48): gpu_type_ids must be a list of RunPod GPU type ids"),
        (("classes", 4, "tier"), "gold", "classes[4] (AMPERE_48): tier must be standard or pro, got 'gold'"),
        (("classes", 5), "ADA_48_PRO", "classes[5] must be an object"),
    ],
)
def test_a_malformed_table_says_what_is_wrong(path: tuple[str | int, ...], value: object, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_serverless_table(_broken(path, value))
    assert str(caught.value) == message


def test_prices_given_as_decimals_are_kept_exact() -> None:
    data = json.loads(json.dumps(_shipped()), parse_float=Decimal)
    data["classes"][0]["flex_per_s"] = Decimal("0.000161")
    assert parse_serverless_table(data).prices[0].flex_per_s == Decimal("0.000161")


def test_per_hour_storage_in_figures() -> None:
    """$0.10/GB/month over 720 h: 100 GB is $0.0139 an hour running, twice that stopped; a
    network volume of 100 GB at $0.07 is $0.0097 an hour."""
    assert round(BOOK.volume_per_hour(100, running=True), 6) == Decimal("0.013889")
    assert round(BOOK.volume_per_hour(100, running=False), 6) == Decimal("0.027778")
    assert round(BOOK.network_volume_per_hour(100), 6) == Decimal("0.009722")
