"""The values Podwarden reasons about, in plain English, independent of any API.

RunPod's JSON (GraphQL or REST v2) is parsed at the adapter edge and converted into these
frozen dataclasses; services and the domain never see a raw dict. Money is always
`Decimal` (US dollars); durations are seconds as `int` or `timedelta`; timestamps are
timezone-aware UTC `datetime`s.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


class Cloud(enum.StrEnum):
    """Where a Pod runs. `ALL` lets RunPod pick (only meaningful when creating)."""

    SECURE = "SECURE"
    COMMUNITY = "COMMUNITY"
    ALL = "ALL"


class PodStatus(enum.StrEnum):
    """RunPod's `desiredStatus`. In practice RUNNING, EXITED (stopped) and TERMINATED."""

    CREATED = "CREATED"
    RUNNING = "RUNNING"
    RESTARTING = "RESTARTING"
    EXITED = "EXITED"
    PAUSED = "PAUSED"
    DEAD = "DEAD"
    TERMINATED = "TERMINATED"


BILLED_STATUSES = frozenset({PodStatus.RUNNING, PodStatus.RESTARTING})
"""Statuses in which RunPod bills a pod's GPUs (`Pod.cost_per_hr` is 0 in any other)."""


class Stock(enum.StrEnum):
    """RunPod's `stockStatus` for a GPU type in one cloud."""

    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"
    NONE = "None"


@dataclass(frozen=True, slots=True)
class GpuType:
    """One row of RunPod's GPU catalog. Prices are per GPU per hour; None = not offered."""

    id: str  # RunPod's id, e.g. "NVIDIA A100 80GB PCIe"
    display_name: str  # e.g. "A100 PCIe"
    memory_gb: int
    secure_price: Decimal | None = None
    community_price: Decimal | None = None
    secure_spot_price: Decimal | None = None
    community_spot_price: Decimal | None = None
    max_gpu_count: int = 8
    secure_stock: Stock = Stock.NONE
    community_stock: Stock = Stock.NONE
    manufacturer: str = "Nvidia"
    # GPU counts RunPod offers for one Pod (`lowestPrice.availableGpuCounts`); empty when the
    # catalog did not say, and then every count from 1 to `max_gpu_count` is taken as possible.
    available_counts: tuple[int, ...] = ()

    def counts(self) -> tuple[int, ...]:
        """The GPU counts a Pod of this type can have, smallest first."""
        if self.available_counts:
            return tuple(sorted({c for c in self.available_counts if 1 <= c <= self.max_gpu_count}))
        return tuple(range(1, self.max_gpu_count + 1))

    def price(self, cloud: Cloud, *, spot: bool = False) -> Decimal | None:
        """Per-GPU $/h in `cloud`; for `ALL`, the cheaper of the two clouds."""
        if cloud is Cloud.ALL:
            offers = [p for p in (self.price(Cloud.SECURE, spot=spot), self.price(Cloud.COMMUNITY, spot=spot))
                      if p is not None]
            return min(offers) if offers else None
        if cloud is Cloud.SECURE:
            return self.secure_spot_price if spot else self.secure_price
        return self.community_spot_price if spot else self.community_price

    def stock(self, cloud: Cloud) -> Stock:
        if cloud is Cloud.SECURE:
            return self.secure_stock
        if cloud is Cloud.COMMUNITY:
            return self.community_stock
        order = [Stock.HIGH, Stock.MEDIUM, Stock.LOW, Stock.NONE]
        return min(self.secure_stock, self.community_stock, key=order.index)


@dataclass(frozen=True, slots=True)
class PortMapping:
    """A container port as RunPod exposes it (`runtime.ports[]`)."""

    private_port: int
    public_port: int | None
    ip: str | None
    is_public: bool
    type: str  # "tcp" or "http"


@dataclass(frozen=True, slots=True)
class GpuTelemetry:
    id: str
    util_percent: int | None
    memory_util_percent: int | None


@dataclass(frozen=True, slots=True)
class PodRuntime:
    """What RunPod reports about a running container. Absent (None) while booting or stopped.

    Any field may be None when RunPod does not report it; the idle policy treats unknown
    telemetry as busy, never as idle.
    """

    uptime_seconds: int | None = None
    ports: tuple[PortMapping, ...] = ()
    gpus: tuple[GpuTelemetry, ...] = ()
    cpu_percent: int | None = None
    memory_percent: int | None = None

    def ssh(self) -> PortMapping | None:
        """The public mapping of container port 22, as every official client finds it."""
        for port in self.ports:
            if port.private_port == 22 and port.is_public and port.public_port and port.ip:
                return port
        return None


