"""The HTTP plumbing every RunPod adapter shares (GraphQL, REST v2, Serverless).

One `httpx.Client` per adapter, so connections are reused; the API key travels only in
the ``Authorization: Bearer`` header (never in a URL) and is scrubbed from any error
message that might echo it; transport failures and non-2xx statuses become RunPod errors
through `podwarden.adapters.runpod.errors`; JSON becomes pydantic models through
`RunPodHttp.parse`, the one place a shape mismatch is turned into an error. One call of
`RunPodHttp.send` is one attempt, given what is left of the operation's `Deadline`:
retrying is the adapter's decision, made with its `RetryPolicy`.

`RunPodAdapter` is the base of the adapters themselves: it builds the `RunPodHttp` from
plain values (URL, key, timeout, `RetryPolicy`) and closes the client (also as a context
manager). Reading those values from the settings is the composition root's job
(`podwarden.bootstrap`), so an adapter can be built, and tested, without any.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import ClassVar, Self, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from podwarden.adapters.runpod.errors import (
    BudgetSpent,
    ShapeMismatch,
    error_for_transport,
    excerpt,
    raise_for_runpod,
)
from podwarden.adapters.runpod.retry import Deadline, RetryPolicy, retryable
from podwarden.errors import ConfigError, MalformedResponse, RunPodError

__all__ = ["RunPodAdapter", "RunPodHttp", "user_agent"]

REDACTED = "[redacted]"

log = logging.getLogger("podwarden.runpod")

E = TypeVar("E", bound=RunPodError)
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def user_agent() -> str:
    """``podwarden/<version>``, the version of the installed distribution."""
    try:
        return f"podwarden/{version('podwarden')}"
    except PackageNotFoundError:
        return "podwarden/unknown"


class _Closing:
    """``with`` support for anything with a `close`."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None:
        self.close()


class RunPodHttp(_Closing):
    """An authenticated `httpx.Client` for one RunPod base URL.

    `url_setting` names the setting the URL came from, for the `ConfigError` raised when it
    is not a URL httpx can use.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: SecretStr | str,
        timeout: float,
        transport: httpx.BaseTransport | None = None,
        url_setting: str = "the RunPod URL",
    ) -> None:
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        if not key.strip():
            raise ConfigError("PODWARDEN_RUNPOD_API_KEY is empty; set it to a RunPod API key (rpa_…)")
        if "api_key=" in base_url.lower():
            raise ConfigError("the RunPod API key goes in PODWARDEN_RUNPOD_API_KEY, never in a URL")
        self._url_setting = url_setting
        self._base_url = base_url.rstrip("/")
        self._check_url(self._base_url)
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
        deadline: Deadline | None = None,
        json_body: object = None,
        params: Mapping[str, str | int] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """One attempt: the 2xx response, or the RunPod error for what went wrong instead.

        The request may take `timeout` (the client's by default), but never longer than
        what is left before `deadline`; with nothing left it is not sent (`BudgetSpent`).
        """
        limit = self.timeout if timeout is None else timeout
        if deadline is not None:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise BudgetSpent("the time budget ran out before the request could be sent",
                                  operation=operation)
            limit = min(limit, remaining)
        try:
            response = self._client.request(
                method,
                self.url(path),
                json=json_body,
                params=params,
                timeout=limit,
            )
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise self._unusable(exc) from exc
        except httpx.RequestError as exc:
            raise self.redacted(error_for_transport(exc, operation=operation, timeout=limit)) from exc
        try:
            raise_for_runpod(response, operation)
        except RunPodError as exc:
            raise self.redacted(exc) from None
        return response

    def decode(self, response: httpx.Response, *, operation: str) -> object:
        """The JSON body, or `MalformedResponse` (retryable) with a short excerpt of what came instead."""
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

    def parse(self, model: type[M], data: object, *, operation: str, response: httpx.Response) -> M:
        """`data` (a piece of `response`'s JSON) as `model`, or a logged, non-retryable `ShapeMismatch`."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the answer"
            raise self.mismatch(
                f"unexpected shape at {where}: {first['msg']} (got {excerpt(response.text, 80)!r})",
                operation=operation, status=response.status_code,
            ) from None

    def mismatch(self, detail: str, *, operation: str, status: int | None = None) -> ShapeMismatch:
        """A `ShapeMismatch` for `detail`, logged: RunPod's API may have changed under us."""
        error = self.redacted(ShapeMismatch(detail, status=status, operation=operation))
        log.error("%s: RunPod's answer does not fit Podwarden's models (not retried): %s",
                  operation, error.message)
        return error

    def redacted(self, exc: E) -> E:
        """`exc` with the API key scrubbed from its message (RunPod might echo it)."""
        if len(self._key) >= 6 and self._key in exc.message:
            exc.message = exc.message.replace(self._key, REDACTED)
            exc.args = (exc.message,)
        return exc

    def close(self) -> None:
        self._client.close()

    def _check_url(self, url: str) -> None:
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise self._unusable(exc) from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise self._unusable(None)

    def _unusable(self, exc: Exception | None) -> ConfigError:
        why = f": {exc}" if exc is not None and str(exc) else ""
        return ConfigError(f"{self._url_setting}={excerpt(self._base_url, 120)!r} is not a usable URL{why}; "
                           "it must be an http(s) URL such as https://api.runpod.io/graphql")


class RunPodAdapter(_Closing):
    """The base of the RunPod adapters: one `RunPodHttp`, one `RetryPolicy`, built alike.

    A subclass names the setting its URL usually comes from (`URL_SETTING`), so that a URL
    httpx cannot use is reported under the name a person would change.
    """

    URL_SETTING: ClassVar[str] = "the RunPod URL"

    def __init__(
        self,
        *,
        url: str,
        api_key: SecretStr | str,
        timeout: float = 30,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = RunPodHttp(base_url=url, api_key=api_key, timeout=timeout, transport=transport,
                                url_setting=self.URL_SETTING)
        self._retry = retry if retry is not None else RetryPolicy()

    def close(self) -> None:
        self._http.close()

    def _run(
        self,
        operation: str,
        attempt: Callable[[Deadline], T],
        *,
        retry_if: Callable[[RunPodError], bool] = retryable,
        deadline: Deadline | None = None,
    ) -> T:
        """`attempt` under the retry policy, every try given the same deadline (a new one if None)."""
        deadline = deadline if deadline is not None else self._retry.deadline()
        return self._retry.run(operation, lambda: attempt(deadline), retry_if=retry_if, deadline=deadline)
