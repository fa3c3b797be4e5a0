"""Socket Mode (the default): the bot dials out to Slack over a WebSocket, so it needs no
public URL. The app-level token (`xapp-…`, scope `connections:write`) asks
`apps.connections.open` for the socket's URL; bolt's built-in client keeps it connected
(pings, reconnects when Slack says so). Requests arrive unsigned over the socket and are
acked on it; our listeners are the same as in HTTP mode."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from podwarden.errors import ConfigError
from podwarden.settings import Settings

if TYPE_CHECKING:
    from slack_bolt import App


def handler(app: App, settings: Settings) -> Any:
    """bolt's built-in Socket Mode handler for `app` (its WebClient, so the same API URL)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    if settings.slack_app_token is None or not settings.slack_app_token.get_secret_value():
        raise ConfigError(
            "Socket Mode needs PODWARDEN_SLACK_APP_TOKEN (an app-level xapp-… token with connections:write); "
            "or run `podwarden bot --http` with PODWARDEN_SLACK_SIGNING_SECRET"
        )
    return SocketModeHandler(app, app_token=settings.slack_app_token.get_secret_value())
