"""When and how long to wait before sending a failed RunPod request again.

Exponential backoff with full jitter (a random wait in ``[0, min(max_delay, base_delay ×
2^(n-1))]`` before attempt n+1), bounded twice: by `max_attempts` and by `budget_seconds`
of total time. A `RateLimited` answer that says how long to wait (Retry-After) is obeyed
exactly; if that wait does not fit in what is left of the budget the policy gives up at
once and raises the `RateLimited`, whose `retry_after` tells the caller when to come back,
rather than sleeping and failing anyway.

The budget is a real limit on the whole operation, attempts included, not only on the
waits between them: `deadline()` starts the clock, every request of the operation is sent
with ``timeout=min(timeout, deadline.remaining())`` (see `_http.RunPodHttp.send`), and no
wait is taken that would leave less than `min_attempt_seconds` for the attempt after it (a
request cut that short would most likely time out, and for a create leave its outcome
unknown). An operation of several requests (a spot create looks up the minimum bid first)
shares one deadline.

The policy never decides *whether* an error may be retried; the adapter passes
`retry_if`, because that depends on the operation (a read may be repeated after a 5xx, a
create may not). `sleep`, `clock` and `rng` are parameters so tests record the waits
instead of sleeping them.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from podwarden.errors import RateLimited, RunPodError

__all__ = ["Deadline", "RetryPolicy", "retryable"]

T = TypeVar("T")

log = logging.getLogger("podwarden.runpod")

POLL_MIN_WAIT = 0.5  # seconds between two looks for an outcome, at least


def retryable(exc: RunPodError) -> bool:
    """The default test: the error class says the same request may be sent again."""
    return exc.retryable


@dataclass(frozen=True)
class Deadline:
    """The moment (on `clock`) by which a whole operation must be over."""

    clock: Callable[[], float]
    at: float

    def remaining(self) -> float:
        return self.at - self.clock()


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter that honours Retry-After."""

    max_attempts: int = 6
    budget_seconds: float = 60.0
    base_delay: float = 0.5
    max_delay: float = 20.0
    min_attempt_seconds: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random | None = None
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.budget_seconds, self.base_delay, self.max_delay, self.min_attempt_seconds) < 0:
            raise ValueError("budget_seconds, base_delay, max_delay and min_attempt_seconds cannot be negative")
        object.__setattr__(self, "_rng", self.rng if self.rng is not None else random.Random())

    @classmethod
    def with_retries(
        cls,
        max_retries: int,
        *,
        budget_seconds: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> RetryPolicy:
        """`max_retries` retries (one more attempt than that) within `budget_seconds` in all.

        The count people configure is of retries; the policy counts attempts.
        """
        return cls(max_attempts=max_retries + 1, budget_seconds=budget_seconds, sleep=sleep, clock=clock, rng=rng)

    @classmethod
    def never(cls) -> RetryPolicy:
        """One attempt, no retries, and no time limit beyond the request's own timeout."""
        return cls(max_attempts=1, budget_seconds=math.inf)

    def deadline(self, *, at_least: float = 0.0) -> Deadline:
        """A deadline `budget_seconds` from now, or `at_least` seconds if that is longer.

        `at_least` is for a request that is meant to take long (runsync holds the connection
        for its ``wait``): the budget must not cut it short.
        """
        return Deadline(self.clock, self.clock() + max(self.budget_seconds, at_least))

    def backoff(self, attempt: int) -> float:
        """A full-jitter wait after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self._rng.uniform(0.0, ceiling)

    def run(
        self,
        operation: str,
        attempt: Callable[[], T],
        *,
        retry_if: Callable[[RunPodError], bool] = retryable,
        deadline: Deadline | None = None,
    ) -> T:
        """Call `attempt` until it returns, raises an error `retry_if` rejects, or the bounds are hit.

        Pass the `deadline` the attempts send with, so that waits and requests draw on the
        same budget; without one the budget starts now.
        """
        deadline = deadline if deadline is not None else self.deadline()
        number = 0
        while True:
            number += 1
            try:
                return attempt()
            except RunPodError as exc:
                if not retry_if(exc):
                    raise
                if number >= self.max_attempts:
                    log.warning("%s failed on attempt %d/%d, giving up: %s",
                                operation, number, self.max_attempts, exc)
                    raise
                delay = self._delay(number, exc, deadline.remaining())
                if delay is None:
                    log.warning("%s failed on attempt %d/%d and the time budget of %gs is spent: %s",
                                operation, number, self.max_attempts, self.budget_seconds, exc)
                    raise
                log.warning("%s failed on attempt %d/%d, retrying in %.2fs: %s",
                            operation, number, self.max_attempts, delay, exc)
            self.sleep(delay)

    def poll(self, operation: str, probe: Callable[[], T | None], *, until: float) -> T | None:
        """Call `probe` until it returns something, or None once the clock reaches `until`.

        For waiting on an outcome (did the create that got no answer make a pod?): waits grow
        exponentially without jitter, from at least `POLL_MIN_WAIT`; a look that fails with a
        retryable error counts as "not seen yet"; the last look starts at least
        `min_attempt_seconds` before `until`.
        """
        number = 0
        while self.clock() < until:
            number += 1
            try:
                found = probe()
            except RunPodError as exc:
                if not exc.retryable:
                    raise
                log.warning("%s: look %d for the outcome failed: %s", operation, number, exc)
                found = None
            if found is not None:
                return found
            wait = max(POLL_MIN_WAIT, min(self.max_delay, self.base_delay * (2 ** (number - 1))))
            if self.clock() + wait + self.min_attempt_seconds > until:
                break
            self.sleep(wait)
        return None

    def _delay(self, attempt: int, exc: RunPodError, remaining: float) -> float | None:
        """How long to wait, or None when the wait and one more attempt do not fit in the budget."""
        room = remaining - self.min_attempt_seconds
        if room <= 0:
            return None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return exc.retry_after if exc.retry_after <= room else None
        return min(self.backoff(attempt), room)
