"""Ledger fixtures: a fresh database per test, on SQLite and, when one is given, PostgreSQL.

PostgreSQL cases run when PODWARDEN_TEST_POSTGRES_URL names a server on which we may
create databases (`python scripts/with_postgres.py -- pytest ...` starts a throwaway
one). Without the variable they are not generated at all, and the header and the summary
of the run say so: nothing is skipped in silence.

Every test gets a database of its own: a SQLite file, or a PostgreSQL schema (put first on
the search path through the URL). `empty_ledger_url` is empty, for the migration tests.
`ledger_url` is at head, built by the real migrations, only faster than running Alembic
for every test: on SQLite a file migrated once is copied; on PostgreSQL the script that
`alembic upgrade head --sql` renders from the same revisions is run in the new schema.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy.engine import make_url

from podwarden.adapters.sql.engine import make_engine, shown
from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.adapters.sql.migrate import alembic_config, upgrade

POSTGRES_ENV = "PODWARDEN_TEST_POSTGRES_URL"
POSTGRES_URL = os.environ.get(POSTGRES_ENV) or None

LEDGER_BACKENDS = [pytest.param("sqlite", id="sqlite")]
if POSTGRES_URL:
    LEDGER_BACKENDS.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))


def _postgres_line(ran: int | None = None) -> str:
    if not POSTGRES_URL:
        return f"PostgreSQL ledger tests: not run ({POSTGRES_ENV} unset)"
    count = "" if ran is None else f"{ran} "
    return f"PostgreSQL ledger tests: {count}ran against {shown(POSTGRES_URL)}"


def pytest_report_header(config: pytest.Config) -> str:
    return _postgres_line()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    ran = sum(
        1
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if getattr(report, "when", None) == "call" and "postgres" in getattr(report, "keywords", {})
    )
    terminalreporter.write_line(_postgres_line(ran))


@pytest.fixture(params=LEDGER_BACKENDS)
def ledger_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest.fixture
def empty_ledger_url(ledger_backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of the test's own."""
    if ledger_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    assert POSTGRES_URL is not None
    with _postgres_schema(POSTGRES_URL) as url:
        yield url


@pytest.fixture
def ledger_url(ledger_backend: str, tmp_path: Path, ledger_templates: _Templates) -> Iterator[str]:
    """The URL of a fresh ledger of the test's own, at the head revision."""
    if ledger_backend == "sqlite":
        copy = tmp_path / "ledger.db"
        shutil.copyfile(ledger_templates.sqlite(), copy)
        yield f"sqlite:///{copy}"
        return
    assert POSTGRES_URL is not None
    with _postgres_schema(POSTGRES_URL, ddl=ledger_templates.postgres_script()) as url:
        yield url


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[SqlLedger]:
    sql_ledger = SqlLedger.connect(ledger_url)
    try:
        yield sql_ledger
    finally:
        sql_ledger.close()


@pytest.fixture(scope="session")
def ledger_templates(tmp_path_factory: pytest.TempPathFactory) -> _Templates:
    return _Templates(tmp_path_factory)


class _Templates:
    """The head schema, made on first use: a migrated SQLite file, a PostgreSQL script."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp = tmp_path_factory
        self._sqlite: Path | None = None
        self._postgres: str | None = None

    def sqlite(self) -> Path:
        if self._sqlite is None:
            path = self._tmp.mktemp("ledger-template") / "template.db"
            upgrade(f"sqlite:///{path}")  # its engine is disposed: the WAL is folded back in
            self._sqlite = path
        return self._sqlite

    def postgres_script(self) -> str:
        if self._postgres is None:
            assert POSTGRES_URL is not None
            config = alembic_config(POSTGRES_URL)
            config.output_buffer = io.StringIO()
            command.upgrade(config, "head", sql=True)
            self._postgres = config.output_buffer.getvalue()
        return self._postgres


@contextlib.contextmanager
def _postgres_schema(server_url: str, *, ddl: str = "") -> Iterator[str]:
    """A schema of its own on the test server (with `ddl` run in it); the URL puts it first
    on the search path."""
    schema = f"test_{secrets.token_hex(6)}"
    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"; SET search_path TO "{schema}";\n{ddl}')
            connection.exec_driver_sql("RESET search_path")
        try:
            url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()


@pytest.fixture
def podwarden_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No PODWARDEN_* from the developer's shell, and a ledger file of the test's own."""
    for name in list(os.environ):
        if name.startswith("PODWARDEN_"):
            monkeypatch.delenv(name)
    ledger = tmp_path / "ledger.db"
    monkeypatch.setenv("PODWARDEN_DATABASE_URL", f"sqlite:///{ledger}")
    return ledger
