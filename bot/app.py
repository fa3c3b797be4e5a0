"""The Slack app: one bolt `App` with our listeners, the same for Socket Mode and HTTP mode.

`create_app` registers listeners by surface (commands, actions, views, home); each is a
bound method of an object holding the services. Everything a click or a command needs
lives in the ledger, so any number of apps (HTTP replicas) on one ledger behave as one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot import redact
from bot.dispatch import Dispatcher
from bot.listeners.actions import Actions
from bot.listeners.commands import Commands
from bot.listeners.face import CallerOf, Face, SlackGroups
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

    `client` defaults to the bootstrap's WebClient (rate limits retried). Callers get the
    role the ledger gives them, lifted by their Slack user groups. With `authorize`
    (tests, or a multi-workspace install) bolt asks it for the token instead of calling
    `auth.test`; `verify_token=False` skips the start-up `auth.test` of a single token.
    Requests are signed-checked only when a signing secret is set (HTTP mode); Socket Mode
    needs none. Secrets are redacted from every log record from here on. The app keeps its
    `Face` as `app.podwarden` (tests, shutdown).
    """
    from slack_bolt import App

    from bot.handlers import build_dispatcher
    from bot.handlers import caller_of as handler_caller_of
    from podwarden import bootstrap

    settings = settings or services.settings
    redact.install(settings)  # before the first request can log anything
    api = client if client is not None else bootstrap.slack_client(settings)
    bolt_client = api
    if authorize is not None and api.token:  # bolt ignores the token then (and says so): drop it
        from slack_sdk import WebClient as _WebClient

        bolt_client = _WebClient(base_url=api.base_url, retry_handlers=api.retry_handlers)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    face = Face(
        services=services,
        dispatcher=dispatcher or build_dispatcher(services),
        worker=worker or Worker(),
        caller_of=caller_of or handler_caller_of(services, groups=SlackGroups(services, _quick_client(api))),
        signed=secret is not None,
    )
    app = App(
        client=bolt_client,
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


def _quick_client(api: WebClient) -> WebClient:
    """A client for lookups made while an ack waits (user groups): a 2-second timeout and no
    waiting out a 429, so a slow Slack costs a stale answer, never a missed ack."""
    from slack_sdk import WebClient as _WebClient

    return _WebClient(token=api.token, base_url=api.base_url, timeout=2)


def face_of(app: App) -> Face:
    face: Face = app.podwarden  # type: ignore[attr-defined]
    return face


def _on_error(error: Exception, logger: logging.Logger) -> None:
    """One handler for what escaped a listener: logged with its type, never the request body
    (a slash command's body carries Slack's verification token)."""
    log.error("unhandled error in a listener: %s", type(error).__name__, exc_info=error)


def check_settings(settings: Settings, *, http: bool) -> None:
    """One line naming what is missing, before anything is built."""
    from podwarden.errors import ConfigError

    if settings.slack_bot_token is None or not settings.slack_bot_token.get_secret_value():
        raise ConfigError("the bot needs PODWARDEN_SLACK_BOT_TOKEN (the bot token, xoxb-…)")
    if http and (settings.slack_signing_secret is None or not settings.slack_signing_secret.get_secret_value()):
        raise ConfigError("HTTP mode needs PODWARDEN_SLACK_SIGNING_SECRET (Basic Information → Signing Secret)")
    if not http and (settings.slack_app_token is None or not settings.slack_app_token.get_secret_value()):
        raise ConfigError(
            "Socket Mode needs PODWARDEN_SLACK_APP_TOKEN (an app-level xapp-… token with connections:write); "
            "or run `podwarden bot --http` with PODWARDEN_SLACK_SIGNING_SECRET"
        )


def run(*, http: bool = False, port: int | None = None, host: str = "127.0.0.1", sim: Any | bool = False,
        settings: Settings | None = None) -> int:
    """`podwarden bot`: Socket Mode by default, HTTP mode with `http`. Blocks until stopped.
    With `sim`, RunPod is an in-process simulator (try the bot in a workspace, no account);
    `sim` may be the simulator itself (`podwarden run --sim` shares one with the daemon)."""
    import threading

    from bot.http import HttpServer
    from bot.socket_mode import handler
    from podwarden import bootstrap

    settings = settings or bootstrap.settings()
    check_settings(settings, http=http)
    with bootstrap.build(settings, sim=sim) as services:
        app = _started_app(services, settings)
        stop_watching = threading.Event()
        bootstrap.dead_mans_switch(services).watch(stop_watching)  # the daemon's silence, posted
        try:
            if http:
                log.info("HTTP mode on %s:%s/slack/events", host, port or settings.http_port)

                def health() -> None:  # the ledger answers: the one thing a replica depends on
                    services.ledger.lease("podwarden-bot-health")

                HttpServer(app, host=host, port=port or settings.http_port, health=health).serve()
            else:
                log.info("Socket Mode: connecting to Slack")
                _until_stopped(handler(app, settings))
        finally:
            stop_watching.set()
            face_of(app).worker.shutdown()
    return 0


def _started_app(services: Services, settings: Settings) -> App:
    """`create_app`, whose start-up `auth.test` fails in one line: a refused token is a setting
    to fix (`ConfigError`), an unreachable Slack a failure to retry later (`NotifyError`).
    Bolt's own message quotes Slack's whole answer, so it is never shown."""
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    from podwarden.errors import ConfigError, NotifyError
    from podwarden.redaction import redact_urls

    quiet = _Unsent()  # slack_sdk logs each failed try at ERROR; the one line below says it once
    sdk_log = logging.getLogger("slack_sdk.web.base_client")
    sdk_log.addFilter(quiet)
    try:
        return create_app(services, settings)
    except BoltError as exc:
        cause = exc.__context__
        if not isinstance(cause, SlackApiError):
            raise
        raise ConfigError("Slack's auth.test refused PODWARDEN_SLACK_BOT_TOKEN: "
                          f"{cause.response.get('error', 'error')}") from None
    except OSError as exc:  # urllib's URLError, a timeout, a refused connection
        reason = getattr(exc, "reason", None) or exc
        said = reason.strerror if isinstance(reason, OSError) and reason.strerror else type(reason).__name__
        raise NotifyError(f"cannot reach Slack at {redact_urls(settings.slack_api_url)} (auth.test): {said}") from None
    finally:
        sdk_log.removeFilter(quiet)


class _Unsent(logging.Filter):
    """Drops slack_sdk's "Failed to send a request" records (start-up only)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to send a request")


def _until_stopped(socket_handler: Any) -> None:
    """Connect and serve until SIGTERM or Ctrl-C, then close the socket; the caller lets the
    worker pool finish what it accepted (a container stop is not a lost answer)."""
    import signal
    import threading

    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    socket_handler.connect()
    try:
        stop.wait()
    finally:
        socket_handler.close()
