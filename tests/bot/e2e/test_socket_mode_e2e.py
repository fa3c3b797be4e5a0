"""Socket Mode end to end: `apps.connections.open` on the fake Slack hands out the URL of
a WebSocket fake on loopback; bolt's built-in client connects, gets a slash command
envelope, acks it on the socket, and the answer arrives on the response_url."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest

from bot.app import face_of
from bot.listeners.face import WORKING
from bot.socket_mode import handler
from podwarden import bootstrap
from podwarden.errors import ConfigError
from tests.bot.e2e import harness as h
from tests.bot.e2e import slack_requests as sr
from tests.fakes.slack_api import FakeSlack
from tests.fakes.socket_mode import FakeSocketMode

pytestmark = pytest.mark.usefixtures("podwarden_env")


@pytest.fixture
def socket() -> Iterator[FakeSocketMode]:
    with FakeSocketMode().running() as fake:
        yield fake


def _envelope(envelope_id: str, text: str, response_url: str) -> dict[str, Any]:
    payload = dict(parse_qsl(sr.command(text, user=h.MEMBER, response_url=response_url)))
    return {"envelope_id": envelope_id, "type": "slash_commands", "accepts_response_payload": True,
            "payload": payload}


def test_a_slash_command_over_the_socket_is_acked_on_it_and_answered(socket: FakeSocketMode) -> None:
    with FakeSlack(socket_url=socket.url) as slack:
        settings = h.settings(slack.url, slack_bot_token=sr.BOT_TOKEN, slack_app_token="xapp-valid",
                              slack_signing_secret=None)
        with bootstrap.build(settings, sim=True) as services:
            app = h.app(services, slack.url, client=bootstrap.slack_client(settings))
            socket_handler = handler(app, settings)
            socket_handler.connect()
            try:
                assert socket.wait_connected()
                assert [c.token for c in slack.calls_to("apps.connections.open")] == ["xapp-valid"]
                socket.push(_envelope("env-help", "help", slack.response_url("help")))
                ack = socket.wait_for_ack("env-help")
                assert ack is not None
                assert "What you can do with /gpu (as member)" in ack["payload"]["text"]

                socket.push(_envelope("env-gpus", "gpus --min-vram 80", slack.response_url("gpus")))
                ack = socket.wait_for_ack("env-gpus")
                assert ack is not None
                assert ack["payload"]["text"] == WORKING
                assert slack.wait_for(lambda s: s.responses_to("gpus"))
                assert "H100" in str(slack.responses_to("gpus")[0]["blocks"])
            finally:
                socket_handler.close()
                face_of(app).worker.shutdown()


def test_socket_mode_without_an_app_token_says_what_is_missing() -> None:
    with FakeSlack() as slack:
        settings = h.settings(slack.url, slack_bot_token=sr.BOT_TOKEN)
        with pytest.raises(ConfigError, match="Socket Mode needs PODWARDEN_SLACK_APP_TOKEN"):
            handler(object(), settings)  # type: ignore[arg-type]
