"""Spend computed from the intervals: billed $/h × time, exact, per pod, owner and team."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.domain.models import Pod, PodStatus

PodMaker = Callable[..., Pod]
CENT = Decimal("0.01")


def test_an_a100_for_ninety_minutes_costs_exactly_2_835(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    ledger.observe_pods([pod(cost="1.89")], now=t0)
    ledger.observe_pods([pod(cost="1.89", status=PodStatus.EXITED)], now=t0 + timedelta(minutes=90))

    two_hours_later = t0 + timedelta(hours=2)  # the 30 stopped minutes bill no compute
    assert ledger.spend(start=t0, end=two_hours_later) == Decimal("2.835")
    assert ledger.spend(start=t0 + timedelta(minutes=30), end=t0 + timedelta(minutes=60)) == Decimal("0.945")
    assert ledger.spend(start=t0 - timedelta(days=1), end=t0) == 0


def test_a_pod_still_running_is_counted_up_to_the_end_of_the_window(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    ledger.observe_pods([pod("pod-4090", cost="0.34")], now=t0)

    assert ledger.spend(start=t0, end=t0 + timedelta(minutes=45)) == Decimal("0.255")
    assert ledger.spend_by_pod(start=t0, end=t0 + timedelta(hours=10)) == {"pod-4090": Decimal("3.4")}


def test_a_second_of_an_a4000_is_not_rounded_away(ledger: SqlLedger, pod: PodMaker, t0: datetime) -> None:
    ledger.observe_pods([pod("pod-a4000", cost="0.28")], now=t0)

    one_second = ledger.spend(start=t0, end=t0 + timedelta(seconds=1))
    one_day = ledger.spend(start=t0, end=t0 + timedelta(days=1))

    assert abs(one_second - Decimal("0.28") / 3600) < Decimal("1e-25")
    assert one_day == Decimal("6.72")


def test_spend_is_split_by_the_owner_and_team_recorded_on_each_interval(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    ledger.observe_pods([pod(p, status=PodStatus.EXITED) for p in ("pod-a100", "pod-4090", "pod-a4000",
                                                                    "pod-orphan")], now=t0)
    end = t0 + timedelta(hours=2)
    for pod_id, cost, owner, team in (
        ("pod-a100", "1.89", "U0ALICE", "ml-research"), ("pod-4090", "0.34", "U0ALICE", "ml-research"),
        ("pod-a4000", "0.28", "U0BOB", None), ("pod-orphan", "0.50", None, None),
    ):
        ledger.add_pod_interval(pod_id, status=PodStatus.RUNNING, started_at=t0, ended_at=end,
                                cost_per_hr=Decimal(cost), owner_id=owner, team=team)

    assert ledger.spend_by_owner(start=t0, end=end) == {
        "U0ALICE": Decimal("4.46"), "U0BOB": Decimal("0.56"), None: Decimal("1.00"),
    }
    assert ledger.spend_by_team(start=t0, end=end) == {"ml-research": Decimal("4.46"), None: Decimal("1.56")}
    assert ledger.spend(start=t0, end=end, owner_id="U0ALICE") == Decimal("4.46")
    assert ledger.spend(start=t0, end=end, team="ml-research") == Decimal("4.46")
    assert ledger.spend(start=t0, end=end, pod_id="pod-a4000") == Decimal("0.56")
    assert ledger.spend(start=t0, end=end) == Decimal("6.02")


def test_a_member_who_changes_team_or_a_pod_that_changes_hands_moves_no_money_already_spent(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    ledger.set_member_team("U0ALICE", "ml-research", now=t0)
    ledger.observe_pods([pod("pod-a100", status=PodStatus.EXITED)], now=t0, owners={"pod-a100": "U0ALICE"})
    ledger.add_pod_interval("pod-a100", status=PodStatus.RUNNING, started_at=t0,
                            ended_at=t0 + timedelta(hours=1), cost_per_hr=Decimal("1.89"),
                            owner_id="U0ALICE", team="ml-research")
    ledger.add_pod_interval("pod-a100", status=PodStatus.RUNNING, started_at=t0 + timedelta(hours=1),
                            ended_at=t0 + timedelta(hours=2), cost_per_hr=Decimal("1.89"),
                            owner_id="U0BOB", team="vision")
    ledger.set_member_team("U0ALICE", "vision", now=t0 + timedelta(days=3))  # today's team is another
    ledger.set_pod_owner("pod-a100", "U0CAROL", now=t0 + timedelta(days=3))  # and so is the owner

    window = {"start": t0, "end": t0 + timedelta(hours=2)}
    assert ledger.spend_by_owner(**window) == {"U0ALICE": Decimal("1.89"), "U0BOB": Decimal("1.89")}
    assert ledger.spend_by_team(**window) == {"ml-research": Decimal("1.89"), "vision": Decimal("1.89")}
    assert ledger.spend(owner_id="U0CAROL", **window) == 0


def test_the_digest_reads_whole_intervals_quarter_hours_and_auto_stops(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    ledger.observe_pods([pod("pod-a100", status=PodStatus.EXITED)], now=t0 - timedelta(days=1))
    ledger.add_pod_interval("pod-a100", status=PodStatus.RUNNING, started_at=t0 - timedelta(hours=1),
                            ended_at=t0 + timedelta(hours=1), cost_per_hr=Decimal("1.89"),
                            storage_per_hr=Decimal("0.01"), gpu_type_id="NVIDIA A100 80GB PCIe", gpu_count=2,
                            owner_id="U0ALICE", team="ml", idle=True, cloud="SECURE")
    assert ledger.record_auto_stop("pod-a100", at=t0 + timedelta(hours=1), reason="idle")
    assert not ledger.record_auto_stop("pod-a100", at=t0 + timedelta(hours=1), reason="idle")

    stretches = [s for s in ledger.pod_stretches(start=t0, end=t0 + timedelta(hours=3)) if s.gpu_count == 2]
    assert [(s.started_at, s.ended_at, s.cost_per_hr, s.storage_per_hr, s.owner_id, s.team, s.idle)
            for s in stretches] == [(t0 - timedelta(hours=1), t0 + timedelta(hours=1), Decimal("1.89"),
                                     Decimal("0.01"), "U0ALICE", "ml", True)]
    assert stretches[0].pod_name == "pod-a100-name"
    assert [(a.pod_id, a.reason) for a in ledger.auto_stops(start=t0, end=t0 + timedelta(days=1))] == [
        ("pod-a100", "idle")]


def test_serverless_usage_is_kept_per_quarter_hour_with_the_owner_and_team_of_the_time(
    ledger: SqlLedger, t0: datetime
) -> None:
    from podwarden.domain.models import Endpoint

    ledger.set_member_team("U0ALICE", "ml", now=t0)
    ledger.observe_endpoints([Endpoint("ep-1", "whisper", None, ("AMPERE_16",), 1, 3)], now=t0,
                             owners={"ep-1": "U0ALICE"})
    at = t0 + timedelta(minutes=20)
    assert ledger.add_endpoint_quarter("ep-1", at=at, seconds=300, workers_running=1, workers_idle=1,
                                       cost=Decimal("0.2"), idle_cost=Decimal("0.05"), jobs_completed=3)
    assert not ledger.add_endpoint_quarter("ep-1", at=at, seconds=300, workers_running=1, workers_idle=1,
                                           cost=Decimal("0.2"))
    assert ledger.add_endpoint_quarter("ep-1", at=at + timedelta(minutes=5), seconds=300, workers_running=0,
                                       workers_idle=1, cost=Decimal("0.05"), idle_cost=Decimal("0.05"))
    ledger.set_member_team("U0ALICE", "vision", now=t0 + timedelta(hours=1))

    [quarter] = ledger.endpoint_quarters(start=t0, end=t0 + timedelta(hours=1))
    assert quarter.bucket_start == t0 + timedelta(minutes=15)
    assert (quarter.owner_id, quarter.team, quarter.endpoint_name) == ("U0ALICE", "ml", "whisper")
    assert (quarter.running_worker_seconds, quarter.idle_worker_seconds, quarter.jobs_completed) == (300, 600, 3)
    assert (quarter.cost, quarter.idle_cost) == (Decimal("0.25"), Decimal("0.1"))


def test_a_digest_is_claimed_once_taken_over_when_stale_and_then_sent(ledger: SqlLedger, t0: datetime) -> None:
    from datetime import date

    from podwarden.domain.spend_values import DigestClaim

    week, stale = date(2026, 11, 16), timedelta(minutes=10)
    assert ledger.claim_digest(week, "C0DIGEST", now=t0, stale_after=stale) is DigestClaim.POST
    assert ledger.claim_digest(week, "C0DIGEST", now=t0 + timedelta(minutes=1), stale_after=stale) \
        is DigestClaim.BUSY
    later = t0 + timedelta(minutes=11)
    assert ledger.claim_digest(week, "C0DIGEST", now=later, stale_after=stale) is DigestClaim.RECONCILE
    assert ledger.claim_digest(week, "C0DIGEST", now=later, stale_after=stale) is DigestClaim.BUSY
    ledger.finish_digest(week, "C0DIGEST", ts="17.000100", now=later)
    assert ledger.claim_digest(week, "C0DIGEST", now=later, stale_after=stale) is DigestClaim.SENT
    assert ledger.digest_sent(week, "C0DIGEST")
    assert ledger.claim_digest(week, "C0OTHER", now=later, stale_after=stale) is DigestClaim.POST


def test_a_window_that_ends_before_it_starts_is_refused(ledger: SqlLedger, t0: datetime) -> None:
    with pytest.raises(ValueError, match="before its start"):
        ledger.spend(start=t0, end=t0 - timedelta(seconds=1))


_pod_ids = itertools.count()
_steps = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=3 * 3600),  # seconds until the next observation
        st.sampled_from([PodStatus.RUNNING, PodStatus.EXITED, PodStatus.RUNNING]),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("40"), places=4),
    ),
    min_size=1, max_size=6,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_steps, window=st.tuples(st.integers(0, 6 * 3600), st.integers(0, 20 * 3600)))
def test_spend_matches_exact_rational_arithmetic_to_the_cent(
    ledger: SqlLedger, pod: PodMaker, t0: datetime, steps: list[tuple[int, PodStatus, Decimal]],
    window: tuple[int, int],
) -> None:
    pod_id = f"pod-h{next(_pod_ids)}"  # one ledger serves every example: a pod of its own each
    start, end = t0 + timedelta(seconds=window[0]), t0 + timedelta(seconds=window[0] + window[1])
    expected, at = Fraction(0), t0
    for seconds, status, cost in steps:
        ledger.observe_pods([pod(pod_id, status=status, cost=str(cost))], now=at)
        nxt = at + timedelta(seconds=seconds)
        overlap = (min(nxt, end) - max(at, start)).total_seconds()
        if status is PodStatus.RUNNING and overlap > 0:
            expected += Fraction(cost) * Fraction(int(overlap), 3600)
        at = nxt
    ledger.observe_pods([pod(pod_id, status=PodStatus.TERMINATED)], now=at)

    spent = ledger.spend(start=start, end=end, pod_id=pod_id)

    assert abs(Fraction(spent) - expected) < Fraction(1, 10**20)
    exact_cents = Decimal(expected.numerator) / Decimal(expected.denominator)
    assert spent.quantize(CENT) == exact_cents.quantize(CENT)
