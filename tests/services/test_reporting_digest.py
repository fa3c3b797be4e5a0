"""The digest of a ledger seeded with two known weeks, figure by figure, worked out by hand.

The week of Mon 16 Nov 2026 (UTC), and the week before:

- before: alice (team vision then) ran an A100 ($1.89/h + $0.02/h storage) 24 h: $45.84.
- pod-a100, alice, team ml now: busy 10 h ($19.10), idle 2 h ($3.82; idle waste 2 x 1.89 =
  $3.78), auto-stopped at Mon 12:00, stopped 48 h at $0.05/h ($2.40), resumed on Wed 12:00
  resized to 2 GPUs at $3.78/h + $0.02 for 24 h ($91.20), stopped again from Thu 12:00 to the
  week's end, 84 h ($4.20). Alice: $120.72. Auto-stop saved 48 h x $1.89 = $90.72.
- pod-4090, Bob: Tue busy in team vision ($16.80), Wed idle in team ml ($16.80; waste $16.56).
- pod-orphan, nobody's A4000, Thu 24 h at $0.25: $6.00.
- pod-h100, 趙 🚀's, Sat 4 h at $2.99 + $0.01: $12.00.
- ep-whisper, Bob's endpoint (team vision then), four quarter hours on Wed at $0.25: $1.00,
  of which $0.20 active workers with no job.

Pods $172.32 + Serverless $1.00 = $173.32, against $45.84: up $127.48.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.domain.digest import OTHERS, BillingCheck, Line, Recommendation
from podwarden.domain.ledger_values import BudgetPeriod, BudgetScope
from podwarden.services.reporting import NO_BILLING, ReportingService
from tests.services.digest_seed import (
    A100,
    A4000,
    BUSY_ENDPOINT,
    CHO,
    H100,
    RTX4090,
    WEEK,
    FakeRunPod,
    FixedClock,
    at,
    seed_busy_endpoint,
    seed_two_weeks,
)
from tests.unit.gpu_catalog import BOOK


def service(ledger: SqlLedger, runpod: FakeRunPod | None = None, **kwargs: object) -> ReportingService:
    runpod = runpod or FakeRunPod()
    return ReportingService(ledger=ledger, runpod=runpod, clock=FixedClock(), zone="UTC",  # type: ignore[arg-type]
                            catalog=runpod, book=BOOK, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def seeded(ledger: SqlLedger) -> SqlLedger:
    seed_two_weeks(ledger)
    ledger.set_budget(BudgetScope.GLOBAL, None, amount=Decimal(250), period=BudgetPeriod.MONTH, now=at(1))
    ledger.set_budget(BudgetScope.TEAM, "ml", amount=Decimal(150), period=BudgetPeriod.MONTH, now=at(1))
    ledger.set_budget(BudgetScope.USER, "U0BOB", amount=Decimal(100), period=BudgetPeriod.MONTH, now=at(1))
    return ledger


def test_the_week_against_the_week_before(seeded: SqlLedger) -> None:
    digest = service(seeded).digest()

    assert digest.week_start == WEEK.date()
    assert (digest.start, digest.end) == (at(16), at(23))
    assert digest.total.this_week == Decimal("173.32")
    assert digest.total.last_week == Decimal("45.84")
    assert digest.total.delta == Decimal("127.48")
    assert digest.total.percent is not None
    assert digest.total.percent.quantize(Decimal("0.001")) == Decimal("278.098")
    assert digest.total.words == "up 278.1 %"
    assert (digest.pods, digest.serverless) == (Decimal("172.32"), Decimal("1.00"))


def test_spend_per_user_and_per_team_as_they_were_then(seeded: SqlLedger) -> None:
    digest = service(seeded).digest()

    assert digest.per_user == (
        Line("alice", Decimal("120.72")), Line("Bob", Decimal("34.60")), Line(CHO, Decimal("12.00")),
        Line("unowned", Decimal("6.00")),
    )
    assert digest.unowned == Decimal("6.00")
    # Bob's Tuesday and his endpoint stay in vision; alice's week before is vision's too, not in this week.
    assert digest.per_team == (
        Line("ml", Decimal("149.52")), Line("vision", Decimal("17.80")), Line("no team", Decimal("6.00")),
    )
    assert [line.label for line in digest.top] == ["alice", "Bob", CHO, "unowned"]


def test_spend_per_gpu_type_with_its_hours(seeded: SqlLedger) -> None:
    digest = service(seeded).digest()

    assert digest.per_gpu == (
        Line(f"2x {A100}", Decimal("91.20"), Decimal(24)), Line(RTX4090, Decimal("33.60"), Decimal(48)),
        Line(A100, Decimal("22.92"), Decimal(12)), Line(H100, Decimal("12.00"), Decimal(4)),
        Line(A4000, Decimal("6.00"), Decimal(24)), Line("Serverless", Decimal("1.00")),
    )


def test_waste_savings_and_storage(seeded: SqlLedger) -> None:
    digest = service(seeded).digest()

    assert (digest.idle_waste, digest.idle_hours) == (Decimal("20.34"), Decimal(26))
    assert (digest.savings, digest.savings_hours, digest.auto_stops) == (Decimal("90.72"), Decimal(48), 1)
    assert digest.stopped_storage == (Line("a100-name (alice)", Decimal("6.60")),)
    assert [(v.volume_id, v.size_gb) for v in digest.unattached_volumes] == [("nv-datasets", 100)]
    assert digest.unattached_per_week.quantize(Decimal("0.000001")) == Decimal("1.633333")  # 168 h x $7/720 h
    assert digest.serverless_idle == Decimal("0.20")


def test_daily_spend_of_each_spender_adds_up_to_the_week(seeded: SqlLedger) -> None:
    daily = service(seeded).digest().daily

    assert daily.categories == ("Mon 16", "Tue 17", "Wed 18", "Thu 19", "Fri 20", "Sat 21", "Sun 22")
    assert dict(daily.series) == {
        "alice": tuple(Decimal(v) for v in ("23.52", "1.20", "46.20", "46.20", "1.20", "1.20", "1.20")),
        "Bob": tuple(Decimal(v) for v in ("0", "16.80", "17.80", "0", "0", "0", "0")),
        CHO: tuple(Decimal(v) for v in ("0", "0", "0", "0", "0", "12.00", "0")),
        "unowned": tuple(Decimal(v) for v in ("0", "0", "0", "6.00", "0", "0", "0")),
    }
    assert OTHERS not in dict(daily.series)  # four spenders: nobody left over


def test_month_to_date_forecast_budgets_and_runway(seeded: SqlLedger) -> None:
    digest = service(seeded).digest()

    forecast = digest.forecast
    assert (forecast.month, forecast.to_date, forecast.days_elapsed, forecast.days_in_month) == (
        "November 2026", Decimal("219.16"), 22, 30)
    assert forecast.forecast.quantize(Decimal("0.0001")) == Decimal("298.8545")  # 219.16 / 22 x 30
    assert "daily run-rate" in forecast.method
    lines = {line.label: (line.amount, line.forecast.quantize(Decimal("0.01")), line.over) for line in digest.budgets}
    assert lines == {
        "everyone": (Decimal(250), Decimal("298.85"), True),
        "team ml": (Decimal(150), Decimal("203.89"), True),  # 149.52 / 22 x 30
        "Bob": (Decimal(100), Decimal("47.18"), False),  # 34.60 / 22 x 30
    }
    assert digest.runway is not None
    assert digest.runway.days is not None
    assert digest.runway.days.quantize(Decimal("0.001")) == Decimal("8.333")  # $500 / $2.50/h / 24


def test_recommendations_come_from_the_cost_engine(seeded: SqlLedger) -> None:
    [advice] = service(seeded).digest().recommendations

    # 4090: 48 h at $0.69 = $33.12 as a Pod; its 24 busy h at $0.00031/s = $1.116/h flex = $26.784.
    assert advice.saving == Decimal("6.336")
    assert "pod 4090-name was busy 50 % of its 48 h" in advice.text
    assert "$26.78 instead of $33.12" in advice.text


def test_an_endpoint_busy_20_hours_a_day_is_advised_as_a_pod_beside_the_idle_pod(seeded: SqlLedger) -> None:
    seed_busy_endpoint(seeded)
    runpod = FakeRunPod(endpoints=[*FakeRunPod().endpoints, BUSY_ENDPOINT])

    digest = service(seeded, runpod=runpod).digest()

    # ep-llm, one worker in the 16 GB pool (flex $0.00016/s = $0.576 a busy hour), busy 02:00-22:00
    # each of the 7 days: 560 quarter hours x 900 s x $0.00016 = $0.144 each = 140 busy h = $80.64.
    assert digest.serverless == Decimal("81.64")  # + whisper's $1.00
    # The pool's cheapest Pod is the RTX 4000 Ada at $0.26/h (the A4000 is $0.28/h; the RTX 2000 Ada
    # is not in the catalog): left on 24 h x 7 = 168 h, $43.68. Saving $80.64 - $43.68 = $36.96.
    # The 4090 as before: 48 h x $0.69 = $33.12 as a Pod, 24 busy h x $1.116 = $26.784 as flex,
    # saving $6.336; its break-even $0.69 x 24 / $1.116 = 14.84 busy h/day. Whisper's $1.00 stays
    # below $43.68, the A100s below their break-even: two recommendations, the larger saving first.
    assert digest.recommendations == (
        Recommendation(
            text="endpoint llm was busy 20 h/day: one RTX 4000 Ada Pod left on at $0.26/h would have cost "
                 "$43.68 this week instead of $80.64 on Serverless.",
            saving=Decimal("36.96"),
        ),
        Recommendation(
            text="pod 4090-name was busy 50 % of its 48 h: as Serverless flex ($1.12 a busy hour) its 24 busy h "
                 "would have cost $26.78 instead of $33.12 (break-even: 14.8 busy h/day).",
            saving=Decimal("6.336"),
        ),
    )


def test_the_total_is_checked_against_the_bill_and_a_gap_over_two_percent_is_called_out(
    seeded: SqlLedger,
) -> None:
    close = service(seeded, billing=lambda start, end: BillingCheck("sim", Decimal("175.00"))).digest()
    far = service(seeded, billing=lambda start, end: BillingCheck("sim", Decimal("180.00"))).digest()
    real = service(seeded).digest()

    assert close.cross_check is not None
    assert not close.cross_check_differs
    assert far.cross_check_differs
    assert real.cross_check is None
    assert real.billing is not None
    assert real.billing.source == NO_BILLING


def test_spend_answers_from_the_same_figures(seeded: SqlLedger) -> None:
    reports = service(seeded)
    reports._clock = FixedClock(at(22, 12))  # Sunday noon: this week so far is the whole seeded week

    week = reports.spend("week")
    assert week.summary.total == Decimal("172.72")  # $173.32 less alice's stopped storage Sun 12:00-24:00
    bob = reports.spend("week", user="U0BOB")
    assert (bob.summary.total, bob.summary.serverless, bob.who) == (Decimal("34.60"), Decimal("1.00"), "<@U0BOB>")
    assert reports.spend("week", team="vision").summary.total == Decimal("17.80")
    today = reports.spend("today")
    assert today.summary.total == Decimal("0.60")  # alice's stopped volume, 12 h x $0.05
    month = reports.spend("month")
    assert month.summary.total == Decimal("218.56")  # 45.84 + 172.72


def test_the_daemons_audited_stops_count_as_auto_stops_once(seeded: SqlLedger) -> None:
    from podwarden.domain.ledger_values import AuditOutcome
    from podwarden.services import lifecycle, reporting

    assert reporting.DAEMON_ACTOR == lifecycle.ACTOR
    # The A100's stop, recorded already, audited too: one stop. The 4090 stopped idle at Thu 00:00
    # and never resumed: 96 h x $0.69 = $66.24 more. A failed attempt and a person's stop: nothing.
    seeded.audit(lifecycle.ACTOR, "stop", at=at(16, 12), target="pod-a100", args={"reason": "idle"})
    seeded.audit(lifecycle.ACTOR, "stop", at=at(19), target="pod-4090", args={"reason": "idle"})
    seeded.audit(lifecycle.ACTOR, "stop", at=at(20), target="pod-orphan", outcome=AuditOutcome.FAILED)
    seeded.audit("U0BOB", "stop", at=at(21, 4), target="pod-h100")

    digest = service(seeded).digest()

    assert (digest.savings, digest.savings_hours, digest.auto_stops) == (Decimal("156.96"), Decimal(144), 2)


def test_an_endpoint_with_only_hourly_roll_ups_still_counts(seeded: SqlLedger) -> None:
    from podwarden.domain.models import Endpoint

    seeded.observe_endpoints([Endpoint("ep-old", "old", None, ("ADA_24",), 0, 1)], now=at(1),
                             owners={"ep-old": "U0ALICE"})
    seeded.add_endpoint_usage("ep-old", at=at(20, 5), seconds=600, workers_running=1, workers_idle=0,
                              cost=Decimal("0.50"))
    seeded.add_endpoint_usage("ep-whisper", at=at(20, 5), seconds=600, workers_running=1, workers_idle=0,
                              cost=Decimal("9"))  # has quarter hours: its roll-ups are not counted twice

    digest = service(seeded).digest()

    assert digest.serverless == Decimal("1.50")
    assert {line.label: line.amount for line in digest.per_user}["alice"] == Decimal("121.22")
