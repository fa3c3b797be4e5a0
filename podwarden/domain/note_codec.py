"""Notes as JSON text, so that a notice recorded before a crash can be posted after it.

The outbox keeps the note itself beside its idempotency key: a daemon that died between
recording a notice and posting it finds the text it meant to send, not just the key. Only
the field types notes use are supported (str, int, bool, Decimal, datetime, tuples of
str, and their optional forms); anything else is a `TypeError` when the note is encoded,
long before a crash would need it.
"""

from __future__ import annotations

import json
import sys
import typing
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from podwarden.domain import notes
from podwarden.domain.notes import Note


def encode(note: Note) -> str:
    data: dict[str, Any] = {"kind": type(note).__name__}
    for f in fields(note):
        data[f.name] = _plain(getattr(note, f.name))
    return json.dumps(data, sort_keys=True)


def decode(text: str) -> Note:
    data = json.loads(text)
    kind = _kinds().get(str(data.pop("kind", "")))
    if kind is None:
        raise ValueError(f"unknown note kind in {text[:80]!r}")
    hints = typing.get_type_hints(kind)
    values: dict[str, Any] = {name: _typed(value, hints[name]) for name, value in data.items()}
    return kind(**values)


def _kinds() -> dict[str, type[Note]]:
    """Every kind of note, by class name, as its module exports it.

    `@dataclass(slots=True)` replaces the class it decorates, and the replaced one lingers
    among `__subclasses__()` until collected: resolving each name through its module picks
    the class the rest of the program uses.
    """
    found: dict[str, type[Note]] = {}
    pending: list[type[Note]] = [Note]
    while pending:
        cls = pending.pop()
        exported = getattr(sys.modules.get(cls.__module__), cls.__qualname__, cls)
        found[cls.__name__] = exported if isinstance(exported, type) and issubclass(exported, Note) else cls
        pending.extend(cls.__subclasses__())
    for value in vars(notes).values():
        if isinstance(value, type) and issubclass(value, Note):
            found[value.__name__] = value
    return found


def _plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    raise TypeError(f"a note cannot carry a {type(value).__name__}")


def _typed(value: object, hint: object) -> object:
    if value is None:
        return None
    options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, _UnionType) else (hint,)
    for option in options:
        if option is Decimal:
            return Decimal(str(value))
        if option is datetime:
            return datetime.fromisoformat(str(value))
        if typing.get_origin(option) is tuple and isinstance(value, list):
            return tuple(value)
    return value


_UnionType = type(int | None)
