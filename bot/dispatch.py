"""Run one command for one person and answer with a `Reply`.

The single entry point shared by Slack listeners, the console and `podwarden ask`:
parse, check the caller's role (deny by default), call one service, render. Errors a
person can act on become a one-line reply; nothing here raises to the face.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot import commands as c
from bot.parser import BY_NAME, Verb, parse, shorten
from podwarden.adapters.slack.reply import Reply, error_reply
from podwarden.domain.access import Refused, Role, allowed, channel_allowed, may, required
from podwarden.errors import DomainError, InputError, PodwardenError, RunPodError

log = logging.getLogger("podwarden.bot")

ANSWERED = {"answered": True}
"""Marks a log record whose news the person already has in the reply: the console, whose log
is the same terminal, leaves it out (`bot.console`); the bot's log keeps it."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asked, with which role, and where (None: the console or the CLI)."""

    user_id: str
    role: Role
    channel_id: str | None = None


Refusal = Callable[[Caller, str, str], None]
"""Told of every refusal (caller, verb, why), to audit it."""

Handler = Callable[[c.Command, Caller], Reply]
ActionHandler = Callable[[str, Caller], Reply]
"""A button's handler: gets the button's `value` and who clicked; answers with a `Reply`
that replaces the message holding the button (Slack) or is printed (console)."""


@dataclass(frozen=True, slots=True)
class Action:
    """A button's handler with the least role that may press it.

    A button outlives the message that offered it (a demoted owner still has last week's
    Stop button), so the role is checked at the click, not when the button was shown. The
    dispatcher refuses any button registered without one (deny by default).
    """

    role: Role
    run: ActionHandler

    def __call__(self, value: str, caller: Caller) -> Reply:
        return self.run(value, caller)


def needs(role: Role, handler: ActionHandler) -> Action:
    """`handler` for callers with at least `role`."""
    return Action(role=role, run=handler)


class Dispatcher:
    """Maps typed commands to handlers. Verbs without a handler say so plainly."""

    def __init__(
        self, handlers: dict[type[c.Command], Handler], *, command: str = "/gpu",
        actions: dict[str, ActionHandler] | None = None, allowed_channels: tuple[str, ...] = (),
        on_refusal: Refusal | None = None,
    ) -> None:
        self._handlers = dict(handlers)
        self._actions = dict(actions or {})
        self._slash = command
        self._channels = allowed_channels
        self._on_refusal = on_refusal

    def _refuse(self, caller: Caller, verb: str, why: str) -> Reply:
        if self._on_refusal is not None:
            try:
                self._on_refusal(caller, verb, why)
            except PodwardenError as exc:  # the refusal stands even if the ledger is down
                log.warning("could not audit a refusal of %s to %s: %s", verb, caller.user_id, exc)
        return error_reply(why, kind="refused")

    def act(self, action_id: str, value: str, caller: Caller) -> Reply:
        """Run the handler of a clicked button (`action_id`), with the same error handling as commands."""
        handler = self._actions.get(action_id)
        if handler is None:
            return error_reply("That button no longer does anything here; run the command again.")
        need = handler.role if isinstance(handler, Action) else None
        if need is None:
            return self._refuse(caller, action_id, "That button is not allowed to anyone here.")
        if not channel_allowed(caller.channel_id, self._channels):
            return self._refuse(caller, action_id, "Podwarden does not take commands in this channel.")
        if not may(caller.role, need):
            from bot.verbs.help import refusal
            return self._refuse(caller, action_id, refusal("That button", need, caller.role,
                                                           in_slack=caller.channel_id is not None))
        try:
            return handler(value, caller)
        except Refused as exc:  # audited, with the channel, by whoever refused
            return error_reply(str(exc), kind="refused")
        except InputError as exc:
            return error_reply(exc.message, kind="input")
        except RunPodError as exc:
            log.warning("RunPod refused %s: %s", action_id, exc, extra=ANSWERED)
            return error_reply(shorten(str(exc)))
        except (PodwardenError, DomainError) as exc:
            return error_reply(str(exc))

    def handle(self, text: str, caller: Caller) -> Reply:
        verb: Verb | None = None
        try:
            command = parse(text)
            if isinstance(command, c.Help):
                return self.help(command.topic, caller)
            verb = BY_NAME[command.verb]
            handler = self._handlers.get(type(command))
            if handler is None:  # said before the role check: nobody should chase an admin for it
                return error_reply(f"`{verb.name}` is not available in this build yet.", usage=verb.usage)
            if not channel_allowed(caller.channel_id, self._channels):
                return self._refuse(caller, verb.name, "Podwarden does not take commands in this channel; "
                                    "use one of its channels or a DM.")
            if not allowed(caller.role, command.permission):
                need = required(command.permission)
                from bot.verbs.help import refusal
                why = (refusal(f"`{command.permission}`", need, caller.role, in_slack=caller.channel_id is not None)
                       if need is not None else f"`{command.permission}` is not allowed to anyone here.")
                return self._refuse(caller, command.permission, why)
            return handler(command, caller)
        except Refused as exc:  # a service said no (an owner, `keep forever`); it audited the refusal
            return error_reply(str(exc), kind="refused")
        except InputError as exc:  # from the parser, or from a service judging the meaning
            usage = exc.usage or (verb.usage if verb is not None else None)
            return error_reply(exc.message, usage=usage, kind="input")
        except RunPodError as exc:
            log.warning("RunPod refused %s: %s", text.split(" ", 1)[0], exc, extra=ANSWERED)
            return error_reply(shorten(str(exc)))  # one readable line, never a stack trace
        except (PodwardenError, DomainError) as exc:
            return error_reply(str(exc))

    def help(self, topic: str | None, caller: Caller) -> Reply:
        """The verbs this caller may run, and what any other verb needs (`bot/verbs/help.py`)."""
        from bot.verbs.help import help_reply
        return help_reply(topic, caller.role, in_slack=caller.channel_id is not None, slash=self._slash,
                          ready=self._ready)

    def _ready(self, verb: str) -> bool:
        return verb == "help" or any(c.VERB_NAMES[kind.__name__] == verb for kind in self._handlers)
