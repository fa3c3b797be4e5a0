"""Creates are never duplicated: pods, endpoints and templates, whatever the network does.

Each create carries a request token (``PODWARDEN_REQUEST`` in the env) and is looked for
by it. After an *answered* failure (5xx, junk) the listing is final: the create is sent
again only if the token is absent. After *no answer* (timeout, dropped connection) RunPod
may still be working, so it is never sent again in the same call: the listing is polled,
then `OutcomeUnknown`. Sleeps are recorded by fake time, which also moves the simulator's
clock; the last test puts the simulator behind a real socket.
"""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from podwarden.adapters.runpod import GraphQLRunPod, RetryPolicy
from podwarden.clock import ManualClock
from podwarden.domain.models import EndpointSpec, PodSpec, PodStatus, TemplateSpec
from podwarden.errors import OutcomeUnknown
from podwarden.sim import FaultKind, RunPodSimulator
from podwarden.sim.server import serve
from tests.adapters.runpod.runpod_helpers import (
    API_KEY,
    GRAPHQL_URL,
    FakeTime,
    PolicyFactory,
    RecordingTransport,
    graphql_bodies,
    graphql_ops,
)

A100 = "NVIDIA A100 80GB PCIe"
A4000 = "NVIDIA RTX A4000"
RTX4090 = "NVIDIA GeForce RTX 4090"
CREATE = "podFindAndDeployOnDemand"
TRAIN = PodSpec(name="train-req42", gpu_type_id=A100, image="img")


def sent_token(recorder: RecordingTransport) -> str:
    """The request token of the first create the adapter sent."""
    for body in graphql_bodies(recorder):
        for item in body["variables"].get("input", {}).get("env") or ():
            if item["key"] == "PODWARDEN_REQUEST":
                return str(item["value"])
    raise AssertionError("no create carried a request token")


class SlowRunPod(httpx.BaseTransport):
    """RunPod that needs `takes` seconds (fake time) to make a pod: the create gets no answer,
    and the pod appears in listings only once that time has passed."""

    def __init__(self, sim: RunPodSimulator, fake_time: FakeTime, *, takes: float) -> None:
        self.sim = httpx.MockTransport(sim)
        self.time = fake_time
        self.takes = takes
        self.pending: tuple[httpx.Request, float] | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        if self.pending is not None and self.time.now >= self.pending[1]:
            self.sim.handle_request(self.pending[0])  # RunPod finishes the pod
            self.pending = None
        if CREATE.encode() in request.content:
            self.pending = (request, self.time.now + self.takes)
            raise httpx.ReadTimeout("RunPod is still provisioning", request=request)
        return self.sim.handle_request(request)


# --- RunPod answered (5xx, junk): the listing is final -------------------------------------------


@pytest.mark.parametrize(("kind", "acted"), [
    pytest.param(FaultKind.SERVER_ERROR_AFTER, True, id="500-after-creating"),
    pytest.param(FaultKind.SERVER_ERROR, False, id="500-before-creating"),
    pytest.param(FaultKind.MALFORMED, False, id="junk-answer"),
])
def test_after_an_answered_failure_the_listing_decides(
    runpod: GraphQLRunPod, sim: RunPodSimulator, fake_time: FakeTime, recorder: RecordingTransport,
    kind: FaultKind, acted: bool,
) -> None:
    sim.world.add_pod(name="someone-elses", gpu_type_id=A4000)
    sim.faults.add(route=f"graphql:{CREATE}", kind=kind, count=1)

    pod = runpod.create_pod(TRAIN)

    assert [p.id for p in sim.world.pods.values() if p.name == TRAIN.name] == [pod.id]
    assert pod.status is PodStatus.RUNNING
    assert dict(pod.env)["PODWARDEN_REQUEST"] == sent_token(recorder)
    assert len(fake_time.sleeps) == 1
    # RunPod acted: the listing found the pod and the create was not sent again
    assert graphql_ops(sim) == [CREATE, "myself"] + ([] if acted else [CREATE])
    bodies = [b for b in graphql_bodies(recorder) if "input" in b["variables"]]
    assert len({json.dumps(b["variables"]) for b in bodies}) == 1  # a resend is the same create, same token


