"""Every GraphQLRunPod operation against the in-process RunPod simulator.

Each test drives the adapter through its public methods and compares what comes back with
what the simulator's world holds: the adapter must report RunPod's state exactly.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from podwarden.adapters.runpod import GraphQLRunPod
from podwarden.domain.models import (
    Cloud,
    EndpointSpec,
    Pod,
    PodSpec,
    PodStatus,
    ScalerType,
    Stock,
    TemplateSpec,
)
from podwarden.errors import NotFound
from podwarden.sim import RunPodSimulator
from podwarden.sim.catalog import stock_status
from podwarden.sim.pods import SimPod
from tests.adapters.runpod.runpod_helpers import RecordingTransport, graphql_bodies, graphql_ops

RTX4090 = "NVIDIA GeForce RTX 4090"
A100 = "NVIDIA A100 80GB PCIe"
A4000 = "NVIDIA RTX A4000"


def assert_matches(pod: Pod, sim_pod: SimPod) -> None:
    """The domain pod says what the simulated pod is."""
    assert pod.id == sim_pod.id
    assert pod.name == sim_pod.name
    assert pod.status is PodStatus(sim_pod.desired_status)
    assert pod.gpu_type_id == sim_pod.gpu_type_id
    assert pod.gpu_count == sim_pod.gpu_count
    billed = sim_pod.desired_status in ("RUNNING", "RESTARTING")  # billed now: 0 unless it runs
    assert pod.cost_per_hr == (sim_pod.cost_per_hr if billed else 0)
    assert pod.cloud is Cloud(sim_pod.cloud)
    assert pod.spot is sim_pod.spot
    assert pod.image == sim_pod.image_name
    assert pod.container_disk_gb == sim_pod.container_disk_gb
    assert pod.volume_gb == sim_pod.volume_gb
    assert pod.volume_mount_path == sim_pod.volume_mount_path
    assert pod.network_volume_id == sim_pod.network_volume_id
    assert pod.ports == (sim_pod.ports or None)
    assert pod.env == tuple(tuple(item.split("=", 1)) for item in sim_pod.env)
    assert pod.pod_host_id == sim_pod.pod_host_id
    assert pod.machine_id == sim_pod.machine_id
    assert pod.vcpu_count == sim_pod.vcpu_count
    assert pod.memory_gb == sim_pod.memory_gb


# --- pods ----------------------------------------------------------------------------------


def test_list_pods_reads_the_whole_fleet_with_telemetry_in_one_request(
    runpod: GraphQLRunPod, sim: RunPodSimulator,
) -> None:
    busy = sim.world.add_pod(name="train-1", gpu_type_id=A100, gpu_count=2, workload="busy",
                             started_seconds_ago=3600)
    idle = sim.world.add_pod(name="notebook", gpu_type_id=RTX4090, cloud="COMMUNITY", workload="idle")
    spot = sim.world.add_pod(name="cheap", gpu_type_id=A4000, spot=True)
    stopped = sim.world.add_pod(name="parked", gpu_type_id=A4000, status="EXITED")
    sim.advance(60)

    pods = {pod.id: pod for pod in runpod.list_pods()}

    assert graphql_ops(sim) == ["myself"]
    assert set(pods) == set(sim.world.pods)
    for sim_pod in (busy, idle, spot, stopped):
        assert_matches(pods[sim_pod.id], sim_pod)
    assert pods[spot.id].spot
    assert pods[idle.id].cloud is Cloud.COMMUNITY
    assert pods[stopped.id].status is PodStatus.EXITED
    assert pods[stopped.id].runtime is None

    runtime = pods[busy.id].runtime
    assert runtime is not None
    assert runtime.uptime_seconds == 3660
    assert [gpu.id for gpu in runtime.gpus] == busy.gpu_ids
    assert all(gpu.util_percent is not None and gpu.util_percent >= 80 for gpu in runtime.gpus)
    assert runtime.cpu_percent is not None
    assert runtime.cpu_percent >= 50
    idle_runtime = pods[idle.id].runtime
    assert idle_runtime is not None
    assert all(gpu.util_percent is not None and gpu.util_percent <= 5 for gpu in idle_runtime.gpus)

    ssh = runtime.ssh()
    assert ssh is not None
    assert (ssh.ip, ssh.public_port) == (busy.public_ip, busy.port_map[22])
    http = next(port for port in runtime.ports if port.private_port == 8888)
    assert (http.type, http.is_public, http.public_port) == ("http", False, busy.port_map[8888])


def test_a_booting_pod_has_no_runtime_yet(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    booting = sim.world.add_pod(name="fresh", gpu_type_id=A4000, booted=False)
    [pod] = runpod.list_pods()
    assert pod.id == booting.id
    assert pod.status is PodStatus.RUNNING
    assert pod.runtime is None


def test_list_pods_of_an_empty_account(runpod: GraphQLRunPod) -> None:
    assert runpod.list_pods() == []


def test_get_pod(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    sim_pod = sim.world.add_pod(name="one", gpu_type_id=RTX4090)
    sim.world.add_pod(name="other", gpu_type_id=RTX4090)
    sim.advance(60)
    pod = runpod.get_pod(sim_pod.id)
    assert_matches(pod, sim_pod)
    assert pod.runtime is not None
    assert graphql_ops(sim) == ["pod"]


def test_get_pod_of_an_unknown_or_terminated_pod_is_not_found(
    runpod: GraphQLRunPod, sim: RunPodSimulator,
) -> None:
    with pytest.raises(NotFound) as raised:
        runpod.get_pod("doesnotexist00")
    assert raised.value.operation == "get_pod"
    assert "doesnotexist00" in raised.value.message
    gone = sim.world.add_pod(name="gone", gpu_type_id=A4000)
    runpod.terminate_pod(gone.id)
    with pytest.raises(NotFound):
        runpod.get_pod(gone.id)


def test_create_an_on_demand_pod(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    volume = sim.world.create_network_volume(name="models", size=100, data_center_id="EU-RO-1")
    spec = PodSpec(
        name="train-7f3a", gpu_type_id=A100, gpu_count=2, image="runpod/pytorch:2.4", cloud=Cloud.SECURE,
        container_disk_gb=40, volume_gb=50, volume_mount_path="/data", network_volume_id=volume.id,
        ports="8888/http,22/tcp", env=(("HF_TOKEN", "x=y"), ("MODE", "train")),
    )
    pod = runpod.create_pod(spec)

    [sim_pod] = sim.world.pods.values()
    assert_matches(pod, sim_pod)
    assert (pod.name, pod.gpu_type_id, pod.gpu_count, pod.cloud) == ("train-7f3a", A100, 2, Cloud.SECURE)
    price = sim.world.gpu_types[A100].secure_price
    assert price is not None
    assert pod.cost_per_hr == price * 2
    assert pod.env[:2] == (("HF_TOKEN", "x=y"), ("MODE", "train"))
    [(key, token)] = pod.env[2:]  # the create's request token, so a failure can find this very pod
    assert key == "PODWARDEN_REQUEST"
    assert len(token) == 32
    assert pod.network_volume_id == volume.id
    assert not pod.spot
    assert pod.runtime is None  # still booting
    assert graphql_ops(sim) == ["podFindAndDeployOnDemand"]


def test_create_a_pod_from_a_template(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    spec = TemplateSpec(name="jupyter", image="runpod/jupyter:1", is_serverless=False)
    template = runpod.save_template(spec)
    pod = runpod.create_pod(PodSpec(name="nb-1", gpu_type_id=A4000, template_id=template.id))
    assert pod.template_id == template.id
    assert pod.image == "runpod/jupyter:1"


def test_create_a_spot_pod_at_the_minimum_bid(
    runpod: GraphQLRunPod, sim: RunPodSimulator, recorder: RecordingTransport,
) -> None:
    pod = runpod.create_pod(PodSpec(name="spot-1", gpu_type_id=RTX4090, image="img", spot=True,
                                    cloud=Cloud.COMMUNITY))
    sim_pod = sim.world.pods[pod.id]
    minimum = sim.world.gpu_types[RTX4090].community_spot_price
    assert sim_pod.spot
    assert sim_pod.bid_per_gpu == minimum
    assert pod.spot
    assert pod.cost_per_hr == minimum
    assert graphql_ops(sim) == ["gpuTypes", "podRentInterruptable"]
    bid_request = graphql_bodies(recorder)[0]
    assert bid_request["variables"] == {"filter": {"id": RTX4090},
                                        "lowest": {"gpuCount": 1, "secureCloud": False}}


def test_create_a_spot_pod_with_an_explicit_bid(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    pod = runpod.create_pod(PodSpec(name="spot-2", gpu_type_id=RTX4090, gpu_count=2, image="img", spot=True,
                                    cloud=Cloud.SECURE, bid_per_gpu=Decimal("0.5")))
    assert sim.world.pods[pod.id].bid_per_gpu == Decimal("0.5")
    assert pod.cost_per_hr == Decimal("1.0")
    assert graphql_ops(sim) == ["podRentInterruptable"]


def test_stop_and_resume(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    sim_pod = sim.world.add_pod(name="p", gpu_type_id=A4000, workload="busy")

    stopped = runpod.stop_pod(sim_pod.id)
    assert stopped.status is PodStatus.EXITED
    assert sim.world.pods[sim_pod.id].desired_status == "EXITED"
    assert_matches(stopped, sim_pod)

    resumed = runpod.resume_pod(sim_pod.id, gpu_count=1)
    assert resumed.status is PodStatus.RUNNING
    assert sim_pod.desired_status == "RUNNING"
    assert_matches(resumed, sim_pod)
    sim.advance(60)
    runtime = runpod.get_pod(sim_pod.id).runtime
    assert runtime is not None
    ssh = runtime.ssh()
    assert ssh is not None
    assert ssh.public_port == sim_pod.port_map[22]
    assert graphql_ops(sim) == ["podStop", "podResume", "pod"]


def test_resume_a_spot_pod_with_a_bid(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    sim_pod = sim.world.add_pod(name="s", gpu_type_id=RTX4090, spot=True, status="EXITED")
    pod = runpod.resume_pod(sim_pod.id, gpu_count=1, bid_per_gpu=Decimal("0.4"))
    assert pod.status is PodStatus.RUNNING
    assert pod.spot
    assert sim_pod.bid_per_gpu == Decimal("0.4")
    assert pod.cost_per_hr == Decimal("0.4")
    assert graphql_ops(sim) == ["podBidResume"]


def test_terminate(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    keep = sim.world.add_pod(name="keep", gpu_type_id=A4000)
    doomed = sim.world.add_pod(name="doomed", gpu_type_id=A4000)
    assert runpod.terminate_pod(doomed.id) is None  # type: ignore[func-returns-value]
    assert set(sim.world.pods) == {keep.id}
    assert [pod.id for pod in runpod.list_pods()] == [keep.id]


# --- catalog, account, volumes ---------------------------------------------------------------


@pytest.mark.parametrize("gpu_count", [1, 2, 8])
def test_gpu_types_match_the_catalog(runpod: GraphQLRunPod, sim: RunPodSimulator, gpu_count: int) -> None:
    catalog = runpod.gpu_types(gpu_count=gpu_count)
    assert graphql_ops(sim) == ["gpuTypes"]
    assert {gpu.id for gpu in catalog} == set(sim.world.gpu_types)
    for gpu in catalog:
        sim_gpu = sim.world.gpu_types[gpu.id]
        assert gpu.display_name == sim_gpu.display_name
        assert gpu.memory_gb == sim_gpu.memory_gb
        assert gpu.max_gpu_count == sim_gpu.max_gpu_count
        assert gpu.secure_price == sim_gpu.secure_price
        assert gpu.community_price == sim_gpu.community_price
        assert gpu.secure_spot_price == (sim_gpu.secure_spot_price if sim_gpu.offered("SECURE") else None)
        assert gpu.community_spot_price == (
            sim_gpu.community_spot_price if sim_gpu.offered("COMMUNITY") else None)
        for cloud, stock in (("SECURE", gpu.secure_stock), ("COMMUNITY", gpu.community_stock)):
            expected = Stock(stock_status(sim_gpu.free.get(cloud, 0) // gpu_count)) \
                if sim_gpu.offered(cloud) else Stock.NONE
            assert stock is expected, (gpu.id, cloud)


def test_gpu_stock_follows_rentals(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    sim.world.gpu_types[A100].free["SECURE"] = 3
    [before] = [gpu for gpu in runpod.gpu_types() if gpu.id == A100]
    assert before.secure_stock is Stock.LOW
    runpod.create_pod(PodSpec(name="last-three", gpu_type_id=A100, gpu_count=3, image="img"))
    [after] = [gpu for gpu in runpod.gpu_types() if gpu.id == A100]
    assert after.secure_stock is Stock.NONE


def test_account(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    sim.world.add_pod(name="p", gpu_type_id=A100)
    sim.world.pub_key = "ssh-ed25519 AAAA me"
    account = runpod.account()
    assert account.id == sim.world.user_id
    assert account.email == sim.world.email
    assert account.pub_key == "ssh-ed25519 AAAA me"
    assert account.balance == sim.world.balance
    assert account.spend_limit_per_hr == Decimal(sim.world.spend_limit)
    assert account.spend_per_hr == pytest.approx(sim.world.current_spend_per_hour(), abs=Decimal("1e-9"))
    assert isinstance(account.spend_per_hr, Decimal)


def test_network_volumes(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    assert runpod.network_volumes() == []
    made = sim.world.create_network_volume(name="datasets", size=250, data_center_id="US-KS-2")
    [volume] = runpod.network_volumes()
    assert (volume.id, volume.name, volume.size_gb, volume.data_center_id) == (
        made.id, "datasets", 250, "US-KS-2")


# --- templates, endpoints ----------------------------------------------------------------------


def test_save_template(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    spec = TemplateSpec(name="worker-v3", image="org/worker:3", container_disk_gb=15, volume_gb=5,
                        volume_mount_path="/models", ports="8000/http", env=(("MODEL", "llama"),))
    template = runpod.save_template(spec)
    sim_template = sim.world.templates[template.id]
    assert (template.name, template.image, template.is_serverless) == ("worker-v3", "org/worker:3", True)
    assert (template.container_disk_gb, template.volume_gb, template.env) == (15, 5, (("MODEL", "llama"),))
    assert (sim_template.name, sim_template.image_name, sim_template.volume_mount_path) == (
        "worker-v3", "org/worker:3", "/models")
    assert sim_template.env == [("MODEL", "llama")]


def test_create_then_fully_replace_an_endpoint(
    runpod: GraphQLRunPod, sim: RunPodSimulator, recorder: RecordingTransport,
) -> None:
    template = runpod.save_template(TemplateSpec(name="w", image="org/w:1"))
    created = runpod.save_endpoint(EndpointSpec(
        name="infer", template_id=template.id, gpu_ids=("AMPERE_80", "ADA_80_PRO"), workers_min=0,
        workers_max=5, idle_timeout_s=30, scaler_type=ScalerType.REQUEST_COUNT, scaler_value=2,
        execution_timeout_ms=120_000, flashboot=True, locations="US",
    ))
    sim_ep = sim.world.endpoints[created.id]
    assert created.name == "infer"
    assert created.gpu_ids == ("AMPERE_80", "ADA_80_PRO")
    assert (created.workers_max, created.idle_timeout_s, created.scaler_type, created.scaler_value) == (
        5, 30, ScalerType.REQUEST_COUNT, 2)
    assert created.flashboot
    assert sim_ep.flash_boot_type == "FLASHBOOT"
    assert (sim_ep.gpu_ids, sim_ep.workers_max, sim_ep.execution_timeout_ms, sim_ep.locations) == (
        "AMPERE_80,ADA_80_PRO", 5, 120_000, "US")

    updated = runpod.save_endpoint(EndpointSpec(
        id=created.id, name="infer", template_id=template.id, gpu_ids=("AMPERE_80", "ADA_80_PRO"),
        workers_min=0, workers_max=10, idle_timeout_s=30, scaler_type=ScalerType.REQUEST_COUNT,
        scaler_value=2, execution_timeout_ms=120_000, flashboot=True, locations="US",
    ))
    assert updated.id == created.id
    assert len(sim.world.endpoints) == 1
    # a full replace: everything not changed survived because the adapter sent everything
    assert (sim_ep.workers_max, sim_ep.idle_timeout, sim_ep.scaler_type, sim_ep.scaler_value) == (
        10, 30, "REQUEST_COUNT", 2)
    assert (sim_ep.execution_timeout_ms, sim_ep.flash_boot_type, sim_ep.locations) == (
        120_000, "FLASHBOOT", "US")
    sent = graphql_bodies(recorder)[-1]["variables"]["input"]
    assert set(sent) >= {"id", "name", "templateId", "gpuIds", "gpuCount", "workersMin", "workersMax",
                         "idleTimeout", "scalerType", "scalerValue", "executionTimeoutMs",
                         "networkVolumeId", "locations", "flashBootType"}


def test_list_endpoints(runpod: GraphQLRunPod, sim: RunPodSimulator) -> None:
    assert runpod.list_endpoints() == []
    template = runpod.save_template(TemplateSpec(name="w", image="org/w:1"))
    one = runpod.save_endpoint(EndpointSpec(name="a", template_id=template.id, gpu_ids=("AMPERE_16",),
                                            flashboot=False))
    two = runpod.save_endpoint(EndpointSpec(name="b", template_id=template.id, gpu_ids=("ADA_24",),
                                            workers_min=1, workers_max=2))
    endpoints = {ep.id: ep for ep in runpod.list_endpoints()}
    assert endpoints == {one.id: one, two.id: two}
    for endpoint in endpoints.values():
        sim_ep = sim.world.endpoints[endpoint.id]
        assert (endpoint.name, endpoint.template_id, ",".join(endpoint.gpu_ids)) == (
            sim_ep.name, sim_ep.template_id, sim_ep.gpu_ids)
        assert (endpoint.workers_min, endpoint.workers_max) == (sim_ep.workers_min, sim_ep.workers_max)
        assert endpoint.flashboot is (sim_ep.flash_boot_type != "OFF")
    assert not endpoints[one.id].flashboot


# --- the wire ----------------------------------------------------------------------------------


def test_documents_carry_no_values_only_variables(
    runpod: GraphQLRunPod, sim: RunPodSimulator, recorder: RecordingTransport,
) -> None:
    """Every value travels in `variables`; the query text is one of the fixed documents."""
    from podwarden.adapters.runpod import queries

    documents = {value for name, value in vars(queries).items() if name.isupper() and isinstance(value, str)}
    name = 'evil" } } mutation { podTerminate(input: {podId: "x"}) } #'
    pod = runpod.create_pod(PodSpec(name=name, gpu_type_id=A4000, image="img:1", env=(("K", "v"),)))
    runpod.get_pod(pod.id)
    runpod.stop_pod(pod.id)
    runpod.resume_pod(pod.id, gpu_count=1)
    runpod.gpu_types(gpu_count=2)
    runpod.terminate_pod(pod.id)
    bodies = graphql_bodies(recorder)
    assert len(bodies) == 6
    for body in bodies:
        assert body["query"] in documents
        for value in (pod.id, name, A4000, "img:1"):
            assert value not in body["query"]
    assert bodies[0]["variables"]["input"]["name"] == name
    assert bodies[0]["variables"]["input"]["gpuTypeId"] == A4000
    assert bodies[0]["variables"]["input"]["env"][0] == {"key": "K", "value": "v"}
    assert bodies[0]["variables"]["input"]["env"][1]["key"] == "PODWARDEN_REQUEST"
    assert bodies[1]["variables"] == {"input": {"podId": pod.id}}
    assert bodies[3]["variables"] == {"input": {"podId": pod.id, "gpuCount": 1}}
    assert bodies[4]["variables"]["secure"] == {"gpuCount": 2, "secureCloud": True}
    assert pod.name == name  # the odd name was stored as data, not executed
    assert json.dumps(bodies)  # plain JSON on the wire

