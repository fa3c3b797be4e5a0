"""REST v2 templates, Serverless endpoints, network volumes and pod billing."""

from __future__ import annotations

from collections.abc import Callable

from podwarden.sim.rest_calls import Answer, Call

__all__ = ["HANDLERS"]

HANDLERS: dict[tuple[str, str], Callable[[Call], Answer]] = {}
