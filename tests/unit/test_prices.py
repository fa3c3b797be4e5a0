"""The price book: the shipped Serverless table, an override file, a broken one."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from podwarden.adapters.price_table import load_serverless_table
from podwarden.bootstrap import price_book as load_price_book
from podwarden.domain.errors import InputError
from podwarden.domain.pricing import parse_serverless_table
from podwarden.errors import ConfigError
from podwarden.settings import Settings

OVERRIDE = {
    "date": "2027-01-15",
    "source": "team override",
    "classes": [
        {"pool": "AMPERE_80", "label": "80 GB", "memory_gb": 80, "flex_per_s": "0.00070",
         "active_per_s": 0.00055, "gpu_type_ids": ["NVIDIA A100 80GB PCIe"]},
    ],
}


def test_the_shipped_table_and_the_settings_storage_rates() -> None:
    book = load_price_book(Settings(prices_date="2026-11-01", volume_gb_month_stopped=Decimal("0.25")))
    assert (book.date, book.storage_date) == ("2026-11-01", "2026-11-01")
    assert len(book.serverless) == 10
    assert {p.pool for p in book.serverless} >= {"AMPERE_16", "AMPERE_80", "BLACKWELL_180"}
    assert book.volume_gb_month_stopped == Decimal("0.25")
    assert book.container_disk_gb_month == Decimal("0.10")


def test_an_override_file_replaces_the_table(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(OVERRIDE), encoding="utf-8")
    book = load_price_book(Settings(serverless_prices_file=str(path)))
    assert (book.date, book.source) == ("2027-01-15", "team override")
    (a100,) = book.serverless
    assert a100.flex_per_s == Decimal("0.00070")
    assert a100.active_per_s == Decimal("0.00055")  # a JSON number is read as an exact Decimal


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON (Expecting property name enclosed in double quotes at line 1, column 2)"),
        ("[]", "expected a JSON object with date, source and classes"),
        (json.dumps({**OVERRIDE, "date": "soon"}), "date must be YYYY-MM-DD, got 'soon'"),
        (json.dumps({**OVERRIDE, "classes": [{**OVERRIDE["classes"][0], "flex_per_s": "-1"}]}),  # type: ignore[dict-item]
         "classes[0] (AMPERE_80): flex_per_s must be more than 0, got '-1'"),
    ],
)
def test_a_malformed_override_names_the_file(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_price_book(Settings(serverless_prices_file=str(path)))
    assert str(caught.value) == f"PODWARDEN_SERVERLESS_PRICES_FILE: {path}: {problem}"


def test_a_missing_override_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"
    with pytest.raises(ConfigError) as caught:
        load_serverless_table(path)
    assert str(caught.value) == f"PODWARDEN_SERVERLESS_PRICES_FILE: {path}: cannot read it (No such file or directory)"


def test_the_simulator_bills_serverless_by_the_same_mapping_as_quotes() -> None:
    """One mapping of GPU types to Serverless pools (RunPod's pool ids win over the pricing
    page's grouping), read from the one shipped table: the simulator bills every published
    class at the table's flex price, with the table's GPU types, and nothing else."""
    from podwarden.sim.catalog import DEFAULT_POOLS

    published = {p.pool: p for p in load_serverless_table().prices if not p.estimate}
    assert {pool.id: (pool.gpu_type_ids, pool.flex_per_second) for pool in DEFAULT_POOLS.values()} == {
        pool: (p.gpu_type_ids, p.flex_per_s) for pool, p in published.items()
    }
    assert "ADA_32_PRO" not in DEFAULT_POOLS  # the table's estimate: quoted, never billed
    # The GPUs the pricing page groups differently bill as their pool ids say, in both.
    sim_pool_of = {gpu: pool.id for pool in DEFAULT_POOLS.values() for gpu in pool.gpu_type_ids}
    assert sim_pool_of["NVIDIA RTX A4500"] == "AMPERE_24"
    assert sim_pool_of["NVIDIA L4"] == "ADA_24"
    assert DEFAULT_POOLS["AMPERE_24"].flex_per_second == Decimal("0.00019")
    assert DEFAULT_POOLS["ADA_24"].flex_per_second == Decimal("0.00031")


def test_an_hour_of_every_published_per_second_price_is_exact_at_three_decimals() -> None:
    """Why JSON hourly prices carry three decimals, not cents (docs/json.md): RunPod's
    per-second prices have five, so an hour of each has three, and no fewer for some."""
    hourly = [price * 3600 for p in load_serverless_table().prices for price in (p.flex_per_s, p.active_per_s)]
    assert all(h == h.quantize(Decimal("0.001")) for h in hourly)
    assert any(h != h.quantize(Decimal("0.01")) for h in hourly)  # cents would misstate these
    assert Decimal("0.576") in hourly  # the 16 GB flex worker, as the docs say
    assert Decimal("2.736") in hourly


# -- the table's bounds, at the bound (mutation survivors of domain/pricing.py) ---------------

_ONE_CLASS = {"pool": "AMPERE_80", "memory_gb": 80, "flex_per_s": "0.00076", "active_per_s": "0.00060",
              "gpu_type_ids": ["NVIDIA A100 80GB PCIe"]}


def _table(**changes: object) -> dict[str, object]:
    return {"date": "2026-11-01", "source": "test", "classes": [{**_ONE_CLASS, **changes}]}


def test_a_class_of_one_gb_is_read_and_one_of_zero_gb_is_refused() -> None:
    assert parse_serverless_table(_table(memory_gb=1)).prices[0].memory_gb == 1
    with pytest.raises(InputError) as caught:
        parse_serverless_table(_table(memory_gb=0))
    assert caught.value.message == "classes[0] (AMPERE_80): memory_gb must be a whole number of GB above 0, got 0"


def test_an_active_price_equal_to_flex_is_read_and_a_dearer_one_is_refused() -> None:
    (same,) = parse_serverless_table(_table(active_per_s="0.00076")).prices
    assert same.active_per_s == same.flex_per_s == Decimal("0.00076")
    with pytest.raises(InputError) as caught:
        parse_serverless_table(_table(active_per_s="0.00077"))
    assert caught.value.message == "classes[0] (AMPERE_80): active_per_s (0.00077) cannot exceed flex_per_s (0.00076)"


def test_a_free_price_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse_serverless_table(_table(flex_per_s="0"))
    assert caught.value.message == "classes[0] (AMPERE_80): flex_per_s must be more than 0, got '0'"
    assert parse_serverless_table(_table(active_per_s="0.00001")).prices[0].active_per_s == Decimal("0.00001")
