"""When and how long to wait before sending a failed RunPod request again.

Exponential backoff with full jitter (a random wait in ``[0, min(max_delay, base_delay ×
2^(n-1))]`` before attempt n+1), bounded twice: by `max_attempts` and by `budget_seconds`
of total time. A `RateLimited` answer that says how long to wait (Retry-After) is obeyed
exactly; if that wait does not fit in what is left of the budget the policy gives up at
once and raises the `RateLimited`, whose `retry_after` tells the caller when to come back,
rather than sleeping and failing anyway.

The policy never decides *whether* an error may be retried; the adapter passes
`retry_if`, because that depends on the operation (a read may be repeated after a 5xx, a
create may not). `sleep`, `clock` and `rng` are parameters so tests record the waits
instead of sleeping them.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from podwarden.errors import RateLimited, RunPodError

if TYPE_CHECKING:
    from podwarden.settings import Settings

__all__ = ["RetryPolicy", "retryable"]

T = TypeVar("T")

log = logging.getLogger("podwarden.runpod")


def retryable(exc: RunPodError) -> bool:
    """The default test: the error class says the same request may be sent again."""
    return exc.retryable


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter that honours Retry-After."""

    max_attempts: int = 6
    budget_seconds: float = 60.0
    base_delay: float = 0.5
    max_delay: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random | None = None
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.budget_seconds < 0 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("budget_seconds, base_delay and max_delay cannot be negative")
        object.__setattr__(self, "_rng", self.rng if self.rng is not None else random.Random())

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> RetryPolicy:
        """`runpod_max_retries` retries (one more attempt than that) within `runpod_retry_budget`."""
        return cls(
            max_attempts=settings.runpod_max_retries + 1,
            budget_seconds=settings.runpod_retry_budget.total_seconds(),
            sleep=sleep,
            clock=clock,
            rng=rng,
        )

    @classmethod
    def never(cls) -> RetryPolicy:
        """One attempt, no retries."""
        return cls(max_attempts=1, budget_seconds=0.0)

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
    ) -> T:
        """Call `attempt` until it returns, raises an error `retry_if` rejects, or the bounds are hit."""
        started = self.clock()
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
                remaining = self.budget_seconds - (self.clock() - started)
                delay = self._delay(number, exc, remaining)
                if delay is None:
                    log.warning("%s failed on attempt %d/%d and the retry budget of %gs is spent: %s",
                                operation, number, self.max_attempts, self.budget_seconds, exc)
                    raise
                log.warning("%s failed on attempt %d/%d, retrying in %.2fs: %s",
                            operation, number, self.max_attempts, delay, exc)
            self.sleep(delay)

    def _delay(self, attempt: int, exc: RunPodError, remaining: float) -> float | None:
        """How long to wait, or None when the wait does not fit in the remaining budget."""
        if remaining <= 0:
            return None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return exc.retry_after if exc.retry_after <= remaining else None
        return min(self.backoff(attempt), remaining)