def test_a_create_that_always_answers_500_after_creating_still_makes_one_pod(
    runpod: GraphQLRunPod, sim: RunPodSimulator,
) -> None:
    sim.faults.add(route=f"graphql:{CREATE}", kind=FaultKind.SERVER_ERROR_AFTER, count=None)
    pod = runpod.create_pod(PodSpec(name="stubborn-1", gpu_type_id=A100, image="img"))
    assert [p.id for p in sim.world.pods.values()] == [pod.id]


def test_a_rate_limited_create_is_simply_sent_again(
    runpod: GraphQLRunPod, sim: RunPodSimulator, fake_time: FakeTime,
) -> None:
    sim.faults.add(route=f"graphql:{CREATE}", kind=FaultKind.RATE_LIMIT, count=2, retry_after=2)
    pod = runpod.create_pod(PodSpec(name="patient-1", gpu_type_id=A100, image="img"))
    assert list(sim.world.pods) == [pod.id]
    assert fake_time.sleeps == [2.0, 2.0]
    assert graphql_ops(sim) == [CREATE] * 3  # 429 is unambiguous: no listing needed


def test_a_failing_reconciliation_is_retried_too(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    sim.faults.add(route=f"graphql:{CREATE}", kind=FaultKind.SERVER_ERROR_AFTER, count=1)
    sim.faults.add(route="graphql:myself", kind=FaultKind.RATE_LIMIT, count=1, retry_after=1)
    pod = runpod.create_pod(PodSpec(name="rocky-1", gpu_type_id=A100, image="img"))
    assert list(sim.world.pods) == [pod.id]
    assert graphql_ops(sim) == [CREATE, "myself", "myself"]


# --- no answer: never sent again in the same call -------------------------------------------------


@pytest.mark.parametrize("kind", [FaultKind.TIMEOUT, FaultKind.DROP])
def test_a_create_that_got_no_answer_is_found_and_not_sent_again(
    runpod: GraphQLRunPod, sim: RunPodSimulator, fake_time: FakeTime, kind: FaultKind,
) -> None:
    """RunPod made the pod, then the answer was lost: the first look finds it."""
    other = sim.world.add_pod(name="someone-elses", gpu_type_id=A4000)
    sim.faults.add(route=f"graphql:{CREATE}", kind=kind, count=1, after=True)

    pod = runpod.create_pod(TRAIN)

    assert set(sim.world.pods) == {other.id, pod.id}
    assert pod.name == TRAIN.name
    assert graphql_ops(sim) == [CREATE, "myself"]
    assert fake_time.sleeps == []


@pytest.mark.parametrize("kind", [FaultKind.TIMEOUT, FaultKind.DROP])
def test_a_create_that_got_no_answer_and_never_shows_up_is_outcome_unknown(
    runpod: GraphQLRunPod, sim: RunPodSimulator, fake_time: FakeTime, recorder: RecordingTransport,
    kind: FaultKind,
) -> None:
    sim.faults.add(route=f"graphql:{CREATE}", kind=kind, count=None)

    with pytest.raises(OutcomeUnknown) as raised:
        runpod.create_pod(TRAIN)

    token = sent_token(recorder)
    error = raised.value
    assert error.request == token
    assert not error.retryable
    assert error.operation == "create_pod"
    assert "no second pod was requested" in error.message
    assert f"check `pods` in a minute (request {token})" in error.message
    assert sim.world.pods == {}
    ops = graphql_ops(sim)
    assert ops.count(CREATE) == 1
    assert ops[1:] == ["myself"] * (len(ops) - 1)
    assert len(ops) >= 4  # looked several times, with growing waits
    assert fake_time.sleeps == sorted(fake_time.sleeps)
    assert sum(fake_time.sleeps) <= 30  # for one request timeout at most


def test_a_pod_that_takes_a_while_is_found_by_polling(
    sim: RunPodSimulator, fake_time: FakeTime, policy: RetryPolicy,
) -> None:
    fake_time.on_sleep = sim.advance
    wire = RecordingTransport(SlowRunPod(sim, fake_time, takes=5))
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, retry=policy, transport=wire) as runpod:
        pod = runpod.create_pod(TRAIN)

    assert list(sim.world.pods) == [pod.id]
    assert fake_time.sleeps == [0.5, 1.0, 2.0, 4.0]
    assert graphql_ops(sim) == ["myself"] * 4 + [CREATE, "myself"]  # RunPod finished it after 7.5 s
    assert sum(CREATE.encode() in r.content for r in wire.requests) == 1


