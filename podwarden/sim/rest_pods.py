"""REST v2 pods and GPU catalogue: ``/v2/pods[/{id}[/action]]``, ``/v2/catalog/gpus[/{id}]``.

A V2 create is translated into the GraphQL create's input and goes through the same
`pods.deploy` (same capacity, spend-limit and balance checks, same texts, same ids), so a
pod made here is the pod GraphQL lists and bills, and the other way round.
"""

from __future__ import annotations

from typing import Any

from podwarden.sim import cpu, errors
from podwarden.sim import pods as pod_ops
from podwarden.sim.pods import DATA_CENTERS, DeployRequest, SimPod
from podwarden.sim.rest_calls import VALIDATION_FAILED, Answer, Call, Problem, Spec, refused, require
from podwarden.sim.rest_views import ACTIONS, gpu_view, pod_status, pod_view

__all__ = ["HANDLERS"]

_PERSISTENT: Spec = {"size": "int", "path": "str"}
_MOUNTS: Spec = {"persistent": _PERSISTENT, "network": [{"volumeId": "str", "path": "str"}]}
CREATE_POD: Spec = {
    "name": "str", "image": "str", "templateId": "str", "args": "str", "disk": "int", "ports": "strlist",
    "env": "strmap", "registry": "str", "mounts": _MOUNTS, "startSsh": "bool", "startJupyter": "bool",
    "globalNetworking": "bool", "cloud": "str", "dataCenterIds": "strlist",
    "gpu": {"id": "str", "count": "int", "allowedCudaVersions": "strlist", "minCudaVersion": "str"},
    "cpu": {"id": "str", "vcpuCount": "int"},
}
UPDATE_POD: Spec = {"name": "str", "image": "str", "args": "str", "disk": "int", "ports": "strlist",
                    "env": "strmap", "registry": "str", "mounts": {"persistent": _PERSISTENT}}
_ACTION: Spec = {"action": "str"}


def _pod(call: Call) -> SimPod:
    pod = call.world.pods.get(call.id)
    if pod is None:
        raise Problem(404, "resource not found")
    return pod


def _env_items(env: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in env.items()]


def _mount_fields(body: dict[str, Any]) -> dict[str, Any]:
    mounts = body.get("mounts") or {}
    persistent, network = mounts.get("persistent"), mounts.get("network")
    if persistent and network:
        raise Problem(400, "mounts: give persistent or network, not both")
    if network:
        if len(network) > 1:
            raise Problem(400, "mounts.network: at most one network volume")
        require(network[0], "volumeId")
        return {"networkVolumeId": network[0]["volumeId"], "volumeMountPath": network[0].get("path") or "/workspace"}
    if persistent:
        if persistent.get("size") is not None and persistent["size"] < 10:
            raise Problem(422, VALIDATION_FAILED, problems=["mounts.persistent.size: must be at least 10"])
        return {"volumeInGb": persistent.get("size"), "volumeMountPath": persistent.get("path")}
    return {}


def _data_centre(body: dict[str, Any], cloud: str) -> str | None:
    """The first of ``dataCenterIds`` in the cloud asked for; none of them there: no capacity."""
    wanted = body.get("dataCenterIds") or []
    if not wanted:
        return None
    fitting = [dc for dc in wanted if dc in DATA_CENTERS[cloud]]
    if not fitting:
        raise Problem(400, errors.NO_INSTANCES)
    return str(fitting[0])


