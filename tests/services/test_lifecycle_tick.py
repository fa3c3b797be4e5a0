"""The tick end to end: the simulator, a real SQLite ledger, a manual clock and a fake notifier."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from podwarden import bootstrap
from podwarden.bootstrap import Services
from podwarden.clock import ManualClock
from podwarden.domain.ledger_values import BudgetPeriod, BudgetScope, NoticeState
from podwarden.domain.models import Pod, PodRuntime, PodSpec
from podwarden.domain.notes import (
    CapReached,
    DeadlineWarning,
    IdleWarning,
    IdleWorkers,
    Note,
    PodStopped,
    RunwayWarning,
    SpotEvicted,
    SshChanged,
    SshReady,
    UnattachedVolume,
    UnownedPod,
)
from podwarden.errors import ServerError
from podwarden.services.lifecycle import LifecycleService, TickReport, policy_from
from podwarden.services.usage import UsageService
from podwarden.sim import Scenario
from tests.fakes.notifier import Crash, FakeNotifier

ALICE, BOB, ERIN = "U0ALICE", "U0BOB", "U0ERIN"
COPY = ":channel"  # the key suffix of a notice's copy in the notice channel
OWNERS = {"alice-train": ALICE, "bob-notebook": BOB, "erin-spot": ERIN}

TEAM = {
    "balance": 5000,
    "pods": [
        {"name": "alice-train", "gpu_type_id": "NVIDIA A100 80GB PCIe", "workload": "busy",
         "started_seconds_ago": 7200, "volume_gb": 50},
        {"name": "bob-notebook", "gpu_type_id": "NVIDIA GeForce RTX 4090", "cloud": "COMMUNITY", "workload": "idle",
         "started_seconds_ago": 7200, "volume_gb": 50},
    ],
}


@dataclass
class World:
    services: Services
    sim: Any
    notifier: FakeNotifier
    daemon: LifecycleService

    def pod_id(self, name: str) -> str:
        return str(next(p.id for p in self.sim.world.pods.values() if p.name == name))

    def tick(self, minutes: int = 1) -> list[TickReport]:
        reports = []
        for _ in range(minutes):
            self.sim.advance(60)
            reports.append(self.daemon.tick())
        return reports

    def updated(self, *, copies: bool = False) -> list[tuple[str, str]]:
        """(channel, new state) of every message updated in place: the owners' copies, or the
        notice channel's copies of them."""
        return [(ref.channel, str(getattr(note, "state", ""))) for ref, note in self.notifier.updates
                if note.key.endswith(COPY) == copies]

    def notes(self, kind: type[Note], *, copies: bool = False) -> list[Any]:
        """The notes of `kind` posted: the notices themselves, or the notice channel's copies of them."""
        return [n for n in self.notifier.sent if isinstance(n, kind) and n.key.endswith(COPY) == copies]

    def status(self, name: str) -> str:
        return str(self.sim.world.pods[self.pod_id(name)].desired_status)

    def fresh_daemon(self) -> LifecycleService:
        self.daemon = make_daemon(self.services, self.daemon._runpod)
        return self.daemon


def make_daemon(services: Services, runpod: Any = None) -> LifecycleService:
    return LifecycleService(
        runpod=runpod or services.runpod, ledger=services.ledger, notifier=services.notifier, clock=services.clock,
        policy=policy_from(services.settings), book=services.costs.book,
        global_cap_per_hr=services.settings.global_cap_per_hr,
    )


def build_world(
    tmp_path: Path, scenario: dict[str, Any], *, database_url: str | None = None, **settings: Any,
) -> Iterator[World]:
    clock = ManualClock()
    sim = bootstrap.simulator(scenario=None, clock=clock)
    sim.load(Scenario.from_dict(scenario))
    notifier = FakeNotifier()
    config = bootstrap.settings(database_url=database_url or f"sqlite:///{tmp_path / 'ledger.db'}",
                                notice_channel="C0NOTICE", runpod_max_retries=0, **settings)
    with bootstrap.build(config, sim=sim, notifier=notifier) as services:
        pods = services.runpod.list_pods()
        services.ledger.observe_pods(pods, now=services.clock.now(),
                                     owners={p.id: OWNERS[p.name] for p in pods if p.name in OWNERS})
        yield World(services, sim, notifier, make_daemon(services))


