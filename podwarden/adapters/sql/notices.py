"""Notices sent at most once, digests posted once a week, and the audit log.

A notice is recorded under an idempotency key *before* it is posted and marked sent with
Slack's channel and ts afterwards. A daemon that restarts and decides the same thing again
records the same key, gets the existing notice back, sees that it was sent, and does not
post it a second time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from podwarden.adapters.sql._base import LedgerBase, aware, dump_json, insert_ignore, load_json
from podwarden.adapters.sql.models import AuditRow, DigestSentRow, NoticeRow
from podwarden.domain.ledger_values import AuditEntry, AuditOutcome, Notice, NoticeState
from podwarden.errors import LedgerError


class NoticesMixin(LedgerBase):
    def record_notice(
        self, key: str, *, kind: str, now: datetime, pod_id: str | None = None,
        endpoint_id: str | None = None, recipient: str | None = None, due_at: datetime | None = None,
        payload: str | None = None,
    ) -> Notice:
        """Record a notice about to be sent, or return the one already recorded under `key`.

        Send it only if the notice returned is still PENDING.
        """
        now = aware(now)
        if not key:
            raise ValueError("a notice needs an idempotency key")
        with self._write() as session:
            insert_notice(session, key, kind=kind, now=now, pod_id=pod_id, endpoint_id=endpoint_id,
                          recipient=recipient, due_at=due_at, payload=payload)
            return _notice_value(_locked_notice(session, key))

    def notice(self, key: str) -> Notice | None:
        with self._read() as session:
            row = session.scalars(select(NoticeRow).where(NoticeRow.key == key)).one_or_none()
            return _notice_value(row) if row is not None else None

    def mark_notice_sent(self, key: str, *, channel: str, ts: str, now: datetime) -> Notice:
        """Remember where the notice was posted (to update or withdraw it later)."""
        now = aware(now)
        with self._write() as session:
            row = _locked_notice(session, key)
            if row.state != NoticeState.WITHDRAWN.value:
                row.state = NoticeState.SENT.value
            row.channel, row.ts, row.updated_at, row.error = channel, ts, now, None
            return _notice_value(row)

    def mark_notice_sending(self, key: str, *, now: datetime) -> Notice:
        """A post is about to be made: after a crash, look for it in Slack before posting again."""
        now = aware(now)
        with self._write() as session:
            row = _locked_notice(session, key)
            if row.state in (NoticeState.PENDING.value, NoticeState.FAILED.value):
                row.state, row.updated_at = NoticeState.SENDING.value, now
            return _notice_value(row)

    def mark_notice_failed(self, key: str, *, error: str, now: datetime) -> Notice:
        """The post failed (it is tried again on the next tick, after a look in Slack)."""
        now = aware(now)
        with self._write() as session:
            row = _locked_notice(session, key)
            if row.state in (NoticeState.PENDING.value, NoticeState.SENDING.value):
                row.state, row.updated_at = NoticeState.FAILED.value, now
            row.error = error[:2000]
            return _notice_value(row)

    def undelivered_notices(self) -> list[Notice]:
        """Notices recorded but not known delivered (pending, sending, failed), oldest first."""
        states = (NoticeState.PENDING.value, NoticeState.SENDING.value, NoticeState.FAILED.value)
        query = select(NoticeRow).where(NoticeRow.state.in_(states)).order_by(NoticeRow.created_at, NoticeRow.id)
        with self._read() as session:
            return [_notice_value(row) for row in session.scalars(query)]

    def withdraw_notice(self, key: str, *, now: datetime) -> Notice:
        """The notice no longer holds (the pod became busy, was kept, or was stopped)."""
        now = aware(now)
        with self._write() as session:
            row = _locked_notice(session, key)
            if row.state != NoticeState.WITHDRAWN.value:
                row.state, row.withdrawn_at, row.updated_at = NoticeState.WITHDRAWN.value, now, now
            return _notice_value(row)

    def open_notices(
        self, *, kind: str | None = None, pod_id: str | None = None, since: datetime | None = None,
    ) -> list[Notice]:
        """Notices not withdrawn (pending, sending, sent or failed), oldest first; with `since`,
        only those changed since then (the daemon's recent memory, not the whole history)."""
        query = select(NoticeRow).where(NoticeRow.state != NoticeState.WITHDRAWN.value)
        if since is not None:
            query = query.where(NoticeRow.updated_at >= aware(since, "since"))
        if kind is not None:
            query = query.where(NoticeRow.kind == kind)
        if pod_id is not None:
            query = query.where(NoticeRow.pod_id == pod_id)
        with self._read() as session:
            rows = session.scalars(query.order_by(NoticeRow.created_at, NoticeRow.id))
            return [_notice_value(row) for row in rows]

    # -- weekly digest ---------------------------------------------------------------------------
    def digest_sent(self, week_start: date, channel: str) -> bool:
        query = select(DigestSentRow.id).where(
            DigestSentRow.week_start == week_start, DigestSentRow.channel == channel,
        )
        with self._read() as session:
            return session.scalar(query) is not None

    def record_digest(self, week_start: date, channel: str, *, ts: str | None, now: datetime) -> bool:
        """Remember the digest of the week starting `week_start`; False if it already was."""
        now = aware(now)
        with self._write() as session:
            return insert_ignore(session, DigestSentRow, {
                "week_start": week_start, "channel": channel, "ts": ts, "sent_at": now,
            })

    # -- audit log -------------------------------------------------------------------------------
    def audit(
        self, actor: str, action: str, *, at: datetime, target: str | None = None,
        args: Mapping[str, Any] | None = None, outcome: AuditOutcome = AuditOutcome.OK,
        error: str | None = None, channel: str | None = None, answer_status: str | None = None,
    ) -> AuditEntry:
        """Append who did what to what, where, with which arguments, how it ended and what
        RunPod answered (`answer_status`: an HTTP status or the kind of error)."""
        row = AuditRow(
            at=aware(at, "at"), actor=actor, action=action[:64], target=target[:200] if target else None,
            args=dump_json(args), outcome=AuditOutcome(outcome).value, error=error, channel=channel,
            answer_status=answer_status[:32] if answer_status else None,
        )
        with self._write() as session:
            session.add(row)
            session.flush()
            return _audit_value(row)

    def audit_log(
        self, *, since: datetime | None = None, until: datetime | None = None, actor: str | None = None,
        action: str | None = None, target: str | None = None, limit: int = 100,
    ) -> list[AuditEntry]:
        """Entries in [since, until), newest first."""
        query = select(AuditRow)
        if since is not None:
            query = query.where(AuditRow.at >= aware(since, "since"))
        if until is not None:
            query = query.where(AuditRow.at < aware(until, "until"))
        if actor is not None:
            query = query.where(AuditRow.actor == actor)
        if action is not None:
            query = query.where(AuditRow.action == action)
        if target is not None:
            query = query.where(AuditRow.target == target)
        query = query.order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
        with self._read() as session:
            return [_audit_value(row) for row in session.scalars(query)]


def insert_notice(
    session: Session, key: str, *, kind: str, now: datetime, pod_id: str | None = None,
    endpoint_id: str | None = None, recipient: str | None = None, due_at: datetime | None = None,
    payload: str | None = None,
) -> bool:
    """Record the notice unless one with `key` exists (then nothing changes); True if new."""
    if not key:
        raise ValueError("a notice needs an idempotency key")
    return insert_ignore(session, NoticeRow, {
        "key": key, "kind": kind, "pod_id": pod_id, "endpoint_id": endpoint_id,
        "recipient": recipient, "channel": None, "ts": None, "state": NoticeState.PENDING.value,
        "due_at": aware(due_at, "due_at") if due_at is not None else None,
        "created_at": now, "updated_at": now, "withdrawn_at": None, "payload": payload, "error": None,
    })


def _locked_notice(session: Session, key: str) -> NoticeRow:
    query = select(NoticeRow).where(NoticeRow.key == key).with_for_update()
    row = session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if row is None:
        raise LedgerError(f"no notice with key {key!r} in the ledger")
    return row


def _notice_value(row: NoticeRow) -> Notice:
    return Notice(
        key=row.key, kind=row.kind, state=NoticeState(row.state), created_at=row.created_at,
        updated_at=row.updated_at, pod_id=row.pod_id, endpoint_id=row.endpoint_id,
        recipient=row.recipient, channel=row.channel, ts=row.ts, due_at=row.due_at,
        withdrawn_at=row.withdrawn_at, payload=row.payload, error=row.error,
    )


def _audit_value(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id, at=row.at, actor=row.actor, action=row.action, target=row.target,
        args=load_json(row.args), outcome=AuditOutcome(row.outcome), error=row.error, channel=row.channel,
        answer_status=row.answer_status,
    )
