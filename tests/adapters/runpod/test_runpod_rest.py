"""RestRunPod over canned REST v2 answers (reference §5 shapes, §2.3 problem+json errors).

A tiny hand-written RunPod (`CannedRunPod`) answers each ``METHOD /v2/path`` with queued
responses and records every request; the GraphQL calls `RestRunPod` keeps (account, spot
pods, spot prices) go to a second canned handler on ``/graphql``. Sleeps are recorded by
fake time, never slept. The same adapter against the simulator, side by side with GraphQL,
is test_runpod_contract.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from podwarden import bootstrap
from podwarden.adapters.runpod import GraphQLRunPod, RestRunPod, RetryPolicy
from podwarden.adapters.runpod.rest import NAMES_RETRY_SECONDS
from podwarden.domain.models import (
    Cloud,
    EndpointSpec,
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
    RunPodError,
    SpendLimitReached,
    Unauthorized,
)
from podwarden.settings import RunPodApi, Settings
from tests.adapters.runpod.runpod_helpers import API_KEY, GRAPHQL_URL, FakeTime, PolicyFactory

REST_URL = "https://api.runpod.io/v2"
RTX4090 = "NVIDIA GeForce RTX 4090"

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response] | type[httpx.TransportError]


def pod_json(**overrides: Any) -> dict[str, Any]:
    """The V2 ``getPod`` example of reference §5, with telemetry."""
    pod: dict[str, Any] = {
        "id": "7h9k2m4n6p", "name": "pytorch-training", "image": "runpod/pytorch:1.0.2", "args": "", "disk": 50,
        "ports": ["8888/http", "22/tcp"], "env": {"MODEL_NAME": "llama-3"}, "registry": None, "status": "RUNNING",
        "actions": ["stop", "restart", "terminate"], "mounts": {"persistent": {"size": 20, "path": "/workspace"}},
        "gpu": {"id": RTX4090, "count": 2}, "cloud": "SECURE", "dataCenterId": "US-KS-2", "cudaVersion": "12.8",
        "ssh": {"proxy": {"host": "ssh.runpod.io", "port": 22, "username": "7h9k2m4n6p-64411eb2",
                          "command": "ssh 7h9k2m4n6p-64411eb2@ssh.runpod.io"},
                "direct": {"host": "195.26.233.3", "port": 34446, "username": "root",
                           "command": "ssh root@195.26.233.3 -p 34446"}},
        "template": "9x4m2p7v", "cost": 0.88, "locked": False, "globalNetworking": {"enabled": False},
        "runtime": {"uptime": 3600, "gpus": [{"util": 97.4, "memoryUtil": 60}, {"util": 3, "memoryUtil": 1}],
                    "cpu": {"util": 55.5}, "memory": {"util": 20},
                    "ports": [{"private": 22, "public": 34446, "type": "tcp", "ip": "195.26.233.3"},
                              {"private": 8888, "public": None, "type": "http", "ip": None}]},
        "createdAt": "2026-06-01T12:00:00Z", "startedAt": "2026-06-01T12:02:00Z",
    }
    pod.update(overrides)
    return pod


def gpu_json(**overrides: Any) -> dict[str, Any]:
    gpu: dict[str, Any] = {
        "id": RTX4090, "name": "RTX 4090", "pool": "ADA_24", "manufacturer": "NVIDIA", "memory": 24,
        "secure": True, "community": True, "price": {"secure": 0.44, "community": 0.31, "serverless": 1.1},
        "maxCount": {"secure": 8, "community": 4}, "availability": "HIGH",
        "dataCenters": [{"id": "US-KS-2", "name": "US Kansas 2", "availability": "HIGH"}],
    }
    gpu.update(overrides)
    return gpu


def endpoint_json(**overrides: Any) -> dict[str, Any]:
    endpoint: dict[str, Any] = {
        "id": "4m7x2k9q", "name": "llm", "type": "QUEUE",
        "gpu": {"pools": ["ADA_24", "AMPERE_24"], "count": 1}, "workers": {"min": 1, "max": 5, "idleTimeout": 30},
        "scaling": {"type": "REQUEST_COUNT", "requestCount": 3}, "dataCenterIds": ["US-KS-2", "EU-RO-1"],
        "networkVolumes": ["vol0000001"], "timeout": 300000, "flashboot": "FLASHBOOT", "env": {},
        "createdAt": "2026-06-01T12:00:00Z",
    }
    endpoint.update(overrides)
    return endpoint


def problem(status: int, detail: str, *, title: str = "Error", headers: dict[str, str] | None = None,
            errors: list[str] | None = None) -> httpx.Response:
    body: dict[str, Any] = {"title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return httpx.Response(status, content=json.dumps(body).encode(),
                          headers={"content-type": "application/problem+json", **(headers or {})})


def ok(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


class CannedRunPod:
    """Answers ``"METHOD /path"`` with queued answers (the last one repeats); records requests.

    An answer is a response, a function of the request, or an exception class to raise (a
    transport failure). ``/graphql`` is answered by `graphql` (a function of the request).
    """

    def __init__(self) -> None:
        self.routes: dict[str, list[Answer]] = {}
        self.requests: list[httpx.Request] = []
        self.graphql: Callable[[httpx.Request], httpx.Response] = lambda request: ok({"errors": [
            {"message": "no GraphQL here"}]}, 200)

    def on(self, route: str, *answers: Answer) -> None:
        self.routes[route] = list(answers)

    def sent(self, route: str) -> list[httpx.Request]:
        method, _, path = route.partition(" ")
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if request.url.path == "/graphql":
            return self.graphql(request)
        queue = self.routes.get(f"{request.method} {request.url.path}")
        if not queue:
            return problem(404, "not canned: " + request.url.path)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, type):
            raise answer("canned transport failure", request=request)
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)


@pytest.fixture
def canned() -> CannedRunPod:
    return CannedRunPod()


@pytest.fixture
def rest(canned: CannedRunPod, policy: RetryPolicy) -> Iterator[RestRunPod]:
    transport = httpx.MockTransport(canned)
    graphql = GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, retry=policy, transport=transport)
    with RestRunPod(url=REST_URL, api_key=API_KEY, graphql=graphql, retry=policy, transport=transport) as client:
        yield client
    for request in canned.requests:  # the key travels only in the header
        assert API_KEY not in str(request.url)
        assert request.headers["Authorization"] == f"Bearer {API_KEY}"


def graphql_answer(data: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: ok({"data": data})


def graphql_pods(**pod_types: str) -> Callable[[httpx.Request], httpx.Response]:
    """GraphQL that knows the pods `pod_types` names (id -> podType), for ``pod`` and ``myself.pods``."""
    def pod(pod_id: str, pod_type: str) -> dict[str, Any]:
        return {"id": pod_id, "desiredStatus": "RUNNING", "podType": pod_type}

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if "GetPod" in body["query"]:
            pod_id = body["variables"]["input"]["podId"]
            known = pod_types.get(pod_id)
            return ok({"data": {"pod": pod(pod_id, known) if known else None}})
        if "ListPods" in body["query"]:
            return ok({"data": {"myself": {"pods": [pod(i, t) for i, t in pod_types.items()]}}})
        return ok({"errors": [{"message": "unexpected"}]})

    return answer


# --- shapes ----------------------------------------------------------------------------------


def test_a_v2_pod_becomes_the_domain_pod(rest: RestRunPod, canned: CannedRunPod) -> None:
    canned.on("GET /v2/pods", ok({"pods": [pod_json()]}))
    canned.graphql = graphql_pods(**{"7h9k2m4n6p": "RESERVED"})  # on demand, as GraphQL says (v2 does not)
    [pod] = rest.list_pods()
    assert (pod.id, pod.name, pod.status, pod.gpu_type_id, pod.gpu_count) == (
        "7h9k2m4n6p", "pytorch-training", PodStatus.RUNNING, RTX4090, 2)
    assert pod.cost_per_hr == Decimal("0.88")
    assert (pod.cloud, pod.spot, pod.image, pod.template_id) == (Cloud.SECURE, False, "runpod/pytorch:1.0.2",
                                                                 "9x4m2p7v")
    assert (pod.container_disk_gb, pod.volume_gb, pod.volume_mount_path, pod.network_volume_id) == (
        50, 20, "/workspace", None)
    assert pod.ports == "8888/http,22/tcp"
    assert pod.env == (("MODEL_NAME", "llama-3"),)
    assert pod.pod_host_id == "7h9k2m4n6p-64411eb2"
    assert pod.uptime_seconds == 3600
    runtime = pod.runtime
    assert runtime is not None
    assert [(g.id, g.util_percent, g.memory_util_percent) for g in runtime.gpus] == [
        ("gpu0", 97, 60), ("gpu1", 3, 1)]
    assert (runtime.cpu_percent, runtime.memory_percent, runtime.uptime_seconds) == (56, 20, 3600)
    ssh = runtime.ssh()
    assert ssh is not None
    assert (ssh.ip, ssh.public_port) == ("195.26.233.3", 34446)
    http = next(p for p in runtime.ports if p.private_port == 8888)
    assert (http.type, http.is_public) == ("http", False)
    assert [r.url.params for r in canned.sent("GET /v2/pods")] == [httpx.QueryParams(includeClusterPods="true")]


def test_a_pods_gpu_is_named_from_the_catalog_read_once(rest: RestRunPod, canned: CannedRunPod) -> None:
    canned.on("GET /v2/pods", ok({"pods": [pod_json()]}))
    canned.on("GET /v2/catalog/gpus", ok({"gpus": [gpu_json()]}))
    assert [p.gpu_display_name for p in rest.list_pods()] == ["RTX 4090"]
    assert [p.gpu_display_name for p in rest.list_pods()] == ["RTX 4090"]
    [catalog] = canned.sent("GET /v2/catalog/gpus")
    assert catalog.url.params == httpx.QueryParams()


def test_a_catalog_that_cannot_be_read_leaves_pods_unnamed_not_unread_and_is_tried_later(
    rest: RestRunPod, canned: CannedRunPod, caplog: pytest.LogCaptureFixture, fake_time: FakeTime,
) -> None:
    canned.on("GET /v2/pods", ok({"pods": [pod_json(), pod_json(id="p2")]}))
    canned.on("GET /v2/catalog/gpus", problem(403, "access denied"), ok({"gpus": [gpu_json()]}))
    assert [pod.gpu_display_name for pod in rest.list_pods()] == [None, None]
    assert "list_pods: GPU display names unknown" in caplog.text  # under the read that needed them
    rest.list_pods()
    assert len(canned.sent("GET /v2/catalog/gpus")) == 1  # not asked again on every read
    fake_time.now += NAMES_RETRY_SECONDS
    assert [pod.gpu_display_name for pod in rest.list_pods()] == ["RTX 4090", "RTX 4090"]
    assert len(canned.sent("GET /v2/catalog/gpus")) == 2


def test_ssh_direct_supplies_port_22_when_runtime_ports_lack_it(rest: RestRunPod, canned: CannedRunPod) -> None:
    canned.on("GET /v2/pods/p1", ok(pod_json(id="p1", runtime={"uptime": 5, "ports": [
        {"private": 22, "public": 40000, "type": "tcp", "ip": "100.65.0.7"}]})))
    runtime = rest.get_pod("p1").runtime
    assert runtime is not None
    ssh = runtime.ssh()
    assert ssh is not None  # the proxy address in runtime.ports is not reachable; ssh.direct is
    assert (ssh.ip, ssh.public_port) == ("195.26.233.3", 34446)


@pytest.mark.parametrize(("v2", "domain"), [
    ("PROVISIONING", PodStatus.RUNNING), ("STARTING", PodStatus.RUNNING), ("RUNNING", PodStatus.RUNNING),
    ("EXITED", PodStatus.EXITED), ("ERROR", PodStatus.DEAD), ("HIBERNATING", PodStatus.CREATED),
])
def test_v2_statuses_read_as_graphql_desired_statuses(
    rest: RestRunPod, canned: CannedRunPod, v2: str, domain: PodStatus,
) -> None:
    canned.on("GET /v2/pods/p1", ok(pod_json(id="p1", status=v2, runtime=None)))
    pod = rest.get_pod("p1")
    assert pod.status is domain
    assert pod.runtime is None
    assert pod.uptime_seconds == (0 if domain in (PodStatus.EXITED, PodStatus.DEAD) else None)


def test_terminated_pods_are_left_out_and_not_found(rest: RestRunPod, canned: CannedRunPod) -> None:
    canned.on("GET /v2/pods", ok({"pods": [pod_json(id="gone", status="TERMINATED"), pod_json(id="here")]}))
    canned.on("GET /v2/pods/gone", ok(pod_json(id="gone", status="TERMINATED")))
    assert [p.id for p in rest.list_pods()] == ["here"]
    with pytest.raises(NotFound, match="pod gone not found"):
        rest.get_pod("gone")


def test_a_cpu_pod_on_a_network_volume(rest: RestRunPod, canned: CannedRunPod) -> None:
    body = pod_json(id="p1", cloud="COMMUNITY", cpu={"id": "cpu3c", "vcpuCount": 4},
                    mounts={"network": [{"volumeId": "vol1", "path": "/data"}]}, ssh={"proxy": None, "direct": None})
    del body["gpu"]  # V2 omits the one of gpu/cpu a pod does not have
    canned.on("GET /v2/pods/p1", ok(body))
    pod = rest.get_pod("p1")
    assert (pod.spot, pod.cloud, pod.gpu_type_id, pod.gpu_count, pod.vcpu_count) == (
        False, Cloud.COMMUNITY, None, 0, 4)
    assert (pod.network_volume_id, pod.volume_mount_path, pod.volume_gb) == ("vol1", "/data", 0)
    assert pod.pod_host_id is None


# --- spot pods: v2 does not say; GraphQL does ----------------------------------------------------


def test_a_pods_spot_ness_comes_from_graphql_not_from_v2(rest: RestRunPod, canned: CannedRunPod) -> None:
    """A v2 Pod has no field for it (the example of reference §5 has none)."""
    canned.on("GET /v2/pods", ok({"pods": [pod_json(id="s1"), pod_json(id="o1")]}))
    canned.on("GET /v2/pods/s1", ok(pod_json(id="s1")))
    canned.graphql = graphql_pods(s1="INTERRUPTABLE", o1="RESERVED")
    assert {pod.id: pod.spot for pod in rest.list_pods()} == {"s1": True, "o1": False}
    assert rest.get_pod("s1").spot


def test_a_fleet_read_survives_graphql_failing_and_says_so(
    rest: RestRunPod, canned: CannedRunPod, caplog: pytest.LogCaptureFixture,
) -> None:
    canned.on("GET /v2/pods", ok({"pods": [pod_json(id="s1")]}))
    canned.graphql = lambda request: problem(503, "busy")
    assert [pod.id for pod in rest.list_pods()] == ["s1"]
    assert "whether the pods are spot pods is unknown" in caplog.text


def test_resume_refuses_when_graphql_cannot_say_whether_the_pod_is_spot(
    rest: RestRunPod, canned: CannedRunPod,
) -> None:
    canned.on("GET /v2/pods/s1", ok(pod_json(id="s1", status="EXITED", runtime=None)))
    canned.graphql = lambda request: problem(503, "busy")
    with pytest.raises(RunPodError, match="cannot tell whether pod s1 is a spot pod") as raised:
        rest.resume_pod("s1", gpu_count=2)
    assert raised.value.operation == "resume_pod"
    assert canned.sent("POST /v2/pods/s1/action") == []  # never v2's start, which would make it on-demand


def test_a_spot_pod_read_as_on_demand_is_still_resumed_over_graphql(rest: RestRunPod, canned: CannedRunPod) -> None:
    canned.on("GET /v2/pods/s1", ok(pod_json(id="s1", status="EXITED", runtime=None)))
    resumed = {"id": "s1", "desiredStatus": "RUNNING", "podType": "INTERRUPTABLE", "gpuCount": 2}

    def graphql(request: httpx.Request) -> httpx.Response:
        if "podResume" in json.loads(request.content)["query"]:
            return ok({"data": {"podResume": resumed}})
        return graphql_pods(s1="INTERRUPTABLE")(request)

    canned.graphql = graphql
    assert rest.resume_pod("s1", gpu_count=2).spot
    assert canned.sent("POST /v2/pods/s1/action") == []


def test_the_catalog_with_graphqls_spot_prices(rest: RestRunPod, canned: CannedRunPod) -> None:
    def catalog(request: httpx.Request) -> httpx.Response:
        """v2's availability is for the cloud asked (default SECURE): here HIGH there, LOW in Community."""
        level = "LOW" if request.url.params.get("cloud") == "COMMUNITY" else "HIGH"
        return ok({"gpus": [
            gpu_json(availability=level),
            gpu_json(id="NVIDIA A40", name="A40", community=False, price={"secure": 0.4, "community": 0},
                     maxCount={"secure": 2, "community": 0}, availability="LOW")]})

    canned.on("GET /v2/catalog/gpus", catalog)
    canned.graphql = graphql_answer({"gpuTypes": [
        {"id": RTX4090, "secureSpotPrice": 0.29, "communitySpotPrice": 0.2, "secureCloud": True,
         "communityCloud": True, "secureLowest": {"availableGpuCounts": [1, 2, 4]},
         "communityLowest": {"availableGpuCounts": [1]}}]})
    gpus = {gpu.id: gpu for gpu in rest.gpu_types(gpu_count=4)}
    rtx, a40 = gpus[RTX4090], gpus["NVIDIA A40"]
    assert (rtx.display_name, rtx.memory_gb, rtx.manufacturer, rtx.max_gpu_count) == ("RTX 4090", 24, "Nvidia", 8)
    assert (rtx.secure_price, rtx.community_price) == (Decimal("0.44"), Decimal("0.31"))
    assert (rtx.secure_spot_price, rtx.community_spot_price) == (Decimal("0.29"), Decimal("0.2"))
    assert (rtx.secure_stock, rtx.community_stock) == (Stock.HIGH, Stock.LOW)
    assert (rtx.counts(), a40.counts()) == ((1, 2, 4), (1, 2))  # GraphQL's availableGpuCounts, else maxCount
    assert (a40.community_price, a40.secure_spot_price, a40.max_gpu_count) == (None, None, 2)
    assert (a40.secure_stock, a40.community_stock) == (Stock.NONE, Stock.NONE)  # 4 GPUs > 2 in one pod
    assert sorted(tuple(sorted(r.url.params.items())) for r in canned.sent("GET /v2/catalog/gpus")) == [
        (("cloud", cloud), ("count", "4"), ("include", "AVAILABILITY"), ("product", "POD"))
        for cloud in ("COMMUNITY", "SECURE")]
    [graphql] = canned.sent("POST /graphql")
    assert json.loads(graphql.content)["variables"]["secure"]["gpuCount"] == 4


