"""PodsService: naming pods, the fleet view, ownership, SSH and start plans, against the simulator."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.verbs import Verbs
from podwarden.domain.access import Refused, Role
from podwarden.domain.ledger_values import AuditOutcome
from podwarden.domain.models import Cloud, Pod, PodStatus
from podwarden.domain.notes import SpotEvicted
from podwarden.errors import InputError, RunPodError, RunPodTimeout
from podwarden.services.pods import find_pod, spec_from
from tests.services import test_lifecycle_tick as tick_world
from tests.services.verbs_world import ADMIN, ALICE, BOB, actor, world

pytestmark = pytest.mark.usefixtures("podwarden_env")


def _pod(pod_id: str, name: str) -> Pod:
    return Pod(id=pod_id, name=name, status=PodStatus.RUNNING, gpu_type_id="g", gpu_count=1,
               cost_per_hr=Decimal(1))


PODS = [_pod("abc123", "train-1"), _pod("abd999", "train-2"), _pod("zz0001", "notebook")]


@pytest.mark.parametrize(("ref", "found"), [
    ("abc123", "abc123"), ("train-1", "abc123"), ("TRAIN-2", "abd999"), ("note", "zz0001"), ("abc", "abc123"),
])
def test_a_pod_is_named_by_id_name_or_unique_prefix(ref: str, found: str) -> None:
    assert find_pod(ref, PODS).id == found


def test_ambiguity_lists_and_a_miss_suggests() -> None:
    with pytest.raises(InputError, match=r"fits several pods: train-1 \(abc123\), train-2 \(abd999\)"):
        find_pod("train", PODS)
    with pytest.raises(InputError, match="did you mean `notebook`"):
        find_pod("notebok", PODS)
    with pytest.raises(InputError, match="no pod `xyz`"):
        find_pod("xyz", PODS)


def test_the_fleet_shows_owner_cost_and_utilisation(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.verbs.people.set_role(BOB, "member", prefix="bob-")
        fleet = w.verbs.pods.fleet(actor(ADMIN, Role.ADMIN), "all")
        names = {v.pod.name: v for v in fleet.pods}
        assert names["bob-notebook"].owner_id == BOB
        assert names["alice-llama-finetune"].gpu_util is not None
        assert fleet.per_hr == sum((v.pod.cost_per_hr for v in fleet.pods if v.pod.running), Decimal(0))
        mine = w.verbs.pods.fleet(actor(BOB, Role.MEMBER), "mine")
        assert [v.pod.name for v in mine.pods] == ["bob-notebook"]


def test_members_act_on_their_own_pods_only_and_refusals_are_audited(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        with pytest.raises(Refused, match="members may stop only their own pods"):
            w.verbs.pods.stop(actor(ALICE, Role.MEMBER, "C1"), "bob-notebook")
        [entry] = w.services.ledger.audit_log()
        assert (entry.actor, entry.outcome, entry.channel) == (ALICE, AuditOutcome.REFUSED, "C1")
        stopped = w.verbs.pods.stop(actor(ADMIN, Role.ADMIN), "bob-notebook")
        assert stopped.status is PodStatus.EXITED
        state = w.services.ledger.lifecycle_state()[stopped.id]
        assert state.stopped_by_us_at is not None  # ours, not a spot eviction


def test_ssh_commands_come_from_port_22_and_the_proxy(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ssh = w.verbs.pods.ssh("alice-llama")
        assert ssh.direct == f"ssh root@{ssh.host} -p {ssh.port} -i ~/.ssh/id_ed25519"
        assert ssh.proxied == f"ssh {ssh.pod.pod_host_id}@ssh.runpod.io -i ~/.ssh/id_ed25519"
        stopped = w.verbs.pods.ssh("dave-archive")
        assert stopped.direct is None


def test_a_start_plan_prices_and_names_without_creating(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        before = len(w.services.runpod.list_pods())
        w.verbs.people.set_role(ALICE, "member", prefix="alice-")
        plan = w.verbs.pods.plan_start(actor(ALICE, Role.MEMBER), gpu="a100", count=2, max_hours=Decimal(3))
        assert plan.per_hr == Decimal("3.78")
        assert plan.spec.name == "alice-a100-pcie"
        assert plan.spec.cloud is Cloud.SECURE
        assert len(w.services.runpod.list_pods()) == before
        spot = w.verbs.pods.plan_start(actor(ALICE, Role.MEMBER), gpu="4090", spot=True, cloud="community")
        assert spot.spec.bid_per_gpu == spot.per_hr  # the current minimum bid when none is given
        with pytest.raises(InputError, match="PODWARDEN_REQUEST is Podwarden's own"):
            w.verbs.pods.plan_start(actor(ALICE, Role.MEMBER), gpu="a100", env=(("PODWARDEN_REQUEST", "x"),))


def test_create_uses_the_nonce_as_request_token_and_records_deadline_and_owner(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        plan = w.verbs.pods.plan_start(actor(ALICE, Role.MEMBER), gpu="a4000", name="tok", max_hours=Decimal(2))
        pod = w.verbs.pods.create(actor(ADMIN, Role.ADMIN), plan.payload(), nonce="n0nce", owner=ALICE)
        again = w.verbs.pods.create(actor(ADMIN, Role.ADMIN), plan.payload(), nonce="n0nce", owner=ALICE)
        assert again.id == pod.id  # the same token finds the pod instead of making a second
        assert [p.id for p in w.services.runpod.list_pods() if p.name == "tok"] == [pod.id]
        assert w.services.ledger.pod_owner(pod.id) == ALICE
        state = w.services.ledger.lifecycle_state()[pod.id]
        assert state.created_by_podwarden
        assert state.deadline_at is not None
        assert abs((state.deadline_at - w.now()).total_seconds() - 7200) < 5


def test_spec_from_replaces_any_request_token() -> None:
    payload = {"name": "p", "gpu_type_id": "g", "gpu_count": 1, "cloud": "SECURE", "spot": False,
               "container_disk_gb": 20, "volume_gb": 0, "ports": "22/tcp", "env": [["PODWARDEN_REQUEST", "old"]]}
    assert spec_from(payload, request="new").env == (("PODWARDEN_REQUEST", "new"),)


def test_a_stopped_spot_pod_resumes_as_spot_with_a_bid(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        admin = actor(ADMIN, Role.ADMIN)
        plan = w.verbs.pods.plan_start(admin, gpu="4090", spot=True, cloud="community", name="spotty")
        pod = w.verbs.pods.create(admin, plan.payload(), nonce="spot-1", owner=ADMIN)
        w.sim.advance(120)
        w.verbs.pods.stop(admin, "spotty")
        target, per_hr = w.verbs.pods.resume_target(admin, "spotty")
        assert per_hr > 0
        resumed = w.verbs.pods.resume(admin, target.id)
        assert (resumed.id, resumed.spot) == (pod.id, True)
        assert resumed.status is PodStatus.RUNNING


@pytest.mark.parametrize("api", ["graphql", "rest"])
def test_a_stopped_pod_costs_its_storage_now_over_either_api(tmp_path: Path, api: str) -> None:
    """dave-archive is stopped: its GPUs bill nothing (both APIs say 0), its volume still bills."""
    from podwarden.adapters.slack.render_figures import rate_h
    from podwarden.adapters.slack.render_pods import fleet as render_fleet

    with world(tmp_path, runpod_api=api) as w:
        fleet = w.verbs.pods.fleet(actor(ADMIN, Role.ADMIN), "all")
        [archive] = [v for v in fleet.pods if v.pod.name == "dave-archive"]
        assert archive.pod.status is PodStatus.EXITED
        assert archive.pod.cost_per_hr == 0
        book = w.services.costs.book
        assert archive.storage_per_hr == book.volume_per_hour(archive.pod.volume_gb, running=False) > 0
        assert archive.per_hr_now == archive.storage_per_hr
        [running] = [v for v in fleet.pods if v.pod.name == "alice-llama-finetune"]
        assert running.per_hr_now == running.pod.cost_per_hr + book.container_disk_per_hour(
            running.pod.container_disk_gb) + book.volume_per_hour(running.pod.volume_gb, running=True)
        reply = render_fleet(fleet)
        [row] = [r for r in reply.sections[0].table or () if r[0].startswith("dave-archive")]
        assert row[3] == f"${archive.storage_per_hr:,.2f}"
        assert reply.sections[0].table[0][3] == "$/h now"
        [shown] = [p for p in reply.data["pods"] if p["name"] == "dave-archive"]
        assert (shown["per_hour"], shown["storage_per_hour"]) == ("0.000", rate_h(archive.storage_per_hr))


def test_the_fleet_names_owners_as_spend_does(tmp_path: Path) -> None:
    from podwarden.adapters.slack.render_pods import fleet as render_fleet

    with world(tmp_path) as w:
        w.verbs.people.set_role(BOB, "member", prefix="bob-")
        w.services.ledger.upsert_member(BOB, now=w.now(), display_name="bob")
        fleet = w.verbs.pods.fleet(actor(ADMIN, Role.ADMIN), "all")
        [notebook] = [v for v in fleet.pods if v.pod.name == "bob-notebook"]
        assert (notebook.owner_id, notebook.owner_name) == (BOB, "bob")
        reply = render_fleet(fleet)
        [row] = [r for r in reply.sections[0].table or () if r[0].startswith("bob-notebook")]
        assert row[7] == "bob"  # the name `spend` shows, not U0BOB
        [shown] = [p for p in reply.data["pods"] if p["name"] == "bob-notebook"]
        assert (shown["owner"], shown["owner_name"]) == (BOB, "bob")


SPOT = {"pods": [{"name": "erin-spot", "gpu_type_id": "NVIDIA A100 80GB PCIe", "spot": True,
                  "workload": "busy", "started_seconds_ago": 3600, "evict_after_seconds": 20 * 60}]}


def test_a_stop_runpod_refused_leaves_a_later_eviction_reported_to_the_owner(tmp_path: Path) -> None:
    for fleet in tick_world.build_world(tmp_path, SPOT):
        fleet.tick(1)
        erin = fleet.pod_id("erin-spot")
        fleet.sim.faults.add("graphql:podStop", "SERVER_ERROR", count=1)  # refused, not carried out
        with pytest.raises(RunPodError):
            Verbs(fleet.services).pods.stop(actor(tick_world.ERIN, Role.MEMBER), "erin-spot")
        assert fleet.status("erin-spot") == "RUNNING"
        assert fleet.services.ledger.lifecycle_state()[erin].stopped_by_us_at is None
        fleet.tick(25)  # evicted at minute 20
        assert fleet.status("erin-spot") == "EXITED"
        [evicted] = fleet.notes(SpotEvicted)  # erin hears of it, with Relaunch on-demand
        assert (evicted.to, evicted.pod_id) == (tick_world.ERIN, erin)


def test_a_stop_runpod_never_answered_keeps_its_mark(tmp_path: Path) -> None:
    for fleet in tick_world.build_world(tmp_path, SPOT):
        fleet.tick(1)
        erin = fleet.pod_id("erin-spot")
        fleet.sim.faults.add("graphql:podStop", "TIMEOUT", count=1)  # never answered: RunPod may still stop it
        with pytest.raises(RunPodTimeout):
            Verbs(fleet.services).pods.stop(actor(tick_world.ERIN, Role.MEMBER), "erin-spot")
        assert fleet.services.ledger.lifecycle_state()[erin].stopped_by_us_at == fleet.services.clock.now()


def test_a_stop_runpod_carried_out_is_not_reported_as_an_eviction(tmp_path: Path) -> None:
    for fleet in tick_world.build_world(tmp_path, SPOT):
        fleet.tick(1)
        erin = fleet.pod_id("erin-spot")
        Verbs(fleet.services).pods.stop(actor(tick_world.ERIN, Role.MEMBER), "erin-spot")
        fleet.tick(25)
        assert fleet.status("erin-spot") == "EXITED"
        assert fleet.services.ledger.lifecycle_state()[erin].stopped_by_us_at is not None
        assert fleet.notes(SpotEvicted) == []


def test_a_stop_runpod_carried_out_but_answered_with_an_error_keeps_its_mark(tmp_path: Path) -> None:
    for fleet in tick_world.build_world(tmp_path, SPOT):
        fleet.tick(1)
        erin = fleet.pod_id("erin-spot")
        fleet.sim.faults.add("graphql:podStop", "SERVER_ERROR_AFTER", count=1)  # stopped, then a 500
        with pytest.raises(RunPodError):
            Verbs(fleet.services).pods.stop(actor(tick_world.ERIN, Role.MEMBER), "erin-spot")
        assert fleet.status("erin-spot") == "EXITED"  # read back down: the stop was ours
        fleet.tick(25)
        assert fleet.services.ledger.lifecycle_state()[erin].stopped_by_us_at is not None
        assert fleet.notes(SpotEvicted) == []
