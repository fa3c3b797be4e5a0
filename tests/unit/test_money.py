from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podwarden.domain.errors import InputError
from podwarden.domain.money import (
    DAYS_PER_MONTH,
    HOURS_PER_DAY,
    HOURS_PER_MONTH,
    SECONDS_PER_HOUR,
    format_number,
    format_rate,
    format_usd,
    parse_money,
    per_hour,
    per_second,
)


def test_a_month_is_thirty_days_as_in_the_guides() -> None:
    assert (SECONDS_PER_HOUR, HOURS_PER_DAY, DAYS_PER_MONTH, HOURS_PER_MONTH) == (3600, 24, 30, 720)


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("45.36", "$45.36"),
        ("1234.5", "$1,234.50"),
        ("2.736", "$2.74"),
        ("0.125", "$0.13"),  # half up, not banker's rounding
        ("0", "$0.00"),
        ("-2", "-$2.00"),
        ("0.0008", "$0.0008"),
        ("0.00080", "$0.0008"),
        ("0.00076", "$0.00076"),
        ("0.00155", "$0.00155"),
        ("0.000525", "$0.000525"),
        ("0.0000525", "$0.0000525"),
        ("0.00012345", "$0.000123"),
        ("0.009996", "$0.01"),
        ("-0.001", "-$0.001"),
        ("-0.0001", "-$0.0001"),
    ],
)
def test_format_usd(amount: str, shown: str) -> None:
    assert format_usd(Decimal(amount)) == shown


def test_format_usd_refuses_nan() -> None:
    with pytest.raises(ValueError, match="cannot format"):
        format_usd(Decimal("NaN"))


def test_format_rate() -> None:
    assert format_rate(Decimal("1.89"), "h") == "$1.89/h"
    assert format_rate(Decimal("0.00076"), "s") == "$0.00076/s"
    assert format_rate(Decimal("0.10"), "GB/month") == "$0.10/GB/month"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("16.578947", "16.6"), ("350.0000", "350"), ("1459.2", "1,459.2"), ("0.04", "0"), ("-0.04", "0")],
)
def test_format_number(value: str, shown: str) -> None:
    assert format_number(Decimal(value)) == shown


@pytest.mark.parametrize(
    ("text", "amount"),
    [("$12.50", "12.50"), ("12.5", "12.5"), ("$1,234.50", "1234.50"), (" 40 USD ", "40"), ("$.5", "0.5"),
     ("0.00076", "0.00076")],
)
def test_parse_money(text: str, amount: str) -> None:
    assert parse_money(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["", "$", "abc", "1e5", "NaN", "12.50.1", "$1,23", "twelve dollars"])
def test_parse_money_says_what_is_wrong(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_money(text)
    assert str(caught.value) == f"not an amount of money: {text!r} (use e.g. $12.50)"


def test_parse_money_refuses_a_negative_amount_unless_allowed() -> None:
    with pytest.raises(InputError, match=r"^an amount cannot be negative: '-\$5'$"):
        parse_money("-$5")
    assert parse_money("-$5", allow_negative=True) == Decimal(-5)


def test_per_second_and_per_hour() -> None:
    assert per_hour(Decimal("0.00076")) == Decimal("2.736")
    assert per_second(Decimal("1.80")) == Decimal("0.0005")


@settings(max_examples=50, deadline=None)
@given(st.decimals(min_value=0, max_value=1000, places=6))
def test_per_hour_undoes_per_second(hourly: Decimal) -> None:
    assert abs(per_hour(per_second(hourly)) - hourly) < Decimal("1e-20")
