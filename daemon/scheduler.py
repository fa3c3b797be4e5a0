"""The daemon's scheduler: APScheduler 3.x in UTC, one named job per duty.

Jobs: `tick` (the lifecycle tick, every `tick_interval`; it also rolls up usage and retries
notices whose post failed), `approvals` (lapsed confirmations and approval requests expire
and their requesters are told), `heartbeat` (lease "daemon"), `digest` (the weekly digest,
on the team's day and time in its time zone, and once at start for a week missed while no
daemon ran) and `digest retry` (every `digest_job.STALE_AFTER`: a digest whose post or
files were cut short by a crash or a failed upload is finished). Notices are delivered by the tick alone, so two
jobs never race to post the same one. Every job has an explicit id,
`max_instances=1` (a slow tick is never run twice at once), `coalesce` (missed runs
collapse into one) and a misfire grace. A job that raises is logged and counted, and the
scheduler keeps going: one bad tick must not stop the idle shutdown for good. Only the
leader works: every job asks `leader.lead()` first.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from daemon import digest_job
from daemon.jobs import Jobs
from daemon.leader import Leader

if TYPE_CHECKING:
    from podwarden.bootstrap import Services

log = logging.getLogger("daemon.scheduler")

TICK, HEARTBEAT, DIGEST, APPROVALS = "tick", "heartbeat", "digest", "approvals"
DIGEST_RETRY = "digest retry"


class JobRunner:
    """Runs one named job for the leader only; logs and counts failures, never raises."""

    def __init__(self, leader: Leader) -> None:
        self._leader = leader
        self.failures: Counter[str] = Counter()
        self.runs: Counter[str] = Counter()
        self._lock = threading.Lock()

    def wrap(self, name: str, job: Callable[[], object], *, leader_only: bool = True) -> Callable[[], None]:
        def run() -> None:
            try:
                if leader_only and not self._leader.lead():
                    log.debug("%s skipped: another daemon leads", name)
                    return
                job()
                with self._lock:
                    self.runs[name] += 1
            except Exception:
                with self._lock:
                    self.failures[name] += 1
                    failed = self.failures[name]
                log.exception("job %s failed (%d failures so far); the scheduler carries on", name, failed)

        run.__name__ = f"podwarden_{name}"
        return run


def add_jobs(scheduler: BaseScheduler, services: Services, jobs: Jobs, runner: JobRunner) -> None:
    settings = services.settings
    tick = settings.tick_interval
    grace = max(int(tick.total_seconds()), 1)
    common: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": grace,
                              "replace_existing": True}
    scheduler.add_job(runner.wrap(TICK, jobs.lifecycle.tick), IntervalTrigger(seconds=grace, timezone="UTC"),
                      id=TICK, name="lifecycle tick", **common)
    scheduler.add_job(runner.wrap(APPROVALS, jobs.confirmations.expire), IntervalTrigger(seconds=grace, timezone="UTC"),
                      id=APPROVALS, name="expire approvals", **common)
    scheduler.add_job(runner.wrap(HEARTBEAT, lambda: None), IntervalTrigger(seconds=grace, timezone="UTC"),
                      id=HEARTBEAT, name="heartbeat", **common)
    scheduler.add_job(
        runner.wrap(DIGEST, lambda: digest_job.run(services)),
        CronTrigger(day_of_week=settings.digest_day.value, hour=settings.digest_time.hour,
                    minute=settings.digest_time.minute, timezone=settings.zone),
        id=DIGEST, name="weekly digest", **{**common, "misfire_grace_time": 6 * 3600},
        # Also once at start: a week whose moment passed while no daemon ran is posted then, late,
        # and says so (the job posts each week at most once, so this never repeats a digest).
        next_run_time=services.clock.now(),
    )
    retry = int(digest_job.STALE_AFTER.total_seconds())
    scheduler.add_job(runner.wrap(DIGEST_RETRY, lambda: digest_job.retry(services)),
                      IntervalTrigger(seconds=retry, timezone="UTC"), id=DIGEST_RETRY, name="finish a cut-short digest",
                      **{**common, "misfire_grace_time": retry})


def build_scheduler(services: Services, jobs: Jobs, runner: JobRunner, *, background: bool = False) -> BaseScheduler:
    """A scheduler in UTC with the daemon's jobs (blocking for `podwarden daemon`, background for `run`)."""
    cls = BackgroundScheduler if background else BlockingScheduler
    scheduler = cls(timezone="UTC", job_defaults={"max_instances": 1, "coalesce": True})
    add_jobs(scheduler, services, jobs, runner)
    return scheduler


def stop_on_sigterm(scheduler: BaseScheduler) -> threading.Event:
    """SIGTERM (docker stop, systemd) shuts the scheduler down cleanly, like Ctrl-C.

    The signal may come before the scheduler runs (during the first tick), while it starts, or
    while it runs: the returned event is set at once, a running scheduler is shut down, and one
    that starts afterwards shuts itself down as soon as it has started.
    """
    stopping = threading.Event()

    def shut_down() -> None:
        with contextlib.suppress(SchedulerNotRunningError):
            scheduler.shutdown(wait=False)

    def on_start(event: object) -> None:
        if stopping.is_set():
            shut_down()

    scheduler.add_listener(on_start, EVENT_SCHEDULER_STARTED)

    def handle(signum: int, frame: FrameType | None) -> None:
        log.info("signal %d: shutting down", signum)
        stopping.set()
        if scheduler.running:
            threading.Thread(target=shut_down, daemon=True).start()

    signal.signal(signal.SIGTERM, handle)
    return stopping


def tick_seconds(tick: timedelta) -> int:
    return max(int(tick.total_seconds()), 1)
