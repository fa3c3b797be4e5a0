"""What the ledger remembers, as plain frozen values (the SQL rows never leave the adapter).

The ledger is Podwarden's memory between ticks and between processes: who owns what, how
long each pod ran at which price, which notices were already sent, which confirmations are
still open. Services read and write it through these values, so a fake ledger in a test
and the SQL one in production answer with the same types.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from podwarden.domain.access import Role
from podwarden.domain.models import Cloud, PodStatus

__all__ = [
    "GLOBAL_SUBJECT",
    "AuditEntry",
    "AuditOutcome",
    "Budget",
    "BudgetPeriod",
    "BudgetScope",
    "EndpointUsageHour",
    "Lease",
    "Member",
    "Notice",
    "NoticeIntent",
    "NoticeState",
    "PendingAction",
    "PendingState",
    "PodAfterStop",
    "PodChange",
    "PodInterval",
    "PodLifecycle",
    "PodRecord",
    "PodTrack",
    "Snooze",
    "UtilisationHour",
]

GLOBAL_SUBJECT = "*"
"""The subject of the one global budget (a global budget has no user or team)."""


class BudgetScope(enum.StrEnum):
    USER = "user"
    TEAM = "team"
    GLOBAL = "global"


class BudgetPeriod(enum.StrEnum):
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"


class NoticeState(enum.StrEnum):
    """PENDING: recorded, not yet posted. SENDING: a post is under way (after a crash, look for
    it in Slack before posting again). SENT: posted (channel + ts known). FAILED: the last post
    failed (retried). WITHDRAWN: retracted."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


class PendingState(enum.StrEnum):
    """A confirmation waits (PENDING) until it is consumed once, cancelled, or expires."""

    PENDING = "pending"
    AWAITING_APPROVAL = "awaiting_approval"  # above the approval threshold: an admin decides
    CONSUMED = "consumed"
    CANCELLED = "cancelled"
    DENIED = "denied"
    EXPIRED = "expired"


class AuditOutcome(enum.StrEnum):
    """An action is audited when it starts and again with how it ended."""

    STARTED = "started"
    OK = "ok"
    FAILED = "failed"
    REFUSED = "refused"


class PodAfterStop(enum.StrEnum):
    """The pod as read back after RunPod failed to answer our stop, kept in the stop's audit
    entry (`pod_after`) so that a later tick knows whether the pod going down was our stop.

    DOWN: RunPod carried the stop out, only its answer was lost: ours. RUNNING: refused, so a
    later stop is someone else's. GONE: terminated by someone else. UNKNOWN: the stop timed out
    (RunPod may still carry it out after our read) or the pod could not be read: seen down
    later, the stop counts as ours, so that a stop of ours is never disowned.
    """

    DOWN = "down"
    RUNNING = "running"
    GONE = "gone"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Member:
    user_id: str  # Slack user id
    display_name: str
    role: Role
    team: str | None = None
    name_prefix: str | None = None  # pods named so are theirs when nobody recorded an owner


@dataclass(frozen=True, slots=True)
class PodRecord:
    """The ledger's view of a pod: what RunPod last said plus who owns it."""

    id: str
    name: str
    status: PodStatus
    owner_id: str | None
    gpu_type_id: str | None
    gpu_count: int
    cloud: Cloud | None
    spot: bool
    container_disk_gb: int
    volume_gb: int
    network_volume_id: str | None
    cost_per_hr: Decimal
    ssh_ip: str | None
    ssh_port: int | None
    created_at: datetime
    updated_at: datetime
    last_seen_at: datetime
    terminated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PodChange:
    """Something the ledger noticed while recording an observation of a pod.

    `previous_*` are None for a pod seen for the first time. `cost_per_hr` is RunPod's
    reported rate; the billed rate is zero while a pod is not running.
    """

    pod_id: str
    status: PodStatus
    cost_per_hr: Decimal
    ssh: tuple[str, int] | None
    previous_status: PodStatus | None = None
    previous_cost_per_hr: Decimal | None = None
    previous_ssh: tuple[str, int] | None = None

    @property
    def new(self) -> bool:
        return self.previous_status is None

    @property
    def status_changed(self) -> bool:
        return self.previous_status is not None and self.previous_status is not self.status

    @property
    def ssh_changed(self) -> bool:
        return self.previous_status is not None and self.previous_ssh != self.ssh


