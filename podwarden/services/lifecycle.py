"""The daemon's tick: gather a snapshot, call the pure core, apply its actions, outbox style.

One tick reads the fleet once (every pod with its telemetry in one GraphQL request), joins it
with the ledger's memory (idle clocks, owners, snoozes, deadlines, notices), asks
`podwarden.domain.lifecycle.decide` what to do, and then:

1. commits in one transaction the tick's observations (intervals, idle clocks, hourly
   roll-ups, adoptions) together with the *intents* of every notice it decided to send
   (recorded `pending`, with the note itself);
2. delivers the outbox (`podwarden.services.outbox`): each undelivered notice is marked
   `sending`, posted with its key in the message metadata, then marked `sent`; one left
   `sending` or `failed` by a crash or an error is first looked for in Slack (`find_sent`)
   and only posted if it is not there;
3. stops the pods the core says to stop (only pods whose warning is known delivered): the
   ledger read again (a Keep clicked since the snapshot wins), the intent recorded first
   (ours, audited, the shutdown notice in the outbox but held), RunPod called with no
   transaction open, the outcome recorded after; the held notice tells the owner what it
   saves once the stop is known, and the warning is updated in place.

With a notice channel, an owner's warnings, cap notices and shutdown notices also go to the
channel (which ones: `podwarden.domain.channel_copies`), as copies: notices of their own (the
owner's key + ":channel") through the same outbox, posted once the owner's copy is delivered
(none if that copy itself went to the channel), updated in place with it, withdrawn with it.
Only the owner's copy counts for a stop: a copy the channel refuses delays nothing.

Nothing here holds a transaction across a RunPod or Slack call, and a failed RunPod read
records nothing and decides nothing about pods.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from podwarden.domain import channel_copies as copies
from podwarden.domain import lifecycle as core
from podwarden.domain import note_codec
from podwarden.domain.caps import action_of
from podwarden.domain.idle import IdleThresholds
from podwarden.domain.ledger_values import (
    GLOBAL_SUBJECT,
    AuditOutcome,
    BudgetPeriod,
    BudgetScope,
    Notice,
    NoticeIntent,
    NoticeState,
    PodAfterStop,
    PodLifecycle,
    PodTrack,
)
from podwarden.domain.models import Account, NetworkVolume, Pod, PodStatus
from podwarden.domain.notes import (
    CapReached,
    DeadlineWarning,
    IdleWarning,
    IdleWorkers,
    Note,
    PodStopped,
    RunwayWarning,
    SpotEvicted,
    SshChanged,
    SshReady,
    StoppedStorage,
    UnattachedVolume,
    UnownedPod,
)
from podwarden.domain.pricing import PriceBook
from podwarden.errors import RunPodError
from podwarden.ports import Clock, Ledger, Notifier, RunPodGateway
from podwarden.services.outbox import Outbox
from podwarden.services.pods import STOP_NOT_DONE, pod_after_failed_stop
from podwarden.services.usage import UsageService

log = logging.getLogger("podwarden.daemon")

ACTOR = "podwarden-daemon"
NOTICE_MEMORY = timedelta(days=14)
_ZERO = Decimal(0)
_DOWN = frozenset({PodStatus.EXITED, PodStatus.PAUSED, PodStatus.DEAD, PodStatus.TERMINATED})
_NOT_OURS = STOP_NOT_DONE  # read back after our failed stop
_AFTER_FAILED_STOP = {
    PodAfterStop.RUNNING: "tried again next tick if it is still to be stopped",
    PodAfterStop.GONE: "the pod is gone: nothing left to stop",
    PodAfterStop.UNKNOWN: "RunPod may still stop it: its shutdown notice waits until it is seen stopped",
}


@dataclass
class TickReport:
    """What one tick did, for logs, tests and `daemon --once`."""

    at: datetime
    fleet_read: bool = False
    pods: int = 0
    actions: list[core.Action] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)  # notice keys posted this tick
    failed: list[str] = field(default_factory=list)  # notice keys whose post failed
    stopped: list[str] = field(default_factory=list)  # pod ids stopped this tick
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        read = f"{self.pods} pods read" if self.fleet_read else "fleet read failed"
        return (f"tick at {self.at:%Y-%m-%d %H:%M:%S}: {read}, {len(self.sent)} notices sent, "
                f"{len(self.stopped)} pods stopped, {len(self.failed)} posts failed")


def policy_from(settings: Any) -> core.Policy:
    """The core's policy from `Settings` (kept here so the domain never sees pydantic)."""
    return core.Policy(
        idle_after=settings.idle_after,
        thresholds=IdleThresholds(gpu_percent=settings.idle_gpu_percent, cpu_percent=settings.idle_cpu_percent),
        warning_grace=settings.warning_grace, min_pod_age=settings.min_pod_age,
        tick_interval=settings.tick_interval, notice_channel=settings.notice_channel,
    )


