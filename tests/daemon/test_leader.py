"""Leadership on SQLite (the lease) and the dead man's switch."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from daemon.leader import LEASE, AnotherDaemon, LeaseLeader
from podwarden import bootstrap
from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.clock import ManualClock
from podwarden.domain.notes import DaemonSilent
from tests.fakes.notifier import FakeNotifier

TICK = timedelta(minutes=1)


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_second_live_daemon_refuses_to_start(ledger: SqlLedger) -> None:
    clock = ManualClock()
    live = f"{socket.gethostname()}:{os.getpid()}"
    LeaseLeader(ledger, clock, tick=TICK, holder=live).start()
    with pytest.raises(AnotherDaemon, match=r"another daemon .* is running on this ledger"):
        LeaseLeader(ledger, clock, tick=TICK, holder=f"{socket.gethostname()}:999999999x").start()


def test_a_restarted_daemon_waits_for_the_dead_ones_lease(ledger: SqlLedger, caplog: pytest.LogCaptureFixture) -> None:
    clock = ManualClock()
    dead = f"{socket.gethostname()}:{_dead_pid()}"
    assert LeaseLeader(ledger, clock, tick=TICK, holder=dead).beat()
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds)

    restarted = LeaseLeader(ledger, clock, tick=TICK, holder=f"{socket.gethostname()}:{os.getpid()}")
    restarted.start(wait=wait)
    assert waits == [120.5]
    assert "waiting 120 s for the lease of a daemon that died" in caplog.text
    assert restarted.lead()


def test_the_heartbeat_is_the_lease_and_a_clean_stop_releases_it(ledger: SqlLedger) -> None:
    clock = ManualClock()
    leader = LeaseLeader(ledger, clock, tick=TICK, holder="h:1")
    leader.start()
    clock.advance(30)
    assert leader.lead()
    beat = ledger.lease(LEASE)
    assert beat is not None
    assert clock.now() - beat.beat_at == timedelta(0)
    leader.stop()
    assert LeaseLeader(ledger, clock, tick=TICK, holder="h:2").beat()


def test_dead_mans_switch_posts_once_per_silence(tmp_path: Path) -> None:
    clock = ManualClock()
    notifier = FakeNotifier()
    config = bootstrap.settings(database_url=f"sqlite:///{tmp_path / 'l.db'}", notice_channel="C0NOTICE")
    with bootstrap.build(config, clock=clock, notifier=notifier, sim=bootstrap.simulator(scenario=None, clock=clock)) \
            as services:
        services.clock = clock
        assert not bootstrap.dead_mans_switch(services).check()  # no daemon ever ran: nothing to say
        LeaseLeader(services.ledger, clock, tick=TICK, holder="h:1").beat()
        clock.advance(timedelta(minutes=5))
        assert not bootstrap.dead_mans_switch(services).check()
        clock.advance(timedelta(seconds=1))
        assert bootstrap.dead_mans_switch(services).check()
        assert not bootstrap.dead_mans_switch(services).check()
        [note] = notifier.sent
        assert isinstance(note, DaemonSilent)
        assert (note.to, note.minutes) == ("C0NOTICE", 5)
        LeaseLeader(services.ledger, clock, tick=TICK, holder="h:1").beat()  # back, then silent again
        clock.advance(timedelta(minutes=6))
        assert bootstrap.dead_mans_switch(services).check()
        assert len(notifier.sent) == 2