def test_the_catalog_without_graphql_has_no_spot_offers(
    rest: RestRunPod, canned: CannedRunPod, caplog: pytest.LogCaptureFixture,
) -> None:
    canned.on("GET /v2/catalog/gpus", ok({"gpus": [gpu_json()]}))
    canned.graphql = lambda request: httpx.Response(401, json={"errors": [{"message": "Unauthorized"}]})
    [gpu] = rest.gpu_types()
    assert (gpu.secure_price, gpu.secure_spot_price, gpu.community_spot_price) == (Decimal("0.44"), None, None)
    assert "no spot prices" in caplog.text


def test_endpoints_volumes_and_templates(rest: RestRunPod, canned: CannedRunPod) -> None:
    canned.on("GET /v2/serverless", ok({"endpoints": [endpoint_json()]}))
    canned.on("GET /v2/network-volumes", ok({"networkVolumes": [
        {"id": "2q9m7x4c", "name": "data", "size": 50, "dataCenter": "US-KS-2", "type": "STANDARD"}]}))
    canned.on("POST /v2/templates", ok({"id": "t1", "name": "worker", "serverless": True, "image": "img:1",
                                        "disk": 15, "env": {"A": "1"}, "mounts": {}}, 201))
    [endpoint] = rest.list_endpoints()
    assert (endpoint.id, endpoint.name, endpoint.template_id, endpoint.gpu_ids) == (
        "4m7x2k9q", "llm", None, ("ADA_24", "AMPERE_24"))  # V2's Endpoint names no template
    assert (endpoint.workers_min, endpoint.workers_max, endpoint.idle_timeout_s) == (1, 5, 30)
    assert (endpoint.scaler_type, endpoint.scaler_value) == (ScalerType.REQUEST_COUNT, 3)
    assert (endpoint.flashboot, endpoint.execution_timeout_ms, endpoint.network_volume_id, endpoint.locations) == (
        True, 300000, "vol0000001", "US-KS-2,EU-RO-1")
    [volume] = rest.network_volumes()
    assert (volume.id, volume.name, volume.size_gb, volume.data_center_id) == ("2q9m7x4c", "data", 50, "US-KS-2")
    template = rest.save_template(TemplateSpec(name="worker", image="img:1", container_disk_gb=15,
                                               env=(("A", "1"),)))
    assert (template.id, template.is_serverless, template.container_disk_gb, template.env) == (
        "t1", True, 15, (("A", "1"),))
    [sent] = canned.sent("POST /v2/templates")
    assert json.loads(sent.content) == {"name": "worker", "image": "img:1", "serverless": True, "disk": 15,
                                        "ports": [], "env": {"A": "1"}, "args": ""}