@pytest.fixture
def world(tmp_path: Path, ledger_url: str) -> Iterator[World]:
    """The team on a ledger of the test's own: SQLite, and PostgreSQL when one is given."""
    yield from build_world(tmp_path, TEAM, database_url=ledger_url)


def test_idle_pod_is_warned_then_stopped_and_the_busy_one_is_left_alone(world: World) -> None:
    world.tick(30)
    assert world.notes(IdleWarning) == []
    world.tick(1)  # 30 minutes of idleness seen
    [warning] = world.notes(IdleWarning)
    assert (warning.to, warning.pod_name, warning.state) == (BOB, "bob-notebook", "open")
    world.tick(14)
    assert world.status("bob-notebook") == "RUNNING"
    world.tick(1)
    assert world.status("bob-notebook") == "EXITED"
    assert world.status("alice-train") == "RUNNING"
    [stopped] = world.notes(PodStopped)
    assert (stopped.to, stopped.reason, stopped.saves_per_hr) == (BOB, "idle", Decimal("0.34"))
    assert world.updated() == [(BOB, "stopped")]
    [copy] = world.notes(IdleWarning, copies=True)
    assert (copy.to, copy.key) == ("C0NOTICE", warning.key + COPY)
    [stopped_copy] = world.notes(PodStopped, copies=True)
    assert (stopped_copy.to, stopped_copy.saves_per_hr) == ("C0NOTICE", Decimal("0.34"))
    assert world.updated(copies=True) == [("C0NOTICE", "stopped")]
    world.tick(10)
    assert len(world.notifier.sent) == 4  # nothing more, no eviction report for our own stop
    entries = world.services.ledger.audit_log(target=world.pod_id("bob-notebook"))
    assert [(e.action, e.outcome.value) for e in reversed(entries)] == [("stop", "started"), ("stop", "ok")]
    now = world.services.clock.now()
    [auto] = world.services.ledger.auto_stops(start=now - timedelta(hours=1), end=now)
    assert (auto.pod_id, auto.reason) == (world.pod_id("bob-notebook"), "idle")


def test_activity_returning_withdraws_the_warning(world: World) -> None:
    world.tick(31)
    assert len(world.notes(IdleWarning)) == 1
    world.sim.world.set_workload(world.pod_id("bob-notebook"), "busy")
    world.tick(1)
    assert world.updated() == [(BOB, "busy again")]
    world.tick(30)
    assert world.status("bob-notebook") == "RUNNING"
    assert world.services.ledger.open_notices(kind="idle_warning") == []


def test_keep_is_respected_until_it_expires(world: World) -> None:
    world.tick(31)
    bob = world.pod_id("bob-notebook")
    now = world.services.clock.now()
    world.services.ledger.snooze_pod(bob, until=now + timedelta(hours=1), by=BOB, now=now)
    world.tick(1)
    assert world.updated() == [(BOB, "kept")]
    [kept] = [note for _, note in world.notifier.updates if not note.key.endswith(COPY)]
    assert isinstance(kept, IdleWarning)
    assert kept.kept_until == now + timedelta(hours=1)  # the message says until when
    world.tick(59 + 30)  # the keep, then a fresh idle window
    assert world.status("bob-notebook") == "RUNNING"
    assert len(world.notes(IdleWarning)) == 2
    world.tick(16)
    assert world.status("bob-notebook") == "EXITED"


