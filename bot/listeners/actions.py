"""Every button of every message, through one listener: ack, then `dispatcher.act` in the
worker pool, then the answer replaces the message that held the button.

The button's `action_id` names the handler and its `value` carries the argument (a
pending action's nonce, a pod id); nothing else about the click is trusted. Buttons of
the start form live in `views`; buttons on the Home tab answer in a DM and refresh it.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from bot.listeners.face import BUSY, FAILED, Face, message
from podwarden.adapters.slack.reply import Reply, error_reply

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from bot.listeners.home import Home

log = logging.getLogger("podwarden.bot.actions")

FORM_PREFIX = "start_form:"
EVERY_BUTTON = re.compile(rf"^(?!{re.escape(FORM_PREFIX)}).+")


def container_type(body: dict[str, Any]) -> str:
    """`message`, `view` (Home tab or modal) or '' ."""
    return str((body.get("container") or {}).get("type") or "")


class Actions:
    def __init__(self, face: Face, home: Home) -> None:
        self._face = face
        self._home = home

    def register(self, app: App) -> None:
        app.action(EVERY_BUTTON)(self.on_action)

    def on_action(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                  client: WebClient) -> None:
        ack()
        user = str((body.get("user") or {}).get("id") or "")
        channel = (body.get("channel") or {}).get("id")
        action_id = str(action.get("action_id") or "")
        value = str(action.get("value") or (action.get("selected_option") or {}).get("value") or "")
        ticket = self._face.worker.reserve()
        if ticket is None:
            self._answer(body, respond, client, error_reply(BUSY), replace=False)
            return

        def work() -> None:
            try:
                reply = self._face.dispatcher.act(action_id, value, self._face.caller(user, channel))
            except Exception:
                log.exception("button %s failed", action_id)
                reply = error_reply(FAILED)
            self._answer(body, respond, client, reply, replace=True)
            if container_type(body) == "view":
                self._home.publish(client, user)

        ticket.run(work, name=f"button {action_id!r}")

    def _answer(self, body: dict[str, Any], respond: Respond, client: WebClient, reply: Reply, *,
                replace: bool) -> None:
        """Replace the clicked message (response_url, else chat.update); from the Home tab,
        a DM to the person who clicked."""
        if body.get("response_url"):
            respond(response_type="ephemeral", replace_original=replace, **message(reply))
            return
        container = body.get("container") or {}
        user = str((body.get("user") or {}).get("id") or "")
        if container.get("type") == "message" and container.get("channel_id") and container.get("message_ts") \
                and replace:
            client.chat_update(channel=container["channel_id"], ts=container["message_ts"], **message(reply))
            return
        if user:
            client.chat_postMessage(channel=user, **message(reply))
