"""`RunPodSimulator`: RunPod's GraphQL, REST v2 and Serverless APIs as one stateful callable.

``httpx.Client(transport=httpx.MockTransport(sim))`` talks to it in-process;
`podwarden.sim.server.serve` puts the same object behind a loopback HTTP server. Before
serving a request the world is stepped to the clock's time (sim time = the clock, plus
whatever `advance` added on a wall clock, frozen while paused). A lock guards the world,
so the threaded server may call it from many threads.

``runsync`` and time: the simulator answers ``COMPLETED`` straight away when the job can
finish at the current instant (a warm idle worker and a zero-second job). Otherwise, on a
wall clock (`SystemClock`, not paused) it waits — releasing the lock — until the job
finishes or ``?wait=`` (default 90 s) runs out, as RunPod does; on a `ManualClock` (or a
paused clock) time cannot pass during a request, so it answers at once with the job id and
``IN_QUEUE``/``IN_PROGRESS`` and the client polls ``/status`` while the test advances the
clock.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

import httpx

from podwarden.clock import ManualClock, SystemClock
from podwarden.sim import rest_api, serverless_api
from podwarden.sim.errors import SOMETHING_WENT_WRONG
from podwarden.sim.faults import Fault, FaultKind, FaultPlan
from podwarden.sim.graphql_api import CATALOG_FIELDS, GraphQLApi
from podwarden.sim.scenario import Scenario
from podwarden.sim.serverless_api import Reply, WaitForJob
from podwarden.sim.world import World

__all__ = ["Clock", "DropConnection", "RunPodSimulator", "ServedRequest"]


class Clock(Protocol):
    def now(self) -> datetime: ...


class ServedRequest(NamedTuple):
    """One request the simulator received: method, path, and GraphQL root fields or the Serverless op."""

    method: str
    path: str
    operations: tuple[str, ...]


class DropConnection(Exception):
    """Server mode: close the socket without answering (a DROP fault)."""


@dataclass(frozen=True)
class _Target:
    surface: str  # graphql | rest | serverless | admin | none
    operations: tuple[str, ...]
    route: serverless_api.Route | None = None
    body: Any = None

    @property
    def routes(self) -> tuple[str, ...]:
        return (self.surface, *(f"{self.surface}:{op}" for op in self.operations))


def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    content = json.dumps(body).encode()
    merged = {"content-type": "application/json", **(headers or {})}
    return httpx.Response(status, content=content, headers=merged)


class RunPodSimulator:
    """A simulated RunPod account behind RunPod's HTTP APIs. See the package docstring."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        api_key: str | None = None,
        seed: int = 0,
        scenario: Scenario | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.api_key = api_key
        self.seed = seed
        self.faults = FaultPlan(seed=seed)
        self.requests: list[ServedRequest] = []
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._offset = timedelta(0)
        self._paused_at: datetime | None = None
        self.world = World(now=self.clock.now(), seed=seed)
        self._graphql = GraphQLApi(lambda: self.world)
        if scenario is not None:
            self.load(scenario)

    # ------------------------------------------------------------ control
    def now(self) -> datetime:
        base = self._paused_at if self._paused_at is not None else self.clock.now()
        return base + self._offset

    def load(self, scenario: Scenario) -> None:
        """Replace the world with a fresh one holding `scenario`; its faults replace those in force."""
        with self._lock:
            self.world = scenario.build(now=self.now(), seed=self.seed)
            self.faults.clear()
            for spec in scenario.faults:
                self.faults.add(**spec)
            self._changed.notify_all()

    def advance(self, seconds: float) -> None:
        """Move simulated time on by `seconds` and step the world (boots, evictions, billing, jobs).

        A `ManualClock` is advanced itself; any other clock gets an offset, so the loopback
        server's ``/_sim/advance`` can fast-forward a wall-clock simulator too.
        """
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            if isinstance(self.clock, ManualClock) and self._paused_at is None:
                self.clock.advance(seconds)
            else:
                self._offset += timedelta(seconds=seconds)
            self.world.step_to(self.now())
            self._changed.notify_all()

    def pause(self) -> None:
        with self._lock:
            if self._paused_at is None:
                self._paused_at = self.clock.now()

    def resume_clock(self) -> None:
        with self._lock:
            if self._paused_at is not None:
                self._offset += self._paused_at - self.clock.now()
                self._paused_at = None
                self._changed.notify_all()

    def _clock_runs(self) -> bool:
        return isinstance(self.clock, SystemClock) and self._paused_at is None

    # ------------------------------------------------------------ serving
    def __call__(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request, in_process=True)

    def handle(
        self, request: httpx.Request, *, in_process: bool, admin_allowed: bool = True,
    ) -> httpx.Response:
        """Serve one request. Server mode (`in_process=False`) turns DROP into `DropConnection`
        and TIMEOUT into a real delay of `delay` seconds (then no answer, or with `after` the
        real answer); in-process they raise httpx's own exceptions. See `podwarden.sim.faults`."""
        target = self._target(request)
        if target.surface == "admin":
            if not admin_allowed:
                return _json_response(403, {"error": "the /_sim/ admin routes answer only on loopback"})
            from podwarden.sim.admin import handle_admin

            return handle_admin(self, request)
        with self._lock:
            self.requests.append(ServedRequest(request.method, request.url.path, target.operations))
        if target.surface == "none":
            return _json_response(404, {"error": f"Not found: {request.url.path}"})
        if not self._authorized(request, target):
            if target.surface == "graphql":
                return _json_response(401, {"errors": [{"message": "Unauthorized"}]})
            if target.surface == "rest":
                return rest_api.unauthorized()
            return _json_response(401, {"error": "Unauthorized"})
        fault = self.faults.pick(target.routes)
        if fault is not None:
            early = self._fault_before(fault, request, target, in_process=in_process)
            if early is not None:
                return early
        response = self._execute(request, target)
        if fault is not None and fault.kind is FaultKind.SERVER_ERROR_AFTER:
            return self._server_error(target)
        if fault is not None and fault.kind is FaultKind.DROP:
            return self._drop(request, in_process=in_process)
        if fault is not None and fault.kind is FaultKind.TIMEOUT:
            if in_process:
                raise httpx.ReadTimeout("simulated read timeout (the request was carried out)", request=request)
            time.sleep(fault.delay)  # a real delay on the wire: a hastier client gives up
        return response

    def _target(self, request: httpx.Request) -> _Target:
        path = request.url.path
        if path.startswith("/_sim/"):
            return _Target("admin", ())
        if path.rstrip("/") == "/graphql":
            try:
                body = json.loads(request.content or b"null")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return _Target("graphql", (), body=body)
            fields = self._graphql.root_fields(body)
            return _Target("graphql", fields, body=body)
        route = serverless_api.route_of(path)
        if route is None:
            return _Target("none", ())
        if route.reserved:  # one of REST v2's resource names, never an endpoint id
            return _Target("rest", (rest_api.operation(request.method, path),))
        return _Target("serverless", (route.op,) if route.op else (), route=route)

    def _authorized(self, request: httpx.Request, target: _Target) -> bool:
        """A key that fits; or none at all for a query of the public catalogue only (`CATALOG_FIELDS`).

        A document that also selects ``myself`` (or anything else), and every mutation, needs a key.
        """
        surface = target.surface
        header = request.headers.get("authorization", "").strip()
        key = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if surface == "serverless" and not key and header:
            key = header  # the docs' curl examples send the raw key
        if surface == "graphql" and not key:
            key = request.url.params.get("api_key", "")  # legacy; RunPod still accepts it
        if not key:
            return surface == "graphql" and bool(target.operations) and set(target.operations) <= CATALOG_FIELDS
        return self.api_key is None or key == self.api_key

    def _fault_before(
        self, fault: Fault, request: httpx.Request, target: _Target, *, in_process: bool,
    ) -> httpx.Response | None:
        kind = fault.kind
        if kind is FaultKind.RATE_LIMIT:
            seconds = fault.retry_after
            header = str(int(seconds)) if float(seconds).is_integer() else str(seconds)
            if target.surface == "rest":
                return rest_api.too_many_requests(header)
            body: Any = {"errors": [{"message": "Too many requests, please retry later.",
                                     "extensions": {"code": "RATE_LIMITED"}}]} \
                if target.surface == "graphql" else {"error": "Too many requests"}
            return _json_response(429, body, {"retry-after": header})
        if kind is FaultKind.SERVER_ERROR:
            return self._server_error(target)
        if kind is FaultKind.MALFORMED:
            content = b'{"data": {"' if target.surface == "graphql" else b'{"id": "'
            return httpx.Response(200, content=content, headers={"content-type": "application/json"})
        if kind is FaultKind.TIMEOUT and not fault.after:
            if in_process:
                raise httpx.ReadTimeout("simulated read timeout", request=request)
            time.sleep(fault.delay)  # the client waits in vain, then the line goes dead
            raise DropConnection
        if kind is FaultKind.DROP and not fault.after:
            return self._drop(request, in_process=in_process)
        return None

    @staticmethod
    def _server_error(target: _Target) -> httpx.Response:
        if target.surface == "rest":
            return rest_api.server_error()
        if target.surface == "graphql":
            return _json_response(500, {"errors": [{"message": SOMETHING_WENT_WRONG,
                                                    "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]})
        return _json_response(500, {"error": SOMETHING_WENT_WRONG})

    @staticmethod
    def _drop(request: httpx.Request, *, in_process: bool) -> httpx.Response:
        if in_process:
            message = "Server disconnected without sending a response."
            raise httpx.RemoteProtocolError(message, request=request)
        raise DropConnection

    def _execute(self, request: httpx.Request, target: _Target) -> httpx.Response:
        with self._lock:
            self.world.step_to(self.now())
            if target.surface == "graphql":
                if request.method != "POST":
                    return _json_response(405, {"errors": [{"message": "Use POST for /graphql."}]},
                                          {"allow": "POST"})
                status, body = self._graphql.handle(target.body)
                self._changed.notify_all()
                return _json_response(status, body)
            if target.surface == "rest":
                response = rest_api.handle(self.world, request)
                self._changed.notify_all()
                return response
            if target.route is None:
                raise RuntimeError("a Serverless request without a route")
            query = dict(request.url.params.items())
            reply = serverless_api.handle(self.world, target.route, request.method, request.content, query)
            if isinstance(reply, WaitForJob):
                reply = self._wait_for(reply)
            self._changed.notify_all()
            return _json_response(reply.status, reply.body, reply.headers)

    def _wait_for(self, wait: WaitForJob) -> Reply:
        """runsync on a running wall clock: wait (lock released) for the job or the deadline."""
        while True:
            reply = serverless_api.job_reply(self.world, wait)
            now = self.world.now
            if not self._clock_runs() or now >= wait.deadline or reply.body.get("status") in (
                    "COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED") or reply.status != 200:
                return reply
            upcoming = self.world.next_event()
            target = wait.deadline if upcoming is None else min(upcoming, wait.deadline)
            self._changed.wait(timeout=max((target - self.now()).total_seconds(), 0.001))
            self.world.step_to(self.now())