def create_pod(call: Call) -> Answer:
    body = call.body(CREATE_POD)
    require(body, "name")
    gpu: dict[str, Any] | None = body.get("gpu")
    cpu_spec: dict[str, Any] | None = body.get("cpu")
    if (gpu is None) == (cpu_spec is None):
        raise Problem(400, "give exactly one of gpu and cpu")
    if not body.get("image") and not body.get("templateId"):
        raise Problem(400, "image is required unless templateId is given")
    cloud = body.get("cloud") or "SECURE"
    if cloud not in ("SECURE", "COMMUNITY"):
        raise Problem(422, VALIDATION_FAILED, problems=["cloud: must be SECURE or COMMUNITY"])
    graphql_input: dict[str, Any] = {
        "name": body["name"], "imageName": body.get("image"), "templateId": body.get("templateId"),
        "cloudType": cloud, "dataCenterId": _data_centre(body, cloud),
        "containerDiskInGb": body.get("disk"), "dockerArgs": body.get("args"),
        "ports": ",".join(body["ports"]) if body.get("ports") is not None else None,
        "env": _env_items(body["env"]) if body.get("env") is not None else None,
        "startSsh": bool(body.get("startSsh", False)),  # V2's default is false (GraphQL's is true)
        "containerRegistryAuthId": body.get("registry"),
        **_mount_fields(body),
    }
    try:
        pod = _create_cpu_pod(call, cpu_spec, graphql_input) if cpu_spec is not None \
            else _create_gpu_pod(call, gpu or {}, graphql_input)
    except errors.SimError as exc:
        raise refused(exc) from None
    return Answer(201, pod_view(call.world, pod))


def _create_gpu_pod(call: Call, spec: dict[str, Any], graphql_input: dict[str, Any]) -> SimPod:
    """One GPU type, the one asked for: a V2 create never falls back to another."""
    require(spec, "id")
    count = spec.get("count") or 1
    if count < 1:
        raise Problem(422, VALIDATION_FAILED, problems=["gpu.count: must be at least 1"])
    request = DeployRequest.from_input(graphql_input | {"gpuTypeId": spec["id"], "gpuCount": count}, call.world)
    return pod_ops.deploy(call.world, request)


def _create_cpu_pod(call: Call, spec: dict[str, Any], graphql_input: dict[str, Any]) -> SimPod:
    require(spec, "id", "vcpuCount")
    vcpus = spec["vcpuCount"]
    if vcpus < 2 or vcpus & (vcpus - 1):
        raise Problem(422, VALIDATION_FAILED, problems=["cpu.vcpuCount: a power of 2, at least 2"])
    flavor = cpu.CPU_FLAVORS.get(spec["id"])
    instance = f"{spec['id']}-{vcpus}-{vcpus * flavor.ram_multiplier}" if flavor else str(spec["id"])
    if graphql_input["cloudType"] != "SECURE":
        raise Problem(400, "CPU pods run in Secure Cloud only")
    data = {k: v for k, v in graphql_input.items() if v is not None} | {"instanceId": instance}
    if data.get("templateId") and not data.get("imageName"):
        template = call.world.templates.get(str(data["templateId"]))
        if template is None:
            raise errors.NotFoundError(f"Template {data['templateId']} not found.")
        data["imageName"] = template.image_name
    return cpu.deploy_cpu_pod(call.world, data)


def list_pods(call: Call) -> Answer:
    with_clusters = (call.param("includeClusterPods") or "false").lower() == "true"
    pods = [pod_view(call.world, p) for p in call.world.pods.values() if with_clusters or p.cluster_id is None]
    return Answer(200, {"pods": pods})


def get_pod(call: Call) -> Answer:
    return Answer(200, pod_view(call.world, _pod(call)))


def _not_in_cluster(pod: SimPod) -> None:
    if pod.cluster_id is not None:
        raise Problem(409, f"pod {pod.id} belongs to cluster {pod.cluster_id}; change the cluster instead")


def update_pod(call: Call) -> Answer:
    """PATCH: the fields given change; a running pod restarts with them (as ``podEditJob``)."""
    pod = _pod(call)
    body = call.body(UPDATE_POD)
    _not_in_cluster(pod)
    edit: dict[str, Any] = {
        "podId": pod.id, "imageName": body.get("image"), "dockerArgs": body.get("args"),
        "containerDiskInGb": body.get("disk"),
        "ports": ",".join(body["ports"]) if body.get("ports") is not None else None,
        "env": _env_items(body["env"]) if body.get("env") is not None else None,
    }
    persistent = (body.get("mounts") or {}).get("persistent") or {}
    edit |= {"volumeInGb": persistent.get("size"), "volumeMountPath": persistent.get("path")}
    if "registry" in body:
        edit["containerRegistryAuthId"] = body["registry"]
    if body.get("name"):
        pod.name = body["name"]
    if any(v is not None for k, v in edit.items() if k != "podId") or "containerRegistryAuthId" in edit:
        pod_ops.edit(call.world, edit)
    return Answer(200, pod_view(call.world, pod))


