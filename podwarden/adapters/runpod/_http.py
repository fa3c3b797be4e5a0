"""The HTTP plumbing every RunPod adapter shares (GraphQL, Serverless, later REST v2).

One `httpx.Client` per adapter, so connections are reused; the API key travels only in
the ``Authorization: Bearer`` header (never in a URL) and is scrubbed from any error
message that might echo it; transport failures and non-2xx statuses become RunPod errors
through `podwarden.adapters.runpod.errors`. One call of `RunPodHttp.send` is one attempt:
retrying is the adapter's decision, made with its `RetryPolicy`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import TYPE_CHECKING, Self

import httpx
from pydantic import SecretStr

from podwarden.adapters.runpod.errors import error_for_transport, excerpt, raise_for_runpod
from podwarden.errors import ConfigError, MalformedResponse, RunPodError

if TYPE_CHECKING:
    from podwarden.settings import Settings

__all__ = ["RunPodHttp", "api_key_from", "user_agent"]

REDACTED = "[redacted]"


def api_key_from(settings: Settings) -> SecretStr:
    """The RunPod key from the settings, or a `ConfigError` saying how to provide it."""
    key = settings.runpod_api_key
    if key is None or not key.get_secret_value().strip():
        raise ConfigError(
            "PODWARDEN_RUNPOD_API_KEY is not set: create an API key in RunPod's console "
            "(Settings → API Keys) and export it, or run `podwarden demo` to use the simulator"
        )
    return key


def user_agent() -> str:
    """``podwarden/<version>``, the version of the installed distribution."""
    try:
        return f"podwarden/{version('podwarden')}"
    except PackageNotFoundError:
        return "podwarden/unknown"


class RunPodHttp:
    """An authenticated `httpx.Client` for one RunPod base URL."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: SecretStr | str,
        timeout: float,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        if not key:
            raise ConfigError("PODWARDEN_RUNPOD_API_KEY is empty; set it to a RunPod API key (rpa_…)")
        if "api_key=" in base_url.lower():
            raise ConfigError("the RunPod API key goes in PODWARDEN_RUNPOD_API_KEY, never in a URL")
        self._base_url = base_url.rstrip("/")
        self._key = key
        self.timeout = timeout
        self._client = httpx.Client(
            headers={
                "Authorization": f"Bearer {key}",
                "User-Agent": user_agent(),
                "Accept": "application/json",
            },
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )

    def url(self, path: str = "") -> str:
        return f"{self._base_url}/{path.lstrip('/')}" if path else self._base_url

    def send(
        self,
        method: str,
        path: str = "",
        *,
        operation: str,
        json_body: object = None,
        params: Mapping[str, str | int] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """One attempt: the 2xx response, or the RunPod error for what went wrong instead."""
        limit = self.timeout if timeout is None else timeout
        try:
            response = self._client.request(
                method,
                self.url(path),
                json=json_body,
                params=params,
                timeout=limit,
            )
        except httpx.RequestError as exc:
            raise self.redacted(error_for_transport(exc, operation=operation, timeout=limit)) from exc
        try:
            raise_for_runpod(response, operation)
        except RunPodError as exc:
            raise self.redacted(exc) from None
        return response

    def decode(self, response: httpx.Response, *, operation: str) -> object:
        """The JSON body, or `MalformedResponse` with a short excerpt of what came instead."""
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            text = response.content.decode("utf-8", errors="replace")
            got = f"{excerpt(text, 80)!r}" if text.strip() else "an empty body"
            raise self.redacted(MalformedResponse(
                f"expected JSON, got {got}",
                status=response.status_code,
                operation=operation,
            )) from None

    def redacted(self, exc: RunPodError) -> RunPodError:
        """`exc` with the API key scrubbed from its message (RunPod might echo it)."""
        if len(self._key) >= 6 and self._key in exc.message:
            exc.message = exc.message.replace(self._key, REDACTED)
            exc.args = (exc.message,)
        return exc

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None:
        self.close()
