"""Leases for leader election, confirmations consumed exactly once, and snoozes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

import pytest

from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.domain.ledger_values import PendingState
from podwarden.domain.models import Pod
from podwarden.errors import LedgerError

PodMaker = Callable[..., Pod]
TTL = timedelta(seconds=30)
T = TypeVar("T")


def at_once(*calls: Callable[[], T]) -> list[T]:
    """Run the calls on threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls))

    def released(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(released, call) for call in calls]
        return [future.result() for future in futures]


def test_a_lease_is_held_until_it_expires_then_taken_over(ledger: SqlLedger, t0: datetime) -> None:
    assert ledger.acquire_lease("daemon", "host-a", now=t0, ttl=TTL)
    assert not ledger.acquire_lease("daemon", "host-b", now=t0 + timedelta(seconds=10), ttl=TTL)
    assert ledger.renew_lease("daemon", "host-a", now=t0 + timedelta(seconds=20), ttl=TTL)
    assert not ledger.acquire_lease("daemon", "host-b", now=t0 + timedelta(seconds=49), ttl=TTL)

    assert ledger.acquire_lease("daemon", "host-b", now=t0 + timedelta(seconds=50), ttl=TTL)  # a died

    assert not ledger.renew_lease("daemon", "host-a", now=t0 + timedelta(seconds=51), ttl=TTL)
    lease = ledger.lease("daemon")
    assert lease is not None
    assert lease.held_by("host-b", t0 + timedelta(seconds=51))
    assert (lease.beat_at, lease.expires_at) == (t0 + timedelta(seconds=50), t0 + timedelta(seconds=80))


def test_a_released_lease_is_free_at_once(ledger: SqlLedger, t0: datetime) -> None:
    ledger.acquire_lease("daemon", "host-a", now=t0, ttl=TTL)

    assert not ledger.release_lease("daemon", "host-b", now=t0)
    assert ledger.release_lease("daemon", "host-a", now=t0 + timedelta(seconds=1))

    assert ledger.acquire_lease("daemon", "host-b", now=t0 + timedelta(seconds=1), ttl=TTL)
    assert ledger.lease("nobody-asked") is None


def test_of_two_processes_asking_at_once_one_gets_the_lease(ledger: SqlLedger, t0: datetime) -> None:
    for round_ in range(5):
        name = f"daemon-{round_}"
        won = at_once(
            partial(ledger.acquire_lease, name, "host-a", now=t0, ttl=TTL),
            partial(ledger.acquire_lease, name, "host-b", now=t0, ttl=TTL),
        )
        assert sorted(won) == [False, True]


def test_a_confirmation_is_consumed_once(ledger: SqlLedger, t0: datetime) -> None:
    action = ledger.create_pending_action(
        requester="U0ALICE", verb="start", payload={"gpu": "a100", "count": 2}, now=t0,
        ttl=timedelta(minutes=10),
    )
    assert action.open(t0)

    consumed = ledger.consume_pending_action(action.nonce, now=t0 + timedelta(minutes=1))
    assert consumed is not None
    assert (consumed.state, consumed.payload, consumed.consumed_at) == (
        PendingState.CONSUMED, {"gpu": "a100", "count": 2}, t0 + timedelta(minutes=1),
    )
    assert ledger.consume_pending_action(action.nonce, now=t0 + timedelta(minutes=2)) is None
    assert ledger.consume_pending_action("no-such-nonce", now=t0) is None


def test_two_clicks_at_the_same_moment_confirm_once(ledger: SqlLedger, t0: datetime) -> None:
    for round_ in range(5):
        nonce = ledger.create_pending_action(
            requester="U0ALICE", verb="start", payload={"round": round_}, now=t0, ttl=TTL
        ).nonce
        results = at_once(
            partial(ledger.consume_pending_action, nonce, now=t0 + timedelta(seconds=1)),
            partial(ledger.consume_pending_action, nonce, now=t0 + timedelta(seconds=1)),
        )
        assert sorted(r is not None for r in results) == [False, True]


def test_a_retried_request_parks_one_action_and_finds_its_result(ledger: SqlLedger, t0: datetime) -> None:
    first, retried = at_once(
        lambda: ledger.create_pending_action(
            requester="U0ALICE", verb="start", payload={"gpu": "a100"}, now=t0, ttl=TTL, request_key="req-1"
        ),
        lambda: ledger.create_pending_action(
            requester="U0ALICE", verb="start", payload={"gpu": "a100"}, now=t0, ttl=TTL, request_key="req-1"
        ),
    )
    assert first.nonce == retried.nonce

    ledger.consume_pending_action(first.nonce, now=t0)
    ledger.set_pending_result(first.nonce, "pod-new123")
    again = ledger.create_pending_action(
        requester="U0ALICE", verb="start", payload={"gpu": "a100"}, now=t0 + TTL, ttl=TTL, request_key="req-1"
    )

    assert (again.nonce, again.state, again.result) == (first.nonce, PendingState.CONSUMED, "pod-new123")


def test_expired_and_cancelled_confirmations_do_nothing(ledger: SqlLedger, t0: datetime) -> None:
    park = partial(ledger.create_pending_action, requester="U0ALICE", verb="terminate", payload={}, ttl=TTL)
    expired, cancelled = park(now=t0), park(now=t0)

    assert ledger.cancel_pending_action(cancelled.nonce, now=t0)

    assert ledger.consume_pending_action(expired.nonce, now=t0 + TTL) is None
    assert ledger.consume_pending_action(cancelled.nonce, now=t0) is None
    reread = ledger.pending_action(cancelled.nonce)
    assert reread is not None
    assert reread.state is PendingState.CANCELLED
    with pytest.raises(LedgerError, match="no pending action"):
        ledger.set_pending_result("no-such-nonce", "x")


def test_a_snooze_keeps_a_pod_until_it_ends_or_is_cleared(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    ledger.observe_pods([pod(), pod("pod-b")], now=t0)
    ledger.snooze_pod("pod-a100", until=t0 + timedelta(hours=1), by="U0ALICE", reason="training", now=t0)
    ledger.snooze_pod("pod-a100", until=t0 + timedelta(hours=3), by="U0ALICE", now=t0)
    ledger.snooze_pod("pod-b", until=t0 + timedelta(hours=2), by="U0BOB", now=t0)

    longest = ledger.active_snooze("pod-a100", now=t0 + timedelta(hours=2))
    assert longest is not None
    assert (longest.until, longest.by) == (t0 + timedelta(hours=3), "U0ALICE")
    assert set(ledger.active_snoozes(now=t0 + timedelta(minutes=90))) == {"pod-a100", "pod-b"}
    assert ledger.active_snoozes(now=t0 + timedelta(hours=3)) == {}

    assert ledger.clear_snoozes("pod-a100", now=t0 + timedelta(minutes=1)) == 2
    assert ledger.active_snooze("pod-a100", now=t0 + timedelta(minutes=2)) is None
    with pytest.raises(ValueError, match="future"):
        ledger.snooze_pod("pod-b", until=t0, by="U0BOB", now=t0)
    with pytest.raises(LedgerError, match="not in the ledger"):
        ledger.snooze_pod("pod-unknown", until=t0 + TTL, by="U0BOB", now=t0)
