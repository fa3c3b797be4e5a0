"""The notices' buttons: only the owner or an admin acts; every change is audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.dispatch import Caller, Dispatcher
from bot.handlers import build_dispatcher
from podwarden import bootstrap
from podwarden.adapters.slack import render_lifecycle as ids
from podwarden.adapters.slack.reply import Reply
from podwarden.bootstrap import Services
from podwarden.clock import ManualClock
from podwarden.domain.access import Role
from podwarden.domain.ledger_values import BudgetPeriod, BudgetScope
from podwarden.domain.models import Cloud, PodSpec
from podwarden.domain.notes import ApprovalRequested, SpotEvicted
from podwarden.services.pods import REQUEST_ENV
from tests.fakes.notifier import FakeNotifier
from tests.services import test_lifecycle_tick as tick_world

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
    assert outcomes == [("U0ALICE", "refused"), ("U0ADMIN", "started"), ("U0ADMIN", "ok")]


def test_resume_button_offers_first_then_resumes_once_on_confirm(services: Services) -> None:
    bob = _pod(services, "bob-notebook")
    dispatcher = build_dispatcher(services)
    dispatcher.act(ids.STOP_NOW, bob, BOB)
    offer = dispatcher.act(ids.RESUME, bob, BOB)
    assert offer.ok, offer.text()
    assert [b.text for b in offer.buttons] == ["Resume", "Cancel"]
    assert not services.runpod.get_pod(bob).running  # nothing happens before the confirm
    done = _press(dispatcher, offer, "Resume", BOB)
    assert done.ok, done.text()
    assert services.runpod.get_pod(bob).running
    assert "Already" in _press(dispatcher, offer, "Resume", BOB).title


def test_resume_button_is_refused_over_a_hard_cap(services: Services) -> None:
    bob = _pod(services, "bob-notebook")
    dispatcher = build_dispatcher(services)
    dispatcher.act(ids.STOP_NOW, bob, BOB)
    services.ledger.set_budget(BudgetScope.USER, "U0BOB", amount=Decimal("0.01"), period=BudgetPeriod.HOUR,
                               hard=True, now=services.clock.now())
    refused = dispatcher.act(ids.RESUME, bob, BOB)
    assert not refused.ok
    assert "break a cap" in refused.title
    assert not refused.buttons
    assert not services.runpod.get_pod(bob).running


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


def _evicted_spot_pod(services: Services, owner: str) -> str:
    """A spot pod Podwarden created (its env carries a request token), now stopped as an eviction leaves it."""
    spec = PodSpec(name="bob-spot", gpu_type_id="NVIDIA GeForce RTX 3090", gpu_count=1, image="acme/train:1",
                   cloud=Cloud.COMMUNITY, spot=True, bid_per_gpu=Decimal("0.50"), container_disk_gb=20,
                   volume_gb=20, env=(("WANDB_PROJECT", "eval"), (REQUEST_ENV, "token-of-the-spot-pod")))
    pod = services.runpod.create_pod(spec)
    services.runpod.stop_pod(pod.id)
    services.ledger.observe_pods([services.runpod.get_pod(pod.id)], now=services.clock.now(), owners={pod.id: owner})
    return pod.id


def _press(dispatcher: Dispatcher, reply: Reply, label: str, caller: Caller) -> Reply:
    button = next(b for b in reply.buttons if b.text == label)
    return dispatcher.act(button.action_id, button.value, caller)


def test_resume_button_brings_a_spot_pod_back_with_todays_bid(services: Services) -> None:
    spot = _evicted_spot_pod(services, "U0BOB")  # bid $0.50 per GPU when it was made
    gpu = next(g for g in services.runpod.gpu_types(gpu_count=1) if g.id == "NVIDIA GeForce RTX 3090")
    today = gpu.price(Cloud.COMMUNITY, spot=True)
    assert today is not None
    assert today != Decimal("0.50")
    dispatcher = build_dispatcher(services)
    done = _press(dispatcher, dispatcher.act(ids.RESUME, spot, BOB), "Resume", BOB)
    assert done.ok, done.text()
    assert services.simulator is not None
    resumed = services.simulator.world.pods[spot]
    assert (resumed.spot, resumed.bid_per_gpu) == (True, today)


def test_relaunch_offers_first_and_a_double_confirm_creates_one_new_on_demand_pod(services: Services) -> None:
    spot = _evicted_spot_pod(services, "U0BOB")
    dispatcher = build_dispatcher(services)
    offer = dispatcher.act(ids.RELAUNCH, spot, BOB)
    assert offer.ok, offer.text()
    assert [b.text for b in offer.buttons] == ["Confirm", "Cancel"]
    assert "bob-spot-ondemand" in offer.title
    named = [p for p in services.runpod.list_pods() if p.name == "bob-spot-ondemand"]
    assert not named  # nothing is created before the confirm
    done = _press(dispatcher, offer, "Confirm", BOB)
    again = _press(dispatcher, offer, "Confirm", BOB)  # a double click, or Slack retrying
    assert done.ok, done.text()
    assert "Already done" in again.title
    [created] = [p for p in services.runpod.list_pods() if p.name == "bob-spot-ondemand"]
    assert created.id != spot  # a new pod, not the evicted one found again by its request token
    assert not created.spot
    assert dict(created.env) == {"WANDB_PROJECT": "eval", REQUEST_ENV: offer.data["nonce"]}
    assert services.ledger.pod_owner(created.id) == "U0BOB"
    assert services.runpod.get_pod(spot).status.value == "EXITED"


def test_relaunch_for_someone_else_is_judged_against_the_owners_hard_cap(services: Services) -> None:
    spot = _evicted_spot_pod(services, "U0BOB")
    services.ledger.set_budget(BudgetScope.USER, "U0BOB", amount=Decimal("0.01"), period=BudgetPeriod.HOUR,
                               hard=True, now=services.clock.now())
    refused = build_dispatcher(services).act(ids.RELAUNCH, spot, ADMIN)
    assert not refused.ok
    assert "break a cap" in refused.title
    assert not refused.buttons
    assert not [p for p in services.runpod.list_pods() if p.name == "bob-spot-ondemand"]


def test_relaunch_above_the_threshold_asks_an_admin(tmp_path: Path) -> None:
    config = bootstrap.settings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}", approval_threshold="0.01",
                                admins="U0ADMIN", members="U0BOB")
    notes = FakeNotifier()
    with bootstrap.build(config, sim=True, notifier=notes) as built:
        spot = _evicted_spot_pod(built, "U0BOB")
        dispatcher = build_dispatcher(built)
        offer = dispatcher.act(ids.RELAUNCH, spot, BOB)
        assert offer.buttons[0].text == "Request approval"
        asked = _press(dispatcher, offer, "Request approval", BOB)
        assert asked.data.get("awaiting_approval"), asked.text()
        assert not [p for p in built.runpod.list_pods() if p.name == "bob-spot-ondemand"]
        [request] = [n for n in notes.sent if isinstance(n, ApprovalRequested)]
        assert (request.to, request.verb) == ("U0ADMIN", "start")


def test_terminate_button_offers_a_server_side_confirm_before_deleting(services: Services) -> None:
    bob = _pod(services, "bob-notebook")
    dispatcher = build_dispatcher(services)
    offer = dispatcher.act(ids.TERMINATE, bob, BOB)
    assert offer.ok, offer.text()
    assert services.runpod.get_pod(bob).running  # a forged click skipping Slack's dialog deletes nothing
    assert offer.buttons[0].action_id == "terminate_confirm"
    assert _press(dispatcher, offer, "Terminate", ALICE).ok is False  # only who asked confirms
    done = _press(dispatcher, offer, "Terminate", BOB)
    assert done.ok, done.text()
    assert bob not in {p.id for p in services.runpod.list_pods() if p.status.value != "TERMINATED"}


def test_terminate_button_on_an_unowned_pod_is_for_admins_only(services: Services) -> None:
    carol = _pod(services, "carol-sweeps")
    dispatcher = build_dispatcher(services)
    refused = dispatcher.act(ids.TERMINATE, carol, Caller("U0ALICE", Role.MEMBER, "C0NOTICE"))
    assert not refused.ok
    assert not refused.buttons
    [entry] = services.ledger.audit_log(actor="U0ALICE")
    assert (entry.outcome.value, entry.channel) == ("refused", "C0NOTICE")
    assert dispatcher.act(ids.TERMINATE, carol, ADMIN).buttons


def test_a_demoted_owner_cannot_use_an_old_stop_button_and_is_audited(services: Services) -> None:
    bob = _pod(services, "bob-notebook")
    refused = build_dispatcher(services).act(ids.STOP_NOW, bob, Caller("U0BOB", Role.VIEWER, "D0BOB"))
    assert not refused.ok
    assert "needs the member role" in refused.text()
    assert services.runpod.get_pod(bob).running
    [entry] = services.ledger.audit_log(actor="U0BOB")
    assert (entry.action, entry.outcome.value, entry.channel) == (ids.STOP_NOW, "refused", "D0BOB")


def test_a_button_on_someone_elses_pod_is_refused_and_audited_with_the_channel(services: Services) -> None:
    bob = _pod(services, "bob-notebook")
    refused = build_dispatcher(services).act(ids.KEEP_1H, bob, Caller("U0ALICE", Role.MEMBER, "C0NOTICE"))
    assert not refused.ok
    [entry] = services.ledger.audit_log(actor="U0ALICE")
    assert (entry.action, entry.outcome.value, entry.channel) == ("keep", "refused", "C0NOTICE")


def test_button_audit_rows_say_in_which_channel_it_was_clicked(services: Services) -> None:
    bob = _pod(services, "bob-notebook")
    dispatcher = build_dispatcher(services)
    dispatcher.act(ids.KEEP_1H, bob, Caller("U0BOB", Role.MEMBER, "D0BOB"))
    dispatcher.act(ids.STOP_NOW, bob, Caller("U0BOB", Role.MEMBER, "D0BOB"))
    entries = services.ledger.audit_log(target=bob)
    assert [e.action for e in reversed(entries)] == ["keep", "stop", "stop"]
    assert {e.channel for e in entries} == {"D0BOB"}


SPOT = {"pods": [{"name": "erin-spot", "gpu_type_id": "NVIDIA A100 80GB PCIe", "spot": True,
                  "workload": "busy", "started_seconds_ago": 3600, "evict_after_seconds": 20 * 60}]}
ERIN = Caller(tick_world.ERIN, Role.MEMBER, "D0ERIN")


def test_a_stop_button_runpod_refused_leaves_a_later_eviction_reported_to_the_owner(tmp_path: Path) -> None:
    for world in tick_world.build_world(tmp_path, SPOT):
        world.tick(1)
        erin = world.pod_id("erin-spot")
        world.sim.faults.add("graphql:podStop", "SERVER_ERROR", count=1)  # refused, not carried out
        refused = build_dispatcher(world.services).act(ids.STOP_NOW, erin, ERIN)
        assert not refused.ok
        assert world.status("erin-spot") == "RUNNING"
        assert world.services.ledger.lifecycle_state()[erin].stopped_by_us_at is None
        world.tick(25)  # evicted at minute 20
        assert world.status("erin-spot") == "EXITED"
        [evicted] = world.notes(SpotEvicted)  # erin hears of it, with Relaunch on-demand
        assert (evicted.to, evicted.pod_id) == (tick_world.ERIN, erin)


def test_a_stop_button_runpod_carried_out_is_not_reported_as_an_eviction(tmp_path: Path) -> None:
    for world in tick_world.build_world(tmp_path, SPOT):
        world.tick(1)
        erin = world.pod_id("erin-spot")
        done = build_dispatcher(world.services).act(ids.STOP_NOW, erin, ERIN)
        assert done.ok, done.text()
        world.tick(25)
        assert world.status("erin-spot") == "EXITED"
        assert world.services.ledger.lifecycle_state()[erin].stopped_by_us_at is not None
        assert world.notes(SpotEvicted) == []
