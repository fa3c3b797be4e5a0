"""Telemetry rolled up per hour: one row per pod (or endpoint) per hour, however often sampled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial

import pytest

from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.domain.ledger_values import UtilisationHour
from podwarden.domain.models import Endpoint, Pod
from podwarden.errors import LedgerError

PodMaker = Callable[..., Pod]
MINUTE = timedelta(minutes=1)


def test_samples_roll_up_into_the_hour_they_were_taken_in(
    ledger: SqlLedger, pod: PodMaker, t0: datetime
) -> None:
    ledger.observe_pods([pod()], now=t0)
    ledger.add_utilisation_sample("pod-a100", at=t0, seconds=60, gpu_percents=[90, 70], cpu_percent=40,
                                  idle=False)
    ledger.add_utilisation_sample("pod-a100", at=t0 + MINUTE, seconds=60, gpu_percents=[0, 2], cpu_percent=4,
                                  idle=True)
    ledger.add_utilisation_sample("pod-a100", at=t0 + 2 * MINUTE, seconds=60, gpu_percents=[None, None])
    ledger.add_utilisation_sample("pod-a100", at=t0 + 60 * MINUTE, seconds=60, gpu_percents=[3], idle=True)

    hours = ledger.utilisation("pod-a100", start=t0, end=t0 + timedelta(hours=2))

    assert hours == [
        UtilisationHour("pod-a100", t0, samples=3, gpu_util_avg=40.5, gpu_util_max=90, cpu_avg=22.0,
                        idle_seconds=60, unknown_seconds=60),
        UtilisationHour("pod-a100", t0 + timedelta(hours=1), samples=1, gpu_util_avg=3.0, gpu_util_max=3,
                        cpu_avg=None, idle_seconds=60, unknown_seconds=0),
    ]


def test_a_sample_recorded_twice_counts_once(ledger: SqlLedger, pod: PodMaker, t0: datetime) -> None:
    ledger.observe_pods([pod()], now=t0)

    record = partial(ledger.add_utilisation_sample, "pod-a100", at=t0 + MINUTE, seconds=60, gpu_percents=[50])
    assert record()
    assert not record()

    (hour,) = ledger.utilisation("pod-a100", start=t0, end=t0 + timedelta(hours=1))
    assert (hour.samples, hour.gpu_util_avg) == (1, 50.0)
    with pytest.raises(LedgerError, match="not in the ledger"):
        ledger.add_utilisation_sample("pod-unknown", at=t0, seconds=60)


def test_endpoint_usage_and_cost_accumulate_per_hour(ledger: SqlLedger, t0: datetime) -> None:
    endpoint = Endpoint(id="ep-1", name="infer", template_id="tpl", gpu_ids=("AMPERE_80",),
                        workers_min=1, workers_max=3)
    ledger.observe_endpoints([endpoint], now=t0, owners={"ep-1": "U0ALICE"})
    for minute in range(3):
        ledger.add_endpoint_usage("ep-1", at=t0 + minute * MINUTE, seconds=60, workers_running=1,
                                  workers_idle=1, cost=Decimal("0.0456"), jobs_completed=2)

    (hour,) = ledger.endpoint_usage(start=t0, end=t0 + timedelta(hours=1))

    assert (hour.samples, hour.running_worker_seconds, hour.idle_worker_seconds, hour.jobs_completed) == (
        3, 180, 180, 6,
    )
    assert hour.cost == Decimal("0.1368")
    assert ledger.endpoint_owner("ep-1") == "U0ALICE"


def test_an_endpoint_missing_from_a_complete_listing_is_deleted_until_it_returns(
    ledger: SqlLedger, t0: datetime
) -> None:
    endpoint = Endpoint(id="ep-1", name="infer", template_id="tpl", gpu_ids=("AMPERE_80",),
                        workers_min=0, workers_max=3)
    ledger.observe_endpoints([endpoint], now=t0)

    ledger.observe_endpoints([], now=t0 + MINUTE, complete=True)
    assert ledger.endpoint_ids() == []
    assert ledger.endpoint_ids(include_deleted=True) == ["ep-1"]

    ledger.observe_endpoints([endpoint], now=t0 + 2 * MINUTE)
    assert ledger.endpoint_ids() == ["ep-1"]
    with pytest.raises(LedgerError, match="not in the ledger"):
        ledger.add_endpoint_usage("ep-unknown", at=t0, seconds=60, workers_running=0, workers_idle=0,
                                  cost=Decimal(0))
