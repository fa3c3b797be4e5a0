"""REST v2 (``/v2/pods``, ``/v2/catalog``, …) over the same world GraphQL serves."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from podwarden.sim import FaultKind, RunPodSimulator, Scenario
from podwarden.sim.server import serve
from tests.sim.sim_helpers import API_KEY, LIST_PODS, RENT_SPOT, GraphQL

NO_INSTANCES = (
    "There are no longer any instances available with the requested specifications. "
    "Please refresh and try again."
)
# The keys of V2's ``getPod`` example (reference §5), and nothing the simulator invented.
POD_KEYS = {
    "id", "name", "image", "args", "disk", "ports", "env", "registry", "status", "actions", "mounts", "gpu",
    "cloud", "dataCenterId", "cudaVersion", "ssh", "template", "cost", "locked",
    "globalNetworking", "runtime", "createdAt", "startedAt",
}
A4000 = "NVIDIA RTX A4000"


def create(client: httpx.Client, **fields: Any) -> httpx.Response:
    body = {"name": "train-1", "image": "runpod/pytorch:2.4.0", "gpu": {"id": A4000, "count": 1},
            "ports": ["22/tcp", "8888/http"], "startSsh": True, **fields}
    return client.post("/v2/pods", json=body)


def created(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = create(client, **fields)
    assert response.status_code == 201, response.text
    pod: dict[str, Any] = response.json()
    return pod


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert set(body) <= {"title", "status", "detail", "errors"}
    return body


# ------------------------------------------------------------------ pods
def test_a_pod_created_over_v2_has_the_documented_shape(sim: RunPodSimulator, client: httpx.Client) -> None:
    response = create(client, env={"PODWARDEN_CREATE": "tok-1"}, cloud="COMMUNITY",
                      mounts={"persistent": {"size": 20, "path": "/workspace"}}, disk=30)

    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    pod = response.json()
    assert set(pod) == POD_KEYS
    assert pod["name"] == "train-1"
    assert pod["image"] == "runpod/pytorch:2.4.0"
    assert pod["disk"] == 30
    assert pod["ports"] == ["22/tcp", "8888/http"]
    assert pod["env"] == {"PODWARDEN_CREATE": "tok-1"}
    assert pod["gpu"] == {"id": A4000, "count": 1}
    assert "cpu" not in pod  # V2 omits it for a GPU pod
    assert pod["cloud"] == "COMMUNITY"
    assert pod["cost"] == 0.2  # the community price of one A4000
    assert pod["mounts"] == {"persistent": {"size": 20, "path": "/workspace"}}
    assert pod["status"] == "PROVISIONING"
    assert pod["actions"] == ["stop", "terminate"]
    assert pod["runtime"] is None
    assert pod["ssh"]["direct"] is None
    assert pod["ssh"]["proxy"]["command"] == f"ssh {pod['ssh']['proxy']['username']}@ssh.runpod.io"
    assert pod["ssh"]["proxy"]["username"].startswith(pod["id"] + "-")
    assert pod["createdAt"] == pod["startedAt"] == sim.now().strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_booted_pod_runs_with_runtime_and_direct_ssh(sim: RunPodSimulator, client: httpx.Client) -> None:
    pod_id = created(client)["id"]
    sim.advance(30)

    pod = client.get(f"/v2/pods/{pod_id}").json()

    assert pod["status"] == "RUNNING"
    assert pod["actions"] == ["stop", "restart", "terminate"]
    runtime = pod["runtime"]
    assert runtime["uptime"] == 30
    ports = {p["private"]: p for p in runtime["ports"]}
    assert ports[8888] == {"private": 8888, "public": None, "type": "http", "ip": None}
    direct = pod["ssh"]["direct"]
    assert (direct["host"], direct["port"]) == (ports[22]["ip"], ports[22]["public"])
    assert direct["command"] == f"ssh root@{direct['host']} -p {direct['port']}"


def test_without_start_ssh_or_22_tcp_a_pod_has_no_direct_ssh(sim: RunPodSimulator, client: httpx.Client) -> None:
    pod_id = created(client, ports=["8888/http"], startSsh=False)["id"]
    sim.advance(30)

    pod = client.get(f"/v2/pods/{pod_id}").json()

    assert pod["runtime"] is not None
    assert pod["ssh"]["direct"] is None
    assert [p["private"] for p in pod["runtime"]["ports"]] == [8888]


def test_a_pod_created_over_v2_is_the_pod_graphql_lists(client: httpx.Client, gql: GraphQL) -> None:
    pod = created(client, gpu={"id": A4000, "count": 2})

    [listed] = gql.data(LIST_PODS)["myself"]["pods"]

    assert listed["id"] == pod["id"]
    assert listed["costPerHr"] == pod["cost"] == 0.56
    assert listed["gpuCount"] == 2


def test_pods_created_over_graphql_are_listed_by_v2_spot_ones_unmarked(
    client: httpx.Client, gql: GraphQL,
) -> None:
    """V2 has no spot pods and no field for them: a spot pod looks like any other (a client
    asks GraphQL's podType)."""
    on_demand = gql.create_pod(name="od")
    spot = gql.data(RENT_SPOT, {"input": {"name": "spot", "imageName": "img", "gpuTypeId": A4000,
                                          "cloudType": "SECURE", "bidPerGpu": 0.2}})["podRentInterruptable"]

    listed = {p["id"]: p for p in client.get("/v2/pods").json()["pods"]}

    assert set(listed) == {on_demand["id"], spot["id"]}
    assert listed[on_demand["id"]]["cost"] == on_demand["costPerHr"]
    assert listed[spot["id"]]["cost"] == spot["costPerHr"] == 0.2
    assert set(listed[spot["id"]]) == set(listed[on_demand["id"]]) == POD_KEYS


def test_runtime_telemetry_is_graphqls_at_the_same_instant(sim: RunPodSimulator, client: httpx.Client,
                                                           gql: GraphQL) -> None:
    pod = sim.world.add_pod(name="busy", gpu_type_id=A4000, gpu_count=2, workload="mixed")
    sim.advance(1500)

    graphql = gql.pod(pod.id)["runtime"]
    v2 = client.get(f"/v2/pods/{pod.id}").json()["runtime"]

    assert v2["uptime"] == graphql["uptimeInSeconds"]
    assert v2["gpus"] == [{"util": g["gpuUtilPercent"], "memoryUtil": g["memoryUtilPercent"]}
                          for g in graphql["gpus"]]
    assert v2["cpu"] == {"util": graphql["container"]["cpuPercent"]}
    assert v2["memory"] == {"util": graphql["container"]["memoryPercent"]}


def test_stop_start_restart_and_terminate_are_actions(sim: RunPodSimulator, client: httpx.Client,
                                                      gql: GraphQL) -> None:
    pod_id = created(client)["id"]
    sim.advance(30)
    action = f"/v2/pods/{pod_id}/action"

    stopped = client.post(action, json={"action": "stop"})
    assert stopped.status_code == 200
    assert (stopped.json()["status"], stopped.json()["actions"]) == ("EXITED", ["start", "terminate"])
    assert gql.pod(pod_id)["desiredStatus"] == "EXITED"
    conflict = problem(client.post(action, json={"action": "stop"}), 409)
    assert conflict["detail"] == "action stop is not allowed while the pod is EXITED"

    started = client.post(action, json={"action": "start"}).json()
    assert (started["status"], started["runtime"]) == ("STARTING", None)
    sim.advance(30)
    before = client.get(f"/v2/pods/{pod_id}").json()["ssh"]["direct"]["port"]
    restarted = client.post(action, json={"action": "restart"}).json()
    assert restarted["status"] == "STARTING"
    sim.advance(30)
    assert client.get(f"/v2/pods/{pod_id}").json()["ssh"]["direct"]["port"] != before

    terminated = client.post(action, json={"action": "terminate"})
    assert terminated.status_code == 204
    assert terminated.content == b""
    assert sim.world.pods == {}
    problem(client.get(f"/v2/pods/{pod_id}"), 404)


def test_a_stopped_pod_costs_nothing_an_hour_as_v2_says(sim: RunPodSimulator, client: httpx.Client) -> None:
    pod_id = created(client)["id"]
    sim.advance(30)
    assert client.get(f"/v2/pods/{pod_id}").json()["cost"] == 0.28  # the secure price of one A4000

    stopped = client.post(f"/v2/pods/{pod_id}/action", json={"action": "stop"}).json()

    assert stopped["cost"] == client.get(f"/v2/pods/{pod_id}").json()["cost"] == 0.0


def test_registry_is_an_id_and_global_networking_a_flag_as_v2_documents(
    sim: RunPodSimulator, client: httpx.Client,
) -> None:
    pod = created(client, registry="reg0000001", globalNetworking=True)
    assert pod["registry"] == "reg0000001"
    assert sim.world.pods[pod["id"]].container_registry_auth_id == "reg0000001"

    body = problem(create(client, registry={"id": "reg0000001"}, globalNetworking={"enabled": True}), 422)

    assert body["errors"] == ["registry: expected str", "globalNetworking: expected bool"]


def test_an_unknown_action_is_a_validation_error(client: httpx.Client) -> None:
    pod_id = created(client)["id"]

    body = problem(client.post(f"/v2/pods/{pod_id}/action", json={"action": "reset"}), 422)

    assert body["errors"] == ["action: must be start, stop, restart or terminate"]


def test_unknown_fields_are_rejected_by_name(sim: RunPodSimulator, client: httpx.Client) -> None:
    response = client.post("/v2/pods", json={"name": "x", "image": "img", "gpu": {"id": A4000, "cnt": 1},
                                             "gpuTypeId": A4000, "interruptible": True, "disk": "50"})

    body = problem(response, 422)

    assert body["title"] == "Unprocessable Entity"
    assert body["detail"] == "Request validation failed."
    assert body["errors"] == ["gpu.cnt: unknown field", "gpuTypeId: unknown field", "interruptible: unknown field",
                              "disk: expected int"]
    assert sim.world.pods == {}


@pytest.mark.parametrize(("fields", "detail"), [
    ({"cpu": {"id": "cpu3c", "vcpuCount": 2}}, "give exactly one of gpu and cpu"),
    ({"image": None}, "image is required unless templateId is given"),
])
def test_cross_field_rules_answer_400(client: httpx.Client, fields: dict[str, Any], detail: str) -> None:
    assert problem(create(client, **fields), 400)["detail"] == detail


def test_no_capacity_is_400_with_graphqls_text_and_no_other_gpu_is_tried(
    sim: RunPodSimulator, client: httpx.Client,
) -> None:
    created(client, gpu={"id": "NVIDIA H100 PCIe", "count": 8})

    body = problem(create(client, gpu={"id": "NVIDIA H100 PCIe", "count": 1}), 400)

    assert body["detail"] == NO_INSTANCES
    assert len(sim.world.pods) == 1


def test_too_little_balance_is_402(connect: Any) -> None:
    sim = RunPodSimulator(api_key=API_KEY, scenario=Scenario.from_dict({"balance": "0.10"}))
    client = connect(sim).client

    body = problem(create(client), 402)

    assert body["detail"].startswith("Insufficient balance")
    assert sim.world.pods == {}


def test_the_spend_limit_is_402_too_in_graphqls_words(connect: Any) -> None:
    sim = RunPodSimulator(api_key=API_KEY, scenario=Scenario.from_dict({"spend_limit": 1}))
    client = connect(sim).client

    body = problem(create(client, gpu={"id": A4000, "count": 4}), 402)

    assert body["detail"].startswith("Spend limit exceeded")


def test_cluster_pods_are_listed_on_request_and_changed_only_through_their_cluster(
    client: httpx.Client, gql: GraphQL,
) -> None:
    cluster = gql.data("""mutation { createCluster(input: {clusterName: "c", gpuTypeId: "NVIDIA H100 80GB HBM3",
        podCount: 2, gpuCountPerPod: 8, type: TRAINING, imageName: "img"}) { pods { id } } }""")["createCluster"]
    pod_id = cluster["pods"][0]["id"]

    assert client.get("/v2/pods").json() == {"pods": []}
    assert len(client.get("/v2/pods", params={"includeClusterPods": "true"}).json()["pods"]) == 2
    assert "cluster" in problem(client.patch(f"/v2/pods/{pod_id}", json={"name": "x"}), 409)["detail"]
    problem(client.delete(f"/v2/pods/{pod_id}"), 409)
    for action in ("stop", "restart", "terminate"):  # terminate is DELETE's equivalent
        assert "cluster" in problem(client.post(f"/v2/pods/{pod_id}/action", json={"action": action}), 409)["detail"]
    assert gql.pod(pod_id)["desiredStatus"] == "RUNNING"


def test_a_cpu_pod_has_cpu_and_no_gpu(client: httpx.Client) -> None:
    pod = created(client, gpu=None, cpu={"id": "cpu3c", "vcpuCount": 4})

    assert ("gpu" in pod, pod["cpu"]) == (False, {"id": "cpu3c", "vcpuCount": 4})
    assert pod["cost"] == 0.12


def test_patch_changes_name_and_env_and_keeps_the_pod(client: httpx.Client, gql: GraphQL) -> None:
    pod_id = created(client, env={"A": "1"})["id"]

    patched = client.patch(f"/v2/pods/{pod_id}", json={"name": "renamed", "env": {"B": "2"}})

    assert patched.status_code == 200
    assert (patched.json()["name"], patched.json()["env"]) == ("renamed", {"B": "2"})
    assert gql.pod(pod_id)["name"] == "renamed"
    problem(client.patch(f"/v2/pods/{pod_id}", json={"gpu": {"count": 2}}), 422)


def test_delete_terminates_and_unknown_ids_are_404(sim: RunPodSimulator, client: httpx.Client) -> None:
    pod_id = created(client)["id"]

    assert client.delete(f"/v2/pods/{pod_id}").status_code == 204

    assert sim.world.pods == {}
    for response in (client.delete(f"/v2/pods/{pod_id}"), client.get("/v2/pods/nope"),
                     client.patch("/v2/pods/nope", json={}), client.post("/v2/pods/nope/action", json={})):
        assert problem(response, 404) == {"title": "Not Found", "status": 404, "detail": "resource not found"}


# ------------------------------------------------------------------ transport
@pytest.mark.parametrize("authorization", [None, "Bearer rpa_WRONG", API_KEY])
def test_without_the_bearer_key_every_route_is_401(sim: RunPodSimulator, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    with httpx.Client(transport=httpx.MockTransport(sim), base_url="http://runpod.sim", headers=headers) as http:
        response = http.get("/v2/catalog/gpus")

    assert problem(response, 401) == {"title": "Unauthorized", "status": 401, "detail": "missing bearer token"}


def test_authenticated_answers_carry_the_rate_limit_headers(client: httpx.Client) -> None:
    for response in (client.get("/v2/pods"), client.get("/v2/pods/nope")):
        assert response.headers["ratelimit-policy"] == '"minute";q=60;w=60, "hour";q=3000;w=3600, "day";q=50000;w=86400'
        assert response.headers["ratelimit"].startswith('"minute";r=')


def test_a_wrong_method_is_405_with_allow(client: httpx.Client) -> None:
    response = client.put("/v2/pods")

    problem(response, 405)
    assert response.headers["allow"] == "GET, POST"


def test_a_rate_limit_fault_is_429_problem_json_with_retry_after(sim: RunPodSimulator, client: httpx.Client) -> None:
    sim.faults.add(route="rest:POST /v2/pods", kind=FaultKind.RATE_LIMIT, count=1, retry_after=7)

    assert client.get("/v2/pods").status_code == 200  # another route of the surface is not hit
    limited = create(client)

    assert problem(limited, 429) == {"title": "Too Many Requests", "status": 429,
                                     "detail": "rate limit exceeded for the minute window"}
    assert limited.headers["retry-after"] == "7"
    assert "ratelimit" in limited.headers
    assert sim.world.pods == {}
    assert create(client).status_code == 201


def test_a_server_error_fault_is_500_problem_json(sim: RunPodSimulator, client: httpx.Client) -> None:
    sim.faults.add(route="rest", kind=FaultKind.SERVER_ERROR, count=1)

    body = problem(client.get("/v2/pods"), 500)

    assert body["detail"] == "Something went wrong. Please try again later or contact support."


def test_a_create_can_succeed_and_still_answer_500(sim: RunPodSimulator, client: httpx.Client) -> None:
    """RunPod's quirk: the pod exists; a client finds it again by the env tag it sent."""
    sim.faults.add(route="rest:POST /v2/pods", kind=FaultKind.SERVER_ERROR_AFTER, count=1)

    problem(create(client, env={"PODWARDEN_CREATE": "tok-9"}), 500)

    [pod] = client.get("/v2/pods").json()["pods"]
    assert pod["env"] == {"PODWARDEN_CREATE": "tok-9"}


def test_action_faults_name_the_route_with_its_placeholder(sim: RunPodSimulator, client: httpx.Client) -> None:
    pod_id = created(client)["id"]
    sim.faults.add(route="rest:POST /v2/pods/{id}/action", kind=FaultKind.TIMEOUT, count=1, after=True)

    with pytest.raises(httpx.ReadTimeout):
        client.post(f"/v2/pods/{pod_id}/action", json={"action": "stop"})

    assert sim.world.pods[pod_id].desired_status == "EXITED"
    assert sim.requests[-1].operations == ("POST /v2/pods/{id}/action",)


def test_rest_v2_works_over_the_loopback_server(sim: RunPodSimulator) -> None:
    with serve(sim) as server, httpx.Client(base_url=server.url, timeout=5,
                                            headers={"Authorization": f"Bearer {API_KEY}"}) as http:
        pod = created(http)
        gpu = http.get("/v2/catalog/gpus/NVIDIA RTX A4000")  # a space in the id, percent-encoded on the wire
        deleted = http.delete(f"/v2/pods/{pod['id']}")

    assert gpu.json()["id"] == A4000
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert sim.world.pods == {}


def test_unsimulated_resources_answer_not_implemented(client: httpx.Client) -> None:
    assert problem(client.get("/v2/clusters"), 404)["detail"] == "not implemented yet"


# ------------------------------------------------------------------ catalogue
def test_the_gpu_catalogue_has_graphqls_prices_per_gpu(client: httpx.Client, gql: GraphQL) -> None:
    gpus = {g["id"]: g for g in client.get("/v2/catalog/gpus").json()["gpus"]}
    graphql = {g["id"]: g for g in gql.data("{ gpuTypes { id securePrice communityPrice } }")["gpuTypes"]}

    assert set(gpus) == set(graphql)
    rtx = gpus["NVIDIA GeForce RTX 4090"]
    assert rtx == {"id": "NVIDIA GeForce RTX 4090", "name": "RTX 4090", "pool": "ADA_24", "manufacturer": "NVIDIA",
                   "memory": 24, "secure": True, "community": True,
                   "price": {"secure": 0.69, "community": 0.34, "serverless": 1.116},
                   "maxCount": {"secure": 8, "community": 8}}
    for gpu_id, gpu in gpus.items():
        assert gpu["price"]["secure"] == graphql[gpu_id]["securePrice"]
        assert gpu["price"]["community"] == graphql[gpu_id]["communityPrice"]
    assert gpus["NVIDIA L4"]["community"] is False
    assert gpus["NVIDIA L4"]["maxCount"]["community"] == 0


def test_availability_needs_a_product(sim: RunPodSimulator, client: httpx.Client) -> None:
    problem(client.get("/v2/catalog/gpus", params={"include": "AVAILABILITY"}), 400)
    sim.world.add_pod(name="all", gpu_type_id="NVIDIA H100 PCIe", gpu_count=8)

    path, pods = "/v2/catalog/gpus/NVIDIA H100 PCIe", {"include": "AVAILABILITY", "product": "POD"}

    secure = client.get(path, params=pods).json()  # cloud defaults to SECURE, count to 1
    community = client.get(path, params={**pods, "cloud": "COMMUNITY"}).json()
    eights = client.get(path, params={**pods, "cloud": "COMMUNITY", "count": "8"}).json()

    assert (secure["availability"], community["availability"]) == ("NONE", "MEDIUM")  # 8 free in Community
    assert eights["availability"] == "LOW"  # one pod of 8
    assert {dc["id"]: dc["availability"] for dc in secure["dataCenters"]}["US-KS-2"] == "NONE"
    levels = {dc["id"]: dc["availability"] for dc in community["dataCenters"]}
    assert levels["EU-CZ-1"] == "MEDIUM"
    assert "US-KS-2" not in levels  # a Secure Cloud data centre
    assert client.get(path, params={**pods, "cloud": "COMMUNITY", "count": "16"}).json()["availability"] == "NONE"
    problem(client.get(path, params={**pods, "cloud": "ALL"}), 400)
    problem(client.get(path, params={**pods, "count": "0"}), 400)
    cluster = client.get("/v2/catalog/gpus/NVIDIA H200", params={"include": "AVAILABILITY", "product": "CLUSTER"})
    assert cluster.json()["availability"] == "HIGH"
    problem(client.get("/v2/catalog/gpus/NVIDIA nope"), 404)
    assert "availability" not in client.get("/v2/catalog/gpus/NVIDIA H200").json()


# ------------------------------------------------------------------ templates
def test_templates_are_created_read_patched_and_deleted(client: httpx.Client) -> None:
    response = client.post("/v2/templates", json={
        "name": "notebook", "image": "runpod/pytorch:2.4.0", "disk": 30, "ports": ["8888/http"],
        "env": {"JUPYTER_PASSWORD": "x"}, "mounts": {"persistent": {"size": 20, "path": "/workspace"}}})
    assert response.status_code == 201, response.text
    template = response.json()
    assert template == {"id": template["id"], "name": "notebook", "serverless": False,
                        "image": "runpod/pytorch:2.4.0",
                        "args": "", "disk": 30, "ports": ["8888/http"], "env": {"JUPYTER_PASSWORD": "x"},
                        "mounts": {"persistent": {"size": 20, "path": "/workspace"}}, "startSsh": True,
                        "public": False, "readme": "", "registry": None}
    path = f"/v2/templates/{template['id']}"

    patched = client.patch(path, json={"image": "runpod/pytorch:2.5.0"}).json()
    assert (patched["image"], patched["disk"]) == ("runpod/pytorch:2.5.0", 30)
    assert patched["env"] == {"JUPYTER_PASSWORD": "x"}
    assert client.get("/v2/templates").json() == {"templates": [patched]}
    assert client.get(path).json() == patched
    pod = created(client, image=None, templateId=template["id"])
    assert (pod["image"], pod["disk"], pod["template"]) == ("runpod/pytorch:2.5.0", 30, template["id"])
    problem(client.post("/v2/templates", json={"name": "notebook", "image": "x"}), 400)  # names are unique
    problem(client.post("/v2/templates", json={"name": "t", "imageName": "x"}), 422)
    typed = problem(client.post("/v2/templates", json={"name": "t", "image": "x", "type": "SERVERLESS"}), 422)
    assert typed["errors"] == ["type: unknown field"]  # V2's template is `serverless: bool`
    worker = client.post("/v2/templates", json={"name": "w", "image": "x", "serverless": True})
    assert worker.json()["serverless"] is True

    assert client.delete(path).status_code == 204
    problem(client.get(path), 404)


def test_a_template_in_use_by_an_endpoint_cannot_be_deleted(client: httpx.Client) -> None:
    template = client.post("/v2/templates", json={"name": "w", "image": "org/w:1", "serverless": True}).json()
    client.post("/v2/serverless", json={"name": "e", "type": "QUEUE", "templateId": template["id"]})

    assert "in use" in problem(client.delete(f"/v2/templates/{template['id']}"), 400)["detail"]


# ------------------------------------------------------------------ Serverless endpoints
ENDPOINT = {"name": "infer", "type": "QUEUE", "image": "org/worker:1", "gpu": {"pools": ["ADA_24"]}}


def test_an_endpoint_created_over_v2_has_v2_defaults_and_serves_jobs(
    sim: RunPodSimulator, client: httpx.Client, gql: GraphQL,
) -> None:
    response = client.post("/v2/serverless", json=ENDPOINT)
    assert response.status_code == 201, response.text
    endpoint = response.json()
    endpoint_id = endpoint["id"]

    assert endpoint["type"] == "QUEUE"
    assert endpoint["image"] == "org/worker:1"
    assert endpoint["gpu"]["pools"] == ["ADA_24"]
    assert endpoint["workers"] == {"min": 0, "max": 3, "idleTimeout": 10}
    assert endpoint["scaling"] == {"type": "QUEUE_DELAY", "queueDelay": 4}
    assert (endpoint["timeout"], endpoint["flashboot"]) == (300_000, "OFF")
    assert endpoint["requestUrls"]["status"] == f"https://api.runpod.ai/v2/{endpoint_id}/status/{{job_id}}"
    assert client.get("/v2/serverless").json() == {"endpoints": [endpoint]}
    graphql = gql.data("{ myself { endpoints { id gpuIds idleTimeout executionTimeoutMs } } }")["myself"]["endpoints"]
    assert graphql == [{"id": endpoint_id, "gpuIds": "ADA_24", "idleTimeout": 10, "executionTimeoutMs": 300000}]
    job = client.post(f"/v2/{endpoint_id}/run", json={"input": {"n": 1}}).json()
    sim.advance(60)
    assert client.get(f"/v2/{endpoint_id}/status/{job['id']}").json()["status"] == "COMPLETED"


def test_patching_an_endpoint_changes_only_what_it_names(sim: RunPodSimulator, client: httpx.Client) -> None:
    endpoint_id = client.post("/v2/serverless", json={**ENDPOINT, "timeout": 120_000}).json()["id"]

    response = client.patch(f"/v2/serverless/{endpoint_id}", json={
        "workers": {"min": 1, "max": 10, "idleTimeout": 10}, "scaling": {"type": "QUEUE_DELAY", "queueDelay": 8}})

    assert response.status_code == 200
    patched = response.json()
    assert patched["workers"] == {"min": 1, "max": 10, "idleTimeout": 10}
    assert patched["scaling"] == {"type": "QUEUE_DELAY", "queueDelay": 8}
    assert (patched["timeout"], patched["image"]) == (120_000, "org/worker:1")
    assert not {"template", "templateId", "version"} & set(patched)  # not in V2's Endpoint
    sim.advance(20)
    workers = client.get(f"/v2/serverless/{endpoint_id}/workers").json()
    assert workers["endpointVersion"] == 1
    assert workers["summary"] == {"running": 0, "idle": 1, "initializing": 0, "throttled": 0, "unhealthy": 0,
                                  "total": 1}
    [worker] = workers["workers"]
    assert (worker["status"], worker["image"], worker["gpuCount"]) == ("IDLE", "org/worker:1", 1)
    image = client.patch(f"/v2/serverless/{endpoint_id}", json={"image": "org/worker:2"}).json()
    assert (image["image"], image["workers"]["min"]) == ("org/worker:2", 1)
    assert client.get(f"/v2/serverless/{endpoint_id}/workers").json()["endpointVersion"] == 2


def test_an_idle_timeout_with_request_count_scaling_is_refused(client: httpx.Client) -> None:
    by_count = {"type": "REQUEST_COUNT", "requestCount": 2}
    refused = client.post("/v2/serverless", json={**ENDPOINT, "scaling": by_count,
                                                  "workers": {"min": 0, "max": 2, "idleTimeout": 10}})
    assert "idleTimeout" in problem(refused, 400)["detail"]
    endpoint_id = client.post("/v2/serverless", json={**ENDPOINT, "scaling": by_count}).json()["id"]
    path = f"/v2/serverless/{endpoint_id}"
    problem(client.patch(path, json={"workers": {"min": 1, "max": 2, "idleTimeout": 10}}), 400)
    assert client.patch(path, json={"workers": {"min": 1, "max": 2}}).json()["workers"]["min"] == 1


def test_endpoint_create_needs_a_type_and_refuses_unknown_fields(client: httpx.Client) -> None:
    untyped = {k: v for k, v in ENDPOINT.items() if k != "type"}
    assert problem(client.post("/v2/serverless", json=untyped), 422)["errors"] == ["type: required"]
    legacy = client.post("/v2/serverless", json={**ENDPOINT, "gpuIds": "ADA_24", "workersMax": 3})
    assert problem(legacy, 422)["errors"] == ["gpuIds: unknown field", "workersMax: unknown field"]
    problem(client.post("/v2/serverless", json={**ENDPOINT, "gpu": {"pools": ["NO_SUCH_POOL"]}}), 400)


def test_deleting_an_endpoint_takes_its_template_and_needs_no_scale_down(
    sim: RunPodSimulator, client: httpx.Client,
) -> None:
    endpoint_id = client.post("/v2/serverless", json={**ENDPOINT, "workers": {"min": 1, "max": 2}}).json()["id"]

    assert client.delete(f"/v2/serverless/{endpoint_id}").status_code == 204

    assert sim.world.endpoints == {}
    assert sim.world.templates == {}
    problem(client.get(f"/v2/serverless/{endpoint_id}"), 404)
    problem(client.get(f"/v2/serverless/{endpoint_id}/workers"), 404)


# ------------------------------------------------------------------ network volumes
def test_network_volumes_are_created_grown_attached_and_deleted(client: httpx.Client, gql: GraphQL) -> None:
    response = client.post("/v2/network-volumes", json={"name": "data", "dataCenter": "EU-RO-1", "size": 50})
    assert response.status_code == 201
    volume = response.json()
    assert volume == {"id": volume["id"], "name": "data", "size": 50, "dataCenter": "EU-RO-1", "type": "STANDARD"}
    path = f"/v2/network-volumes/{volume['id']}"

    assert client.patch(path, json={"size": 100}).json()["size"] == 100
    assert client.get("/v2/network-volumes").json() == {"networkVolumes": [{**volume, "size": 100}]}
    assert gql.data("{ myself { networkVolumes { id size } } }")["myself"]["networkVolumes"] == [
        {"id": volume["id"], "size": 100}]
    pod = created(client, mounts={"network": [{"volumeId": volume["id"], "path": "/data"}]})
    assert (pod["mounts"], pod["dataCenterId"]) == ({"network": [{"volumeId": volume["id"], "path": "/data"}]},
                                                    "EU-RO-1")
    problem(client.delete(path), 400)  # attached to the pod
    client.delete(f"/v2/pods/{pod['id']}")
    assert client.delete(path).status_code == 204
    problem(client.get(path), 404)


@pytest.mark.parametrize(("body", "status"), [
    ({"name": "d", "dataCenter": "EU-RO-1", "size": 5}, 422),
    ({"name": "d", "dataCenter": "EU-RO-1", "size": 50, "type": "HIGH_PERFORMANCE"}, 400),
    ({"name": "d", "dataCenter": "EU-CZ-1", "size": 50}, 400),
    ({"name": "d", "dataCenterId": "EU-RO-1", "size": 50}, 422),
])
def test_network_volume_creates_are_checked(client: httpx.Client, body: dict[str, Any], status: int) -> None:
    problem(client.post("/v2/network-volumes", json=body), status)


# ------------------------------------------------------------------ billing
def test_pod_billing_buckets_the_worlds_charges(sim: RunPodSimulator, client: httpx.Client) -> None:
    first = created(client, disk=72, ports=["22/tcp"])["id"]  # $0.28/h compute, $0.01/h disk
    sim.advance(3 * 3600)  # 09:00 -> 12:00
    created(client)
    sim.advance(3600)

    hourly = client.get("/v2/billing/pods", params={"bucketSize": "hour", "podId": first,
                                                   "startTime": "2026-11-23T10:00:00Z",
                                                   "endTime": "2026-11-23T12:00:00Z"}).json()

    assert [(r["startTime"], r["endTime"]) for r in hourly["records"]] == [
        ("2026-11-23T10:00:00Z", "2026-11-23T11:00:00Z"), ("2026-11-23T11:00:00Z", "2026-11-23T12:00:00Z")]
    assert hourly["records"][0] == {"startTime": "2026-11-23T10:00:00Z", "endTime": "2026-11-23T11:00:00Z",
                                    "podId": first, "totalAmount": 0.29, "gpuAmount": 0.28, "cpuAmount": 0.0,
                                    "diskAmount": 0.01}
    assert hourly["metadata"] == {
        "query": {"startTime": "2026-11-23T10:00:00Z", "endTime": "2026-11-23T12:00:00Z", "bucketSize": "hour",
                  "podId": first},
        "recordCount": 2, "totals": {"totalAmount": 0.58, "gpuAmount": 0.56, "cpuAmount": 0.0, "diskAmount": 0.02},
        "uniquePodCount": 1}
    daily = client.get("/v2/billing/pods").json()
    assert daily["metadata"]["uniquePodCount"] == 2
    assert {r["startTime"] for r in daily["records"]} == {"2026-11-23T00:00:00Z"}
    assert sum(r["totalAmount"] for r in daily["records"]) == pytest.approx(float(sim.world.billing.total()))
    problem(client.get("/v2/billing/pods", params={"bucketSize": "minute"}), 400)
    problem(client.get("/v2/billing/pods", params={"startTime": "yesterday"}), 400)


def test_serverless_volume_and_account_billing(sim: RunPodSimulator, client: httpx.Client) -> None:
    volume_id = client.post("/v2/network-volumes", json={"name": "d", "dataCenter": "EU-RO-1", "size": 720}).json()[
        "id"]  # $0.07/h
    endpoint_id = client.post("/v2/serverless", json={**ENDPOINT, "workers": {"min": 1, "max": 1}}).json()["id"]
    pod_id = created(client, disk=72)["id"]
    sim.advance(3600)

    serverless = client.get("/v2/billing/serverless", params={"serverlessId": endpoint_id}).json()
    volumes = client.get("/v2/billing/network-volumes").json()
    account = client.get("/v2/billing", params={"bucketSize": "month"}).json()

    [record] = serverless["records"]
    assert record["serverlessId"] == endpoint_id
    assert record["totalAmount"] == record["gpuAmount"] > 0
    assert (record["cpuAmount"], record["diskAmount"], record["feeAmount"]) == (0, 0, 0)
    assert serverless["metadata"]["uniqueServerlessCount"] == 1
    assert [(r["networkVolumeId"], r["standardAmount"]) for r in volumes["records"]] == [(volume_id, 0.07)]
    [month] = account["records"]
    assert (month["startTime"], month["endTime"]) == ("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")
    assert month["podGpuAmount"] == 0.28
    assert month["podDiskAmount"] == 0.01
    assert month["serverlessGpuAmount"] == record["gpuAmount"]
    assert month["storageStandardAmount"] == 0.07
    assert month["totalAmount"] == pytest.approx(float(sim.world.billing.total()))
    assert pod_id in {r["podId"] for r in client.get("/v2/billing/pods").json()["records"]}


def test_ssh_keys_are_graphqls_pub_key_by_line(client: httpx.Client, gql: GraphQL) -> None:
    keys = ["ssh-ed25519 AAAAC3Nza bot", "ssh-rsa BBBB me@example.com"]

    assert client.put("/v2/account/ssh-keys", json={"keys": keys}).json() == {"keys": keys}

    assert gql.data("{ myself { pubKey } }")["myself"]["pubKey"] == "\n".join(keys)
    assert client.get("/v2/account/ssh-keys").json() == {"keys": keys}
    bad = problem(client.put("/v2/account/ssh-keys", json={"keys": [keys[0], "not-a-key"]}), 422)
    assert bad["errors"] == ["keys[1]: not an SSH public key"]
    assert client.put("/v2/account/ssh-keys", json={"keys": []}).json() == {"keys": []}
    assert gql.data("{ myself { pubKey } }")["myself"]["pubKey"] == ""
