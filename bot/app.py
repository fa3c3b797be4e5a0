"""The Slack app: one bolt `App` with our listeners, the same for Socket Mode and HTTP mode.

`create_app` registers listeners by surface (commands, actions, views, home); each is a
bound method of an object holding the services. Everything a click or a command needs
lives in the ledger, so any number of apps (HTTP replicas) on one ledger behave as one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.dispatch import Dispatcher
from bot.listeners.actions import Actions
from bot.listeners.commands import Commands
from bot.listeners.face import CallerOf, Face, settings_caller
from bot.listeners.home import Home
from bot.listeners.views import StartForm
from bot.worker import Worker
from podwarden.settings import Settings

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_sdk import WebClient

    from podwarden.bootstrap import Services

log = logging.getLogger("podwarden.bot")


def create_app(
    services: Services,
    settings: Settings | None = None,
    *,
    client: WebClient | None = None,
    authorize: Callable[..., Any] | None = None,
    worker: Worker | None = None,
    dispatcher: Dispatcher | None = None,
    caller_of: CallerOf | None = None,
    verify_token: bool = True,
    listener_executor: Any | None = None,
) -> App:
    """A bolt App answering `settings.slack_command`, every button, the start form and the
    Home tab.

    `client` defaults to the bootstrap's WebClient (rate limits retried). With `authorize`
    (tests, or a multi-workspace install) bolt asks it for the token instead of calling
    `auth.test`; `verify_token=False` skips the start-up `auth.test` of a single token.
    Requests are signed-checked only when a signing secret is set (HTTP mode); Socket Mode
    needs none. The app keeps its `Face` as `app.podwarden` (tests, shutdown).
    """
    from slack_bolt import App

    from bot.handlers import build_dispatcher
    from podwarden import bootstrap

    settings = settings or services.settings
    if client is None:
        client = bootstrap.slack_client(settings)
    if authorize is not None and client.token:  # bolt ignores the token then (and says so): drop it
        from slack_sdk import WebClient as _WebClient

        client = _WebClient(base_url=client.base_url, retry_handlers=client.retry_handlers)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    face = Face(
        services=services,
        dispatcher=dispatcher or build_dispatcher(services),
        worker=worker or Worker(),
        caller_of=caller_of or settings_caller(services),
    )
    app = App(
        client=client,
        authorize=authorize,
        signing_secret=secret,
        request_verification_enabled=secret is not None,
        token_verification_enabled=verify_token and authorize is None,
        process_before_response=False,  # a long-running server: ack, then keep working
        listener_executor=listener_executor,
        logger=logging.getLogger("podwarden.bot.bolt"),
    )
    home = Home(face)
    form = StartForm(face)
    for surface in (Commands(face, form), Actions(face, home), form, home):
        surface.register(app)
    app.error(_on_error)
    app.podwarden = face  # type: ignore[attr-defined]
    return app


def face_of(app: App) -> Face:
    face: Face = app.podwarden  # type: ignore[attr-defined]
    return face


def _on_error(error: Exception, logger: logging.Logger) -> None:
    """One handler for what escaped a listener: logged with its type, never the request body
    (a slash command's body carries Slack's verification token)."""
    log.error("unhandled error in a listener: %s", type(error).__name__, exc_info=error)
