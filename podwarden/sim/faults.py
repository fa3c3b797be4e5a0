"""Faults the simulator can be told to inject: the ways RunPod and the network misbehave.

A `Fault` applies to a route (``"*"``, ``"graphql"``, ``"graphql:<rootField>"``,
``"serverless"``, ``"serverless:<op>"``, ``"rest"``, ``"rest:<METHOD> <route>"`` as
listed in `podwarden.sim.rest_api`, e.g. ``"rest:POST /v2/pods"``), fires with probability `rate` (drawn from the
plan's own seeded `random.Random`, so faults never disturb the world's ids) and at most
`count` times. The first matching fault that fires wins.

`after` says whether RunPod acted before the client lost touch. It applies to TIMEOUT and
DROP, and means the same in-process and on the loopback server:

========  ==============  ================================================================
kind      after           what happens
========  ==============  ================================================================
TIMEOUT   False (default) not executed. In-process: `httpx.ReadTimeout`. Server: wait
                          `delay` seconds, then close the socket without an answer.
TIMEOUT   True            executed. In-process: `httpx.ReadTimeout` after the work is done.
                          Server: wait `delay` seconds, then send the real answer, so a
                          client whose timeout is shorter than `delay` gives up while the
                          pod (or job) already exists.
DROP      False (default) not executed; in-process `httpx.RemoteProtocolError`, server: the
                          socket is closed at once.
DROP      True            executed, then dropped the same way.
========  ==============  ================================================================
"""

from __future__ import annotations

import enum
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Fault", "FaultKind", "FaultPlan"]


class FaultKind(enum.StrEnum):
    RATE_LIMIT = "RATE_LIMIT"  # 429 + Retry-After, not executed
    SERVER_ERROR = "SERVER_ERROR"  # 500, not executed
    SERVER_ERROR_AFTER = "SERVER_ERROR_AFTER"  # executed, then 500 (RunPod's "created it but said 500")
    TIMEOUT = "TIMEOUT"  # the client never hears; executed only with `after` (see the module docstring)
    DROP = "DROP"  # the connection is lost; executed only with `after` (see the module docstring)
    MALFORMED = "MALFORMED"  # 200 with a truncated JSON body, not executed


@dataclass
class Fault:
    route: str
    kind: FaultKind
    rate: float = 1.0
    count: int | None = None
    retry_after: float = 1.0
    delay: float = 0.0
    after: bool = False  # TIMEOUT and DROP: execute the request before the client loses touch
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
    """The faults in force; `pick` decides (and counts) which one hits a request.

    The threaded server picks from many threads at once, and the admin routes add and clear
    faults meanwhile, so every method holds the plan's own lock: a ``count=N`` fault fires
    exactly N times however many requests race for it.
    """

    def __init__(self, *, seed: int = 0) -> None:
        self._rng = random.Random(f"faults:{seed}")
        self._lock = threading.Lock()
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
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def pick(self, routes: tuple[str, ...]) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.spent or not fault.matches(routes):
                    continue
                if fault.rate < 1.0 and self._rng.random() >= fault.rate:
                    continue
                fault.fired += 1
                return fault
            return None

    def to_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_json() for f in self.faults]


def _check_route(route: str) -> None:
    surface, _, detail = route.partition(":")
    if route != "*" and surface not in ("graphql", "serverless", "rest"):
        raise ValueError(f"unknown fault route {route!r}: use *, graphql[:<rootField>], serverless[:<op>] "
                         "or rest[:<METHOD> <route>]")
    if route.endswith(":") or (surface == "*" and detail):
        raise ValueError(f"malformed fault route {route!r}")
