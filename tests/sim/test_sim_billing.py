"""Money: per-second billing in exact Decimals, spend limit, balance checks, running out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

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


def test_when_the_balance_runs_out_pods_with_a_network_volume_stop_and_the_rest_are_terminated(
    clock: ManualClock, connect: Callable[[RunPodSimulator], GraphQL],
) -> None:
    """RunPod's documented rule (reference §9, §11.5), for running and stopped pods alike."""
    sim = RunPodSimulator(clock=clock, api_key=API_KEY, scenario=Scenario(balance=Decimal("1.214")))
    gql = connect(sim)
    volume = gql.data('mutation { createNetworkVolume(input: {name: "data", size: 72, dataCenterId: "EU-SE-1"}) '
                      "{ id } }")["createNetworkVolume"]["id"]  # 72 GB × $0.07/720: $0.007/h
    kept = gql.create_pod(gpuTypeId="NVIDIA RTX A4000", networkVolumeId=volume, **DISKS)["id"]  # 0.2925/h
    running = gql.create_pod(gpuTypeId="NVIDIA RTX A4000", **DISKS)["id"]  # 0.2925/h
    stopped = gql.create_pod(gpuTypeId="NVIDIA RTX A4000", **DISKS)["id"]
    gql.stop(stopped)  # its 54 GB volume at the stopped rate: 0.015/h; together 0.607/h, 2 h of credit
    start = clock.now()

    sim.advance(5 * 3600)

    assert set(sim.world.pods) == {kept}
    listed = gql.data("query { myself { pods { id desiredStatus runtime { uptimeInSeconds } } } }")
    assert listed["myself"]["pods"] == [{"id": kept, "desiredStatus": "EXITED", "runtime": None}]
    assert sim.world.pods[kept].stopped_by == "balance"
    assert sim.world.gpu_types["NVIDIA RTX A4000"].free["SECURE"] == 24  # every GPU went back
    [(when, note)] = sim.world.log
    assert when - start == timedelta(hours=2)
    assert note == (f"balance reached $0.00: terminated 2 pod(s) without a network volume "
                    f"{[running, stopped]}, stopped 1 with one {[kept]}")
    # afterwards only the survivor's stopped volume (54 GB × $0.20/720) and the network volume bill, 3 h
    assert sim.world.balance == -3 * (Decimal("0.015") + Decimal("0.007"))
    refused = gql.errors(f"mutation {{ podResume(input: {{podId: \"{kept}\", gpuCount: 1}}) {{ id }} }}")
    assert refused["errors"][0]["message"].startswith("Insufficient balance")


def test_the_billing_records_are_served_as_json_with_exact_amounts(
    sim: RunPodSimulator, gql: GraphQL, client: httpx.Client,
) -> None:
    pod_id = gql.create_pod(gpuTypeId="NVIDIA RTX A4000", cloudType="SECURE", **DISKS)["id"]
    template = gql.data('mutation { saveTemplate(input: {name: "w", imageName: "acme/worker:1", dockerArgs: "", '
                        'containerDiskInGb: 10, volumeInGb: 0, env: []}) { id } }')[
        "saveTemplate"]["id"]
    endpoint_id = gql.data(f'mutation {{ saveEndpoint(input: {{name: "e", templateId: "{template}", '
                           'gpuIds: "AMPERE_16"}) { id } }')["saveEndpoint"]["id"]
    assert client.post(f"/v2/{endpoint_id}/run", json={"input": {}}).status_code == 200
    sim.advance(1800)
    assert client.post("/_sim/advance", json={"seconds": 1800}).status_code == 200

    billing = client.get("/_sim/billing")

    assert billing.status_code == 200
    nine = "2026-11-23T09:00:00+00:00"
    assert billing.json() == {
        "pods": [
            {"time": nine, "podId": pod_id, "kind": "disk", "amount": "0.0125", "secondsBilled": 3600.0},
            {"time": nine, "podId": pod_id, "kind": "gpu", "amount": "0.28", "secondsBilled": 3600.0},
        ],
        # a flex worker: 15 s cold start + 1 s run + 5 s idle at $0.00016/s
        "endpoints": [{"time": nine, "endpointId": endpoint_id, "kind": "serverless", "amount": "0.00336",
                       "secondsBilled": 21.0}],
        "networkVolumes": [],
        "lifetime": "0.29586",
    }