# --- what is sent ------------------------------------------------------------------------------


def test_a_create_sends_v2_fields_only_and_is_tagged(rest: RestRunPod, canned: CannedRunPod) -> None:
    canned.on("POST /v2/pods", lambda request: ok(pod_json(env=json.loads(request.content)["env"]), 201))
    spec = PodSpec(name="train-1", gpu_type_id=RTX4090, gpu_count=2, image="img", cloud=Cloud.COMMUNITY,
                   container_disk_gb=40, volume_gb=30, volume_mount_path="/data", env=(("A", "b"),))
    pod = rest.create_pod(spec)
    [sent] = canned.sent("POST /v2/pods")
    body = json.loads(sent.content)
    token = body["env"].pop("PODWARDEN_REQUEST")
    assert body == {"name": "train-1", "gpu": {"id": RTX4090, "count": 2}, "disk": 40,
                    "ports": ["8888/http", "22/tcp"], "env": {"A": "b"}, "startSsh": True, "cloud": "COMMUNITY",
                    "image": "img", "mounts": {"persistent": {"size": 30, "path": "/data"}}}
    assert dict(pod.env)["PODWARDEN_REQUEST"] == token


def test_any_cloud_is_the_cheapest_first_then_the_other_after_no_capacity(
    rest: RestRunPod, canned: CannedRunPod,
) -> None:
    no_capacity = problem(400, "There are no longer any instances available with the requested specifications.")
    canned.on("GET /v2/catalog/gpus", ok({"gpus": [gpu_json()]}))  # community $0.31 < secure $0.44
    canned.on("POST /v2/pods", no_capacity, lambda request: ok(pod_json(cloud=json.loads(request.content)["cloud"],
                                                                        env=json.loads(request.content)["env"]), 201))
    pod = rest.create_pod(PodSpec(name="any", gpu_type_id=RTX4090, image="i", cloud=Cloud.ALL))
    assert pod.cloud is Cloud.SECURE
    sent = [json.loads(r.content) for r in canned.sent("POST /v2/pods")]
    assert [body["cloud"] for body in sent] == ["COMMUNITY", "SECURE"]
    assert sent[0]["env"] == sent[1]["env"]  # one request, one token
    assert all(not r.url.params for r in canned.sent("GET /v2/catalog/gpus"))  # prices (and names) only


