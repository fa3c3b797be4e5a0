"""The digest's total against the simulator's own billing: agreeing when the ledger saw it all,
called out when it missed more than 2 %."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from podwarden import bootstrap
from podwarden.bootstrap import Services
from podwarden.clock import ManualClock
from podwarden.domain.models import PodSpec, PodStatus
from tests.services.digest_seed import add_pod

MONDAY = datetime(2026, 11, 16, tzinfo=UTC)


@pytest.fixture
def world(podwarden_env: Path, tmp_path: Path) -> Iterator[tuple[Services, ManualClock]]:
    clock = ManualClock(MONDAY)
    config = bootstrap.settings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}", runpod_max_retries=0)
    with bootstrap.build(config, sim=bootstrap.simulator(scenario=None, clock=clock), clock=clock) as services:
        yield services, clock


def run_a_4090_for_ten_hours_then_stop_it(services: Services, clock: ManualClock, *, missed_hours: int) -> None:
    """The pod as the simulator bills it, and the ledger's intervals as the daemon records them
    (priced from the price book), except for the first `missed_hours` the ledger never saw."""
    sim = services.simulator
    pod = services.runpod.create_pod(PodSpec(name="train", gpu_type_id="NVIDIA GeForce RTX 4090",
                                             container_disk_gb=20, volume_gb=50, image="runpod/pytorch"))
    add_pod(services.ledger, pod.id, pod.name)  # type: ignore[arg-type]  # its history is written below
    book = services.costs.book
    running_storage = book.container_disk_per_hour(20) + book.volume_per_hour(50, running=True)
    sim.advance(10 * 3600)
    services.runpod.stop_pod(pod.id)
    sim.advance(14 * 3600)
    services.ledger.add_pod_interval(
        pod.id, status=PodStatus.RUNNING, started_at=MONDAY + timedelta(hours=missed_hours),
        ended_at=MONDAY + timedelta(hours=10), cost_per_hr=pod.cost_per_hr, storage_per_hr=running_storage,
        gpu_type_id=pod.gpu_type_id, owner_id=None, team=None, idle=False,
    )
    services.ledger.add_pod_interval(
        pod.id, status=PodStatus.EXITED, started_at=MONDAY + timedelta(hours=10), ended_at=None,
        cost_per_hr=Decimal(0), storage_per_hr=book.volume_per_hour(50, running=False),
    )
    clock.set(MONDAY + timedelta(days=7, hours=9))


def test_a_ledger_that_saw_everything_agrees_with_the_simulators_bill(
    world: tuple[Services, ManualClock],
) -> None:
    services, clock = world
    run_a_4090_for_ten_hours_then_stop_it(services, clock, missed_hours=0)

    digest = bootstrap.reporting(services).digest(date(2026, 11, 16))

    assert digest.cross_check is not None
    theirs, gap = digest.cross_check
    assert theirs > 7
    assert gap < 0.0001
    assert not digest.cross_check_differs


def test_a_ledger_that_missed_three_hours_is_called_out(world: tuple[Services, ManualClock]) -> None:
    from podwarden.adapters.slack import render_digest

    services, clock = world
    run_a_4090_for_ten_hours_then_stop_it(services, clock, missed_hours=3)

    digest = bootstrap.reporting(services).digest(date(2026, 11, 16))

    assert digest.cross_check_differs
    assert "more than 2 %: check the ledger" in render_digest.text(digest)
