"""The RunPodGateway contract: GraphQLRunPod and RestRunPod give the same domain answers.

Every test runs once per adapter (``graphql``, ``rest``) against the same in-process
simulator, whose GraphQL and REST v2 surfaces serve one world, and checks the answer
against that world. Passing both is what makes ``PODWARDEN_RUNPOD_API`` a setting and not
a rewrite. Sleeps are recorded by fake time, which moves the simulator's clock too.

What the two APIs cannot agree on is left out of the comparison, by name (`pod_facts`,
`runtime_facts`): v2 reports no machine id, vCPU or memory size on a GPU
pod, no uptime for a booting pod, no GPU id in telemetry, no address for a port behind
RunPod's proxy, no mount path for a pod without a volume. The compute cost is compared for
every status: both give what is billed now, 0 for a pod that is not running (v2 documents 0.0;
GraphQL's ``costPerHr`` is then the rate it would run at, which its adapter zeroes).
Endpoints: v2 names no template. The catalog, stock per cloud included, is
compared whole (`catalog_facts`).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from podwarden.adapters.runpod import GraphQLRunPod, RestRunPod, RetryPolicy
from podwarden.domain.models import (
    Cloud,
    EndpointSpec,
    GpuType,
    Pod,
    PodSpec,
    PodStatus,
    ScalerType,
    Stock,
    TemplateSpec,
)
from podwarden.errors import (
    BadRequest,
    InsufficientBalance,
    MalformedResponse,
    NoCapacity,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    ServerError,
    SpendLimitReached,
    Unauthorized,
)
from podwarden.ports import RunPodGateway
from podwarden.sim import FaultKind, RunPodSimulator
from podwarden.sim.catalog import GpuType as SimGpuType
from podwarden.sim.clusters import create_cluster
from podwarden.sim.pods import SimPod
from podwarden.sim.world import World
from tests.adapters.runpod.runpod_helpers import API_KEY, GRAPHQL_URL, FakeTime, RecordingTransport, graphql_ops

REST_URL = "https://api.runpod.io/v2"
A100 = "NVIDIA A100 80GB PCIe"
H100 = "NVIDIA H100 80GB HBM3"
A4000 = "NVIDIA RTX A4000"
RTX4090 = "NVIDIA GeForce RTX 4090"

# The simulator's names for the same call on each surface: fault routes and served operations.
ROUTES = {
    "graphql": {"list": "graphql:myself", "create": "graphql:podFindAndDeployOnDemand", "get": "graphql:pod",
                "stop": "graphql:podStop", "catalog": "graphql:gpuTypes", "save_endpoint": "graphql:saveEndpoint",
                "save_template": "graphql:saveTemplate", "terminate": "graphql:podTerminate"},
    "rest": {"list": "rest:GET /v2/pods", "create": "rest:POST /v2/pods", "get": "rest:GET /v2/pods/{id}",
             "stop": "rest:POST /v2/pods/{id}/action", "catalog": "rest:GET /v2/catalog/gpus",
             "save_endpoint": "rest:POST /v2/serverless", "save_template": "rest:POST /v2/templates",
             "terminate": "rest:POST /v2/pods/{id}/action"},
}


@pytest.fixture(params=["graphql", "rest"])
def api(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def build(
    api: str, transport: httpx.BaseTransport, policy: RetryPolicy, *, key: str = API_KEY,
) -> GraphQLRunPod | RestRunPod:
    graphql = GraphQLRunPod(url=GRAPHQL_URL, api_key=key, retry=policy, transport=transport)
    if api == "graphql":
        return graphql
    return RestRunPod(url=REST_URL, api_key=key, graphql=graphql, retry=policy, transport=transport)


@pytest.fixture
def gateway(
    api: str, sim: RunPodSimulator, recorder: RecordingTransport, fake_time: FakeTime, policy: RetryPolicy,
) -> Iterator[RunPodGateway]:
    """The adapter under test on the simulator (every request checked by `recorder`: Bearer only)."""
    fake_time.on_sleep = sim.advance
    with build(api, recorder, policy) as client:
        yield client


def calls(sim: RunPodSimulator, api: str, call: str) -> int:
    """How many requests for `call` the simulator served (faulted ones included)."""
    operation = ROUTES[api][call].partition(":")[2]
    return sum(operation in served.operations for served in sim.requests)


# --- what is compared ------------------------------------------------------------------------


def pod_facts(pod: Pod) -> dict[str, Any]:
    """What both APIs report about a pod."""
    has_volume = pod.volume_gb > 0 or pod.network_volume_id is not None
    return {
        "id": pod.id, "name": pod.name, "status": pod.status, "gpu_type_id": pod.gpu_type_id,
        "gpu_count": pod.gpu_count, "cost_per_hr": pod.cost_per_hr,
        "image": pod.image, "cloud": pod.cloud,
        "spot": pod.spot, "container_disk_gb": pod.container_disk_gb, "volume_gb": pod.volume_gb,
        "volume_mount_path": pod.volume_mount_path if has_volume else None,
        "network_volume_id": pod.network_volume_id, "template_id": pod.template_id, "ports": pod.ports,
        "env": pod.env, "pod_host_id": pod.pod_host_id, "gpu_display_name": pod.gpu_display_name,
    }


def world_facts(sim_pod: SimPod, world: World) -> dict[str, Any]:
    """The same facts, from the simulated world."""
    has_volume = sim_pod.volume_gb > 0 or sim_pod.network_volume_id is not None
    return {
        "id": sim_pod.id, "name": sim_pod.name, "status": PodStatus(sim_pod.desired_status),
        "gpu_type_id": sim_pod.gpu_type_id, "gpu_count": sim_pod.gpu_count,
        "cost_per_hr": sim_pod.cost_per_hr if sim_pod.desired_status in ("RUNNING", "RESTARTING") else Decimal(0),
        "image": sim_pod.image_name, "cloud": Cloud(sim_pod.cloud), "spot": sim_pod.spot,
        "container_disk_gb": sim_pod.container_disk_gb, "volume_gb": sim_pod.volume_gb,
        "volume_mount_path": sim_pod.volume_mount_path if has_volume else None,
        "network_volume_id": sim_pod.network_volume_id, "template_id": sim_pod.template_id,
        "ports": sim_pod.ports or None, "env": tuple(tuple(item.split("=", 1)) for item in sim_pod.env),
        "pod_host_id": sim_pod.pod_host_id, "gpu_display_name": world.gpu_types[sim_pod.gpu_type_id].display_name,
    }


def runtime_facts(pod: Pod) -> dict[str, Any] | None:
    runtime = pod.runtime
    if runtime is None:
        return None
    ssh = runtime.ssh()
    return {
        "uptime": runtime.uptime_seconds,
        "gpus": [(gpu.util_percent, gpu.memory_util_percent) for gpu in runtime.gpus],
        "cpu": runtime.cpu_percent, "memory": runtime.memory_percent,
        "ssh": (ssh.ip, ssh.public_port) if ssh else None,
        "ports": sorted((p.private_port, p.type, p.is_public) for p in runtime.ports),
    }


def catalog_facts(gpu: GpuType) -> dict[str, Any]:
    return {
        "id": gpu.id, "display_name": gpu.display_name, "memory_gb": gpu.memory_gb,
        "manufacturer": gpu.manufacturer, "max_gpu_count": gpu.max_gpu_count,
        "secure_price": gpu.secure_price, "community_price": gpu.community_price,
        "secure_spot_price": gpu.secure_spot_price, "community_spot_price": gpu.community_spot_price,
        "counts": gpu.counts(), "secure_stock": gpu.secure_stock, "community_stock": gpu.community_stock,
    }


def stock(sim_gpu: SimGpuType, cloud: str, gpu_count: int) -> Stock:
    """The world's stock of pods of `gpu_count` GPUs in `cloud`, in RunPod's levels."""
    units = sim_gpu.free.get(cloud, 0) // gpu_count
    if not sim_gpu.offered(cloud) or gpu_count > sim_gpu.max_gpu_count or units <= 0:
        return Stock.NONE
    return Stock.LOW if units <= 3 else Stock.MEDIUM if units <= 11 else Stock.HIGH


# --- pods -------------------------------------------------------------------------------------


def test_list_pods_reports_the_fleet_with_telemetry(gateway: RunPodGateway, sim: RunPodSimulator) -> None:
    busy = sim.world.add_pod(name="train-1", gpu_type_id=A100, gpu_count=2, workload="busy",
                             started_seconds_ago=3600)
    idle = sim.world.add_pod(name="notebook", gpu_type_id=RTX4090, cloud="COMMUNITY", workload="idle")
    spot = sim.world.add_pod(name="cheap", gpu_type_id=A4000, spot=True)
    stopped = sim.world.add_pod(name="parked", gpu_type_id=A4000, status="EXITED")
    booting = sim.world.add_pod(name="fresh", gpu_type_id=A4000, booted=False)
    sim.advance(60)

    pods = {pod.id: pod for pod in gateway.list_pods()}

    assert set(pods) == set(sim.world.pods)
    for sim_pod in (busy, idle, spot, stopped, booting):
        assert pod_facts(pods[sim_pod.id]) == world_facts(sim_pod, sim.world)
    assert (pods[stopped.id].runtime, pods[stopped.id].uptime_seconds) == (None, 0)
    assert pods[stopped.id].cost_per_hr == 0  # billed now: a stopped pod's GPUs cost nothing, over either API
    assert pods[busy.id].cost_per_hr == busy.cost_per_hr > 0
    assert pods[booting.id].status is PodStatus.RUNNING  # on its way up: running, no telemetry yet
    busy_runtime = runtime_facts(pods[busy.id])
    assert busy_runtime is not None
    assert busy_runtime["uptime"] == 3660
    assert len(busy_runtime["gpus"]) == 2
    assert all(util >= 80 for util, _ in busy_runtime["gpus"])
    assert busy_runtime["cpu"] >= 50
    assert busy_runtime["ssh"] == (busy.public_ip, busy.port_map[22])
    assert (8888, "http", False) in busy_runtime["ports"]
    idle_runtime = runtime_facts(pods[idle.id])
    assert idle_runtime is not None
    assert all(util <= 5 for util, _ in idle_runtime["gpus"])


def test_a_booting_pod_is_running_without_a_runtime_until_it_is_up(
    gateway: RunPodGateway, sim: RunPodSimulator,
) -> None:
    """What both APIs agree a booting pod is, so a view can say "booting" alike over either;
    the uptime they give for it differs (GraphQL counts from the start, v2 gives none)."""
    sim_pod = sim.world.add_pod(name="fresh", gpu_type_id=A4000, booted=False)
    sim.advance(5)
    pod = gateway.get_pod(sim_pod.id)
    assert (pod.status, pod.runtime) == (PodStatus.RUNNING, None)
    sim.advance(sim.world.config.boot_seconds)
    up = gateway.get_pod(sim_pod.id).runtime
    assert up is not None
    assert up.uptime_seconds == sim.world.config.boot_seconds + 5


def test_both_apis_read_the_same_fleet_alike(sim: RunPodSimulator, policy: RetryPolicy) -> None:
    """Side by side on one world at one instant: the same facts, runtime included."""
    sim.world.add_pod(name="train-1", gpu_type_id=A100, gpu_count=2, workload="busy")
    sim.world.add_pod(name="notebook", gpu_type_id=RTX4090, cloud="COMMUNITY", workload="idle")
    sim.world.add_pod(name="parked", gpu_type_id=A4000, status="EXITED")
    sim.advance(90)
    transport = httpx.MockTransport(sim)
    with build("graphql", transport, policy) as graphql, build("rest", transport, policy) as rest:
        seen = [{pod.id: (pod_facts(pod), runtime_facts(pod)) for pod in client.list_pods()}
                for client in (graphql, rest)]
    assert seen[0] == seen[1]
    assert len(seen[0]) == 3


def test_instant_cluster_pods_are_listed_and_changed_only_with_their_cluster_over_rest(
    api: str, gateway: RunPodGateway, sim: RunPodSimulator,
) -> None:
    """Listed over both (they are billed). V2 manages a cluster's pods with the cluster (409
    to the pod's actions); the simulator's GraphQL stops and terminates them (UNVERIFIED)."""
    cluster = create_cluster(sim.world, {"gpuTypeId": H100, "podCount": 2, "gpuCountPerPod": 8,
                                         "clusterName": "big-run", "type": "TRAINING", "imageName": "img"})
    sim.world.add_pod(name="alone", gpu_type_id=A4000)
    pods = {pod.id: pod for pod in gateway.list_pods()}
    assert set(pods) == set(sim.world.pods)
    assert set(cluster.pod_ids) < set(pods)
    for pod_id in cluster.pod_ids:
        assert pod_facts(pods[pod_id]) == world_facts(sim.world.pods[pod_id], sim.world)
    first, second = cluster.pod_ids
    if api == "rest":
        for refused in (lambda: gateway.stop_pod(first), lambda: gateway.terminate_pod(second)):
            with pytest.raises(BadRequest, match="cluster") as raised:
                refused()
            assert raised.value.status == 409
        assert {first, second} <= set(sim.world.pods)
        assert sim.world.pods[first].desired_status == "RUNNING"
        return
    assert gateway.stop_pod(first).status is PodStatus.EXITED
    gateway.terminate_pod(second)
    assert second not in sim.world.pods


def test_get_pod_and_not_found(gateway: RunPodGateway, sim: RunPodSimulator) -> None:
    one = sim.world.add_pod(name="one", gpu_type_id=RTX4090)
    sim.world.add_pod(name="other", gpu_type_id=RTX4090)
    sim.advance(60)
    pod = gateway.get_pod(one.id)
    assert pod_facts(pod) == world_facts(one, sim.world)
    assert pod.runtime is not None
    with pytest.raises(NotFound, match="doesnotexist00") as raised:
        gateway.get_pod("doesnotexist00")
    assert raised.value.operation == "get_pod"
    gateway.terminate_pod(one.id)
    with pytest.raises(NotFound):
        gateway.get_pod(one.id)


def test_create_an_on_demand_pod_tagged_with_its_request(gateway: RunPodGateway, sim: RunPodSimulator) -> None:
    volume = sim.world.create_network_volume(name="models", size=100, data_center_id="EU-RO-1")
    spec = PodSpec(name="train-7f3a", gpu_type_id=A100, gpu_count=2, image="runpod/pytorch:2.4",
                   container_disk_gb=40, volume_mount_path="/data", network_volume_id=volume.id,
                   env=(("HF_TOKEN", "x=y"), ("MODE", "train")))
    pod = gateway.create_pod(spec)

    [sim_pod] = sim.world.pods.values()
    assert pod_facts(pod) == world_facts(sim_pod, sim.world)
    price = sim.world.gpu_types[A100].secure_price
    assert price is not None
    assert (pod.cost_per_hr, pod.cloud, pod.network_volume_id, pod.volume_mount_path) == (
        price * 2, Cloud.SECURE, volume.id, "/data")
    assert pod.env[:2] == (("HF_TOKEN", "x=y"), ("MODE", "train"))
    [(key, token)] = pod.env[2:]
    assert (key, len(token)) == ("PODWARDEN_REQUEST", 32)
    assert pod.runtime is None  # still booting
    sim.advance(120)
    runtime = gateway.get_pod(pod.id).runtime
    assert runtime is not None
    assert runtime.ssh() is not None


def test_create_with_a_volume_disk_and_from_a_template(gateway: RunPodGateway, sim: RunPodSimulator) -> None:
    template = gateway.save_template(TemplateSpec(name="jupyter", image="runpod/jupyter:1", is_serverless=False))
    pod = gateway.create_pod(PodSpec(name="nb-1", gpu_type_id=A4000, template_id=template.id, volume_gb=30,
                                     cloud=Cloud.COMMUNITY))
    assert pod_facts(pod) == world_facts(sim.world.pods[pod.id], sim.world)
    assert (pod.template_id, pod.image, pod.volume_gb, pod.cloud) == (
        template.id, "runpod/jupyter:1", 30, Cloud.COMMUNITY)


def test_stop_resume_terminate(gateway: RunPodGateway, sim: RunPodSimulator) -> None:
    sim_pod = sim.world.add_pod(name="p", gpu_type_id=A4000, gpu_count=2, workload="busy")
    keep = sim.world.add_pod(name="keep", gpu_type_id=A4000)

    stopped = gateway.stop_pod(sim_pod.id)
    assert stopped.status is PodStatus.EXITED
    assert pod_facts(stopped) == world_facts(sim_pod, sim.world)
    assert (stopped.cost_per_hr, gateway.get_pod(sim_pod.id).cost_per_hr) == (Decimal(0), Decimal(0))
    assert sim_pod.desired_status == "EXITED"

    resumed = gateway.resume_pod(sim_pod.id, gpu_count=2)
    assert resumed.status is PodStatus.RUNNING
    assert pod_facts(resumed) == world_facts(sim_pod, sim.world)
    sim.advance(60)
    runtime = gateway.get_pod(sim_pod.id).runtime
    assert runtime is not None
    ssh = runtime.ssh()
    assert ssh is not None
    assert ssh.public_port == sim_pod.port_map[22]

    assert gateway.terminate_pod(sim_pod.id) is None  # type: ignore[func-returns-value]
    assert set(sim.world.pods) == {keep.id}
    assert [pod.id for pod in gateway.list_pods()] == [keep.id]
    with pytest.raises(NotFound, match=sim_pod.id):
        gateway.terminate_pod(sim_pod.id)


def test_stopping_a_stopped_pod_and_resuming_a_running_one_answer_the_pod(
    gateway: RunPodGateway, sim: RunPodSimulator,
) -> None:
    stopped = sim.world.add_pod(name="parked", gpu_type_id=A4000, status="EXITED")
    running = sim.world.add_pod(name="busy", gpu_type_id=A4000)
    assert gateway.stop_pod(stopped.id).status is PodStatus.EXITED
    assert gateway.resume_pod(running.id, gpu_count=1).status is PodStatus.RUNNING
    assert (stopped.desired_status, running.desired_status) == ("EXITED", "RUNNING")


def test_any_cloud_is_the_cheapest_with_gpus_free(gateway: RunPodGateway, sim: RunPodSimulator) -> None:
    gpu = sim.world.gpu_types[A4000]
    assert gpu.community_price is not None
    assert gpu.secure_price is not None
    assert gpu.community_price < gpu.secure_price
    first = gateway.create_pod(PodSpec(name="any-1", gpu_type_id=A4000, image="img", cloud=Cloud.ALL))
    assert (first.cloud, first.cost_per_hr) == (Cloud.COMMUNITY, gpu.community_price)
    gpu.free["COMMUNITY"] = 0
    second = gateway.create_pod(PodSpec(name="any-2", gpu_type_id=A4000, image="img", cloud=Cloud.ALL))
    assert (second.cloud, second.cost_per_hr) == (Cloud.SECURE, gpu.secure_price)
    assert len(sim.world.pods) == 2


def test_spot_pods_rent_and_resume_with_a_bid(gateway: RunPodGateway, sim: RunPodSimulator) -> None:
    pod = gateway.create_pod(PodSpec(name="spot-1", gpu_type_id=RTX4090, image="img", spot=True,
                                     cloud=Cloud.COMMUNITY))
    minimum = sim.world.gpu_types[RTX4090].community_spot_price
    assert (pod.spot, pod.cost_per_hr, sim.world.pods[pod.id].bid_per_gpu) == (True, minimum, minimum)
    assert [p.spot for p in gateway.list_pods()] == [True]
    gateway.stop_pod(pod.id)
    resumed = gateway.resume_pod(pod.id, gpu_count=1, bid_per_gpu=Decimal("0.4"))
    assert (resumed.status, resumed.spot, resumed.cost_per_hr) == (PodStatus.RUNNING, True, Decimal("0.4"))
    assert sim.world.pods[pod.id].bid_per_gpu == Decimal("0.4")


# --- catalog, account, volumes -----------------------------------------------------------------


@pytest.mark.parametrize("gpu_count", [1, 2, 8])
def test_the_gpu_catalog_and_its_prices(
    gateway: RunPodGateway, sim: RunPodSimulator, gpu_count: int,
) -> None:
    catalog = gateway.gpu_types(gpu_count=gpu_count)
    assert {gpu.id for gpu in catalog} == set(sim.world.gpu_types)
    for gpu in catalog:
        sim_gpu = sim.world.gpu_types[gpu.id]
        secure, community = sim_gpu.offered("SECURE"), sim_gpu.offered("COMMUNITY")
        offered = {n for cloud in ("SECURE", "COMMUNITY") if sim_gpu.offered(cloud) for n in (1, 2, 4, 8)
                   if n <= min(sim_gpu.free.get(cloud, 0), sim_gpu.max_gpu_count)}  # availableGpuCounts
        assert catalog_facts(gpu) == {
            "id": sim_gpu.id, "display_name": sim_gpu.display_name, "memory_gb": sim_gpu.memory_gb,
            "manufacturer": sim_gpu.manufacturer, "max_gpu_count": sim_gpu.max_gpu_count,
            "secure_price": sim_gpu.secure_price, "community_price": sim_gpu.community_price,
            "secure_spot_price": sim_gpu.secure_spot_price if secure else None,
            "community_spot_price": sim_gpu.community_spot_price if community else None,
            "counts": tuple(sorted(offered)) or tuple(range(1, sim_gpu.max_gpu_count + 1)),
            "secure_stock": stock(sim_gpu, "SECURE", gpu_count),
            "community_stock": stock(sim_gpu, "COMMUNITY", gpu_count),
        }, gpu.id
        if not secure:
            assert gpu.secure_stock is Stock.NONE
        if not community:
            assert gpu.community_stock is Stock.NONE


def test_stock_runs_out_as_gpus_are_rented(gateway: RunPodGateway, sim: RunPodSimulator) -> None:
    for cloud in ("SECURE", "COMMUNITY"):
        sim.world.gpu_types[H100].free[cloud] = 0
    sim.world.gpu_types[A100].free.update({"SECURE": 40, "COMMUNITY": 0})
    sim.world.gpu_types[A4000].free.update({"SECURE": 0, "COMMUNITY": 6})
    gpus = {gpu.id: gpu for gpu in gateway.gpu_types()}
    assert (gpus[H100].secure_stock, gpus[H100].community_stock) == (Stock.NONE, Stock.NONE)
    assert (gpus[A100].secure_stock, gpus[A100].community_stock) == (Stock.HIGH, Stock.NONE)
    assert (gpus[A4000].secure_stock, gpus[A4000].community_stock) == (Stock.NONE, Stock.MEDIUM)
    fours = {gpu.id: gpu for gpu in gateway.gpu_types(gpu_count=4)}  # one pod of 4 fits in 6 free
    assert (fours[A4000].secure_stock, fours[A4000].community_stock) == (Stock.NONE, Stock.LOW)


def test_account(gateway: RunPodGateway, sim: RunPodSimulator) -> None:
    sim.world.add_pod(name="p", gpu_type_id=A100)
    sim.world.pub_key = "ssh-ed25519 AAAA me"
    account = gateway.account()
    assert (account.id, account.email, account.pub_key, account.balance) == (
        sim.world.user_id, sim.world.email, "ssh-ed25519 AAAA me", sim.world.balance)
    assert account.spend_limit_per_hr == Decimal(sim.world.spend_limit)
    assert account.spend_per_hr == pytest.approx(sim.world.current_spend_per_hour(), abs=Decimal("1e-9"))


def test_network_volumes(gateway: RunPodGateway, sim: RunPodSimulator) -> None:
    assert gateway.network_volumes() == []
    made = sim.world.create_network_volume(name="datasets", size=250, data_center_id="US-KS-2")
    [volume] = gateway.network_volumes()
    assert (volume.id, volume.name, volume.size_gb, volume.data_center_id) == (made.id, "datasets", 250, "US-KS-2")


# --- templates, endpoints ----------------------------------------------------------------------


def test_save_template(gateway: RunPodGateway, sim: RunPodSimulator) -> None:
    spec = TemplateSpec(name="worker-v3", image="org/worker:3", container_disk_gb=15, volume_gb=12,
                        volume_mount_path="/models", ports="8000/http", env=(("MODEL", "llama"),))
    template = gateway.save_template(spec)
    sim_template = sim.world.templates[template.id]
    assert (template.name, template.image, template.is_serverless) == ("worker-v3", "org/worker:3", True)
    assert (template.container_disk_gb, template.volume_gb, template.env) == (15, 12, (("MODEL", "llama"),))
    assert (sim_template.name, sim_template.image_name, sim_template.volume_mount_path, sim_template.ports) == (
        "worker-v3", "org/worker:3", "/models", "8000/http")
    assert list(sim_template.env) == [("MODEL", "llama")]
    assert sim_template.is_serverless  # what was sent, as RunPod keeps it
    pod_template = gateway.save_template(TemplateSpec(name="notebook", image="org/nb:1", is_serverless=False))
    assert (pod_template.is_serverless, sim.world.templates[pod_template.id].is_serverless) == (False, False)


def test_create_list_and_update_endpoints(api: str, gateway: RunPodGateway, sim: RunPodSimulator) -> None:
    """An update is GraphQL's full replace or v2's PATCH of the scaling settings; either way
    the endpoint keeps its template (and over v2 its env, the create's tag). V2's Endpoint
    names no template, so over REST `template_id` is None and an update needs none."""
    assert gateway.list_endpoints() == []
    template = gateway.save_template(TemplateSpec(name="w", image="org/w:1"))
    created = gateway.save_endpoint(EndpointSpec(
        name="infer", template_id=template.id, gpu_ids=("AMPERE_80", "ADA_80_PRO"), workers_max=5,
        idle_timeout_s=30, scaler_type=ScalerType.QUEUE_DELAY, scaler_value=2, execution_timeout_ms=120_000,
        flashboot=True, locations="US-KS-2",
    ))
    other = gateway.save_endpoint(EndpointSpec(name="b", template_id=template.id, gpu_ids=("ADA_24",),
                                               workers_min=1, workers_max=2, flashboot=False))
    reported_template = template.id if api == "graphql" else None
    assert (created.name, created.template_id, created.gpu_ids) == (
        "infer", reported_template, ("AMPERE_80", "ADA_80_PRO"))
    assert (created.workers_max, created.idle_timeout_s, created.scaler_type, created.scaler_value) == (
        5, 30, ScalerType.QUEUE_DELAY, 2)
    assert (created.flashboot, created.execution_timeout_ms, created.locations) == (True, 120_000, "US-KS-2")
    assert not other.flashboot
    sim_ep = sim.world.endpoints[created.id]
    assert (sim_ep.flash_boot_type, sim_ep.workers_max, sim_ep.execution_timeout_ms) == ("FLASHBOOT", 5, 120_000)
    assert {ep.id: ep for ep in gateway.list_endpoints()} == {created.id: created, other.id: other}

    env = list(sim_ep.env)
    updated = gateway.save_endpoint(EndpointSpec(
        id=created.id, name="infer", template_id=created.template_id or "", gpu_ids=("AMPERE_80", "ADA_80_PRO"),
        workers_max=10, idle_timeout_s=30, scaler_type=ScalerType.REQUEST_COUNT, scaler_value=3,
        execution_timeout_ms=120_000, flashboot=True, locations="US-KS-2",
    ))
    assert updated.id == created.id
    assert len(sim.world.endpoints) == 2
    assert (sim_ep.workers_max, sim_ep.idle_timeout, sim_ep.scaler_type, sim_ep.scaler_value) == (
        10, 30, "REQUEST_COUNT", 3)
    assert (sim_ep.execution_timeout_ms, sim_ep.flash_boot_type) == (120_000, "FLASHBOOT")
    assert sim_ep.template_id == template.id
    if api == "rest":  # GraphQL's full replace sends no env, and the simulator then keeps none
        assert list(sim_ep.env) == env


def test_an_update_without_a_template_id(api: str, gateway: RunPodGateway, sim: RunPodSimulator) -> None:
    """GraphQL's full replace needs the template id and refuses, unsent, without it; v2's
    PATCH does not send one."""
    template = gateway.save_template(TemplateSpec(name="w", image="org/w:1"))
    created = gateway.save_endpoint(EndpointSpec(name="e", template_id=template.id, gpu_ids=("ADA_24",)))
    update = EndpointSpec(id=created.id, name="e", template_id="", gpu_ids=("ADA_24",), workers_min=1)
    if api == "graphql":
        with pytest.raises(BadRequest, match="no template id"):
            gateway.save_endpoint(update)
        assert sim.world.endpoints[created.id].workers_min == 0
    else:
        assert gateway.save_endpoint(update).workers_min == 1
        assert sim.world.endpoints[created.id].template_id == template.id


# --- faults ------------------------------------------------------------------------------------


def test_a_wrong_key_is_unauthorized(api: str, sim: RunPodSimulator, fake_time: FakeTime) -> None:
    policy = RetryPolicy(sleep=fake_time.sleep, clock=fake_time.clock)
    with build(api, httpx.MockTransport(sim), policy, key="rpa_WRONGKEY0000000000000000") as runpod, \
            pytest.raises(Unauthorized) as raised:
        runpod.list_pods()
    assert raised.value.status == 401
    assert "WRONGKEY" not in str(raised.value)
    assert fake_time.sleeps == []


def test_refusals_of_a_create(gateway: RunPodGateway, sim: RunPodSimulator, fake_time: FakeTime) -> None:
    sim.world.gpu_types[H100].free.update({"SECURE": 0, "COMMUNITY": 0})
    with pytest.raises(NoCapacity, match="no longer any instances"):
        gateway.create_pod(PodSpec(name="big", gpu_type_id=H100, image="img"))
    sim.world.spend_limit = 1
    with pytest.raises(SpendLimitReached, match=r"(?i)spend limit"):
        gateway.create_pod(PodSpec(name="dear", gpu_type_id=A100, gpu_count=4, image="img"))
    sim.world.spend_limit = 1000
    sim.world.balance = Decimal("0.50")
    with pytest.raises(InsufficientBalance, match="balance"):
        gateway.create_pod(PodSpec(name="poor", gpu_type_id=A100, image="img"))
    assert sim.world.pods == {}
    assert fake_time.sleeps == []


def test_a_rate_limit_is_waited_out_as_retry_after_says(
    api: str, gateway: RunPodGateway, sim: RunPodSimulator, fake_time: FakeTime,
) -> None:
    sim.faults.add(route=ROUTES[api]["list"], kind=FaultKind.RATE_LIMIT, count=2, retry_after=3)
    assert gateway.list_pods() == []
    assert fake_time.sleeps == [3.0, 3.0]
    assert calls(sim, api, "list") == 3


def test_a_rate_limit_longer_than_the_budget_is_raised(
    api: str, gateway: RunPodGateway, sim: RunPodSimulator, fake_time: FakeTime,
) -> None:
    sim.faults.add(route=ROUTES[api]["list"], kind=FaultKind.RATE_LIMIT, count=1, retry_after=600)
    with pytest.raises(RateLimited) as raised:
        gateway.list_pods()
    assert raised.value.retry_after == 600.0
    assert fake_time.sleeps == []


@pytest.mark.parametrize("kind", [FaultKind.SERVER_ERROR, FaultKind.MALFORMED, FaultKind.TIMEOUT, FaultKind.DROP])
def test_reads_are_retried_through_failures(
    api: str, gateway: RunPodGateway, sim: RunPodSimulator, fake_time: FakeTime, kind: FaultKind,
) -> None:
    pod = sim.world.add_pod(name="p", gpu_type_id=A4000)
    sim.faults.add(route=ROUTES[api]["get"], kind=kind, count=2)
    assert gateway.get_pod(pod.id).id == pod.id
    assert len(fake_time.sleeps) == 2
    assert calls(sim, api, "get") == 3


def test_junk_that_never_stops_is_malformed(api: str, gateway: RunPodGateway, sim: RunPodSimulator) -> None:
    sim.faults.add(route=ROUTES[api]["catalog"], kind=FaultKind.MALFORMED)
    with pytest.raises(MalformedResponse):
        gateway.gpu_types()


@pytest.mark.parametrize(("kind", "acted"), [
    pytest.param(FaultKind.SERVER_ERROR_AFTER, True, id="500-after-creating"),
    pytest.param(FaultKind.SERVER_ERROR, False, id="500-before-creating"),
    pytest.param(FaultKind.MALFORMED, False, id="junk-answer"),
])
def test_after_an_answered_failure_the_listing_decides_whether_to_create_again(
    api: str, gateway: RunPodGateway, sim: RunPodSimulator, kind: FaultKind, acted: bool,
) -> None:
    sim.world.add_pod(name="someone-elses", gpu_type_id=A4000)
    sim.faults.add(route=ROUTES[api]["create"], kind=kind, count=1)
    pod = gateway.create_pod(PodSpec(name="train-req42", gpu_type_id=A100, image="img"))
    assert [p.id for p in sim.world.pods.values() if p.name == "train-req42"] == [pod.id]
    assert calls(sim, api, "create") == (1 if acted else 2)
    assert calls(sim, api, "list") == 1


def test_a_create_that_times_out_after_creating_is_found_by_its_tag_and_never_resent(
    api: str, gateway: RunPodGateway, sim: RunPodSimulator,
) -> None:
    sim.faults.add(route=ROUTES[api]["create"], kind=FaultKind.TIMEOUT, after=True, count=None)
    pod = gateway.create_pod(PodSpec(name="slow-1", gpu_type_id=A100, image="img"))
    assert list(sim.world.pods) == [pod.id]
    assert dict(pod.env)["PODWARDEN_REQUEST"] == dict(
        item.split("=", 1) for item in sim.world.pods[pod.id].env)["PODWARDEN_REQUEST"]
    assert calls(sim, api, "create") == 1


def test_a_create_that_never_happened_is_outcome_unknown_not_a_second_try(
    api: str, gateway: RunPodGateway, sim: RunPodSimulator,
) -> None:
    sim.faults.add(route=ROUTES[api]["create"], kind=FaultKind.DROP, count=None)
    with pytest.raises(OutcomeUnknown) as raised:
        gateway.create_pod(PodSpec(name="lost-1", gpu_type_id=A100, image="img"))
    assert raised.value.request is not None
    assert sim.world.pods == {}
    assert calls(sim, api, "create") == 1
    assert calls(sim, api, "list") >= 2


def test_endpoint_and_template_creates_that_time_out_are_found_not_resent(
    api: str, gateway: RunPodGateway, sim: RunPodSimulator,
) -> None:
    sim.faults.add(route=ROUTES[api]["save_template"], kind=FaultKind.TIMEOUT, after=True, count=1)
    sim.faults.add(route=ROUTES[api]["save_endpoint"], kind=FaultKind.TIMEOUT, after=True, count=1)
    template = gateway.save_template(TemplateSpec(name="w-slow", image="org/w:1"))
    endpoint = gateway.save_endpoint(EndpointSpec(name="e-slow", template_id=template.id, gpu_ids=("ADA_24",)))
    assert [t.id for t in sim.world.templates.values() if t.name == "w-slow"] == [template.id]
    assert list(sim.world.endpoints) == [endpoint.id]
    assert (calls(sim, api, "save_template"), calls(sim, api, "save_endpoint")) == (1, 1)


def test_a_stop_whose_answer_was_lost_is_reconciled_not_failed(
    api: str, gateway: RunPodGateway, sim: RunPodSimulator,
) -> None:
    pod = sim.world.add_pod(name="p", gpu_type_id=A4000)
    sim.faults.add(route=ROUTES[api]["stop"], kind=FaultKind.TIMEOUT, after=True, count=1)
    assert gateway.stop_pod(pod.id).status is PodStatus.EXITED
    assert calls(sim, api, "stop") == 1


def test_a_terminate_whose_answer_was_lost_is_done_not_not_found(
    api: str, gateway: RunPodGateway, sim: RunPodSimulator,
) -> None:
    """The retry finds the pod gone: the lost attempt terminated it, which is success."""
    pod = sim.world.add_pod(name="p", gpu_type_id=A4000)
    sim.faults.add(route=ROUTES[api]["terminate"], kind=FaultKind.TIMEOUT, after=True, count=1)
    gateway.terminate_pod(pod.id)
    assert sim.world.pods == {}
    assert calls(sim, api, "terminate") == 2


def test_over_rest_a_spot_pod_is_known_from_graphql_and_never_resumed_blind(
    sim: RunPodSimulator, policy: RetryPolicy, caplog: pytest.LogCaptureFixture,
) -> None:
    """V2's Pod does not say whether a pod is spot. With GraphQL down the fleet is still read
    (logged), and a resume refuses instead of starting a spot pod on demand."""
    spot = sim.world.add_pod(name="cheap", gpu_type_id=A4000, spot=True, status="EXITED")
    with build("rest", httpx.MockTransport(sim), policy) as rest:
        assert [pod.spot for pod in rest.list_pods()] == [True]
        sim.faults.add(route="graphql", kind=FaultKind.SERVER_ERROR)
        assert [pod.id for pod in rest.list_pods()] == [spot.id]
        assert "spot pods is unknown" in caplog.text
        with pytest.raises(ServerError, match="cannot tell whether pod"):
            rest.resume_pod(spot.id, gpu_count=1)
    assert spot.desired_status == "EXITED"


def test_rest_sends_to_graphql_only_what_v2_lacks(sim: RunPodSimulator, policy: RetryPolicy) -> None:
    """The REST adapter asks GraphQL only what v2 cannot say (whether a pod is spot, the
    account); an on-demand pod is stopped and resumed over v2."""
    sim.world.add_pod(name="p", gpu_type_id=A4000)
    with build("rest", httpx.MockTransport(sim), policy) as rest:
        [pod] = rest.list_pods()
        rest.stop_pod(pod.id)
        rest.resume_pod(pod.id, gpu_count=1)
        rest.network_volumes()
        rest.list_endpoints()
        assert set(graphql_ops(sim)) == {"myself", "pod"}  # podType: reads only
        rest.account()
    assert calls(sim, "rest", "stop") == 2  # stop and start
    assert not {"podStop", "podResume", "podBidResume"} & set(graphql_ops(sim))
