"""The daemon's functional core: from one snapshot of the world, what should happen now.

`decide(snapshot, policy, now)` reads a `Snapshot` (the fleet as RunPod reports it, joined
with what the ledger remembers: idle clocks, owners, snoozes, deadlines, notices already
recorded) and returns frozen `Action`s. It reads no clock, network or database, so every
rule is a unit test with literal values, and the shell (`podwarden.services.lifecycle`) only
gathers, calls and applies.

The rules lean one way: when in doubt, do not stop. Unknown telemetry is busy; a pod
younger than the minimum age is never idle; a failed fleet read decides nothing about pods
(and resets nothing: the idle clock keeps its start across a gap in the readings); a pod is
stopped for idleness only when this tick read it idle, its owner's warning is known to be
delivered and the grace after that delivery has run out; a hard cap stops a pod only once
the notice naming it is delivered; a pod is never terminated. Notices carry idempotency
keys built from the facts they report (the pod, the idle episode, the deadline), so
deciding the same thing twice records the same key and the shell posts it once.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from podwarden.domain.idle import IdleThresholds, Verdict, next_idle_since, verdict
from podwarden.domain.ledger_values import BudgetPeriod, BudgetScope, Notice, NoticeState
from podwarden.domain.models import Account, Endpoint, Pod, PodStatus

# Notice kinds, as recorded in the ledger.
IDLE_WARNING = "idle_warning"
DEADLINE_WARNING = "deadline_warning"
POD_STOPPED = "pod_stopped"
SSH_CHANGED = "ssh_changed"
SSH_READY = "ssh_ready"
EVICTION = "eviction"
RUNWAY = "runway"
IDLE_WORKERS = "idle_workers"
STOPPED_STORAGE = "stopped_storage"
UNATTACHED_VOLUME = "unattached_volume"
UNOWNED = "unowned"
CAP = "cap"

_ZERO = Decimal(0)
_HOURS_PER_MONTH = Decimal(720)


def stamp(at: datetime) -> str:
    """A compact UTC timestamp for idempotency keys (stable across processes)."""
    return at.strftime("%Y%m%dT%H%M%SZ")


# -- what the core reads ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Policy:
    """The rules in force (from settings). Durations are `timedelta`s."""

    idle_after: timedelta = timedelta(minutes=30)
    thresholds: IdleThresholds = field(default_factory=IdleThresholds)
    warning_grace: timedelta = timedelta(minutes=15)
    min_pod_age: timedelta = timedelta(minutes=20)
    tick_interval: timedelta = timedelta(minutes=1)
    deadline_lead: timedelta = timedelta(minutes=15)  # a --max-hours pod is warned this long before
    deadline_min_notice: timedelta = timedelta(minutes=5)  # a late deadline warning still gives this
    runway_warning: timedelta = timedelta(hours=48)  # warn when the balance lasts less than this
    idle_workers_after: timedelta = timedelta(days=1)
    stopped_storage_after: timedelta = timedelta(days=7)
    notice_channel: str | None = None

    @property
    def max_sample_gap(self) -> timedelta:
        """The most time one reading stands for in the usage roll-up (a longer gap is unobserved).

        It does not touch the idle clock: a gap neither restarts nor ends it (`next_idle_since`).
        """
        return self.tick_interval * 3


@dataclass(frozen=True, slots=True)
class PodState:
    """One pod as RunPod reports it now, with what the ledger remembers of it.

    `previous_*` and `status_since` describe the ledger's record *before* this tick (None for
    a pod seen for the first time); `status_since` is when the previous status began.
    """

    pod: Pod
    owner_id: str | None = None
    team: str | None = None
    previous_status: PodStatus | None = None
    previous_ssh: tuple[str, int] | None = None
    status_since: datetime | None = None
    idle_since: datetime | None = None
    last_sample_at: datetime | None = None
    deadline_at: datetime | None = None
    stopped_by_us_at: datetime | None = None
    created_by_podwarden: bool = False
    snoozed_until: datetime | None = None
    storage_per_hr: Decimal = _ZERO  # what its disks bill while it is stopped
    on_demand_per_hr: Decimal | None = None  # relaunch quote, for a spot pod that went down

    @property
    def id(self) -> str:
        return self.pod.id

    @property
    def ssh(self) -> tuple[str, int] | None:
        mapping = self.pod.runtime.ssh() if self.pod.runtime is not None else None
        if mapping is None or mapping.ip is None or mapping.public_port is None:
            return None
        return mapping.ip, mapping.public_port


@dataclass(frozen=True, slots=True)
class EndpointState:
    """A Serverless endpoint, and since when its active workers have had no jobs (None: busy)."""

    endpoint: Endpoint
    owner_id: str | None = None
    jobless_since: datetime | None = None
    active_cost_per_hr: Decimal = _ZERO  # what its workers_min cost per hour


@dataclass(frozen=True, slots=True)
class VolumeState:
    id: str
    name: str
    size_gb: int
    per_month: Decimal


@dataclass(frozen=True, slots=True)
class CapState:
    """A budget with what was spent in its current window (`window`, e.g. "2026-12-01").

    For an hourly cap the spend is the subject's current $/h, which `decide` computes itself
    from the running pods; `spent` counts for daily and monthly caps.
    """

    scope: BudgetScope
    subject: str
    period: BudgetPeriod
    amount: Decimal
    window: str
    spent: Decimal = _ZERO
    hard: bool = False
    stop: bool = False  # a hard cap whose policy is "stop the subject's pods, newest first"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one tick knows. `pods` (and `endpoints`, `volumes`) is None when that read failed."""

    pods: tuple[PodState, ...] | None
    notices: Mapping[str, Notice] = field(default_factory=dict)  # not withdrawn, by key
    account: Account | None = None
    endpoints: tuple[EndpointState, ...] | None = None
    volumes: tuple[VolumeState, ...] | None = None
    prefixes: tuple[tuple[str, str], ...] = ()  # (pod name prefix, member id): adopting outside pods
    caps: tuple[CapState, ...] = ()


