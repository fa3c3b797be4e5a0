"""Migrating the ledger with Alembic, from code: no alembic.ini, no working directory.

The revisions live in the `migrations` package (shipped in the wheel beside `podwarden`),
found where the import system would load it from but not imported: Alembic needs only the
folder, and the ledger adapter does not depend on code outside `podwarden`. `ensure_migrated` is what a process calls on
start: it returns at once when the ledger is at head; otherwise it upgrades, and several
processes starting together upgrade once. On PostgreSQL they queue on an advisory lock;
on SQLite the upgrade runs in one `BEGIN IMMEDIATE` transaction, which does the same.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import SQLAlchemyError

from podwarden.adapters.sql.engine import ledger_url, make_engine, shown

__all__ = ["shown"]  # doctor names the ledger through this module, the one adapter module it may use
from podwarden.errors import LedgerError

MIGRATION_LOCK_KEY = 0x506F_6477_6172_6421
"""The PostgreSQL advisory lock (a bigint) held while migrating: "Podward!" in ASCII."""


_ALEMBIC_IN_USE = threading.Lock()
"""Alembic keeps its running environment in module globals (`alembic.context`), so one
process may run one Alembic command at a time; other processes are kept apart by the
database (an advisory lock on PostgreSQL, `BEGIN IMMEDIATE` on SQLite)."""


MIGRATIONS_PACKAGE = "migrations"


def migrations_dir(package: str = MIGRATIONS_PACKAGE) -> Path:
    """The Alembic script directory: the folder of the installed top-level `package`.

    Found by `importlib.util.find_spec`, which locates a top-level package (on `sys.path`
    or through an editable install's finder) without running it. A folder without Alembic's
    ``env.py`` and ``versions/`` is some other project's `migrations` shadowing ours: it is
    refused rather than run.
    """
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    for location in locations:
        folder = Path(location).resolve()
        if (folder / "env.py").is_file() and (folder / "versions").is_dir():
            return folder
    found = f"found only {', '.join(locations)}, without env.py and versions/" if locations else "not found"
    raise LedgerError(f"Podwarden's Alembic scripts (the `{package}` package) are {found}; reinstall Podwarden")


def alembic_config(url: str | None = None, *, connection: Connection | None = None) -> Config:
    """An Alembic `Config` built in code. `url` or `connection` tells env.py where to go;
    with neither, env.py reads `PODWARDEN_DATABASE_URL` through the settings."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.attributes["url"] = url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision shipped with this version of Podwarden."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise LedgerError(f"the migrations have {len(heads)} heads, expected one: {', '.join(heads)}")
    return heads[0]


def current_revision(url: str) -> str | None:
    """The ledger's revision; None for an empty database (or a SQLite file not yet made)."""
    if _missing_sqlite_file(url):
        return None
    with _connection(url) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_at_head(url: str) -> bool:
    return current_revision(url) == head_revision()


def check_at_head(url: str) -> None:
    """Raise `LedgerError` unless the ledger is at this version's head revision."""
    current, head = current_revision(url), head_revision()
    if current != head:
        state = "empty" if current is None else f"at revision {current}"
        raise LedgerError(
            f"the ledger at {shown(url)} is {state}, this Podwarden needs {head}; run `podwarden migrate`"
        )


def upgrade(url: str, revision: str = "head") -> None:
    with _connection(url) as connection:
        _run(command.upgrade, connection, revision)


def downgrade(url: str, revision: str = "base") -> None:
    with _connection(url) as connection:
        _run(command.downgrade, connection, revision)


def ensure_migrated(url: str) -> None:
    """Bring the ledger to head if it is not; safe for several processes at once."""
    if is_at_head(url):
        return
    with _connection(url) as connection:
        if connection.dialect.name != "postgresql":
            _run(command.upgrade, connection, "head")
            return
        connection.execute(select(func.pg_advisory_lock(MIGRATION_LOCK_KEY)))
        connection.commit()
        try:
            _run(command.upgrade, connection, "head")  # a no-op if another process just did it
        finally:
            connection.rollback()
            connection.execute(select(func.pg_advisory_unlock(MIGRATION_LOCK_KEY)))
            connection.commit()


def _run(step: Callable[[Config, str], None], connection: Connection, revision: str) -> None:
    try:
        with _ALEMBIC_IN_USE:
            step(alembic_config(connection=connection), revision)
    except CommandError as exc:
        raise LedgerError(f"cannot migrate the ledger at {shown(connection.engine.url)}: {exc}") from exc
    if connection.in_transaction():
        connection.commit()


@contextmanager
def _connection(url: str) -> Iterator[Connection]:
    """A connection for migrating: SQLite foreign keys off, so batch mode may rebuild tables."""
    engine = make_engine(url, sqlite_foreign_keys=False)
    try:
        with engine.connect() as connection:
            yield connection
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise LedgerError(f"migrating the ledger at {shown(url)} failed: {detail}") from exc
    finally:
        engine.dispose()


def _missing_sqlite_file(url: str) -> bool:
    parsed = ledger_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in {"", ":memory:"} or database.startswith("file:"):
        return False
    return not Path(database).expanduser().exists()


def make_sqlite_directory(url: str) -> None:
    """Make the directory of a SQLite ledger file (a new machine has no per-user data
    directory yet); a directory that cannot be made is a `LedgerError` saying why, in one line."""
    folder = _sqlite_folder(url)
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LedgerError(_cannot_make(folder, exc)) from None


def sqlite_directory_problem(url: str) -> str | None:
    """Why the missing directory of a SQLite ledger could not be made by `migrate`, or None
    when it could: its nearest existing ancestor is probed with a directory made and removed
    at once (permission bits lie to root, and /proc refuses everyone)."""
    folder = _sqlite_folder(url)
    if folder is None or folder.is_dir():
        return None
    ancestor = folder
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return _cannot_make(folder, NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(ancestor)))
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".podwarden-probe-", dir=ancestor))
    except OSError as exc:
        return _cannot_make(folder, OSError(exc.errno, exc.strerror))  # not the probe's own name
    return None


def _sqlite_folder(url: str) -> Path | None:
    parsed = ledger_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in {"", ":memory:"} or database.startswith("file:"):
        return None
    return Path(database).expanduser().parent


def _cannot_make(folder: Path, exc: OSError) -> str:
    reason = exc.strerror or exc.__class__.__name__
    where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(folder) else ""
    return (f"cannot make the ledger's directory {folder}: {reason}{where}; "
            "point PODWARDEN_DATABASE_URL at a directory you can write")