class LifecycleService:
    def __init__(
        self, *, runpod: RunPodGateway, ledger: Ledger, notifier: Notifier, clock: Clock, policy: core.Policy,
        book: PriceBook, global_cap_per_hr: Decimal | None = None, usage: UsageService | None = None,
        time_zone: str = "UTC",
    ) -> None:
        self._runpod = runpod
        self._time_zone = time_zone  # the team's, for the times notices show (e.g. "kept until 18:00")
        self._ledger = ledger
        self._notifier = notifier
        self._clock = clock
        self.policy = policy  # builds the outbox, which posts to the policy's notice channel
        self._book = book
        self._global_cap = global_cap_per_hr
        self._usage = usage

    @property
    def policy(self) -> core.Policy:
        return self._policy

    @policy.setter
    def policy(self, policy: core.Policy) -> None:
        self._policy = policy
        self._outbox = Outbox(ledger=self._ledger, notifier=self._notifier, clock=self._clock,
                              notice_channel=policy.notice_channel, time_zone=self._time_zone)

    # -- the tick ------------------------------------------------------------------------------
    def tick(self) -> TickReport:
        now = self._clock.now()
        report = TickReport(at=now)
        self.deliver(report)  # anything a previous (crashed) tick left undelivered, first
        pods = self._read(self._runpod.list_pods, report)
        memory = self._ledger.lifecycle_state()
        snapshot = self._snapshot(now, pods, memory, report)
        actions = core.decide(snapshot, self.policy, now)
        report.actions = actions
        report.fleet_read, report.pods = pods is not None, len(pods or ())
        self._record(now, pods, memory, actions)
        self._withdraw(now, actions, report)
        self.deliver(report)
        self._stop(now, actions, report)
        log.log(logging.INFO if report.sent or report.stopped or report.failed else logging.DEBUG, report.line())
        return report

    def _read(self, call: Any, report: TickReport) -> Any:
        try:
            return call()
        except RunPodError as exc:
            report.errors.append(f"{getattr(call, '__name__', 'read')}: {exc}")
            log.warning("RunPod read failed (%s); this tick decides nothing from it", exc)
            return None

    def _snapshot(
        self, now: datetime, pods: list[Pod] | None, memory: Mapping[str, PodLifecycle], report: TickReport,
    ) -> core.Snapshot:
        # The notices of the last weeks are what the rules need to see; an older "once" notice
        # decided again is recorded under the key it already has, which posts nothing.
        notices = {n.key: n for n in self._ledger.open_notices(since=now - NOTICE_MEMORY)}
        prefixes = tuple((m.name_prefix, m.user_id) for m in self._ledger.members() if m.name_prefix)
        account: Account | None = self._read(self._runpod.account, report)
        volumes: list[NetworkVolume] | None = (
            self._read(self._runpod.network_volumes, report) if pods is not None else None
        )
        states: tuple[core.PodState, ...] | None = None
        if pods is not None:
            snoozes = self._ledger.active_snoozes(now=now)
            states = tuple(self._pod_state(pod, memory.get(pod.id), snoozes.get(pod.id)) for pod in pods)
        endpoints: tuple[core.EndpointState, ...] | None = None
        if self._usage is not None:
            samples = self._usage.sample_endpoints()
            if samples is not None:
                endpoints = self._usage.endpoint_states(samples, window=self.policy.idle_workers_after)
        return core.Snapshot(
            pods=states, notices=notices, account=account, endpoints=endpoints,
            volumes=tuple(core.VolumeState(v.id, v.name, v.size_gb, self._book.network_volume_per_month(v.size_gb)
                                           .quantize(Decimal("0.01"))) for v in volumes)
            if volumes is not None else None,
            prefixes=prefixes, caps=self._caps(now, states) if states is not None else (),
        )

    def _pod_state(self, pod: Pod, memory: PodLifecycle | None, snooze: Any) -> core.PodState:
        stopped_storage = self._book.volume_per_hour(pod.volume_gb, running=False)
        if memory is None:
            return core.PodState(pod=pod, storage_per_hr=stopped_storage,
                                 snoozed_until=snooze.until if snooze is not None else None)
        record = memory.record
        previous_ssh = (record.ssh_ip, record.ssh_port) if record.ssh_ip and record.ssh_port else None
        on_demand = None
        if pod.spot and record.status is PodStatus.RUNNING and not pod.running:
            on_demand = self._on_demand_price(pod)
        return core.PodState(
            pod=pod, owner_id=record.owner_id, team=memory.team, previous_status=record.status,
            previous_ssh=previous_ssh, status_since=memory.status_since, idle_since=memory.idle_since,
            last_sample_at=memory.last_telemetry_at, deadline_at=memory.deadline_at,
            stopped_by_us_at=memory.stopped_by_us_at, created_by_podwarden=memory.created_by_podwarden,
            snoozed_until=snooze.until if snooze is not None else None, storage_per_hr=stopped_storage,
            on_demand_per_hr=on_demand,
        )

    def _on_demand_price(self, pod: Pod) -> Decimal | None:
        try:
            catalog = self._runpod.gpu_types(gpu_count=pod.gpu_count)
        except RunPodError:
            return None
        for gpu in catalog:
            if gpu.id == pod.gpu_type_id and pod.cloud is not None:
                price = gpu.price(pod.cloud, spot=False)
                return price * pod.gpu_count if price is not None else None
        return None

    def _caps(self, now: datetime, states: Sequence[core.PodState]) -> tuple[core.CapState, ...]:
        caps: list[core.CapState] = []
        if self._global_cap is not None:
            caps.append(core.CapState(BudgetScope.GLOBAL, GLOBAL_SUBJECT, BudgetPeriod.HOUR, self._global_cap,
                                      now.strftime("%Y-%m-%dT%H"), hard=True))
        for budget in self._ledger.budgets():
            start, window = _window(now, budget.period)
            spent = _ZERO
            if budget.period is not BudgetPeriod.HOUR:
                owner = budget.subject if budget.scope is BudgetScope.USER else None
                team = budget.subject if budget.scope is BudgetScope.TEAM else None
                spent = self._ledger.spend(start=start, end=now, owner_id=owner, team=team)
            action = action_of(budget.hard, budget.action)
            caps.append(core.CapState(budget.scope, budget.subject, budget.period, budget.amount, window,
                                      spent=spent, hard=budget.hard, stop=action == "stop"))
        return tuple(caps)

    # -- step 1: observations and intents, one transaction ----------------------------------------
    def _record(
        self, now: datetime, pods: list[Pod] | None, memory: Mapping[str, PodLifecycle],
        actions: Sequence[core.Action],
    ) -> None:
        intents = [i for i in (_intent(a) for a in actions if isinstance(a, core.Notify)) if i is not None]
        intents += [c for c in (self._copy_intent(i) for i in intents) if c is not None]
        if pods is None:
            for intent in intents:  # no fleet to record; the notices still go in the outbox
                self._ledger.record_notice(intent.key, kind=intent.kind, now=now, recipient=intent.recipient,
                                           pod_id=None, endpoint_id=intent.endpoint_id, payload=intent.payload)
            return
        seconds = int(self.policy.tick_interval.total_seconds())
        tracks: dict[str, PodTrack] = {}
        for action in actions:
            if isinstance(action, core.TrackPod):
                last = memory[action.pod_id].last_telemetry_at if action.pod_id in memory else None
                gap = int(self.policy.max_sample_gap.total_seconds())
                covered = seconds if last is None else min(gap, max(int((now - last).total_seconds()), 0))
                tracks[action.pod_id] = PodTrack(
                    idle_since=action.idle_since, idle=action.verdict.idle, seconds=covered,
                    gpu_percents=action.gpu_percents, cpu_percent=action.cpu_percent,
                )
        adopt = {a.pod_id: a.owner_id for a in actions if isinstance(a, core.AdoptPod)}
        storage = {pod.id: self._storage_now(pod) for pod in pods}
        self._ledger.record_tick(pods, now=now, complete=True, tracks=tracks, adopt=adopt, storage_per_hr=storage,
                                 notices=intents)

    def _copy_intent(self, intent: NoticeIntent) -> NoticeIntent | None:
        """The channel copy of a notice the tick decided (recorded after it, so posted after it)."""
        note = note_codec.decode(intent.payload)
        channel = copies.channel_copy(note, self.policy.notice_channel)
        if channel is None:
            return None
        key = copies.copy_key(intent.key)
        return replace(intent, key=key, kind=copies.copy_kind(intent.kind), recipient=channel,
                       payload=note_codec.encode(replace(note, key=key, to=channel)))

    def _storage_now(self, pod: Pod) -> Decimal:
        if pod.running:
            return (self._book.container_disk_per_hour(pod.container_disk_gb)
                    + self._book.volume_per_hour(pod.volume_gb, running=True))
        return self._book.volume_per_hour(pod.volume_gb, running=False)

    # -- step 2: the outbox -------------------------------------------------------------------------
    def deliver(self, report: TickReport | None = None, *, stopped: Collection[str] = ()) -> None:
        """Post every notice recorded but not known delivered, exactly once (`Outbox.deliver`).

        A shutdown notice is held until its pod is known stopped (`stopped`: the pods this tick
        stopped; see `_release_stop`).
        """
        report = report or TickReport(at=self._clock.now())
        self._outbox.deliver(report, release=lambda notice: notice.kind != core.POD_STOPPED
                             or self._release_stop(notice, stopped))

    # -- withdrawals and stops ----------------------------------------------------------------------
    def _withdraw(self, now: datetime, actions: Sequence[core.Action], report: TickReport) -> None:
        for action in actions:
            if isinstance(action, core.WithdrawWarning):
                held = self._ledger.notice(action.key)
                self._outbox.close(action.key, state=action.reason, now=now)
                if held is not None and held.kind == core.POD_STOPPED and held.pod_id is not None:
                    # The stop it announced never happened (refused, or a crash before RunPod was
                    # asked) and is no longer wanted: the pod's going down later is not ours.
                    self._ledger.unmark_stopped_by_us(held.pod_id, since=held.created_at, until=now)

    def _stop(self, now: datetime, actions: Sequence[core.Action], report: TickReport) -> None:
        """Carry out the core's stops, each as: re-check, intent, RunPod, outcome.

        The re-check reads the ledger again right before RunPod is asked (a Keep, a moved
        deadline or a withdrawn warning may have landed since the snapshot). The intent is
        written before the call: the pod marked as stopped by us (so its going down is never
        taken for a spot eviction), a `started` audit entry, and the shutdown notice recorded
        in the outbox but *held* until the stop is known to have happened. If RunPod refuses,
        nothing claims the pod stopped: the mark is cleared (a spot eviction later is reported
        as one), the held notice waits, the next tick stops the pod again (same notice key)
        or, if the pod is no longer to be stopped, withdraws it. A stop that timed out keeps
        its mark and its held notice: RunPod may still carry it out (`_pod_after_failed_stop`).
        If the process dies after RunPod stopped the pod, the next tick sees the pod down and
        releases the held notice, recording the auto-stop then (`_release_stop`).
        """
        stopped: set[str] = set()
        for action in actions:
            if not isinstance(action, core.StopPod):
                continue
            why_not = self._no_longer_wanted(action)
            if why_not is not None:
                log.info("not stopping %s: %s", action.pod_id, why_not)
                continue
            note = PodStopped(action.key, action.to, action.pod_id, action.pod_name, action.reason.value,
                              action.saves_per_hr, action.storage_per_hr)
            self._ledger.record_notice(action.key, kind=core.POD_STOPPED, now=now, pod_id=action.pod_id,
                                       recipient=action.to, payload=note_codec.encode(note))
            channel = copies.channel_copy(note, self.policy.notice_channel)
            if channel is not None:  # held with it: posted once the owner's copy is
                key = copies.copy_key(action.key)
                self._ledger.record_notice(key, kind=copies.copy_kind(core.POD_STOPPED), now=now,
                                           pod_id=action.pod_id, recipient=channel,
                                           payload=note_codec.encode(replace(note, key=key, to=channel)))
            self._ledger.mark_stopped_by_us(action.pod_id, now=now)
            self._ledger.audit(ACTOR, "stop", at=now, target=action.pod_id, outcome=AuditOutcome.STARTED,
                               args={"reason": action.reason.value})
            try:
                self._runpod.stop_pod(action.pod_id)
            except RunPodError as exc:
                pod_after = self._pod_after_failed_stop(action.pod_id, exc)
                if pod_after is not PodAfterStop.DOWN:
                    self._ledger.audit(ACTOR, "stop", at=self._clock.now(), target=action.pod_id,
                                       outcome=AuditOutcome.FAILED, error=str(exc),
                                       args={"reason": action.reason.value, "pod_after": pod_after.value})
                    if pod_after in _NOT_OURS:  # the stop did not happen: its going down later is not ours
                        self._ledger.unmark_stopped_by_us(action.pod_id, since=now, until=now)
                    report.errors.append(f"stop {action.pod_id}: {exc}")
                    log.warning("could not stop %s: %s (%s)", action.pod_id, exc, _AFTER_FAILED_STOP[pod_after])
                    continue
                log.info("stopping %s: RunPod's answer was lost (%s), but the pod is stopping", action.pod_id, exc)
            self._ledger.record_auto_stop(action.pod_id, at=now, reason=action.reason.value)  # the digest's savings
            self._ledger.audit(ACTOR, "stop", at=self._clock.now(), target=action.pod_id,
                               args={"reason": action.reason.value, "saves_per_hr": action.saves_per_hr})
            stopped.add(action.pod_id)
            report.stopped.append(action.pod_id)
            if action.warning_key is not None and action.reason is not core.StopReason.CAP \
                    and self._ledger.notice(action.warning_key) is not None:
                # The pod's own warning says it was stopped; a cap notice names several pods and stays.
                self._outbox.close(action.warning_key, state="stopped", now=self._clock.now())
        self.deliver(report, stopped=stopped)

    def _pod_after_failed_stop(self, pod_id: str, error: RunPodError) -> PodAfterStop:
        """The pod right after RunPod failed to stop it, judged as a person's stop is
        (`podwarden.services.pods.pod_after_failed_stop`)."""
        return pod_after_failed_stop(self._runpod, pod_id, error)

    def _ours(self, notice: Notice, pod_id: str) -> bool:
        """Was the pod stopped by the stop this held notice announces? The daemon's last stop
        audit of it says: RunPod asked with no outcome recorded (a crash) or done, yes; never
        asked (a crash before), or refused while the pod still ran, no: the pod went down by
        someone else's hand (its owner, in RunPod's console), which is theirs, not a saving of ours."""
        last = self._ledger.audit_log(since=notice.created_at, actor=ACTOR, action="stop", target=pod_id, limit=1)
        if not last:
            return False
        return not (last[0].outcome is AuditOutcome.FAILED and last[0].args.get("pod_after") in _NOT_OURS)

    def _no_longer_wanted(self, action: core.StopPod) -> str | None:
        """Why the stop the core decided no longer holds, reading the ledger again (None: it holds)."""
        now = self._clock.now()
        if action.reason in (core.StopReason.IDLE, core.StopReason.DEADLINE):
            snooze = self._ledger.active_snooze(action.pod_id, now=now)
            if snooze is not None:
                return f"kept until {snooze.until:%Y-%m-%d %H:%M} UTC"
        if action.warning_key is not None:
            warning = self._ledger.notice(action.warning_key)
            if warning is None or warning.state is not NoticeState.SENT:
                return f"its warning {action.warning_key} is not open and delivered"
        if action.reason is core.StopReason.DEADLINE:
            memory = self._ledger.lifecycle_state().get(action.pod_id)
            deadline = memory.deadline_at if memory is not None else None
            if deadline is None or core.deadline_key(action.pod_id, deadline) != action.warning_key:
                return "its deadline moved"
        return None

    def _release_stop(self, notice: Notice, stopped: Collection[str]) -> bool:
        """May this held shutdown notice be posted? Only once its pod is known stopped.

        Known stopped: stopped by this tick, or recorded down in the ledger since (the stop was
        decided from a read that saw the pod running, so a later record of it down means the
        process died between RunPod's answer and the outcome's record, or the stop was retried
        by another daemon). In the second case the auto-stop is recorded now, unless it was.
        A pod seen down after RunPod refused our stop, or before we asked, was stopped by someone
        else: the notice is withdrawn, and nothing is counted as ours (`_ours`).
        """
        pod_id = notice.pod_id
        if pod_id is None or pod_id in stopped:
            return True
        record = self._ledger.pod(pod_id)
        if record is None or record.status not in _DOWN:
            return False  # the ledger last saw it running (the stop was decided from such a read)
        now = self._clock.now()
        if not self._ours(notice, pod_id):
            log.info("%s was stopped, but not by us: its shutdown notice is withdrawn", pod_id)
            self._outbox.close(notice.key, state="stopped", now=now)
            return False
        recorded = self._ledger.auto_stops(start=notice.created_at, end=now + timedelta(seconds=1))
        if not any(stop.pod_id == pod_id for stop in recorded):
            reason = str(getattr(note_codec.decode(notice.payload or ""), "reason", "daemon"))
            self._ledger.record_auto_stop(pod_id, at=now, reason=reason)
            self._ledger.audit(ACTOR, "stop", at=now, target=pod_id,
                               args={"reason": reason, "seen_stopped": "after the stopping tick ended early"})
            log.info("%s was stopped by a tick that did not finish; its notice goes out now", pod_id)
        return True


