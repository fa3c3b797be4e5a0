"""The daemon's decisions, rule by rule, with literal snapshots and literal expectations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from podwarden.domain.idle import IdleThresholds, Verdict, next_idle_since, verdict
from podwarden.domain.ledger_values import BudgetPeriod, BudgetScope, Notice, NoticeState
from podwarden.domain.lifecycle import (
    Action,
    AdoptPod,
    CapState,
    CapWarning,
    EndpointState,
    NotifySshChanged,
    NotifySshReady,
    PodState,
    Policy,
    ReportEviction,
    ReportIdleWorkers,
    ReportStoppedStorage,
    ReportUnattachedVolume,
    ReportUnowned,
    Snapshot,
    StopPod,
    StopReason,
    TrackPod,
    VolumeState,
    WarnDeadline,
    WarnIdle,
    WarnRunway,
    WithdrawWarning,
    decide,
)
from podwarden.domain.models import (
    Account,
    Cloud,
    Endpoint,
    GpuTelemetry,
    Pod,
    PodRuntime,
    PodStatus,
    PortMapping,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
POLICY = Policy(notice_channel="C0NOTICE")


def pod(
    pod_id: str = "pod1", *, gpu: int | None = 1, cpu: int | None = 1, status: PodStatus = PodStatus.RUNNING,
    uptime: int | None = 7200, ssh: tuple[str, int] | None = None, spot: bool = False,
    cost: str = "1.89", name: str | None = None, network_volume_id: str | None = None,
) -> Pod:
    runtime = None
    if status is PodStatus.RUNNING:
        ports = (PortMapping(22, ssh[1], ssh[0], True, "tcp"),) if ssh else ()
        runtime = PodRuntime(
            uptime_seconds=uptime, ports=ports,
            gpus=(GpuTelemetry("gpu0", gpu, 0),), cpu_percent=cpu,
        )
    return Pod(
        id=pod_id, name=name or f"{pod_id}-name", status=status, gpu_type_id="NVIDIA A100 80GB PCIe", gpu_count=1,
        cost_per_hr=Decimal(cost), cloud=Cloud.SECURE, spot=spot, runtime=runtime,
        network_volume_id=network_volume_id,
    )


def state(p: Pod | None = None, **kw: object) -> PodState:
    defaults: dict[str, object] = {"owner_id": "U0ALICE", "previous_status": PodStatus.RUNNING,
                                   "status_since": NOW - timedelta(hours=2), "last_sample_at": NOW - MIN}
    defaults.update(kw)
    return PodState(pod=p or pod(), **defaults)  # type: ignore[arg-type]


def notice(key: str, *, kind: str = "idle_warning", state_: NoticeState = NoticeState.SENT, pod_id: str = "pod1",
           sent: datetime = NOW - timedelta(minutes=16), due: datetime | None = None) -> Notice:
    return Notice(key=key, kind=kind, state=state_, created_at=sent, updated_at=sent, pod_id=pod_id,
                  due_at=due if due is not None else sent + timedelta(minutes=15))


A = TypeVar("A", bound=Action)


def only(actions: Sequence[Action], kind: type[A]) -> list[A]:
    return [a for a in actions if isinstance(a, kind)]


# -- telemetry --------------------------------------------------------------------------------------


def test_verdict_reads_every_gpu_and_the_cpu() -> None:
    thresholds = IdleThresholds(gpu_percent=5, cpu_percent=10)
    assert verdict(pod(gpu=5, cpu=9), thresholds) is Verdict.IDLE
    assert verdict(pod(gpu=6, cpu=1), thresholds) is Verdict.BUSY
    assert verdict(pod(gpu=0, cpu=10), thresholds) is Verdict.BUSY


def test_missing_telemetry_is_unknown_never_idle() -> None:
    thresholds = IdleThresholds()
    assert verdict(pod(gpu=None), thresholds) is Verdict.UNKNOWN
    assert verdict(pod(cpu=None), thresholds) is Verdict.UNKNOWN
    assert verdict(replace(pod(), runtime=None), thresholds) is Verdict.UNKNOWN
    assert verdict(replace(pod(), runtime=PodRuntime(cpu_percent=0)), thresholds) is Verdict.UNKNOWN
    assert Verdict.UNKNOWN.idle is None
    assert Verdict.IDLE.idle is True
    assert Verdict.BUSY.idle is False


def test_idle_clock_continues_starts_and_stops() -> None:
    since = NOW - timedelta(minutes=10)
    assert next_idle_since(since, verdict=Verdict.IDLE, now=NOW) == since
    assert next_idle_since(None, verdict=Verdict.IDLE, now=NOW) == NOW
    assert next_idle_since(since, verdict=Verdict.BUSY, now=NOW) is None
    assert next_idle_since(since, verdict=Verdict.UNKNOWN, now=NOW) is None


def test_a_gap_in_the_readings_keeps_the_idle_clock_and_a_stop_still_needs_the_warning() -> None:
    since = NOW - timedelta(minutes=40)
    after_gap = state(idle_since=since, last_sample_at=NOW - timedelta(minutes=10))  # ten ticks unread
    actions = decide(Snapshot(pods=(after_gap,)), POLICY, NOW)
    assert actions == [
        TrackPod("pod1", Verdict.IDLE, since, (1,), 1),
        WarnIdle("idle:pod1:20261123T112000Z", "U0ALICE", "pod1", "pod1-name", since, NOW + timedelta(minutes=15),
                 Decimal("1.89")),
    ]


# -- idle: warn, withdraw, stop ----------------------------------------------------------------------


def test_an_idle_pod_is_tracked_then_warned_after_the_window() -> None:
    fresh = decide(Snapshot(pods=(state(idle_since=None),)), POLICY, NOW)
    assert fresh == [TrackPod("pod1", Verdict.IDLE, NOW, (1,), 1)]
    since = NOW - timedelta(minutes=30)
    actions = decide(Snapshot(pods=(state(idle_since=since),)), POLICY, NOW)
    assert actions == [
        TrackPod("pod1", Verdict.IDLE, since, (1,), 1),
        WarnIdle("idle:pod1:20261123T113000Z", "U0ALICE", "pod1", "pod1-name", since, NOW + timedelta(minutes=15),
                 Decimal("1.89")),
    ]


def test_not_warned_before_the_window_ends() -> None:
    since = NOW - timedelta(minutes=29)
    assert only(decide(Snapshot(pods=(state(idle_since=since),)), POLICY, NOW), WarnIdle) == []


def test_a_warning_not_yet_delivered_is_sent_again_and_never_stops_the_pod() -> None:
    since = NOW - timedelta(hours=3)
    key = "idle:pod1:20261123T090000Z"
    for undelivered in (NoticeState.PENDING, NoticeState.SENDING, NoticeState.FAILED):
        snap = Snapshot(pods=(state(idle_since=since),),
                        notices={key: notice(key, state_=undelivered, sent=NOW - timedelta(hours=2))})
        actions = decide(snap, POLICY, NOW)
        assert only(actions, StopPod) == []
        assert [a.key for a in only(actions, WarnIdle)] == [key]


def test_stopped_after_a_delivered_warning_and_its_grace() -> None:
    since = NOW - timedelta(minutes=46)
    key = "idle:pod1:20261123T111400Z"
    snap = Snapshot(pods=(state(idle_since=since, storage_per_hr=Decimal("0.01")),),
                    notices={key: notice(key, sent=NOW - timedelta(minutes=15))})
    assert decide(snap, POLICY, NOW)[1:] == [
        StopPod("stopped:pod1:20261123T111400Z", "U0ALICE", "pod1", "pod1-name", StopReason.IDLE, Decimal("1.89"),
                Decimal("0.01"), warning_key=key),
    ]
    early = Snapshot(pods=snap.pods, notices={key: notice(key, sent=NOW - timedelta(minutes=14))})
    assert only(decide(early, POLICY, NOW), StopPod) == []


def test_a_late_delivery_still_gets_the_whole_grace() -> None:
    since = NOW - timedelta(hours=2)
    key = "idle:pod1:20261123T100000Z"
    late = notice(key, sent=NOW - timedelta(minutes=5), due=NOW - timedelta(minutes=60))
    assert only(decide(Snapshot(pods=(state(idle_since=since),), notices={key: late}), POLICY, NOW), StopPod) == []


def test_activity_returning_withdraws_the_warning() -> None:
    key = "idle:pod1:20261123T112000Z"
    snap = Snapshot(pods=(state(pod(gpu=80), idle_since=NOW - timedelta(minutes=40)),),
                    notices={key: notice(key, sent=NOW - timedelta(minutes=5))})
    assert decide(snap, POLICY, NOW) == [
        TrackPod("pod1", Verdict.BUSY, None, (80,), 1),
        WithdrawWarning(key, "busy again"),
    ]


def test_a_pod_with_no_telemetry_is_never_warned_or_stopped() -> None:
    key = "idle:pod1:20261123T100000Z"
    snap = Snapshot(pods=(state(pod(gpu=None), idle_since=NOW - timedelta(hours=2)),),
                    notices={key: notice(key)})
    actions = decide(snap, POLICY, NOW)
    assert actions == [TrackPod("pod1", Verdict.UNKNOWN, None, (None,), 1), WithdrawWarning(key, "busy again")]


def test_a_two_gpu_pod_with_one_gpu_unreported_is_never_warned_or_stopped() -> None:
    key = "idle:pod1:20261123T100000Z"
    one_seen = replace(pod(gpu=0), gpu_count=2)  # RunPod listed one GPU of two
    unread = replace(one_seen, runtime=PodRuntime(uptime_seconds=7200, cpu_percent=1, gpus=(
        GpuTelemetry("gpu0", 0, 0), GpuTelemetry("gpu1", None, None))))  # RunPod listed the second as null
    for p in (one_seen, unread):
        actions = decide(Snapshot(pods=(state(p, idle_since=NOW - timedelta(hours=2)),), notices={key: notice(key)}),
                         POLICY, NOW)
        assert only(actions, WarnIdle) == []
        assert only(actions, StopPod) == []
        assert only(actions, TrackPod)[0].verdict is Verdict.UNKNOWN
        assert only(actions, WithdrawWarning) == [WithdrawWarning(key, "busy again")]


def test_a_young_pod_is_never_idle() -> None:
    young = state(pod(uptime=19 * 60), idle_since=None)
    assert decide(Snapshot(pods=(young,)), POLICY, NOW) == [TrackPod("pod1", Verdict.BUSY, None, (1,), 1)]
    no_uptime = state(pod(uptime=None), previous_status=None, status_since=None)
    assert decide(Snapshot(pods=(no_uptime,)), POLICY, NOW)[0] == TrackPod("pod1", Verdict.BUSY, None, (1,), 1)


def test_a_keep_withdraws_the_warning_and_holds_until_it_expires() -> None:
    key = "idle:pod1:20261123T100000Z"
    kept = state(idle_since=NOW - timedelta(hours=2), snoozed_until=NOW + timedelta(minutes=1))
    assert decide(Snapshot(pods=(kept,), notices={key: notice(key)}), POLICY, NOW) == [
        TrackPod("pod1", Verdict.IDLE, None, (1,), 1), WithdrawWarning(key, "kept"),
    ]
    expired = replace(kept, snoozed_until=NOW, idle_since=None)
    assert decide(Snapshot(pods=(expired,)), POLICY, NOW) == [TrackPod("pod1", Verdict.IDLE, NOW, (1,), 1)]


def test_a_held_shutdown_notice_of_a_stop_that_did_not_happen_is_withdrawn_once_not_wanted() -> None:
    key = "idle:pod1:20261123T111400Z"
    stop_key = "stopped:pod1:20261123T111400Z"
    held = notice(stop_key, kind="pod_stopped", state_=NoticeState.PENDING, sent=NOW - MIN)
    busy = Snapshot(pods=(state(pod(gpu=80), idle_since=NOW - timedelta(minutes=47)),),
                    notices={key: notice(key, sent=NOW - timedelta(minutes=16)), stop_key: held})
    assert decide(busy, POLICY, NOW)[1:] == [
        WithdrawWarning(key, "busy again"), WithdrawWarning(stop_key, "still running"),
    ]
    still_idle = replace(busy, pods=(state(idle_since=NOW - timedelta(minutes=46)),))
    assert [a.key for a in only(decide(still_idle, POLICY, NOW), StopPod)] == [stop_key]  # tried again, same key
    assert only(decide(still_idle, POLICY, NOW), WithdrawWarning) == []
    down = replace(busy, pods=(state(pod(status=PodStatus.EXITED)),))
    assert decide(down, POLICY, NOW) == [WithdrawWarning(key, "stopped")]  # the shell releases the held notice


def test_a_pod_stopped_elsewhere_has_its_warning_withdrawn() -> None:
    key = "idle:pod1:20261123T100000Z"
    snap = Snapshot(pods=(state(pod(status=PodStatus.EXITED)),), notices={key: notice(key)})
    assert decide(snap, POLICY, NOW) == [WithdrawWarning(key, "stopped")]


def test_a_failed_fleet_read_decides_nothing_about_pods() -> None:
    key = "idle:pod1:20261123T100000Z"
    assert decide(Snapshot(pods=None, notices={key: notice(key)}), POLICY, NOW) == []


def test_an_unowned_idle_pod_is_warned_in_the_notice_channel_and_reported_once() -> None:
    since = NOW - timedelta(hours=1)
    snap = Snapshot(pods=(state(owner_id=None, idle_since=since),))
    actions = decide(snap, POLICY, NOW)
    assert actions[0] == ReportUnowned("unowned:pod1", "C0NOTICE", "pod1", "pod1-name", Decimal("1.89"))
    assert [a.to for a in only(actions, WarnIdle)] == ["C0NOTICE"]
    reported = Snapshot(pods=snap.pods, notices={"unowned:pod1": notice("unowned:pod1", kind="unowned")})
    assert only(decide(reported, POLICY, NOW), ReportUnowned) == []


def test_nobody_to_tell_means_no_warning_and_no_stop() -> None:
    snap = Snapshot(pods=(state(owner_id=None, idle_since=NOW - timedelta(hours=5)),))
    actions = decide(snap, Policy(), NOW)
    assert only(actions, WarnIdle) == []
    assert only(actions, StopPod) == []


def test_outside_pods_are_adopted_by_the_longest_name_prefix() -> None:
    snap = Snapshot(pods=(state(pod(name="bob-exp-7"), owner_id=None),),
                    prefixes=(("b", "U0BEA"), ("bob-", "U0BOB")))
    actions = decide(snap, POLICY, NOW)
    assert actions[0] == AdoptPod("pod1", "U0BOB")
    assert only(actions, ReportUnowned) == []


# -- deadlines ---------------------------------------------------------------------------------------


def test_a_max_hours_pod_is_warned_fifteen_minutes_before_then_stopped_at_the_deadline() -> None:
    deadline = NOW + timedelta(minutes=15)
    busy = state(pod(gpu=90), deadline_at=deadline)
    assert only(decide(Snapshot(pods=(busy,)), POLICY, NOW - MIN), WarnDeadline) == []
    assert only(decide(Snapshot(pods=(busy,)), POLICY, NOW), WarnDeadline) == [
        WarnDeadline("deadline:pod1:20261123T121500Z", "U0ALICE", "pod1", "pod1-name", deadline, Decimal("1.89")),
    ]
    key = "deadline:pod1:20261123T121500Z"
    sent = {key: notice(key, kind="deadline_warning", sent=NOW)}
    assert only(decide(Snapshot(pods=(busy,), notices=sent), POLICY, deadline - MIN), StopPod) == []
    assert only(decide(Snapshot(pods=(busy,), notices=sent), POLICY, deadline), StopPod) == [
        StopPod("stopped:pod1:20261123T121500Z", "U0ALICE", "pod1", "pod1-name", StopReason.DEADLINE,
                Decimal("1.89"), Decimal(0), warning_key=key),
    ]


def test_a_kept_deadline_pod_is_not_stopped() -> None:
    key = "deadline:pod1:20261123T110000Z"
    kept = state(pod(gpu=90), deadline_at=NOW - timedelta(hours=1), snoozed_until=NOW + timedelta(hours=1))
    sent = {key: notice(key, kind="deadline_warning", sent=NOW - timedelta(hours=2))}
    assert only(decide(Snapshot(pods=(kept,), notices=sent), POLICY, NOW), StopPod) == []


def test_an_undelivered_deadline_warning_never_stops() -> None:
    key = "deadline:pod1:20261123T110000Z"
    late = state(pod(gpu=90), deadline_at=NOW - timedelta(hours=1))
    failed = {key: notice(key, kind="deadline_warning", state_=NoticeState.FAILED)}
    actions = decide(Snapshot(pods=(late,), notices=failed), POLICY, NOW)
    assert only(actions, StopPod) == []
    assert len(only(actions, WarnDeadline)) == 1


# -- SSH, evictions, storage, volumes ----------------------------------------------------------------


def test_an_ssh_port_change_is_told_once() -> None:
    moved = state(pod(gpu=90, ssh=("1.2.3.4", 40022)), previous_ssh=("1.2.3.4", 30022))
    assert only(decide(Snapshot(pods=(moved,)), POLICY, NOW), NotifySshChanged) == [
        NotifySshChanged("ssh:pod1:1.2.3.4:40022", "U0ALICE", "pod1", "pod1-name", "1.2.3.4", 40022,
                         ("1.2.3.4", 30022)),
    ]
    told = {"ssh:pod1:1.2.3.4:40022": notice("ssh:pod1:1.2.3.4:40022", kind="ssh_changed")}
    assert only(decide(Snapshot(pods=(moved,), notices=told), POLICY, NOW), NotifySshChanged) == []


def test_a_pod_podwarden_started_gets_its_ssh_command_once_it_runs() -> None:
    ready = state(pod(gpu=90, ssh=("1.2.3.4", 30022)), created_by_podwarden=True)
    assert only(decide(Snapshot(pods=(ready,)), POLICY, NOW), NotifySshReady) == [
        NotifySshReady("ssh-ready:pod1", "U0ALICE", "pod1", "pod1-name", "1.2.3.4", 30022),
    ]
    outside = replace(ready, created_by_podwarden=False)
    assert only(decide(Snapshot(pods=(outside,)), POLICY, NOW), NotifySshReady) == []


def test_a_spot_eviction_is_reported_with_the_on_demand_quote() -> None:
    since = NOW - timedelta(hours=1)
    evicted = state(pod(status=PodStatus.EXITED, spot=True), status_since=since, on_demand_per_hr=Decimal("1.89"))
    assert decide(Snapshot(pods=(evicted,)), POLICY, NOW) == [
        ReportEviction("evicted:pod1:20261123T110000Z", "U0ALICE", "pod1", "pod1-name", "NVIDIA A100 80GB PCIe", 1,
                       Decimal("1.89")),
    ]
    ours = replace(evicted, stopped_by_us_at=NOW - MIN)
    assert decide(Snapshot(pods=(ours,)), POLICY, NOW) == []
    on_demand = replace(evicted, pod=pod(status=PodStatus.EXITED, spot=False))
    assert decide(Snapshot(pods=(on_demand,)), POLICY, NOW) == []


def test_a_long_stopped_pod_reports_its_storage_once() -> None:
    since = NOW - timedelta(days=7)
    stopped = state(pod(status=PodStatus.EXITED), previous_status=PodStatus.EXITED, status_since=since,
                    storage_per_hr=Decimal("0.0139"))
    assert decide(Snapshot(pods=(stopped,)), POLICY, NOW) == [
        ReportStoppedStorage("stopped-storage:pod1:20261116T120000Z", "U0ALICE", "pod1", "pod1-name", since,
                             Decimal("10.01")),
    ]
    assert decide(Snapshot(pods=(replace(stopped, status_since=since + MIN),)), POLICY, NOW) == []


def test_an_unattached_network_volume_is_reported_once() -> None:
    volumes = (VolumeState("vol1", "datasets", 500, Decimal("35.00")), VolumeState("vol2", "ckpt", 10, Decimal("0.70")))
    snap = Snapshot(pods=(state(pod(gpu=90, network_volume_id="vol2")),), volumes=volumes)
    assert only(decide(snap, POLICY, NOW), ReportUnattachedVolume) == [
        ReportUnattachedVolume("volume:vol1", "C0NOTICE", "vol1", "datasets", 500, Decimal("35.00")),
    ]
    told = replace(snap, notices={"volume:vol1": notice("volume:vol1", kind="unattached_volume", pod_id="")})
    assert only(decide(told, POLICY, NOW), ReportUnattachedVolume) == []


# -- money -------------------------------------------------------------------------------------------


def test_runway_is_warned_once_a_day_when_the_balance_runs_out_within_two_days() -> None:
    low = Account("acct", balance=Decimal("90"), spend_per_hr=Decimal("2"), spend_limit_per_hr=None)
    assert decide(Snapshot(pods=None, account=low), POLICY, NOW) == [
        WarnRunway("runway:2026-11-23", "C0NOTICE", Decimal("90"), Decimal("2"), Decimal("45.0")),
    ]
    told = {"runway:2026-11-23": notice("runway:2026-11-23", kind="runway", pod_id="")}
    assert decide(Snapshot(pods=None, account=low, notices=told), POLICY, NOW) == []
    fine = replace(low, balance=Decimal("96"))
    assert decide(Snapshot(pods=None, account=fine), POLICY, NOW) == []


def test_active_workers_without_jobs_for_a_day_are_reported() -> None:
    endpoint = Endpoint("ep1", "embeddings", None, ("AMPERE_16",), workers_min=1, workers_max=3)
    idle = EndpointState(endpoint, owner_id="U0BOB", jobless_since=NOW - timedelta(days=1),
                         active_cost_per_hr=Decimal("0.49"))
    assert decide(Snapshot(pods=None, endpoints=(idle,)), POLICY, NOW) == [
        ReportIdleWorkers("idle-workers:ep1:20261122T120000Z", "U0BOB", "ep1", "embeddings", 1, Decimal("0.49")),
    ]
    assert decide(Snapshot(pods=None, endpoints=(replace(idle, jobless_since=NOW - timedelta(hours=23)),)),
                  POLICY, NOW) == []
    scaled = replace(idle, endpoint=replace(endpoint, workers_min=0))
    assert decide(Snapshot(pods=None, endpoints=(scaled,)), POLICY, NOW) == []


def test_a_hard_hourly_cap_that_stops_names_the_newest_pods_until_under_then_stops_them_once_told() -> None:
    old = state(pod("old", gpu=90, cost="2.00"), status_since=NOW - timedelta(hours=5))
    mid = state(pod("mid", gpu=90, cost="2.00"), status_since=NOW - timedelta(hours=2))
    new = state(pod("new", gpu=90, cost="2.00"), status_since=NOW - timedelta(hours=1))
    cap = CapState(BudgetScope.GLOBAL, "*", BudgetPeriod.HOUR, Decimal("3"), "2026-11-23T12", hard=True, stop=True)
    key = "cap:global:*:hour:2026-11-23T12:stop:new+mid"
    first = decide(Snapshot(pods=(old, mid, new), caps=(cap,)), POLICY, NOW)
    assert only(first, CapWarning) == [
        CapWarning(key, "C0NOTICE", BudgetScope.GLOBAL, "*", BudgetPeriod.HOUR, Decimal("3"), Decimal("6.00"), True,
                   ("new", "mid")),
    ]
    assert only(first, StopPod) == []  # nobody has been told yet
    for undelivered in (NoticeState.PENDING, NoticeState.SENDING, NoticeState.FAILED):
        told = {key: notice(key, kind="cap", pod_id="", state_=undelivered, sent=NOW - timedelta(hours=1))}
        assert only(decide(Snapshot(pods=(old, mid, new), caps=(cap,), notices=told), POLICY, NOW), StopPod) == []
    just_told = {key: notice(key, kind="cap", pod_id="", sent=NOW)}
    assert only(decide(Snapshot(pods=(old, mid, new), caps=(cap,), notices=just_told), POLICY, NOW), StopPod) == []
    told_a_tick_ago = {key: notice(key, kind="cap", pod_id="", sent=NOW - MIN)}
    stops = only(decide(Snapshot(pods=(old, mid, new), caps=(cap,), notices=told_a_tick_ago), POLICY, NOW), StopPod)
    assert [(a.key, a.to, a.pod_id, a.reason, a.warning_key) for a in stops] == [
        ("stopped:new:cap:2026-11-23T12", "U0ALICE", "new", StopReason.CAP, key),
        ("stopped:mid:cap:2026-11-23T12", "U0ALICE", "mid", StopReason.CAP, key),
    ]


def test_a_soft_or_warn_only_cap_only_warns_once_per_window() -> None:
    busy = state(pod(gpu=90, cost="2.00"))
    cap = CapState(BudgetScope.USER, "U0ALICE", BudgetPeriod.DAY, Decimal("40"), "2026-11-23",
                   spent=Decimal("41.50"))
    actions = decide(Snapshot(pods=(busy,), caps=(cap,)), POLICY, NOW)
    assert only(actions, CapWarning) == [
        CapWarning("cap:user:U0ALICE:day:2026-11-23", "U0ALICE", BudgetScope.USER, "U0ALICE", BudgetPeriod.DAY,
                   Decimal("40"), Decimal("41.50"), False, ()),
    ]
    assert only(actions, StopPod) == []
    told = {"cap:user:U0ALICE:day:2026-11-23": notice("cap:user:U0ALICE:day:2026-11-23", kind="cap", pod_id="")}
    assert only(decide(Snapshot(pods=(busy,), caps=(cap,), notices=told), POLICY, NOW), CapWarning) == []


def test_a_team_cap_covers_only_the_teams_pods() -> None:
    ours = state(pod("ours", gpu=90, cost="5"), team="vision")
    theirs = state(pod("theirs", gpu=90, cost="5"), team="nlp")
    cap = CapState(BudgetScope.TEAM, "vision", BudgetPeriod.HOUR, Decimal("4"), "h", hard=True, stop=True)
    [warning] = only(decide(Snapshot(pods=(ours, theirs), caps=(cap,)), POLICY, NOW), CapWarning)
    assert warning.stopping == ("ours",)
    told = {warning.key: notice(warning.key, kind="cap", pod_id="", sent=NOW - MIN)}
    stops = only(decide(Snapshot(pods=(ours, theirs), caps=(cap,), notices=told), POLICY, NOW), StopPod)
    assert [a.pod_id for a in stops] == ["ours"]


def test_one_pod_is_stopped_once_even_when_two_rules_want_it() -> None:
    key = "idle:pod1:20261123T100000Z"
    dkey = "deadline:pod1:20261123T110000Z"
    both = state(idle_since=NOW - timedelta(hours=2), deadline_at=NOW - timedelta(hours=1))
    notices = {key: notice(key), dkey: notice(dkey, kind="deadline_warning", sent=NOW - timedelta(hours=2))}
    assert len(only(decide(Snapshot(pods=(both,), notices=notices), POLICY, NOW), StopPod)) == 1


def test_a_deadline_moved_by_keep_withdraws_the_old_warning() -> None:
    old_key = "deadline:pod1:20261123T121000Z"
    moved = state(pod(gpu=90), deadline_at=NOW + timedelta(hours=1))
    notices = {old_key: notice(old_key, kind="deadline_warning")}
    assert decide(Snapshot(pods=(moved,), notices=notices), POLICY, NOW)[1:] == [
        WithdrawWarning(old_key, "extended"),
    ]
    stopped = state(pod(status=PodStatus.EXITED), deadline_at=NOW)
    assert decide(Snapshot(pods=(stopped,), notices=notices), POLICY, NOW) == [WithdrawWarning(old_key, "stopped")]
