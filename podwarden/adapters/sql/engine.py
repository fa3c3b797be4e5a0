"""Engines and sessions for the ledger, built on request (never at import).

SQLite is made to behave like a real transactional database: SQLAlchemy emits
`BEGIN IMMEDIATE` itself, so every transaction (reads included) holds the write lock from
its first statement, a read-then-write can never deadlock on a lock upgrade, and DDL is
transactional (a failed migration leaves nothing behind). WAL journaling lets the bot
read while the daemon writes; `busy_timeout` makes a second writer wait instead of
failing. Foreign keys are enforced, except on migration connections, where Alembic's
batch mode must be free to rebuild tables.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from podwarden.errors import LedgerError
from podwarden.redaction import redact_urls

SQLITE_BUSY_TIMEOUT_S = 30


def ledger_url(url: str | URL) -> URL:
    """Parse a database URL; plain `postgresql://` means psycopg 3 (the driver we ship)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise LedgerError(f"not a database URL: {redact_urls(repr(str(url)))}") from None
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise LedgerError(f"the ledger runs on sqlite or postgresql, not {backend!r}")
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def shown(url: str | URL) -> str:
    """The URL as it may appear in a log line or an error: without its password, and without
    the values of its query string (libpq takes `?password=` too)."""
    try:
        text = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        text = str(url)
    return redact_urls(text)


def make_engine(url: str | URL, *, sqlite_foreign_keys: bool = True, echo: bool = False) -> Engine:
    """An engine for the ledger at `url`.

    A SQLite file whose directory does not exist is refused with a `LedgerError` (rather
    than creating directories in unexpected places); `sqlite://` is a private in-memory
    database, useful for a throwaway demo.
    """
    parsed = ledger_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, foreign_keys=sqlite_foreign_keys, echo=echo)
    return create_engine(parsed, pool_pre_ping=True, echo=echo)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose loaded values stay readable after commit (we return frozen copies)."""
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_engine(url: URL, *, foreign_keys: bool, echo: bool) -> Engine:
    database = url.database or ""
    in_memory = database in {"", ":memory:"} or database.startswith("file::memory:")
    kwargs: dict[str, Any] = {"echo": echo}
    connect_args: dict[str, Any] = {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
    if in_memory:
        kwargs["poolclass"] = StaticPool
    else:
        folder = Path(database).expanduser().resolve().parent
        if not folder.is_dir():
            raise LedgerError(
                f"the ledger's directory does not exist: {folder} (from {shown(url)}); "
                "create it or set PODWARDEN_DATABASE_URL"
            )
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
            if not in_memory:
                _enable_wal(cursor)
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _enable_wal(cursor: Any) -> None:
    """Switch the file to WAL once. SQLite answers a journal-mode change that races another
    connection with "database is locked" at once, without its busy handler, so two
    processes (or threads) opening a new ledger together retry here until the busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
