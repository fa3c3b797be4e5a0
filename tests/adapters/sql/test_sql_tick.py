"""One tick's observations in one transaction: intervals with idleness and attribution,
idle clocks, roll-ups, adoptions and the notice outbox (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.adapters.sql.models import PodIntervalRow
from podwarden.domain.ledger_values import NoticeIntent, NoticeState, PodTrack
from podwarden.domain.models import Pod, PodStatus

MINUTE = timedelta(minutes=1)
PodMaker = Callable[..., Pod]


def _intervals(ledger: SqlLedger, pod_id: str) -> list[tuple[object, ...]]:
    query = select(PodIntervalRow).where(PodIntervalRow.pod_id == pod_id).order_by(
        PodIntervalRow.started_at, PodIntervalRow.id)
    with Session(ledger.engine) as session:
        return [(r.status, r.idle, r.owner_id, r.team, r.storage_per_hr, r.gpu_type_id, r.spot, r.ended_at is None)
                for r in session.scalars(query)]


def test_a_tick_records_intervals_clocks_rollups_adoptions_and_intents(
    ledger: SqlLedger, pod: PodMaker, t0: datetime,
) -> None:
    ledger.upsert_member("U0BOB", now=t0)
    ledger.add_team("vision", now=t0)
    ledger.set_member_team("U0BOB", "vision", now=t0)
    track = PodTrack(idle_since=t0, idle=True, seconds=60, gpu_percents=(1,), cpu_percent=2)
    intent = NoticeIntent(key="idle:pod-a100:x", kind="idle_warning", recipient="U0BOB", payload="{}",
                          pod_id="pod-a100", due_at=t0 + timedelta(minutes=15))
    ledger.record_tick([pod()], now=t0, complete=True, tracks={"pod-a100": track}, adopt={"pod-a100": "U0BOB"},
                       storage_per_hr={"pod-a100": Decimal("0.0097")}, notices=[intent])

    state = ledger.lifecycle_state()["pod-a100"]
    assert (state.record.owner_id, state.team, state.idle_since, state.last_telemetry_at) == (
        "U0BOB", "vision", t0, t0,
    )
    assert state.status_since == t0
    assert _intervals(ledger, "pod-a100") == [
        ("RUNNING", True, "U0BOB", "vision", Decimal("0.009700"), "NVIDIA A100 80GB PCIe", False, True),
    ]
    [hour] = ledger.utilisation("pod-a100", start=t0, end=t0 + timedelta(hours=1))
    assert (hour.samples, hour.idle_seconds, hour.gpu_util_max) == (1, 60, 1)
    [notice] = ledger.undelivered_notices()
    assert (notice.key, notice.state, notice.payload, notice.due_at) == (
        "idle:pod-a100:x", NoticeState.PENDING, "{}", t0 + timedelta(minutes=15),
    )

    busy = PodTrack(idle_since=None, idle=False, seconds=60, gpu_percents=(90,), cpu_percent=50)
    ledger.record_tick([pod()], now=t0 + MINUTE, complete=True, tracks={"pod-a100": busy}, notices=[intent])
    assert [row[1] for row in _intervals(ledger, "pod-a100")] == [True, False]  # idleness splits intervals
    assert ledger.lifecycle_state()["pod-a100"].idle_since is None
    assert len(ledger.undelivered_notices()) == 1  # the same intent twice is one notice

    ledger.record_tick([pod(status=PodStatus.EXITED)], now=t0 + 2 * MINUTE, complete=True, tracks={})
    assert _intervals(ledger, "pod-a100")[-1][:2] == ("EXITED", None)
    ledger.record_tick([], now=t0 + 3 * MINUTE, complete=True, tracks={})
    assert "pod-a100" not in ledger.lifecycle_state()  # terminated: gone from a complete snapshot


def test_the_outbox_states_of_a_notice(ledger: SqlLedger, t0: datetime) -> None:
    ledger.record_notice("k1", kind="runway", now=t0, recipient="C0", payload="{}")
    assert ledger.mark_notice_sending("k1", now=t0).state is NoticeState.SENDING
    failed = ledger.mark_notice_failed("k1", error="channel_not_found", now=t0)
    assert (failed.state, failed.error) == (NoticeState.FAILED, "channel_not_found")
    assert [n.key for n in ledger.undelivered_notices()] == ["k1"]
    sent = ledger.mark_notice_sent("k1", channel="C0", ts="1.0", now=t0 + MINUTE)
    assert (sent.state, sent.error, sent.updated_at) == (NoticeState.SENT, None, t0 + MINUTE)
    assert ledger.undelivered_notices() == []
    assert ledger.mark_notice_sending("k1", now=t0).state is NoticeState.SENT  # never back from sent


def test_deadline_and_our_stop_are_remembered(ledger: SqlLedger, pod: PodMaker, t0: datetime) -> None:
    ledger.observe_pods([pod()], now=t0)
    ledger.set_pod_deadline("pod-a100", t0 + timedelta(hours=2), now=t0)
    ledger.mark_stopped_by_us("pod-a100", now=t0 + MINUTE)
    state = ledger.lifecycle_state()["pod-a100"]
    assert (state.deadline_at, state.stopped_by_us_at) == (t0 + timedelta(hours=2), t0 + MINUTE)


def test_a_fleet_tick_is_a_handful_of_statements_not_a_few_per_pod(
    ledger: SqlLedger, pod: PodMaker, t0: datetime,
) -> None:
    from sqlalchemy import event

    fleet = [pod(f"pod-{n:03d}") for n in range(40)]
    ledger.record_tick(fleet, now=t0, complete=True, tracks={})  # first sight: rows are made
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(ledger.engine, "before_cursor_execute", count)
    try:
        for minute, idle in ((1, True), (2, False), (3, False)):  # every interval changes, then none does
            statements.clear()
            tracks = {p.id: PodTrack(idle_since=None, idle=idle, seconds=60, gpu_percents=(50,), cpu_percent=5)
                      for p in fleet}
            ledger.record_tick(fleet, now=t0 + minute * MINUTE, complete=True, tracks=tracks)
            assert len(statements) <= 12, statements
    finally:
        event.remove(ledger.engine, "before_cursor_execute", count)
    assert len(ledger.pod_intervals("pod-007")) == 3
