"""Spot (interruptible) pods: bids, evictions on a schedule or at random, bid resume."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from podwarden.clock import ManualClock
from podwarden.sim import RunPodSimulator, Scenario
from tests.sim.sim_helpers import API_KEY, RENT_SPOT, GraphQL

SPOT = {"name": "spot", "imageName": "img", "gpuTypeId": "NVIDIA RTX A6000", "cloudType": "SECURE",
        "gpuCount": 2, "bidPerGpu": 0.3, "ports": "22/tcp"}


def test_a_spot_pod_costs_its_bid_per_gpu(sim: RunPodSimulator, gql: GraphQL) -> None:
    pod = gql.data(RENT_SPOT, {"input": SPOT})["podRentInterruptable"]

    assert pod["podType"] == "INTERRUPTABLE"
    assert pod["costPerHr"] == 0.6
    assert sim.world.pods[pod["id"]].cost_per_hr == Decimal("0.6")


def test_a_bid_under_the_minimum_is_refused(gql: GraphQL) -> None:
    body = gql.errors(RENT_SPOT, {"input": {**SPOT, "bidPerGpu": 0.1}})

    assert "minimum bid" in body["errors"][0]["message"]
    assert body["data"] == {"podRentInterruptable": None}


def test_a_scheduled_eviction_stops_the_pod_without_a_user_stop(sim: RunPodSimulator, gql: GraphQL) -> None:
    pod = sim.world.add_pod(name="eval", gpu_type_id="NVIDIA GeForce RTX 3090", cloud="COMMUNITY", spot=True,
                            workload="busy", evict_after=1200, volume_gb=36, container_disk_gb=0)
    sim.advance(1199)
    assert gql.pod(pod.id)["desiredStatus"] == "RUNNING"

    sim.advance(1)

    view = gql.pod(pod.id)
    assert (view["desiredStatus"], view["runtime"]) == ("EXITED", None)
    assert view["lastStatusChange"].startswith("Interrupted by RunPod")
    assert pod.stopped_by == "eviction"
    assert [text for _, text in sim.world.log] == [f"spot pod {pod.id} (eval) was evicted"]
    before = sim.world.balance
    sim.advance(3600)
    assert before - sim.world.balance == Decimal("0.01")  # only the 36 GB volume, at the stopped rate


def test_random_evictions_follow_the_hourly_rate_and_the_seed(
    clock: ManualClock, connect: Callable[[RunPodSimulator], GraphQL],
) -> None:
    def evicted_after(seed: int) -> float:
        sim = RunPodSimulator(clock=ManualClock(clock.now()), api_key=API_KEY, seed=seed,
                              scenario=Scenario(eviction_per_hour=1.0))
        gql = connect(sim)
        pod_id = gql.data(RENT_SPOT, {"input": SPOT})["podRentInterruptable"]["id"]
        for minute in range(1, 24 * 60):
            sim.advance(60)
            if sim.world.pods[pod_id].stopped_by == "eviction":
                return minute
        raise AssertionError("a spot pod at 1 eviction/hour survived a day")

    assert evicted_after(3) == evicted_after(3)
    assert len({evicted_after(seed) for seed in range(6)}) > 1


def test_an_evicted_pod_can_be_bid_back_up(sim: RunPodSimulator, gql: GraphQL) -> None:
    pod = sim.world.add_pod(name="eval", gpu_type_id="NVIDIA RTX A6000", spot=True, evict_after=60)
    sim.advance(60)

    resumed = gql.data(
        "mutation($p: String!, $b: Float!, $n: Int!) {"
        " podBidResume(input: {podId: $p, bidPerGpu: $b, gpuCount: $n}) { id costPerHr desiredStatus } }",
        {"p": pod.id, "b": 0.27, "n": 1},
    )["podBidResume"]

    assert (resumed["desiredStatus"], resumed["costPerHr"]) == ("RUNNING", 0.27)
    sim.advance(3600)  # a scheduled eviction is one-shot
    assert gql.pod(pod.id)["desiredStatus"] == "RUNNING"


@pytest.mark.parametrize("spot", [False, True])
def test_a_refused_bid_resume_leaves_the_pod_as_it_was(
    clock: ManualClock, connect: Callable[[RunPodSimulator], GraphQL], spot: bool,
) -> None:
    sim = RunPodSimulator(clock=clock, api_key=API_KEY, scenario=Scenario(spend_limit=3))
    gql = connect(sim)
    pod = sim.world.add_pod(name="a6000", gpu_type_id="NVIDIA RTX A6000", spot=spot, status="EXITED")
    before = (pod.spot, pod.bid_per_gpu, pod.cost_per_hr, pod.gpu_count, pod.desired_status)
    sim.world.add_pod(name="h100", gpu_type_id="NVIDIA H100 80GB HBM3")  # $2.99/h: the limit is spent

    body = gql.errors(
        "mutation($p: String!, $b: Float!, $n: Int!) {"
        " podBidResume(input: {podId: $p, bidPerGpu: $b, gpuCount: $n}) { id } }",
        {"p": pod.id, "b": 0.27, "n": 1},
    )

    assert body["errors"][0]["message"].startswith("Spend limit exceeded")
    assert (pod.spot, pod.bid_per_gpu, pod.cost_per_hr, pod.gpu_count, pod.desired_status) == before
    assert gql.pod(pod.id)["podType"] == ("INTERRUPTABLE" if spot else "RESERVED")
