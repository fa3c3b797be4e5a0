"""`digest` previewed in a fresh install: last week has nothing, so this week so far, said so."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from podwarden.adapters.slack import render_digest as render
from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.services.reporting import ReportingService
from tests.services.digest_seed import RTX4090, FakeRunPod, FixedClock, add_pod, run

MONDAY = datetime(2026, 11, 30, tzinfo=UTC)
TUESDAY_NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def service(ledger: SqlLedger) -> ReportingService:
    runpod = FakeRunPod()
    return ReportingService(ledger=ledger, runpod=runpod, clock=FixedClock(TUESDAY_NOON), zone="UTC")  # type: ignore[arg-type]


def test_an_empty_last_week_previews_this_week_so_far_and_says_so(ledger: SqlLedger) -> None:
    add_pod(ledger, "pod-4090", "new-4090")
    run(ledger, "pod-4090", MONDAY, None, "0.69", "0.01", RTX4090, "U0ALICE", "ml")  # running since Monday

    digest = service(ledger).preview()

    assert digest.week_start == date(2026, 11, 30)
    assert digest.partial
    assert (digest.start, digest.end) == (MONDAY, TUESDAY_NOON)
    assert digest.title == "GPU spend, week of Mon 30 Nov 2026 (so far)"
    assert digest.total.this_week == Decimal("25.20")  # 36 h x $0.70
    assert digest.daily.series == (("U0ALICE", (Decimal("16.80"), Decimal("8.40"), *[Decimal(0)] * 5)),)
    forecast = digest.forecast  # December so far: 12 h x $0.70 over half a day, x 31 days
    assert (forecast.month, forecast.to_date, forecast.days_elapsed) == (
        "December 2026", Decimal("8.40"), Decimal("0.5"))
    assert forecast.forecast == Decimal("520.80")
    assert "December 2026 to date $8.40 after 0.5 of 31 days; month-end forecast $520.80" in render.text(digest)
    assert render.summary(digest).startswith(
        "Last week has no spend recorded; this is the week so far (Mon 30 Nov – now). "
        "GPU spend, week of Mon 30 Nov 2026 (so far): $25.20 (new spend: nothing last week vs $0.00 the week before)")


def test_a_last_week_with_spend_is_previewed_as_it_was(ledger: SqlLedger) -> None:
    add_pod(ledger, "pod-4090", "new-4090")
    run(ledger, "pod-4090", datetime(2026, 11, 29, 23, tzinfo=UTC), None, "0.69", "0.01", RTX4090, "U0ALICE", "ml")

    digest = service(ledger).preview()

    assert digest.title == "GPU spend, week of Mon 23 Nov 2026"
    assert not digest.partial
    assert digest.total.this_week == Decimal("0.70")
