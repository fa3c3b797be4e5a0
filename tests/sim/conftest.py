"""Fixtures: a simulator on a manual clock, and an httpx client wired to it in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from podwarden.clock import ManualClock
from podwarden.sim import RunPodSimulator
from tests.sim.sim_helpers import API_KEY, GraphQL


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(clock: ManualClock) -> RunPodSimulator:
    return RunPodSimulator(clock=clock, api_key=API_KEY, seed=7)


@pytest.fixture
def client(sim: RunPodSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=httpx.MockTransport(sim), base_url="http://runpod.sim",
                      headers={"Authorization": f"Bearer {API_KEY}"}) as http:
        yield http


@pytest.fixture
def gql(client: httpx.Client) -> GraphQL:
    return GraphQL(client)


@pytest.fixture
def connect() -> Iterator[Callable[[RunPodSimulator], GraphQL]]:
    """Wire a GraphQL client to a simulator built by the test (e.g. from a scenario)."""
    clients: list[httpx.Client] = []

    def wire(simulator: RunPodSimulator) -> GraphQL:
        http = httpx.Client(transport=httpx.MockTransport(simulator), base_url="http://runpod.sim",
                            headers={"Authorization": f"Bearer {API_KEY}"})
        clients.append(http)
        return GraphQL(http)

    yield wire
    for http in clients:
        http.close()
