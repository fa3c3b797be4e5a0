"""The SQL ledger adapter (SQLAlchemy 2, Alembic): `SqlLedger`, engines, migrations."""

from __future__ import annotations

from podwarden.adapters.sql.engine import make_engine, make_sessionmaker
from podwarden.adapters.sql.ledger import SqlLedger

__all__ = ["SqlLedger", "make_engine", "make_sessionmaker"]