def test_any_cloud_moves_on_after_any_plain_400_as_v2_advises(rest: RestRunPod, canned: CannedRunPod) -> None:
    """v2's capacity 400 has only a human-readable detail: its wording is not relied on."""
    canned.on("GET /v2/catalog/gpus", ok({"gpus": [gpu_json()]}))
    canned.on("POST /v2/pods", problem(400, "request could not be processed"),
              lambda request: ok(pod_json(cloud="SECURE", env=json.loads(request.content)["env"]), 201))
    pod = rest.create_pod(PodSpec(name="any", gpu_type_id=RTX4090, image="i", cloud=Cloud.ALL))
    assert pod.cloud is Cloud.SECURE
    assert [json.loads(r.content)["cloud"] for r in canned.sent("POST /v2/pods")] == ["COMMUNITY", "SECURE"]


@pytest.mark.parametrize(("answers", "kind", "sent"), [
    pytest.param((problem(422, "Request validation failed.", errors=["ports: bad"]),), BadRequest, 1, id="422-at-once"),
    pytest.param((problem(402, "Insufficient balance"),), InsufficientBalance, 1, id="402-at-once"),
    pytest.param((problem(400, "first refusal"), problem(400, "last refusal")), BadRequest, 2, id="last-400-raised"),
])
def test_any_cloud_raises_other_refusals_at_once_and_the_last_clouds(
    rest: RestRunPod, canned: CannedRunPod, answers: tuple[httpx.Response, ...], kind: type[RunPodError], sent: int,
) -> None:
    canned.on("GET /v2/catalog/gpus", ok({"gpus": [gpu_json()]}))
    canned.on("POST /v2/pods", *answers)
    with pytest.raises(RunPodError) as raised:
        rest.create_pod(PodSpec(name="any", gpu_type_id=RTX4090, image="i", cloud=Cloud.ALL))
    assert type(raised.value) is kind
    assert len(canned.sent("POST /v2/pods")) == sent
    if sent == 2:
        assert raised.value.message == "last refusal"


