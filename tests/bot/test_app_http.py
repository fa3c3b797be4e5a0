"""The ASGI app of HTTP mode: `/healthz` says 503 when the ledger cannot answer, and only
POSTs reach bolt."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.app import face_of
from bot.http import HttpServer
from podwarden.bootstrap import Services
from podwarden.errors import ConfigError, LedgerError
from tests.bot.e2e import harness as h
from tests.fakes.slack_api import FakeSlack

pytestmark = pytest.mark.usefixtures("podwarden_env")


@pytest.fixture
def services() -> Iterator[Services]:
    with FakeSlack() as slack, h.services(slack.url) as built:
        yield built


def _down() -> None:
    raise LedgerError("the ledger is unreachable")


def test_healthz_is_503_when_the_ledger_is_down(services: Services) -> None:
    app = h.app(services, "http://127.0.0.1:9/api/")
    try:
        with HttpServer(app, port=0, health=_down) as down:
            response = httpx.get(f"{down.url}/healthz")
            assert response.status_code == 503
            assert response.json() == {"ok": False, "error": "LedgerError"}
        with HttpServer(app, port=0, health=lambda: None) as up:
            assert httpx.get(f"{up.url}/healthz").json() == {"ok": True}
            assert httpx.get(f"{up.url}/slack/events").status_code == 405
    finally:
        face_of(app).worker.shutdown()


def test_http_mode_refuses_an_app_without_a_signing_secret(services: Services) -> None:
    unsigned = services.settings.model_copy(update={"slack_signing_secret": None})
    app = h.app(services, "http://127.0.0.1:9/api/", settings=unsigned)
    try:
        with pytest.raises(ConfigError, match="HTTP mode needs PODWARDEN_SLACK_SIGNING_SECRET"):
            HttpServer(app, port=0)
    finally:
        face_of(app).worker.shutdown()
