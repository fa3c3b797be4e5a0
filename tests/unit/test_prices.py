"""The price book: the shipped Serverless table, an override file, a broken one."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from podwarden.adapters.price_table import load_serverless_table
from podwarden.bootstrap import price_book as load_price_book
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
    page's grouping): every pool the simulator bills is in the shipped table at the same flex
    price, and every GPU type both know is in the same pool in both."""
    from podwarden.sim.catalog import DEFAULT_POOLS

    table = {p.pool: p for p in load_serverless_table().prices}
    for pool in DEFAULT_POOLS.values():
        assert pool.id in table, pool.id
        assert pool.flex_per_second == table[pool.id].flex_per_s, pool.id
    sim_pool_of = {gpu: pool.id for pool in DEFAULT_POOLS.values() for gpu in pool.gpu_type_ids}
    table_pool_of = {gpu: p.pool for p in table.values() for gpu in p.gpu_type_ids}
    shared = set(sim_pool_of) & set(table_pool_of)
    assert {"NVIDIA RTX A4500", "NVIDIA L4", "NVIDIA GeForce RTX 4090"} <= shared
    assert {gpu: sim_pool_of[gpu] for gpu in shared} == {gpu: table_pool_of[gpu] for gpu in shared}
    assert table_pool_of["NVIDIA RTX A4500"] == "AMPERE_24"
    assert table_pool_of["NVIDIA L4"] == "ADA_24"
