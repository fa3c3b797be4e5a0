"""The scheduler's jobs: named, single-instance, coalesced, in UTC; a failing job never stops it."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN
from apscheduler.schedulers.background import BackgroundScheduler

from daemon import digest_job
from daemon import jobs as daemon_jobs
from daemon.leader import LeaseLeader
from daemon.main import run_once
from daemon.scheduler import (
    APPROVALS,
    DIGEST,
    DIGEST_RETRY,
    HEARTBEAT,
    TICK,
    JobRunner,
    build_scheduler,
    stop_on_sigterm,
)
from podwarden import bootstrap
from podwarden.bootstrap import Services
from podwarden.clock import ManualClock
from podwarden.domain.access import Actor, Role
from podwarden.domain.notes import ApprovalOutcome
from tests.fakes.notifier import FakeNotifier


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    clock = ManualClock()
    sim = bootstrap.simulator(scenario="demo", clock=clock)
    config = bootstrap.settings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}", notice_channel="C0NOTICE",
                                timezone="Europe/Berlin")
    with bootstrap.build(config, sim=sim, notifier=FakeNotifier()) as built:
        yield built


def test_jobs_have_ids_single_instances_coalescing_and_grace(services: Services) -> None:
    leader = LeaseLeader(services.ledger, services.clock, tick=timedelta(minutes=1), holder="me:1")
    scheduler = build_scheduler(services, daemon_jobs.build(services), JobRunner(leader), background=True)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {TICK, HEARTBEAT, DIGEST, APPROVALS, DIGEST_RETRY}
    for job in jobs.values():
        assert (job.max_instances, job.coalesce) == (1, True)
        assert job.misfire_grace_time is not None
        assert job.misfire_grace_time >= 60
    assert str(scheduler.timezone) == "UTC"
    assert jobs[TICK].trigger.interval == timedelta(minutes=1)
    digest = str(jobs[DIGEST].trigger)
    assert "day_of_week='mon'" in digest
    assert "hour='9'" in digest
    assert "minute='0'" in digest
    assert str(jobs[DIGEST].trigger.timezone) == "Europe/Berlin"
    assert jobs[DIGEST].next_run_time == services.clock.now()  # once at start too: a missed week goes out late
    assert jobs[DIGEST_RETRY].trigger.interval == digest_job.STALE_AFTER  # a cut-short digest is finished


def test_a_failing_job_is_logged_and_counted_and_the_next_run_goes_ahead(
    services: Services, caplog: pytest.LogCaptureFixture,
) -> None:
    leader = LeaseLeader(services.ledger, services.clock, tick=timedelta(minutes=1), holder="me:1")
    runner = JobRunner(leader)
    calls = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("RunPod said something odd")

    job = runner.wrap("tick", flaky)
    job()
    job()
    assert runner.failures["tick"] == 1
    assert runner.runs["tick"] == 1
    assert "job tick failed (1 failures so far)" in caplog.text


def test_only_the_leader_runs_jobs(services: Services) -> None:
    tick = timedelta(minutes=1)
    first = LeaseLeader(services.ledger, services.clock, tick=tick, holder="host:1")
    second = LeaseLeader(services.ledger, services.clock, tick=tick, holder="host:2")
    ran: list[str] = []
    assert first.lead()
    JobRunner(first).wrap("tick", lambda: ran.append("first"))()
    JobRunner(second).wrap("tick", lambda: ran.append("second"))()
    assert ran == ["first"]


def test_sigterm_shuts_the_scheduler_down(services: Services) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start()
    stopped = threading.Event()
    scheduler.add_listener(lambda event: stopped.set(), mask=EVENT_SCHEDULER_SHUTDOWN)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        stop_on_sigterm(scheduler)
        os.kill(os.getpid(), signal.SIGTERM)
        assert stopped.wait(10)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert not scheduler.running


def test_daemon_once_runs_one_tick_and_releases_the_lease(services: Services) -> None:
    import io

    out = io.StringIO()
    assert run_once(services, out) == 0
    assert "5 pods read" in out.getvalue()
    lease = services.ledger.lease("daemon")
    assert lease is not None
    assert lease.expires_at <= services.clock.now()  # released: the next daemon need not wait


def test_the_daemon_expires_an_unanswered_approval_and_tells_the_requester(services: Services) -> None:
    jobs = daemon_jobs.build(services)
    leader = LeaseLeader(services.ledger, services.clock, tick=timedelta(minutes=1), holder="me:1")
    scheduler = build_scheduler(services, jobs, JobRunner(leader), background=True)
    member = Actor("U0ALICE", Role.MEMBER, "C0GPU")
    offer = jobs.confirmations.offer(member, "start", {}, per_hr=Decimal(40), summary="8x H100")
    assert jobs.confirmations.confirm(offer.nonce, member, verb="start").kind == "awaiting"
    expire = scheduler.get_job(APPROVALS).func

    expire()
    assert not [n for n in services.notifier.sent if isinstance(n, ApprovalOutcome)]  # type: ignore[attr-defined]
    assert services.simulator is not None
    services.simulator.advance(timedelta(hours=5).total_seconds())
    expire()
    expire()

    told = [(n.to, n.outcome) for n in services.notifier.sent  # type: ignore[attr-defined]
            if isinstance(n, ApprovalOutcome) and not n.for_admins]
    assert told == [("U0ALICE", "expired")]
