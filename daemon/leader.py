"""Who does the work when several daemons share one ledger.

On PostgreSQL the leader holds a session-level advisory lock (`pg_try_advisory_lock`) on a
connection that lives as long as the process: the database itself releases it when the
process dies (its connection drops), so another replica's next attempt wins, within two
tick intervals. No clock is trusted.

On SQLite there is no such lock across processes, so the ledger's lease table stands in:
the leader renews lease "daemon" every tick with a time-to-live of two tick intervals. A
second daemon started while the holder lives refuses to start, saying who holds it; a
daemon restarted after a crash finds its dead predecessor's lease (the same host, a
process id that is gone) and waits for it to expire, saying so.

Either way the lease row "daemon" is also the heartbeat (`beat_at`) that the bot's `policy`
shows and the dead man's switch watches.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from podwarden.errors import PodwardenError
from podwarden.ports import Clock, LeaderLock, Ledger
from podwarden.services.deadman import DAEMON_LEASE

log = logging.getLogger("daemon.leader")

LEASE = DAEMON_LEASE
ADVISORY_KEY = 0x706F_6477_6172_646E  # "podwardn": one lock for every Podwarden daemon on the database


class AnotherDaemon(PodwardenError):
    """A live daemon already works on this ledger."""


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Leader:
    """Leadership plus the heartbeat. `lead()` says whether this process may act this tick."""

    def __init__(self, ledger: Ledger, clock: Clock, *, tick: timedelta, holder: str | None = None) -> None:
        self._ledger = ledger
        self._clock = clock
        self.ttl = tick * 2
        self.holder = holder or holder_id()

    def start(self, *, wait: Callable[[float], Any] | None = None) -> None:
        """Become the leader, or raise `AnotherDaemon` (SQLite); see subclasses."""

    def lead(self) -> bool:
        """True if this process leads now (and the heartbeat was written)."""
        return self.beat()

    def beat(self) -> bool:
        """Write the heartbeat: take or renew lease "daemon"; False if another process holds it."""
        return self._ledger.acquire_lease(LEASE, self.holder, now=self._clock.now(), ttl=self.ttl)

    def stop(self) -> None:
        self._ledger.release_lease(LEASE, self.holder, now=self._clock.now())


class LeaseLeader(Leader):
    """SQLite: the lease is the leadership."""

    def start(self, *, wait: Callable[[float], Any] | None = None) -> None:
        while not self.beat():
            lease = self._ledger.lease(LEASE)
            if lease is None:
                continue
            if not _dead_here(lease.holder):
                raise AnotherDaemon(
                    f"another daemon ({lease.holder}) is running on this ledger (last heartbeat "
                    f"{lease.beat_at:%Y-%m-%d %H:%M:%S} UTC); stop it first, or use PostgreSQL for replicas"
                )
            left = max((lease.expires_at - self._clock.now()).total_seconds(), 0.0)
            log.warning("waiting %.0f s for the lease of a daemon that died (%s) to expire", left, lease.holder)
            if wait is None:
                raise AnotherDaemon(f"a daemon that died ({lease.holder}) still holds the lease for {left:.0f} s")
            wait(left + 0.5)


class AdvisoryLockLeader(Leader):
    """PostgreSQL: the database's advisory lock (`bootstrap.leader_lock`), held for the process's life."""

    def __init__(self, ledger: Ledger, clock: Clock, *, tick: timedelta, url: str | None = None,
                 lock: LeaderLock | None = None, holder: str | None = None) -> None:
        super().__init__(ledger, clock, tick=tick, holder=holder)
        from podwarden import bootstrap

        chosen = lock or (bootstrap.leader_lock(url, key=ADVISORY_KEY) if url else None)
        if chosen is None:
            raise ValueError("an advisory-lock leader needs a PostgreSQL URL or a lock")
        self._lock = chosen
        self._held = False

    def start(self, *, wait: Callable[[float], Any] | None = None) -> None:
        """Never refuses: a follower simply waits (`lead()` is False) until the leader dies."""
        self._try()

    def lead(self) -> bool:
        if not self._try():
            return False
        self.beat()  # informative; a dead leader's lease may linger until it expires
        return True

    def _try(self) -> bool:
        held = self._lock.hold()
        if held and not self._held:
            log.info("leading: advisory lock taken by %s", self.holder)
        self._held = held
        return held

    def stop(self) -> None:
        self._lock.close()  # closing the session releases the lock
        super().stop()


def leader_for(url: str, ledger: Ledger, clock: Clock, *, tick: timedelta) -> Leader:
    from podwarden import bootstrap

    lock = bootstrap.leader_lock(url, key=ADVISORY_KEY)
    if lock is not None:
        return AdvisoryLockLeader(ledger, clock, tick=tick, lock=lock)
    return LeaseLeader(ledger, clock, tick=tick)


def _dead_here(holder: str) -> bool:
    """True if `holder` was a process on this host that no longer exists."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
