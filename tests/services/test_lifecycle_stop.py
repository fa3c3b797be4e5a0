"""The stop step, outbox style: intent recorded before RunPod is asked, nothing lost to a crash,
nothing claimed when RunPod refuses, and a Keep that lands mid-tick still keeps the pod.

The world is the one of `test_lifecycle_tick`: bob's notebook is idle from the first tick, is
warned at minute 31 and is due to stop at minute 46.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from podwarden.domain.models import Pod
from podwarden.domain.notes import IdleWarning, PodStopped, SpotEvicted
from podwarden.errors import RunPodTimeout, ServerError
from podwarden.services.lifecycle import LifecycleService
from tests.fakes.notifier import Crash
from tests.services.test_lifecycle_tick import ALICE, BOB, ERIN, TEAM, World, build_world, make_daemon


@pytest.fixture
def world(tmp_path: Path, ledger_url: str) -> Iterator[World]:
    yield from build_world(tmp_path, TEAM, database_url=ledger_url)


class StopGateway:
    """RunPod whose stop call can fail, or stop the pod and then kill the process."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.refuse = 0  # how many stop calls answer 502 without stopping
        self.crash_after_stop = False
        self.time_out_after_stop = False  # the pod stops, but the answer is lost
        self.time_out_then_stop_late = False  # no answer; RunPod carries the stop out after our read-back
        self.late: list[str] = []  # stops RunPod has yet to carry out (`carry_out_late_stops`)
        self.calls: list[str] = []

    def stop_pod(self, pod_id: str) -> Pod:
        self.calls.append(pod_id)
        if self.refuse > 0:
            self.refuse -= 1
            raise ServerError("RunPod answered 502", status=502, operation="stop_pod")
        if self.time_out_then_stop_late:
            self.time_out_then_stop_late = False
            self.late.append(pod_id)
            raise RunPodTimeout("RunPod did not answer in time", operation="stop_pod")
        pod: Pod = self._inner.stop_pod(pod_id)
        if self.crash_after_stop:
            self.crash_after_stop = False
            raise Crash(f"killed right after stopping {pod_id}")
        if self.time_out_after_stop:
            self.time_out_after_stop = False
            raise RunPodTimeout("RunPod did not answer in time", operation="stop_pod")
        return pod

    def carry_out_late_stops(self) -> None:
        while self.late:
            self._inner.stop_pod(self.late.pop(0))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class Ledger:
    """The real ledger, with a hook run once the tick has decided (its `record_tick`)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.after_decision: list[Any] = []
        self.crash_after_marking = False

    def record_tick(self, *args: Any, **kw: Any) -> Any:
        result = self._inner.record_tick(*args, **kw)
        while self.after_decision:
            self.after_decision.pop(0)()
        return result

    def mark_stopped_by_us(self, pod_id: str, **kw: Any) -> None:
        self._inner.mark_stopped_by_us(pod_id, **kw)
        if self.crash_after_marking:
            self.crash_after_marking = False
            raise Crash(f"killed before asking RunPod to stop {pod_id}")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _daemon(world: World, gateway: StopGateway, ledger: Any = None) -> LifecycleService:
    services = world.services
    world.daemon = LifecycleService(
        runpod=gateway, ledger=ledger or services.ledger, notifier=world.notifier, clock=services.clock,
        policy=world.daemon.policy, book=services.costs.book,
    )
    return world.daemon


def _auto_stops(world: World) -> list[tuple[str, str]]:
    now = world.services.clock.now()
    stops = world.services.ledger.auto_stops(start=now - timedelta(days=1), end=now + timedelta(minutes=1))
    return [(s.pod_id, s.reason) for s in stops]


def test_a_crash_right_after_runpod_stopped_the_pod_loses_neither_the_notice_nor_the_saving(world: World) -> None:
    gateway = StopGateway(world.services.runpod)
    _daemon(world, gateway)
    world.tick(45)
    gateway.crash_after_stop = True
    with pytest.raises(Crash):
        world.tick(1)
    assert world.status("bob-notebook") == "EXITED"
    assert world.notes(PodStopped) == []
    world.daemon = make_daemon(world.services, gateway)  # the restarted daemon
    world.tick(3)
    bob = world.pod_id("bob-notebook")
    [stopped] = world.notes(PodStopped)
    assert (stopped.to, stopped.pod_id, stopped.reason) == (BOB, bob, "idle")
    assert _auto_stops(world) == [(bob, "idle")]
    assert world.updated() == [(BOB, "stopped")]
    assert world.notes(SpotEvicted) == []
    assert gateway.calls == [bob]
    world.tick(5)
    assert len(world.notes(PodStopped)) == 1


def test_a_crash_before_runpod_was_asked_stops_once_on_the_next_tick(world: World) -> None:
    gateway = StopGateway(world.services.runpod)
    ledger = Ledger(world.services.ledger)
    _daemon(world, gateway, ledger)
    world.tick(45)
    ledger.crash_after_marking = True
    with pytest.raises(Crash):
        world.tick(1)
    assert world.status("bob-notebook") == "RUNNING"
    world.daemon = make_daemon(world.services, gateway)
    world.tick(1)
    bob = world.pod_id("bob-notebook")
    assert world.status("bob-notebook") == "EXITED"
    assert [n.pod_id for n in world.notes(PodStopped)] == [bob]
    assert _auto_stops(world) == [(bob, "idle")]


def test_runpod_refusing_the_stop_claims_nothing_and_the_next_tick_stops_once(world: World) -> None:
    gateway = StopGateway(world.services.runpod)
    _daemon(world, gateway)
    world.tick(45)
    gateway.refuse = 1
    [report] = world.tick(1)
    assert report.stopped == []
    assert world.status("bob-notebook") == "RUNNING"
    assert world.notes(PodStopped) == []  # no "stopped" message for a pod that runs
    assert _auto_stops(world) == []
    assert world.updated() == []
    world.tick(1)
    bob = world.pod_id("bob-notebook")
    assert world.status("bob-notebook") == "EXITED"
    assert [n.pod_id for n in world.notes(PodStopped)] == [bob]
    assert _auto_stops(world) == [(bob, "idle")]
    entries = world.services.ledger.audit_log(target=bob)
    assert [(e.action, e.outcome.value) for e in reversed(entries)] == [
        ("stop", "started"), ("stop", "failed"), ("stop", "started"), ("stop", "ok"),
    ]


def test_runpod_refusing_the_stop_then_the_pod_busy_again_leaves_no_stop_notice(world: World) -> None:
    gateway = StopGateway(world.services.runpod)
    _daemon(world, gateway)
    world.tick(45)
    gateway.refuse = 1
    world.tick(1)
    world.sim.world.set_workload(world.pod_id("bob-notebook"), "busy")
    world.tick(10)
    assert world.status("bob-notebook") == "RUNNING"
    assert world.notes(PodStopped) == []
    assert _auto_stops(world) == []
    assert world.updated() == [(BOB, "busy again")]
    assert world.services.ledger.undelivered_notices() == []


def test_a_keep_clicked_after_the_tick_decided_still_keeps_the_pod(world: World) -> None:
    gateway = StopGateway(world.services.runpod)
    ledger = Ledger(world.services.ledger)
    _daemon(world, gateway, ledger)
    world.tick(45)
    bob = world.pod_id("bob-notebook")

    def keep() -> None:
        now = world.services.clock.now()
        world.services.ledger.snooze_pod(bob, until=now + timedelta(hours=1), by=BOB, now=now, reason="Keep 1h")

    ledger.after_decision.append(keep)  # bob clicks Keep 1h while the stopping tick runs
    [report] = world.tick(1)
    assert report.stopped == []
    assert gateway.calls == []
    assert world.status("bob-notebook") == "RUNNING"
    assert world.notes(PodStopped) == []
    world.tick(1)
    assert world.updated() == [(BOB, "kept")]
    assert len(world.notes(IdleWarning)) == 1


def test_a_deadline_extended_after_the_tick_decided_still_holds(world: World) -> None:
    gateway = StopGateway(world.services.runpod)
    ledger = Ledger(world.services.ledger)
    _daemon(world, gateway, ledger)
    alice = world.pod_id("alice-train")
    start = world.services.clock.now()
    world.services.ledger.set_pod_deadline(alice, start + timedelta(minutes=40), now=start)
    world.tick(39)

    def extend() -> None:
        now = world.services.clock.now()
        world.services.ledger.set_pod_deadline(alice, start + timedelta(minutes=100), now=now)

    ledger.after_decision.append(extend)  # alice clicks Keep 1h on the deadline warning mid-tick
    world.tick(1)
    assert world.status("alice-train") == "RUNNING"
    assert gateway.calls == []
    assert world.notes(PodStopped) == []
    assert ALICE in [n.to for n in world.notifier.sent]


def test_a_user_stopping_the_pod_after_runpod_refused_ours_is_not_claimed_as_ours(world: World) -> None:
    gateway = StopGateway(world.services.runpod)
    _daemon(world, gateway)
    world.tick(45)
    gateway.refuse = 1
    world.tick(1)
    bob = world.pod_id("bob-notebook")
    world.services.runpod.stop_pod(bob)  # bob stops it himself, in RunPod's console, before the next tick
    world.tick(3)
    assert world.status("bob-notebook") == "EXITED"
    assert gateway.calls == [bob]
    assert world.notes(PodStopped) == []  # no "Podwarden stopped your pod" for bob's own stop
    assert world.notes(PodStopped, copies=True) == []
    assert _auto_stops(world) == []  # nor a saving in the digest
    assert world.services.ledger.undelivered_notices() == []
    world.tick(5)
    assert world.notes(PodStopped) == []


def test_a_stop_runpod_carried_out_but_did_not_confirm_is_still_ours(world: World) -> None:
    gateway = StopGateway(world.services.runpod)
    gateway.time_out_after_stop = True
    _daemon(world, gateway)
    world.tick(46)
    bob = world.pod_id("bob-notebook")
    assert world.status("bob-notebook") == "EXITED"
    assert [n.pod_id for n in world.notes(PodStopped)] == [bob]
    assert _auto_stops(world) == [(bob, "idle")]
    world.tick(3)
    assert gateway.calls == [bob]
    assert len(world.notes(PodStopped)) == 1


def test_a_user_stopping_the_pod_after_a_crash_before_runpod_was_asked_is_not_claimed(world: World) -> None:
    gateway = StopGateway(world.services.runpod)
    ledger = Ledger(world.services.ledger)
    _daemon(world, gateway, ledger)
    world.tick(45)
    ledger.crash_after_marking = True
    with pytest.raises(Crash):
        world.tick(1)
    bob = world.pod_id("bob-notebook")
    world.services.runpod.stop_pod(bob)  # bob stops it while the daemon is down
    world.daemon = make_daemon(world.services, gateway)
    world.tick(3)
    assert gateway.calls == []
    assert world.notes(PodStopped) == []
    assert _auto_stops(world) == []
    assert world.services.ledger.undelivered_notices() == []


def test_a_pod_terminated_while_the_tick_decided_to_stop_it_is_not_claimed(
    world: World, caplog: pytest.LogCaptureFixture,
) -> None:
    gateway = StopGateway(world.services.runpod)
    ledger = Ledger(world.services.ledger)
    _daemon(world, gateway, ledger)
    world.tick(45)
    bob = world.pod_id("bob-notebook")
    ledger.after_decision.append(lambda: world.services.runpod.terminate_pod(bob))  # bob terminates it mid-tick
    with caplog.at_level(logging.WARNING, logger="podwarden.daemon"):
        [report] = world.tick(1)
    assert (gateway.calls, report.stopped) == ([bob], [])
    [said] = [r.getMessage() for r in caplog.records if r.getMessage().startswith(f"could not stop {bob}")]
    assert "the pod is gone" in said
    assert "next tick" not in said  # it will not be tried again: there is nothing left to stop
    world.tick(3)
    assert world.notes(PodStopped) == []
    assert _auto_stops(world) == []
    assert world.services.ledger.undelivered_notices() == []


def test_a_stop_that_timed_out_and_that_runpod_carried_out_later_is_ours(world: World) -> None:
    gateway = StopGateway(world.services.runpod)
    _daemon(world, gateway)
    world.tick(45)
    gateway.time_out_then_stop_late = True
    [report] = world.tick(1)
    bob = world.pod_id("bob-notebook")
    assert (report.stopped, world.status("bob-notebook")) == ([], "RUNNING")  # read back before RunPod got to it
    assert world.notes(PodStopped) == []  # not yet: the stop is not known to have happened
    gateway.carry_out_late_stops()
    world.tick(2)
    assert world.status("bob-notebook") == "EXITED"
    [stopped] = world.notes(PodStopped)  # bob is told, with the Resume button
    assert (stopped.to, stopped.pod_id, stopped.reason) == (BOB, bob, "idle")
    assert _auto_stops(world) == [(bob, "idle")]  # the saving is counted
    assert world.notes(SpotEvicted) == []
    assert gateway.calls == [bob]
    [failed] = [e for e in world.services.ledger.audit_log(target=bob) if e.outcome.value == "failed"]
    assert failed.args["pod_after"] == "unknown"


def test_a_stop_runpod_refused_then_a_spot_eviction_is_reported_to_the_owner(tmp_path: Path) -> None:
    scenario = {"pods": [{"name": "erin-spot", "gpu_type_id": "NVIDIA A100 80GB PCIe", "spot": True,
                          "workload": "idle", "started_seconds_ago": 7200, "evict_after_seconds": 50 * 60}]}
    for world in build_world(tmp_path, scenario):
        gateway = StopGateway(world.services.runpod)
        _daemon(world, gateway)
        gateway.refuse = 100  # RunPod refuses every stop of ours until the pod is evicted
        world.tick(55)
        erin = world.pod_id("erin-spot")
        assert world.status("erin-spot") == "EXITED"
        assert erin in gateway.calls
        [evicted] = world.notes(SpotEvicted)  # erin hears her pod was evicted, with Relaunch on-demand
        assert (evicted.to, evicted.pod_id) == (ERIN, erin)
        assert world.notes(PodStopped) == []
        assert _auto_stops(world) == []


def test_a_crash_before_runpod_was_asked_then_the_pod_kept_and_evicted_is_reported(tmp_path: Path) -> None:
    scenario = {"pods": [{"name": "erin-spot", "gpu_type_id": "NVIDIA A100 80GB PCIe", "spot": True,
                          "workload": "idle", "started_seconds_ago": 7200, "evict_after_seconds": 60 * 60}]}
    for world in build_world(tmp_path, scenario):
        gateway = StopGateway(world.services.runpod)
        ledger = Ledger(world.services.ledger)
        _daemon(world, gateway, ledger)
        world.tick(45)
        ledger.crash_after_marking = True
        with pytest.raises(Crash):
            world.tick(1)
        erin = world.pod_id("erin-spot")
        now = world.services.clock.now()  # erin clicks Keep 2h while the daemon is down
        world.services.ledger.snooze_pod(erin, until=now + timedelta(hours=2), by=ERIN, now=now, reason="Keep 2h")
        world.daemon = make_daemon(world.services, gateway)
        world.tick(20)
        assert gateway.calls == []
        assert world.status("erin-spot") == "EXITED"
        [evicted] = world.notes(SpotEvicted)
        assert (evicted.to, evicted.pod_id) == (ERIN, erin)
        assert world.notes(PodStopped) == []
