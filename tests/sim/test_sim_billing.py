"""Money: per-second billing in exact Decimals, spend limit, balance checks, running out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from podwarden.clock import ManualClock
from podwarden.sim import RunPodSimulator, Scenario
from tests.sim.sim_helpers import ACCOUNT, API_KEY, GraphQL

# 36 GB container + 54 GB volume = 90 GB at $0.10/GB/month over 720 h: exactly $0.0125/h.
DISKS = {"containerDiskInGb": 36, "volumeInGb": 54}


def test_an_hour_of_a_running_pod_costs_exactly_its_price_plus_its_disks(
    sim: RunPodSimulator, gql: GraphQL,
) -> None:
    before = sim.world.balance
    pod_id = gql.create_pod(gpuTypeId="NVIDIA RTX A4000", cloudType="SECURE", **DISKS)["id"]

    for seconds in (1, 29, 0.5, 1234.25, 600, 1735.25):  # uneven steps add up to one hour
        sim.advance(seconds)

    assert before - sim.world.balance == Decimal("0.28") + Decimal("0.0125")
    records = {(r.kind, r.time_billed) : r.amount for r in sim.world.billing.records(resource_id=pod_id)}
    hour = timedelta(hours=1)
    assert records == {("gpu", hour): Decimal("0.28"), ("disk", hour): Decimal("0.0125")}
    account = gql.data(ACCOUNT)["myself"]
    assert account["currentSpendPerHr"] == 0.2925
    assert account["clientBalance"] == float(before - Decimal("0.2925"))
    assert account["spendDetails"] == {"gpuComputePerHour": 0.28, "localStoragePerHour": 0.0125,
                                       "networkStoragePerHour": 0.0}


def test_a_stopped_pod_bills_only_its_volume_at_the_stopped_rate(sim: RunPodSimulator, gql: GraphQL) -> None:
    pod_id = gql.create_pod(**DISKS)["id"]
    gql.stop(pod_id)
    before = sim.world.balance

    sim.advance(3600)

    assert before - sim.world.balance == Decimal("0.015")  # 54 GB × $0.20 / 720
    assert gql.data(ACCOUNT)["myself"]["currentSpendPerHr"] == 0.015


def test_charges_fall_in_the_hour_buckets_they_belong_to(
    clock: ManualClock, sim: RunPodSimulator, gql: GraphQL,
) -> None:
    sim.advance(1800)  # 09:30
    pod_id = gql.create_pod(**DISKS)["id"]
    sim.advance(3600)  # to 10:30

    gpu = [(r.time, r.amount, r.time_billed) for r in sim.world.billing.records(resource_id=pod_id)
           if r.kind == "gpu"]
    nine = datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert gpu == [(nine, Decimal("0.14"), timedelta(minutes=30)),
                   (nine + timedelta(hours=1), Decimal("0.14"), timedelta(minutes=30))]
    assert clock.now() == nine + timedelta(hours=1, minutes=30)


def test_a_network_volume_bills_a_month_of_storage(clock: ManualClock) -> None:
    scenario = Scenario.from_dict({"network_volumes": [{"name": "data", "size": 100}]})
    sim = RunPodSimulator(clock=clock, scenario=scenario)

    sim.advance(720 * 3600)

    assert Decimal(500) - sim.world.balance == Decimal("7.00")


def test_the_spend_limit_refuses_a_pod_that_would_exceed_it(
    clock: ManualClock, connect: Callable[[RunPodSimulator], GraphQL],
) -> None:
    sim = RunPodSimulator(clock=clock, api_key=API_KEY, scenario=Scenario(spend_limit=3))
    gql = connect(sim)
    gql.create_pod(gpuTypeId="NVIDIA RTX A4000", **DISKS)

    body = gql.errors("mutation { podFindAndDeployOnDemand(input: {name: \"big\", imageName: \"i\", "
                      "gpuTypeId: \"NVIDIA H100 80GB HBM3\", cloudType: SECURE}) { id } }")

    [error] = body["errors"]
    assert error["message"].startswith("Spend limit exceeded")
    assert "$3/hr" in error["message"]
    assert error["extensions"] == {"code": "RUNPOD"}
    assert body["data"] == {"podFindAndDeployOnDemand": None}
    assert len(sim.world.pods) == 1
    assert sim.world.gpu_types["NVIDIA H100 80GB HBM3"].free["SECURE"] == 16


def test_a_pod_needs_an_hour_of_its_cost_in_the_balance(
    clock: ManualClock, connect: Callable[[RunPodSimulator], GraphQL],
) -> None:
    sim = RunPodSimulator(clock=clock, api_key=API_KEY, scenario=Scenario(balance=Decimal("1.00")))
    gql = connect(sim)

    body = gql.errors("mutation { podFindAndDeployOnDemand(input: {name: \"a100\", imageName: \"i\", "
                      "gpuTypeId: \"NVIDIA A100 80GB PCIe\", cloudType: SECURE}) { id } }")

    message = body["errors"][0]["message"]
    assert message.startswith("Insufficient balance")
    assert "$1.00" in message
    assert "spend limit" not in message.lower()
    assert gql.create_pod(gpuTypeId="NVIDIA RTX A4000")["desiredStatus"] == "RUNNING"


def test_when_the_balance_runs_out_every_pod_stops(
    clock: ManualClock, connect: Callable[[RunPodSimulator], GraphQL],
) -> None:
    sim = RunPodSimulator(clock=clock, api_key=API_KEY, scenario=Scenario(balance=Decimal("1.17")))
    gql = connect(sim)
    first = gql.create_pod(gpuTypeId="NVIDIA RTX A4000", **DISKS)["id"]  # 0.2925/h
    second = gql.create_pod(gpuTypeId="NVIDIA RTX A4000", **DISKS)["id"]  # together 0.585/h: 2 h of credit
    start = clock.now()

    sim.advance(5 * 3600)

    for pod_id in (first, second):
        pod = gql.pod(pod_id)
        assert (pod["desiredStatus"], pod["runtime"]) == ("EXITED", None)
        assert sim.world.pods[pod_id].stopped_by == "balance"
    [(when, note)] = sim.world.log
    assert when - start == timedelta(hours=2)
    assert "stopped 2 pod(s)" in note
    # afterwards only the stopped volumes bill: 2 × 54 GB × $0.20/720 for the remaining 3 h
    assert sim.world.balance == Decimal("-0.09")
    refused = gql.errors(f"mutation {{ podResume(input: {{podId: \"{first}\", gpuCount: 1}}) {{ id }} }}")
    assert refused["errors"][0]["message"].startswith("Insufficient balance")
