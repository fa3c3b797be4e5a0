"""The Serverless runtime API: ``/v2/{endpoint_id}/run|runsync|status|stream|cancel|retry|…``.

Shapes follow reference §6 and §11.4. Errors are ``{"error": "<message>"}`` with the
status RunPod documents (400 bad request, 404 unknown endpoint or job). REST v2's own
resources share the ``/v2`` prefix (``/v2/pods``, ``/v2/serverless``, ``/v2/catalog``,
``/v2/billing``…), kept here in `REST_V2_RESOURCES`; those names are never taken for
endpoint ids: `route_of` marks them ``reserved`` and the simulator hands them to
`podwarden.sim.rest_api` (a path it does not simulate answers 404 "not implemented yet"
in REST v2's problem+json shape, `not_implemented`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from podwarden.sim import errors, serverless
from podwarden.sim.world import World

__all__ = ["REST_V2_RESOURCES", "Reply", "Route", "WaitForJob", "handle", "route_of"]

REST_V2_RESOURCES = frozenset({
    "pods", "serverless", "catalog", "billing", "account", "templates", "network-volumes", "registries",
    "clusters", "openapi.json", "docs",
})
_OPS_WITH_JOB = {"status", "stream", "cancel", "retry", "status-sync"}
_OPS = {"run", "runsync", "purge-queue", "health"} | _OPS_WITH_JOB
_POST_ONLY = {"run", "runsync", "cancel", "retry", "purge-queue"}
_MAX_BODY = {"run": 10 * 1024 * 1024, "runsync": 20 * 1024 * 1024}
DEFAULT_RUNSYNC_WAIT_MS = 90_000


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WaitForJob:
    """``runsync`` not finished yet: the caller may wait (wall clock) until `deadline`, then reply."""

    endpoint_id: str
    job_id: str
    deadline: datetime


@dataclass(frozen=True)
class Route:
    endpoint_id: str
    op: str
    job_id: str | None
    reserved: bool = False


def route_of(path: str) -> Route | None:
    """Parse ``/v2/<endpoint>/<op>[/<job>]``; None for a path that is no Serverless route."""
    parts = [p for p in path.split("/") if p]
    if len(parts) < 2 or parts[0] != "v2":
        return None
    if parts[1] in REST_V2_RESOURCES:
        return Route(parts[1], "", None, reserved=True)
    if len(parts) == 3 and parts[2] in _OPS - _OPS_WITH_JOB:
        return Route(parts[1], parts[2], None)
    if len(parts) == 4 and parts[2] in _OPS_WITH_JOB:
        return Route(parts[1], parts[2], parts[3])
    return Route(parts[1], "", None)


def not_implemented() -> Reply:
    return Reply(404, {"title": "Not Found", "status": 404, "detail": "not implemented yet"},
                 {"content-type": "application/problem+json"})


def _error(status: int, message: str) -> Reply:
    return Reply(status, {"error": message})


def handle(
    world: World, route: Route, method: str, content: bytes, query: dict[str, str],
) -> Reply | WaitForJob:
    """Serve one request; the caller holds the world's lock and has stepped it to now."""
    if route.reserved:
        return not_implemented()
    endpoint = world.endpoints.get(route.endpoint_id)
    if not route.op:
        return _error(404, "Not found.")
    if endpoint is None:
        return _error(404, f"Endpoint {route.endpoint_id} not found.")
    if route.op in _POST_ONLY and method != "POST":
        return Reply(405, {"error": f"Method {method} not allowed for /{route.op}."}, {"allow": "POST"})
    try:
        return _dispatch(world, endpoint, route, content, query)
    except errors.SimError as exc:
        return _error(exc.status, exc.message)


def _body(op: str, content: bytes) -> dict[str, Any]:
    if len(content) > _MAX_BODY.get(op, 10 * 1024 * 1024):
        raise errors.SimError("Request body is too large.")
    try:
        body = json.loads(content or b"{}")
    except ValueError:
        raise errors.SimError("Request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise errors.SimError("Request body must be a JSON object.")
    return body


def _wait_ms(query: dict[str, str]) -> int:
    """``runsync``'s ``?wait=`` in ms, held between 1 s and 300 s; not a whole number -> 400."""
    raw = query.get("wait") or str(DEFAULT_RUNSYNC_WAIT_MS)
    try:
        wait_ms = int(raw)
    except ValueError:
        raise errors.SimError(f"wait must be a whole number of milliseconds, not {raw!r}.") from None
    return min(max(wait_ms, 1000), 300_000)


def _dispatch(
    world: World, endpoint: serverless.SimEndpoint, route: Route, content: bytes, query: dict[str, str],
) -> Reply | WaitForJob:
    op = route.op
    if op == "health":
        return Reply(200, serverless.health(endpoint))
    if op == "purge-queue":
        return Reply(200, {"removed": serverless.purge(world, endpoint), "status": "completed"})
    if op in ("run", "runsync"):
        wait_ms = _wait_ms(query) if op == "runsync" else 0  # a bad ?wait= refuses the job: none is queued
        job = serverless.submit(world, endpoint, _body(op, content), sync=op == "runsync")
        if op == "run":
            return Reply(200, {"id": job.id, "status": job.status})
        if job.status in serverless.FINAL:
            return Reply(200, serverless.job_view(world, job))
        return WaitForJob(endpoint.id, job.id, world.now + timedelta(milliseconds=wait_ms))
    job_id = route.job_id or ""
    if op in ("status", "status-sync"):
        return Reply(200, serverless.job_view(world, serverless.find_job(world, endpoint, job_id)))
    if op == "stream":
        return Reply(200, serverless.stream_view(world, serverless.find_job(world, endpoint, job_id)))
    if op == "cancel":
        job = serverless.cancel(world, endpoint, job_id)
        return Reply(200, {"id": job.id, "status": job.status})
    job = serverless.retry(world, endpoint, job_id)
    return Reply(200, {"id": job.id, "status": job.status})


def job_reply(world: World, wait: WaitForJob) -> Reply:
    """The runsync answer after waiting: the finished job, or its id and IN_QUEUE/IN_PROGRESS."""
    endpoint = world.endpoints.get(wait.endpoint_id)
    job = endpoint.jobs.get(wait.job_id) if endpoint else None
    if job is None:
        return _error(404, f"Job {wait.job_id} not found.")
    if job.status in serverless.FINAL:
        return Reply(200, serverless.job_view(world, job))
    return Reply(200, {"id": job.id, "status": job.status})
