"""The handlers this build can run, keyed by command type, and the buttons they offer.

Handlers live in `bot/verbs/<area>.py`; this module collects them. Every face builds its
dispatcher with `build_dispatcher(services)` and its callers with `caller_of(services)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from bot import commands as c
from bot.dispatch import ActionHandler, Caller, Dispatcher, Handler
from bot.verbs import Verbs, actor
from bot.verbs.costs import cost_handlers
from bot.verbs.endpoints import endpoint_executors, endpoint_handlers
from bot.verbs.keep import keep_handlers
from bot.verbs.people import people_handlers
from bot.verbs.pods import confirm_actions, pod_executors, pod_handlers
from bot.verbs.policy import policy_handlers

if TYPE_CHECKING:
    from podwarden.bootstrap import Services


def handlers_for(services: Services, verbs: Verbs | None = None) -> dict[type[c.Command], Handler]:
    v = verbs or Verbs(services)
    return {**cost_handlers(v), **pod_handlers(v), **keep_handlers(v), **policy_handlers(v), **people_handlers(v),
            **endpoint_handlers(v)}


def actions_for(services: Services, verbs: Verbs | None = None) -> dict[str, ActionHandler]:
    v = verbs or Verbs(services)
    return confirm_actions(v, {**pod_executors(v), **endpoint_executors(v)})


def caller_of(
    services: Services, *, groups: Callable[[str], Iterable[str]] | None = None,
) -> Callable[[str, str | None], Caller]:
    """`(user_id, channel_id) -> Caller` with the role from the ledger's members (seeded from
    settings the first time a user is seen), lifted by the user's Slack user groups when
    `groups(user_id)` is given (the Slack face answers it from `usergroups.users.list` for
    `Verbs(services).people.groups_with_roles()`)."""
    people = Verbs(services).people

    def caller(user_id: str, channel_id: str | None = None) -> Caller:
        who = people.caller(user_id, channel_id, groups=groups(user_id) if groups is not None else ())
        return Caller(who.user_id, who.role, who.channel_id)

    return caller


def build_dispatcher(services: Services) -> Dispatcher:
    """The one dispatcher every face uses: the bot's verbs and buttons, the reports, and the
    buttons of the daemon's notices."""
    from bot.lifecycle_actions import lifecycle_actions
    from bot.reports import report_handlers

    v = Verbs(services)

    def audit_refusal(caller: Caller, verb: str, why: str) -> None:
        v.audit.refused(actor(caller), verb, why)

    handlers = {**handlers_for(services, v), **report_handlers(services)}
    actions = {**actions_for(services, v), **lifecycle_actions(services)}
    return Dispatcher(handlers, command=services.settings.slack_command, actions=actions,
                      allowed_channels=services.settings.allowed_channels, on_refusal=audit_refusal)
