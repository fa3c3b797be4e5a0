"""The time budget is a limit on the whole operation: each request gets what is left as its timeout.

A wrapping transport plays slow RunPod on fake time: every request "takes" some seconds,
moving the clock, and times out if it was given less than that. It records the timeout
httpx was given for each request (``request.extensions["timeout"]``) and when it was sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

import httpx
import pytest

from podwarden.adapters.runpod import GraphQLRunPod, ServerlessClient
from podwarden.adapters.runpod.errors import BudgetSpent
from podwarden.domain.models import Cloud, EndpointSpec, PodSpec, TemplateSpec
from podwarden.errors import OutcomeUnknown, RunPodTimeout, ServerError
from podwarden.sim import RunPodSimulator
from tests.adapters.runpod.runpod_helpers import API_KEY, GRAPHQL_URL, SERVERLESS_URL, FakeTime, PolicyFactory

RTX4090 = "NVIDIA GeForce RTX 4090"
Answer = Callable[[httpx.Request], httpx.Response]


def server_error(request: httpx.Request) -> httpx.Response:
    return httpx.Response(500, json={"errors": [{"message": "Something went wrong"}]})


class SlowRunPod(httpx.BaseTransport):
    """Each request takes `takes(request)` seconds of fake time, then is answered by `answer`
    (or times out, if its timeout was shorter). Keeps ``(sent at, timeout)`` per request."""

    def __init__(self, fake_time: FakeTime, answer: Answer, takes: Callable[[httpx.Request], float]) -> None:
        self.time = fake_time
        self.answer = answer
        self.takes = takes
        self.sent: list[tuple[float, float]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        timeout = request.extensions["timeout"]["read"]
        self.sent.append((self.time.now, timeout))
        needed = self.takes(request)
        self.time.now += min(needed, timeout)
        if timeout < needed:
            raise httpx.ReadTimeout("too slow", request=request)
        return self.answer(request)


def taking(seconds: Mapping[str, float]) -> Callable[[httpx.Request], float]:
    """How long a GraphQL request takes, by the first root field (or word) its document mentions."""
    def takes(request: httpx.Request) -> float:
        return next((s for word, s in seconds.items() if word.encode() in request.content), 0.0)
    return takes


def test_each_attempt_gets_what_is_left_of_the_budget(fake_time: FakeTime, make_policy: PolicyFactory) -> None:
    """Answers take 25 s; a 60 s budget allows two and a third cut short — not three full timeouts."""
    wire = SlowRunPod(fake_time, server_error, lambda _: 25.0)
    started = fake_time.now
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, timeout=30, retry=make_policy(budget_seconds=60),
                       transport=wire) as runpod, pytest.raises(RunPodTimeout):
        runpod.list_pods()

    timeouts = [timeout for _, timeout in wire.sent]
    assert len(timeouts) == 3
    for sent_at, timeout in wire.sent:
        assert timeout == pytest.approx(min(30, started + 60 - sent_at))
    assert timeouts[:2] == [30, 30]
    assert timeouts[2] < 10  # the third attempt got only the rest of the budget
    assert fake_time.now - started == pytest.approx(60)


def test_a_read_that_fails_fast_is_still_bounded_by_attempts(
    fake_time: FakeTime, make_policy: PolicyFactory,
) -> None:
    wire = SlowRunPod(fake_time, server_error, lambda _: 0.0)
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, retry=make_policy(max_attempts=3),
                       transport=wire) as runpod, pytest.raises(ServerError):
        runpod.account()
    assert [timeout for _, timeout in wire.sent] == [30, 30, 30]


def test_a_spot_create_shares_one_deadline_with_its_bid_lookup(
    sim: RunPodSimulator, fake_time: FakeTime, make_policy: PolicyFactory,
) -> None:
    wire = SlowRunPod(fake_time, httpx.MockTransport(sim).handle_request,
                      taking({"GpuBid": 20.0, "RentSpotPod": 3.0}))
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, timeout=30, retry=make_policy(budget_seconds=45),
                       transport=wire) as runpod:
        pod = runpod.create_pod(PodSpec(name="spot", gpu_type_id=RTX4090, image="img", spot=True,
                                        cloud=Cloud.COMMUNITY))
    assert pod.spot
    assert [timeout for _, timeout in wire.sent] == [30, 25]  # the lookup took 20 of the 45 s


def test_a_create_is_not_sent_when_the_lookup_spent_the_budget(
    sim: RunPodSimulator, fake_time: FakeTime, make_policy: PolicyFactory,
) -> None:
    wire = SlowRunPod(fake_time, httpx.MockTransport(sim).handle_request, taking({"GpuBid": 45.0}))
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, timeout=60, retry=make_policy(budget_seconds=45),
                       transport=wire) as runpod, pytest.raises(BudgetSpent) as raised:
        runpod.create_pod(PodSpec(name="spot", gpu_type_id=RTX4090, image="img", spot=True,
                                  cloud=Cloud.COMMUNITY))
    assert not raised.value.retryable
    assert raised.value.operation == "create_pod"
    assert len(wire.sent) == 1  # the lookup only: the create was never sent
    assert sim.world.pods == {}


def test_looking_for_an_unanswered_create_stays_within_the_budget(
    sim: RunPodSimulator, fake_time: FakeTime, make_policy: PolicyFactory,
) -> None:
    """The create times out after 30 s of a 40 s budget: the looks share the last 10 s."""
    wire = SlowRunPod(fake_time, httpx.MockTransport(sim).handle_request,
                      taking({"CreatePod": 999.0, "ListPods": 2.0}))
    started = fake_time.now
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, timeout=30, retry=make_policy(budget_seconds=40),
                       transport=wire) as runpod, pytest.raises(OutcomeUnknown):
        runpod.create_pod(PodSpec(name="big", gpu_type_id=RTX4090, image="img"))
    create, *looks = wire.sent
    assert create == (started, 30)
    assert len(looks) >= 2
    for sent_at, timeout in looks:
        assert timeout == pytest.approx(min(30, started + 40 - sent_at))
    assert fake_time.now - started <= 40


def test_run_sync_keeps_its_long_read_timeout_under_a_short_budget(
    sim: RunPodSimulator, fake_time: FakeTime, make_policy: PolicyFactory,
) -> None:
    recorded: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        recorded.append(request.extensions["timeout"]["read"])
        return httpx.MockTransport(sim).handle_request(request)

    transport = httpx.MockTransport(answer)
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, transport=transport) as runpod:
        template = runpod.save_template(TemplateSpec(name="echo", image="org/echo:1"))
        endpoint = runpod.save_endpoint(EndpointSpec(name="echo", template_id=template.id, gpu_ids=("AMPERE_16",)))
    with ServerlessClient(url=SERVERLESS_URL, api_key=API_KEY, retry=make_policy(budget_seconds=10),
                          transport=transport) as serverless:
        serverless.run_sync(endpoint.id, {"q": 1}, wait_ms=45_000)
        serverless.health(endpoint.id)
    assert recorded[-2:] == [30 + 45, 10]  # runsync outlasts its wait; health gets the 10 s budget


def test_a_create_with_an_explicit_bid_has_the_whole_budget(
    sim: RunPodSimulator, fake_time: FakeTime, make_policy: PolicyFactory,
) -> None:
    """An explicit bid needs no lookup; a budget shorter than the timeout caps the one request."""
    wire = SlowRunPod(fake_time, httpx.MockTransport(sim).handle_request, lambda _: 1.0)
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, timeout=30, retry=make_policy(budget_seconds=20),
                       transport=wire) as runpod:
        pod = runpod.create_pod(PodSpec(name="spot", gpu_type_id=RTX4090, image="img", spot=True,
                                        bid_per_gpu=Decimal("0.5")))
    assert pod.cost_per_hr == Decimal("0.5")
    assert [timeout for _, timeout in wire.sent] == [20]
