"""`spend` and `digest`: the handlers of the reporting verbs (filled by the digest work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import commands as c
from bot.dispatch import Handler

if TYPE_CHECKING:
    from podwarden.bootstrap import Services


def report_handlers(services: Services) -> dict[type[c.Command], Handler]:
    return {}
