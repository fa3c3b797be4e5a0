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


def test_spend_is_split_by_owner_and_by_their_team(ledger: SqlLedger, pod: PodMaker, t0: datetime) -> None:
    ledger.set_member_team("U0ALICE", "ml-research", now=t0)
    ledger.observe_pods(
        [pod("pod-a100", cost="1.89"), pod("pod-4090", cost="0.34"), pod("pod-a4000", cost="0.28"),
         pod("pod-orphan", cost="0.50")],
        now=t0, owners={"pod-a100": "U0ALICE", "pod-4090": "U0ALICE", "pod-a4000": "U0BOB"},
    )
    end = t0 + timedelta(hours=2)

    assert ledger.spend_by_owner(start=t0, end=end) == {
        "U0ALICE": Decimal("4.46"), "U0BOB": Decimal("0.56"), None: Decimal("1.00"),
    }
    assert ledger.spend_by_team(start=t0, end=end) == {"ml-research": Decimal("4.46"), None: Decimal("1.56")}
    assert ledger.spend(start=t0, end=end, owner_id="U0ALICE") == Decimal("4.46")
    assert ledger.spend(start=t0, end=end, team="ml-research") == Decimal("4.46")
    assert ledger.spend(start=t0, end=end, pod_id="pod-a4000") == Decimal("0.56")
    assert ledger.spend(start=t0, end=end) == Decimal("6.02")


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
