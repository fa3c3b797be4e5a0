"""`FakeNotifier`: the `Notifier` port as lists a test can read, and break on purpose.

`sent` holds every note posted (in order), `updates` every in-place update, and `history`
what `find_sent` searches (the "channel history" a crash leaves behind). `fail_to` makes
posts to some recipients fail (a DM that cannot be opened); `crash_after_post` raises a
`Crash` (not a `NotifyError`) right after a post lands, as a process killed between the
post and the ledger's commit would.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

from podwarden.domain.notes import MessageRef, Note
from podwarden.errors import NotifyError


class Crash(BaseException):
    """The process died here (a BaseException, so no `except Exception` swallows it)."""


@dataclass
class FakeNotifier:
    sent: list[Note] = field(default_factory=list)
    updates: list[tuple[MessageRef, Note]] = field(default_factory=list)
    history: dict[tuple[str, str], MessageRef] = field(default_factory=dict)
    fail_to: set[str] = field(default_factory=set)
    crash_after_post: bool = False
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def send(self, note: Note) -> MessageRef:
        if note.to in self.fail_to:
            raise NotifyError(f"Slack refused chat.postMessage: cannot reach {note.to}")
        ref = MessageRef(channel=note.to, ts=f"{next(self._ts)}.000100")
        self.sent.append(note)
        self.history[(note.to, note.key)] = ref
        if self.crash_after_post:
            self.crash_after_post = False
            raise Crash(f"killed after posting {note.key}")
        return ref

    def update(self, ref: MessageRef, note: Note) -> None:
        self.updates.append((ref, note))

    def find_sent(self, channel: str, key: str, *, oldest: datetime) -> MessageRef | None:
        return self.history.get((channel, key))

    def keys(self) -> list[str]:
        return [note.key for note in self.sent]
