"""What the ledger gives the digest: priced stretches of pods and endpoints, as they were then.

Each value carries the owner and team *at that time*, so a member who changes team does
not take last month's money with them, and its $/h, so that a later price change does
not reprice the past.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

__all__ = ["AutoStop", "DigestClaim", "EndpointQuarter", "PodStretch"]


@dataclass(frozen=True, slots=True)
class PodStretch:
    """One interval of one pod: a status held at one compute and storage $/h.

    `ended_at` None: still going. `idle` None: telemetry unknown (never counted as idle).
    """

    pod_id: str
    pod_name: str
    status: str  # PodStatus value: RUNNING, EXITED, ...
    started_at: datetime
    ended_at: datetime | None
    cost_per_hr: Decimal  # billed compute: 0 unless running
    storage_per_hr: Decimal
    gpu_type_id: str | None
    gpu_count: int
    owner_id: str | None
    team: str | None
    idle: bool | None
    spot: bool = False
    cloud: str | None = None


@dataclass(frozen=True, slots=True)
class EndpointQuarter:
    """One endpoint's Serverless usage for one UTC quarter hour, attributed as it was then."""

    endpoint_id: str
    endpoint_name: str
    bucket_start: datetime
    owner_id: str | None
    team: str | None
    running_worker_seconds: int
    idle_worker_seconds: int
    jobs_completed: int
    cost: Decimal
    idle_cost: Decimal  # active workers up while no job ran


@dataclass(frozen=True, slots=True)
class AutoStop:
    """A stop the daemon made on its own; `reason` is idle, deadline or cap."""

    pod_id: str
    at: datetime
    reason: str


class DigestClaim(enum.StrEnum):
    """What `claim_digest` answered: whether this process should post a week's digest."""

    POST = "post"  # claimed: post it, then finish
    RECONCILE = "reconcile"  # a stale `sending` taken over: look for the message first
    BUSY = "busy"  # another process is sending it right now
    SENT = "sent"  # already posted
