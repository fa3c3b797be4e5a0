"""HTTP mode: bolt behind Starlette under uvicorn, never bolt's development server.

`/slack/events` takes slash commands, interactions and events (Slack signs each; bolt
checks the signature and its 5-minute window), `/healthz` answers a load balancer.
Replicas keep no state of their own (it is all in the ledger), so any number of them can
stand behind one balancer.

bolt's Starlette adapter calls the synchronous `App.dispatch` inside the event loop, which
would serialise every request behind the slowest ack; we use the adapter's request and
response conversion and run `dispatch` in Starlette's thread pool instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    import uvicorn
    from slack_bolt import App

log = logging.getLogger("podwarden.bot.http")

EVENTS_PATH = "/slack/events"


def asgi(app: App, *, health: Callable[[], None] | None = None) -> Starlette:
    """The ASGI app: `health` raises when the bot cannot serve (the ledger is gone).

    Refused for an app without a signing secret: on a public port, unsigned requests would
    let anyone act as anyone."""
    from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response

    from bot.app import face_of
    from podwarden.errors import ConfigError

    if not face_of(app).signed:
        raise ConfigError("HTTP mode needs PODWARDEN_SLACK_SIGNING_SECRET (Basic Information → Signing Secret)")

    async def events(request: Request) -> Response:
        body = await request.body()
        bolt_response = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    async def healthz(request: Request) -> Response:
        if health is not None:
            try:
                await run_in_threadpool(health)
            except Exception as exc:
                log.warning("health check failed: %s", type(exc).__name__)
                return JSONResponse({"ok": False, "error": type(exc).__name__}, status_code=503)
        return JSONResponse({"ok": True})

    return Starlette(routes=[
        Route(EVENTS_PATH, events, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ])


class HttpServer:
    """uvicorn serving `asgi(app)`: `serve()` blocks (the CLI); `start()`/`stop()` run it on
    a thread (tests, and anything that embeds the bot)."""

    def __init__(self, app: App, *, host: str = "127.0.0.1", port: int = 3000,
                 health: Callable[[], None] | None = None) -> None:
        import uvicorn

        config = uvicorn.Config(asgi(app, health=health), host=host, port=port, log_level="warning",
                                lifespan="off", access_log=False)
        self._server: uvicorn.Server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL actually bound (port 0 picks a free one)."""
        sockets = [s for server in self._server.servers for s in server.sockets]
        host, port = sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    def serve(self) -> None:
        self._server.run()

    def start(self, timeout: float = 10.0) -> HttpServer:
        self._thread = threading.Thread(target=self._server.run, name="podwarden-http", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        pause = threading.Event()  # uvicorn offers a flag, not an event: look at it until it is up
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            pause.wait(0.01)
        if not self._server.started:
            self.stop()
            raise RuntimeError("the HTTP server did not start (is the port taken?)")
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> HttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
