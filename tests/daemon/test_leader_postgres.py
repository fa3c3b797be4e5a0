"""Two daemons on one PostgreSQL: exactly one acts, and the other takes over when it dies.

Generated only when PODWARDEN_TEST_POSTGRES_URL names a server (`scripts/with_postgres.py`
starts one); otherwise the run's header and summary say the PostgreSQL cases were not run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from daemon.leader import AdvisoryLockLeader
from daemon.scheduler import JobRunner
from podwarden import bootstrap
from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.bootstrap import Services
from podwarden.clock import ManualClock
from podwarden.domain.models import Pod
from podwarden.domain.notes import IdleWarning, PodStopped
from podwarden.services.lifecycle import LifecycleService, policy_from
from podwarden.sim import Scenario
from tests.conftest import POSTGRES_URL
from tests.fakes.notifier import Crash, FakeNotifier

SCENARIO = {"pods": [
    {"name": "bob-notebook", "gpu_type_id": "NVIDIA GeForce RTX 4090", "cloud": "COMMUNITY", "workload": "idle",
     "started_seconds_ago": 7200},
    {"name": "alice-train", "gpu_type_id": "NVIDIA A100 80GB PCIe", "workload": "busy", "started_seconds_ago": 7200},
]}


class CountingStops:
    """The simulator's RunPod, counting the stop calls made through it."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.stops: list[str] = []
        self.die_after_stop: Any = None  # called right after RunPod stopped the pod (the process dies)

    def stop_pod(self, pod_id: str) -> Pod:
        self.stops.append(pod_id)
        pod: Pod = self._inner.stop_pod(pod_id)
        if self.die_after_stop is not None:
            self.die_after_stop()
        return pod

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@dataclass
class Replica:
    """One daemon process: its own Services (engine, connections), notifier, leader and runner."""

    name: str
    services: Services
    notifier: FakeNotifier
    runpod: CountingStops
    leader: AdvisoryLockLeader
    runner: JobRunner = field(init=False)
    daemon: LifecycleService = field(init=False)

    def __post_init__(self) -> None:
        self.runner = JobRunner(self.leader)
        self.daemon = LifecycleService(
            runpod=self.runpod, ledger=self.services.ledger, notifier=self.notifier, clock=self.services.clock,
            policy=policy_from(self.services.settings), book=self.services.costs.book,
        )

    def tick(self) -> None:
        self.runner.wrap("tick", self.daemon.tick)()

    def kinds(self, kind: type) -> list[Any]:
        """The owner's notes of `kind` (the notice channel's copies end in ':channel')."""
        return [n for n in self.notifier.sent if isinstance(n, kind) and not n.key.endswith(":channel")]

TICK = timedelta(minutes=1)

_CHILD = """
import sys
from datetime import timedelta
from daemon.leader import AdvisoryLockLeader
from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.clock import ManualClock
url = sys.argv[1]
ledger = SqlLedger.connect(url)
leader = AdvisoryLockLeader(ledger, ManualClock(), tick=timedelta(minutes=1), url=url, holder="child")
leader.start()
print("leading" if leader.lead() else "following", flush=True)
sys.stdin.read()
"""

