"""Pods through the GraphQL surface: create, boot, stop, resume, terminate, capacity."""

from __future__ import annotations

from collections.abc import Callable

from podwarden.clock import ManualClock
from podwarden.sim import RunPodSimulator, Scenario
from tests.sim.sim_helpers import API_KEY, LIST_PODS, TERMINATE, GraphQL

NO_INSTANCES = (
    "There are no longer any instances available with the requested specifications. "
    "Please refresh and try again."
)
HOST_FULL = "There are not enough free GPUs on the host machine to start this pod."


def test_a_new_pod_runs_with_no_runtime_until_the_boot_delay_has_passed(
    sim: RunPodSimulator, gql: GraphQL,
) -> None:
    pod = gql.create_pod(name="train-1")

    assert pod["desiredStatus"] == "RUNNING"
    assert pod["runtime"] is None
    assert pod["podType"] == "RESERVED"
    assert len(pod["id"]) == 14
    assert pod["id"].isalnum()
    assert pod["id"] == pod["id"].lower()
    host_id, _, suffix = pod["machine"]["podHostId"].rpartition("-")
    assert host_id == pod["id"]
    assert len(suffix) == 8
    assert all(ch in "0123456789abcdef" for ch in suffix)  # RunPod's host suffix: 8 hex digits
    sim.advance(29)
    assert gql.pod(pod["id"])["runtime"] is None
    sim.advance(1)
    runtime = gql.pod(pod["id"])["runtime"]
    assert runtime["uptimeInSeconds"] == 30
    ports = {p["privatePort"]: p for p in runtime["ports"]}
    assert ports[22]["isIpPublic"] is True
    assert ports[22]["type"] == "tcp"
    assert 10000 <= ports[22]["publicPort"] < 60000
    assert ports[8888]["isIpPublic"] is False
    assert ports[8888]["type"] == "http"
    assert ports[8888]["ip"].startswith("100.65.")


def test_stop_clears_runtime_and_resume_maps_new_public_ports(sim: RunPodSimulator, gql: GraphQL) -> None:
    pod_id = gql.create_pod()["id"]
    sim.advance(30)
    before = gql.ssh(pod_id)

    stopped = gql.stop(pod_id)
    assert stopped == {"id": pod_id, "desiredStatus": "EXITED", "runtime": None}
    view = gql.pod(pod_id)
    assert view["runtime"] is None
    assert view["lastStatusChange"].startswith("Exited by User: ")
    assert sim.world.gpu_types["NVIDIA RTX A4000"].free["SECURE"] == 24

    assert gql.resume(pod_id)["desiredStatus"] == "RUNNING"
    assert gql.pod(pod_id)["runtime"] is None  # booting again
    sim.advance(30)
    after = gql.ssh(pod_id)
    assert after != before
    assert gql.pod(pod_id)["lastStatusChange"].startswith("Resumed by User: ")


def test_a_terminated_pod_is_gone_reading_it_is_null_and_terminating_it_again_says_so(
    sim: RunPodSimulator, gql: GraphQL,
) -> None:
    keep = gql.create_pod(name="keep")["id"]
    gone = gql.create_pod(name="gone")["id"]

    assert gql.data(TERMINATE, {"input": {"podId": gone}}) == {"podTerminate": None}

    assert [p["id"] for p in gql.data(LIST_PODS)["myself"]["pods"]] == [keep]
    # RunPod answers an unknown pod with null and no errors key (dstack raises on any errors)
    response = gql.post("query($i: PodFilter) { pod(input: $i) { id } }", {"i": {"podId": gone}})
    assert response.status_code == 200
    assert response.json() == {"data": {"pod": None}}
    again = gql.errors(TERMINATE, {"input": {"podId": gone}})
    [error] = again["errors"]
    assert error["path"] == ["podTerminate"]
    assert error["message"] == "pod not found to terminate"  # the exact text dstack treats as "already gone"
    assert gone not in sim.world.pods


def test_the_sdk_literal_style_create_is_accepted(gql: GraphQL) -> None:
    """The document runpod 1.12.0 renders: enum literal cloudType, explicit null dataCenterId."""
    document = """
    mutation {
      podFindAndDeployOnDemand(
        input: {
          name: "test", imageName: "runpod/stack", cloudType: ALL, startSsh: true, gpuTypeId: "NVIDIA GeForce RTX 4090", supportPublicIp: true, gpuCount: 1, volumeInGb: 0, minVcpuCount: 1, minMemoryInGb: 1, dataCenterId: null, dockerArgs: "", containerDiskInGb: 10, volumeMountPath: "/runpod-volume", env: [{ key: "A", value: "1" }], allowedCudaVersions: ["12.4"]
        }
      ) {
        id
        imageName
        env
        machineId
        machine {
          podHostId
        }
      }
    }
    """  # noqa: E501
    pod = gql.data(document)["podFindAndDeployOnDemand"]
    assert pod["imageName"] == "runpod/stack"
    assert pod["env"] == ["A=1"]
    assert pod["machine"]["podHostId"].startswith(pod["id"] + "-")


def test_aliases_work_as_runpodctl_uses_them(sim: RunPodSimulator, gql: GraphQL) -> None:
    pod_id = gql.create_pod()["id"]
    sim.advance(30)
    query = "query($i: PodFilter!) { pod(input: $i) { runtime { ports { privatePort PortType: type } } } }"
    data = gql.data(query, {"i": {"podId": pod_id}})
    assert {"privatePort": 22, "PortType": "tcp"} in data["pod"]["runtime"]["ports"]


