"""The audit log as the bot writes and reads it: who did what, where, and what RunPod said.

Every mutating action and every refusal passes through `AuditService.record`, so that
`audit` can answer "who stopped my pod?" and "why was I refused?" from one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from podwarden.domain.access import Actor
from podwarden.domain.ledger_values import AuditEntry, AuditOutcome
from podwarden.errors import RunPodError
from podwarden.ports import Clock, Ledger


def answer_status(exc: BaseException) -> str:
    """What RunPod answered, short: the HTTP status when there was one, else the error's kind."""
    if isinstance(exc, RunPodError) and exc.status is not None:
        return str(exc.status)
    return type(exc).__name__


class AuditService:
    def __init__(self, ledger: Ledger, clock: Clock) -> None:
        self._ledger = ledger
        self._clock = clock

    def record(
        self, actor: Actor, verb: str, *, outcome: AuditOutcome, target: str | None = None,
        args: Mapping[str, Any] | None = None, error: str | None = None, answer: str | None = None,
    ) -> AuditEntry:
        return self._ledger.audit(
            actor.user_id, verb, at=self._clock.now(), target=target, args=args, outcome=outcome,
            error=error, channel=actor.channel_id, answer_status=answer,
        )

    def refused(self, actor: Actor, verb: str, why: str, *, target: str | None = None,
                args: Mapping[str, Any] | None = None) -> AuditEntry:
        return self.record(actor, verb, outcome=AuditOutcome.REFUSED, target=target, args=args, error=why)

    def failed(self, actor: Actor, verb: str, exc: BaseException, *, target: str | None = None,
               args: Mapping[str, Any] | None = None) -> AuditEntry:
        return self.record(actor, verb, outcome=AuditOutcome.FAILED, target=target, args=args, error=str(exc),
                           answer=answer_status(exc))

    def recent(
        self, *, days: int, user: str | None = None, target: str | None = None, limit: int = 50,
    ) -> list[AuditEntry]:
        """Entries of the last `days` days, newest first (a user's, or about one pod)."""
        since = self._clock.now() - timedelta(days=days)
        return self._ledger.audit_log(since=since, actor=user, target=target, limit=limit)