def test_a_callers_key_makes_create_pod_idempotent(
    sim: RunPodSimulator, fake_time: FakeTime, policy: RetryPolicy,
) -> None:
    """The same PODWARDEN_REQUEST twice: the second call finds the first call's pod, even one that
    was still being made when the first call gave up."""
    fake_time.on_sleep = sim.advance
    spec = PodSpec(name="train", gpu_type_id=A100, image="img", env=(("PODWARDEN_REQUEST", "slack-T1-42"),))
    wire = RecordingTransport(SlowRunPod(sim, fake_time, takes=60))
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, retry=policy, transport=wire) as runpod:
        with pytest.raises(OutcomeUnknown) as raised:
            runpod.create_pod(spec)
        assert raised.value.request == "slack-T1-42"
        fake_time.sleep(60)  # "check in a minute"; the user asks again
        pod = runpod.create_pod(spec)
        again = runpod.create_pod(spec)

    assert pod == again
    assert list(sim.world.pods) == [pod.id]
    assert dict(pod.env)["PODWARDEN_REQUEST"] == "slack-T1-42"
    assert sum(CREATE.encode() in r.content for r in wire.requests) == 1
    assert graphql_ops(sim)[0] == "myself"  # a caller's key is looked for before the first create


def test_a_callers_key_is_looked_for_first_then_created(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    spec = PodSpec(name="train", gpu_type_id=A100, image="img", env=(("PODWARDEN_REQUEST", "k-1"),))
    pod = runpod.create_pod(spec)
    assert runpod.create_pod(spec) == pod
    assert list(sim.world.pods) == [pod.id]
    assert graphql_ops(sim) == ["myself", CREATE, "myself"]


def test_a_reused_name_is_not_mistaken_for_this_create(
    runpod: GraphQLRunPod, sim: RunPodSimulator,
) -> None:
    older = sim.world.add_pod(name=TRAIN.name, gpu_type_id=A4000)
    older.env = ["PODWARDEN_REQUEST=an-earlier-request"]
    sim.faults.add(route=f"graphql:{CREATE}", kind=FaultKind.SERVER_ERROR, count=1)
    pod = runpod.create_pod(TRAIN)  # the listing shows a pod of that name, but not this request's
    assert pod.id != older.id
    assert graphql_ops(sim) == [CREATE, "myself", CREATE]

    sim.faults.add(route=f"graphql:{CREATE}", kind=FaultKind.TIMEOUT, count=1)
    with pytest.raises(OutcomeUnknown):
        runpod.create_pod(TRAIN)
    assert sorted(p.name for p in sim.world.pods.values()) == [TRAIN.name, TRAIN.name]


@pytest.mark.parametrize(("kind", "after"), [(FaultKind.SERVER_ERROR_AFTER, False), (FaultKind.DROP, True),
                                             (FaultKind.TIMEOUT, True), (FaultKind.SERVER_ERROR, False)])
def test_a_failed_spot_create_leaves_exactly_one_pod(
    runpod: GraphQLRunPod, sim: RunPodSimulator, kind: FaultKind, after: bool,
) -> None:
    sim.faults.add(route="graphql:podRentInterruptable", kind=kind, count=1, after=after)
    pod = runpod.create_pod(PodSpec(name="spot-req7", gpu_type_id=RTX4090, image="img", spot=True,
                                    bid_per_gpu=Decimal("0.5")))
    assert [p.id for p in sim.world.pods.values()] == [pod.id]
    assert pod.spot


# --- endpoints and templates -------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "after"), [(FaultKind.SERVER_ERROR_AFTER, False), (FaultKind.DROP, True),
                                             (FaultKind.TIMEOUT, True), (FaultKind.SERVER_ERROR, False)])
