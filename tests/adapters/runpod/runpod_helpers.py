"""Helpers of the RunPod adapter tests: fake time, a recording transport, constants."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from podwarden.adapters.runpod import RetryPolicy
from podwarden.sim import RunPodSimulator

API_KEY = "rpa_TESTKEY0123456789abcdef"
GRAPHQL_URL = "https://api.runpod.io/graphql"
SERVERLESS_URL = "https://api.runpod.ai/v2"


class FakeTime:
    """A monotonic clock that moves only when the code under test sleeps; sleeps are recorded.

    `on_sleep` lets a test move another clock (the simulator's) by the same amount, so a
    Retry-After really elapses for RunPod as well.
    """

    def __init__(self, on_sleep: Callable[[float], None] | None = None) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep is not None:
            self.on_sleep(seconds)


class RecordingTransport(httpx.BaseTransport):
    """Wraps another transport and keeps every request that went through it."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.inner.handle_request(request)


PolicyFactory = Callable[..., RetryPolicy]


def graphql_ops(sim: RunPodSimulator) -> list[str]:
    """The GraphQL root fields the simulator was asked for, in order (faulted requests included)."""
    return [op for served in sim.requests if served.path == "/graphql" for op in served.operations]


def serverless_ops(sim: RunPodSimulator) -> list[str]:
    return [op for served in sim.requests if served.path.startswith("/v2/") for op in served.operations]


def graphql_bodies(recorder: RecordingTransport) -> list[dict[str, Any]]:
    return [json.loads(r.content) for r in recorder.requests if r.url.path == "/graphql"]