def test_any_cloud_with_a_network_volume_is_secure_and_no_capacity_there_is_raised(
    rest: RestRunPod, canned: CannedRunPod,
) -> None:
    canned.on("GET /v2/catalog/gpus", ok({"gpus": [gpu_json()]}))
    canned.on("POST /v2/pods", problem(400, "There are no longer any instances available."))
    with pytest.raises(NoCapacity):
        rest.create_pod(PodSpec(name="any", gpu_type_id=RTX4090, image="i", cloud=Cloud.ALL,
                                network_volume_id="vol1"))
    assert [json.loads(r.content)["cloud"] for r in canned.sent("POST /v2/pods")] == ["SECURE"]


def test_stopping_a_stopped_pod_answers_the_pod_other_conflicts_are_raised(
    rest: RestRunPod, canned: CannedRunPod,
) -> None:
    canned.on("POST /v2/pods/p1/action", problem(409, "action stop is not allowed while the pod is EXITED"))
    canned.on("GET /v2/pods/p1", ok(pod_json(id="p1", status="EXITED", runtime=None)))
    assert rest.stop_pod("p1").status is PodStatus.EXITED
    canned.on("POST /v2/pods/p2/action", problem(409, "action stop is not allowed while the pod is TERMINATED"))
    canned.on("GET /v2/pods/p2", ok(pod_json(id="p2", status="ERROR", runtime=None)))
    with pytest.raises(BadRequest, match="not allowed") as raised:
        rest.stop_pod("p2")
    assert raised.value.status == 409


def test_updating_an_unknown_endpoint_names_it(rest: RestRunPod, canned: CannedRunPod) -> None:
    canned.on("PATCH /v2/serverless/nosuch", problem(404, "resource not found"))
    with pytest.raises(NotFound, match="endpoint nosuch not found"):
        rest.save_endpoint(EndpointSpec(id="nosuch", name="e", template_id="t", gpu_ids=("ADA_24",)))


