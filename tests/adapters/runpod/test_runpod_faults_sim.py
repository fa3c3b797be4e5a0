"""Every RunPod error kind and every simulator fault, through GraphQLRunPod.

Sleeps are recorded by fake time (which also moves the simulator's clock), never slept.
Creates, which must never be duplicated, have their own module: test_runpod_creates_sim.py.
"""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from podwarden.adapters.runpod import GraphQLRunPod, RetryPolicy
from podwarden.domain.models import Cloud, PodSpec, PodStatus, TemplateSpec
from podwarden.errors import (
    BadRequest,
    InsufficientBalance,
    MalformedResponse,
    NoCapacity,
    NotFound,
    RateLimited,
    RunPodError,
    RunPodTimeout,
    ServerError,
    SpendLimitReached,
    Unauthorized,
)
from podwarden.sim import FaultKind, RunPodSimulator
from tests.adapters.runpod.runpod_helpers import (
    API_KEY,
    GRAPHQL_URL,
    FakeTime,
    PolicyFactory,
    RecordingTransport,
    graphql_ops,
)

A100 = "NVIDIA A100 80GB PCIe"
H100 = "NVIDIA H100 80GB HBM3"
A4000 = "NVIDIA RTX A4000"
RTX4090 = "NVIDIA GeForce RTX 4090"


def clean(error: RunPodError) -> RunPodError:
    """The key never shows, whatever the error."""
    assert API_KEY not in str(error)
    assert API_KEY not in repr(error.args)
    return error


# --- refusals: raised at once, never retried --------------------------------------------------


def test_a_wrong_key_is_unauthorized(sim: RunPodSimulator, fake_time: FakeTime) -> None:
    wrong = "rpa_WRONGKEY0000000000000000"
    policy = RetryPolicy(sleep=fake_time.sleep, clock=fake_time.clock)
    transport = httpx.MockTransport(sim)
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=wrong, transport=transport, retry=policy) as runpod, \
            pytest.raises(Unauthorized) as raised:
        runpod.list_pods()
    assert raised.value.status == 401
    assert wrong not in str(raised.value)
    assert fake_time.sleeps == []
    assert len(sim.requests) == 1


def test_unknown_pods_are_not_found(runpod: GraphQLRunPod, fake_time: FakeTime) -> None:
    for call in (lambda: runpod.get_pod("nosuchpod00000"), lambda: runpod.stop_pod("nosuchpod00000"),
                 lambda: runpod.resume_pod("nosuchpod00000", gpu_count=1),
                 lambda: runpod.terminate_pod("nosuchpod00000")):
        with pytest.raises(NotFound) as raised:
            call()
        assert "nosuchpod00000" in clean(raised.value).message
    assert fake_time.sleeps == []


def test_no_capacity_on_create_is_raised_at_once(runpod: GraphQLRunPod, sim: RunPodSimulator,
                                                  fake_time: FakeTime) -> None:
    sim.world.gpu_types[H100].free.update({"SECURE": 0, "COMMUNITY": 0})
    with pytest.raises(NoCapacity) as raised:
        runpod.create_pod(PodSpec(name="big-1", gpu_type_id=H100, image="img", cloud=Cloud.ALL))
    assert "no longer any instances available" in clean(raised.value).message
    assert raised.value.operation == "create_pod"
    assert graphql_ops(sim) == ["podFindAndDeployOnDemand"]
    assert fake_time.sleeps == []
    assert sim.world.pods == {}


