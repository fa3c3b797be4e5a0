"""What Slack sends the bot, byte for byte: slash commands and interactions as form posts,
events as JSON, each signed the way Slack signs them (v0, HMAC-SHA256 over
``v0:<timestamp>:<body>`` with the signing secret)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret-0f8e"
BOT_TOKEN = "xoxb-valid"
TEAM = "T0001"

FORM = "application/x-www-form-urlencoded"


def signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
            content_type: str = FORM) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature(secret, ts, body),
    }


def command(text: str, *, user: str, channel: str = "C0GPU", response_url: str, trigger_id: str = "13345.trig",
            name: str = "/gpu") -> str:
    return urlencode({
        "token": "legacy-verification-token", "team_id": TEAM, "team_domain": "acme", "channel_id": channel,
        "channel_name": "gpu", "user_id": user, "user_name": user.lower(), "command": name, "text": text,
        "api_app_id": "A0POD", "response_url": response_url, "trigger_id": trigger_id,
    })


def _payload(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def button(action_id: str, value: str, *, user: str, channel: str = "C0GPU", response_url: str | None,
           message_ts: str = "1700000000.000100") -> str:
    payload: dict[str, Any] = {
        "type": "block_actions", "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM}, "api_app_id": "A0POD",
        "token": "legacy-verification-token", "trigger_id": "13346.trig",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": True},
        "channel": {"id": channel, "name": "gpu"},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
                     "text": {"type": "plain_text", "text": "Button"}, "action_ts": "1700000001.000200"}],
    }
    if response_url is not None:
        payload["response_url"] = response_url
    return _payload(payload)


def view_action(action_id: str, view: dict[str, Any], *, user: str, selected: str | None = None) -> str:
    action: dict[str, Any] = {"type": "static_select", "action_id": action_id, "block_id": action_id.split(":")[-1],
                              "action_ts": "1700000002.000300"}
    if selected is not None:
        action["selected_option"] = {"text": {"type": "plain_text", "text": selected}, "value": selected}
    return _payload({
        "type": "block_actions", "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM}, "api_app_id": "A0POD",
        "token": "legacy-verification-token", "trigger_id": "13347.trig",
        "container": {"type": "view", "view_id": view["id"]}, "view": view, "actions": [action],
    })


def view_submission(view: dict[str, Any], *, user: str) -> str:
    return _payload({
        "type": "view_submission", "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM}, "api_app_id": "A0POD",
        "token": "legacy-verification-token", "trigger_id": "13348.trig", "view": view,
    })


def event(event: dict[str, Any], *, event_id: str = "Ev0001") -> str:
    return json.dumps({
        "token": "legacy-verification-token", "team_id": TEAM, "api_app_id": "A0POD", "type": "event_callback",
        "event": event, "event_id": event_id, "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": "U0BOT", "is_bot": True}],
    })


def state(**fields: Any) -> dict[str, Any]:
    """A start form's `view.state` with the given answers (select values, or typed text)."""
    values: dict[str, Any] = {}
    for name, value in fields.items():
        key = f"start_form:{name}"
        if name == "spot":
            values[name] = {key: {"type": "checkboxes", "selected_options": [{"value": "spot"}] if value else []}}
        elif name in {"gpu", "count", "cloud", "network_volume"}:
            values[name] = {key: {"type": "static_select", "selected_option": {"value": str(value)}}}
        else:
            values[name] = {key: {"type": "plain_text_input", "value": str(value)}}
    return {"values": values}


def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> Any:
    """bolt's authorize: a fixed bot token, no auth.test (nothing leaves the machine)."""
    from slack_bolt.authorization import AuthorizeResult

    return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=BOT_TOKEN,
                           bot_user_id="U0BOT", bot_id="B0BOT")
