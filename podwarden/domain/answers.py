"""The answers services give and renderers show: frozen values that hold only domain types.

They live here, not beside the services that build them, so that a Slack renderer (an
adapter) can read an answer without importing a service: adapters take values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from podwarden.domain.access import Role
from podwarden.domain.ledger_values import Budget
from podwarden.domain.models import Endpoint, EndpointHealth, Pod, PodSpec
from podwarden.domain.pricing import ServerlessPrice

__all__ = [
    "BudgetLine",
    "BudgetView",
    "EndpointView",
    "Fleet",
    "IdleRules",
    "Kept",
    "Offer",
    "PodView",
    "Policy",
    "RoleChange",
    "ScalePlan",
    "Ssh",
    "StartPlan",
    "TeamChange",
]


@dataclass(frozen=True, slots=True)
class BudgetLine:
    budget: Budget
    action: str
    spent: Decimal  # this period (this hour: the $/h running now)


@dataclass(frozen=True, slots=True)
class BudgetView:
    lines: tuple[BudgetLine, ...]
    global_cap_per_hr: Decimal | None
    note: str = ""  # why the running rate may be off (RunPod could not be read), else empty
    running_per_hr: Decimal | None = None  # the fleet's $/h now, beside the global cap


@dataclass(frozen=True, slots=True)
class IdleRules:
    idle_after: timedelta
    idle_gpu_percent: int
    idle_cpu_percent: int
    warning_grace: timedelta
    min_pod_age: timedelta
    tick_interval: timedelta


@dataclass(frozen=True, slots=True)
class Policy:
    idle: IdleRules
    approval_threshold: Decimal
    budgets: BudgetView
    heartbeat_at: datetime | None
    heartbeat_age: timedelta | None
    daemon_alive: bool
    allowed_channels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Offer:
    nonce: str
    needs_approval: bool
    per_hr: Decimal | None


@dataclass(frozen=True, slots=True)
class EndpointView:
    endpoint: Endpoint
    health: EndpointHealth | None
    price: ServerlessPrice | None
    per_hr_now: Decimal | None


@dataclass(frozen=True, slots=True)
class ScalePlan:
    endpoint: Endpoint
    workers_min: int
    workers_max: int
    idle_timeout_s: int
    active_per_month: Decimal | None  # what the always-on (min) workers cost per month


@dataclass(frozen=True, slots=True)
class Kept:
    pod_id: str
    pod_name: str
    until: datetime
    by: str
    forever: bool


@dataclass(frozen=True, slots=True)
class RoleChange:
    subject: str
    role: Role
    previous: Role | None
    group: bool = False
    prefix: str | None = None


@dataclass(frozen=True, slots=True)
class TeamChange:
    user_id: str
    team: str | None
    previous: str | None
    prefix: str | None = None


@dataclass(frozen=True, slots=True)
class PodView:
    """One pod as `pods` shows it."""

    pod: Pod
    owner_id: str | None
    cost_so_far: Decimal | None  # from the ledger's intervals; None when never recorded
    gpu_util: int | None  # mean over its GPUs, now
    uptime_seconds: int | None
    idle_for: timedelta | None
    kept_until: datetime | None
    storage_per_hr: Decimal | None = None  # its disks now (a stopped pod's volume); None when unpriced
    owner_name: str | None = None  # the owner's display name, as `spend` shows owners

    @property
    def per_hr_now(self) -> Decimal:
        """What it costs per hour now: its GPUs while it runs, plus its storage."""
        return self.pod.cost_per_hr + (self.storage_per_hr or Decimal(0))


@dataclass(frozen=True, slots=True)
class Fleet:
    scope: str  # mine | all | a user id
    pods: tuple[PodView, ...]

    @property
    def per_hr(self) -> Decimal:
        return sum((v.pod.cost_per_hr for v in self.pods if v.pod.running), Decimal(0))

    @property
    def per_hr_now(self) -> Decimal:
        """What the listed pods cost per hour now, storage of stopped ones included."""
        return sum((v.per_hr_now for v in self.pods), Decimal(0))


@dataclass(frozen=True, slots=True)
class Ssh:
    pod: Pod
    direct: str | None  # ssh root@IP -p PORT -i KEY, when port 22 is public
    proxied: str | None  # ssh <podHostId>@ssh.runpod.io -i KEY
    host: str | None = None
    port: int | None = None
    user: str | None = None  # the proxy user (podHostId)


@dataclass(frozen=True, slots=True)
class StartPlan:
    """What `start` will create and at what price; nothing exists until it is confirmed."""

    spec: PodSpec
    gpu_name: str
    per_hr: Decimal  # GPU $/h for all GPUs (the bid for spot)
    max_hours: Decimal | None
    note: str = ""
    storage_per_hr: Decimal = Decimal(0)  # its container disk and volume while it runs

    @property
    def total_per_hr(self) -> Decimal:
        """What the pod costs per hour while it runs: GPUs and disks (caps and approval judge this)."""
        return self.per_hr + self.storage_per_hr

    def payload(self) -> dict[str, Any]:
        s = self.spec
        return {
            "name": s.name, "gpu_type_id": s.gpu_type_id, "gpu_count": s.gpu_count, "image": s.image,
            "template_id": s.template_id, "cloud": s.cloud.value, "spot": s.spot,
            "bid_per_gpu": str(s.bid_per_gpu) if s.bid_per_gpu is not None else None,
            "container_disk_gb": s.container_disk_gb, "volume_gb": s.volume_gb,
            "network_volume_id": s.network_volume_id, "ports": s.ports, "env": [list(p) for p in s.env],
            "per_hr": str(self.total_per_hr), "gpu_name": self.gpu_name,
            "max_hours": str(self.max_hours) if self.max_hours is not None else None,
        }
