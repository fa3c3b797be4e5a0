"""End to end in HTTP mode: the bot as a real uvicorn server on 127.0.0.1, the fake Slack
(Web API and response_urls) on another port, the simulator as RunPod in-process."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from bot.app import face_of
from bot.http import EVENTS_PATH, HttpServer
from bot.worker import Worker
from podwarden import bootstrap
from podwarden.bootstrap import Services
from tests.bot.e2e import harness as h
from tests.bot.e2e import slack_requests as sr
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def simulator() -> Any:
    return bootstrap.simulator()


class Bot:
    """One running bot: its services, its app, its server, and a way to post to it."""

    def __init__(self, services: Services, server: HttpServer, app: Any) -> None:
        self.services = services
        self.server = server
        self.app = app
        self.http = httpx.Client(base_url=server.url, timeout=30)

    def post(self, body: str, *, content_type: str = sr.FORM, **header_args: Any) -> httpx.Response:
        headers = sr.headers(body, content_type=content_type, **header_args)
        return self.http.post(EVENTS_PATH, content=body.encode(), headers=headers)

    def command(self, text: str, *, user: str, response_url: str, **header_args: Any) -> httpx.Response:
        return self.post(sr.command(text, user=user, response_url=response_url), **header_args)

    def click(self, action_id: str, value: str, *, user: str, response_url: str) -> httpx.Response:
        return self.post(sr.button(action_id, value, user=user, response_url=response_url))

    def idle(self) -> None:
        assert face_of(self.app).worker.wait_idle(60)


@pytest.fixture
def start_bot(podwarden_env: Any, slack: FakeSlack, simulator: Any) -> Iterator[Callable[..., Bot]]:
    """Start a bot (several share the test's ledger and simulator: replicas)."""
    with contextlib.ExitStack() as stack:

        def start(*, worker: Worker | None = None, transport: httpx.BaseTransport | None = None,
                  **overrides: Any) -> Bot:
            """`transport`: RunPod through this instead of the simulator directly (a slow one)."""
            settings = h.settings(slack.url, slack_bot_token=sr.BOT_TOKEN, **overrides)
            if transport is not None:
                keyed = h.settings(slack.url, slack_bot_token=sr.BOT_TOKEN, runpod_api_key=bootstrap.SIM_API_KEY,
                                   **overrides)
                services = stack.enter_context(bootstrap.build(keyed, transport=transport))
            else:
                services = stack.enter_context(bootstrap.build(settings, sim=simulator))
            app = h.app(services, slack.url, worker=worker, client=bootstrap.slack_client(settings))
            stack.callback(face_of(app).worker.shutdown)
            server = stack.enter_context(HttpServer(app, port=0))
            bot = Bot(services, server, app)
            stack.callback(bot.http.close)
            return bot

        yield start


@pytest.fixture
def bot(start_bot: Callable[..., Bot]) -> Bot:
    return start_bot()
