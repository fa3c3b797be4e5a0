"""Simulated time on a wall clock: pause, fast-forward, resume (the admin routes' clock control)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from podwarden.clock import SystemClock
from podwarden.sim import RunPodSimulator


def test_a_paused_wall_clock_stands_still_until_advanced_or_resumed() -> None:
    sim = RunPodSimulator(clock=SystemClock())
    with httpx.Client(transport=httpx.MockTransport(sim), base_url="http://runpod.sim") as admin:
        assert admin.post("/_sim/pause").json() == {"paused": True}
        frozen = sim.now()
        assert sim.now() == frozen

        admin.post("/_sim/advance", json={"seconds": 3600})
        assert sim.now() == frozen + timedelta(hours=1)
        assert sim.world.now == frozen + timedelta(hours=1)

        assert admin.post("/_sim/resume-clock").json() == {"paused": False}
        resumed = sim.now()
        assert frozen + timedelta(hours=1) <= resumed < frozen + timedelta(hours=1, seconds=5)
        assert admin.get("/_sim/faults").json() == {"faults": []}
        assert admin.get("/_sim/nothing").status_code == 404


def test_time_never_runs_backwards() -> None:
    sim = RunPodSimulator(clock=SystemClock())
    with pytest.raises(ValueError, match="forward"):
        sim.advance(-1)