def test_an_update_patches_the_scaling_settings_only_and_a_create_is_a_tagged_queue(
    rest: RestRunPod, canned: CannedRunPod,
) -> None:
    """No templateId (V2 would re-apply the template: env replaced, every worker rolled), no
    name, no env; with REQUEST_COUNT scaling no idleTimeout (V2 refuses it)."""
    canned.on("PATCH /v2/serverless/ep1", lambda request: ok(endpoint_json(id="ep1")))
    canned.on("POST /v2/serverless", lambda request: ok(endpoint_json(id="ep2"), 201))
    spec = EndpointSpec(name="llm", template_id="", gpu_ids=("ADA_24",), id="ep1", workers_max=5,
                        network_volume_id="vol1", locations="US-KS-2")
    assert rest.save_endpoint(spec).id == "ep1"
    assert json.loads(canned.sent("PATCH /v2/serverless/ep1")[0].content) == {
        "gpu": {"pools": ["ADA_24"], "count": 1},
        "workers": {"min": 0, "max": 5, "idleTimeout": 5}, "scaling": {"type": "QUEUE_DELAY", "queueDelay": 4},
        "flashboot": "FLASHBOOT", "timeout": 600000, "networkVolumes": ["vol1"], "dataCenterIds": ["US-KS-2"]}
    rest.save_endpoint(EndpointSpec(name="llm", template_id="", gpu_ids=("ADA_24",), id="ep1", workers_max=5,
                                    scaler_type=ScalerType.REQUEST_COUNT, scaler_value=3))
    by_count = json.loads(canned.sent("PATCH /v2/serverless/ep1")[1].content)
    assert (by_count["workers"], by_count["scaling"]) == (
        {"min": 0, "max": 5}, {"type": "REQUEST_COUNT", "requestCount": 3})
    assert rest.save_endpoint(EndpointSpec(name="new", template_id="t1", gpu_ids=("ADA_24",),
                                           scaler_type=ScalerType.REQUEST_COUNT)).id == "ep2"
    created = json.loads(canned.sent("POST /v2/serverless")[0].content)
    assert (created["type"], created["name"], created["templateId"]) == ("QUEUE", "new", "t1")
    assert set(created["env"]) == {"PODWARDEN_REQUEST"}
    assert "idleTimeout" not in created["workers"]


def test_stop_resume_terminate_are_actions(rest: RestRunPod, canned: CannedRunPod) -> None:
    def act(request: httpx.Request) -> httpx.Response:
        action = json.loads(request.content)["action"]
        if action == "terminate":
            return httpx.Response(204)
        return ok(pod_json(id="p1", status={"stop": "EXITED", "start": "STARTING"}[action], runtime=None))

    canned.on("POST /v2/pods/p1/action", act)
    canned.on("GET /v2/pods/p1", ok(pod_json(id="p1", status="EXITED", runtime=None)))
    canned.graphql = graphql_pods(p1="RESERVED")
    assert rest.stop_pod("p1").status is PodStatus.EXITED
    assert rest.resume_pod("p1", gpu_count=2).status is PodStatus.RUNNING
    rest.terminate_pod("p1")
    assert [json.loads(r.content) for r in canned.sent("POST /v2/pods/p1/action")] == [
        {"action": "stop"}, {"action": "start"}, {"action": "terminate"}]
    assert [r.method for r in canned.requests if r.url.path == "/v2/pods/p1"] == ["GET"]


def test_resume_cannot_change_the_gpu_count_over_v2(rest: RestRunPod, canned: CannedRunPod) -> None:
    canned.on("GET /v2/pods/p1", ok(pod_json(id="p1", status="EXITED", runtime=None)))
    canned.graphql = graphql_pods(p1="RESERVED")
    with pytest.raises(BadRequest, match="cannot change a pod's GPU count on resume: pod p1 has 2 GPU"):
        rest.resume_pod("p1", gpu_count=4)
    assert canned.sent("POST /v2/pods/p1/action") == []


def test_the_account_and_spot_pods_go_over_graphql(rest: RestRunPod, canned: CannedRunPod) -> None:
    spot = {"id": "s1", "name": "cheap", "desiredStatus": "RUNNING", "podType": "INTERRUPTABLE", "gpuCount": 1,
            "costPerHr": 0.2, "env": []}

    def graphql(request: httpx.Request) -> httpx.Response:
        query = json.loads(request.content)["query"]
        if "clientBalance" in query:
            return ok({"data": {"myself": {"id": "u1", "clientBalance": 12.5, "currentSpendPerHr": 0.4,
                                           "spendLimit": 80}}})
        if "podRentInterruptable" in query:
            return ok({"data": {"podRentInterruptable": spot}})
        if "podBidResume" in query:
            return ok({"data": {"podBidResume": spot}})
        return ok({"errors": [{"message": "unexpected"}]})

    canned.graphql = graphql
    account = rest.account()
    assert (account.balance, account.spend_per_hr, account.spend_limit_per_hr) == (
        Decimal("12.5"), Decimal("0.4"), Decimal(80))
    assert rest.create_pod(PodSpec(name="cheap", gpu_type_id=RTX4090, image="i", spot=True,
                                   bid_per_gpu=Decimal("0.2"))).spot
    assert rest.resume_pod("s1", gpu_count=1, bid_per_gpu=Decimal("0.2")).id == "s1"
    assert {r.url.path for r in canned.requests} == {"/graphql"}


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "kind", "words"), [
    pytest.param(problem(401, "missing bearer token"), Unauthorized, "missing bearer token", id="401"),
    pytest.param(problem(403, "no access to pool ADA_24"), BadRequest, "no access to pool ADA_24",
                 id="403-is-a-refusal-not-a-bad-key"),
    pytest.param(problem(402, "Insufficient balance: this pod needs one hour of credit."), InsufficientBalance,
                 "Insufficient balance", id="402-balance"),
    pytest.param(problem(402, "Your spend limit of $80.00/hr would be exceeded."), SpendLimitReached,
                 "spend limit", id="402-spend-limit"),
    pytest.param(problem(400, "There are no longer any instances available with the requested specifications. "
                              "Please refresh and try again."), NoCapacity, "no longer any instances",
                 id="400-no-capacity"),
    pytest.param(problem(400, "give exactly one of gpu and cpu"), BadRequest, "exactly one of gpu", id="400"),
    pytest.param(problem(422, "Request validation failed.", errors=["gpuTypeId: unknown field"]), BadRequest,
                 "Request validation failed.: gpuTypeId: unknown field", id="422"),
])
def test_each_refusal_is_raised_at_once_with_runpods_detail(
    rest: RestRunPod, canned: CannedRunPod, fake_time: FakeTime, answer: httpx.Response,
    kind: type[RunPodError], words: str,
) -> None:
    canned.on("POST /v2/pods", answer)
    with pytest.raises(RunPodError) as raised:
        rest.create_pod(PodSpec(name="x", gpu_type_id=RTX4090, image="i"))
    assert type(raised.value) is kind
    assert words in raised.value.message
    assert (raised.value.status, raised.value.operation) == (answer.status_code, "create_pod")
    assert fake_time.sleeps == []
    assert len(canned.sent("POST /v2/pods")) == 1


