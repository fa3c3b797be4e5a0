"""A PostgreSQL session-level advisory lock held on a connection of its own.

The daemon's leader election on PostgreSQL: `pg_try_advisory_lock` on a connection that
lives as long as the process, so the database itself releases the lock when the process
dies (its connection drops). No clock is trusted. Autocommit: the session-level lock
outlives transactions, and no transaction is left open ("idle in transaction").
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from podwarden.adapters.sql.engine import ledger_url

log = logging.getLogger("podwarden.ledger.lock")


class AdvisoryLock:
    def __init__(self, url: str, *, key: int) -> None:
        self._engine = create_engine(ledger_url(url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self._key = key
        self._connection: Any = None

    def hold(self) -> bool:
        """True while this process holds the lock: takes it if free, checks the session if held.
        A lost session (the database restarted, the connection was killed) means not held."""
        try:
            if self._connection is not None:
                self._connection.execute(text("SELECT 1"))  # still ours while the session lives
                return True
            connection = self._engine.connect()
            got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}).scalar())
            if got:
                self._connection = connection
                return True
            connection.close()
            return False
        except SQLAlchemyError as exc:
            log.warning("lost the database session holding the lock: %s", exc)
            self.release()
            return False

    def release(self) -> None:
        """Close the session, which releases the lock."""
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                log.debug("closing the lock's connection failed", exc_info=True)
            self._connection = None

    def close(self) -> None:
        self.release()
        self._engine.dispose()
