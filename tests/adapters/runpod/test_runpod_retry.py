"""RetryPolicy on its own: backoff with full jitter, Retry-After, the two bounds, logging."""

from __future__ import annotations

import contextlib
import logging
import math
import random
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podwarden.adapters.runpod import RetryPolicy
from podwarden.adapters.runpod.errors import ConnectFailed, not_executed
from podwarden.errors import (
    BadRequest,
    MalformedResponse,
    NoCapacity,
    RateLimited,
    RunPodError,
    RunPodTimeout,
    ServerError,
)
from tests.adapters.runpod.runpod_helpers import FakeTime, PolicyFactory


def failing(errors: list[RunPodError], result: str = "ok") -> tuple[Callable[[], str], list[int]]:
    """An attempt that raises `errors` one by one, then returns `result`; counts its calls."""
    calls: list[int] = []

    def attempt() -> str:
        calls.append(len(calls) + 1)
        if errors:
            raise errors.pop(0)
        return result

    return attempt, calls


def test_success_needs_no_sleep(policy: RetryPolicy, fake_time: FakeTime) -> None:
    attempt, calls = failing([])
    assert policy.run("op", attempt) == "ok"
    assert calls == [1]
    assert fake_time.sleeps == []


@pytest.mark.parametrize("error", [
    ServerError("boom"), RunPodTimeout("slow"), MalformedResponse("junk"), RateLimited("slow down"),
])
def test_retryable_errors_are_retried_with_backoff(
    policy: RetryPolicy, fake_time: FakeTime, error: RunPodError,
) -> None:
    attempt, calls = failing([error, error])
    assert policy.run("op", attempt) == "ok"
    assert calls == [1, 2, 3]
    assert len(fake_time.sleeps) == 2
    # full jitter: each wait within [0, base * 2^(n-1)]
    assert 0 <= fake_time.sleeps[0] <= 0.5
    assert 0 <= fake_time.sleeps[1] <= 1.0


@pytest.mark.parametrize("error", [BadRequest("no"), NoCapacity("none left")])
def test_refusals_are_raised_at_once(policy: RetryPolicy, fake_time: FakeTime, error: RunPodError) -> None:
    attempt, calls = failing([error])
    with pytest.raises(type(error)):
        policy.run("op", attempt)
    assert calls == [1]
    assert fake_time.sleeps == []


def test_retry_if_narrows_what_is_retried(policy: RetryPolicy) -> None:
    attempt, calls = failing([ServerError("maybe done")])
    with pytest.raises(ServerError):
        policy.run("create", attempt, retry_if=not_executed)
    assert calls == [1]
    attempt, calls = failing([ConnectFailed("connection failed"), RateLimited("slow")])
    assert policy.run("create", attempt, retry_if=not_executed) == "ok"
    assert calls == [1, 2, 3]


def test_retry_after_is_obeyed_exactly(policy: RetryPolicy, fake_time: FakeTime) -> None:
    attempt, _ = failing([RateLimited("slow", retry_after=3.0), RateLimited("slow", retry_after=7.5)])
    assert policy.run("op", attempt) == "ok"
    assert fake_time.sleeps == [3.0, 7.5]


def test_a_retry_after_beyond_the_budget_gives_up_at_once(
    make_policy: PolicyFactory, fake_time: FakeTime,
) -> None:
    policy = make_policy(budget_seconds=10)
    attempt, calls = failing([RateLimited("slow", retry_after=4.0), RateLimited("slow", retry_after=30.0)])
    with pytest.raises(RateLimited) as raised:
        policy.run("op", attempt)
    assert raised.value.retry_after == 30.0
    assert calls == [1, 2]
    assert fake_time.sleeps == [4.0]


def test_max_attempts_bounds_the_count(make_policy: PolicyFactory, fake_time: FakeTime) -> None:
    policy = make_policy(max_attempts=3)
    attempt, calls = failing([ServerError("x")] * 10)
    with pytest.raises(ServerError):
        policy.run("op", attempt)
    assert calls == [1, 2, 3]
    assert len(fake_time.sleeps) == 2


def test_backoff_leaves_room_in_the_budget_for_the_attempt_after_it(
    make_policy: PolicyFactory, fake_time: FakeTime,
) -> None:
    policy = make_policy(max_attempts=50, budget_seconds=5, base_delay=4, max_delay=4)
    attempt, calls = failing([ServerError("x")] * 49)
    with pytest.raises(ServerError):
        policy.run("op", attempt)
    assert sum(fake_time.sleeps) <= 5.0 - policy.min_attempt_seconds
    assert all(wait > 0 for wait in fake_time.sleeps)  # never a burst of zero waits at the end
    assert len(calls) == len(fake_time.sleeps) + 1 < 50


