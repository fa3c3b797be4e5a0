"""Clocks: the wall clock for production, a manual one for tests, replays and the simulator."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to; thread-safe so a loopback server can share it."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += step
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            if when.astimezone(UTC) < self._now:
                raise ValueError("a clock cannot go backwards")
            self._now = when.astimezone(UTC)
