"""The quantities a quote is asked about, as people type them.

`--hours 10` (one run) or `--hours 8/day` (every day of a 30-day month), `--requests
300/hour` (or `/s`, `/min`, `/day`), `--seconds 5` (or `5s`, `500ms`, `2m`). Each parser
returns exact `Decimal`s or raises `InputError` with one line; the limits are the ones
`quotes` enforces, so a value that parses is a value that can be quoted.
"""

from __future__ import annotations

import re
from decimal import Decimal

from podwarden.domain.errors import InputError, quoted
from podwarden.domain.money import HOURS_PER_DAY, SECONDS_PER_HOUR

__all__ = [
    "MAX_HOURS",
    "MAX_REQUESTS_PER_HOUR",
    "MAX_SECONDS_PER_REQUEST",
    "check_hours",
    "check_hours_per_day",
    "parse_hours",
    "parse_request_rate",
    "parse_seconds",
]

MAX_HOURS = HOURS_PER_DAY * 366  # one quote covers at most a (leap) year of running time
MAX_REQUESTS_PER_HOUR = 10_000_000
MAX_SECONDS_PER_REQUEST = 7 * 24 * SECONDS_PER_HOUR  # RunPod's longest execution timeout
MIN_HOURS = Decimal(1) / SECONDS_PER_HOUR  # RunPod bills by the second: less than one is no quote
MIN_REQUESTS_PER_HOUR = Decimal(1) / (HOURS_PER_DAY * 30)  # one request a month
_MAX_TEXT = 40  # characters of a number a person may type; longer is a paste, not a quantity

_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_HOURS = re.compile(_NUMBER + r"(?:h|hrs?|hours?)?(/d|/day)?")
_RATE = re.compile(_NUMBER + r"(?:req(?:uests?)?|calls?)?(?:/(s|sec|second|m|min|minute|h|hr|hour|d|day))?")
_SECONDS = re.compile(_NUMBER + r"(ms|s|sec|secs|seconds?|m|min|mins|minutes?)?")
_PER_HOUR = {"s": 3600, "sec": 3600, "second": 3600, "m": 60, "min": 60, "minute": 60,
             "h": 1, "hr": 1, "hour": 1, "": 1}
_IN_SECONDS = {"ms": Decimal("0.001"), "m": Decimal(60), "min": Decimal(60), "mins": Decimal(60),
               "minute": Decimal(60), "minutes": Decimal(60)}


def parse_hours(text: str) -> tuple[Decimal | None, Decimal | None]:
    """`10`, `10h` -> (10, None): one run; `8/day`, `8h/day` -> (None, 8): hours every day."""
    raw = _squash(text)
    if len(raw) > _MAX_TEXT:
        raise InputError(f"--hours takes hours such as 10 or 8/day, got {_shown(text)}")
    if raw.startswith("-"):
        raise InputError(f"hours cannot be negative, got {quoted(text)}")
    match = _HOURS.fullmatch(raw)
    if match is None:
        raise InputError(f"--hours takes hours such as 10 or 8/day, got {quoted(text)}")
    hours = Decimal(match[1])
    if match[2]:
        return None, check_hours_per_day(hours)
    return check_hours(hours), None


def parse_request_rate(text: str) -> Decimal:
    """Requests per hour from `300/hour`, `300/h`, `5/s`, `120/min`, `2000/day` or `300`."""
    raw = _squash(text)
    if len(raw) > _MAX_TEXT:
        raise InputError(f"--requests takes a rate such as 300/hour or 5/s, got {_shown(text)}")
    if raw.startswith("-"):
        raise InputError(f"a request rate cannot be negative, got {quoted(text)}")
    match = _RATE.fullmatch(raw)
    if match is None:
        raise InputError(f"--requests takes a rate such as 300/hour or 5/s, got {quoted(text)}")
    count = Decimal(match[1])
    unit = match[2] or ""
    per_hour = count / HOURS_PER_DAY if unit in {"d", "day"} else count * _PER_HOUR[unit]
    if per_hour > MAX_REQUESTS_PER_HOUR:
        raise InputError(f"at most {MAX_REQUESTS_PER_HOUR:,} requests/hour per quote, got {quoted(text)}")
    if per_hour < MIN_REQUESTS_PER_HOUR:
        raise InputError(f"--requests must be at least one a month, got {quoted(text)} (for no requests, leave it out)")
    return per_hour


def parse_seconds(text: str) -> Decimal:
    """Seconds per request from `5`, `5s`, `1.5s`, `500ms` or `2m`; more than zero."""
    raw = _squash(text)
    if len(raw) > _MAX_TEXT:
        raise InputError(f"--seconds takes a time such as 5, 5s or 500ms, got {_shown(text)}")
    if raw.startswith("-"):
        raise InputError(f"seconds per request cannot be negative, got {quoted(text)}")
    match = _SECONDS.fullmatch(raw)
    if match is None:
        raise InputError(f"--seconds takes a time such as 5, 5s or 500ms, got {quoted(text)}")
    seconds = Decimal(match[1]) * _IN_SECONDS.get(match[2] or "", Decimal(1))
    if seconds <= 0:
        raise InputError(f"seconds per request must be more than 0, got {quoted(text)}")
    if seconds > MAX_SECONDS_PER_REQUEST:
        raise InputError(f"a request can run at most 7 days ({MAX_SECONDS_PER_REQUEST:,} s), got {quoted(text)}")
    return seconds


def check_hours(hours: Decimal) -> Decimal:
    """A total of running hours: not negative, at most `MAX_HOURS`."""
    if not hours.is_finite():
        raise InputError(f"hours must be a number, got {hours}")
    if hours < 0:
        raise InputError(f"hours cannot be negative, got {hours}")
    if hours > MAX_HOURS:
        raise InputError(f"at most {MAX_HOURS:,} hours (a year) per quote, got {hours}")
    if 0 < hours < MIN_HOURS:
        raise InputError(f"RunPod bills by the second: --hours must be at least 1 s (0.0003 h), got {hours:f}")
    return hours


def check_hours_per_day(hours: Decimal) -> Decimal:
    """Hours every day: not negative, at most 24."""
    if not hours.is_finite():
        raise InputError(f"hours per day must be a number, got {hours}")
    if hours < 0:
        raise InputError(f"hours per day cannot be negative, got {hours}")
    if hours > HOURS_PER_DAY:
        raise InputError(f"a day has 24 hours, got {hours}/day")
    if 0 < hours < MIN_HOURS:
        raise InputError(f"RunPod bills by the second: at least 1 s (0.0003 h) a day, got {hours:f}/day")
    return hours


def _squash(text: str) -> str:
    return text.strip().lower().replace(" ", "").replace(",", "")


def _shown(text: str) -> str:
    text = text.strip()
    return repr(text) if len(text) <= _MAX_TEXT else repr(text[: _MAX_TEXT - 1]) + "…"
