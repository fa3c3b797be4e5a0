"""Scenario files: the shipped demo, strict keys, catalogue overrides, faults."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from podwarden.clock import ManualClock
from podwarden.sim import FaultKind, RunPodSimulator, Scenario
from podwarden.sim.catalog import DEFAULT_POOLS, PRICES_DATED, default_catalog
from tests.sim.sim_helpers import API_KEY, GraphQL


def test_the_demo_scenario_holds_a_small_teams_fleet(
    clock: ManualClock, connect: Callable[[RunPodSimulator], GraphQL],
) -> None:
    scenario = Scenario.load("demo")
    sim = RunPodSimulator(clock=clock, api_key=API_KEY, scenario=scenario)
    gql = connect(sim)
    pods = {p.name: p for p in sim.world.pods.values()}

    assert set(scenario.owners().values()) == {"alice", "bob", "carol", "dave", "erin"}
    assert pods["dave-archive"].desired_status == "EXITED"
    assert pods["dave-archive"].storage.rate_per_hour == Decimal(200) * Decimal("0.20") / 720
    assert pods["bob-notebook"].workload.name == "idle"
    [endpoint] = sim.world.endpoints.values()
    assert (endpoint.name, endpoint.workers_min) == ("embeddings", 1)
    assert [w.state for w in endpoint.workers] == ["IDLE"]
    bob = gql.pod(pods["bob-notebook"].id)
    assert bob["uptimeSeconds"] == 36000
    assert all(g["gpuUtilPercent"] <= 2 for g in bob["runtime"]["gpus"])

    sim.advance(20 * 60)

    assert pods["erin-spot-eval"].stopped_by == "eviction"
    assert pods["alice-llama-finetune"].desired_status == "RUNNING"


def test_a_scenario_file_path_in_json_or_yaml_loads(tmp_path: Path) -> None:
    as_json = tmp_path / "s.json"
    as_json.write_text(json.dumps({"balance": "12.5", "pods": [{"name": "a", "gpu_type_id": "NVIDIA A40"}]}),
                       encoding="utf-8")
    as_yaml = tmp_path / "s.yaml"
    as_yaml.write_text("balance: 12.5\npods:\n  - {name: a, gpu_type_id: NVIDIA A40}\n", encoding="utf-8")

    assert Scenario.load(as_json) == Scenario.load(as_yaml)
    assert Scenario.load(as_json).balance == Decimal("12.5")


def test_a_misspelt_key_is_an_error_not_a_silent_default() -> None:
    with pytest.raises(ValueError, match="unknown key"):
        Scenario.loads("spend_limt: 10\n")
    with pytest.raises(ValueError, match=r"pods\[\]: unknown key\(s\) gpu"):
        Scenario.loads("pods:\n  - {name: a, gpu: NVIDIA A40}\n")


def test_the_catalogue_can_be_repriced_extended_and_trimmed(
    clock: ManualClock, connect: Callable[[RunPodSimulator], GraphQL],
) -> None:
    scenario = Scenario.loads("""
catalog:
  NVIDIA A40: {securePrice: 0.5, communityPrice: null}
  NVIDIA RTX PRO 6000 Blackwell Server Edition: {displayName: RTX PRO 6000, memoryInGb: 96, securePrice: 1.79,
    stock: {SECURE: 4}}
  AMD Instinct MI300X OAM: null
""")
    gql = connect(RunPodSimulator(clock=clock, api_key=API_KEY, scenario=scenario))

    listed = gql.data("{ gpuTypes { id securePrice communityPrice communityCloud } }")["gpuTypes"]
    types = {t["id"]: t for t in listed}

    assert types["NVIDIA A40"] == {"id": "NVIDIA A40", "securePrice": 0.5, "communityPrice": None,
                                   "communityCloud": False}
    assert types["NVIDIA RTX PRO 6000 Blackwell Server Edition"]["securePrice"] == 1.79
    assert "AMD Instinct MI300X OAM" not in types
    assert len(types) == 20


def test_faults_in_a_scenario_are_armed(clock: ManualClock) -> None:
    scenario = Scenario.loads("faults:\n  - {route: 'graphql:podStop', kind: SERVER_ERROR, count: 1}\n")
    sim = RunPodSimulator(clock=clock, scenario=scenario)

    [fault] = sim.faults.faults
    assert (fault.route, fault.kind, fault.count) == ("graphql:podStop", FaultKind.SERVER_ERROR, 1)


def test_the_default_catalogue_carries_the_dated_prices() -> None:
    catalog = default_catalog()
    a4000 = catalog["NVIDIA RTX A4000"]
    prices = (a4000.secure_price, a4000.community_price, a4000.secure_spot_price, a4000.community_spot_price)
    assert prices == (Decimal("0.28"), Decimal("0.20"), Decimal("0.14"), Decimal("0.10"))
    assert catalog["NVIDIA B200"].community_price is None
    assert catalog["NVIDIA H100 80GB HBM3"].community_price == Decimal("2.79")
    assert len(catalog) == 20
    assert DEFAULT_POOLS["AMPERE_80"].flex_per_second == Decimal("0.00076")
    assert DEFAULT_POOLS["AMPERE_80"].active_per_second == Decimal("0.000608")
    assert PRICES_DATED == "2026-11-23"
