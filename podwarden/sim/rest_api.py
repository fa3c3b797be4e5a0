"""RunPod's REST v2 management API (``https://api.runpod.io/v2/...``) over the simulator's world.

The same world the GraphQL surface serves: a pod created through either is listed,
stopped and billed by both, on the same clock. RunPod's GraphQL is announced for
retirement in early 2027 and REST v1 is gone, so this is the surface Podwarden's REST
adapter talks to. The resource names (``pods``, ``serverless``, ``catalog``…) are kept
in one place, `serverless_api.REST_V2_RESOURCES`; they are never taken for Serverless
endpoint ids.

Routes (handlers in `rest_pods`, `rest_resources` and `rest_billing`, JSON in `rest_views`)::

    GET    /v2/account/ssh-keys                    200 {"keys": ["ssh-ed25519 AAAA… me"]} (GraphQL's pubKey, by line)
    PUT    /v2/account/ssh-keys  {"keys": [...]}   200 {"keys": [...]} (full replace; 422 naming a bad key)
    GET    /v2/pods[?includeClusterPods=true]      200 {"pods": [Pod]}
    POST   /v2/pods                                201 Pod
    GET    /v2/pods/{id}                           200 Pod
    PATCH  /v2/pods/{id}                           200 Pod (a running pod restarts with the change)
    DELETE /v2/pods/{id}                           204
    POST   /v2/pods/{id}/action                    200 Pod; 204 for terminate; 409 if not in Pod.actions
    GET    /v2/catalog/gpus[?include=AVAILABILITY&product=POD|SERVERLESS|CLUSTER&cloud=&count=]
                                                   200 {"gpus": [GpuType]}
    GET    /v2/catalog/gpus/{id}[?include=…]       200 GpuType (the object, not wrapped)
    GET    /v2/templates ; POST /v2/templates      200 {"templates": [Template]} ; 201 Template
    GET|PATCH|DELETE /v2/templates/{id}            200 / 200 / 204 (400 while an endpoint uses it)
    GET    /v2/serverless ; POST /v2/serverless    200 {"endpoints": [Endpoint]} ; 201 Endpoint
    GET|PATCH|DELETE /v2/serverless/{id}           200 / 200 / 204
    GET    /v2/serverless/{id}/workers             200 {"endpointVersion", "summary", "workers"}
    GET    /v2/network-volumes ; POST …            200 {"networkVolumes": [NetworkVolume]} ; 201 NetworkVolume
    GET|PATCH|DELETE /v2/network-volumes/{id}      200 / 200 / 204
    GET    /v2/billing/pods?startTime&endTime&bucketSize&podId   200 {"records", "metadata"}
    GET    /v2/billing/serverless?…&serverlessId   200 {"records", "metadata"}
    GET    /v2/billing/network-volumes?…&networkVolumeId        200 {"records", "metadata"}
    GET    /v2/billing?startTime&endTime&bucketSize             200 {"records", "metadata"} (the account)

Any other path under a V2 resource answers 404 ``"not implemented yet"``; a known path
with another method 405 with ``Allow``.

Transport. Bearer key only (no raw key, no ``?api_key=``): without it, or with a wrong
one, 401 ``{"title":"Unauthorized","status":401,"detail":"missing bearer token"}``.
Every error is ``application/problem+json`` ``{title, status, detail[, errors]}``: 422
``"Request validation failed."`` with ``errors`` naming each unknown or mistyped field
(``"gpuTypeId: unknown field"``, ``"gpu.count: expected int"``); 400 for a cross-field
rule, for no capacity (GraphQL's very text, "There are no longer any instances
available…") and any other rule the world refuses; 402 for too little balance **and** for
the spend limit (the simulator's choice: both are money; the detail says which, in
GraphQL's words); 404 ``"resource not found"``; 409 for an action the status does not
allow, or a PATCH, DELETE or action of a cluster's pod. Every authenticated answer, errors and
injected faults included, carries the spec's example ``RateLimit``/``RateLimit-Policy``
headers (60/min, 3000/h, 50000/day; the counts are not enforced, faults do that).

Faults (`podwarden.sim.faults`) pick REST calls by ``"rest"`` (every REST call) or
``"rest:<METHOD> <route>"``, the route as written in the table above with ``{id}``
placeholders, e.g. ``"rest:POST /v2/pods"``, ``"rest:POST /v2/pods/{id}/action"``,
``"rest:GET /v2/catalog/gpus/{id}"``; `ServedRequest.operations` holds the same name.
A 429 is ``{"title":"Too Many Requests","status":429,"detail":"rate limit exceeded for
the minute window"}`` with ``Retry-After``; a 500 ``{"title":"Internal Server Error",
"status":500,"detail":"Something went wrong. Please try again later or contact support."}``.

Choices where the spec is silent (all UNVERIFIED against the live API):

* Spot pods (V2 has none; they are rented over GraphQL) are listed here like any other
  pod (UNVERIFIED), with nothing that marks them: a client learns spot-ness from GraphQL's
  ``podType``, as against RunPod.
* Status: a RUNNING pod still booting is ``PROVISIONING`` after its create and
  ``STARTING`` after a start or restart; a stopped, evicted or out-of-money pod is
  ``EXITED``; ``ERROR`` and ``TERMINATED`` never show (a terminated pod is gone: 404).
* ``runtime.ports[]``: ``public`` and ``ip`` only for a port reachable on a public IP (TCP);
  an HTTP port (behind RunPod's proxy) has both null. ``ssh.direct`` comes from the 22/tcp
  entry, so it is null until the pod has booted; ``ssh.proxy`` is always given.
  ``runtime.cpu.util``/``memory.util`` are GraphQL's ``container.cpuPercent``/``memoryPercent``.
* ``mounts``: ``{}`` for a pod without volume disk or network volume. ``registry``: the
  registry auth id (a string, as V2 documents) or null. ``cudaVersion`` ``"12.8"`` for
  NVIDIA GPUs. ``gpu`` for a GPU pod, ``cpu`` (``{id, vcpuCount}``) for a CPU pod; the
  other is left out. ``cost`` is 0.0 unless the pod is RUNNING (V2: a stopped pod's compute
  costs nothing; its storage is billed, see ``/v2/billing``).
* ``startSsh`` defaults to false as V2 documents (GraphQL's default is true): without it
  and without ``22/tcp`` in ``ports`` a pod has no SSH port. ``dataCenterIds``: the first
  listed in the asked cloud is used; none in that cloud is "no capacity" (400).
* Accepted and ignored on create: ``startJupyter``, ``globalNetworking``,
  ``gpu.allowedCudaVersions``/``minCudaVersion`` (every simulated host qualifies).
  ``registry`` is the registry auth id (a string); ``globalNetworking`` a boolean (V2's
  ``CreatePodRequest``). ``cloud`` defaults to SECURE.
* Start (``action: start``) resumes with the pod's GPU count; ``restart`` re-maps the public
  ports like a GraphQL edit does.
* GpuType ``price.serverless`` = the pool's flex $/s × 3600 per GPU (4090: 1.116);
  availability for SERVERLESS is HIGH for any type in a pool, for CLUSTER HIGH where
  the type has cluster node groups, for POD the free stock's level in ``cloud`` (default
  SECURE) for pods of ``count`` GPUs (default 1): free GPUs // count, NONE beyond
  ``maxCount`` or where the cloud does not offer the type; ``dataCenters`` those of that
  cloud.
* Template: ``{id, name, serverless (bool, V2's CreateTemplateRequest), image, args, disk,
  ports, env, mounts, startSsh, public, readme, registry (an id)}``; POST takes the same
  names (``id`` excepted); a ``type`` is an unknown field (422), as V2 rejects it.
* Endpoint: V2's shape, nothing added: no template id (V2's Endpoint has none; the release
  number is ``endpointVersion`` of ``/workers``); ``type`` is
  always QUEUE (LOAD_BALANCER is refused, 400: not simulated). ``workers.idleTimeout`` with
  REQUEST_COUNT scaling (given, or the endpoint's) is a cross-field 400 (UNVERIFIED: V2
  refuses it; the status is the one V2 gives cross-field rules). A queue delay is kept in
  whole seconds (rounded up). DELETE needs no scale-down: it deletes the endpoint (its jobs
  go with it) and its template, unless another endpoint uses that template too.
  ``requestUrls`` name RunPod's runtime host (``https://api.runpod.ai/v2/{id}/…``); against
  the simulator, send those calls to its own base, which serves them at the same paths.
* NetworkVolume: ``type`` is always STANDARD (HIGH_PERFORMANCE is refused, 400).
* Billing: records per bucket and resource (the account's: per bucket); which amount a
  charge lands in is in `rest_billing`'s docstring. Without ``startTime``/``endTime`` every
  record so far is included. Amounts are JSON numbers (the world's exact Decimals, rounded
  to 1e-6). Network volumes' metadata counts ``uniqueNetworkVolumeCount``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import httpx

from podwarden.sim import errors, rest_billing, rest_pods, rest_resources
from podwarden.sim.rest_calls import Answer, Call, Problem

if TYPE_CHECKING:
    from podwarden.sim.world import World

__all__ = ["RATE_LIMIT_HEADERS", "handle", "operation", "server_error", "too_many_requests", "unauthorized"]

Handler = Callable[[Call], Answer]
ROUTES: dict[tuple[str, str], Handler] = {**rest_pods.HANDLERS, **rest_resources.HANDLERS, **rest_billing.HANDLERS}
_TEMPLATES = sorted({template for _, template in ROUTES})

RATE_LIMIT_HEADERS = {
    "ratelimit": '"minute";r=59;t=60, "hour";r=2999;t=3600, "day";r=49999;t=86400',
    "ratelimit-policy": '"minute";q=60;w=60, "hour";q=3000;w=3600, "day";q=50000;w=86400',
}


def _match(path: str) -> tuple[str, tuple[str, ...]] | None:
    """The route template a path fits and the ids it carries (``/v2/pods/abc`` -> ``/v2/pods/{id}``)."""
    parts = [p for p in path.split("/") if p]
    for template in _TEMPLATES:
        pattern = [p for p in template.split("/") if p]
        if len(pattern) != len(parts):
            continue
        ids = tuple(part for want, part in zip(pattern, parts, strict=True) if want == "{id}")
        if all(want in ("{id}", part) for want, part in zip(pattern, parts, strict=True)):
            return template, ids
    return None


def operation(method: str, path: str) -> str:
    """The stable name faults and `ServedRequest` use: ``"POST /v2/pods/{id}/action"``."""
    matched = _match(path)
    return f"{method} {matched[0] if matched else path.rstrip('/')}"


def _respond(status: int, body: Any, headers: dict[str, str] | None = None, *,
             problem: bool = False) -> httpx.Response:
    merged = {**RATE_LIMIT_HEADERS, **(headers or {})}
    if body is None:
        return httpx.Response(status, headers=merged)
    merged["content-type"] = "application/problem+json" if problem else "application/json"
    return httpx.Response(status, content=json.dumps(body).encode(), headers=merged)


def _problem(problem: Problem) -> httpx.Response:
    return _respond(problem.status, problem.body(), problem.headers, problem=True)


def unauthorized() -> httpx.Response:
    body = Problem(401, "missing bearer token").body()
    return httpx.Response(401, content=json.dumps(body).encode(),
                          headers={"content-type": "application/problem+json"})


def too_many_requests(retry_after: str) -> httpx.Response:
    return _problem(Problem(429, "rate limit exceeded for the minute window", headers={"retry-after": retry_after}))


def server_error() -> httpx.Response:
    return _problem(Problem(500, errors.SOMETHING_WENT_WRONG))


def handle(world: World, request: httpx.Request) -> httpx.Response:
    """Serve one REST v2 call; the caller holds the world's lock and has stepped it to now."""
    path, method = request.url.path, request.method
    matched = _match(path)
    if matched is None:
        return _problem(Problem(404, "not implemented yet"))
    template, ids = matched
    handler = ROUTES.get((method, template))
    if handler is None:
        allowed = ", ".join(sorted(m for m, t in ROUTES if t == template))
        return _problem(Problem(405, f"{method} is not allowed here", headers={"allow": allowed}))
    query = parse_qs(request.url.query.decode(), keep_blank_values=True)
    call = Call(world, method, ids, query, request.content)
    try:
        answer = handler(call)
    except Problem as problem:
        return _problem(problem)
    return _respond(answer.status, answer.body)
