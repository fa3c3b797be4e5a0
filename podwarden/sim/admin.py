"""The ``/_sim/`` admin routes: load a scenario, move time, inject faults, look at the world.

They need no RunPod key; the loopback server answers them only to loopback peers.

    POST   /_sim/scenario      body: a scenario (JSON or YAML) -> a fresh world
    POST   /_sim/advance       {"seconds": N}
    POST   /_sim/pause         freeze simulated time (wall clock)
    POST   /_sim/resume-clock  let it run again
    POST   /_sim/faults        {"route", "kind", "rate", "count", "retry_after", "delay", "after"}
    DELETE /_sim/faults
    GET    /_sim/faults
    GET    /_sim/world         a JSON dump of the world
    GET    /_sim/billing       the hour-bucketed billing records (`BillingLedger.to_json`)
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import yaml

from podwarden.sim.scenario import Scenario

if TYPE_CHECKING:
    from podwarden.sim.app import RunPodSimulator

__all__ = ["handle_admin"]

_FAULT_KEYS = {"route", "kind", "rate", "count", "retry_after", "delay", "after"}


def _reply(status: int, body: Any) -> httpx.Response:
    headers = {"content-type": "application/json"}
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers)


def _json_body(request: httpx.Request) -> dict[str, Any]:
    data = json.loads(request.content or b"{}")
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def handle_admin(sim: RunPodSimulator, request: httpx.Request) -> httpx.Response:
    action = request.url.path.removeprefix("/_sim/").strip("/")
    method = request.method
    try:
        if action == "world" and method == "GET":
            with sim._lock:
                sim.world.step_to(sim.now())
                return _reply(200, sim.world.dump())
        if action == "billing" and method == "GET":
            with sim._lock:
                sim.world.step_to(sim.now())
                return _reply(200, sim.world.billing.to_json())
        if action == "scenario" and method == "POST":
            loaded = yaml.safe_load(request.content.decode("utf-8")) or {}
            sim.load(Scenario.from_dict(loaded))
            world = sim.world
            return _reply(200, {"loaded": True, "pods": len(world.pods), "endpoints": len(world.endpoints)})
        if action == "advance" and method == "POST":
            sim.advance(float(_json_body(request).get("seconds", 0)))
            return _reply(200, {"now": sim.world.now.isoformat()})
        if action == "pause" and method == "POST":
            sim.pause()
            return _reply(200, {"paused": True})
        if action == "resume-clock" and method == "POST":
            sim.resume_clock()
            return _reply(200, {"paused": False})
        if action == "faults" and method == "POST":
            spec = _json_body(request)
            spec = {("retry_after" if k == "retryAfter" else k): v for k, v in spec.items()}
            unknown = set(spec) - _FAULT_KEYS
            if unknown:
                return _reply(400, {"error": f"unknown fault key(s): {', '.join(sorted(unknown))}"})
            fault = sim.faults.add(**spec)
            return _reply(200, fault.to_json())
        if action == "faults" and method == "DELETE":
            sim.faults.clear()
            return _reply(200, {"faults": []})
        if action == "faults" and method == "GET":
            return _reply(200, {"faults": sim.faults.to_json()})
    except (ValueError, TypeError, KeyError, yaml.YAMLError) as exc:
        return _reply(400, {"error": str(exc)})
    return _reply(404, {"error": f"no admin route {method} /_sim/{action}"})
