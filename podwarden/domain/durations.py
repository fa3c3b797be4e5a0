"""Human durations: `90s`, `30m`, `2h`, `1d`, `1h30m`.

Settings and commands share this parser so that `PODWARDEN_IDLE_AFTER=30m` and
`/gpu keep mypod 2h` mean the same thing.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from podwarden.domain.errors import InputError, quoted

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_SECONDS = 3650 * 86400  # ten years: anything longer is a typo, and timedelta overflows soon after
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
        raise InputError(f"a duration cannot be negative: {_shown(text)} (use e.g. 90s, 30m, 2h)")
    if len(raw) <= 40 and re.fullmatch(r"\d+(?:\.\d+)?", raw):
        raise InputError(f"give a duration a unit: {text.strip()}s, {text.strip()}m or {text.strip()}h?")
    if len(raw) > 40 or not _WHOLE.fullmatch(raw):
        raise InputError(f"not a duration: {_shown(text)} (use e.g. 90s, 30m, 2h, 1d)")
    seconds = sum(Decimal(n) * _UNITS[u] for n, u in _PART.findall(raw))
    if seconds == 0:
        raise InputError(f"a duration must be longer than zero: {quoted(text)}")
    if seconds > MAX_SECONDS:
        raise InputError(f"a duration is at most {MAX_SECONDS // 86400:,} days, got {quoted(text)}")
    return timedelta(seconds=float(seconds))


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


def _shown(text: str) -> str:
    """`text` as echoed in an error: quoted, and cut short when someone pasted a page."""
    text = text.strip()
    return repr(text) if len(text) <= 40 else repr(text[:39]) + "…"