def test_a_deadline_is_shared_by_the_operations_that_pass_it(
    make_policy: PolicyFactory, fake_time: FakeTime,
) -> None:
    policy = make_policy(budget_seconds=10)
    deadline = policy.deadline()
    fake_time.sleep(6)  # an earlier step of the same operation took 6 s
    assert deadline.remaining() == 4
    attempt, calls = failing([RateLimited("slow", retry_after=3.5)])
    with pytest.raises(RateLimited):  # 3.5 s + 1 s for the next attempt do not fit in 4 s
        policy.run("op", attempt, deadline=deadline)
    assert calls == [1]
    assert policy.deadline(at_least=30).remaining() == 30


def test_poll_looks_with_growing_waits_until_found(make_policy: PolicyFactory, fake_time: FakeTime) -> None:
    policy = make_policy(base_delay=0.5, max_delay=8)
    looks: list[float] = []

    def probe() -> str | None:
        looks.append(fake_time.now)
        if len(looks) == 2:
            raise ServerError("listing failed")  # a failed look is "not seen yet"
        return "pod" if len(looks) == 5 else None

    assert policy.poll("create_pod", probe, until=fake_time.now + 30) == "pod"
    assert fake_time.sleeps == [0.5, 1.0, 2.0, 4.0]


def test_poll_gives_up_at_its_limit_and_raises_refusals(make_policy: PolicyFactory, fake_time: FakeTime) -> None:
    policy = make_policy(base_delay=0.5, max_delay=8)
    start = fake_time.now
    assert policy.poll("create_pod", lambda: None, until=start + 10) is None
    assert fake_time.sleeps == [0.5, 1.0, 2.0, 4.0]  # five looks; a sixth would come after the limit
    assert policy.poll("create_pod", lambda: None, until=fake_time.now) is None  # no time: no look

    def refused() -> str | None:
        raise BadRequest("no")

    with pytest.raises(BadRequest):
        policy.poll("create_pod", refused, until=fake_time.now + 10)


def test_never_means_one_attempt_without_a_time_limit(fake_time: FakeTime) -> None:
    attempt, calls = failing([ServerError("x")])
    with pytest.raises(ServerError):
        RetryPolicy.never().run("op", attempt)
    assert calls == [1]
    assert RetryPolicy.never().deadline().remaining() == math.inf


def test_with_retries_counts_retries_not_attempts(fake_time: FakeTime) -> None:
    policy = RetryPolicy.with_retries(2, budget_seconds=9, sleep=fake_time.sleep, clock=fake_time.clock)
    assert policy.max_attempts == 3
    assert policy.budget_seconds == 9.0
    attempt, calls = failing([ServerError("a"), ServerError("b"), ServerError("c")])
    with pytest.raises(ServerError, match="c"):
        policy.run("op", attempt)
    assert calls == [1, 2, 3]
    assert RetryPolicy.with_retries(0, budget_seconds=9).max_attempts == 1


def test_bad_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="negative"):
        RetryPolicy(budget_seconds=-1)


def test_retries_are_logged_with_operation_and_attempt(
    policy: RetryPolicy, caplog: pytest.LogCaptureFixture,
) -> None:
    attempt, _ = failing([ServerError("Something went wrong")])
    with caplog.at_level(logging.INFO, logger="podwarden.runpod"):
        policy.run("list_pods", attempt)
    [record] = [r for r in caplog.records if r.name == "podwarden.runpod"]
    assert record.levelno == logging.WARNING
    assert "list_pods" in record.getMessage()
    assert "attempt 1/6" in record.getMessage()


@settings(max_examples=60, deadline=None)
@given(
    budget=st.floats(min_value=0, max_value=120),
    attempts=st.integers(min_value=1, max_value=12),
    base=st.floats(min_value=0, max_value=5),
    retry_afters=st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=90)), max_size=15),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_waits_never_exceed_the_budget_nor_attempts_the_count(
    budget: float, attempts: int, base: float, retry_afters: list[float | None], seed: int,
) -> None:
    time = FakeTime()
    policy = RetryPolicy(max_attempts=attempts, budget_seconds=budget, base_delay=base, max_delay=30,
                         sleep=time.sleep, clock=time.clock, rng=random.Random(seed))
    errors: list[RunPodError] = [
        RateLimited("slow", retry_after=wait) if i % 2 else ServerError("x")
        for i, wait in enumerate(retry_afters)
    ]
    attempt, calls = failing(list(errors))
    with contextlib.suppress(RunPodError):
        policy.run("op", attempt)
    assert len(calls) <= attempts
    assert sum(time.sleeps) <= budget + 1e-9
    if time.sleeps:  # every wait left the attempt after it some of the budget
        assert sum(time.sleeps) <= budget - policy.min_attempt_seconds + 1e-9
    for index, slept in enumerate(time.sleeps):  # every Retry-After that was waited out was waited in full
        error = errors[index]
        if isinstance(error, RateLimited) and error.retry_after is not None:
            assert slept == error.retry_after
