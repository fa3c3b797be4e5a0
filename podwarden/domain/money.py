"""Money in US dollars: exact `Decimal` everywhere, rounded only when shown.

RunPod bills by the second; the guides quote per hour, per day and per 30-day month, and so
do we (`HOURS_PER_MONTH` is 720, not the calendar's 730), so that "$1.89/h is $45.36 a day"
reads the same here as in the guides. Nothing in this module rounds a value that is used
again; `format_usd` and `format_number` are the only places digits are dropped, with
ROUND_HALF_UP, because they produce text.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from podwarden.domain.errors import InputError, quoted

__all__ = [
    "DAYS_PER_MONTH",
    "HOURS_PER_DAY",
    "HOURS_PER_MONTH",
    "SECONDS_PER_DAY",
    "SECONDS_PER_HOUR",
    "format_number",
    "format_rate",
    "format_usd",
    "parse_money",
    "per_hour",
    "per_second",
]

SECONDS_PER_HOUR = 3600
HOURS_PER_DAY = 24
DAYS_PER_MONTH = 30  # the guides' month: quotes use 30 days
HOURS_PER_MONTH = HOURS_PER_DAY * DAYS_PER_MONTH  # 720
SECONDS_PER_DAY = SECONDS_PER_HOUR * HOURS_PER_DAY

_CENT = Decimal("0.01")
_MONEY = re.compile(r"(?P<sign>-)?\$?(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?P<frac>\.\d+)?(?:usd)?")


def parse_money(text: str, *, allow_negative: bool = False) -> Decimal:
    """`"$12.50"`, `"12.5"`, `"$1,234.50"`, `"0.00076"`, `"40 USD"` -> an exact `Decimal`.

    Exponents, NaN and infinities are refused: an amount of money is written out. A negative
    amount is refused unless `allow_negative` (budgets and prices are never negative).
    """
    raw = text.strip().lower().replace(" ", "")
    match = _MONEY.fullmatch(raw)
    if not raw or match is None or not (match["int"] or match["frac"]):
        raise InputError(f"not an amount of money: {quoted(text)} (use e.g. $12.50)")
    amount = Decimal((match["int"] or "0").replace(",", "") + (match["frac"] or ""))
    if match["sign"]:
        if not allow_negative:
            raise InputError(f"an amount cannot be negative: {quoted(text)}")
        amount = -amount
    return amount


def format_usd(amount: Decimal, *, significant: int = 3) -> str:
    """Dollars for people: `$45.36`, `$1,234.50`, `-$2.00`; under a cent, significant digits.

    A figure under one cent keeps `significant` significant digits with trailing zeros
    dropped, so a per-request or per-second price is still readable: `$0.0008`,
    `$0.00076`, `$0.00155`. Everything else is rounded half-up to the cent.
    """
    if not amount.is_finite():
        raise ValueError(f"cannot format {amount} as money")
    sign = "-" if amount < 0 else ""
    magnitude = abs(amount)
    if magnitude != 0 and magnitude < _CENT:
        step = Decimal(1).scaleb(magnitude.adjusted() - significant + 1)
        rounded = magnitude.quantize(step, rounding=ROUND_HALF_UP)
        if rounded < _CENT:
            return f"{sign}${_plain(rounded)}"
    cents = magnitude.quantize(_CENT, rounding=ROUND_HALF_UP)
    if cents == 0:
        sign = ""
    return f"{sign}${cents:,.2f}"


def format_rate(amount: Decimal, unit: str) -> str:
    """A price per unit: `$1.89/h`, `$0.00076/s`, `$0.10/GB/month`."""
    return f"{format_usd(amount)}/{unit.lstrip('/')}"


def format_number(value: Decimal, *, places: int = 1) -> str:
    """A quantity for a sentence: at most `places` decimals, no trailing zeros, thousands
    separated (`16.6`, `350`, `1,459.2`)."""
    step = Decimal(1).scaleb(-places)
    rounded = value.quantize(step, rounding=ROUND_HALF_UP)
    whole, _, frac = f"{rounded:,.{places}f}".partition(".")
    frac = frac.rstrip("0")
    text = f"{whole}.{frac}" if frac else whole
    return "0" if text in {"-0", ""} else text


def per_second(hourly: Decimal) -> Decimal:
    """An hourly price as a per-second one (exact to Decimal's 28 digits)."""
    return hourly / SECONDS_PER_HOUR


def per_hour(per_second_price: Decimal) -> Decimal:
    """A per-second price as an hourly one (exact)."""
    return per_second_price * SECONDS_PER_HOUR


def _plain(value: Decimal) -> str:
    """Fixed-point text without trailing zeros or exponent: 0.000760 -> '0.00076'."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text