# -- what the core answers -------------------------------------------------------------------------


class StopReason(enum.StrEnum):
    IDLE = "idle"
    DEADLINE = "deadline"
    CAP = "cap"


@dataclass(frozen=True, slots=True)
class Action:
    """Something the shell must do. Actions that tell someone carry the notice `key` and `to`."""


@dataclass(frozen=True, slots=True)
class TrackPod(Action):
    """Record this tick's reading of a running pod (usage roll-up and the idle clock)."""

    pod_id: str
    verdict: Verdict
    idle_since: datetime | None
    gpu_percents: tuple[int | None, ...] = ()
    cpu_percent: int | None = None


@dataclass(frozen=True, slots=True)
class AdoptPod(Action):
    pod_id: str
    owner_id: str


@dataclass(frozen=True, slots=True)
class Notify(Action):
    key: str
    to: str


@dataclass(frozen=True, slots=True)
class WarnIdle(Notify):
    pod_id: str
    pod_name: str
    idle_since: datetime
    stop_at: datetime
    cost_per_hr: Decimal


@dataclass(frozen=True, slots=True)
class WithdrawWarning(Action):
    key: str
    reason: str  # "busy again", "kept", "stopped"


@dataclass(frozen=True, slots=True)
class StopPod(Notify):
    """Stop (never terminate) the pod, then tell `to` what it saves, with a Resume button."""

    pod_id: str
    pod_name: str
    reason: StopReason
    saves_per_hr: Decimal
    storage_per_hr: Decimal
    # The notice that announced this stop: it must still be open and delivered when the shell
    # stops the pod; an idle or deadline warning is also updated in place once stopped.
    warning_key: str | None = None


@dataclass(frozen=True, slots=True)
class WarnDeadline(Notify):
    pod_id: str
    pod_name: str
    deadline_at: datetime
    cost_per_hr: Decimal


@dataclass(frozen=True, slots=True)
class NotifySshChanged(Notify):
    pod_id: str
    pod_name: str
    ip: str
    port: int
    previous: tuple[str, int] | None


@dataclass(frozen=True, slots=True)
class NotifySshReady(Notify):
    pod_id: str
    pod_name: str
    ip: str
    port: int


