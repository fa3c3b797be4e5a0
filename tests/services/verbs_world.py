"""The bot's services over the in-process simulator (demo fleet) and a SQLite ledger of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.verbs import Verbs
from podwarden import bootstrap
from podwarden.bootstrap import Services
from podwarden.domain.access import Actor, Role
from podwarden.domain.notes import MessageRef, Note

ADMIN, ALICE, BOB, VIEWER = "U0ADMIN", "U0ALICE", "U0BOB", "U0VIEW"


@dataclass
class Notes:
    """The Notifier port as lists: what was sent, and which message was replaced by what."""

    sent: list[Note] = field(default_factory=list)
    updates: list[tuple[MessageRef, Note]] = field(default_factory=list)
    _refs: dict[tuple[str, str], MessageRef] = field(default_factory=dict)

    def send(self, note: Note) -> MessageRef:
        self.sent.append(note)
        ref = MessageRef(channel=note.to, ts=f"{len(self.sent)}.0001")
        self._refs[(note.to, note.key)] = ref
        return ref

    def update(self, ref: MessageRef, note: Note) -> None:
        self.updates.append((ref, note))

    def find_sent(self, channel: str, key: str, *, oldest: datetime) -> MessageRef | None:
        return self._refs.get((channel, key))


@dataclass
class World:
    services: Services
    verbs: Verbs
    notes: Notes

    @property
    def sim(self) -> Any:
        assert self.services.simulator is not None
        return self.services.simulator

    def now(self) -> datetime:
        return self.services.clock.now()


def actor(user: str, role: Role, channel: str | None = None) -> Actor:
    return Actor(user_id=user, role=role, channel_id=channel)


@contextmanager
def world(tmp_path: Path, **settings: Any) -> Iterator[World]:
    values: dict[str, Any] = {"database_url": f"sqlite:///{tmp_path / 'ledger.db'}", "admins": ADMIN,
                              "members": f"{ALICE},{BOB}"}
    values.update(settings)
    notes = Notes()
    with bootstrap.build(bootstrap.settings(**values), sim=True, notifier=notes) as services:
        yield World(services, Verbs(services), notes)
