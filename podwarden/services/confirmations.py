"""Confirm buttons and admin approvals, decided by the ledger so a double click acts once.

An offer parks the request as a pending action; its nonce goes into the Confirm button.
Confirming consumes it (one conditional UPDATE: of two clicks or two bot replicas, exactly
one wins); the winner carries it out, the loser is told what already happened. Above the
approval threshold ($/h) a member's Confirm asks the admins instead (Approve / Deny, sent
through the `Notifier`); the first admin's click decides and the requester is told, or told
that the request expired. Clicks by anyone else are refused and audited.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from podwarden.domain.access import Actor, Refused, Role
from podwarden.domain.answers import Offer
from podwarden.domain.ledger_values import AuditOutcome, PendingAction, PendingState
from podwarden.domain.notes import ApprovalOutcome, ApprovalRequested
from podwarden.errors import InputError, NotifyError
from podwarden.ports import Clock, Ledger, Notifier
from podwarden.services.audit import AuditService

log = logging.getLogger("podwarden.confirmations")

ASKED_IN = "asked_in"  # the requester's channel, kept once `channel` names the approval request's
CONFIRM_TTL = timedelta(minutes=15)
APPROVAL_TTL = timedelta(hours=4)


@dataclass(frozen=True, slots=True)
class Confirmation:
    """What a Confirm click led to: `go` (carry out `action`), `awaiting` (admins asked),
    or `done` (someone already confirmed; `action.result` says what it made)."""

    kind: str
    action: PendingAction


class ConfirmationService:
    def __init__(
        self, ledger: Ledger, clock: Clock, notifier: Notifier, audit: AuditService, *,
        approval_threshold: Decimal, notice_channel: str | None = None, admins: Collection[str] = (),
        ttl: timedelta = CONFIRM_TTL, approval_ttl: timedelta = APPROVAL_TTL,
    ) -> None:
        """`notice_channel` and `admins` (the configured ones; the ledger knows the others) are
        where approval requests go: see `approvers`."""
        self._ledger = ledger
        self._clock = clock
        self._notifier = notifier
        self._audit = audit
        self.threshold = approval_threshold
        self._notice_channel = notice_channel
        self._admins = frozenset(admins)
        self._ttl = ttl
        self._approval_ttl = approval_ttl

    def offer(
        self, actor: Actor, verb: str, payload: Mapping[str, Any], *, per_hr: Decimal | None = None,
        summary: str = "",
    ) -> Offer:
        """Park `verb` with `payload` until its requester confirms. Members above the
        threshold will need an admin's approval (admins approve their own by confirming)."""
        self.expire()  # every bot replica sweeps lapsed requests now and then, daemon or not
        needs = per_hr is not None and per_hr > self.threshold and not actor.admin
        action = self._ledger.create_pending_action(
            requester=actor.user_id, verb=verb, now=self._clock.now(), ttl=self._ttl, channel=actor.channel_id,
            payload={**payload, "needs_approval": needs, "summary": summary, ASKED_IN: actor.channel_id,
                     "per_hr": str(per_hr) if per_hr is not None else None},
        )
        return Offer(nonce=action.nonce, needs_approval=needs, per_hr=per_hr)

    def confirm(self, nonce: str, actor: Actor, *, verb: str) -> Confirmation:
        pending = self._mine(nonce, actor, verb)
        now = self._clock.now()
        if pending.payload.get("needs_approval") and pending.state is PendingState.PENDING:
            asked = self._ledger.request_approval(nonce, now=now, ttl=self._approval_ttl)
            if asked is not None:
                self._ask_admins(asked)
                self._audit.record(actor, f"{verb} approval requested", outcome=AuditOutcome.STARTED,
                                   target=nonce, args=_args(asked))
                return Confirmation(kind="awaiting", action=asked)
        consumed = self._ledger.consume_pending_action(nonce, now=now, clicked_by=actor.user_id)
        if consumed is not None:
            return Confirmation(kind="go", action=consumed)
        return Confirmation(kind="done", action=self._closed(nonce))

    def cancel(self, nonce: str, actor: Actor, *, verb: str) -> PendingAction:
        self._mine(nonce, actor, verb)
        if not self._ledger.cancel_pending_action(nonce, now=self._clock.now()):
            return self._closed(nonce)
        cancelled = self._ledger.pending_action(nonce)
        if cancelled is None:  # pragma: no cover - rows are never deleted
            raise InputError("That confirmation no longer exists.")
        self._audit.record(actor, f"{verb} cancelled", outcome=AuditOutcome.OK, target=nonce, args=_args(cancelled))
        return cancelled

    def decide(self, nonce: str, actor: Actor, *, approve: bool) -> Confirmation:
        """An admin's Approve (`go`: carry the action out) or Deny; `done` when an earlier
        click already approved it."""
        self.expire()
        word = "approve" if approve else "deny"
        pending = self._ledger.pending_action(nonce)
        if pending is None:
            raise InputError("That request no longer exists.")
        if not actor.admin:
            why = f"only admins may {word} requests"
            self._audit.refused(actor, word, why, target=nonce, args=_args(pending))
            raise Refused(f"Only admins may {word} this request; you are a {actor.role}.")
        decided = self._ledger.decide_approval(nonce, approver=actor.user_id, approve=approve, now=self._clock.now())
        if decided is None:
            return Confirmation(kind="done", action=self._closed(nonce))
        self._audit.record(actor, word, outcome=AuditOutcome.OK, target=nonce, args=_args(decided))
        self._close_requests(decided, "approved" if approve else "denied", by=actor.user_id)
        if not approve:
            self.tell(decided, "denied", by=actor.user_id)
        return Confirmation(kind="go", action=decided)

    def tell(self, action: PendingAction, outcome: str, *, by: str | None = None, result: str | None = None) -> None:
        """Tell the requester what became of their request (a DM)."""
        note = ApprovalOutcome(
            key=f"approval-outcome:{action.nonce}", to=action.requester, nonce=action.nonce,
            requester=action.requester, verb=action.verb, summary=str(action.payload.get("summary") or action.verb),
            outcome=outcome, by=by, result=result,
        )
        try:
            self._notifier.send(note)
        except NotifyError as exc:
            log.warning("could not tell %s about %s: %s", action.requester, action.nonce, exc)

    def expire(self) -> list[PendingAction]:
        """Expire lapsed requests and tell the requesters of those that awaited an admin.
        Safe to call from any process at any time (the daemon calls it every tick)."""
        lapsed = self._ledger.expire_pending_actions(now=self._clock.now())
        for action in lapsed:
            self.tell(action, "expired")
            self._close_requests(action, "expired")
        return lapsed

    def _close_requests(self, action: PendingAction, outcome: str, *, by: str | None = None) -> None:
        """Replace the request each approver got (found by its key) with what became of it, so
        no admin is left with live Approve/Deny buttons on a decided request."""
        summary = str(action.payload.get("summary") or action.verb)
        for to in self.approvers():
            key = f"approval:{action.nonce}:{to}"
            try:
                ref = self._notifier.find_sent(to, key, oldest=action.created_at - timedelta(minutes=1))
                if ref is not None:
                    self._notifier.update(ref, ApprovalOutcome(
                        key=key, to=to, nonce=action.nonce, requester=action.requester, verb=action.verb,
                        summary=summary, outcome=outcome, by=by, for_admins=True,
                    ))
            except NotifyError as exc:
                log.warning("could not update the approval request to %s: %s", to, exc)

    def finish(self, nonce: str, result: str) -> None:
        self._ledger.set_pending_result(nonce, result)

    def _mine(self, nonce: str, actor: Actor, verb: str) -> PendingAction:
        pending = self._ledger.pending_action(nonce)
        if pending is None or pending.verb != verb:
            raise InputError("That confirmation no longer exists; run the command again.")
        if pending.requester != actor.user_id:
            why = f"only <@{pending.requester}>, who asked, may confirm this {pending.verb}"
            self._audit.refused(actor, f"{verb} confirm", why, target=nonce, args=_args(pending))
            raise Refused(f"Only <@{pending.requester}>, who asked, can confirm this.")
        return pending

    def _closed(self, nonce: str) -> PendingAction:
        """Why a confirmation cannot be acted on, as an error, unless it was already done."""
        found = self._ledger.pending_action(nonce)
        if found is None:
            raise InputError("That confirmation no longer exists; run the command again.")
        if found.state is PendingState.CONSUMED:
            return found
        if found.state is PendingState.AWAITING_APPROVAL and self._clock.now() < found.expires_at:
            raise InputError("Already waiting for an admin's approval; you will be told the outcome.")
        said = {
            PendingState.CANCELLED: "was cancelled", PendingState.DENIED: f"was denied by <@{found.approver}>",
            PendingState.EXPIRED: "expired", PendingState.PENDING: "expired",
            PendingState.AWAITING_APPROVAL: "expired",
        }[found.state]
        raise InputError(f"That request {said}; run the command again.")

    def approvers(self) -> list[str]:
        """Where an approval request goes: the notice channel, where every admin sees it and one
        click decides it; without one, each admin by DM (the ledger's and the configured ones),
        read on each request so that an admin named since is asked too."""
        if self._notice_channel:
            return [self._notice_channel]
        admins = {m.user_id for m in self._ledger.members() if m.role is Role.ADMIN}
        return sorted(admins | self._admins)

    def _ask_admins(self, action: PendingAction) -> None:
        per_hr = action.payload.get("per_hr")
        sent = 0
        remembered = False
        for to in self.approvers():
            note = ApprovalRequested(
                key=f"approval:{action.nonce}:{to}", to=to, nonce=action.nonce, requester=action.requester,
                verb=action.verb, summary=str(action.payload.get("summary") or action.verb),
                per_hr=f"${Decimal(per_hr):.2f}/h" if per_hr else "?", expires_at=action.expires_at.strftime(
                    "%Y-%m-%d %H:%M"),
            )
            try:
                ref = self._notifier.send(note)
                sent += 1
            except NotifyError as exc:
                log.warning("could not ask %s to approve %s: %s", to, action.nonce, exc)
                continue
            if not remembered:  # one row, one message: the first request posted (the others have keys)
                self._ledger.set_pending_message(action.nonce, channel=ref.channel, ts=ref.ts)
                remembered = True
        if not sent:  # the request stays open until it expires; an admin may still see it in `audit`
            raise InputError("No admin could be asked to approve this (set PODWARDEN_NOTICE_CHANNEL or ADMINS).")


def asked_in(action: PendingAction) -> str | None:
    """Where the requester asked (None: the console or the CLI); `action.channel` names the
    approval request's channel once admins were asked."""
    if ASKED_IN in action.payload:
        found = action.payload[ASKED_IN]
        return str(found) if found is not None else None
    return action.channel


def _args(action: PendingAction) -> dict[str, Any]:
    return {"verb": action.verb, "requester": action.requester, "summary": action.payload.get("summary"),
            "per_hr": action.payload.get("per_hr")}
