"""The daemon's decisions at their edges: each test here was written for a mutant of
`podwarden/domain/lifecycle.py` the rule-by-rule tests let through (docs/mutation-report.md)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from podwarden.domain.ledger_values import BudgetPeriod, BudgetScope
from podwarden.domain.lifecycle import (
    AdoptPod,
    CapState,
    CapWarning,
    NotifySshReady,
    PodState,
    Policy,
    ReportEviction,
    ReportStoppedStorage,
    ReportUnowned,
    Snapshot,
    StopPod,
    StopReason,
    TrackPod,
    WarnIdle,
    WarnRunway,
    decide,
)
from podwarden.domain.models import Account, PodStatus
from tests.unit.test_lifecycle import MIN, NOW, POLICY, notice, only, pod, state


def test_a_pod_seen_for_the_first_time_is_not_one_podwarden_started() -> None:
    # A pod the ledger has no memory of (created in RunPod's console) with SSH up: no "SSH ready" note.
    first_seen = PodState(pod=pod(ssh=("203.0.113.7", 40022)), owner_id="U0ALICE")
    assert only(decide(Snapshot(pods=(first_seen,)), POLICY, NOW), NotifySshReady) == []


def test_a_hard_cap_without_the_stop_policy_warns_and_stops_nothing() -> None:
    # The fleet-wide hourly ceiling is a hard cap that refuses starts; it never stops running pods.
    cap = CapState(BudgetScope.GLOBAL, "*", BudgetPeriod.HOUR, Decimal("1.00"), "2026-11-23T12", hard=True)
    pods = (state(pod("pod1", gpu=90)),)
    key = "cap:global:*:hour:2026-11-23T12"
    told = {key: notice(key, kind="cap", pod_id="", sent=NOW - timedelta(hours=1))}
    actions = decide(Snapshot(pods=pods, caps=(cap,), notices=told), POLICY, NOW)
    assert only(actions, StopPod) == []
    assert only(decide(Snapshot(pods=pods, caps=(cap,)), POLICY, NOW), CapWarning)[0].stopping == ()


def test_a_pod_whose_age_nobody_knows_is_not_idle() -> None:
    # No uptime from RunPod and no running status in the ledger before: its age is unknown, so it
    # is treated as too young to be idle however long ago the ledger first saw it.
    quiet = pod(gpu=0, cpu=0, uptime=None)
    unknown_age = state(quiet, previous_status=None, status_since=NOW - timedelta(hours=3),
                        idle_since=NOW - timedelta(hours=1))
    actions = decide(Snapshot(pods=(unknown_age,)), POLICY, NOW)
    assert only(actions, WarnIdle) == []
    assert only(actions, TrackPod)[0].idle_since is None
    # Seen running by the ledger for three hours: that is its age, and an idle hour is warned.
    known = replace(unknown_age, previous_status=PodStatus.RUNNING)
    assert len(only(decide(Snapshot(pods=(known,)), POLICY, NOW), WarnIdle)) == 1


def test_a_pod_that_just_stopped_does_not_report_its_storage_yet() -> None:
    # Stopped this tick after running for a week: its storage clock starts now, not a week ago.
    just_stopped = state(pod(status=PodStatus.EXITED), previous_status=PodStatus.RUNNING,
                         status_since=NOW - timedelta(days=8), storage_per_hr=Decimal("0.0139"))
    assert only(decide(Snapshot(pods=(just_stopped,)), POLICY, NOW), ReportStoppedStorage) == []


def test_no_notice_channel_means_no_runway_warning() -> None:
    low = Account("acct", balance=Decimal("90"), spend_per_hr=Decimal("2"), spend_limit_per_hr=None)
    assert only(decide(Snapshot(pods=None, account=low), Policy(), NOW), WarnRunway) == []
    nothing_running = replace(low, spend_per_hr=Decimal(0))
    assert decide(Snapshot(pods=None, account=nothing_running), POLICY, NOW) == []


def test_a_pod_is_never_stopped_before_the_time_its_warning_announced() -> None:
    # The warning said "stops at 12:14" (a 30-minute grace then); the grace is 15 minutes now.
    since = NOW - timedelta(hours=1)
    key = "idle:pod1:20261123T110000Z"
    promised = notice(key, sent=NOW - timedelta(minutes=16), due=NOW + timedelta(minutes=14))
    snap = Snapshot(pods=(state(idle_since=since),), notices={key: promised})
    assert only(decide(snap, POLICY, NOW), StopPod) == []
    assert len(only(decide(snap, POLICY, NOW + timedelta(minutes=14)), StopPod)) == 1


def test_a_keep_ends_at_its_time_and_the_deadline_stop_goes_ahead() -> None:
    key = "deadline:pod1:20261123T110000Z"
    sent = {key: notice(key, kind="deadline_warning", sent=NOW - timedelta(hours=2))}
    kept = state(pod(gpu=90), deadline_at=NOW - timedelta(hours=1), snoozed_until=NOW + MIN)
    assert only(decide(Snapshot(pods=(kept,), notices=sent), POLICY, NOW), StopPod) == []
    ended = replace(kept, snoozed_until=NOW)
    assert [a.reason for a in only(decide(Snapshot(pods=(ended,), notices=sent), POLICY, NOW), StopPod)] == [
        StopReason.DEADLINE]


def test_a_deadline_warning_delivered_late_still_gives_five_minutes() -> None:
    # The deadline passed an hour ago while Slack was down; the warning got through two minutes ago.
    key = "deadline:pod1:20261123T110000Z"
    late = state(pod(gpu=90), deadline_at=NOW - timedelta(hours=1))
    sent = {key: notice(key, kind="deadline_warning", sent=NOW - timedelta(minutes=2))}
    assert only(decide(Snapshot(pods=(late,), notices=sent), POLICY, NOW), StopPod) == []
    later = NOW + timedelta(minutes=3)
    assert len(only(decide(Snapshot(pods=(late,), notices=sent), POLICY, later), StopPod)) == 1


def test_the_ssh_command_is_sent_once_and_not_for_a_pod_whose_ssh_was_already_known() -> None:
    ready = state(pod(gpu=90, ssh=("1.2.3.4", 30022)), created_by_podwarden=True)
    told = {"ssh-ready:pod1": notice("ssh-ready:pod1", kind="ssh_ready")}
    assert only(decide(Snapshot(pods=(ready,), notices=told), POLICY, NOW), NotifySshReady) == []
    known = replace(ready, previous_ssh=("1.2.3.4", 30022))
    assert only(decide(Snapshot(pods=(known,)), POLICY, NOW), NotifySshReady) == []


def test_a_long_stopped_pod_that_costs_nothing_stopped_is_not_reported() -> None:
    free = state(pod(status=PodStatus.EXITED), previous_status=PodStatus.EXITED,
                 status_since=NOW - timedelta(days=30), storage_per_hr=Decimal(0))
    assert only(decide(Snapshot(pods=(free,)), POLICY, NOW), ReportStoppedStorage) == []


def test_a_cap_under_its_amount_says_nothing_and_an_hourly_cap_with_nothing_running_neither() -> None:
    busy = state(pod(gpu=90, cost="2.00"))
    under = CapState(BudgetScope.USER, "U0ALICE", BudgetPeriod.DAY, Decimal("40"), "2026-11-23",
                     spent=Decimal("39.99"), hard=True, stop=True)
    assert decide(Snapshot(pods=(busy,), caps=(under,)), POLICY, NOW) == decide(Snapshot(pods=(busy,)), POLICY, NOW)
    stopped = state(pod(status=PodStatus.EXITED), previous_status=PodStatus.EXITED)
    zero = CapState(BudgetScope.GLOBAL, "*", BudgetPeriod.HOUR, Decimal(0), "2026-11-23T12", hard=True)
    assert only(decide(Snapshot(pods=(stopped,), caps=(zero,)), POLICY, NOW), CapWarning) == []


def test_a_pod_twenty_minutes_old_can_be_idle_and_one_a_second_younger_cannot() -> None:
    quiet = pod(gpu=0, cpu=0, uptime=20 * 60)
    assert only(decide(Snapshot(pods=(state(quiet),)), POLICY, NOW), TrackPod)[0].idle_since == NOW
    younger = replace(quiet, runtime=replace(quiet.runtime, uptime_seconds=20 * 60 - 1))
    assert only(decide(Snapshot(pods=(state(younger),)), POLICY, NOW), TrackPod)[0].idle_since is None


def test_a_pod_whose_name_matches_no_prefix_is_not_adopted() -> None:
    snap = Snapshot(pods=(state(pod(name="carol-exp"), owner_id=None),), prefixes=(("bob-", "U0BOB"),))
    actions = decide(snap, POLICY, NOW)
    assert only(actions, AdoptPod) == []
    assert [a.pod_id for a in only(actions, ReportUnowned)] == ["pod1"]


def test_a_spot_pod_we_stopped_earlier_then_evicted_after_a_resume_is_reported() -> None:
    since = NOW - timedelta(hours=1)  # running again since then, down now
    evicted = state(pod(status=PodStatus.EXITED, spot=True), status_since=since,
                    stopped_by_us_at=since - timedelta(days=1))
    assert [a.key for a in only(decide(Snapshot(pods=(evicted,)), POLICY, NOW), ReportEviction)] == [
        "evicted:pod1:20261123T110000Z"]
    # Stopped by us in the tick that saw it go down: the same instant, and ours.
    ours = replace(evicted, stopped_by_us_at=since)
    assert only(decide(Snapshot(pods=(ours,)), POLICY, NOW), ReportEviction) == []


def test_a_cap_reached_to_the_cent_is_told() -> None:
    busy = state(pod(gpu=90, cost="2.00"))
    exactly = CapState(BudgetScope.USER, "U0ALICE", BudgetPeriod.DAY, Decimal("40"), "2026-11-23", spent=Decimal("40"))
    assert [w.spent for w in only(decide(Snapshot(pods=(busy,), caps=(exactly,)), POLICY, NOW), CapWarning)] == [
        Decimal("40")]


def test_a_stopping_hourly_cap_stops_pods_only_until_the_rate_is_at_the_cap() -> None:
    old = state(pod("old", gpu=90, cost="2.00"), status_since=NOW - timedelta(hours=5))
    mid = state(pod("mid", gpu=90, cost="2.00"), status_since=NOW - timedelta(hours=2))
    new = state(pod("new", gpu=90, cost="2.00"), status_since=NOW - timedelta(hours=1))
    cap = CapState(BudgetScope.GLOBAL, "*", BudgetPeriod.HOUR, Decimal("4"), "2026-11-23T12", hard=True, stop=True)
    [warning] = only(decide(Snapshot(pods=(old, mid, new), caps=(cap,)), POLICY, NOW), CapWarning)
    assert warning.stopping == ("new",)  # $4.00/h left running: at the cap is allowed


def test_an_unowned_pod_is_reported_only_while_it_exists_and_only_to_a_notice_channel() -> None:
    gone = state(pod(status=PodStatus.TERMINATED), owner_id=None, previous_status=PodStatus.RUNNING)
    assert only(decide(Snapshot(pods=(gone,)), POLICY, NOW), ReportUnowned) == []
    stray = state(pod(gpu=90), owner_id=None)
    assert only(decide(Snapshot(pods=(stray,)), Policy(), NOW), ReportUnowned) == []


def test_a_balance_lasting_just_under_the_runway_is_warned_even_if_it_rounds_up() -> None:
    # $95.98 at $2/h lasts 47.99 h: under the 48 h of the policy, though it reads "48.0 h".
    short = Account("acct", balance=Decimal("95.98"), spend_per_hr=Decimal("2"), spend_limit_per_hr=None)
    assert [w.hours_left for w in only(decide(Snapshot(pods=None, account=short), POLICY, NOW), WarnRunway)] == [
        Decimal("48.0")]
    enough = replace(short, balance=Decimal("96"))
    assert only(decide(Snapshot(pods=None, account=enough), POLICY, NOW), WarnRunway) == []