def test_endpoint_create_and_update_survive_failures(
    runpod: GraphQLRunPod, sim: RunPodSimulator, kind: FaultKind, after: bool,
) -> None:
    template = runpod.save_template(TemplateSpec(name="w", image="img"))
    spec = EndpointSpec(name="infer-req9", template_id=template.id, gpu_ids=("AMPERE_16",))
    earlier = runpod.save_endpoint(spec)  # the same name, made before: not this create's
    sim.faults.add(route="graphql:saveEndpoint", kind=kind, count=1, after=after)
    created = runpod.save_endpoint(spec)
    assert created.id != earlier.id
    assert set(sim.world.endpoints) == {earlier.id, created.id}

    sim.faults.add(route="graphql:saveEndpoint", kind=kind, count=1, after=after)
    updated = runpod.save_endpoint(EndpointSpec(id=created.id, name="infer-req9", template_id=template.id,
                                                gpu_ids=("AMPERE_16",), workers_max=7))
    assert updated.workers_max == 7
    assert sim.world.endpoints[created.id].workers_max == 7
    assert len(sim.world.endpoints) == 2


def test_an_endpoint_create_that_got_no_answer_is_not_sent_again(
    runpod: GraphQLRunPod, sim: RunPodSimulator,
) -> None:
    template = runpod.save_template(TemplateSpec(name="w", image="img"))
    sim.faults.add(route="graphql:saveEndpoint", kind=FaultKind.TIMEOUT, count=None)
    with pytest.raises(OutcomeUnknown, match="no second endpoint was requested"):
        runpod.save_endpoint(EndpointSpec(name="infer", template_id=template.id, gpu_ids=("AMPERE_16",)))
    assert graphql_ops(sim).count("saveEndpoint") == 1
    assert sim.world.endpoints == {}


@pytest.mark.parametrize(("kind", "after", "ops"), [
    (FaultKind.SERVER_ERROR_AFTER, False, ["saveTemplate", "myself"]),
    (FaultKind.SERVER_ERROR, False, ["saveTemplate", "myself", "saveTemplate"]),
    (FaultKind.TIMEOUT, True, ["saveTemplate", "myself"]),
    (FaultKind.RATE_LIMIT, False, ["saveTemplate", "saveTemplate"]),
])
def test_a_template_create_is_reconciled_by_its_unique_name(
    runpod: GraphQLRunPod, sim: RunPodSimulator, kind: FaultKind, after: bool, ops: list[str],
) -> None:
    sim.faults.add(route="graphql:saveTemplate", kind=kind, count=1, after=after)
    template = runpod.save_template(TemplateSpec(name="t1", image="img", env=(("K", "v"),)))
    [made] = sim.world.templates.values()
    assert (template.id, template.name, template.image, template.env) == (made.id, "t1", "img", (("K", "v"),))
    assert graphql_ops(sim) == ops


# --- a real socket -----------------------------------------------------------------------------------


def test_over_a_socket_a_create_that_outlasts_the_client_timeout_makes_one_pod() -> None:
    """The loopback simulator makes the pod, then holds its answer longer than the client waits."""
    sim = RunPodSimulator(clock=ManualClock(), api_key=API_KEY, seed=3)
    sim.faults.add(route=f"graphql:{CREATE}", kind=FaultKind.TIMEOUT, count=1, after=True, delay=1.5)
    # Real time on both sides, since the client's timeout is a real socket timeout; should the
    # first look come before the simulator has made the pod, the policy looks again.
    policy = RetryPolicy(budget_seconds=10, base_delay=0.05, min_attempt_seconds=0.05)
    with serve(sim) as server, GraphQLRunPod(url=f"{server.url}/graphql", api_key=API_KEY, timeout=0.5,
                                             retry=policy) as runpod:
        pod = runpod.create_pod(TRAIN)
    assert list(sim.world.pods) == [pod.id]  # the server has drained: the held answer is gone too
    ops = graphql_ops(sim)
    assert ops.count(CREATE) == 1
    assert ops[1:] == ["myself"] * (len(ops) - 1)


def test_the_polling_window_is_one_request_timeout_within_the_budget(
    sim: RunPodSimulator, fake_time: FakeTime, make_policy: PolicyFactory, recorder: RecordingTransport,
) -> None:
    fake_time.on_sleep = sim.advance
    sim.faults.add(route=f"graphql:{CREATE}", kind=FaultKind.TIMEOUT, count=None)
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, timeout=10, retry=make_policy(budget_seconds=60),
                       transport=recorder) as runpod, pytest.raises(OutcomeUnknown):
        runpod.create_pod(TRAIN)
    assert sum(fake_time.sleeps) <= 10 - 1  # the last look starts a second before the window closes
    assert fake_time.sleeps == [0.5, 1.0, 2.0, 4.0]
