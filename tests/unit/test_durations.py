"""Human durations, as settings and `keep` read and answers write them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from podwarden.domain.durations import format_duration, parse_duration
from podwarden.domain.errors import InputError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1), ("90s", 90), ("1m", 60), ("30m", 1800), ("1h", 3600), ("2h", 7200), ("1d", 86400),
     ("1h30m", 5400), ("1d 2h 3m 4s", 93784), ("0.5h", 1800), ("1.5d", 129600), (" 2H ", 7200),
     ("3650d", 3650 * 86400)],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3650d1s", "a duration is at most 3,650 days, got '3650d1s'"),
        ("99999999999d", "a duration is at most 3,650 days, got '99999999999d'"),
        ("5", "give a duration a unit: 5s, 5m or 5h?"),
        ("", "expected a duration such as 90s, 30m or 2h, got nothing"),
        ("0m", "a duration must be longer than zero: '0m'"),
        ("-1h", "a duration cannot be negative: '-1h' (use e.g. 90s, 30m, 2h)"),
        ("1w", "not a duration: '1w' (use e.g. 90s, 30m, 2h, 1d)"),
        ("9" * 39 + "s", "a duration is at most 3,650 days"),
        ("9" * 40 + "s", "not a duration: '" + "9" * 39 + "'… (use e.g. 90s, 30m, 2h, 1d)"),
        ("9" * 41, "not a duration: '" + "9" * 39 + "'… (use e.g. 90s, 30m, 2h, 1d)"),
        ("9" * 40, "give a duration a unit"),
    ],
)
def test_bad_durations_are_one_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_duration(text)
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0s"), (45, "45s"), (59, "59s"), (60, "1m"), (61, "1m"), (720, "12m"), (3600, "1h"), (3660, "1h 1m"),
     (11100, "3h 5m"), (86400, "1d"), (86400 + 3600 * 4, "1d 4h"), (2 * 86400 + 4 * 3600, "2d 4h"),
     (-90, "-1m")],
)
def test_format_duration(seconds: int, shown: str) -> None:
    assert format_duration(timedelta(seconds=seconds)) == shown


def test_format_reads_back() -> None:
    for text in ("45s", "12m", "3h", "2d"):
        assert format_duration(parse_duration(text)) == text
