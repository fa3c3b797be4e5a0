"""Approval requests (Approve / Deny for admins) and their outcome (for the requester)."""

from __future__ import annotations

from podwarden.adapters.slack.render_notes import renders
from podwarden.adapters.slack.reply import Button, Reply, Section
from podwarden.domain.notes import ApprovalOutcome, ApprovalRequested

APPROVE = "approval_approve"
DENY = "approval_deny"

_OUTCOMES = {
    "approved": "approved by <@{by}>",
    "denied": "denied by <@{by}>",
    "expired": "expired: no admin decided in time",
    "failed": "approved by <@{by}>, but it could not be done",
}


@renders(ApprovalRequested)
def approval_requested(note: ApprovalRequested) -> Reply:
    return Reply(
        title=f"Approval needed: <@{note.requester}> wants to {note.verb} {note.summary} at {note.per_hr}",
        sections=(Section(lines=(f"Above the approval threshold. The request lapses at {note.expires_at} UTC.",)),),
        buttons=(
            Button("Approve", APPROVE, note.nonce, style="primary"),
            Button("Deny", DENY, note.nonce, style="danger"),
        ),
        data={"approval": {"nonce": note.nonce, "requester": note.requester, "verb": note.verb,
                           "summary": note.summary, "per_hr": note.per_hr, "expires_at": note.expires_at}},
    )


@renders(ApprovalOutcome)
def approval_outcome(note: ApprovalOutcome) -> Reply:
    said = _OUTCOMES.get(note.outcome, note.outcome).format(by=note.by or "?")
    lines = (note.result,) if note.result else ()
    whose = f"<@{note.requester}>'s request" if note.for_admins else "Your request"
    return Reply(
        title=f"{whose} to {note.verb} {note.summary} was {said}",
        sections=(Section(lines=lines),) if lines else (),
        data={"approval": {"nonce": note.nonce, "requester": note.requester, "verb": note.verb,
                           "outcome": note.outcome, "by": note.by, "result": note.result}},
        ok=note.outcome == "approved",
    )
