"""Recording what RunPod says about pods: rows kept current, usage kept as intervals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.domain.ledger_values import PodInterval
from podwarden.domain.models import Pod, PodStatus
from podwarden.errors import LedgerError

MINUTE = timedelta(minutes=1)
PodMaker = Callable[..., Pod]


def test_a_new_pod_opens_an_interval_at_the_instant_it_was_seen(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    changes = ledger.observe_pods([pod()], now=t0, owners={"pod-a100": "U0ALICE"})

    assert [(c.pod_id, c.new, c.status) for c in changes] == [("pod-a100", True, PodStatus.RUNNING)]
    assert ledger.pod_intervals("pod-a100") == [
        PodInterval("pod-a100", PodStatus.RUNNING, Decimal("1.89"), started_at=t0, ended_at=None)
    ]
    record = ledger.pod("pod-a100")
    assert record is not None
    assert (record.owner_id, record.ssh_ip, record.ssh_port) == ("U0ALICE", "203.0.113.7", 40122)
    assert record.created_at == t0
    assert record.created_at.tzinfo is UTC


def test_the_same_snapshot_recorded_twice_changes_nothing(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    ledger.observe_pods([pod(), pod("pod-4090", cost="0.34")], now=t0)

    assert ledger.observe_pods([pod(), pod("pod-4090", cost="0.34")], now=t0) == []
    assert ledger.observe_pods([pod(), pod("pod-4090", cost="0.34")], now=t0 + MINUTE) == []
    assert len(ledger.pod_intervals("pod-a100")) == 1
    record = ledger.pod("pod-a100")
    assert record is not None
    assert (record.updated_at, record.last_seen_at) == (t0, t0 + MINUTE)


def test_stopping_closes_the_billed_interval_and_opens_an_unbilled_one(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    ledger.observe_pods([pod()], now=t0)
    stopped_at = t0 + timedelta(minutes=90)

    (change,) = ledger.observe_pods([pod(status=PodStatus.EXITED)], now=stopped_at)

    assert (change.previous_status, change.status, change.status_changed) == (
        PodStatus.RUNNING, PodStatus.EXITED, True,
    )
    assert ledger.pod_intervals("pod-a100") == [
        PodInterval("pod-a100", PodStatus.RUNNING, Decimal("1.89"), t0, stopped_at),
        PodInterval("pod-a100", PodStatus.EXITED, Decimal(0), stopped_at, None),
    ]


def test_a_price_change_splits_the_interval(ledger: SqlLedger, pod: PodMaker, t0: datetime) -> None:
    ledger.observe_pods([pod(cost="0.34")], now=t0)

    (change,) = ledger.observe_pods([pod(cost="0.44")], now=t0 + MINUTE)

    assert (change.previous_cost_per_hr, change.cost_per_hr) == (Decimal("0.34"), Decimal("0.44"))
    assert [(i.cost_per_hr, i.started_at, i.ended_at) for i in ledger.pod_intervals("pod-a100")] == [
        (Decimal("0.34"), t0, t0 + MINUTE),
        (Decimal("0.44"), t0 + MINUTE, None),
    ]


def test_a_new_ssh_port_after_a_restart_is_reported_with_the_old_one(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    ledger.observe_pods([pod(ssh=("203.0.113.7", 40122))], now=t0)
    (stopped,) = ledger.observe_pods([pod(status=PodStatus.EXITED)], now=t0 + MINUTE)
    assert not stopped.ssh_changed  # a stopped pod reports no ports; the last known ones stay

    (resumed,) = ledger.observe_pods([pod(ssh=("198.51.100.4", 41777))], now=t0 + 2 * MINUTE)

    assert resumed.ssh_changed
    assert (resumed.previous_ssh, resumed.ssh) == (("203.0.113.7", 40122), ("198.51.100.4", 41777))


def test_a_snapshot_older_than_one_already_recorded_is_ignored(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    ledger.observe_pods([pod(status=PodStatus.EXITED)], now=t0 + MINUTE)

    assert ledger.observe_pods([pod(status=PodStatus.RUNNING)], now=t0) == []
    record = ledger.pod("pod-a100")
    assert record is not None
    assert record.status is PodStatus.EXITED


def test_a_complete_snapshot_terminates_pods_missing_from_it(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    ledger.observe_pods([pod("pod-a"), pod("pod-b")], now=t0, complete=True)

    changes = ledger.observe_pods([pod("pod-a")], now=t0 + MINUTE, complete=True)

    assert [(c.pod_id, c.previous_status, c.status) for c in changes] == [
        ("pod-b", PodStatus.RUNNING, PodStatus.TERMINATED)
    ]
    assert [p.id for p in ledger.pods()] == ["pod-a"]
    gone = ledger.pod("pod-b")
    assert gone is not None
    assert gone.terminated_at == t0 + MINUTE
    assert ledger.pod_intervals("pod-b")[-1].ended_at == t0 + MINUTE
    assert [p.id for p in ledger.pods(include_terminated=True)] == ["pod-a", "pod-b"]


def test_a_pod_runpod_reports_terminated_has_no_open_interval(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    ledger.observe_pods([pod()], now=t0)

    ledger.observe_pods([pod(status=PodStatus.TERMINATED)], now=t0 + MINUTE)

    assert [i.ended_at for i in ledger.pod_intervals("pod-a100")] == [t0 + MINUTE]


def test_two_changes_at_one_instant_leave_no_empty_interval(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    ledger.observe_pods([pod()], now=t0)
    ledger.observe_pods([pod(status=PodStatus.EXITED)], now=t0 + MINUTE)
    ledger.observe_pods([pod(status=PodStatus.RUNNING)], now=t0 + MINUTE)

    assert [(i.status, i.started_at, i.ended_at) for i in ledger.pod_intervals("pod-a100")] == [
        (PodStatus.RUNNING, t0, t0 + MINUTE),
        (PodStatus.RUNNING, t0 + MINUTE, None),
    ]


def test_owners_are_kept_and_can_be_changed(ledger: SqlLedger, pod: PodMaker, t0: datetime) -> None:
    ledger.observe_pods([pod()], now=t0, owners={"pod-a100": "U0ALICE"})
    ledger.observe_pods([pod()], now=t0 + MINUTE)  # the daemon does not know owners
    assert ledger.pod_owner("pod-a100") == "U0ALICE"

    ledger.set_pod_owner("pod-a100", "U0BOB", now=t0 + 2 * MINUTE)

    assert ledger.pod_owner("pod-a100") == "U0BOB"
    assert [p.id for p in ledger.pods(owner_id="U0BOB")] == ["pod-a100"]
    bob = ledger.member("U0BOB")
    assert bob is not None
    assert bob.role == "viewer"
    with pytest.raises(LedgerError, match="not in the ledger"):
        ledger.set_pod_owner("pod-unknown", "U0BOB", now=t0)


def test_times_in_any_zone_are_stored_as_the_same_utc_instant(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    berlin = t0.astimezone(ZoneInfo("Europe/Berlin"))

    ledger.observe_pods([pod()], now=berlin)

    (interval,) = ledger.pod_intervals("pod-a100")
    assert interval.started_at == t0
    assert interval.started_at.tzinfo is UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger.observe_pods([pod()], now=datetime(2026, 11, 23, 10, 0))
