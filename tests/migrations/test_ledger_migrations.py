"""The reviewed migrations build exactly the schema the models describe, up and down."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect, text

from podwarden.adapters.sql import migrate
from podwarden.adapters.sql.engine import make_engine
from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.adapters.sql.models import Base
from podwarden.errors import LedgerError

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EVERY_TABLE = {
    "alembic_version", "teams", "members", "pods", "pod_intervals", "pod_utilisation_hourly", "endpoints",
    "endpoint_usage_hourly", "budgets", "snoozes", "notices", "audit_log", "digests_sent", "leases",
    "pending_actions", "group_roles", "endpoint_usage_quarters", "auto_stops",
}


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def differences(url: str, metadata: MetaData) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(compare_metadata(MigrationContext.configure(connection), metadata))
    finally:
        engine.dispose()


def test_upgrading_an_empty_database_creates_every_table(empty_ledger_url: str) -> None:
    assert migrate.current_revision(empty_ledger_url) is None

    migrate.upgrade(empty_ledger_url)

    assert tables(empty_ledger_url) == EVERY_TABLE == set(Base.metadata.tables) | {"alembic_version"}
    assert migrate.current_revision(empty_ledger_url) == migrate.head_revision()
    assert migrate.is_at_head(empty_ledger_url)


def test_the_migrated_schema_is_exactly_what_the_models_describe(ledger_url: str) -> None:
    assert differences(ledger_url, Base.metadata) == []


def test_the_comparison_would_notice_a_model_the_migrations_do_not_build(ledger_url: str) -> None:
    drifted = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["pods"].append_column(Column("gpu_memory_gb", Integer, nullable=True))

    (diff,) = differences(ledger_url, drifted)

    assert "add_column" in repr(diff)
    assert "gpu_memory_gb" in repr(diff)


def test_downgrading_to_base_and_upgrading_again_gives_a_working_ledger(ledger_url: str) -> None:
    migrate.downgrade(ledger_url)
    assert migrate.current_revision(ledger_url) is None
    assert tables(ledger_url) <= {"alembic_version"}

    migrate.upgrade(ledger_url)

    ledger = SqlLedger.connect(ledger_url)
    try:
        assert ledger.upsert_member("U0ALICE", now=T0).user_id == "U0ALICE"
    finally:
        ledger.close()
    assert differences(ledger_url, Base.metadata) == []


def versions(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


def test_processes_starting_together_migrate_once(empty_ledger_url: str) -> None:
    start = "import sys; from podwarden.adapters.sql.migrate import ensure_migrated as m; m(sys.argv[1])"
    processes = [
        subprocess.Popen([sys.executable, "-c", start, empty_ledger_url], stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    errors = [(p.communicate()[1], p.returncode) for p in processes]

    assert errors == [("", 0)] * 3
    assert versions(empty_ledger_url) == [migrate.head_revision()]


def test_threads_starting_together_migrate_once(empty_ledger_url: str) -> None:
    barrier = threading.Barrier(3)

    def start() -> None:
        barrier.wait()
        migrate.ensure_migrated(empty_ledger_url)

    with ThreadPoolExecutor(max_workers=3) as pool:
        for future in [pool.submit(start) for _ in range(3)]:
            future.result()

    assert versions(empty_ledger_url) == [migrate.head_revision()]
    migrate.ensure_migrated(empty_ledger_url)  # at head already: nothing to do
    assert migrate.is_at_head(empty_ledger_url)


def test_an_unmigrated_ledger_is_reported_with_what_to_run(empty_ledger_url: str) -> None:
    needs = f"is empty, this Podwarden needs {migrate.head_revision()}; run `podwarden migrate`"
    with pytest.raises(LedgerError, match=needs):
        migrate.check_at_head(empty_ledger_url)

    migrate.upgrade(empty_ledger_url)

    migrate.check_at_head(empty_ledger_url)


def test_asking_for_the_revision_of_a_missing_sqlite_file_does_not_create_it(tmp_path: Path) -> None:
    path = tmp_path / "not-yet.db"

    assert migrate.current_revision(f"sqlite:///{path}") is None
    assert not path.exists()


def test_migrations_are_found_in_the_installed_package_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"

    migrate.upgrade(url)

    assert (migrate.migrations_dir() / "env.py").is_file()
    assert migrate.current_revision(url) == migrate.head_revision()
    assert migrate.head_revision() == sorted(p.stem.split("_")[0].removeprefix("r")
                                             for p in (migrate.migrations_dir() / "versions").glob("r*.py"))[-1]
    assert not (tmp_path / "alembic.ini").exists()


def test_an_unknown_revision_is_a_ledger_error(empty_ledger_url: str) -> None:
    with pytest.raises(LedgerError, match="cannot migrate"):
        migrate.upgrade(empty_ledger_url, "9999")