@dataclass(frozen=True, slots=True)
class ReportEviction(Notify):
    pod_id: str
    pod_name: str
    gpu_type_id: str | None
    gpu_count: int
    on_demand_per_hr: Decimal | None
    gpu_name: str | None = None  # the catalog's display name ("RTX 3090"), which people read


@dataclass(frozen=True, slots=True)
class WarnRunway(Notify):
    balance: Decimal
    spend_per_hr: Decimal
    hours_left: Decimal


@dataclass(frozen=True, slots=True)
class ReportIdleWorkers(Notify):
    endpoint_id: str
    endpoint_name: str
    workers_min: int
    cost_per_hr: Decimal


@dataclass(frozen=True, slots=True)
class ReportStoppedStorage(Notify):
    pod_id: str
    pod_name: str
    stopped_since: datetime
    per_month: Decimal


@dataclass(frozen=True, slots=True)
class ReportUnattachedVolume(Notify):
    volume_id: str
    volume_name: str
    size_gb: int
    per_month: Decimal


@dataclass(frozen=True, slots=True)
class ReportUnowned(Notify):
    pod_id: str
    pod_name: str
    cost_per_hr: Decimal


@dataclass(frozen=True, slots=True)
class CapWarning(Notify):
    scope: BudgetScope
    subject: str
    period: BudgetPeriod
    amount: Decimal
    spent: Decimal
    hard: bool
    stopping: tuple[str, ...] = ()  # pod ids stopped because of it


# -- the rules -------------------------------------------------------------------------------------


def idle_key(pod_id: str, idle_since: datetime) -> str:
    return f"idle:{pod_id}:{stamp(idle_since)}"


def deadline_key(pod_id: str, deadline_at: datetime) -> str:
    return f"deadline:{pod_id}:{stamp(deadline_at)}"


def decide(snapshot: Snapshot, policy: Policy, now: datetime) -> list[Action]:
    """Every action this tick calls for, in the order the shell should apply them."""
    actions: list[Action] = []
    if snapshot.pods is not None:
        actions += _pod_actions(snapshot, snapshot.pods, policy, now)
        if snapshot.volumes is not None:
            actions += _volume_actions(snapshot, snapshot.pods, snapshot.volumes, policy)
    if snapshot.endpoints is not None:
        actions += _endpoint_actions(snapshot, snapshot.endpoints, policy, now)
    if snapshot.account is not None:
        actions += _runway_actions(snapshot, snapshot.account, policy, now)
    return actions


def _pod_actions(snapshot: Snapshot, pods: tuple[PodState, ...], policy: Policy, now: datetime) -> list[Action]:
    actions: list[Action] = []
    stopping: set[str] = set()
    owners = {state.id: state.owner_id for state in pods}
    for state in sorted(pods, key=lambda s: s.id):
        owner = state.owner_id
        if owner is None:
            adopted = _adopt(state.pod.name, snapshot.prefixes)
            if adopted is not None:
                actions.append(AdoptPod(state.id, adopted))
                owner = owners[state.id] = adopted
            elif state.pod.status is not PodStatus.TERMINATED and policy.notice_channel:
                key = f"unowned:{state.id}"
                if key not in snapshot.notices:
                    actions.append(ReportUnowned(key, policy.notice_channel, state.id, state.pod.name,
                                                 state.pod.cost_per_hr))
        to = owner or policy.notice_channel
        actions += _idle_actions(snapshot, state, to, policy, now, stopping)
        actions += _deadline_actions(snapshot, state, to, policy, now, stopping)
        if to is not None:
            actions += _ssh_actions(snapshot, state, to)
            actions += _eviction_actions(state, to)
            actions += _stopped_storage_actions(snapshot, state, to, policy, now)
    actions += _cap_actions(snapshot, pods, owners, policy, now, stopping)
    actions += _unheld_stop_notices(snapshot, pods, actions)
    return actions


