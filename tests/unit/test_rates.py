"""The quantities of a quote as people type them, and the one line each mistake gets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from podwarden.domain.durations import parse_duration
from podwarden.domain.errors import InputError
from podwarden.domain.rates import check_hours, check_hours_per_day, parse_hours, parse_request_rate, parse_seconds


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("10", (Decimal(10), None)), ("10h", (Decimal(10), None)), ("1.5 hours", (Decimal("1.5"), None)),
     ("8/day", (None, Decimal(8))), ("8h/day", (None, Decimal(8))), ("24/d", (None, Decimal(24)))],
)
def test_parse_hours(text: str, parsed: tuple[Decimal | None, Decimal | None]) -> None:
    assert parse_hours(text) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-3", "hours cannot be negative, got '-3'"),
        ("-3/day", "hours cannot be negative, got '-3/day'"),
        ("25/day", "a day has 24 hours, got 25/day"),
        ("9000", "at most 8,784 hours (a year) per quote, got 9000"),
        ("lots", "--hours takes hours such as 10 or 8/day, got 'lots'"),
        ("8/week", "--hours takes hours such as 10 or 8/day, got '8/week'"),
        ("", "--hours takes hours such as 10 or 8/day, got ''"),
    ],
)
def test_bad_hours(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_hours(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "per_hour"),
    [("300/hour", 300), ("300/h", 300), ("300 requests/hour", 300), ("300", 300), ("5/s", 18000),
     ("120/min", 7200), ("2400/day", 100), ("1,000/hr", 1000)],
)
def test_parse_request_rate(text: str, per_hour: int) -> None:
    assert parse_request_rate(text) == per_hour


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fast", "--requests takes a rate such as 300/hour or 5/s, got 'fast'"),
        ("300/fortnight", "--requests takes a rate such as 300/hour or 5/s, got '300/fortnight'"),
        ("-5/s", "a request rate cannot be negative, got '-5/s'"),
        ("5000/s", "at most 10,000,000 requests/hour per quote, got '5000/s'"),
    ],
)
def test_bad_request_rates(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_request_rate(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "seconds"), [("5", "5"), ("5s", "5"), ("1.5 s", "1.5"), ("500ms", "0.5"), ("2m", "120")]
)
def test_parse_seconds(text: str, seconds: str) -> None:
    assert parse_seconds(text) == Decimal(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "seconds per request must be more than 0, got '0'"),
        ("-5", "seconds per request cannot be negative, got '-5'"),
        ("soon", "--seconds takes a time such as 5, 5s or 500ms, got 'soon'"),
        ("8d", "--seconds takes a time such as 5, 5s or 500ms, got '8d'"),
        ("20000m", "a request can run at most 7 days (604,800 s), got '20000m'"),
    ],
)
def test_bad_seconds(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_seconds(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5 parsecs", "not a duration: '5 parsecs' (use e.g. 90s, 30m, 2h, 1d)"),
        ("-5m", "a duration cannot be negative: '-5m' (use e.g. 90s, 30m, 2h)"),
        ("0s", "a duration must be longer than zero: '0s'"),
    ],
)
def test_malformed_durations(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_duration(text)
    assert str(caught.value) == message


# -- boundaries and unit spellings the mutation pass found untested --------------------------


@pytest.mark.parametrize(
    ("text", "per_hour"),
    [("1/sec", 3600), ("1/second", 3600), ("1/minute", 60), ("1/m", 60), ("10000000/hour", 10_000_000)],
)
def test_every_rate_unit_and_the_largest_rate(text: str, per_hour: int) -> None:
    assert parse_request_rate(text) == per_hour


@pytest.mark.parametrize(("text", "seconds"), [("2mins", 120), ("2minute", 120), ("2 minutes", 120), ("1min", 60)])
def test_every_minute_spelling(text: str, seconds: int) -> None:
    assert parse_seconds(text) == seconds


def test_forty_characters_is_a_number_forty_one_is_a_paste() -> None:
    forty = "0" * 39 + "1"
    assert parse_hours(forty) == (Decimal(1), None)
    assert parse_request_rate(forty) == 1
    assert parse_seconds(forty) == 1
    for parse in (parse_hours, parse_request_rate, parse_seconds):
        with pytest.raises(InputError, match="…"):
            parse("0" + forty)


def test_the_smallest_rate_is_one_request_a_month() -> None:
    assert parse_request_rate("1/day") * 24 * 30 == 30
    with pytest.raises(InputError, match="at least one a month"):
        parse_request_rate("0.001/hour")  # 0.72 a month


def test_one_second_is_the_shortest_quote_and_one_and_a_half_requests_a_month_is_a_load() -> None:
    assert check_hours(Decimal(1) / 3600) == Decimal(1) / 3600
    assert parse_hours("0.0003") == (Decimal("0.0003"), None)  # 1.08 s
    with pytest.raises(InputError, match="at least 1 s"):
        parse_hours("0.0002")  # 0.72 s
    with pytest.raises(InputError, match="at least 1 s"):
        check_hours_per_day(Decimal("0.0002"))
    assert parse_request_rate("0.002/hour") == Decimal("0.002")  # 1.44 a month


def test_a_long_bad_rate_is_echoed_as_its_first_39_characters_and_an_ellipsis() -> None:
    text = "x" * 100
    with pytest.raises(InputError) as refused:
        parse_request_rate(text)
    assert str(refused.value).endswith(f"got {'x' * 39!r}…")