def test_a_403_elsewhere_is_still_a_key_without_access(rest: RestRunPod, canned: CannedRunPod) -> None:
    canned.on("GET /v2/pods", problem(403, "access denied"))
    with pytest.raises(Unauthorized, match="access denied"):
        rest.list_pods()


def test_a_validation_list_of_objects_names_each_field(rest: RestRunPod, canned: CannedRunPod) -> None:
    canned.on("POST /v2/pods", ok({"title": "Unprocessable Entity", "status": 422, "detail": "Request validation "
                                   "failed.", "errors": [{"field": "gpu.count", "message": "expected int"},
                                                         {"message": "name: required"}]}, 422))
    with pytest.raises(BadRequest) as raised:
        rest.create_pod(PodSpec(name="x", gpu_type_id=RTX4090, image="i"))
    assert raised.value.message == "Request validation failed.: gpu.count: expected int; name: required"


def test_an_action_the_status_does_not_allow_is_a_bad_request(rest: RestRunPod, canned: CannedRunPod) -> None:
    canned.on("POST /v2/pods/p1/action", problem(409, "action start is not allowed while the pod is STARTING"))
    canned.on("GET /v2/pods/p1", ok(pod_json(id="p1", status="EXITED", runtime=None)))
    canned.graphql = graphql_pods(p1="RESERVED")
    with pytest.raises(BadRequest, match="not allowed while the pod is STARTING") as raised:
        rest.resume_pod("p1", gpu_count=2)
    assert raised.value.status == 409


@pytest.mark.parametrize("call", ["get", "stop", "resume", "terminate"])
def test_unknown_pods_are_not_found_naming_the_pod(rest: RestRunPod, canned: CannedRunPod, call: str) -> None:
    for route in ("GET /v2/pods/nosuch", "POST /v2/pods/nosuch/action"):
        canned.on(route, problem(404, "resource not found"))
    calls: dict[str, Callable[[], object]] = {
        "get": lambda: rest.get_pod("nosuch"), "stop": lambda: rest.stop_pod("nosuch"),
        "resume": lambda: rest.resume_pod("nosuch", gpu_count=1), "terminate": lambda: rest.terminate_pod("nosuch"),
    }
    with pytest.raises(NotFound, match="pod nosuch not found"):
        calls[call]()


def test_429_waits_as_long_as_retry_after_says(rest: RestRunPod, canned: CannedRunPod, fake_time: FakeTime) -> None:
    limited = problem(429, "rate limit exceeded for the minute window", headers={"Retry-After": "3"})
    canned.on("GET /v2/pods", limited, limited, ok({"pods": []}))
    assert rest.list_pods() == []
    assert fake_time.sleeps == [3.0, 3.0]


def test_a_retry_after_beyond_the_budget_gives_up_at_once(
    canned: CannedRunPod, make_policy: PolicyFactory, fake_time: FakeTime,
) -> None:
    canned.on("GET /v2/pods", problem(429, "slow down", headers={"Retry-After": "600"}))
    policy = make_policy(budget_seconds=60)
    transport = httpx.MockTransport(canned)
    graphql = GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, retry=policy, transport=transport)
    with RestRunPod(url=REST_URL, api_key=API_KEY, graphql=graphql, retry=policy, transport=transport) as rest, \
            pytest.raises(RateLimited) as raised:
        rest.list_pods()
    assert raised.value.retry_after == 600.0
    assert fake_time.sleeps == []


def test_5xx_and_junk_are_retried_for_reads(rest: RestRunPod, canned: CannedRunPod, fake_time: FakeTime) -> None:
    junk = httpx.Response(200, content=b'{"pods": [', headers={"content-type": "application/json"})
    canned.on("GET /v2/pods", problem(500, "Something went wrong."), problem(503, "busy"), junk,
              ok({"pods": [pod_json()]}))
    assert [p.id for p in rest.list_pods()] == ["7h9k2m4n6p"]
    assert len(fake_time.sleeps) == 3
    assert len(canned.sent("GET /v2/pods")) == 4


def test_junk_that_never_stops_is_malformed(rest: RestRunPod, canned: CannedRunPod) -> None:
    canned.on("GET /v2/network-volumes", httpx.Response(200, content=b"<html>oops</html>"))
    with pytest.raises(MalformedResponse, match="expected JSON"):
        rest.network_volumes()


def test_json_of_the_wrong_shape_is_not_retried(rest: RestRunPod, canned: CannedRunPod, fake_time: FakeTime) -> None:
    canned.on("GET /v2/pods", ok({"pods": [{"name": "no id, no status"}]}))
    with pytest.raises(MalformedResponse, match="unexpected shape"):
        rest.list_pods()
    assert fake_time.sleeps == []


def test_a_server_error_on_stop_is_reconciled_by_reading_the_pod(
    rest: RestRunPod, canned: CannedRunPod,
) -> None:
    canned.on("POST /v2/pods/p1/action", problem(500, "Something went wrong."))
    canned.on("GET /v2/pods/p1", ok(pod_json(id="p1", status="EXITED", runtime=None)))
    assert rest.stop_pod("p1").status is PodStatus.EXITED
    assert len(canned.sent("POST /v2/pods/p1/action")) == 1


