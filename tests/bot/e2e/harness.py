"""The pieces every bot test wires the same way: settings for a test ledger and the fake
Slack, services on the simulator, and the app with `authorize=` (no auth.test)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient

from bot.app import create_app
from bot.worker import Worker
from podwarden import bootstrap
from podwarden.bootstrap import Services
from podwarden.settings import Settings
from tests.bot.e2e import slack_requests as sr

ADMIN = "U0ADMIN"
MEMBER = "U0MEMBER"
OTHER = "U0OTHER"
VIEWER = "U0VIEWER"


def settings(slack_url: str, **overrides: Any) -> Settings:
    """Test settings; an override of None leaves the setting unset."""
    values: dict[str, Any] = {"slack_api_url": slack_url, "slack_signing_secret": sr.SIGNING_SECRET,
                              "admins": (ADMIN,), "members": (MEMBER, OTHER), **overrides}
    return bootstrap.settings(**values)


@contextlib.contextmanager
def services(slack_url: str, *, sim: Any = True, **overrides: Any) -> Iterator[Services]:
    with bootstrap.build(settings(slack_url, **overrides), sim=sim) as built:
        yield built


def app(services: Services, slack_url: str, *, worker: Worker | None = None, client: WebClient | None = None,
        **kwargs: Any) -> App:
    client = client or WebClient(base_url=slack_url)
    return create_app(services, client=client, authorize=sr.authorize, worker=worker or Worker(workers=4, queue=16),
                      **kwargs)


def dispatch(app: App, body: str, *, content_type: str = sr.FORM, **header_args: Any) -> BoltResponse:
    """One signed request through bolt, in-process."""
    headers: dict[str, str | Sequence[str]] = dict(sr.headers(body, content_type=content_type, **header_args))
    response: BoltResponse = app.dispatch(BoltRequest(body=body, headers=headers))
    return response