if POSTGRES_URL:

    @pytest.fixture
    def ledger_backend() -> str:
        return "postgresql"

    @pytest.fixture
    def replicas(tmp_path: Path, ledger_url: str) -> Iterator[tuple[Any, Replica, Replica]]:
        """Two daemons on one PostgreSQL ledger and one simulated RunPod, bob's pod owned and idle."""
        sim = bootstrap.simulator(scenario=None, clock=ManualClock())
        sim.load(Scenario.from_dict(SCENARIO))
        config = bootstrap.settings(database_url=ledger_url, notice_channel="C0NOTICE", runpod_max_retries=0)
        with contextlib.ExitStack() as stack:
            made = []
            for name in ("first", "second"):
                notifier = FakeNotifier()
                services = stack.enter_context(bootstrap.build(config, sim=sim, notifier=notifier))
                leader = AdvisoryLockLeader(services.ledger, services.clock, tick=TICK, url=ledger_url, holder=name)
                stack.callback(leader.stop)
                made.append(Replica(name, services, notifier, CountingStops(services.runpod), leader))
            first, second = made
            pods = first.services.runpod.list_pods()
            owners = {p.id: "U0BOB" for p in pods if p.name == "bob-notebook"}
            first.services.ledger.observe_pods(pods, now=sim.now(), owners=owners)
            first.leader.start()
            second.leader.start()
            yield sim, first, second

    def _minutes(sim: Any, replicas: tuple[Replica, ...], count: int) -> None:
        for _ in range(count):
            sim.advance(60)
            for replica in replicas:
                replica.tick()

    def _kill_session(replica: Replica) -> None:
        """What the database sees when the process dies: its leadership session ends.

        The two-argument form (PostgreSQL 14+) returns once the backend is gone, its locks with it,
        so the next daemon's very next attempt finds the lock free.
        """
        from sqlalchemy import text

        pid = replica.leader._lock._connection.connection.dbapi_connection.info.backend_pid
        with replica.services.ledger.engine.connect() as admin:  # type: ignore[attr-defined]
            assert admin.execute(text("SELECT pg_terminate_backend(:pid, 30000)"), {"pid": pid}).scalar()

    @pytest.mark.postgres
    def test_two_ticking_daemons_warn_and_stop_the_idle_pod_exactly_once(
        replicas: tuple[Any, Replica, Replica],
    ) -> None:
        sim, first, second = replicas
        bob = next(p.id for p in sim.world.pods.values() if p.name == "bob-notebook")
        _minutes(sim, (first, second), 50)  # warned at minute 31, stopped at minute 46
        assert sim.world.pods[bob].desired_status == "EXITED"
        assert [n.pod_id for n in first.kinds(IdleWarning)] == [bob]
        assert [n.pod_id for n in first.kinds(PodStopped)] == [bob]
        assert first.runpod.stops == [bob]
        assert (second.notifier.sent, second.runpod.stops) == ([], [])
        assert (first.runner.runs["tick"], second.runner.runs["tick"]) == (50, 0)
        entries = first.services.ledger.audit_log(target=bob)
        assert [(e.action, e.outcome.value) for e in reversed(entries)] == [("stop", "started"), ("stop", "ok")]

    @pytest.mark.postgres
    def test_the_second_daemon_takes_over_when_the_first_dies_and_sends_nothing_twice(
        replicas: tuple[Any, Replica, Replica],
    ) -> None:
        sim, first, second = replicas
        bob = next(p.id for p in sim.world.pods.values() if p.name == "bob-notebook")
        _minutes(sim, (first, second), 35)  # the first warned bob at minute 31
        assert [n.pod_id for n in first.kinds(IdleWarning)] == [bob]
        _kill_session(first)
        _minutes(sim, (first, second), 15)  # the stop is due at minute 46
        assert sim.world.pods[bob].desired_status == "EXITED"
        assert second.kinds(IdleWarning) == []  # the warning is not sent again by the new leader
        assert [n.pod_id for n in second.kinds(PodStopped)] == [bob]
        assert (first.runpod.stops, second.runpod.stops) == ([], [bob])
        assert first.kinds(PodStopped) == []
        assert (first.runner.runs["tick"], second.runner.runs["tick"]) == (35, 15)
        # The warning says "stopped", in bob's DM and in the notice channel's copy, each once.
        assert sorted(ref.channel for ref, _ in second.notifier.updates) == ["C0NOTICE", "U0BOB"]

    @pytest.mark.postgres
    def test_exactly_one_of_two_daemons_acts_and_the_other_takes_over(ledger: SqlLedger, ledger_url: str) -> None:
        clock = ManualClock()
        first = AdvisoryLockLeader(ledger, clock, tick=TICK, url=ledger_url, holder="first")
        second = AdvisoryLockLeader(ledger, clock, tick=TICK, url=ledger_url, holder="second")
        try:
            first.start()
            second.start()
            acted: list[str] = []
            for _ in range(3):
                JobRunner(first).wrap("tick", lambda: acted.append("first"))()
                JobRunner(second).wrap("tick", lambda: acted.append("second"))()
            assert acted == ["first", "first", "first"]
            lease = ledger.lease("daemon")
            assert lease is not None
            assert lease.holder == "first"
            # The first dies: its session ends, and the database lets the lock go with it.
            pid = first._lock._connection.connection.dbapi_connection.info.backend_pid
            with ledger.engine.connect() as admin:
                from sqlalchemy import text

                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            assert not first.lead()
            clock.advance(TICK * 2)  # the dead leader's heartbeat lease expires too
            JobRunner(second).wrap("tick", lambda: acted.append("second"))()
            assert acted[-1] == "second"
            assert second.lead()
        finally:
            first.stop()
            second.stop()

    @pytest.mark.postgres
    def test_a_daemon_killed_with_sigkill_hands_over(ledger: SqlLedger, ledger_url: str) -> None:
        survivor = AdvisoryLockLeader(ledger, ManualClock(), tick=TICK, url=ledger_url, holder="survivor")
        with subprocess.Popen([sys.executable, "-c", _CHILD, ledger_url], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env={**os.environ}) as child:
            try:
                assert child.stdout is not None
                assert child.stdout.readline().strip() == "leading"
                survivor.start()
                assert not survivor.lead()
                child.send_signal(signal.SIGKILL)
                child.wait(timeout=30)
                # PostgreSQL ends the dead client's session when its socket closes; the survivor's
                # next tick (at most two tick intervals later in production) finds the lock free.
                deadline = time.monotonic() + 30
                while not survivor.lead():
                    assert time.monotonic() < deadline, "the lock was never released"
                    time.sleep(0.1)
            finally:
                if child.poll() is None:
                    child.kill()
                survivor.stop()

    @pytest.mark.postgres
    def test_the_leader_leaves_no_transaction_open_between_ticks(ledger: SqlLedger, ledger_url: str) -> None:
        from sqlalchemy import text

        leader = AdvisoryLockLeader(ledger, ManualClock(), tick=TICK, url=ledger_url, holder="only")
        try:
            leader.start()
            assert leader.lead()
            assert leader.lead()
            pid = leader._lock._connection.connection.dbapi_connection.info.backend_pid
            with ledger.engine.connect() as admin:
                query = text("SELECT state FROM pg_stat_activity WHERE pid = :pid")
                state = admin.execute(query, {"pid": pid}).scalar()
            assert state == "idle"
        finally:
            leader.stop()

    @pytest.mark.postgres
    def test_a_leader_dying_right_after_runpod_stopped_the_pod_leaves_one_notice_to_the_next(
        replicas: tuple[Any, Replica, Replica],
    ) -> None:
        sim, first, second = replicas
        bob = next(p.id for p in sim.world.pods.values() if p.name == "bob-notebook")
        _minutes(sim, (first, second), 45)

        def die() -> None:
            _kill_session(first)
            raise Crash("the first daemon died before recording the stop")

        first.runpod.die_after_stop = die
        sim.advance(60)
        with pytest.raises(Crash):
            first.tick()  # minute 46: RunPod stopped bob, nothing after that was recorded
        second.tick()  # the same minute: the lock is free, and the second finds bob stopped
        assert [n.pod_id for n in second.kinds(PodStopped)] == [bob]
        _minutes(sim, (first, second), 5)
        assert sim.world.pods[bob].desired_status == "EXITED"
        assert (first.runpod.stops, second.runpod.stops) == ([bob], [])
        assert first.kinds(PodStopped) == []
        assert [n.pod_id for n in second.kinds(PodStopped)] == [bob]  # the held notice, released once
        assert second.kinds(IdleWarning) == []
        now = sim.now()
        stops = second.services.ledger.auto_stops(start=now - timedelta(hours=1), end=now)
        assert [(s.pod_id, s.reason) for s in stops] == [(bob, "idle")]