def _window(now: datetime, period: BudgetPeriod) -> tuple[datetime, str]:
    if period is BudgetPeriod.HOUR:
        start = now.replace(minute=0, second=0, microsecond=0)
        return start, start.strftime("%Y-%m-%dT%H")
    if period is BudgetPeriod.DAY:
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return start, start.strftime("%Y-%m-%d")
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start, start.strftime("%Y-%m")


def note_for(action: core.Notify) -> Note | None:
    """The note an action sends (None for actions that are not messages of their own)."""
    a: Any = action
    match action:
        case core.WarnIdle():
            return IdleWarning(a.key, a.to, a.pod_id, a.pod_name, a.idle_since, a.stop_at, a.cost_per_hr)
        case core.WarnDeadline():
            return DeadlineWarning(a.key, a.to, a.pod_id, a.pod_name, a.deadline_at, a.cost_per_hr)
        case core.NotifySshReady():
            return SshReady(a.key, a.to, a.pod_id, a.pod_name, a.ip, a.port)
        case core.NotifySshChanged():
            prev = a.previous or (None, None)
            return SshChanged(a.key, a.to, a.pod_id, a.pod_name, a.ip, a.port, prev[0], prev[1])
        case core.ReportEviction():
            return SpotEvicted(a.key, a.to, a.pod_id, a.pod_name, a.gpu_type_id, a.gpu_count, a.on_demand_per_hr,
                               gpu_name=a.gpu_name)
        case core.WarnRunway():
            return RunwayWarning(a.key, a.to, a.balance, a.spend_per_hr, a.hours_left)
        case core.ReportIdleWorkers():
            return IdleWorkers(a.key, a.to, a.endpoint_id, a.endpoint_name, a.workers_min, a.cost_per_hr)
        case core.ReportStoppedStorage():
            return StoppedStorage(a.key, a.to, a.pod_id, a.pod_name, a.stopped_since, a.per_month)
        case core.ReportUnattachedVolume():
            return UnattachedVolume(a.key, a.to, a.volume_id, a.volume_name, a.size_gb, a.per_month)
        case core.ReportUnowned():
            return UnownedPod(a.key, a.to, a.pod_id, a.pod_name, a.cost_per_hr)
        case core.CapWarning():
            return CapReached(a.key, a.to, a.scope.value, a.subject, a.period.value, a.amount, a.spent, a.hard,
                              a.stopping)
    return None


_KINDS: dict[type[core.Notify], str] = {
    core.WarnIdle: core.IDLE_WARNING, core.WarnDeadline: core.DEADLINE_WARNING, core.NotifySshReady: core.SSH_READY,
    core.NotifySshChanged: core.SSH_CHANGED, core.ReportEviction: core.EVICTION, core.WarnRunway: core.RUNWAY,
    core.ReportIdleWorkers: core.IDLE_WORKERS, core.ReportStoppedStorage: core.STOPPED_STORAGE,
    core.ReportUnattachedVolume: core.UNATTACHED_VOLUME, core.ReportUnowned: core.UNOWNED, core.CapWarning: core.CAP,
}


def _intent(action: core.Notify) -> NoticeIntent | None:
    note = note_for(action)
    kind = _KINDS.get(type(action))
    if note is None or kind is None:
        return None
    pod_id = getattr(action, "pod_id", None)
    due = action.stop_at if isinstance(action, core.WarnIdle) else None
    return NoticeIntent(key=action.key, kind=kind, recipient=action.to, payload=note_codec.encode(note),
                        pod_id=pod_id, endpoint_id=getattr(action, "endpoint_id", None), due_at=due)


__all__ = ["LifecycleService", "TickReport", "note_for", "policy_from"]
