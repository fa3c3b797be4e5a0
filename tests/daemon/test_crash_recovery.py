"""A daemon killed with SIGKILL mid-tick, then restarted, sends each notice exactly once.

The child is a real process (`python -c`), killed by its own SIGKILL at one of three points of
the tick in which bob's idle warning goes out: after the notice was marked `sending` (before
the post), right after the post reached Slack (before the ledger knew), and after the ledger
recorded it as sent; or at one of two points of the tick that stops bob: just before RunPod
is asked, and right after RunPod stopped the pod (before any of the outcome was recorded).
It talks to the RunPod simulator and a fake Slack on loopback, and reads its time from the
simulator's clock (passed in), so the run is deterministic. The parent then runs the
following ticks as a restarted daemon and counts what Slack received.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from podwarden import bootstrap
from podwarden.bootstrap import Services
from podwarden.clock import ManualClock
from podwarden.services.lifecycle import LifecycleService, policy_from
from podwarden.sim import Scenario
from podwarden.sim.server import serve
from tests.fakes.slack_api import FakeSlack

SCENARIO = {"pods": [
    {"name": "bob-notebook", "gpu_type_id": "NVIDIA GeForce RTX 4090", "cloud": "COMMUNITY", "workload": "idle",
     "started_seconds_ago": 7200},
    {"name": "alice-train", "gpu_type_id": "NVIDIA A100 80GB PCIe", "workload": "busy", "started_seconds_ago": 7200},
]}

_CHILD = """
import os, signal, sys
from datetime import datetime
from podwarden import bootstrap
from podwarden.clock import ManualClock
from podwarden.services.lifecycle import LifecycleService, policy_from

point, now = sys.argv[1], datetime.fromisoformat(sys.argv[2])

def die():
    os.kill(os.getpid(), signal.SIGKILL)

with bootstrap.build(bootstrap.settings(), clock=ManualClock(now)) as services:
    ledger, notifier = services.ledger, services.notifier

    class Ledger:
        def __getattr__(self, name):
            return getattr(ledger, name)
        def mark_notice_sending(self, key, **kw):
            result = ledger.mark_notice_sending(key, **kw)
            if point == "before-post":
                die()
            return result
        def mark_notice_sent(self, key, **kw):
            result = ledger.mark_notice_sent(key, **kw)
            if point == "after-commit":
                die()
            return result

    class Notifier:
        def __getattr__(self, name):
            return getattr(notifier, name)
        def send(self, note):
            ref = notifier.send(note)
            if point == "after-post":
                die()
            return ref

    class RunPod:
        def __getattr__(self, name):
            return getattr(services.runpod, name)
        def stop_pod(self, pod_id):
            if point == "before-stop":
                die()
            pod = services.runpod.stop_pod(pod_id)
            if point == "after-stop":
                die()
            return pod

    LifecycleService(runpod=RunPod(), ledger=Ledger(), notifier=Notifier(), clock=services.clock,
                     policy=policy_from(services.settings), book=services.costs.book).tick()
print("the tick ended without being killed")
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, FakeSlack, dict[str, str]]]:
    sim = bootstrap.simulator(scenario=None, clock=ManualClock())
    sim.load(Scenario.from_dict(SCENARIO))
    with serve(sim) as server, FakeSlack() as slack:
        variables = {
            **server.env(), "PODWARDEN_RUNPOD_API_KEY": bootstrap.SIM_API_KEY,
            "PODWARDEN_SLACK_BOT_TOKEN": "xoxb-valid",
            "PODWARDEN_SLACK_API_URL": slack.url, "PODWARDEN_NOTICE_CHANNEL": "C0NOTICE",
            "PODWARDEN_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}", "PODWARDEN_RUNPOD_MAX_RETRIES": "0",
        }
        for name in list(os.environ):
            if name.startswith("PODWARDEN_"):
                monkeypatch.delenv(name)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        yield sim, slack, variables


def _daemon(services: Services) -> LifecycleService:
    return LifecycleService(runpod=services.runpod, ledger=services.ledger, notifier=services.notifier,
                            clock=services.clock, policy=policy_from(services.settings), book=services.costs.book)