def _unheld_stop_notices(snapshot: Snapshot, pods: tuple[PodState, ...], actions: list[Action]) -> list[Action]:
    """Withdraw the shutdown notices of stops that did not happen and are no longer wanted.

    The shell records a shutdown notice before it asks RunPod to stop the pod, and holds it
    until the pod is seen stopped. A pod seen running that no rule stops this tick (it is busy
    again, kept, or its deadline moved after RunPod refused the stop) will not be stopped under
    that key: its undelivered notice must never go out.
    """
    running = {state.id for state in pods if state.pod.running}
    deciding = {action.key for action in actions if isinstance(action, StopPod)}
    return [
        WithdrawWarning(notice.key, "still running")
        for notice in sorted(snapshot.notices.values(), key=lambda n: n.key)
        if notice.kind == POD_STOPPED and notice.pod_id in running and notice.key not in deciding
        and notice.state is not NoticeState.SENT
    ]


def _adopt(name: str, prefixes: tuple[tuple[str, str], ...]) -> str | None:
    """The member whose name prefix the pod's name starts with (the longest prefix wins)."""
    matches = [(len(prefix), member) for prefix, member in prefixes
               if prefix and name.lower().startswith(prefix.lower())]
    return max(matches)[1] if matches else None


def _age(state: PodState, now: datetime) -> timedelta | None:
    """How long the pod has been running: RunPod's uptime, else since the ledger saw it start."""
    uptime = state.pod.runtime.uptime_seconds if state.pod.runtime is not None else None
    if uptime is None:
        uptime = state.pod.uptime_seconds
    if uptime is not None:
        return timedelta(seconds=uptime)
    if state.previous_status is PodStatus.RUNNING and state.status_since is not None:
        return now - state.status_since
    return None


def _idle_actions(
    snapshot: Snapshot, state: PodState, to: str | None, policy: Policy, now: datetime, stopping: set[str],
) -> list[Action]:
    actions: list[Action] = []
    pod = state.pod
    open_warnings = [n for n in snapshot.notices.values() if n.kind == IDLE_WARNING and n.pod_id == state.id]
    if not pod.running:
        return [WithdrawWarning(n.key, "stopped") for n in open_warnings]
    reading = verdict(pod, policy.thresholds)
    age = _age(state, now)
    if reading is Verdict.IDLE and (age is None or age < policy.min_pod_age):
        reading = Verdict.BUSY  # too young to be idle (a booting pod, a fresh notebook)
    snoozed = state.snoozed_until is not None and state.snoozed_until > now
    idle_since = next_idle_since(state.idle_since, verdict=reading, now=now)
    if snoozed:
        idle_since = None  # a keep stops the idle clock; it starts again when the keep ends
    runtime = pod.runtime
    actions.append(TrackPod(
        state.id, reading, idle_since,
        gpu_percents=tuple(g.util_percent for g in runtime.gpus) if runtime is not None else (),
        cpu_percent=runtime.cpu_percent if runtime is not None else None,
    ))
    current = idle_key(state.id, idle_since) if idle_since is not None else None
    for notice in open_warnings:
        if notice.key != current:
            actions.append(WithdrawWarning(notice.key, "kept" if snoozed else "busy again"))
    if idle_since is None or current is None or now - idle_since < policy.idle_after or to is None:
        return actions
    warning = snapshot.notices.get(current)
    if warning is None or warning.state is not NoticeState.SENT:
        # Not known delivered: (re)send the warning; the shell posts it once per key.
        actions.append(WarnIdle(current, to, state.id, pod.name, idle_since, now + policy.warning_grace,
                                pod.cost_per_hr))
        return actions
    stop_at = max(warning.due_at or now, warning.updated_at + policy.warning_grace)
    if now >= stop_at and state.id not in stopping:
        stopping.add(state.id)
        actions.append(StopPod(f"stopped:{state.id}:{stamp(idle_since)}", to, state.id, pod.name, StopReason.IDLE,
                               pod.cost_per_hr, state.storage_per_hr, warning_key=current))
    return actions