def delete_pod(call: Call) -> Answer:
    pod = _pod(call)
    _not_in_cluster(pod)
    pod_ops.terminate(call.world, pod.id)
    return Answer(204)


def pod_action(call: Call) -> Answer:
    """An action; a cluster's pod refuses every one (409), as V2's ``Pod.cluster`` says its pods
    "cannot be modified or deleted via the pod endpoints" and ``terminate`` is DELETE's
    equivalent (UNVERIFIED for stop/start: the spec names no exception)."""
    pod = _pod(call)
    action = call.body(_ACTION).get("action")
    if action not in ("start", "stop", "restart", "terminate"):
        raise Problem(422, VALIDATION_FAILED, problems=["action: must be start, stop, restart or terminate"])
    _not_in_cluster(pod)
    status = pod_status(call.world, pod)
    if action not in ACTIONS[status]:
        raise Problem(409, f"action {action} is not allowed while the pod is {status}")
    world = call.world
    try:
        if action == "terminate":
            pod_ops.terminate(world, pod.id)
            return Answer(204)
        if action == "stop":
            pod_ops.stop(world, pod.id)
        elif action == "start":
            pod_ops.resume(world, pod.id, None)  # V2 cannot change the GPU count on start
        else:
            pod_ops.edit(world, {"podId": pod.id})  # an edit that changes nothing restarts a running pod
    except errors.SimError as exc:
        raise refused(exc) from None
    return Answer(200, pod_view(world, pod))


_PRODUCTS = ("POD", "SERVERLESS", "CLUSTER")


def _product(call: Call) -> str | None:
    include = [i for v in call.query.get("include", []) for i in v.split(",") if i]
    product = call.param("product")
    if product is not None and product not in _PRODUCTS:
        raise Problem(400, "product must be POD, SERVERLESS or CLUSTER")
    if "AVAILABILITY" not in include:
        return None
    if product is None:
        raise Problem(400, "include=AVAILABILITY needs product=POD|SERVERLESS|CLUSTER")
    return product


def _cloud_and_count(call: Call) -> tuple[str, int]:
    """``cloud`` (SECURE, the default, or COMMUNITY) and ``count`` (GPUs per pod, default 1):
    what a Pod's availability is for (UNVERIFIED beyond V2's parameter list: the level is
    GraphQL's ``stockStatus`` for that cloud and count)."""
    cloud = call.param("cloud") or "SECURE"
    if cloud not in ("SECURE", "COMMUNITY"):
        raise Problem(400, "cloud must be SECURE or COMMUNITY")
    raw = call.param("count") or "1"
    if not raw.isdigit() or int(raw) < 1:
        raise Problem(400, "count must be a whole number, at least 1")
    return cloud, int(raw)


def list_gpus(call: Call) -> Answer:
    product = _product(call)
    cloud, count = _cloud_and_count(call)
    return Answer(200, {"gpus": [gpu_view(call.world, g, product, cloud=cloud, count=count)
                                 for g in call.world.gpu_types.values()]})


def get_gpu(call: Call) -> Answer:
    product = _product(call)
    cloud, count = _cloud_and_count(call)
    gpu = call.world.gpu_types.get(call.id)
    if gpu is None:
        raise Problem(404, "resource not found")
    return Answer(200, gpu_view(call.world, gpu, product, cloud=cloud, count=count))


HANDLERS = {
    ("GET", "/v2/pods"): list_pods,
    ("POST", "/v2/pods"): create_pod,
    ("GET", "/v2/pods/{id}"): get_pod,
    ("PATCH", "/v2/pods/{id}"): update_pod,
    ("DELETE", "/v2/pods/{id}"): delete_pod,
    ("POST", "/v2/pods/{id}/action"): pod_action,
    ("GET", "/v2/catalog/gpus"): list_gpus,
    ("GET", "/v2/catalog/gpus/{id}"): get_gpu,
}
