"""Coordination through the ledger: leases, confirmations and snoozes.

Each state change here is one conditional statement (`UPDATE ... WHERE state = 'pending'`,
`UPDATE ... WHERE holder = me OR expired`), so the database decides races: of two
processes consuming the same confirmation, exactly one is told it did.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Update, select, update

from podwarden.adapters.sql._base import LedgerBase, aware, dump_json, insert_ignore, load_json, rowcount
from podwarden.adapters.sql.models import LeaseRow, PendingActionRow, PodRow, SnoozeRow
from podwarden.domain.ledger_values import Lease, PendingAction, PendingState, Snooze
from podwarden.errors import LedgerError


class CoordinationMixin(LedgerBase):
    # -- leases ----------------------------------------------------------------------------------
    def acquire_lease(self, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
        """Take the lease if it is free or expired, or extend it if `holder` has it."""
        now = aware(now)
        if ttl <= timedelta(0):
            raise ValueError("a lease must last a while")
        values = {"holder": holder, "expires_at": now + ttl, "beat_at": now}
        with self._write() as session:
            if insert_ignore(session, LeaseRow, {"name": name, **values}):
                return True
            stmt = update(LeaseRow).where(
                LeaseRow.name == name, (LeaseRow.holder == holder) | (LeaseRow.expires_at <= now),
            )
            return rowcount(session.execute(_plain(stmt.values(**values)))) == 1

    def renew_lease(self, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
        """Extend the lease only if `holder` still has it; False means leadership was lost."""
        now = aware(now)
        if ttl <= timedelta(0):
            raise ValueError("a lease must last a while")
        stmt = update(LeaseRow).where(
            LeaseRow.name == name, LeaseRow.holder == holder, LeaseRow.expires_at > now,
        ).values(expires_at=now + ttl, beat_at=now)
        with self._write() as session:
            return rowcount(session.execute(_plain(stmt))) == 1

    def release_lease(self, name: str, holder: str, *, now: datetime) -> bool:
        """Let the lease go now (a clean shutdown), so another process need not wait."""
        now = aware(now)
        stmt = update(LeaseRow).where(
            LeaseRow.name == name, LeaseRow.holder == holder, LeaseRow.expires_at > now,
        ).values(expires_at=now)
        with self._write() as session:
            return rowcount(session.execute(_plain(stmt))) == 1

    def lease(self, name: str) -> Lease | None:
        with self._read() as session:
            row = session.get(LeaseRow, name)
            if row is None:
                return None
            return Lease(name=row.name, holder=row.holder, expires_at=row.expires_at, beat_at=row.beat_at)

    # -- confirmations ---------------------------------------------------------------------------
    def create_pending_action(
        self, *, requester: str, verb: str, payload: Mapping[str, Any], now: datetime, ttl: timedelta,
        request_key: str | None = None, channel: str | None = None,
    ) -> PendingAction:
        """Park a request until the user confirms it. The same `request_key` (a retried
        request) returns the action already parked, whatever its state."""
        now = aware(now)
        if ttl <= timedelta(0):
            raise ValueError("a confirmation must stay open a while")
        with self._write() as session:
            nonce = secrets.token_urlsafe(18)
            insert_ignore(session, PendingActionRow, {
                "nonce": nonce, "request_key": request_key, "requester": requester, "verb": verb,
                "payload": dump_json(payload), "state": PendingState.PENDING.value,
                "created_at": now, "expires_at": now + ttl, "consumed_at": None, "result": None,
                "channel": channel,
            })
            if request_key is not None:
                query = select(PendingActionRow).where(PendingActionRow.request_key == request_key)
            else:
                query = select(PendingActionRow).where(PendingActionRow.nonce == nonce)
            return _pending_value(session.scalars(query).one())

    def consume_pending_action(
        self, nonce: str, *, now: datetime, clicked_by: str | None = None,
    ) -> PendingAction | None:
        """Mark the action confirmed and return it, exactly once; None if it was already
        consumed, cancelled, expired or never existed."""
        now = aware(now)
        stmt = update(PendingActionRow).where(
            PendingActionRow.nonce == nonce, PendingActionRow.state == PendingState.PENDING.value,
            PendingActionRow.expires_at > now,
        ).values(state=PendingState.CONSUMED.value, consumed_at=now, clicked_by=clicked_by)
        return self._changed(nonce, stmt)

    def request_approval(self, nonce: str, *, now: datetime, ttl: timedelta) -> PendingAction | None:
        """Turn a pending confirmation into a request for an admin's decision, open for `ttl`."""
        now = aware(now)
        stmt = update(PendingActionRow).where(
            PendingActionRow.nonce == nonce, PendingActionRow.state == PendingState.PENDING.value,
            PendingActionRow.expires_at > now,
        ).values(state=PendingState.AWAITING_APPROVAL.value, expires_at=now + ttl)
        return self._changed(nonce, stmt)

    def decide_approval(
        self, nonce: str, *, approver: str, approve: bool, now: datetime,
    ) -> PendingAction | None:
        """An admin's Approve (the action is consumed, to be carried out once) or Deny; of two
        clicks, only the first decides."""
        now = aware(now)
        state = PendingState.CONSUMED if approve else PendingState.DENIED
        stmt = update(PendingActionRow).where(
            PendingActionRow.nonce == nonce, PendingActionRow.state == PendingState.AWAITING_APPROVAL.value,
            PendingActionRow.expires_at > now,
        ).values(state=state.value, consumed_at=now, approver=approver, clicked_by=approver)
        return self._changed(nonce, stmt)

    def expire_pending_actions(self, *, now: datetime) -> list[PendingAction]:
        """Expire the open actions whose time is up; return those that were awaiting an
        admin (their requesters are told), each exactly once whoever else expires them."""
        now = aware(now)
        told: list[PendingAction] = []
        with self._write() as session:
            query = select(PendingActionRow.nonce, PendingActionRow.state).where(
                PendingActionRow.state.in_((PendingState.PENDING.value, PendingState.AWAITING_APPROVAL.value)),
                PendingActionRow.expires_at <= now,
            )
            for nonce, state in list(session.execute(query)):
                stmt = update(PendingActionRow).where(
                    PendingActionRow.nonce == nonce, PendingActionRow.state == state,
                ).values(state=PendingState.EXPIRED.value, consumed_at=now)
                if rowcount(session.execute(_plain(stmt))) == 1 and state == PendingState.AWAITING_APPROVAL.value:
                    row = session.get(PendingActionRow, nonce, populate_existing=True)
                    if row is not None:
                        told.append(_pending_value(row))
        return told

    def mark_pod_created(
        self, pod_id: str, *, now: datetime, deadline_at: datetime | None = None,
        bid_per_gpu: Decimal | None = None,
    ) -> None:
        now = aware(now)
        values: dict[str, Any] = {"created_by_podwarden": True, "updated_at": now}
        if deadline_at is not None:
            values["deadline_at"] = aware(deadline_at, "deadline_at")
        if bid_per_gpu is not None:
            values["bid_per_gpu"] = bid_per_gpu
        stmt = update(PodRow).where(PodRow.id == pod_id).values(**values)
        with self._write() as session:
            if rowcount(session.execute(_plain(stmt))) != 1:
                raise LedgerError(f"pod {pod_id} is not in the ledger yet; record an observation of it first")

    def _changed(self, nonce: str, stmt: Update) -> PendingAction | None:
        with self._write() as session:
            if rowcount(session.execute(_plain(stmt))) != 1:
                return None
            row = session.get(PendingActionRow, nonce, populate_existing=True)
            return _pending_value(row) if row is not None else None

    def cancel_pending_action(self, nonce: str, *, now: datetime) -> bool:
        now = aware(now)
        stmt = update(PendingActionRow).where(
            PendingActionRow.nonce == nonce, PendingActionRow.state == PendingState.PENDING.value,
        ).values(state=PendingState.CANCELLED.value, consumed_at=now)
        with self._write() as session:
            return rowcount(session.execute(_plain(stmt))) == 1

    def set_pending_result(self, nonce: str, result: str) -> None:
        """Remember what a consumed action produced (e.g. the new pod's id), so that a
        retried confirmation can answer with it instead of acting again."""
        stmt = update(PendingActionRow).where(PendingActionRow.nonce == nonce).values(result=result)
        with self._write() as session:
            if rowcount(session.execute(_plain(stmt))) != 1:
                raise LedgerError(f"no pending action {nonce!r} in the ledger")

    def set_pending_message(self, nonce: str, *, channel: str, ts: str) -> None:
        """Where the approval request holding the action's Approve/Deny buttons was posted."""
        stmt = update(PendingActionRow).where(PendingActionRow.nonce == nonce).values(channel=channel, message_ts=ts)
        with self._write() as session:
            if rowcount(session.execute(_plain(stmt))) != 1:
                raise LedgerError(f"no pending action {nonce!r} in the ledger")

    def pending_action(self, nonce: str) -> PendingAction | None:
        with self._read() as session:
            row = session.get(PendingActionRow, nonce)
            return _pending_value(row) if row is not None else None

    # -- snoozes ---------------------------------------------------------------------------------
    def snooze_pod(
        self, pod_id: str, *, until: datetime, by: str, now: datetime, reason: str | None = None,
    ) -> Snooze:
        """Exempt a pod from idle shutdown until `until` (`keep <pod> 2h`)."""
        now, until = aware(now), aware(until, "until")
        if until <= now:
            raise ValueError("a snooze must end in the future")
        with self._write() as session:
            if session.get(PodRow, pod_id) is None:
                raise LedgerError(f"pod {pod_id} is not in the ledger yet; record an observation of it first")
            row = SnoozeRow(pod_id=pod_id, until=until, reason=reason, created_by=by, created_at=now)
            session.add(row)
            return _snooze_value(row)

    def active_snooze(self, pod_id: str, *, now: datetime) -> Snooze | None:
        """The snooze of the pod that lasts longest from `now`, if any."""
        return self.active_snoozes(now=now, pod_id=pod_id).get(pod_id)

    def active_snoozes(self, *, now: datetime, pod_id: str | None = None) -> dict[str, Snooze]:
        """The longest-lasting active snooze of each snoozed pod."""
        query = select(SnoozeRow).where(SnoozeRow.until > aware(now))
        if pod_id is not None:
            query = query.where(SnoozeRow.pod_id == pod_id)
        active: dict[str, Snooze] = {}
        with self._read() as session:
            for row in session.scalars(query.order_by(SnoozeRow.until, SnoozeRow.id)):
                active[row.pod_id] = _snooze_value(row)  # later rows last longer
        return active

    def clear_snoozes(self, pod_id: str, *, now: datetime) -> int:
        """End the pod's active snoozes now; how many there were."""
        now = aware(now)
        stmt = update(SnoozeRow).where(SnoozeRow.pod_id == pod_id, SnoozeRow.until > now).values(until=now)
        with self._write() as session:
            return rowcount(session.execute(_plain(stmt)))


def _plain(stmt: Update) -> Update:
    """A bulk UPDATE that leaves the session's objects alone (we reload what we return)."""
    return stmt.execution_options(synchronize_session=False)


def _pending_value(row: PendingActionRow) -> PendingAction:
    return PendingAction(
        nonce=row.nonce, requester=row.requester, verb=row.verb, payload=load_json(row.payload),
        state=PendingState(row.state), created_at=row.created_at, expires_at=row.expires_at,
        request_key=row.request_key, consumed_at=row.consumed_at, result=row.result, channel=row.channel,
        approver=row.approver, clicked_by=row.clicked_by, message_ts=row.message_ts,
    )


def _snooze_value(row: SnoozeRow) -> Snooze:
    return Snooze(pod_id=row.pod_id, until=row.until, reason=row.reason, by=row.created_by,
                  created_at=row.created_at)
