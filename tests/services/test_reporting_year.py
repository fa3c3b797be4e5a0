"""A seeded year sums to the same cent on SQLite (whose Numeric is a float) and PostgreSQL.

The ledger's `ledger` fixture runs this on both backends when PostgreSQL is up (see
tests/conftest.py); each run must give the literal below, so the two agree with each other.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.domain.digest import spend_summary
from podwarden.domain.models import Endpoint, PodStatus
from tests.services.digest_seed import add_pod

YEAR = datetime(2025, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2026, 1, 1, tzinfo=UTC)
CENT = Decimal("0.01")


def seed_year(ledger: SqlLedger) -> Fraction:
    """Eight pods and an endpoint through 2025 at awkward rates; the exact total, as a fraction."""
    rng = random.Random(2025)
    exact = Fraction(0)
    for n in range(8):
        pod_id = f"pod-{n}"
        add_pod(ledger, pod_id, pod_id)
        at = YEAR + timedelta(seconds=rng.randrange(3600))
        while at < YEAR_END - timedelta(days=2):
            seconds = rng.randrange(60, 86_400 * 3)
            end = at + timedelta(seconds=seconds, microseconds=rng.randrange(1_000_000))
            running = rng.random() < 0.6
            rate = Decimal(rng.randrange(1, 40_000_000)) / 1_000_000 if running else Decimal(0)
            storage = Decimal(rng.randrange(0, 300_000)) / 1_000_000
            ledger.add_pod_interval(
                pod_id, status=PodStatus.RUNNING if running else PodStatus.EXITED, started_at=at, ended_at=end,
                cost_per_hr=rate, storage_per_hr=storage, gpu_type_id="NVIDIA L4", owner_id=f"U{n % 3}",
                team=f"team-{n % 2}", idle=rng.random() < 0.3,
            )
            micros = (end - at) // timedelta(microseconds=1)
            exact += (Fraction(rate) + Fraction(storage)) * Fraction(micros, 3_600_000_000)
            at = end + timedelta(seconds=rng.randrange(0, 7200))
    ledger.observe_endpoints([Endpoint("ep-1", "ep", None, ("ADA_24",), 0, 2)], now=YEAR)
    at = YEAR
    for _ in range(600):
        at += timedelta(minutes=15 * rng.randrange(1, 60))
        cost = Decimal(rng.randrange(1, 5_000_000)) / 1_000_000
        ledger.add_endpoint_quarter("ep-1", at=at, seconds=900, workers_running=1, workers_idle=0, cost=cost)
        exact += Fraction(cost)
    return exact


def test_a_year_sums_to_the_same_cent_on_either_backend(ledger: SqlLedger) -> None:
    exact = seed_year(ledger)

    summary = spend_summary(ledger.pod_stretches(start=YEAR, end=YEAR_END),
                            ledger.endpoint_quarters(start=YEAR, end=YEAR_END), start=YEAR, end=YEAR_END)

    assert abs(Fraction(summary.total) - exact) < Fraction(1, 10**30)
    assert summary.total.quantize(CENT) == Decimal("831199.63")
    assert sum(line.amount for line in summary.per_team).quantize(CENT) == Decimal("831199.63")
    months = [datetime(2025, m, 1, tzinfo=UTC) for m in range(1, 13)] + [YEAR_END]
    monthly = sum(
        spend_summary(ledger.pod_stretches(start=a, end=b), ledger.endpoint_quarters(start=a, end=b),
                      start=a, end=b).total
        for a, b in pairwise(months)
    )
    assert abs(Fraction(monthly) - exact) < Fraction(1, 10**15)  # twelve sums added at 28 digits
