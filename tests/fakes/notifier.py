"""`FakeNotifier`: the `Notifier` port as lists a test can read, and break on purpose.

`sent` holds every note posted (in order), `updates` every in-place update, and `history`
what `find_sent` searches (the "channel history" a crash leaves behind). `fail_to` makes
posts to some recipients fail (a DM that cannot be opened); `crash_after_post` raises a
`Crash` (not a `NotifyError`) right after a post lands, as a process killed between the
post and the ledger's commit would; `crash_after_posting` does the same after the post of
the note whose key ends with that text (e.g. ":channel", a notice's copy in the channel).
`aliases` maps a channel's name to its id: a post there answers with the id, as Slack does.
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
    crash_after_posting: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def send(self, note: Note) -> MessageRef:
        if note.to in self.fail_to:
            raise NotifyError(f"Slack refused chat.postMessage: cannot reach {note.to}")
        ref = MessageRef(channel=self.aliases.get(note.to, note.to), ts=f"{next(self._ts)}.000100")
        self.sent.append(note)
        self.history[(ref.channel, note.key)] = ref
        if self.crash_after_post or (self.crash_after_posting and note.key.endswith(self.crash_after_posting)):
            self.crash_after_post, self.crash_after_posting = False, None
            raise Crash(f"killed after posting {note.key}")
        return ref

    def update(self, ref: MessageRef, note: Note) -> None:
        self.updates.append((ref, note))

    def find_sent(self, channel: str, key: str, *, oldest: datetime) -> MessageRef | None:
        return self.history.get((self.aliases.get(channel, channel), key))

    def keys(self) -> list[str]:
        return [note.key for note in self.sent]