def test_no_free_gpus_on_resume_is_no_capacity(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    pod = sim.world.add_pod(name="parked", gpu_type_id=A100, status="EXITED")
    sim.world.gpu_types[A100].free["SECURE"] = 0
    with pytest.raises(NoCapacity, match="not enough free GPUs"):
        runpod.resume_pod(pod.id, gpu_count=1)
    assert graphql_ops(sim) == ["podResume"]


def test_the_spend_limit_refuses_a_create(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    sim.world.spend_limit = 5
    with pytest.raises(SpendLimitReached, match="Spend limit"):
        runpod.create_pod(PodSpec(name="h100x4", gpu_type_id=H100, gpu_count=4, image="img"))
    assert sim.world.pods == {}
    assert graphql_ops(sim) == ["podFindAndDeployOnDemand"]


def test_a_low_balance_refuses_a_create(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    sim.world.balance = Decimal("0.50")
    with pytest.raises(InsufficientBalance, match="balance"):
        runpod.create_pod(PodSpec(name="a100", gpu_type_id=A100, image="img"))
    assert sim.world.pods == {}


def test_a_request_runpod_rejects_is_a_bad_request(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    with pytest.raises(BadRequest, match="gpuCount must be between"):
        runpod.create_pod(PodSpec(name="too-many", gpu_type_id=A4000, gpu_count=64, image="img"))
    with pytest.raises(BadRequest, match="below the minimum bid"):
        runpod.create_pod(PodSpec(name="lowball", gpu_type_id=RTX4090, image="img", spot=True,
                                  cloud=Cloud.SECURE, bid_per_gpu=Decimal("0.01")))
    runpod.save_template(TemplateSpec(name="dup", image="img"))
    with pytest.raises(BadRequest, match="must be unique"):
        runpod.save_template(TemplateSpec(name="dup", image="img"))
    assert sim.world.pods == {}


def test_a_graphql_validation_error_is_a_bad_request_with_status_400(
    runpod: GraphQLRunPod, sim: RunPodSimulator, fake_time: FakeTime,
) -> None:
    """A value RunPod's schema refuses (an env value of null for `String!`) fails validation: HTTP 400."""
    spec = PodSpec(name="bad-env", gpu_type_id=A4000, image="img", env=(("KEY", None),))  # type: ignore[arg-type]
    with pytest.raises(BadRequest) as raised:
        runpod.create_pod(spec)
    assert raised.value.status == 400
    assert "value" in raised.value.message
    assert fake_time.sleeps == []
    assert sim.world.pods == {}


def test_an_unknown_gpu_type_is_a_bad_request(runpod: GraphQLRunPod) -> None:
    with pytest.raises(BadRequest, match="not available"):
        runpod.create_pod(PodSpec(name="x", gpu_type_id="NVIDIA Z9000", image="img"))
    with pytest.raises(BadRequest, match="unknown GPU type"):
        runpod.create_pod(PodSpec(name="x", gpu_type_id="NVIDIA Z9000", image="img", spot=True))


# --- transient failures on reads: ridden out within bounds -------------------------------------


def test_a_429_storm_is_ridden_out_honouring_retry_after(
    runpod: GraphQLRunPod, sim: RunPodSimulator, fake_time: FakeTime,
) -> None:
    pod = sim.world.add_pod(name="p", gpu_type_id=A4000)
    sim.faults.add(route="graphql", kind=FaultKind.RATE_LIMIT, count=4, retry_after=3.0)
    [listed] = runpod.list_pods()
    assert listed.id == pod.id
    assert fake_time.sleeps == [3.0, 3.0, 3.0, 3.0]
    assert graphql_ops(sim) == ["myself"] * 5


def test_a_429_storm_longer_than_the_budget_raises_rate_limited(
    sim: RunPodSimulator, fake_time: FakeTime, make_policy: PolicyFactory, recorder: RecordingTransport,
) -> None:
    sim.faults.add(route="*", kind=FaultKind.RATE_LIMIT, count=None, retry_after=4.0)
    policy = make_policy(max_attempts=20, budget_seconds=15)
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, retry=policy, transport=recorder) as runpod, \
            pytest.raises(RateLimited) as raised:
        runpod.account()
    assert raised.value.retry_after == 4.0
    assert raised.value.status == 429
    assert fake_time.sleeps == [4.0, 4.0, 4.0]  # a fourth wait would pass the 15 s budget
    assert sum(fake_time.sleeps) <= 15
    assert len(sim.requests) == 4


def test_a_retry_after_longer_than_the_budget_is_not_waited_for(
    sim: RunPodSimulator, fake_time: FakeTime, make_policy: PolicyFactory, recorder: RecordingTransport,
) -> None:
    sim.faults.add(route="graphql:gpuTypes", kind=FaultKind.RATE_LIMIT, count=1, retry_after=120)
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, retry=make_policy(budget_seconds=60),
                       transport=recorder) as runpod, pytest.raises(RateLimited) as raised:
        runpod.gpu_types()
    assert raised.value.retry_after == 120
    assert fake_time.sleeps == []


@pytest.mark.parametrize("kind", [FaultKind.SERVER_ERROR, FaultKind.SERVER_ERROR_AFTER, FaultKind.TIMEOUT,
                                  FaultKind.DROP, FaultKind.MALFORMED])
def test_reads_ride_out_transient_faults(
    runpod: GraphQLRunPod, sim: RunPodSimulator, fake_time: FakeTime, kind: FaultKind,
) -> None:
    sim.world.add_pod(name="p", gpu_type_id=A4000)
    sim.faults.add(route="graphql:myself", kind=kind, count=2)
    assert len(runpod.list_pods()) == 1
    assert runpod.account().id == sim.world.user_id
    assert len(fake_time.sleeps) == 2
    assert graphql_ops(sim) == ["myself"] * 4


@pytest.mark.parametrize(("kind", "error", "message"), [
    (FaultKind.SERVER_ERROR, ServerError, "Something went wrong"),
    (FaultKind.TIMEOUT, RunPodTimeout, "did not answer within 30s"),
    (FaultKind.DROP, RunPodTimeout, "connection dropped"),
    (FaultKind.MALFORMED, MalformedResponse, "expected JSON"),
])
def test_a_persistent_fault_ends_in_its_error_after_max_attempts(
    runpod: GraphQLRunPod, sim: RunPodSimulator, fake_time: FakeTime,
    kind: FaultKind, error: type[RunPodError], message: str,
) -> None:
    sim.faults.add(route="graphql:pod", kind=kind, count=None)
    with pytest.raises(error, match=message) as raised:
        runpod.get_pod("whatever000000")
    assert type(raised.value) is error
    assert raised.value.operation == "get_pod"
    clean(raised.value)
    assert graphql_ops(sim) == ["pod"] * 6
    assert len(fake_time.sleeps) == 5
    assert sum(fake_time.sleeps) <= 60


def test_retries_are_logged(
    runpod: GraphQLRunPod, sim: RunPodSimulator, caplog: pytest.LogCaptureFixture,
) -> None:
    sim.faults.add(route="graphql:myself", kind=FaultKind.SERVER_ERROR, count=1)
    with caplog.at_level("INFO", logger="podwarden.runpod"):
        runpod.account()
    [record] = caplog.records
    assert record.name == "podwarden.runpod"
    assert "account failed on attempt 1/6" in record.getMessage()
    assert API_KEY not in caplog.text


# --- idempotent mutations: retried, and reconciled after ambiguous failures --------------------


@pytest.mark.parametrize(("kind", "after"), [(FaultKind.SERVER_ERROR_AFTER, False), (FaultKind.DROP, True),
                                             (FaultKind.SERVER_ERROR, False), (FaultKind.TIMEOUT, False)])
def test_stop_resume_terminate_survive_ambiguous_failures(
    runpod: GraphQLRunPod, sim: RunPodSimulator, kind: FaultKind, after: bool,
) -> None:
    pod = sim.world.add_pod(name="p", gpu_type_id=A4000)
    for field in ("podStop", "podResume", "podTerminate"):
        sim.faults.add(route=f"graphql:{field}", kind=kind, count=1, after=after)

    assert runpod.stop_pod(pod.id).status is PodStatus.EXITED
    assert pod.desired_status == "EXITED"
    assert runpod.resume_pod(pod.id, gpu_count=1).status is PodStatus.RUNNING
    assert pod.desired_status == "RUNNING"
    runpod.terminate_pod(pod.id)
    assert sim.world.pods == {}
    for field in ("podStop", "podResume"):
        # acted-then-failed: the pod is read (`pod`) and found done; otherwise sent again
        assert graphql_ops(sim).count(field) == (1 if after or kind is FaultKind.SERVER_ERROR_AFTER else 2)
    assert graphql_ops(sim).count("podTerminate") == 2  # sent again: terminating twice is harmless


@pytest.mark.parametrize(("kind", "after"), [(FaultKind.SERVER_ERROR_AFTER, False), (FaultKind.DROP, True),
                                             (FaultKind.TIMEOUT, True)])
def test_a_terminate_whose_retry_finds_the_pod_gone_succeeded(
    runpod: GraphQLRunPod, sim: RunPodSimulator, fake_time: FakeTime, kind: FaultKind, after: bool,
) -> None:
    """The first attempt terminated the pod but failed; the retry's NotFound is that success."""
    keep = sim.world.add_pod(name="keep", gpu_type_id=A4000)
    pod = sim.world.add_pod(name="p", gpu_type_id=A4000)
    sim.faults.add(route="graphql:podTerminate", kind=kind, count=1, after=after)
    assert runpod.terminate_pod(pod.id) is None  # type: ignore[func-returns-value]
    assert list(sim.world.pods) == [keep.id]
    assert graphql_ops(sim) == ["podTerminate", "podTerminate"]
    assert len(fake_time.sleeps) == 1


def test_a_terminate_of_an_unknown_pod_is_still_not_found_after_a_429(
    runpod: GraphQLRunPod, sim: RunPodSimulator,
) -> None:
    """Only an attempt that may have gone through turns NotFound into success; a 429 did nothing."""
    sim.faults.add(route="graphql:podTerminate", kind=FaultKind.RATE_LIMIT, count=1)
    with pytest.raises(NotFound):
        runpod.terminate_pod("nosuchpod00000")
    assert graphql_ops(sim) == ["podTerminate", "podTerminate"]


