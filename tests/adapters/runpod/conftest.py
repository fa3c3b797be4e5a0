"""Shared fixtures of the RunPod adapter tests: fake time, a recording transport, policies."""

from __future__ import annotations

import random
from collections.abc import Iterator

import httpx
import pytest

from podwarden.adapters.runpod import GraphQLRunPod, RetryPolicy, ServerlessClient
from podwarden.clock import ManualClock
from podwarden.sim import RunPodSimulator
from tests.adapters.runpod.runpod_helpers import (
    API_KEY,
    GRAPHQL_URL,
    SERVERLESS_URL,
    FakeTime,
    PolicyFactory,
    RecordingTransport,
)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_policy(fake_time: FakeTime) -> PolicyFactory:
    """A RetryPolicy on fake time (recorded sleeps, seeded jitter); keyword overrides allowed."""

    def build(**overrides: float) -> RetryPolicy:
        values: dict[str, float] = {"max_attempts": 6, "budget_seconds": 60.0, "base_delay": 0.5,
                                    "max_delay": 8.0}
        values.update(overrides)
        return RetryPolicy(
            max_attempts=int(values["max_attempts"]),
            budget_seconds=values["budget_seconds"],
            base_delay=values["base_delay"],
            max_delay=values["max_delay"],
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            rng=random.Random(7),
        )

    return build


@pytest.fixture
def policy(make_policy: PolicyFactory) -> RetryPolicy:
    return make_policy()


@pytest.fixture
def sim() -> RunPodSimulator:
    """A fresh simulated account on a manual clock that accepts only `API_KEY`."""
    return RunPodSimulator(clock=ManualClock(), api_key=API_KEY, seed=3)


@pytest.fixture
def recorder(sim: RunPodSimulator) -> Iterator[RecordingTransport]:
    """Every request to the simulator, checked afterwards: Bearer header, never the key in a URL."""
    transport = RecordingTransport(httpx.MockTransport(sim))
    yield transport
    for request in transport.requests:
        assert API_KEY not in str(request.url)
        assert request.headers["Authorization"] == f"Bearer {API_KEY}"


@pytest.fixture
def runpod(
    sim: RunPodSimulator, recorder: RecordingTransport, fake_time: FakeTime, policy: RetryPolicy,
) -> Iterator[GraphQLRunPod]:
    """The GraphQL adapter on the simulator; its retry sleeps move the simulator's clock too."""
    fake_time.on_sleep = sim.advance
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, retry=policy, transport=recorder) as client:
        yield client


@pytest.fixture
def serverless(
    sim: RunPodSimulator, recorder: RecordingTransport, fake_time: FakeTime, policy: RetryPolicy,
) -> Iterator[ServerlessClient]:
    fake_time.on_sleep = sim.advance
    with ServerlessClient(url=SERVERLESS_URL, api_key=API_KEY, retry=policy, transport=recorder) as client:
        yield client
