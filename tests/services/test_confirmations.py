"""ConfirmationService: one consume per nonce, approvals decided once, lapsed requests told."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from podwarden.domain.access import Refused, Role
from podwarden.domain.ledger_values import AuditOutcome, PendingState
from podwarden.domain.notes import ApprovalOutcome, ApprovalRequested
from podwarden.errors import InputError
from podwarden.services.confirmations import asked_in
from tests.services.verbs_world import ADMIN, ALICE, BOB, actor, world

pytestmark = pytest.mark.usefixtures("podwarden_env")
alice, bob, admin = actor(ALICE, Role.MEMBER, "C1"), actor(BOB, Role.MEMBER), actor(ADMIN, Role.ADMIN)


def test_a_confirmation_is_consumed_once(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        c = w.verbs.confirmations
        offer = c.offer(alice, "start", {"x": 1}, per_hr=Decimal(1), summary="a pod")
        assert not offer.needs_approval
        first = c.confirm(offer.nonce, alice, verb="start")
        assert first.kind == "go"
        assert first.action.channel == "C1"
        c.finish(offer.nonce, "pod-1")
        second = c.confirm(offer.nonce, alice, verb="start")
        assert (second.kind, second.action.result) == ("done", "pod-1")


def test_only_the_requester_confirms_and_the_verb_must_match(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        c = w.verbs.confirmations
        offer = c.offer(alice, "terminate", {"pod": "p"})
        with pytest.raises(Refused, match=f"Only <@{ALICE}>"):
            c.confirm(offer.nonce, bob, verb="terminate")
        with pytest.raises(InputError, match="no longer exists"):
            c.confirm(offer.nonce, alice, verb="start")  # a nonce of another verb's button
        assert [e.outcome for e in w.services.ledger.audit_log(actor=BOB)] == [AuditOutcome.REFUSED]


def test_above_the_threshold_admins_are_asked_and_the_first_decides(tmp_path: Path) -> None:
    with world(tmp_path, approval_threshold="5") as w:
        c = w.verbs.confirmations
        offer = c.offer(alice, "start", {}, per_hr=Decimal(6), summary="big")
        assert offer.needs_approval
        asked = c.confirm(offer.nonce, alice, verb="start")
        assert asked.kind == "awaiting"
        [request] = w.notes.sent
        assert isinstance(request, ApprovalRequested)
        assert (request.to, request.per_hr) == (ADMIN, "$6.00/h")
        with pytest.raises(InputError, match="Already waiting"):
            c.confirm(offer.nonce, alice, verb="start")
        with pytest.raises(Refused, match="Only admins"):
            c.decide(offer.nonce, bob, approve=True)
        assert c.decide(offer.nonce, admin, approve=True).kind == "go"
        assert c.decide(offer.nonce, admin, approve=False).kind == "done"  # the first click decided
        found = w.services.ledger.pending_action(offer.nonce)
        assert found is not None
        assert (found.state, found.approver) == (PendingState.CONSUMED, ADMIN)


def test_admins_confirm_their_own_above_the_threshold(tmp_path: Path) -> None:
    with world(tmp_path, approval_threshold="5") as w:
        offer = w.verbs.confirmations.offer(admin, "start", {}, per_hr=Decimal(50))
        assert not offer.needs_approval


def test_approvals_go_to_the_notice_channel_when_there_is_one(tmp_path: Path) -> None:
    with world(tmp_path, approval_threshold="5", notice_channel="C0NOTICE") as w:
        offer = w.verbs.confirmations.offer(alice, "resume", {}, per_hr=Decimal(9))
        w.verbs.confirmations.confirm(offer.nonce, alice, verb="resume")
        assert [n.to for n in w.notes.sent] == ["C0NOTICE"]


def test_a_denial_and_an_expiry_are_told_to_the_requester(tmp_path: Path) -> None:
    with world(tmp_path, approval_threshold="5") as w:
        c = w.verbs.confirmations
        denied = c.offer(alice, "start", {}, per_hr=Decimal(6), summary="one")
        c.confirm(denied.nonce, alice, verb="start")
        c.decide(denied.nonce, admin, approve=False)
        lapsed = c.offer(alice, "start", {}, per_hr=Decimal(6), summary="two")
        c.confirm(lapsed.nonce, alice, verb="start")
        never_clicked = c.offer(alice, "start", {}, per_hr=Decimal(6), summary="three")
        w.sim.advance(timedelta(hours=5).total_seconds())
        assert [a.nonce for a in c.expire()] == [lapsed.nonce]
        assert c.expire() == []  # told once
        outcomes = [(n.summary, n.outcome, n.to) for n in w.notes.sent if isinstance(n, ApprovalOutcome)]
        assert outcomes == [("one", "denied", ALICE), ("two", "expired", ALICE)]
        with pytest.raises(InputError, match="expired"):
            c.confirm(never_clicked.nonce, alice, verb="start")


def test_cancel_is_for_the_requester_and_ends_the_offer(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        c = w.verbs.confirmations
        offer = c.offer(alice, "deploy", {"name": "e"})
        with pytest.raises(Refused):
            c.cancel(offer.nonce, bob, verb="deploy")
        assert c.cancel(offer.nonce, alice, verb="deploy").state is PendingState.CANCELLED
        with pytest.raises(InputError, match="was cancelled"):
            c.confirm(offer.nonce, alice, verb="deploy")


def test_every_admin_request_message_is_replaced_once_decided(tmp_path: Path) -> None:
    with world(tmp_path, approval_threshold="5", admins=f"{ADMIN},U0ADMIN2") as w:
        c = w.verbs.confirmations
        offer = c.offer(alice, "start", {}, per_hr=Decimal(6), summary="big")
        c.confirm(offer.nonce, alice, verb="start")
        assert sorted(n.to for n in w.notes.sent) == [ADMIN, "U0ADMIN2"]
        c.decide(offer.nonce, admin, approve=True)
        replaced = {ref.channel: note for ref, note in w.notes.updates}
        assert sorted(replaced) == [ADMIN, "U0ADMIN2"]
        assert all(isinstance(n, ApprovalOutcome) and n.for_admins and n.outcome == "approved" and n.by == ADMIN
                   for n in replaced.values())


def test_the_approval_request_message_is_remembered_with_its_channel(tmp_path: Path) -> None:
    with world(tmp_path, approval_threshold="5", notice_channel="C0NOTICE") as w:
        c = w.verbs.confirmations
        offer = c.offer(alice, "resume", {}, per_hr=Decimal(9))
        before = w.services.ledger.pending_action(offer.nonce)
        assert before is not None
        assert (before.channel, before.message_ts) == ("C1", None)
        c.confirm(offer.nonce, alice, verb="resume")
        after = w.services.ledger.pending_action(offer.nonce)
        assert after is not None
        assert after.channel == "C0NOTICE"
        posted = w.notes.find_sent("C0NOTICE", f"approval:{offer.nonce}:C0NOTICE", oldest=after.created_at)
        assert posted is not None
        assert after.message_ts == posted.ts  # the message holding Approve / Deny
        assert asked_in(after) == "C1"  # where alice asked is kept
