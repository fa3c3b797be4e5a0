"""What every listener shares: the services, the one dispatcher, our worker pool and the
rule that turns a Slack user (and channel) into a `Caller`."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.dispatch import Caller, Dispatcher
from bot.redact import redact
from bot.worker import Worker
from podwarden.adapters.slack.reply import Reply

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from podwarden.bootstrap import Services

log = logging.getLogger("podwarden.bot")

CallerOf = Callable[[str, "str | None"], Caller]

WORKING = "Working on it…"
BUSY = "Podwarden is busy right now; try again in a minute."
FAILED = "Something went wrong on our side (it is logged); try again, or ask an admin."


class SlackGroups:
    """`user_id -> the user groups (among those that carry a role) the user is in`, from
    Slack's `usergroups.users.list`, each group's members kept for `ttl` seconds so a
    command does not cost a Slack call per group. Slack failing means "no groups": the
    person keeps their own role, never a higher one."""

    def __init__(self, services: Services, client: WebClient, *, ttl: float = 300.0) -> None:
        from bot.verbs import Verbs

        self._people = Verbs(services).people
        self._client = client
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, tuple[str, ...]]] = {}

    def __call__(self, user_id: str) -> list[str]:
        groups = self._people.groups_with_roles()
        if not groups:
            return []
        return self._people.groups_of(user_id, {g: self._members(g) for g in groups})

    def _members(self, group: str) -> tuple[str, ...]:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(group)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        try:
            users = tuple(self._client.usergroups_users_list(usergroup=group).get("users") or ())
        except Exception as exc:  # SlackApiError, or Slack unreachable
            log.warning("could not read user group %s: %s", group, type(exc).__name__)
            return cached[1] if cached is not None else ()
        with self._lock:
            self._cache[group] = (now, users)
        return users


@dataclass
class Face:
    services: Services
    dispatcher: Dispatcher
    worker: Worker
    caller_of: CallerOf
    signed: bool = False  # requests' signatures are checked (a signing secret is set): HTTP mode may serve

    def caller(self, user_id: str, channel_id: str | None = None) -> Caller:
        return self.caller_of(user_id, channel_id)


def message(reply: Reply) -> dict[str, Any]:
    """A `Reply` as the keyword arguments of `respond`, `ack` or `chat.*`: Block Kit plus a
    plain-text fallback for notifications and screen readers. A secret never goes out,
    even one a person pasted into a command that is echoed back."""
    blocks = json.loads(redact(json.dumps(reply.blocks())))
    return {"text": redact(reply.title[:3000]), "blocks": blocks}
