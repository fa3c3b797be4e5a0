"""Figures in `podwarden ask --json`: decimal strings at one precision per kind of amount.

A key always has one type and one shape (docs/json.md): totals to the cent, hourly prices
to the tenth of a cent, per-second and per-request prices to six decimals, quantities to
two decimals. Every renderer that puts money in `Reply.data` goes through these, so no
answer carries a 28-digit division or a `50.000000` straight from the ledger.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_CENT, _HOURLY, _PER_SECOND, _QUANTITY = Decimal("0.01"), Decimal("0.001"), Decimal("0.000001"), Decimal("0.01")


def usd(value: Decimal | None) -> str | None:
    """A total (per day, month, period; a balance; a cap): dollars to the cent."""
    return None if value is None else str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def rate_h(value: Decimal | None) -> str | None:
    """A price per hour (or per GB-month): to the tenth of a cent."""
    return None if value is None else str(value.quantize(_HOURLY, rounding=ROUND_HALF_UP))


def rate_s(value: Decimal | None) -> str | None:
    """A price per second or per request: six decimals."""
    return None if value is None else str(value.quantize(_PER_SECOND, rounding=ROUND_HALF_UP))


def qty(value: Decimal | None) -> str | None:
    """A quantity (hours, GB, percent): two decimals."""
    return None if value is None else str(value.quantize(_QUANTITY, rounding=ROUND_HALF_UP))