def _deadline_actions(
    snapshot: Snapshot, state: PodState, to: str | None, policy: Policy, now: datetime, stopping: set[str],
) -> list[Action]:
    deadline = state.deadline_at
    key = deadline_key(state.id, deadline) if deadline is not None else None
    stale: list[Action] = [
        WithdrawWarning(n.key, "stopped" if not state.pod.running else "extended")
        for n in snapshot.notices.values()
        if n.kind == DEADLINE_WARNING and n.pod_id == state.id and (n.key != key or not state.pod.running)
    ]
    if deadline is None or key is None or not state.pod.running or to is None \
            or now < deadline - policy.deadline_lead:
        return stale
    if state.snoozed_until is not None and state.snoozed_until > now:
        return stale
    notice = snapshot.notices.get(key)
    if notice is None or notice.state is not NoticeState.SENT:
        return [*stale, WarnDeadline(key, to, state.id, state.pod.name, deadline, state.pod.cost_per_hr)]
    stop_at = max(deadline, notice.updated_at + policy.deadline_min_notice)
    if now < stop_at or state.id in stopping:
        return stale
    stopping.add(state.id)
    return [*stale, StopPod(f"stopped:{state.id}:{stamp(deadline)}", to, state.id, state.pod.name, StopReason.DEADLINE,
                    state.pod.cost_per_hr, state.storage_per_hr, warning_key=key)]


def _ssh_actions(snapshot: Snapshot, state: PodState, to: str) -> list[Action]:
    ssh = state.ssh
    if ssh is None or not state.pod.running:
        return []
    ip, port = ssh
    if state.created_by_podwarden:
        key = f"ssh-ready:{state.id}"
        if key not in snapshot.notices and state.previous_ssh is None:
            return [NotifySshReady(key, to, state.id, state.pod.name, ip, port)]
    if state.previous_ssh is not None and state.previous_ssh != ssh:
        key = f"ssh:{state.id}:{ip}:{port}"
        if key not in snapshot.notices:
            return [NotifySshChanged(key, to, state.id, state.pod.name, ip, port, state.previous_ssh)]
    return []


def _eviction_actions(state: PodState, to: str) -> list[Action]:
    pod = state.pod
    if not pod.spot or state.previous_status is not PodStatus.RUNNING or pod.running:
        return []
    since = state.status_since
    if state.stopped_by_us_at is not None and (since is None or state.stopped_by_us_at >= since):
        return []  # we (or a user through Podwarden) stopped it
    key = f"evicted:{state.id}:{stamp(since) if since is not None else 'unknown'}"
    return [ReportEviction(key, to, state.id, pod.name, pod.gpu_type_id, pod.gpu_count, state.on_demand_per_hr,
                           gpu_name=pod.gpu_display_name)]


def _stopped_storage_actions(
    snapshot: Snapshot, state: PodState, to: str, policy: Policy, now: datetime,
) -> list[Action]:
    if state.pod.status is not PodStatus.EXITED or state.previous_status is not PodStatus.EXITED:
        return []
    since = state.status_since
    if since is None or now - since < policy.stopped_storage_after or state.storage_per_hr <= _ZERO:
        return []
    key = f"stopped-storage:{state.id}:{stamp(since)}"
    if key in snapshot.notices:
        return []
    return [ReportStoppedStorage(key, to, state.id, state.pod.name, since,
                                 (state.storage_per_hr * _HOURS_PER_MONTH).quantize(Decimal("0.01")))]


def _volume_actions(
    snapshot: Snapshot, pods: tuple[PodState, ...], volumes: tuple[VolumeState, ...], policy: Policy,
) -> list[Action]:
    if policy.notice_channel is None:
        return []
    attached = {s.pod.network_volume_id for s in pods if s.pod.status is not PodStatus.TERMINATED}
    actions: list[Action] = []
    for volume in sorted(volumes, key=lambda v: v.id):
        key = f"volume:{volume.id}"
        if volume.id not in attached and key not in snapshot.notices:
            actions.append(ReportUnattachedVolume(key, policy.notice_channel, volume.id, volume.name,
                                                  volume.size_gb, volume.per_month))
    return actions