@dataclass(frozen=True, slots=True)
class PodInterval:
    """A stretch of time during which a pod kept one status and one billed $/h.

    `ended_at` is None while the interval is open (the pod is still in that state).
    """

    pod_id: str
    status: PodStatus
    cost_per_hr: Decimal  # billed compute $/h in this interval: 0 unless the pod runs
    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class UtilisationHour:
    """One pod's telemetry rolled up for one UTC hour. Averages are None when never reported."""

    pod_id: str
    hour_start: datetime
    samples: int
    gpu_util_avg: float | None
    gpu_util_max: int | None
    cpu_avg: float | None
    idle_seconds: int
    unknown_seconds: int


@dataclass(frozen=True, slots=True)
class EndpointUsageHour:
    endpoint_id: str
    hour_start: datetime
    samples: int
    running_worker_seconds: int
    idle_worker_seconds: int
    jobs_completed: int
    jobs_failed: int
    cost: Decimal


@dataclass(frozen=True, slots=True)
class Budget:
    scope: BudgetScope
    subject: str  # a Slack user id, a team name, or GLOBAL_SUBJECT
    amount: Decimal
    period: BudgetPeriod
    hard: bool
    updated_at: datetime
    action: str | None = None  # warn | refuse | stop when reached; None: refuse when hard, else warn


@dataclass(frozen=True, slots=True)
class Snooze:
    """A bounded exemption of a pod from idle shutdown (`keep <pod> 2h`)."""

    pod_id: str
    until: datetime
    reason: str | None
    by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Notice:
    """A message the daemon sends once. `key` makes it idempotent across restarts."""

    key: str
    kind: str
    state: NoticeState
    created_at: datetime
    updated_at: datetime
    pod_id: str | None = None
    endpoint_id: str | None = None
    recipient: str | None = None
    channel: str | None = None
    ts: str | None = None
    due_at: datetime | None = None
    withdrawn_at: datetime | None = None
    payload: str | None = None  # the note itself, serialised, so that it can be posted after a crash
    error: str | None = None  # why the last post failed


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    args: dict[str, Any]
    outcome: AuditOutcome
    error: str | None = None
    channel: str | None = None  # where it was asked (None: console, CLI or the daemon)
    answer_status: str | None = None  # RunPod's answer: an HTTP status or the error's kind


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds a named lease (leader election, heartbeats) and until when."""

    name: str
    holder: str
    expires_at: datetime
    beat_at: datetime

    def held_by(self, holder: str, now: datetime) -> bool:
        return self.holder == holder and now < self.expires_at


@dataclass(frozen=True, slots=True)
class PendingAction:
    """A request waiting for the user's confirmation; nothing happens until it is consumed.

    `nonce` goes into the confirm button; `request_key` (when the face has one) makes a
    retried request return the same pending action instead of a second one.
    """

    nonce: str
    requester: str
    verb: str
    payload: dict[str, Any]
    state: PendingState
    created_at: datetime
    expires_at: datetime
    request_key: str | None = None
    consumed_at: datetime | None = None
    result: str | None = None
    channel: str | None = None
    approver: str | None = None
    clicked_by: str | None = None
    message_ts: str | None = None  # the approval request holding its Approve/Deny buttons (in `channel`)

    def open(self, now: datetime) -> bool:
        return self.state is PendingState.PENDING and now < self.expires_at


# -- the lifecycle daemon's tick ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PodLifecycle:
    """What the ledger remembers of a pod between ticks: the daemon's memory of it.

    `status_since` is when the pod's current interval (status and rate) began; `team` is its
    owner's team now.
    """

    record: PodRecord
    team: str | None = None
    status_since: datetime | None = None
    idle_since: datetime | None = None
    last_telemetry_at: datetime | None = None
    deadline_at: datetime | None = None
    stopped_by_us_at: datetime | None = None
    created_by_podwarden: bool = False


@dataclass(frozen=True, slots=True)
class PodTrack:
    """One tick's reading of one running pod, for its idle clock and hourly roll-up."""

    idle_since: datetime | None
    idle: bool | None  # the reading's verdict: None when telemetry was missing
    seconds: int  # how long the sample stands for
    gpu_percents: tuple[int | None, ...] = ()
    cpu_percent: int | None = None


@dataclass(frozen=True, slots=True)
class NoticeIntent:
    """A notice the tick decided to send: recorded (as pending) with the tick's observations."""

    key: str
    kind: str
    recipient: str
    payload: str
    pod_id: str | None = None
    endpoint_id: str | None = None
    due_at: datetime | None = None
