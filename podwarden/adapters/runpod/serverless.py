"""`ServerlessClient`: the `ServerlessGateway` port over RunPod's Serverless runtime API.

``{base}/{endpoint_id}/health | run | runsync?wait= | status/{job} | cancel/{job} | purge-queue``
with the base ``https://api.runpod.ai/v2`` (note ``.ai``), Bearer key in the header. Errors
map exactly as for GraphQL (`errors.raise_for_runpod`).

Retries: health and status are reads and cancel and purge-queue are idempotent, so they
are retried on any retryable error. ``run`` and ``runsync`` queue a job that RunPod bills,
so after an ambiguous failure (5xx, timeout, dropped connection, junk answer) they are
**not** sent again — there is no way to look a job up by anything but its id — and only
a 429 or a connection that was never made is retried. Every call has one time budget for
all its attempts (``runsync``: at least its read timeout, which outlasts the ``wait``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar
from urllib.parse import quote

from pydantic import BaseModel

from podwarden.adapters.runpod._http import RunPodAdapter
from podwarden.adapters.runpod.errors import not_executed
from podwarden.adapters.runpod.models import HealthModel, JobModel, PurgeModel
from podwarden.adapters.runpod.retry import Deadline
from podwarden.domain.models import EndpointHealth, Job
from podwarden.errors import BadRequest

__all__ = ["ServerlessClient"]

M = TypeVar("M", bound=BaseModel)

MIN_WAIT_MS = 1_000
MAX_WAIT_MS = 300_000


class ServerlessClient(RunPodAdapter):
    """RunPod's Serverless runtime API for any endpoint of the account."""

    URL_SETTING = "PODWARDEN_RUNPOD_SERVERLESS_URL"

    def health(self, endpoint_id: str) -> EndpointHealth:
        path = f"{_segment(endpoint_id, 'health')}/health"
        return self._run("health", lambda d: self._call("health", "GET", path, HealthModel, d).to_domain())

    def run(self, endpoint_id: str, payload: object) -> Job:
        """Queue a job with ``{"input": payload}``; its id and status ``IN_QUEUE``."""
        path = f"{_segment(endpoint_id, 'run')}/run"
        return self._run(
            "run",
            lambda d: self._call("run", "POST", path, JobModel, d, json_body={"input": payload}).to_domain(),
            retry_if=not_executed,
        )

    def run_sync(self, endpoint_id: str, payload: object, *, wait_ms: int = 90_000) -> Job:
        """Run a job and wait up to `wait_ms` for it; unfinished jobs come back IN_QUEUE/IN_PROGRESS."""
        wait = max(MIN_WAIT_MS, min(MAX_WAIT_MS, wait_ms))
        path = f"{_segment(endpoint_id, 'runsync')}/runsync"
        # RunPod holds the connection open while it waits: the read timeout must outlast the
        # wait, and so must the budget, however small it is.
        timeout = self._http.timeout + wait / 1000
        return self._run(
            "runsync",
            lambda d: self._call("runsync", "POST", path, JobModel, d, json_body={"input": payload},
                                 params={"wait": wait}, timeout=timeout).to_domain(),
            retry_if=not_executed,
            deadline=self._retry.deadline(at_least=timeout),
        )

    def status(self, endpoint_id: str, job_id: str) -> Job:
        path = f"{_segment(endpoint_id, 'status')}/status/{_segment(job_id, 'status', what='job id')}"
        return self._run("status", lambda d: self._call("status", "GET", path, JobModel, d).to_domain())

    def cancel(self, endpoint_id: str, job_id: str) -> Job:
        path = f"{_segment(endpoint_id, 'cancel')}/cancel/{_segment(job_id, 'cancel', what='job id')}"
        return self._run("cancel", lambda d: self._call("cancel", "POST", path, JobModel, d).to_domain())

    def purge_queue(self, endpoint_id: str) -> int:
        """Remove queued jobs; how many RunPod removed (0 on a retry after the first went through)."""
        path = f"{_segment(endpoint_id, 'purge_queue')}/purge-queue"
        return self._run("purge_queue", lambda d: self._call("purge_queue", "POST", path, PurgeModel, d).removed or 0)

    def _call(
        self,
        operation: str,
        method: str,
        path: str,
        model: type[M],
        deadline: Deadline,
        *,
        json_body: object = None,
        params: Mapping[str, str | int] | None = None,
        timeout: float | None = None,
    ) -> M:
        """One request; the body as `model`, or the RunPod error it amounts to."""
        response = self._http.send(method, path, operation=operation, deadline=deadline, json_body=json_body,
                                   params=params, timeout=timeout)
        body = self._http.decode(response, operation=operation)
        return self._http.parse(model, body, operation=operation, response=response)


def _segment(value: str, operation: str, *, what: str = "endpoint id") -> str:
    """`value` as one URL path segment; an empty id is refused before anything is sent."""
    if not value or not value.strip():
        raise BadRequest(f"the {what} is empty", operation=operation)
    return quote(value.strip(), safe="")