def _endpoint_actions(
    snapshot: Snapshot, endpoints: tuple[EndpointState, ...], policy: Policy, now: datetime,
) -> list[Action]:
    actions: list[Action] = []
    for state in sorted(endpoints, key=lambda e: e.endpoint.id):
        endpoint = state.endpoint
        to = state.owner_id or policy.notice_channel
        since = state.jobless_since
        if endpoint.workers_min <= 0 or since is None or to is None or now - since < policy.idle_workers_after:
            continue
        key = f"idle-workers:{endpoint.id}:{stamp(since)}"
        if key not in snapshot.notices:
            actions.append(ReportIdleWorkers(key, to, endpoint.id, endpoint.name, endpoint.workers_min,
                                             state.active_cost_per_hr))
    return actions


def _runway_actions(snapshot: Snapshot, account: Account, policy: Policy, now: datetime) -> list[Action]:
    if policy.notice_channel is None or account.spend_per_hr <= _ZERO:
        return []
    hours = account.balance / account.spend_per_hr
    if hours * 3600 >= Decimal(int(policy.runway_warning.total_seconds())):
        return []  # compared unrounded: 47.99 h is under 48 h, though it shows as 48.0
    hours_left = hours.quantize(Decimal("0.1"))
    key = f"runway:{now.date().isoformat()}"
    if key in snapshot.notices:
        return []
    return [WarnRunway(key, policy.notice_channel, account.balance, account.spend_per_hr, hours_left)]


def _cap_actions(
    snapshot: Snapshot, pods: tuple[PodState, ...], owners: Mapping[str, str | None], policy: Policy,
    now: datetime, stopping: set[str],
) -> list[Action]:
    """Warn about broken caps; a hard cap whose policy is "stop" also stops pods, newest first.

    The notice names the pods it will stop (its key too), and they are stopped only once that
    notice is known delivered and one tick interval has passed since (the grace of a cap is
    one tick, not the idle warning's: the cap exists to stop spending, and there is no Keep
    to wait for; the tick is what lets the owner read the notice before the pod goes down). A
    notice that cannot be delivered stops nothing; if the pods to stop change, a new notice
    naming them is sent and waited for.
    """
    actions: list[Action] = []
    for cap in snapshot.caps:
        running = [s for s in pods if s.pod.running and s.id not in stopping and _covers(cap, s, owners)]
        rate = sum((s.pod.cost_per_hr for s in running), _ZERO)
        spent = rate if cap.period is BudgetPeriod.HOUR else cap.spent
        if spent < cap.amount or (cap.period is BudgetPeriod.HOUR and not running):
            continue
        victims: list[PodState] = []
        if cap.hard and cap.stop:
            newest_first = sorted(running, key=lambda s: (s.status_since or _EPOCH, s.id), reverse=True)
            for state in newest_first:
                if cap.period is BudgetPeriod.HOUR and rate <= cap.amount:
                    break
                victims.append(state)
                rate -= state.pod.cost_per_hr
        key = f"cap:{cap.scope.value}:{cap.subject}:{cap.period.value}:{cap.window}"
        if victims:
            key = f"{key}:stop:{'+'.join(v.id for v in victims)}"
        to = cap.subject if cap.scope is BudgetScope.USER else policy.notice_channel
        if to is None:
            continue  # nobody to tell: nobody's pod is stopped without being told
        if key not in snapshot.notices or victims:
            actions.append(CapWarning(key, to, cap.scope, cap.subject, cap.period, cap.amount, spent, cap.hard,
                                      tuple(v.id for v in victims)))
        told = snapshot.notices.get(key)
        if told is None or told.state is not NoticeState.SENT or now < told.updated_at + policy.tick_interval:
            continue  # stopped only once the notice naming these pods is delivered, and a tick later
        for state in victims:
            stopping.add(state.id)
            owner = owners.get(state.id) or policy.notice_channel
            if owner is None:
                continue
            actions.append(StopPod(f"stopped:{state.id}:cap:{cap.window}", owner, state.id, state.pod.name,
                                   StopReason.CAP, state.pod.cost_per_hr, state.storage_per_hr, warning_key=key))
    return actions


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _covers(cap: CapState, state: PodState, owners: Mapping[str, str | None]) -> bool:
    if cap.scope is BudgetScope.GLOBAL:
        return True
    if cap.scope is BudgetScope.USER:
        return owners.get(state.id) == cap.subject
    return state.team == cap.subject