def test_cloud_all_rents_the_cheapest_cloud_that_offers_the_gpu(gql: GraphQL) -> None:
    a4000 = gql.create_pod(cloudType="ALL", gpuTypeId="NVIDIA RTX A4000")
    l4 = gql.create_pod(cloudType="ALL", gpuTypeId="NVIDIA L4")

    assert (a4000["costPerHr"], a4000["machine"]["secureCloud"]) == (0.2, False)
    assert (l4["costPerHr"], l4["machine"]["secureCloud"]) == (0.43, True)  # no community L4
    two = gql.create_pod(gpuTypeId="NVIDIA H100 80GB HBM3", gpuCount=2)
    assert two["costPerHr"] == 5.98
    assert two["gpuCount"] == 2


def test_renting_uses_up_stock_until_no_instances_are_left(
    clock: ManualClock, connect: Callable[[RunPodSimulator], GraphQL],
) -> None:
    scenario = Scenario(catalog={"NVIDIA H200": {"stock": {"SECURE": 3, "COMMUNITY": 0}}})
    sim = RunPodSimulator(clock=clock, api_key=API_KEY, scenario=scenario)
    gql = connect(sim)
    stock = 'query { gpuTypes(input: {id: "NVIDIA H200"}) { lowestPrice(input: {gpuCount: 1}) { stockStatus } } }'
    assert gql.data(stock)["gpuTypes"][0]["lowestPrice"]["stockStatus"] == "Low"

    first = gql.create_pod(gpuTypeId="NVIDIA H200", gpuCount=2)["id"]
    gql.create_pod(gpuTypeId="NVIDIA H200")
    body = gql.errors(
        "mutation($input: PodFindAndDeployOnDemandInput!) { podFindAndDeployOnDemand(input: $input) { id } }",
        {"input": {"name": "x", "imageName": "img", "gpuTypeId": "NVIDIA H200", "cloudType": "ALL"}},
    )

    assert body == {
        "errors": [{"message": NO_INSTANCES, "locations": [{"line": 1, "column": 52}],
                    "path": ["podFindAndDeployOnDemand"], "extensions": {"code": "RUNPOD"}}],
        "data": {"podFindAndDeployOnDemand": None},
    }
    assert gql.data(stock)["gpuTypes"][0]["lowestPrice"]["stockStatus"] is None  # sold out reads null
    gql.data(TERMINATE, {"input": {"podId": first}})
    assert sim.world.gpu_types["NVIDIA H200"].free["SECURE"] == 2


def test_resume_fails_when_the_hosts_gpus_were_rented_meanwhile(
    clock: ManualClock, connect: Callable[[RunPodSimulator], GraphQL],
) -> None:
    scenario = Scenario(catalog={"NVIDIA B200": {"stock": {"SECURE": 1}}})
    sim = RunPodSimulator(clock=clock, api_key=API_KEY, scenario=scenario)
    gql = connect(sim)
    mine = gql.create_pod(gpuTypeId="NVIDIA B200")["id"]
    gql.stop(mine)
    gql.create_pod(gpuTypeId="NVIDIA B200", name="someone-else")

    body = gql.errors(f"mutation {{ podResume(input: {{podId: \"{mine}\", gpuCount: 1}}) {{ id }} }}")

    assert body["errors"][0]["message"] == HOST_FULL
    assert body["data"] == {"podResume": None}
    assert sim.world.pods[mine].desired_status == "EXITED"


def test_an_unknown_gpu_type_is_refused(sim: RunPodSimulator, gql: GraphQL) -> None:
    body = gql.errors(
        "mutation($input: PodFindAndDeployOnDemandInput!) { podFindAndDeployOnDemand(input: $input) { id } }",
        {"input": {"name": "x", "imageName": "img", "gpuTypeId": "NVIDIA GeForce RTX 3070"}},
    )
    assert "NVIDIA GeForce RTX 3070" in body["errors"][0]["message"]
    assert sim.world.pods == {}


def test_a_pod_from_a_template_takes_its_image_disk_and_ports(sim: RunPodSimulator, gql: GraphQL) -> None:
    template = gql.data("""mutation { saveTemplate(input: {name: "lab", imageName: "acme/lab:2",
        dockerArgs: "", containerDiskInGb: 30, volumeInGb: 40, env: [{key: "A", value: "b"}],
        ports: "22/tcp"}) { id } }""")
    template_id = template["saveTemplate"]["id"]

    pod = gql.create_pod(templateId=template_id, imageName=None, ports=None)

    assert (pod["imageName"], pod["containerDiskInGb"], pod["volumeInGb"], pod["ports"]) == \
        ("acme/lab:2", 30, 40.0, "22/tcp")
    assert sim.world.pods[pod["id"]].env == ["A=b"]


def test_requests_are_recorded_with_their_root_fields(sim: RunPodSimulator, gql: GraphQL) -> None:
    gql.create_pod()
    gql.data("query Both { myself { id } gpuTypes { id } }")

    assert [(r.method, r.path, r.operations) for r in sim.requests] == [
        ("POST", "/graphql", ("podFindAndDeployOnDemand",)),
        ("POST", "/graphql", ("myself", "gpuTypes")),
    ]
