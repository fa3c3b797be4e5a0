"""What every listener shares: the services, the one dispatcher, our worker pool and the
rule that turns a Slack user (and channel) into a `Caller`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.dispatch import Caller, Dispatcher
from bot.worker import Worker
from podwarden.adapters.slack.reply import Reply
from podwarden.domain.access import role_of

if TYPE_CHECKING:
    from podwarden.bootstrap import Services

log = logging.getLogger("podwarden.bot")

CallerOf = Callable[[str, "str | None"], Caller]

WORKING = "Working on it…"
BUSY = "Podwarden is busy right now; try again in a minute."
FAILED = "Something went wrong on our side (it is logged); try again, or ask an admin."


def settings_caller(services: Services) -> CallerOf:
    """Roles from settings (admins, members, default role)."""
    settings = services.settings

    def caller(user_id: str, channel_id: str | None) -> Caller:
        role = role_of(user_id, admins=settings.admins, members=settings.members, default=settings.default_role)
        return Caller(user_id, role, channel_id)

    return caller


@dataclass
class Face:
    services: Services
    dispatcher: Dispatcher
    worker: Worker
    caller_of: CallerOf

    def caller(self, user_id: str, channel_id: str | None = None) -> Caller:
        return self.caller_of(user_id, channel_id)


def message(reply: Reply) -> dict[str, Any]:
    """A `Reply` as the keyword arguments of `respond`, `ack` or `chat.*`: Block Kit plus a
    plain-text fallback for notifications and screen readers."""
    return {"text": reply.title[:3000], "blocks": reply.blocks()}
