"""Reaching the ledger: clear errors for a missing directory, an old schema, a dead server."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import pytest

from podwarden.adapters.sql.engine import ledger_url, make_engine
from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.adapters.sql.models import Base
from podwarden.domain.access import Role
from podwarden.errors import LedgerError


def test_a_sqlite_file_in_a_missing_directory_is_refused_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir"

    with pytest.raises(LedgerError, match="directory does not exist") as error:
        make_engine(f"sqlite:///{missing / 'ledger.db'}")

    assert str(missing) in str(error.value)
    assert not missing.exists()


def test_a_database_that_was_never_migrated_says_so(empty_ledger_url: str, t0: datetime) -> None:
    ledger = SqlLedger.connect(empty_ledger_url)
    try:
        with pytest.raises(LedgerError, match=r"not migrated.*podwarden migrate"):
            ledger.upsert_member("U0ALICE", now=t0)
    finally:
        ledger.close()


def test_an_unreachable_server_is_a_ledger_error_without_the_password(t0: datetime) -> None:
    ledger = SqlLedger.connect("postgresql://podwarden:s3cret@127.0.0.1:1/ledger")
    try:
        with pytest.raises(LedgerError, match=r"127\.0\.0\.1:1") as error:
            ledger.member("U0ALICE")
    finally:
        ledger.close()
    assert "s3cret" not in str(error.value)


def test_urls_choose_the_shipped_driver_and_only_supported_databases() -> None:
    assert ledger_url("postgresql://u@db/podwarden").drivername == "postgresql+psycopg"
    assert ledger_url("sqlite:///podwarden.db").drivername == "sqlite"
    with pytest.raises(LedgerError, match="mysql"):
        ledger_url("mysql://u@db/podwarden")
    with pytest.raises(LedgerError, match="not a database URL"):
        ledger_url("podwarden.db")


def test_an_in_memory_ledger_is_one_database_for_every_thread(t0: datetime) -> None:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    ledger = SqlLedger(engine)
    try:
        writer = threading.Thread(target=ledger.upsert_member, args=("U0ALICE",), kwargs={"now": t0})
        writer.start()
        writer.join()
        member = ledger.member("U0ALICE")
        assert member is not None
        assert member.role is Role.VIEWER
    finally:
        ledger.close()