def _posts(slack: FakeSlack, key_prefix: str) -> list[str]:
    keys = []
    for call in slack.calls_to("chat.postMessage"):
        metadata = call.params.get("metadata") or {}
        if isinstance(metadata, str):
            import json

            metadata = json.loads(metadata)
        key = str((metadata.get("event_payload") or {}).get("key", ""))
        if key.startswith(key_prefix):
            keys.append(key)
    return keys


def _each_once_with_its_channel_copy(slack: FakeSlack, key_prefix: str) -> None:
    """The owner's notice was posted once, then its copy in the notice channel once."""
    [notice, copy] = _posts(slack, key_prefix)
    assert copy == f"{notice}:channel"


@pytest.mark.parametrize("point", ["before-post", "after-post", "after-commit"])
def test_sigkill_mid_tick_then_restart_sends_the_warning_once_and_loses_no_interval(
    env: tuple[Any, FakeSlack, dict[str, str]], point: str,
) -> None:
    sim, slack, variables = env
    bob = next(p.id for p in sim.world.pods.values() if p.name == "bob-notebook")
    with bootstrap.build(bootstrap.settings(), clock=sim) as services:
        services.ledger.observe_pods(services.runpod.list_pods(), now=sim.now(), owners={bob: "U0BOB"})
        daemon = _daemon(services)
        for _ in range(30):  # idle seen from the first tick; the 31st warns
            sim.advance(60)
            daemon.tick()
    assert _posts(slack, "idle:") == []

    sim.advance(60)
    child = subprocess.run([sys.executable, "-c", _CHILD, point, sim.now().isoformat()], capture_output=True,
                           text=True, timeout=120, env={**os.environ, **variables}, check=False)
    assert child.returncode == -9, child.stderr  # killed where we said
    assert len(_posts(slack, "idle:")) == (0 if point == "before-post" else 1)

    with bootstrap.build(bootstrap.settings(), clock=sim) as services:  # the restarted daemon
        daemon = _daemon(services)
        for _ in range(18):  # past the stop, and one more tick to see the pod stopped
            sim.advance(60)
            daemon.tick()
        intervals = services.ledger.pod_intervals(bob)
    _each_once_with_its_channel_copy(slack, "idle:")
    _each_once_with_its_channel_copy(slack, "stopped:")
    assert sim.world.pods[bob].desired_status == "EXITED"
    for earlier, later in itertools.pairwise(intervals):
        assert earlier.ended_at == later.started_at  # no gap: nothing lost across the crash
    assert intervals[-1].status.value == "EXITED"
    assert intervals[0].started_at <= sim.now() - timedelta(minutes=47)


@pytest.mark.parametrize("point", ["before-stop", "after-stop"])
def test_sigkill_in_the_stopping_tick_then_restart_stops_once_and_tells_once(
    env: tuple[Any, FakeSlack, dict[str, str]], point: str,
) -> None:
    sim, slack, variables = env
    bob = next(p.id for p in sim.world.pods.values() if p.name == "bob-notebook")
    with bootstrap.build(bootstrap.settings(), clock=sim) as services:
        services.ledger.observe_pods(services.runpod.list_pods(), now=sim.now(), owners={bob: "U0BOB"})
        daemon = _daemon(services)
        for _ in range(45):  # warned at minute 31; the stop is due at minute 46
            sim.advance(60)
            daemon.tick()
    _each_once_with_its_channel_copy(slack, "idle:")

    sim.advance(60)
    child = subprocess.run([sys.executable, "-c", _CHILD, point, sim.now().isoformat()], capture_output=True,
                           text=True, timeout=120, env={**os.environ, **variables}, check=False)
    assert child.returncode == -9, child.stderr
    assert sim.world.pods[bob].desired_status == ("EXITED" if point == "after-stop" else "RUNNING")
    assert _posts(slack, "stopped:") == []

    with bootstrap.build(bootstrap.settings(), clock=sim) as services:  # the restarted daemon
        daemon = _daemon(services)
        for _ in range(5):
            sim.advance(60)
            daemon.tick()
        stops = services.ledger.auto_stops(start=sim.now() - timedelta(hours=1), end=sim.now())
    assert sim.world.pods[bob].desired_status == "EXITED"
    _each_once_with_its_channel_copy(slack, "stopped:")
    _each_once_with_its_channel_copy(slack, "idle:")
    assert len(_posts(slack, "evicted:")) == 0
    assert [(s.pod_id, s.reason) for s in stops] == [(bob, "idle")]
