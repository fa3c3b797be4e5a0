"""Notes: what Podwarden tells people on its own, as values (rendering is an adapter's job).

The daemon and the bot decide *that* someone must be told something (an idle warning, a
shutdown, an approval request, an SSH port that moved); the `Notifier` port delivers it
(Block Kit in Slack, text in the console). Each kind of note is a frozen subclass of
`Note` with the facts its message needs; renderers dispatch on the type.

Every note carries an idempotency `key`. It is recorded in the ledger before the post and
travels in the Slack message's metadata, so that after a crash between the post and the
ledger's commit the sender can find the message it already posted instead of posting it
again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class MessageRef:
    """Where a message was posted: enough to update it in place or withdraw it."""

    channel: str
    ts: str


@dataclass(frozen=True, slots=True)
class Note:
    """A message for `to`: a Slack user id (sent as a DM) or a channel id."""

    key: str
    to: str


@dataclass(frozen=True, slots=True)
class ApprovalRequested(Note):
    """A start or resume above the approval threshold waits for an admin's Approve or Deny."""

    nonce: str
    requester: str
    verb: str  # start | resume
    summary: str  # e.g. "2 × H100 SXM, secure cloud, named alice-h100"
    per_hr: str  # the $/h it will cost, as text ("$5.58/h")
    expires_at: str  # ISO time the request lapses


@dataclass(frozen=True, slots=True)
class ApprovalOutcome(Note):
    """What became of an approval request, for the requester (and to update the admins' message)."""

    nonce: str
    requester: str
    verb: str
    summary: str
    outcome: str  # approved | denied | expired | failed
    by: str | None = None  # the admin who decided
    result: str | None = None  # what happened: the new pod, or RunPod's error
    for_admins: bool = False  # True: replaces an admin's request message (its buttons go)


# -- the lifecycle daemon's notes (rendered by podwarden.adapters.slack.render_lifecycle) ---------


@dataclass(frozen=True, slots=True)
class IdleWarning(Note):
    """A pod idle for the whole idle window: it is stopped at `stop_at` unless someone objects.

    `state` is "open" while the warning stands, then "busy again", "kept" or "stopped" (the
    message is updated in place). A keep lasts until a time: `kept_until` (and the team's
    `time_zone`, an IANA name) let the updated message say until when.
    """

    pod_id: str
    pod_name: str
    idle_since: datetime
    stop_at: datetime
    cost_per_hr: Decimal
    state: str = "open"
    kept_until: datetime | None = None
    time_zone: str = "UTC"


@dataclass(frozen=True, slots=True)
class DeadlineWarning(Note):
    """A `--max-hours` pod about to reach its deadline."""

    pod_id: str
    pod_name: str
    deadline_at: datetime
    cost_per_hr: Decimal
    state: str = "open"


@dataclass(frozen=True, slots=True)
class PodStopped(Note):
    """Podwarden stopped a pod (idle, deadline or cap); says what it saves, offers Resume."""

    pod_id: str
    pod_name: str
    reason: str  # "idle", "deadline", "cap"
    saves_per_hr: Decimal
    storage_per_hr: Decimal
    state: str = "stopped"  # or "resumed"


@dataclass(frozen=True, slots=True)
class SshReady(Note):
    pod_id: str
    pod_name: str
    ip: str
    port: int


@dataclass(frozen=True, slots=True)
class SshChanged(Note):
    pod_id: str
    pod_name: str
    ip: str
    port: int
    previous_ip: str | None = None
    previous_port: int | None = None


@dataclass(frozen=True, slots=True)
class SpotEvicted(Note):
    pod_id: str
    pod_name: str
    gpu_type_id: str | None
    gpu_count: int
    on_demand_per_hr: Decimal | None
    state: str = "open"  # or "relaunched"
    gpu_name: str | None = None  # the catalog's display name ("RTX 3090"); the id when unknown


@dataclass(frozen=True, slots=True)
class RunwayWarning(Note):
    balance: Decimal
    spend_per_hr: Decimal
    hours_left: Decimal


@dataclass(frozen=True, slots=True)
class IdleWorkers(Note):
    endpoint_id: str
    endpoint_name: str
    workers_min: int
    cost_per_hr: Decimal
    state: str = "open"  # or "scaled to 0"


@dataclass(frozen=True, slots=True)
class StoppedStorage(Note):
    pod_id: str
    pod_name: str
    stopped_since: datetime
    per_month: Decimal
    state: str = "open"  # or "terminated", "kept"


@dataclass(frozen=True, slots=True)
class UnattachedVolume(Note):
    volume_id: str
    volume_name: str
    size_gb: int
    per_month: Decimal


@dataclass(frozen=True, slots=True)
class UnownedPod(Note):
    pod_id: str
    pod_name: str
    cost_per_hr: Decimal
    claimed_by: str | None = None


@dataclass(frozen=True, slots=True)
class CapReached(Note):
    scope: str
    subject: str
    period: str
    amount: Decimal
    spent: Decimal
    hard: bool
    stopping: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DaemonSilent(Note):
    """The dead man's switch: the daemon's heartbeat is older than it should ever be."""

    last_beat: datetime | None
    minutes: int
