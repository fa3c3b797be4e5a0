"""`podwarden daemon [--once]`: the daemon's process, start to stop; and the daemon in the
background of another face's process (`podwarden run`, composed by the command line).

Start-up: settings, the composition root, leadership (a second live daemon on a SQLite
ledger refuses here; a PostgreSQL follower waits its turn), then the scheduler until
SIGTERM or Ctrl-C, then leadership released so a successor need not wait.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from daemon import jobs as daemon_jobs
from daemon.leader import Leader, leader_for
from daemon.scheduler import JobRunner, build_scheduler, stop_on_sigterm

if TYPE_CHECKING:
    from podwarden.bootstrap import Services
    from podwarden.settings import Settings

log = logging.getLogger("daemon")


def make_leader(services: Services) -> Leader:
    return leader_for(services.settings.database_url, services.ledger, services.clock,
                      tick=services.settings.tick_interval)


def run_once(services: Services, out: TextIO) -> int:
    """One tick now (if this process may lead), its summary on `out`."""
    leader = make_leader(services)
    leader.start(wait=None)
    try:
        if not leader.lead():
            out.write("another daemon leads this ledger; nothing done\n")
            return 1
        report = daemon_jobs.build(services).lifecycle.tick()
        out.write(report.line() + "\n")
        for error in report.errors:
            out.write(f"  {error}\n")
        return 0
    finally:
        leader.stop()


def run_forever(services: Services) -> int:
    """The blocking scheduler, until SIGTERM or Ctrl-C."""
    leader = make_leader(services)
    jobs = daemon_jobs.build(services)
    runner = JobRunner(leader)
    scheduler = build_scheduler(services, jobs, runner)
    stopping = stop_on_sigterm(scheduler)  # before leading: a SIGTERM from then on is a clean stop
    leader.start(wait=time.sleep)
    log.info("daemon started: a tick every %s", services.settings.tick_interval)
    try:
        runner.wrap("tick", jobs.lifecycle.tick)()  # at once, not a tick interval from now
        if not stopping.is_set():
            scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        leader.stop()
        log.info("daemon stopped (%s job failures)", sum(runner.failures.values()))
    return 0


def run(*, once: bool, out: TextIO, sim: bool = False, settings: Settings | None = None) -> int:
    from podwarden import bootstrap

    settings = settings or bootstrap.settings()
    with bootstrap.build(settings, sim=sim) as services:
        return run_once(services, out) if once else run_forever(services)


@contextmanager
def in_background(services: Services) -> Iterator[None]:
    """The daemon's scheduler in a background thread while the block runs: `podwarden run`
    runs the bot in the foreground of the same process. Leadership is taken first (as
    `podwarden daemon` does), and released after the scheduler has stopped.

    `services` are the daemon's own (its own ledger connections and clients; the bot builds
    its own), and the bot runs the dead man's switch, in case the daemon's jobs stop.
    """
    leader = make_leader(services)
    leader.start(wait=time.sleep)
    jobs = daemon_jobs.build(services)
    runner = JobRunner(leader)
    scheduler = build_scheduler(services, jobs, runner, background=True)
    scheduler.start()
    try:
        yield
    finally:
        scheduler.shutdown(wait=True)
        leader.stop()
