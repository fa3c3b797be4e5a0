"""The ports: what services need from the outside world, as `typing.Protocol`s.

Services depend on these and on `podwarden.domain` only; `podwarden.bootstrap` plugs in
the concrete adapters (RunPod over GraphQL or REST v2, the SQL ledger, Slack or the
console). Ports speak domain values, never GraphQL shapes or ORM rows, so that RunPod's
retirement of GraphQL is a setting and not a rewrite.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol

from podwarden.domain.models import (
    Account,
    Endpoint,
    EndpointHealth,
    EndpointSpec,
    GpuType,
    Job,
    NetworkVolume,
    Pod,
    PodSpec,
    Template,
    TemplateSpec,
)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class RunPodGateway(Protocol):
    """RunPod's management API (pods, catalog, account, templates, endpoints, volumes).

    Every method raises a `podwarden.errors.RunPodError` subclass on failure.
    """

    def list_pods(self) -> list[Pod]:
        """Every pod of the account with its runtime telemetry, in one request."""
        ...

    def get_pod(self, pod_id: str) -> Pod:
        """One pod; `NotFound` if it does not exist or was terminated."""
        ...

    def gpu_types(self, *, gpu_count: int = 1) -> list[GpuType]:
        """The GPU catalog with secure/community/spot prices and stock for `gpu_count` GPUs."""
        ...

    def create_pod(self, spec: PodSpec) -> Pod:
        """Create an on-demand or (spec.spot) interruptible pod. Never duplicated on retry."""
        ...

    def stop_pod(self, pod_id: str) -> Pod: ...

    def resume_pod(self, pod_id: str, *, gpu_count: int, bid_per_gpu: Decimal | None = None) -> Pod:
        """Resume a stopped pod; spot pods resume with a bid (`bid_per_gpu`)."""
        ...

    def terminate_pod(self, pod_id: str) -> None: ...

    def account(self) -> Account: ...

    def save_template(self, spec: TemplateSpec) -> Template: ...

    def list_endpoints(self) -> list[Endpoint]: ...

    def save_endpoint(self, spec: EndpointSpec) -> Endpoint:
        """Create (`spec.id` None) or full-replace update an endpoint."""
        ...

    def network_volumes(self) -> list[NetworkVolume]: ...


class ServerlessGateway(Protocol):
    """RunPod's Serverless runtime API (`/v2/{endpoint_id}/...`)."""

    def health(self, endpoint_id: str) -> EndpointHealth: ...

    def run(self, endpoint_id: str, payload: object) -> Job: ...

    def run_sync(self, endpoint_id: str, payload: object, *, wait_ms: int = 90_000) -> Job: ...

    def status(self, endpoint_id: str, job_id: str) -> Job: ...

    def cancel(self, endpoint_id: str, job_id: str) -> Job: ...

    def purge_queue(self, endpoint_id: str) -> int:
        """Remove queued jobs; the number removed."""
        ...


class GpuCatalog(Protocol):
    """Anything that can list GPU types (the RunPod gateway, or a fixed list in tests)."""

    def gpu_types(self, *, gpu_count: int = 1) -> list[GpuType]: ...

