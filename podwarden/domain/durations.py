"""Human durations: `90s`, `30m`, `2h`, `1d`, `1h30m`.

Settings and commands share this parser so that `PODWARDEN_IDLE_AFTER=30m` and
`/gpu keep mypod 2h` mean the same thing.
"""

from __future__ import annotations

import re
from datetime import timedelta

from podwarden.domain.errors import InputError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?[smhd])+")


def parse_duration(text: str) -> timedelta:
    """Parse `90s`, `30m`, `2h`, `1d` or a sum such as `1h30m`. A bare number is refused:
    `IDLE_AFTER=5` meant as minutes must not stop pods after five seconds.

    Raises `InputError` for anything else, including negative values, so a typo never
    becomes a zero-length idle window.
    """
    raw = text.strip().lower().replace(" ", "")
    if not raw:
        raise InputError("expected a duration such as 90s, 30m or 2h, got nothing")
    if raw.startswith("-"):
        raise InputError(f"a duration cannot be negative: {text!r} (use e.g. 90s, 30m, 2h)")
    if re.fullmatch(r"\d+(?:\.\d+)?", raw):
        raise InputError(f"give a duration a unit: {text.strip()}s, {text.strip()}m or {text.strip()}h?")
    if _WHOLE.fullmatch(raw):
        seconds = sum(float(n) * _UNITS[u] for n, u in _PART.findall(raw))
    else:
        raise InputError(f"not a duration: {text!r} (use e.g. 90s, 30m, 2h, 1d)")
    if seconds == 0:
        raise InputError(f"a duration must be longer than zero: {text!r}")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """Shortest readable form: `45s`, `12m`, `3h 5m`, `2d 4h`."""
    total = int(delta.total_seconds())
    if total < 0:
        return "-" + format_duration(-delta)
    if total < 60:
        return f"{total}s"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"
