"""One answer, three surfaces: a `Reply` renders as plain text (console, CLI), Block Kit
(Slack) and JSON (`podwarden ask --json`).

Renderers in this package turn service results into a `Reply`; faces only choose the
surface. Keeping the figures in `data` (Decimals become strings) means scripts read the
same numbers people see, never a parse of the text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

# Slack limits (docs.slack.dev): 50 blocks per message, 3000 chars per section text.
MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000


@dataclass(frozen=True, slots=True)
class Button:
    """An interactive button. `action_id` names the handler; `value` carries its argument."""

    text: str
    action_id: str
    value: str = ""
    style: str | None = None  # "primary" | "danger"
    confirm: str | None = None  # a confirmation dialog text for destructive actions


@dataclass(frozen=True, slots=True)
class Section:
    """A heading-less block of text lines, optionally with a small table."""

    lines: tuple[str, ...] = ()
    table: tuple[tuple[str, ...], ...] = ()  # first row is the header
    strong: bool = False  # the line that matters most (bold in Slack)


@dataclass(frozen=True, slots=True)
class Reply:
    title: str
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    ok: bool = True
    kind: str = "answer"
    """What the reply is: an `answer`, or an error that is the person's `input` (bad input a
    service or the parser found), a `refused` role or channel, or a `failure` (RunPod or
    Podwarden could not do it). `podwarden ask` chooses its exit status from it."""

    # -- plain text -------------------------------------------------------------------
    def text(self) -> str:
        out = [self.title]
        for section in self.sections:
            out.append("")
            out.extend(section.lines)
            if section.table:
                out.extend(format_table(section.table))
        if self.buttons:
            out.append("")
            out.append("  ".join(f"[{b.text}]" for b in self.buttons))
        return "\n".join(out).rstrip() + "\n"

    # -- Block Kit ----------------------------------------------------------------------
    def blocks(self) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = [_section(f"*{_escape(self.title)}*")]
        for section in self.sections:
            body = "\n".join(f"*{_escape(line)}*" if section.strong else _escape(line) for line in section.lines)
            if section.table:
                table = "\n".join(format_table(section.table))
                body = (body + "\n" if body else "") + "```" + _escape(table) + "```"
            for chunk in _chunks(body, MAX_SECTION_CHARS):
                blocks.append(_section(chunk))
        if self.buttons:
            blocks.append({"type": "actions", "elements": [_button(b) for b in self.buttons[:25]]})
        if len(blocks) > MAX_BLOCKS:
            blocks = [*blocks[: MAX_BLOCKS - 1], _section("_…truncated; run the command with a narrower filter._")]
        return blocks

    # -- JSON ---------------------------------------------------------------------------
    def json(self) -> str:
        if not self.ok:  # one shape for every error: scripts read `error` and `usage`, always present
            error = {"ok": False, "error": self.data.get("error", self.title), "usage": self.data.get("usage")}
            return json.dumps(error, default=_jsonable, indent=2, sort_keys=False)
        payload = {"ok": self.ok, "title": self.title, **self.data}
        return json.dumps(payload, default=_jsonable, indent=2, sort_keys=False)


def error_reply(message: str, *, usage: str | None = None, kind: str = "failure") -> Reply:
    """An error as one line (and the usage, when there is one); `kind` says whose it is:
    `input`, `refused` or `failure` (see `Reply.kind`)."""
    lines = (f"Usage: {usage}",) if usage else ()
    return Reply(
        title=message,
        sections=(Section(lines=lines),) if lines else (),
        data={"error": message, "usage": usage or None},
        ok=False,
        kind=kind,
    )


def format_table(rows: tuple[tuple[str, ...], ...]) -> list[str]:
    if not rows:
        return []
    widths = [max(len(row[i]) if i < len(row) else 0 for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text or " "}}


def _chunks(text: str, size: int) -> list[str]:
    if len(text) <= size:
        return [text]
    parts, current = [], ""
    for line in text.split("\n"):
        if current and len(current) + len(line) + 1 > size:
            parts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line[:size]
    return [*parts, current] if current else parts


def _button(button: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": button.text[:75]},
        "action_id": button.action_id,
        "value": button.value[:2000],
    }
    if button.style:
        element["style"] = button.style
    if button.confirm:
        element["confirm"] = {
            "title": {"type": "plain_text", "text": "Are you sure?"},
            "text": {"type": "mrkdwn", "text": button.confirm[:300]},
            "confirm": {"type": "plain_text", "text": button.text[:30]},
            "deny": {"type": "plain_text", "text": "Cancel"},
        }
    return element