@dataclass(frozen=True, slots=True)
class Pod:
    id: str
    name: str
    status: PodStatus
    gpu_type_id: str | None
    gpu_count: int
    # The compute $/h RunPod bills for this pod now, for all its GPUs (storage is priced apart):
    # its rate while RUNNING or RESTARTING, 0 in any other status (`BILLED_STATUSES`). A stopped
    # pod's running rate is the catalog's (what a resume quotes), never this field.
    cost_per_hr: Decimal
    image: str | None = None
    cloud: Cloud | None = None
    spot: bool = False  # podType INTERRUPTABLE
    container_disk_gb: int = 0
    volume_gb: int = 0
    volume_mount_path: str | None = None
    network_volume_id: str | None = None
    template_id: str | None = None
    ports: str | None = None  # as requested, e.g. "8888/http,22/tcp"
    env: tuple[tuple[str, str], ...] = ()
    gpu_display_name: str | None = None
    pod_host_id: str | None = None  # the SSH proxy user: "<podId>-<hex>"
    machine_id: str | None = None
    uptime_seconds: int | None = None
    runtime: PodRuntime | None = None
    vcpu_count: int | None = None
    memory_gb: int | None = None

    @property
    def running(self) -> bool:
        return self.status is PodStatus.RUNNING


@dataclass(frozen=True, slots=True)
class PodSpec:
    """What a user asked for when creating a Pod (nothing is created from this until confirmed)."""

    name: str
    gpu_type_id: str
    gpu_count: int = 1
    image: str | None = None
    template_id: str | None = None
    cloud: Cloud = Cloud.SECURE
    spot: bool = False
    bid_per_gpu: Decimal | None = None  # spot only; None = the current minimum bid
    container_disk_gb: int = 20
    volume_gb: int = 0
    volume_mount_path: str = "/workspace"
    network_volume_id: str | None = None
    ports: str = "8888/http,22/tcp"
    env: tuple[tuple[str, str], ...] = ()
    start_ssh: bool = True
    support_public_ip: bool = True


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    balance: Decimal  # clientBalance
    spend_per_hr: Decimal  # currentSpendPerHr
    spend_limit_per_hr: Decimal | None  # spendLimit ($/h cap on the account)
    pub_key: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class NetworkVolume:
    id: str
    name: str
    size_gb: int
    data_center_id: str | None = None


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    name: str
    image: str
    is_serverless: bool = False
    container_disk_gb: int = 10
    volume_gb: int = 0
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    name: str
    image: str
    is_serverless: bool = True
    container_disk_gb: int = 10
    volume_gb: int = 0
    volume_mount_path: str | None = None
    ports: str = ""
    docker_args: str = ""
    env: tuple[tuple[str, str], ...] = ()


class ScalerType(enum.StrEnum):
    QUEUE_DELAY = "QUEUE_DELAY"
    REQUEST_COUNT = "REQUEST_COUNT"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A Serverless endpoint. `gpu_ids` are RunPod pool ids, e.g. ("AMPERE_80",)."""

    id: str
    name: str
    template_id: str | None
    gpu_ids: tuple[str, ...]
    workers_min: int
    workers_max: int
    idle_timeout_s: int = 5
    scaler_type: ScalerType = ScalerType.QUEUE_DELAY
    scaler_value: int = 4
    gpu_count: int = 1
    flashboot: bool = False
    execution_timeout_ms: int | None = 600_000
    network_volume_id: str | None = None
    locations: str | None = None
    workers_standby: int | None = None


@dataclass(frozen=True, slots=True)
class EndpointSpec:
    """Create (id None) or full-replace update (id set) of an endpoint; RunPod's defaults."""

    name: str
    template_id: str
    gpu_ids: tuple[str, ...]
    id: str | None = None
    workers_min: int = 0
    workers_max: int = 3
    idle_timeout_s: int = 5
    scaler_type: ScalerType = ScalerType.QUEUE_DELAY
    scaler_value: int = 4
    gpu_count: int = 1
    flashboot: bool = True
    execution_timeout_ms: int = 600_000
    network_volume_id: str | None = None
    locations: str | None = None


@dataclass(frozen=True, slots=True)
class EndpointHealth:
    jobs_completed: int = 0
    jobs_failed: int = 0
    jobs_in_progress: int = 0
    jobs_in_queue: int = 0
    jobs_retried: int = 0
    workers_idle: int = 0
    workers_running: int = 0
    workers_initializing: int = 0
    workers_ready: int = 0
    workers_throttled: int = 0
    workers_unhealthy: int = 0


class JobStatus(enum.StrEnum):
    IN_QUEUE = "IN_QUEUE"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    TIMED_OUT = "TIMED_OUT"

    @property
    def final(self) -> bool:
        return self in {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.TIMED_OUT}


@dataclass(frozen=True, slots=True)
class Job:
    """A Serverless job. `output` is whatever the worker returned (JSON-compatible)."""

    id: str
    status: JobStatus
    output: object = None
    error: str | None = None
    delay_ms: int | None = None
    execution_ms: int | None = None
    worker_id: str | None = None


@dataclass(frozen=True, slots=True)
class FleetSnapshot:
    """Everything the daemon reads from RunPod in one tick."""

    taken_at: datetime
    pods: tuple[Pod, ...]
    account: Account | None = None
    endpoints: tuple[Endpoint, ...] = ()
    health: dict[str, EndpointHealth] = field(default_factory=dict)
