"""What every part of `SqlLedger` shares: sessions, error translation, portable upserts."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session

from podwarden.adapters.sql.engine import make_sessionmaker, shown
from podwarden.errors import LedgerError

_NOT_MIGRATED = ("no such table", "undefinedtable")  # SQLite's message, psycopg's error class


class LedgerBase:
    """Holds the engine and opens sessions; the mixins of `SqlLedger` build on this."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = make_sessionmaker(engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        """Close the engine's pooled connections (it can still reconnect if used again)."""
        self._engine.dispose()

    @contextmanager
    def _read(self) -> Iterator[Session]:
        try:
            with self._sessions() as session:
                yield session
        except SQLAlchemyError as exc:
            raise self._ledger_error(exc) from exc

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        try:
            with self._sessions.begin() as session:
                yield session
        except SQLAlchemyError as exc:
            raise self._ledger_error(exc) from exc

    def _ledger_error(self, exc: SQLAlchemyError) -> LedgerError:
        where = shown(self._engine.url)
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        detail = str(cause).strip().splitlines()[0]
        if any(marker in f"{type(cause).__name__} {detail}".lower() for marker in _NOT_MIGRATED):
            return LedgerError(f"the ledger at {where} is not migrated ({detail}); run `podwarden migrate`")
        return LedgerError(f"the ledger at {where} failed: {detail}")


def insert_ignore(session: Session, model: type[DeclarativeBase], values: Mapping[str, Any]) -> bool:
    """INSERT unless a row with the same key or unique value exists; True if inserted.

    Safe against a concurrent insert of the same row (the loser inserts nothing), which a
    "select, then insert if missing" is not. Whether a row went in is read from RETURNING,
    not from the row count, which drivers report differently for INSERT ... RETURNING.
    """
    table = cast(Table, model.__table__)
    key = next(iter(table.primary_key.columns))
    if session.get_bind().dialect.name == "postgresql":
        stmt: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    return session.execute(stmt.returning(key)).first() is not None


def rowcount(result: object) -> int:
    return cast(CursorResult[Any], result).rowcount


def dump_json(data: Mapping[str, Any] | None) -> str:
    """A JSON object as text; Decimals, datetimes and enums become strings."""
    return json.dumps(dict(data or {}), sort_keys=True, default=_json_default, ensure_ascii=False)


def load_json(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise LedgerError(f"expected a JSON object in the ledger, found {type(value).__name__}")
    return value


def _json_default(value: object) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in the ledger as JSON")


def aware(value: datetime, name: str = "now") -> datetime:
    """Refuse naive datetimes at the door, with the argument's name in the message."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got {value!r}")
    return value.astimezone(UTC)
