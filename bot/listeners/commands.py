"""The slash command (`/gpu` by default): every verb of the command language.

Ack within Slack's 3 seconds, always: answers that need no RunPod call (help, a typo)
are the ack itself; everything else acks "working on it" and runs in our worker pool,
answering through the command's `response_url` (replacing the "working" line). A bare
`start` opens the start form instead.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot import commands as c
from bot.listeners.face import BUSY, FAILED, WORKING, Face, message
from bot.parser import parse
from podwarden.errors import InputError

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.listeners.views import StartForm

log = logging.getLogger("podwarden.bot.commands")


def is_bare_start(text: str) -> bool:
    """`start` with nothing after it: the form, not a parse error."""
    return text.strip().lower() == "start"


def is_quick(text: str) -> bool:
    """True when the answer needs no RunPod call: help, or text the parser refuses."""
    try:
        return isinstance(parse(text), c.Help)
    except InputError:
        return True


class Commands:
    def __init__(self, face: Face, start_form: StartForm) -> None:
        self._face = face
        self._form = start_form

    def register(self, app: App) -> None:
        app.command(self._face.services.settings.slack_command)(self.on_command)

    def on_command(self, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        text = str(body.get("text") or "")
        user, channel = str(body["user_id"]), body.get("channel_id")
        if is_bare_start(text):
            self._form.open(ack, body, client, respond)
            return
        if is_quick(text):
            reply = self._face.dispatcher.handle(text, self._face.caller(user, channel))
            ack(response_type="ephemeral", **message(reply))
            return
        ticket = self._face.worker.reserve()
        if ticket is None:
            ack(response_type="ephemeral", text=BUSY)
            return
        ack(response_type="ephemeral", text=WORKING)

        def work() -> None:
            try:
                reply = self._face.dispatcher.handle(text, self._face.caller(user, channel))
            except Exception:
                log.exception("command failed: %s", text.split(" ", 1)[0])
                respond(text=FAILED, response_type="ephemeral", replace_original=True)
                return
            sent = respond(response_type="ephemeral", replace_original=True, **message(reply))
            if getattr(sent, "status_code", 200) != 200:  # the response_url expired (30 min) or was used 5 times
                log.warning("response_url refused the answer to %s: %s", text.split(" ", 1)[0], sent.status_code)

        ticket.run(work, name=f"command {text.split(' ', 1)[0]!r}")
