"""Notices are sent once, even across restarts; digests once a week; every action audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.domain.ledger_values import AuditOutcome, NoticeState
from podwarden.domain.models import Pod
from podwarden.errors import LedgerError

PodMaker = Callable[..., Pod]
KEY = "idle-warning:pod-a100:2026-11-23T09:00Z"


def test_a_notice_recorded_again_after_a_restart_is_not_sent_twice(
    ledger_url: str, pod: PodMaker, t0: datetime
) -> None:
    before = SqlLedger.connect(ledger_url)
    before.observe_pods([pod()], now=t0)
    first = before.record_notice(KEY, kind="idle-warning", pod_id="pod-a100", recipient="U0ALICE", now=t0)
    assert first.state is NoticeState.PENDING  # so this daemon posts it...
    before.mark_notice_sent(KEY, channel="D0ALICE", ts="1732352400.000100", now=t0)
    before.close()

    after = SqlLedger.connect(ledger_url)  # ...and the restarted one decides the same thing again
    again = after.record_notice(KEY, kind="idle-warning", pod_id="pod-a100", now=t0 + timedelta(minutes=1))
    after.close()

    assert again.state is NoticeState.SENT
    assert (again.channel, again.ts, again.recipient, again.created_at) == (
        "D0ALICE", "1732352400.000100", "U0ALICE", t0,
    )


def test_a_withdrawn_notice_stays_withdrawn_and_leaves_the_open_list(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    ledger.observe_pods([pod()], now=t0)
    due = t0 + timedelta(minutes=15)
    ledger.record_notice(KEY, kind="idle-warning", pod_id="pod-a100", due_at=due, now=t0)
    ledger.record_notice("runway:2026-11-23", kind="balance-runway", now=t0)
    ledger.mark_notice_sent(KEY, channel="C0NOTICES", ts="1.1", now=t0)
    assert [n.key for n in ledger.open_notices(kind="idle-warning")] == [KEY]
    assert ledger.open_notices(pod_id="pod-a100")[0].due_at == due

    withdrawn = ledger.withdraw_notice(KEY, now=t0 + timedelta(minutes=5))
    ledger.mark_notice_sent(KEY, channel="C0NOTICES", ts="1.1", now=t0 + timedelta(minutes=6))  # late ack

    assert withdrawn.withdrawn_at == t0 + timedelta(minutes=5)
    notice = ledger.notice(KEY)
    assert notice is not None
    assert notice.state is NoticeState.WITHDRAWN
    assert [n.key for n in ledger.open_notices()] == ["runway:2026-11-23"]
    with pytest.raises(LedgerError, match="no notice"):
        ledger.withdraw_notice("never-recorded", now=t0)


def test_the_weekly_digest_is_recorded_once_per_channel(ledger: SqlLedger, t0: datetime) -> None:
    week = date(2026, 11, 23)
    assert not ledger.digest_sent(week, "C0DIGEST")

    assert ledger.record_digest(week, "C0DIGEST", ts="1.2", now=t0) is True
    assert ledger.record_digest(week, "C0DIGEST", ts="1.3", now=t0) is False

    assert ledger.digest_sent(week, "C0DIGEST")
    assert not ledger.digest_sent(week, "C0OTHER")
    assert not ledger.digest_sent(week + timedelta(days=7), "C0DIGEST")


def test_the_audit_log_answers_who_did_what_newest_first(ledger: SqlLedger, t0: datetime) -> None:
    ledger.audit("U0ALICE", "start", target="pod-a100", at=t0, outcome=AuditOutcome.STARTED,
                 args={"gpu": "NVIDIA A100 80GB PCIe", "count": 1, "max_per_hr": Decimal("1.89")})
    ledger.audit("U0ALICE", "start", target="pod-a100", at=t0 + timedelta(seconds=3))
    ledger.audit("U0BOB", "terminate", target="pod-x", at=t0 + timedelta(seconds=5),
                 outcome=AuditOutcome.FAILED, error="RunPod: pod not found")

    newest_first = ledger.audit_log()
    alice = ledger.audit_log(actor="U0ALICE")
    started = alice[-1]

    assert [(e.actor, e.action, e.outcome) for e in newest_first] == [
        ("U0BOB", "terminate", AuditOutcome.FAILED),
        ("U0ALICE", "start", AuditOutcome.OK),
        ("U0ALICE", "start", AuditOutcome.STARTED),
    ]
    assert started.args == {"gpu": "NVIDIA A100 80GB PCIe", "count": 1, "max_per_hr": "1.89"}
    assert newest_first[0].error == "RunPod: pod not found"
    assert len(ledger.audit_log(since=t0 + timedelta(seconds=3), until=t0 + timedelta(seconds=5))) == 1
    assert [e.id for e in ledger.audit_log(target="pod-x")] == [newest_first[0].id]
    assert len(ledger.audit_log(limit=2)) == 2
