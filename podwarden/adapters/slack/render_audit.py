"""The audit log as a reply: newest first, with where it was asked and what RunPod said."""

from __future__ import annotations

from collections.abc import Sequence

from podwarden.adapters.slack.reply import Reply, Section
from podwarden.domain.ledger_values import AuditEntry

_SHOWN = 40


_ABOUT_CHARS = 60  # a filter is quoted back at most this long: never a whole paste


def audit(entries: Sequence[AuditEntry], *, about: str, days: int) -> Reply:
    if not entries:
        shown = about if len(about) <= _ABOUT_CHARS else about[: _ABOUT_CHARS - 1] + "…"
        return Reply(title=f"Nothing in the audit log {shown} in the last {days} day(s)", data={"entries": []})
    rows: list[tuple[str, ...]] = [("when (UTC)", "who", "did", "to", "outcome", "runpod", "where")]
    for e in entries[:_SHOWN]:
        rows.append((f"{e.at:%m-%d %H:%M}", e.actor, e.action, e.target or "—", e.outcome.value,
                     e.answer_status or "—", e.channel or "—"))
    errors = [f"{e.at:%m-%d %H:%M} {e.action}: {e.error}" for e in entries[:_SHOWN] if e.error]
    sections = [Section(table=tuple(rows))]
    if errors:
        sections.append(Section(lines=tuple(errors[:10])))
    return Reply(
        title=f"Audit log {about}, last {days} day(s): {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}",
        sections=tuple(sections),
        data={"entries": [{"at": e.at, "actor": e.actor, "action": e.action, "target": e.target, "args": e.args,
                           "outcome": e.outcome, "error": e.error, "channel": e.channel,
                           "answer_status": e.answer_status} for e in entries]},
    )
