"""`SqlLedger`: Podwarden's memory in SQL, speaking domain values and plain arguments.

The class is assembled from one mixin per concern (members, pods, usage, spend and
budgets, notices and audit, coordination), each in its own small module; they share only
`LedgerBase`. Every method is one transaction. Times are passed in (`now`), never read
from a clock here, so that tests, replays and the simulator decide what time it is.
"""

from __future__ import annotations

from podwarden.adapters.sql.coordination import CoordinationMixin
from podwarden.adapters.sql.engine import make_engine
from podwarden.adapters.sql.notices import NoticesMixin
from podwarden.adapters.sql.people import MembersMixin
from podwarden.adapters.sql.pods import PodsMixin
from podwarden.adapters.sql.spend import SpendMixin
from podwarden.adapters.sql.usage import UsageMixin


class SqlLedger(MembersMixin, PodsMixin, UsageMixin, SpendMixin, NoticesMixin, CoordinationMixin):
    """The ledger on SQLite or PostgreSQL. Build it with an engine from `make_engine`.

    Every method raises `podwarden.errors.LedgerError` when the database cannot be used
    (unreachable, not migrated) and `ValueError` for arguments no ledger could accept
    (naive datetimes, negative budgets, ...).
    """

    @classmethod
    def connect(cls, url: str) -> SqlLedger:
        """A ledger with its own engine; `close()` disposes of it."""
        return cls(make_engine(url))


__all__ = ["SqlLedger"]
