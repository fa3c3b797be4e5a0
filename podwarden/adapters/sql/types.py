"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no time zones: a `DateTime(timezone=True)` comes back naive. `UtcDateTime`
stores UTC and always returns an aware UTC `datetime`, and refuses naive values on the
way in, so a local wall-clock time can never be mistaken for UTC. Money is `Numeric`
with six decimals: PostgreSQL keeps it exactly; SQLite keeps it as a REAL, which holds
twelve significant digits exactly, and SQLAlchemy turns it back into a `Decimal`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import DateTime, Dialect, Numeric
from sqlalchemy.types import TypeDecorator

MONEY_SCALE = 6
_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)


def as_money(value: Decimal) -> Decimal:
    """`value` as the ledger will store it: rounded half-even to six decimals."""
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be a Decimal, got {type(value).__name__}")
    return value.quantize(_QUANTUM)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"the ledger stores timezone-aware datetimes only, got naive {value!r}")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """US dollars as `Numeric(12, 6)`; values are rounded half-even to six decimals first,
    so that what is read back is what PostgreSQL would have stored on either backend."""

    impl = Numeric(12, MONEY_SCALE)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else as_money(value)

    def process_result_value(self, value: Decimal | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value).quantize(_QUANTUM)
