"""JSON values as domain values, the same way for GraphQL's models (`models`) and REST v2's
(`rest_models` and friends), so the two APIs cannot round or refuse differently."""

from __future__ import annotations

import functools
import logging
from decimal import Decimal

__all__ = ["money", "offered", "warn_unknown_status", "whole"]

log = logging.getLogger("podwarden.runpod")


def money(value: float | None) -> Decimal | None:
    """A JSON number as Decimal, through its shortest repr (never binary float noise)."""
    return None if value is None else Decimal(str(value))


def whole(value: float | None) -> int | None:
    """A JSON number as a whole number (GB, percent, seconds), rounded."""
    return None if value is None else round(value)


def offered(price: float | None, cloud_offered: bool) -> Decimal | None:
    """A price of 0 (or null) is one RunPod does not offer, over either API."""
    if not cloud_offered or price is None or price <= 0:
        return None
    return money(price)


@functools.cache
def warn_unknown_status(field: str, value: str) -> None:
    """Log once per value: RunPod reported a pod status (in `field`) Podwarden does not know."""
    log.warning("RunPod reported a pod %s Podwarden does not know, %r; "
                "such pods are treated as CREATED (not running)", field, value)
