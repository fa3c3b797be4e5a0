"""Runtime telemetry: GPU and container utilisation follow the pod's scripted workload."""

from __future__ import annotations

from podwarden.sim import RunPodSimulator
from tests.sim.sim_helpers import GraphQL

# RunPod's documented runtime query (reference §3.3, DOCS sdks/graphql/manage-pods.mdx), verbatim.
DOCUMENTED_RUNTIME_QUERY = """
query {
  pod(input: { podId: "YOUR_POD_ID" }) {
    id
    name
    runtime {
      uptimeInSeconds
      ports { ip isIpPublic privatePort publicPort type }
      gpus { id gpuUtilPercent memoryUtilPercent }
      container { cpuPercent memoryPercent }
    }
  }
}
"""


def _gpu_utils(gql: GraphQL, pod_id: str) -> list[int]:
    return [g["gpuUtilPercent"] for g in gql.pod(pod_id)["runtime"]["gpus"]]


def _cpu(gql: GraphQL, pod_id: str) -> int:
    cpu: int = gql.pod(pod_id)["runtime"]["container"]["cpuPercent"]
    return cpu


def test_any_client_using_runpods_documented_field_names_gets_runtime_telemetry(
    sim: RunPodSimulator, gql: GraphQL,
) -> None:
    pod = sim.world.add_pod(name="Runpod Pytorch", gpu_type_id="NVIDIA RTX A5000", workload="busy")

    data = gql.data(DOCUMENTED_RUNTIME_QUERY.replace("YOUR_POD_ID", pod.id))

    runtime = data["pod"]["runtime"]
    assert data["pod"]["name"] == "Runpod Pytorch"
    assert runtime["uptimeInSeconds"] == 0
    [gpu] = runtime["gpus"]
    assert gpu["id"].startswith("GPU-")
    assert 85 <= gpu["gpuUtilPercent"] <= 95
    assert 0 <= gpu["memoryUtilPercent"] <= 100
    assert set(runtime["container"]) == {"cpuPercent", "memoryPercent"}
    assert {p["privatePort"] for p in runtime["ports"]} == {22, 8888}


def test_busy_idle_and_mixed_workloads_read_as_such_minute_after_minute(
    sim: RunPodSimulator, gql: GraphQL,
) -> None:
    busy = sim.world.add_pod(name="busy", gpu_type_id="NVIDIA A40", gpu_count=2, workload="busy").id
    idle = sim.world.add_pod(name="idle", gpu_type_id="NVIDIA A40", workload="idle").id
    mixed = sim.world.add_pod(name="mixed", gpu_type_id="NVIDIA A40", workload="mixed").id

    for _minute in range(19):
        assert all(85 <= u <= 95 for u in _gpu_utils(gql, busy))
        assert all(0 <= u <= 2 for u in _gpu_utils(gql, idle))
        assert all(85 <= u <= 95 for u in _gpu_utils(gql, mixed))
        assert 55 <= _cpu(gql, busy) <= 65
        assert _cpu(gql, idle) <= 3
        sim.advance(60)
    sim.advance(120)  # 21 min: mixed is in its idle half
    assert all(u <= 2 for u in _gpu_utils(gql, mixed))
    sim.advance(20 * 60)  # 41 min: busy again
    assert all(85 <= u <= 95 for u in _gpu_utils(gql, mixed))
    assert len({g["id"] for g in gql.pod(busy)["runtime"]["gpus"]}) == 2


def test_explicit_steps_play_once_and_the_last_step_holds(sim: RunPodSimulator, gql: GraphQL) -> None:
    pod = sim.world.add_pod(name="job", gpu_type_id="NVIDIA L40S", workload="idle")
    sim.advance(600)
    sim.world.set_workload(pod.id, [(300, 70, 40), (300, 0, 0)])

    sim.advance(60)
    assert 67 <= _gpu_utils(gql, pod.id)[0] <= 73
    assert 38 <= _cpu(gql, pod.id) <= 42
    sim.advance(300)
    assert _gpu_utils(gql, pod.id)[0] <= 2
    sim.advance(3600)
    assert _gpu_utils(gql, pod.id)[0] <= 2


def test_reading_telemetry_twice_at_one_instant_reads_the_same(sim: RunPodSimulator, gql: GraphQL) -> None:
    pod = sim.world.add_pod(name="a", gpu_type_id="NVIDIA A40", workload="busy")
    first = gql.pod(pod.id)["runtime"]
    assert gql.pod(pod.id)["runtime"] == first


def test_telemetry_is_listed_for_every_pod_in_one_query(sim: RunPodSimulator, gql: GraphQL) -> None:
    sim.world.add_pod(name="a", gpu_type_id="NVIDIA A40", workload="busy")
    sim.world.add_pod(name="b", gpu_type_id="NVIDIA A40", workload="idle", booted=False)
    sim.world.add_pod(name="c", gpu_type_id="NVIDIA A40", status="EXITED")

    query = "{ myself { pods { name desiredStatus runtime { gpus { gpuUtilPercent } } } } }"
    pods = gql.data(query)["myself"]["pods"]

    by_name = {p["name"]: p for p in pods}
    assert by_name["a"]["runtime"]["gpus"][0]["gpuUtilPercent"] >= 85
    assert by_name["b"]["runtime"] is None  # still booting
    assert by_name["c"] == {"name": "c", "desiredStatus": "EXITED", "runtime": None}


def test_telemetry_is_realistic_an_idle_notebook_holds_memory_and_training_is_not_a_flat_100(
    sim: RunPodSimulator, gql: GraphQL,
) -> None:
    """The levels documented in podwarden/sim/workload.py, minute after minute for an hour."""
    busy = sim.world.add_pod(name="train", gpu_type_id="NVIDIA A40", workload="busy").id
    idle = sim.world.add_pod(name="notebook", gpu_type_id="NVIDIA A40", workload="idle").id
    busy_utils: set[int] = set()
    for _minute in range(60):
        trained, notebook = gql.pod(busy)["runtime"], gql.pod(idle)["runtime"]
        busy_utils.update(g["gpuUtilPercent"] for g in trained["gpus"])
        assert all(68 <= g["memoryUtilPercent"] <= 79 for g in trained["gpus"])
        assert 38 <= trained["container"]["memoryPercent"] <= 46
        assert all(g["gpuUtilPercent"] <= 2 for g in notebook["gpus"])
        assert all(18 <= g["memoryUtilPercent"] <= 25 for g in notebook["gpus"])
        assert 11 <= notebook["container"]["memoryPercent"] <= 15
        sim.advance(60)
    assert max(busy_utils) < 100
    assert len(busy_utils) >= 4  # it moves from minute to minute
