"""Secrets never appear in logs or replies: the bot token, the signing secret and the
RunPod key, even at DEBUG, even when a request is forged or Slack echoes the token back."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from bot import redact
from bot.app import create_app, face_of
from bot.http import EVENTS_PATH, HttpServer
from podwarden import bootstrap
from podwarden.sim import RunPodSimulator
from tests.bot.e2e import harness as h
from tests.bot.e2e import slack_requests as sr
from tests.fakes.slack_api import FakeSlack

BOT_TOKEN = "xoxb-1111-2222-SECRETbot"
SIGNING_SECRET = "f00dfacecafe5ecret"
RUNPOD_KEY = "rpa_SECRETRUNPODKEY123"
SECRETS = (BOT_TOKEN, SIGNING_SECRET, RUNPOD_KEY)


def leaks(text: str) -> list[str]:
    """The secrets found in `text` (the grep)."""
    return [secret for secret in SECRETS if secret in text]


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    yield
    redact.uninstall()


def test_the_grep_fires_on_a_planted_leak() -> None:
    assert leaks(f"Authorization: Bearer {BOT_TOKEN}") == [BOT_TOKEN]
    assert leaks(f"key={RUNPOD_KEY} secret={SIGNING_SECRET}") == [SIGNING_SECRET, RUNPOD_KEY]
    assert leaks("nothing here") == []


@pytest.mark.usefixtures("podwarden_env")
def test_no_secret_in_logs_or_replies_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("slack_sdk", "slack_bolt", "httpx", "httpcore", "podwarden"):  # a CLI run may have raised them
        caplog.set_level(logging.DEBUG, logger=name)
    simulator = RunPodSimulator(api_key=RUNPOD_KEY, scenario=None)
    with FakeSlack(valid_tokens={BOT_TOKEN}, echo_token=True) as slack:
        settings = h.settings(slack.url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                              runpod_api_key=RUNPOD_KEY)
        with bootstrap.build(settings, transport=httpx.MockTransport(simulator)) as services:
            app = create_app(services, client=bootstrap.slack_client(settings))  # as `podwarden bot` builds it
            with HttpServer(app, port=0) as server, httpx.Client(base_url=server.url) as client:
                def post(body: str, secret: str) -> httpx.Response:
                    return client.post(EVENTS_PATH, content=body.encode(), headers=sr.headers(body, secret=secret))

                forged = post(sr.command(f"gpus {BOT_TOKEN}", user=h.MEMBER, response_url=slack.response_url("x")),
                              "wrong-secret")
                assert forged.status_code == 401
                assert post(sr.command("gpus", user=h.MEMBER, response_url=slack.response_url("gpus")),
                            SIGNING_SECRET).status_code == 200
                assert post(sr.command("start", user=h.MEMBER, response_url=slack.response_url("form")),
                            SIGNING_SECRET).status_code == 200  # views.open / views.update with the bot token
                assert post(sr.command(f"quote {RUNPOD_KEY}", user=h.MEMBER,
                                       response_url=slack.response_url("typo")), SIGNING_SECRET).status_code == 200
                assert slack.wait_for(lambda s: s.responses_to("gpus") and s.calls_to("views.update"))
                face_of(app).worker.wait_idle(30)
            face_of(app).worker.shutdown()
            replies = json.dumps([r.body for r in slack.responses]) + forged.text
    logs = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "you sent [redacted]" in logs  # Slack's echo was logged (slack_sdk at DEBUG), with the token masked
    assert slack.calls_to("views.open")[0].token == BOT_TOKEN  # the token was really in use
    assert "[redacted]" in json.dumps(slack.responses_to("typo"))  # the pasted key was echoed, masked
    assert leaks(logs) == []
    assert leaks(replies) == []
