"""A bounded pool of our own for the work done after Slack's ack.

Bolt runs every listener (and every lazy listener) on one small pool, five threads by
default. A listener that waits on RunPod holds one of them, and with five such waits in
flight the sixth command misses its 3-second ack. So listeners only ack and hand the slow
part here. The pool is bounded on purpose: when `workers` jobs run and `queue` more wait,
`reserve` says no at once and the listener answers "busy, try again" instead of blocking
the ack or piling up work nobody will wait for.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger("podwarden.bot.worker")

DEFAULT_WORKERS = 16
DEFAULT_QUEUE = 64


class Ticket:
    """A place in the pool, taken before the ack so that an accepted job always runs."""

    def __init__(self, worker: Worker) -> None:
        self._worker = worker
        self._used = False

    def run(self, job: Callable[[], None], *, name: str = "job") -> Future[None]:
        """Start `job` in the pool (once). Its exceptions are logged, never lost."""
        if self._used:
            raise RuntimeError("a ticket runs one job")
        self._used = True
        return self._worker._start(job, name)

    def cancel(self) -> None:
        """Give the place back without running anything."""
        if not self._used:
            self._used = True
            self._worker._slots.release()


class Worker:
    def __init__(self, *, workers: int = DEFAULT_WORKERS, queue: int = DEFAULT_QUEUE) -> None:
        if workers < 1 or queue < 0:
            raise ValueError("a worker pool needs at least one thread and a queue of zero or more")
        self._slots = threading.BoundedSemaphore(workers + queue)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="podwarden-work")
        self._lock = threading.Lock()
        self._in_flight = 0
        self._idle = threading.Condition(self._lock)

    def reserve(self) -> Ticket | None:
        """A ticket, or None at once when the pool and its queue are full."""
        if not self._slots.acquire(blocking=False):
            return None
        return Ticket(self)

    def submit(self, job: Callable[[], None], *, name: str = "job") -> bool:
        """Reserve and run in one step; False when full (nothing is run)."""
        ticket = self.reserve()
        if ticket is None:
            return False
        ticket.run(job, name=name)
        return True

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job is queued or running (tests, and a graceful shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def shutdown(self, *, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    def _start(self, job: Callable[[], None], name: str) -> Future[None]:
        with self._lock:
            self._in_flight += 1
        try:
            return self._pool.submit(self._run, job, name)
        except RuntimeError:  # shut down: give the place back
            self._done()
            raise

    def _run(self, job: Callable[[], None], name: str) -> None:
        try:
            job()
        except Exception:
            log.exception("background %s failed", name)
        finally:
            self._done()

    def _done(self) -> None:
        self._slots.release()
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()