class NoTelemetry:
    """RunPod answering without utilisation (as it does for some pods): never idle."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def list_pods(self) -> list[Pod]:
        return [replace(p, runtime=PodRuntime(uptime_seconds=7200)) if p.runtime else p
                for p in self._inner.list_pods()]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_pod_without_telemetry_is_never_stopped(world: World) -> None:
    world.daemon = make_daemon(world.services, NoTelemetry(world.services.runpod))
    world.tick(120)
    assert world.notes(IdleWarning) == []
    assert world.status("bob-notebook") == "RUNNING"


def test_max_hours_is_warned_then_stopped_at_the_deadline(world: World) -> None:
    alice = world.pod_id("alice-train")
    deadline = world.services.clock.now() + timedelta(minutes=40)
    world.services.ledger.set_pod_deadline(alice, deadline, now=world.services.clock.now())
    world.tick(24)
    assert world.notes(DeadlineWarning) == []
    world.tick(1)
    [warning] = world.notes(DeadlineWarning)
    assert (warning.to, warning.deadline_at) == (ALICE, deadline)
    world.tick(14)
    assert world.status("alice-train") == "RUNNING"
    world.tick(1)
    assert world.status("alice-train") == "EXITED"
    assert [n.reason for n in world.notes(PodStopped)] == ["deadline"]


def test_ssh_port_change_after_a_restart_is_told_once(world: World) -> None:
    world.tick(1)
    alice = world.pod_id("alice-train")
    world.services.runpod.stop_pod(alice)
    world.tick(1)
    world.services.runpod.resume_pod(alice, gpu_count=1)
    world.tick(5)
    [moved] = world.notes(SshChanged)
    assert moved.to == ALICE
    assert (moved.ip, moved.port) != (moved.previous_ip, moved.previous_port)


def test_spot_eviction_is_reported_once_with_the_on_demand_price(tmp_path: Path) -> None:
    scenario = {"pods": [{"name": "erin-spot", "gpu_type_id": "NVIDIA A100 80GB PCIe", "spot": True,
                          "workload": "busy", "started_seconds_ago": 3600, "evict_after_seconds": 300}]}
    for world in build_world(tmp_path, scenario):
        world.tick(10)
        [evicted] = world.notes(SpotEvicted)
        assert (evicted.to, evicted.on_demand_per_hr) == (ERIN, Decimal("1.89"))
        assert [n.key for n in world.notifier.sent] == [evicted.key]


def test_unattached_volume_and_unowned_pod_reported_once(tmp_path: Path) -> None:
    scenario = {"network_volumes": [{"name": "datasets", "size": 500}],
                "pods": [{"name": "mystery", "gpu_type_id": "NVIDIA RTX A4000", "workload": "busy",
                          "started_seconds_ago": 3600}]}
    for world in build_world(tmp_path, scenario):
        world.tick(5)
        [volume] = world.notes(UnattachedVolume)
        assert (volume.to, volume.size_gb, volume.per_month) == ("C0NOTICE", 500, Decimal("35.00"))
        [unowned] = world.notes(UnownedPod)
        assert (unowned.to, unowned.pod_name) == ("C0NOTICE", "mystery")


def test_runway_warning_when_the_balance_runs_low(tmp_path: Path) -> None:
    scenario = {"balance": 20, "pods": TEAM["pods"]}
    for world in build_world(tmp_path, scenario):
        world.tick(3)
        [runway] = world.notes(RunwayWarning)
        assert runway.to == "C0NOTICE"
        assert runway.hours_left < 48


def test_a_failed_dm_goes_to_the_notice_channel(world: World) -> None:
    world.notifier.fail_to.add(BOB)
    world.tick(31)
    [warning] = world.notes(IdleWarning)
    assert warning.to == "C0NOTICE"
    world.tick(15)
    assert world.status("bob-notebook") == "EXITED"


def test_a_warning_that_cannot_be_delivered_never_stops_the_pod(world: World) -> None:
    world.notifier.fail_to.update({BOB, "C0NOTICE"})
    world.tick(120)
    assert world.status("bob-notebook") == "RUNNING"
    [notice] = world.services.ledger.open_notices(kind="idle_warning")
    assert notice.state is NoticeState.FAILED


def test_a_crash_between_the_post_and_the_commit_sends_the_warning_once(world: World) -> None:
    world.tick(30)
    world.notifier.crash_after_post = True
    with pytest.raises(Crash):
        world.tick(1)
    [notice] = world.services.ledger.open_notices(kind="idle_warning")
    assert notice.state is NoticeState.SENDING
    world.fresh_daemon()  # a restarted daemon on the same ledger
    world.tick(20)
    assert len(world.notes(IdleWarning)) == 1
    assert world.status("bob-notebook") == "EXITED"


class CrashBeforePost:
    """A ledger that dies right after marking a notice `sending`, before the post."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def mark_notice_sending(self, key: str, **kw: Any) -> Any:
        self._inner.mark_notice_sending(key, **kw)
        raise Crash(f"killed before posting {key}")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_crash_before_the_post_sends_the_warning_once(world: World) -> None:
    world.tick(30)
    services = world.services
    crashing = LifecycleService(runpod=services.runpod, ledger=CrashBeforePost(services.ledger),
                                notifier=world.notifier, clock=services.clock, policy=world.daemon.policy,
                                book=services.costs.book)
    world.sim.advance(60)
    with pytest.raises(Crash):
        crashing.tick()
    assert world.notifier.sent == []
    world.fresh_daemon()
    world.tick(1)
    assert len(world.notes(IdleWarning)) == 1


