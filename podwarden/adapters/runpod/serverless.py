"""`ServerlessClient`: the `ServerlessGateway` port over RunPod's Serverless runtime API.

``{base}/{endpoint_id}/health | run | runsync?wait= | status/{job} | cancel/{job} | purge-queue``
with the base ``https://api.runpod.ai/v2`` (note ``.ai``), Bearer key in the header. Errors
map exactly as for GraphQL (`errors.raise_for_runpod`).

Retries: health and status are reads and cancel and purge-queue are idempotent, so they
are retried on any retryable error. ``run`` and ``runsync`` queue a job that RunPod bills,
so after an ambiguous failure (5xx, timeout, dropped connection, junk answer) they are
**not** sent again — there is no way to look a job up by anything but its id — and only
a 429 or a connection that was never made is retried.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from podwarden.adapters.runpod._http import RunPodHttp, api_key_from
from podwarden.adapters.runpod.errors import excerpt, not_executed
from podwarden.adapters.runpod.models import HealthModel, JobModel, PurgeModel
from podwarden.adapters.runpod.retry import RetryPolicy, retryable
from podwarden.domain.models import EndpointHealth, Job
from podwarden.errors import BadRequest, MalformedResponse

if TYPE_CHECKING:
    from podwarden.settings import Settings

__all__ = ["ServerlessClient"]

M = TypeVar("M", bound=BaseModel)

MIN_WAIT_MS = 1_000
MAX_WAIT_MS = 300_000


class ServerlessClient:
    """RunPod's Serverless runtime API for any endpoint of the account."""

    def __init__(
        self,
        *,
        url: str,
        api_key: SecretStr | str,
        timeout: float = 30,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = RunPodHttp(base_url=url, api_key=api_key, timeout=timeout, transport=transport)
        self._retry = retry if retry is not None else RetryPolicy()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
    ) -> ServerlessClient:
        return cls(
            url=settings.runpod_serverless_url,
            api_key=api_key_from(settings),
            timeout=settings.runpod_timeout.total_seconds(),
            retry=retry if retry is not None else RetryPolicy.from_settings(settings),
            transport=transport,
        )

    def health(self, endpoint_id: str) -> EndpointHealth:
        path = f"{_segment(endpoint_id, 'health')}/health"
        return self._retry.run("health", lambda: self._call("health", "GET", path, HealthModel).to_domain())

    def run(self, endpoint_id: str, payload: object) -> Job:
        """Queue a job with ``{"input": payload}``; its id and status ``IN_QUEUE``."""
        path = f"{_segment(endpoint_id, 'run')}/run"
        return self._retry.run(
            "run",
            lambda: self._call("run", "POST", path, JobModel, json_body={"input": payload}).to_domain(),
            retry_if=not_executed,
        )

    def run_sync(self, endpoint_id: str, payload: object, *, wait_ms: int = 90_000) -> Job:
        """Run a job and wait up to `wait_ms` for it; unfinished jobs come back IN_QUEUE/IN_PROGRESS."""
        wait = max(MIN_WAIT_MS, min(MAX_WAIT_MS, wait_ms))
        path = f"{_segment(endpoint_id, 'runsync')}/runsync"
        # RunPod holds the connection open while it waits: the read timeout must outlast the wait.
        timeout = self._http.timeout + wait / 1000
        return self._retry.run(
            "runsync",
            lambda: self._call("runsync", "POST", path, JobModel, json_body={"input": payload},
                               params={"wait": wait}, timeout=timeout).to_domain(),
            retry_if=not_executed,
        )

    def status(self, endpoint_id: str, job_id: str) -> Job:
        path = f"{_segment(endpoint_id, 'status')}/status/{_segment(job_id, 'status', what='job id')}"
        return self._retry.run("status", lambda: self._call("status", "GET", path, JobModel).to_domain())

    def cancel(self, endpoint_id: str, job_id: str) -> Job:
        path = f"{_segment(endpoint_id, 'cancel')}/cancel/{_segment(job_id, 'cancel', what='job id')}"
        return self._retry.run("cancel", lambda: self._call("cancel", "POST", path, JobModel).to_domain())

    def purge_queue(self, endpoint_id: str) -> int:
        """Remove queued jobs; how many RunPod removed (0 on a retry after the first went through)."""
        path = f"{_segment(endpoint_id, 'purge_queue')}/purge-queue"

        def once() -> int:
            return self._call("purge_queue", "POST", path, PurgeModel).removed or 0

        return self._retry.run("purge_queue", once, retry_if=retryable)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None:
        self.close()

    def _call(
        self,
        operation: str,
        method: str,
        path: str,
        model: type[M],
        *,
        json_body: object = None,
        params: Mapping[str, str | int] | None = None,
        timeout: float | None = None,
    ) -> M:
        """One request; the body as `model`, or the RunPod error it amounts to."""
        response = self._http.send(method, path, operation=operation, json_body=json_body,
                                   params=params, timeout=timeout)
        body = self._http.decode(response, operation=operation)
        try:
            return model.model_validate(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the answer"
            raise self._http.redacted(MalformedResponse(
                f"unexpected shape at {where}: {first['msg']} (got {excerpt(response.text, 80)!r})",
                status=response.status_code, operation=operation,
            )) from None


def _segment(value: str, operation: str, *, what: str = "endpoint id") -> str:
    """`value` as one URL path segment; an empty id is refused before anything is sent."""
    if not value or not value.strip():
        raise BadRequest(f"the {what} is empty", operation=operation)
    return quote(value.strip(), safe="")
