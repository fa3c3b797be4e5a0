"""What the bot keeps in the ledger: approvals decided once, user-group roles, name prefixes,
audit entries with their channel and RunPod's answer, and pods marked as ours."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar

import pytest

from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.domain.access import Role
from podwarden.domain.ledger_values import AuditOutcome, PendingState
from podwarden.domain.models import Pod
from podwarden.errors import LedgerError

TTL = timedelta(minutes=15)
T = TypeVar("T")


def at_once(*calls: Callable[[], T]) -> list[T]:
    barrier = threading.Barrier(len(calls))

    def released(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result() for f in [pool.submit(released, call) for call in calls]]


def test_an_approval_is_decided_by_exactly_one_click(ledger: SqlLedger, t0: datetime) -> None:
    action = ledger.create_pending_action(requester="U0ALICE", verb="start", payload={"gpu": "h100"}, now=t0,
                                          ttl=TTL, channel="C0GPU")
    assert action.channel == "C0GPU"
    asked = ledger.request_approval(action.nonce, now=t0, ttl=timedelta(hours=1))
    assert asked is not None
    assert asked.state is PendingState.AWAITING_APPROVAL
    assert asked.expires_at == t0 + timedelta(hours=1)
    assert ledger.request_approval(action.nonce, now=t0, ttl=timedelta(hours=1)) is None  # asked once
    assert ledger.consume_pending_action(action.nonce, now=t0) is None  # the requester cannot skip the admin
    results = at_once(
        lambda: ledger.decide_approval(action.nonce, approver="U0ADM1", approve=True, now=t0),
        lambda: ledger.decide_approval(action.nonce, approver="U0ADM2", approve=False, now=t0),
    )
    [winner] = [r for r in results if r is not None]
    assert winner.approver in {"U0ADM1", "U0ADM2"}
    assert winner.clicked_by == winner.approver
    assert winner.state is (PendingState.CONSUMED if winner.approver == "U0ADM1" else PendingState.DENIED)


def test_expiry_reports_only_requests_that_awaited_an_admin_once(ledger: SqlLedger, t0: datetime) -> None:
    waiting = ledger.create_pending_action(requester="U1", verb="start", payload={}, now=t0, ttl=TTL)
    ledger.request_approval(waiting.nonce, now=t0, ttl=TTL)
    unclicked = ledger.create_pending_action(requester="U1", verb="start", payload={}, now=t0, ttl=TTL)
    fresh = ledger.create_pending_action(requester="U1", verb="start", payload={}, now=t0 + TTL, ttl=TTL)
    later = t0 + TTL + timedelta(seconds=1)
    assert [a.nonce for a in ledger.expire_pending_actions(now=later)] == [waiting.nonce]
    assert ledger.expire_pending_actions(now=later) == []
    states = {n: ledger.pending_action(n) for n in (waiting.nonce, unclicked.nonce, fresh.nonce)}
    assert {n: a.state for n, a in states.items() if a is not None} == {
        waiting.nonce: PendingState.EXPIRED, unclicked.nonce: PendingState.EXPIRED, fresh.nonce: PendingState.PENDING,
    }
    assert ledger.decide_approval(waiting.nonce, approver="U0ADM", approve=True, now=later) is None


def test_a_consume_records_who_clicked(ledger: SqlLedger, t0: datetime) -> None:
    action = ledger.create_pending_action(requester="U1", verb="terminate", payload={}, now=t0, ttl=TTL)
    consumed = ledger.consume_pending_action(action.nonce, now=t0, clicked_by="U1")
    assert consumed is not None
    assert consumed.clicked_by == "U1"


def test_group_roles_and_name_prefixes(ledger: SqlLedger, t0: datetime) -> None:
    ledger.set_group_role("S0OPS", Role.ADMIN, now=t0)
    ledger.set_group_role("S0OPS", Role.MEMBER, now=t0)
    ledger.set_group_role("S0OLD", Role.VIEWER, now=t0)
    ledger.set_group_role("S0OLD", None, now=t0)
    assert ledger.group_roles() == {"S0OPS": Role.MEMBER}
    member = ledger.set_member_prefix("U0BOB", "bob-", now=t0)
    assert (member.role, member.name_prefix) == (Role.VIEWER, "bob-")
    ledger.upsert_member("U0BOB", now=t0, display_name="Bob")
    assert ledger.member_named("bob") == ledger.member("U0BOB")
    ledger.upsert_member("U0BOB2", now=t0, display_name="BOB")
    assert ledger.member_named("bob") is None  # two Bobs: nobody is guessed


def test_audit_entries_keep_the_channel_and_runpods_answer(ledger: SqlLedger, t0: datetime) -> None:
    ledger.audit("U0ALICE", "stop", at=t0, target="pod-1", args={"pod": "pod-1"}, outcome=AuditOutcome.FAILED,
                 error="RunPod said 500", channel="C0GPU", answer_status="500")
    ledger.audit("U0ALICE", "x" * 100, at=t0 + timedelta(seconds=1), target="t" * 300)
    newest, first = ledger.audit_log()
    assert (first.channel, first.answer_status, first.error) == ("C0GPU", "500", "RunPod said 500")
    assert (len(newest.action), len(newest.target or "")) == (64, 200)  # cut to the columns, never refused


def test_pods_created_by_podwarden_carry_deadline_and_bid(
    ledger: SqlLedger, t0: datetime, pod: Callable[..., Pod],
) -> None:
    with pytest.raises(LedgerError):
        ledger.mark_pod_created("pod-new", now=t0)
    ledger.observe_pods([pod("pod-new")], now=t0, owners={"pod-new": "U0ALICE"})
    ledger.mark_pod_created("pod-new", now=t0, deadline_at=t0 + timedelta(hours=2), bid_per_gpu=Decimal("0.31"))
    state = ledger.lifecycle_state()["pod-new"]
    assert state.created_by_podwarden
    assert state.deadline_at == t0 + timedelta(hours=2)