@pytest.mark.parametrize("after", [
    pytest.param(ok(pod_json(id="p1", status="TERMINATED", runtime=None)), id="listed-terminated"),
    pytest.param(problem(404, "resource not found"), id="gone"),
])
def test_terminate_that_timed_out_then_conflicts_is_done_if_the_pod_is_terminated(
    rest: RestRunPod, canned: CannedRunPod, after: httpx.Response,
) -> None:
    """The lost attempt terminated it; the retry's 409 is "no action on a TERMINATED pod"."""
    canned.on("POST /v2/pods/p1/action", httpx.ReadTimeout,
              problem(409, "action terminate is not allowed while the pod is TERMINATED"))
    canned.on("GET /v2/pods/p1", after)
    rest.terminate_pod("p1")
    assert len(canned.sent("POST /v2/pods/p1/action")) == 2


def test_a_terminate_conflict_is_raised_when_the_pod_is_not_terminated(
    rest: RestRunPod, canned: CannedRunPod,
) -> None:
    canned.on("POST /v2/pods/p1/action", httpx.ReadTimeout, problem(409, "locked"))
    canned.on("GET /v2/pods/p1", ok(pod_json(id="p1")))
    with pytest.raises(BadRequest, match="locked"):
        rest.terminate_pod("p1")
    canned.on("POST /v2/pods/p2/action", problem(409, "action terminate is not allowed"))
    with pytest.raises(BadRequest):  # a first attempt's 409 is RunPod's answer: nothing was lost
        rest.terminate_pod("p2")
    assert canned.sent("GET /v2/pods/p2") == []


def test_terminate_that_timed_out_then_404s_is_done(rest: RestRunPod, canned: CannedRunPod) -> None:
    canned.on("POST /v2/pods/p1/action", httpx.ReadTimeout, problem(404, "resource not found"))
    rest.terminate_pod("p1")
    assert len(canned.sent("POST /v2/pods/p1/action")) == 2


# --- creates are never sent twice -------------------------------------------------------------------


def test_a_create_that_times_out_is_found_by_its_tag_and_never_sent_again(
    rest: RestRunPod, canned: CannedRunPod,
) -> None:
    made: list[dict[str, Any]] = []

    def create_then_time_out(request: httpx.Request) -> httpx.Response:
        made.append(pod_json(id="new1", name="train", env=json.loads(request.content)["env"]))
        raise httpx.ReadTimeout("RunPod is still provisioning", request=request)

    canned.on("POST /v2/pods", create_then_time_out)
    canned.on("GET /v2/pods", lambda request: ok({"pods": [pod_json(id="other", env={"PODWARDEN_REQUEST": "x"}),
                                                           *made]}))
    pod = rest.create_pod(PodSpec(name="train", gpu_type_id=RTX4090, image="i"))
    assert pod.id == "new1"
    assert len(canned.sent("POST /v2/pods")) == 1


def test_a_create_whose_pod_never_shows_is_outcome_unknown_not_a_second_pod(
    rest: RestRunPod, canned: CannedRunPod, fake_time: FakeTime,
) -> None:
    canned.on("POST /v2/pods", httpx.ReadTimeout)
    canned.on("GET /v2/pods", ok({"pods": []}))
    with pytest.raises(OutcomeUnknown) as raised:
        rest.create_pod(PodSpec(name="train", gpu_type_id=RTX4090, image="i"))
    sent = json.loads(canned.sent("POST /v2/pods")[0].content)
    assert raised.value.request == sent["env"]["PODWARDEN_REQUEST"]
    assert len(canned.sent("POST /v2/pods")) == 1
    assert len(canned.sent("GET /v2/pods")) >= 2
    assert fake_time.sleeps


def test_a_500_after_creating_is_found_in_the_listing(rest: RestRunPod, canned: CannedRunPod) -> None:
    made: list[dict[str, Any]] = []

    def create_then_fail(request: httpx.Request) -> httpx.Response:
        made.append(pod_json(id="new1", env=json.loads(request.content)["env"]))
        return problem(500, "Something went wrong.")

    canned.on("POST /v2/pods", create_then_fail)
    canned.on("GET /v2/pods", lambda request: ok({"pods": made}))
    assert rest.create_pod(PodSpec(name="train", gpu_type_id=RTX4090, image="i")).id == "new1"
    assert len(canned.sent("POST /v2/pods")) == 1


def test_a_callers_idempotency_key_finds_the_earlier_pod_first(rest: RestRunPod, canned: CannedRunPod) -> None:
    canned.on("GET /v2/pods", ok({"pods": [pod_json(id="earlier", env={"PODWARDEN_REQUEST": "key-1"})]}))
    pod = rest.create_pod(PodSpec(name="t", gpu_type_id=RTX4090, image="i", env=(("PODWARDEN_REQUEST", "key-1"),)))
    assert pod.id == "earlier"
    assert canned.sent("POST /v2/pods") == []


# --- building -----------------------------------------------------------------------------------------


def test_bootstrap_gives_the_rest_adapter_with_its_graphql_and_closes_both() -> None:
    canned = CannedRunPod()
    canned.on("GET /v2/network-volumes", ok({"networkVolumes": []}))
    canned.graphql = graphql_answer({"myself": {"id": "u1", "clientBalance": 1.5}})
    settings = Settings(runpod_api_key=SecretStr(API_KEY), runpod_api=RunPodApi.REST,
                        runpod_rest_url="https://rest.example.test/v2",
                        runpod_graphql_url="https://gql.example.test/graphql")
    runpod = bootstrap.runpod_client(settings, transport=httpx.MockTransport(canned))
    assert isinstance(runpod, RestRunPod)
    assert runpod.network_volumes() == []
    assert runpod.account().id == "u1"
    assert [str(r.url) for r in canned.requests] == ["https://rest.example.test/v2/network-volumes",
                                                     "https://gql.example.test/graphql"]
    clients = (runpod._http._client, runpod._graphql._http._client)
    runpod.close()
    assert all(client.is_closed for client in clients)
