"""RunPod's official Python SDK (runpod 1.12.0), unchanged, against the simulator on loopback.

The SDK takes its GraphQL base from ``RUNPOD_API_BASE_URL`` on every call
(``runpod/api/graphql.py``), its Serverless base from the module attribute
``runpod.endpoint_url_base`` (read when a ``RunPodClient`` is built; ``runpod/__init__.py``
fills it from ``RUNPOD_ENDPOINT_BASE_URL`` at import) and its key from ``runpod.api_key``.
Those are the SDK's public configuration, so the tests set exactly those and nothing else.
Every answer is checked against what the simulated world holds.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import runpod
from runpod import error as runpod_error

from podwarden.clock import SystemClock
from podwarden.sim import RunPodSimulator, Scenario
from podwarden.sim.server import SimServer, serve

pytestmark = pytest.mark.sdk

KEY = "rpa_SDKCONFORMANCE"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimServer]:
    # Wall clock, so run_sync can wait; no boot delay or cold start, 0.2 s jobs: the test stays fast.
    scenario = Scenario(boot_seconds=0, cold_start_seconds=0, flashboot_cold_start_seconds=0,
                        execution_seconds=0.2)
    with serve(RunPodSimulator(clock=SystemClock(), api_key=KEY, seed=5, scenario=scenario)) as running:
        env = running.env()
        monkeypatch.setenv("RUNPOD_API_BASE_URL", env["RUNPOD_API_BASE_URL"])
        monkeypatch.setenv("RUNPOD_ENDPOINT_BASE_URL", env["RUNPOD_ENDPOINT_BASE_URL"])
        monkeypatch.setattr(runpod, "endpoint_url_base", env["RUNPOD_ENDPOINT_BASE_URL"])
        monkeypatch.setattr(runpod, "api_key", KEY)
        yield running


def test_gpu_catalogue(server: SimServer) -> None:
    world = server.sim.world

    gpus = runpod.get_gpus()
    a40 = runpod.get_gpu("NVIDIA A40")

    assert {g["id"]: (g["displayName"], g["memoryInGb"]) for g in gpus} == {
        t.id: (t.display_name, t.memory_gb) for t in world.gpu_types.values()}
    assert (a40["securePrice"], a40["communityPrice"], a40["maxGpuCount"]) == (0.4, 0.35, 8)
    assert a40["lowestPrice"] == {"minimumBidPrice": 0.18, "uninterruptablePrice": 0.35}
    with pytest.raises(ValueError, match="No GPU found"):
        runpod.get_gpu("NVIDIA GeForce RTX 3070")


def test_pod_lifecycle(server: SimServer) -> None:
    world = server.sim.world

    created = runpod.create_pod("sdk-pod", "runpod/stack", "NVIDIA GeForce RTX 4090",
                                ports="22/tcp,8888/http")
    pod_id = created["id"]
    assert world.pods[pod_id].name == "sdk-pod"
    assert created["machine"]["podHostId"] == world.pods[pod_id].pod_host_id

    [listed] = runpod.get_pods()
    assert (listed["id"], listed["desiredStatus"], listed["costPerHr"]) == (pod_id, "RUNNING", 0.34)
    assert listed["machine"] == {"gpuDisplayName": "RTX 4090"}
    ssh_before = next(p for p in runpod.get_pod(pod_id)["runtime"]["ports"] if p["privatePort"] == 22)
    assert ssh_before["publicPort"] == world.pods[pod_id].port_map[22]

    assert runpod.stop_pod(pod_id) == {"id": pod_id, "desiredStatus": "EXITED"}
    assert world.pods[pod_id].desired_status == "EXITED"
    assert runpod.get_pod(pod_id)["runtime"] is None

    resumed = runpod.resume_pod(pod_id, 1)
    assert (resumed["id"], resumed["desiredStatus"]) == (pod_id, "RUNNING")
    ssh_after = next(p for p in runpod.get_pod(pod_id)["runtime"]["ports"] if p["privatePort"] == 22)
    assert ssh_after["publicPort"] == world.pods[pod_id].port_map[22]
    assert (ssh_after["ip"], ssh_after["publicPort"]) != (ssh_before["ip"], ssh_before["publicPort"])

    assert runpod.terminate_pod(pod_id) is None
    assert pod_id not in world.pods
    assert runpod.get_pods() == []


def test_create_pod_on_a_network_volume_finds_its_data_center(server: SimServer) -> None:
    world = server.sim.world
    volume = world.create_network_volume(name="models", size=50, data_center_id="US-KS-2")

    created = runpod.create_pod("nv-pod", "runpod/stack", "NVIDIA A40", network_volume_id=volume.id)

    pod = world.pods[created["id"]]
    assert (pod.network_volume_id, pod.data_center_id) == (volume.id, "US-KS-2")
    operations = [r.operations for r in server.sim.requests]
    assert operations[-3:] == [("gpuTypes",), ("myself",), ("podFindAndDeployOnDemand",)]


def test_user_and_errors(server: SimServer, monkeypatch: pytest.MonkeyPatch) -> None:
    world = server.sim.world
    world.pub_key = "ssh-ed25519 AAAA me"

    assert runpod.get_user() == {"id": world.user_id, "pubKey": "ssh-ed25519 AAAA me", "networkVolumes": []}
    world.gpu_types["NVIDIA H200"].free = {"SECURE": 0, "COMMUNITY": 0}
    with pytest.raises(runpod_error.QueryError, match="no longer any instances available"):
        runpod.create_pod("h200", "img", "NVIDIA H200")
    monkeypatch.setattr(runpod, "api_key", "rpa_WRONG")
    with pytest.raises(runpod_error.AuthenticationError):
        runpod.get_user()
    with pytest.raises(RuntimeError, match="401 Unauthorized"):
        runpod.Endpoint("anything").health()


def test_templates_endpoints_and_serverless_jobs(server: SimServer) -> None:
    world = server.sim.world

    template = runpod.create_template("sdk-worker", "acme/worker:1", is_serverless=True)
    assert world.templates[template["id"]].image_name == "acme/worker:1"
    endpoint = runpod.create_endpoint("sdk-endpoint", template["id"], gpu_ids="ADA_24", workers_max=2,
                                      flashboot=True)
    assert endpoint["flashBootType"] == "FLASHBOOT"
    assert world.endpoints[endpoint["id"]].gpu_ids == "ADA_24"
    [listed] = runpod.get_endpoints()
    assert (listed["id"], listed["templateId"], listed["workersMax"]) == (endpoint["id"], template["id"], 2)

    other = runpod.create_template("sdk-worker-2", "acme/worker:2", is_serverless=True)
    assert runpod.update_endpoint_template(endpoint["id"], other["id"]) == {
        "id": endpoint["id"], "templateId": other["id"]}
    assert world.endpoints[endpoint["id"]].template_id == other["id"]

    sdk_endpoint = runpod.Endpoint(endpoint["id"])
    assert sdk_endpoint.run_sync({"prompt": "hello"}) == {"prompt": "hello"}
    job = sdk_endpoint.run({"prompt": "again"})
    assert job.output(timeout=10) == {"prompt": "again"}
    health = sdk_endpoint.health()
    assert health["jobs"]["completed"] == world.endpoints[endpoint["id"]].completed == 2
    assert set(health["workers"]) >= {"idle", "running"}
