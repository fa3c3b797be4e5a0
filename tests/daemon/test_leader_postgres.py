"""Two daemons on one PostgreSQL: exactly one acts, and the other takes over when it dies.

Generated only when PODWARDEN_TEST_POSTGRES_URL names a server (`scripts/with_postgres.py`
starts one); otherwise the run's header and summary say the PostgreSQL cases were not run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from daemon.leader import AdvisoryLockLeader
from daemon.scheduler import JobRunner
from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.clock import ManualClock
from tests.conftest import POSTGRES_URL

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
            pid = first._connection.connection.dbapi_connection.info.backend_pid
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
            pid = leader._connection.connection.dbapi_connection.info.backend_pid
            with ledger.engine.connect() as admin:
                query = text("SELECT state FROM pg_stat_activity WHERE pid = :pid")
                state = admin.execute(query, {"pid": pid}).scalar()
            assert state == "idle"
        finally:
            leader.stop()
