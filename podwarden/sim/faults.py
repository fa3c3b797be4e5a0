"""Faults the simulator can be told to inject: the ways RunPod and the network misbehave.

A `Fault` applies to a route (``"*"``, ``"graphql"``, ``"graphql:<rootField>"``,
``"serverless"``, ``"serverless:<op>"``), fires with probability `rate` (drawn from the
plan's own seeded `random.Random`, so faults never disturb the world's ids) and at most
`count` times. The first matching fault that fires wins.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Fault", "FaultKind", "FaultPlan"]


class FaultKind(enum.StrEnum):
    RATE_LIMIT = "RATE_LIMIT"  # 429 + Retry-After, not executed
    SERVER_ERROR = "SERVER_ERROR"  # 500, not executed
    SERVER_ERROR_AFTER = "SERVER_ERROR_AFTER"  # executed, then 500 (RunPod's "created it but said 500")
    TIMEOUT = "TIMEOUT"  # in-process: httpx.ReadTimeout, not executed; server: sleep `delay`, then answer
    DROP = "DROP"  # in-process: httpx.RemoteProtocolError; server: the socket is closed
    MALFORMED = "MALFORMED"  # 200 with a truncated JSON body, not executed


@dataclass
class Fault:
    route: str
    kind: FaultKind
    rate: float = 1.0
    count: int | None = None
    retry_after: float = 1.0
    delay: float = 0.0
    after: bool = False  # DROP only: execute the request before dropping the connection
    fired: int = 0

    @property
    def spent(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def matches(self, routes: Iterable[str]) -> bool:
        return self.route == "*" or self.route in routes

    def to_json(self) -> dict[str, Any]:
        return {"route": self.route, "kind": self.kind.value, "rate": self.rate, "count": self.count,
                "retryAfter": self.retry_after, "delay": self.delay, "after": self.after, "fired": self.fired}


class FaultPlan:
    """The faults in force; `pick` decides (and counts) which one hits a request."""

    def __init__(self, *, seed: int = 0) -> None:
        self._rng = random.Random(f"faults:{seed}")
        self.faults: list[Fault] = []

    def add(
        self,
        route: str = "*",
        kind: FaultKind | str = FaultKind.RATE_LIMIT,
        *,
        rate: float = 1.0,
        count: int | None = None,
        retry_after: float = 1.0,
        delay: float = 0.0,
        after: bool = False,
    ) -> Fault:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate is a probability between 0 and 1")
        if count is not None and count < 0:
            raise ValueError("count must be >= 0 (or None for no limit)")
        _check_route(route)
        fault = Fault(route, FaultKind(kind), rate, count, retry_after, delay, after)
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        self.faults.clear()

    def pick(self, routes: tuple[str, ...]) -> Fault | None:
        for fault in self.faults:
            if fault.spent or not fault.matches(routes):
                continue
            if fault.rate < 1.0 and self._rng.random() >= fault.rate:
                continue
            fault.fired += 1
            return fault
        return None

    def to_json(self) -> list[dict[str, Any]]:
        return [f.to_json() for f in self.faults]


def _check_route(route: str) -> None:
    surface, _, detail = route.partition(":")
    if route != "*" and surface not in ("graphql", "serverless"):
        raise ValueError(f"unknown fault route {route!r}: use *, graphql[:<rootField>] or serverless[:<op>]")
    if route.endswith(":") or (surface == "*" and detail):
        raise ValueError(f"malformed fault route {route!r}")
