"""The notices' buttons: only the owner or an admin acts; every change is audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.dispatch import Caller
from bot.handlers import build_dispatcher
from podwarden import bootstrap
from podwarden.adapters.slack import render_lifecycle as ids
from podwarden.bootstrap import Services
from podwarden.clock import ManualClock
from podwarden.domain.access import Role
from tests.fakes.notifier import FakeNotifier

BOB = Caller("U0BOB", Role.MEMBER)
ALICE = Caller("U0ALICE", Role.MEMBER)
ADMIN = Caller("U0ADMIN", Role.ADMIN)
VIEWER = Caller("U0VIEW", Role.VIEWER)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    clock = ManualClock()
    sim = bootstrap.simulator(scenario="demo", clock=clock)
    config = bootstrap.settings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}", timezone="Europe/Berlin")
    with bootstrap.build(config, sim=sim, notifier=FakeNotifier()) as built:
        pods = built.runpod.list_pods()
        owners = {p.id: "U0BOB" for p in pods if p.name == "bob-notebook"}
        built.ledger.observe_pods(pods, now=built.clock.now(), owners=owners)
        yield built


def _pod(services: Services, name: str) -> str:
    return next(p.id for p in services.ledger.pods() if p.name == name)


def test_keep_1h_by_the_owner_snoozes_the_pod_and_is_audited(services: Services) -> None:
    bob = _pod(services, "bob-notebook")
    reply = build_dispatcher(services).act(ids.KEEP_1H, bob, BOB)
    assert reply.ok, reply.text()
    assert reply.title == "Kept bob-notebook until Mon 11:00 (Europe/Berlin)."
    snooze = services.ledger.active_snooze(bob, now=services.clock.now())
    assert snooze is not None
    assert (snooze.by, snooze.until - services.clock.now()) == ("U0BOB", timedelta(hours=1))
    [entry] = services.ledger.audit_log(target=bob)
    assert (entry.actor, entry.action) == ("U0BOB", "keep")


def test_keep_until_tomorrow_means_nine_in_the_morning_in_the_teams_zone(services: Services) -> None:
    reply = build_dispatcher(services).act(ids.KEEP_TOMORROW, _pod(services, "bob-notebook"), BOB)
    assert reply.title == "Kept bob-notebook until Tue 09:00 (Europe/Berlin)."


def test_someone_elses_pod_is_refused_and_an_admin_may(services: Services) -> None:
    bob = _pod(services, "bob-notebook")
    dispatcher = build_dispatcher(services)
    refused = dispatcher.act(ids.STOP_NOW, bob, ALICE)
    assert not refused.ok
    assert "only bob-notebook's owner or an admin" in refused.text()
    assert services.runpod.get_pod(bob).running
    done = dispatcher.act(ids.STOP_NOW, bob, ADMIN)
    assert done.ok, done.text()
    assert not services.runpod.get_pod(bob).running
    assert services.ledger.lifecycle_state()[bob].stopped_by_us_at == services.clock.now()
    outcomes = [(e.actor, e.outcome.value) for e in reversed(services.ledger.audit_log(target=bob))]
    assert outcomes == [("U0ADMIN", "started"), ("U0ADMIN", "ok")]


def test_resume_after_a_stop(services: Services) -> None:
    bob = _pod(services, "bob-notebook")
    dispatcher = build_dispatcher(services)
    dispatcher.act(ids.STOP_NOW, bob, BOB)
    reply = dispatcher.act(ids.RESUME, bob, BOB)
    assert reply.ok, reply.text()
    assert services.runpod.get_pod(bob).status.value == "RUNNING"


def test_this_is_mine_claims_an_unowned_pod_for_a_member_not_a_viewer(services: Services) -> None:
    carol = _pod(services, "carol-sweeps")
    dispatcher = build_dispatcher(services)
    assert not dispatcher.act(ids.CLAIM, carol, VIEWER).ok
    reply = dispatcher.act(ids.CLAIM, carol, ALICE)
    assert reply.ok, reply.text()
    assert services.ledger.pod_owner(carol) == "U0ALICE"
    assert not dispatcher.act(ids.CLAIM, carol, BOB).ok  # taken


def test_set_min_workers_to_zero(services: Services) -> None:
    [endpoint] = services.runpod.list_endpoints()
    services.ledger.observe_endpoints([endpoint], now=services.clock.now())
    reply = build_dispatcher(services).act(ids.MIN_WORKERS_0, endpoint.id, ADMIN)
    assert reply.ok, reply.text()
    [after] = services.runpod.list_endpoints()
    assert after.workers_min == 0


def test_relaunch_on_demand_creates_an_on_demand_copy_for_the_owner(services: Services) -> None:
    erin = _pod(services, "erin-spot-eval")
    reply = build_dispatcher(services).act(ids.RELAUNCH, erin, ADMIN)
    assert reply.ok, reply.text()
    created = services.runpod.get_pod(reply.data["pod_id"])
    assert (created.spot, created.name) == (False, "erin-spot-eval-ondemand")