def test_a_failed_fleet_read_records_nothing_and_resets_nothing(world: World) -> None:
    world.tick(20)
    bob = world.pod_id("bob-notebook")
    idle_since = world.services.ledger.lifecycle_state()[bob].idle_since
    world.sim.faults.add("graphql:myself", "SERVER_ERROR", count=1)
    [report] = world.tick(1)
    assert not report.fleet_read
    assert world.services.ledger.lifecycle_state()[bob].idle_since == idle_since
    world.tick(11)
    assert len(world.notes(IdleWarning)) == 1


class FleetOutage:
    """RunPod failing to list the fleet for the next `failing` reads (the rest of it works)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.failing = 0

    def list_pods(self) -> list[Pod]:
        if self.failing > 0:
            self.failing -= 1
            raise ServerError("RunPod answered 502", status=502, operation="myself.pods")
        return list(self._inner.list_pods())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _outage(world: World) -> FleetOutage:
    outage = FleetOutage(world.services.runpod)
    world.daemon = make_daemon(world.services, outage)
    return outage


def test_failed_reads_keep_the_idle_clock_and_the_warning_still_comes_before_the_stop(world: World) -> None:
    start = world.services.clock.now()
    outage = _outage(world)
    world.tick(28)  # bob idle since the first tick (start + 1 min)
    outage.failing = 5
    reports = world.tick(5)  # minutes 29-33: no fleet, so no warning (nobody saw bob at minute 31)
    assert [r.fleet_read for r in reports] == [False] * 5
    assert world.notes(IdleWarning) == []
    world.tick(1)  # minute 34: seen idle again; the clock kept its start, so the warning goes now
    [warning] = world.notes(IdleWarning)
    assert (warning.idle_since, warning.stop_at) == (start + timedelta(minutes=1), start + timedelta(minutes=49))
    world.tick(14)  # the whole grace from the delivery, not from when the warning would have gone
    assert world.status("bob-notebook") == "RUNNING"
    world.tick(1)
    assert world.status("bob-notebook") == "EXITED"
    assert len(world.notes(IdleWarning)) == 1


def test_a_pod_warned_before_an_outage_is_stopped_at_the_first_read_that_sees_it_still_idle(world: World) -> None:
    outage = _outage(world)
    world.tick(31)
    assert len(world.notes(IdleWarning)) == 1  # delivered at minute 31: the stop was due at 46
    outage.failing = 19
    world.tick(19)  # minutes 32-50: no read, no stop, and the warning stands
    assert world.status("bob-notebook") == "RUNNING"
    assert world.updated() == []
    world.tick(1)  # minute 51: idle in this read, warning delivered, grace over
    assert world.status("bob-notebook") == "EXITED"
    assert world.updated() == [(BOB, "stopped")]
    assert len(world.notes(IdleWarning)) == 1


def test_a_pod_busy_again_after_an_outage_is_not_stopped(world: World) -> None:
    outage = _outage(world)
    world.tick(31)
    outage.failing = 19
    world.tick(19)
    world.sim.world.set_workload(world.pod_id("bob-notebook"), "busy")
    world.tick(1)
    assert world.status("bob-notebook") == "RUNNING"
    assert world.updated() == [(BOB, "busy again")]


def test_a_reading_after_an_outage_stands_for_three_ticks_not_the_whole_gap(world: World) -> None:
    # The usage ledger counts what was observed: one reading after ten minutes without any
    # stands for at most three tick intervals, so an outage never books ten idle minutes.
    outage = _outage(world)
    start = world.services.clock.now()
    world.tick(5)
    outage.failing = 10
    world.tick(11)
    bob = world.pod_id("bob-notebook")
    hours = world.services.ledger.utilisation(bob, start=start - timedelta(hours=1), end=start + timedelta(hours=1))
    assert sum(h.idle_seconds for h in hours) == 5 * 60 + 3 * 60
    assert sum(h.samples for h in hours) == 6


def test_flaky_runpod_for_a_day_no_crash_no_false_stop_idle_still_stopped(tmp_path: Path) -> None:
    scenario = {**TEAM, "faults": [
        {"route": "*", "kind": "RATE_LIMIT", "rate": 0.07},
        {"route": "*", "kind": "SERVER_ERROR", "rate": 0.07},
        {"route": "*", "kind": "TIMEOUT", "rate": 0.07},
    ]}
    for world in build_world(tmp_path, scenario, tick_interval="5m"):
        stopped_at, troubled = None, 0
        for tick in range(288):  # a simulated day, a tick every five minutes
            world.sim.advance(300)
            report = world.daemon.tick()
            assert world.status("alice-train") == "RUNNING"
            if stopped_at is None and world.status("bob-notebook") == "EXITED":
                stopped_at = tick
            if stopped_at is None and (report.errors or not report.fleet_read):
                troubled += 1
        assert sum(f.fired for f in world.sim.faults.faults) > 100
        # Without faults: idle seen at tick 0, warned at tick 6 (30 min), stopped at tick 9 (+15 min);
        # each tick a fault troubled delays the stop by at most that one tick.
        assert stopped_at is not None
        assert stopped_at <= 9 + troubled


def test_a_hard_cap_that_stops_stops_the_owners_pod_and_says_so(world: World) -> None:
    now = world.services.clock.now()
    world.services.ledger.set_budget(BudgetScope.USER, ALICE, amount=Decimal("1.00"), period=BudgetPeriod.HOUR,
                                     hard=True, now=now, action="stop")
    world.tick(1)
    [cap] = world.notes(CapReached)
    assert (cap.to, cap.hard, cap.stopping) == (ALICE, True, (world.pod_id("alice-train"),))
    assert world.status("alice-train") == "RUNNING"  # told first: stopped one tick after the notice landed
    world.tick(1)
    assert world.status("alice-train") == "EXITED"
    assert world.status("bob-notebook") == "RUNNING"
    assert [(n.to, n.reason) for n in world.notes(PodStopped)] == [(ALICE, "cap")]
    assert len(world.notes(CapReached)) == 1


def test_a_hard_cap_whose_notice_cannot_be_delivered_never_stops(world: World) -> None:
    now = world.services.clock.now()
    world.services.ledger.set_budget(BudgetScope.USER, ALICE, amount=Decimal("1.00"), period=BudgetPeriod.HOUR,
                                     hard=True, now=now, action="stop")
    world.notifier.fail_to.update({ALICE, "C0NOTICE"})
    world.tick(10)
    assert world.status("alice-train") == "RUNNING"
    assert world.notes(PodStopped) == []
    world.notifier.fail_to.clear()
    world.tick(1)
    assert world.status("alice-train") == "RUNNING"
    assert len(world.notes(CapReached)) == 1
    world.tick(1)
    assert world.status("alice-train") == "EXITED"


def test_a_soft_cap_only_warns_once(world: World) -> None:
    now = world.services.clock.now()
    world.services.ledger.set_budget(BudgetScope.USER, ALICE, amount=Decimal("1.00"), period=BudgetPeriod.HOUR,
                                     now=now)
    world.tick(5)
    assert world.status("alice-train") == "RUNNING"
    assert len(world.notes(CapReached)) == 1


def test_a_pod_podwarden_started_gets_its_ssh_command_once_when_it_is_up(world: World) -> None:
    services = world.services
    pod = services.runpod.create_pod(PodSpec(name="alice-new", gpu_type_id="NVIDIA RTX A4000", image="busybox"))
    services.ledger.observe_pods([pod], now=services.clock.now(), owners={pod.id: ALICE})
    services.ledger.mark_pod_created(pod.id, now=services.clock.now())
    world.tick(5)
    [ready] = world.notes(SshReady)
    assert (ready.to, ready.pod_name) == (ALICE, "alice-new")
    record = services.ledger.pod(pod.id)
    assert record is not None
    assert (ready.ip, ready.port) == (record.ssh_ip, record.ssh_port)
    world.tick(5)
    assert len(world.notes(SshReady)) == 1


def test_an_endpoint_keeping_warm_workers_with_no_jobs_is_reported_once(tmp_path: Path) -> None:
    scenario = {"endpoints": [{"name": "embeddings", "workers_min": 1, "idle_timeout": 5}]}
    for world in build_world(tmp_path, scenario):
        services = world.services
        usage = UsageService(runpod=services.runpod, serverless=services.serverless, ledger=services.ledger,
                             clock=services.clock, book=services.costs.book, interval=timedelta(minutes=1))
        world.daemon = LifecycleService(
            runpod=services.runpod, ledger=services.ledger, notifier=services.notifier, clock=services.clock,
            policy=replace(policy_from(services.settings), idle_workers_after=timedelta(hours=2)),
            book=services.costs.book, usage=usage,
        )
        world.tick(119)
        assert world.notes(IdleWorkers) == []
        world.tick(2)
        [report] = world.notes(IdleWorkers)
        assert (report.to, report.endpoint_name, report.workers_min) == ("C0NOTICE", "embeddings", 1)
        assert report.cost_per_hr > 0
        world.tick(30)
        assert len(world.notes(IdleWorkers)) == 1
        [hour, *_] = services.ledger.endpoint_usage(start=services.clock.now() - timedelta(hours=3),
                                                    end=services.clock.now())
        assert (hour.running_worker_seconds, hour.idle_worker_seconds) == (0, 59 * 60)
        quarters = services.ledger.endpoint_quarters(start=services.clock.now() - timedelta(hours=3),
                                                     end=services.clock.now())
        assert quarters[0].idle_worker_seconds == 14 * 60  # 09:01-09:14 sampled in the first quarter
        assert quarters[0].idle_cost == quarters[0].cost > 0


def test_a_notice_that_cannot_be_read_is_withdrawn_not_retried_forever(world: World) -> None:
    now = world.services.clock.now()
    world.services.ledger.record_notice("odd", kind="idle_warning", now=now, recipient=BOB,
                                        payload='{"kind": "FromAFutureVersion", "key": "odd", "to": "U0BOB"}')
    [report] = world.tick(1)
    assert [error.split(":")[0] for error in report.errors] == ["odd"]
    assert "unknown note kind" in report.errors[0]
    assert world.services.ledger.undelivered_notices() == []
    assert world.notifier.sent == []


def test_a_once_notice_older_than_the_ticks_memory_is_still_not_sent_again(tmp_path: Path) -> None:
    scenario = {"network_volumes": [{"name": "datasets", "size": 500}]}
    for world in build_world(tmp_path, scenario):
        [volume] = world.services.runpod.network_volumes()
        long_ago = world.services.clock.now() - timedelta(days=30)
        key = f"volume:{volume.id}"
        world.services.ledger.record_notice(key, kind="unattached_volume", now=long_ago, recipient="C0NOTICE",
                                            payload="{}")
        world.services.ledger.mark_notice_sent(key, channel="C0NOTICE", ts="1.0", now=long_ago)
        world.tick(3)
        assert world.notes(UnattachedVolume) == []
