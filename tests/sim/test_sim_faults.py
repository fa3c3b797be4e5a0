"""Injected faults: each kind does what it says, on the routes it names, as often as it says."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator

import httpx
import pytest

from podwarden.clock import ManualClock
from podwarden.sim import FaultKind, RunPodSimulator
from tests.sim.sim_helpers import API_KEY, CREATE_POD, GraphQL

POD = {"input": {"name": "p", "imageName": "img", "gpuTypeId": "NVIDIA RTX A4000", "cloudType": "SECURE"}}
ACCOUNT = "query { myself { id } }"


def test_rate_limit_answers_429_with_retry_after_until_spent(sim: RunPodSimulator, gql: GraphQL) -> None:
    sim.faults.add(route="graphql", kind=FaultKind.RATE_LIMIT, count=2, retry_after=3)

    first, second, third = (gql.post(ACCOUNT) for _ in range(3))

    for limited in (first, second):
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "3"
        assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert third.status_code == 200
    assert sim.faults.faults[0].spent


def test_a_server_error_answers_500_without_doing_anything(sim: RunPodSimulator, gql: GraphQL) -> None:
    sim.faults.add(route="graphql:podFindAndDeployOnDemand", kind=FaultKind.SERVER_ERROR, count=1)

    failed = gql.post(CREATE_POD, POD)

    assert failed.status_code == 500
    assert failed.json() == {"errors": [{
        "message": "Something went wrong. Please try again later or contact support.",
        "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}
    assert sim.world.pods == {}
    assert gql.post(CREATE_POD, POD).status_code == 200


def test_server_error_after_creates_the_pod_and_still_says_500(sim: RunPodSimulator, gql: GraphQL) -> None:
    """RunPod's quirk: the create went through, the answer did not."""
    sim.faults.add(route="graphql:podFindAndDeployOnDemand", kind=FaultKind.SERVER_ERROR_AFTER)

    assert gql.post(ACCOUNT).status_code == 200  # other root fields are unaffected
    failed = gql.post(CREATE_POD, POD)

    assert failed.status_code == 500
    [pod] = sim.world.pods.values()
    assert pod.name == "p"


def test_timeout_raises_httpx_read_timeout_in_process_before_executing(
    sim: RunPodSimulator, gql: GraphQL,
) -> None:
    sim.faults.add(route="*", kind=FaultKind.TIMEOUT, count=1)

    with pytest.raises(httpx.ReadTimeout):
        gql.post(CREATE_POD, POD)

    assert sim.world.pods == {}
    assert gql.post(ACCOUNT).status_code == 200


def test_a_timeout_after_executing_creates_the_pod_and_still_raises(sim: RunPodSimulator, gql: GraphQL) -> None:
    """RunPod acted; the client never heard."""
    sim.faults.add(route="graphql:podFindAndDeployOnDemand", kind=FaultKind.TIMEOUT, count=1, after=True)

    with pytest.raises(httpx.ReadTimeout):
        gql.post(CREATE_POD, POD)

    [pod] = sim.world.pods.values()
    assert pod.name == "p"


@pytest.mark.parametrize(("after", "pods"), [(False, 0), (True, 1)])
def test_a_dropped_connection_raises_before_or_after_executing(
    sim: RunPodSimulator, gql: GraphQL, after: bool, pods: int,
) -> None:
    sim.faults.add(route="graphql", kind=FaultKind.DROP, count=1, after=after)

    with pytest.raises(httpx.RemoteProtocolError):
        gql.post(CREATE_POD, POD)

    assert len(sim.world.pods) == pods


def test_a_malformed_answer_is_200_with_a_body_that_is_not_json(sim: RunPodSimulator, gql: GraphQL) -> None:
    sim.faults.add(route="graphql:myself", kind=FaultKind.MALFORMED, count=1)

    response = gql.post(ACCOUNT)

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_serverless_routes_are_matched_by_operation(sim: RunPodSimulator, client: httpx.Client) -> None:
    sim.faults.add(route="serverless:health", kind=FaultKind.RATE_LIMIT, retry_after=0.5)

    limited = client.get("/v2/anything/health")
    untouched = client.post("/v2/anything/run", json={"input": {}})

    assert (limited.status_code, limited.headers["retry-after"], limited.json()) == \
        (429, "0.5", {"error": "Too many requests"})
    assert untouched.status_code == 404  # reached the simulator: no such endpoint


def test_a_probabilistic_fault_is_repeatable_with_the_seed(clock: ManualClock) -> None:
    def pattern(seed: int) -> list[int]:
        sim = RunPodSimulator(clock=clock, api_key=API_KEY, seed=seed)
        sim.faults.add(kind=FaultKind.SERVER_ERROR, rate=0.5)
        with httpx.Client(transport=httpx.MockTransport(sim), base_url="http://runpod.sim",
                          headers={"Authorization": f"Bearer {API_KEY}"}) as http:
            return [http.post("/graphql", json={"query": ACCOUNT}).status_code for _ in range(60)]

    first = pattern(11)
    assert first == pattern(11)
    assert first != pattern(12)
    assert 15 <= first.count(500) <= 45


def test_clear_removes_every_fault(sim: RunPodSimulator, gql: GraphQL) -> None:
    sim.faults.add(kind=FaultKind.SERVER_ERROR)
    assert gql.post(ACCOUNT).status_code == 500

    sim.faults.clear()

    assert gql.post(ACCOUNT).status_code == 200


def test_routes_and_rates_are_checked_when_a_fault_is_added(sim: RunPodSimulator) -> None:
    with pytest.raises(ValueError, match="unknown fault route"):
        sim.faults.add(route="rest-v1", kind=FaultKind.DROP)
    with pytest.raises(ValueError, match="probability"):
        sim.faults.add(kind=FaultKind.DROP, rate=1.5)
    with pytest.raises(ValueError, match="NOT_A_KIND"):
        sim.faults.add(kind="NOT_A_KIND")


@pytest.fixture
def eager_thread_switching() -> Iterator[None]:
    """Switch threads as often as CPython allows, so a check-then-count race shows up if there is one."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


@pytest.mark.usefixtures("eager_thread_switching")
def test_a_counted_fault_fires_exactly_count_times_under_concurrent_requests(sim: RunPodSimulator) -> None:
    fault = sim.faults.add(route="graphql", kind=FaultKind.RATE_LIMIT, count=25)
    threads, per_thread = 16, 20
    start = threading.Barrier(threads)
    statuses: list[int] = []
    guard = threading.Lock()

    def hammer() -> None:
        with httpx.Client(transport=httpx.MockTransport(sim), base_url="http://runpod.sim",
                          headers={"Authorization": f"Bearer {API_KEY}"}) as http:
            start.wait()
            got = [http.post("/graphql", json={"query": ACCOUNT}).status_code for _ in range(per_thread)]
        with guard:
            statuses.extend(got)

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert len(statuses) == threads * per_thread
    assert statuses.count(429) == 25
    assert fault.fired == 25
