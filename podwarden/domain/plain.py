"""Results as JSON-ready data: `plain(result)` for every `as_dict()` of the cost engine.

Dataclasses become dicts, tuples lists, enums their value; `Decimal` stays `Decimal` so
that no digit is lost before the renderer decides how to show it.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from decimal import Decimal

__all__ = ["plain", "plain_dict"]


def plain(value: object) -> object:
    """`value` with dataclasses, tuples, mappings and enums turned into JSON-ready types."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return _without_exponent(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    raise TypeError(f"cannot make {type(value).__name__} plain")


def plain_dict(result: object) -> dict[str, object]:
    """`plain(result)` for a dataclass instance: the `as_dict()` of every result."""
    value = plain(result)
    if not isinstance(value, dict) or not dataclasses.is_dataclass(result):
        raise TypeError(f"{type(result).__name__} is not a dataclass")
    return value


def _without_exponent(value: Decimal) -> Decimal:
    """The same number without a positive exponent (3.5E+2 -> 350), so that it prints plainly."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        return value.quantize(Decimal(1))
    return value
