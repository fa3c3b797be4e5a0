"""The world as REST v2's JSON: Pod, GpuType, Template, Endpoint, Worker, NetworkVolume.

The shapes follow RunPod's REST v2 OpenAPI examples (``getPod`` and friends); where the
spec says nothing, the choice made here is listed in `podwarden.sim.rest_api`'s docstring.
Every view reads the same world the GraphQL views read (`podwarden.sim.views`): a pod's
``cost`` is its GraphQL ``costPerHr`` and its ``runtime`` is built from the same telemetry
reading (`views.runtime_view`), so the two surfaces never disagree about one instant.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from podwarden.sim import serverless
from podwarden.sim.catalog import CLOUDS, GpuType, pool_for_gpu_type, stock_status
from podwarden.sim.locations import CLUSTER_OFFERS, DATA_CENTRES
from podwarden.sim.views import money, runtime_view

if TYPE_CHECKING:
    from podwarden.sim.pods import SimPod
    from podwarden.sim.serverless import SimEndpoint
    from podwarden.sim.world import SimNetworkVolume, SimTemplate, World

__all__ = [
    "ACTIONS",
    "endpoint_view",
    "gpu_view",
    "pod_status",
    "pod_view",
    "stamp",
    "template_view",
    "volume_view",
    "workers_view",
]

# What each status allows (V2 ``Pod.actions``).
ACTIONS: dict[str, tuple[str, ...]] = {
    "RUNNING": ("stop", "restart", "terminate"),
    "EXITED": ("start", "terminate"),
    "ERROR": ("start", "terminate"),
    "PROVISIONING": ("stop", "terminate"),
    "STARTING": ("stop", "terminate"),
    "TERMINATED": (),
}
_RUNTIME_HOST = "https://api.runpod.ai/v2"
_SSH_PROXY_HOST = "ssh.runpod.io"


def stamp(when: datetime | None) -> str | None:
    """RFC 3339 in UTC to the second, as the V2 examples write it (``2026-06-01T12:00:00Z``)."""
    return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%SZ")


def pod_status(world: World, pod: SimPod) -> str:
    """The world's desired status and boot as V2's status: a pod that is RUNNING but still
    booting is PROVISIONING after its create, STARTING after a start or restart."""
    if pod.desired_status != "RUNNING":
        return pod.desired_status  # EXITED (stopped, evicted, out of money) or TERMINATED
    if pod.booted(world.now):
        return "RUNNING"
    return "PROVISIONING" if pod.last_started_at == pod.created_at else "STARTING"


def _env(items: list[str]) -> dict[str, str]:
    return dict(item.partition("=")[::2] for item in items)


def _ports(ports: str) -> list[str]:
    return [p for p in ports.replace(" ", "").split(",") if p]


def _pod_runtime(world: World, pod: SimPod) -> dict[str, Any] | None:
    graphql = runtime_view(world, pod)
    if graphql is None:
        return None
    return {
        "uptime": graphql["uptimeInSeconds"],
        "gpus": [{"util": g["gpuUtilPercent"], "memoryUtil": g["memoryUtilPercent"]} for g in graphql["gpus"]],
        "cpu": {"util": graphql["container"]["cpuPercent"]},
        "memory": {"util": graphql["container"]["memoryPercent"]},
        "ports": [{"private": p["privatePort"], "public": p["publicPort"] if p["isIpPublic"] else None,
                   "type": p["type"], "ip": p["ip"] if p["isIpPublic"] else None} for p in graphql["ports"]],
    }


def _ssh(pod: SimPod, runtime: dict[str, Any] | None) -> dict[str, Any]:
    proxy = {"host": _SSH_PROXY_HOST, "port": 22, "username": pod.pod_host_id,
             "command": f"ssh {pod.pod_host_id}@{_SSH_PROXY_HOST}"}
    port = next((p for p in (runtime or {}).get("ports", [])
                 if p["private"] == 22 and p["type"] == "tcp" and p["public"] is not None), None)
    direct = None if port is None else {
        "host": port["ip"], "port": port["public"], "username": "root",
        "command": f"ssh root@{port['ip']} -p {port['public']}"}
    return {"proxy": proxy, "direct": direct}


def _mounts(pod: SimPod) -> dict[str, Any]:
    if pod.network_volume_id:
        return {"network": [{"volumeId": pod.network_volume_id, "path": pod.volume_mount_path}]}
    if pod.volume_gb > 0:
        return {"persistent": {"size": pod.volume_gb, "path": pod.volume_mount_path}}
    return {}


def pod_view(world: World, pod: SimPod) -> dict[str, Any]:
    """V2's Pod. ``cost`` is 0 unless the pod is running (V2: a stopped pod costs 0.0 an hour
    in compute); of ``gpu`` and ``cpu`` only the one the pod has is given (V2 omits the other)."""
    status = pod_status(world, pod)
    runtime = _pod_runtime(world, pod)
    gpu = world.gpu_types.get(pod.gpu_type_id)
    view: dict[str, Any] = {
        "id": pod.id,
        "name": pod.name,
        "image": pod.image_name,
        "args": pod.docker_args,
        "disk": pod.container_disk_gb,
        "ports": _ports(pod.ports),
        "env": _env(pod.env),
        "registry": pod.container_registry_auth_id or None,
        "status": status,
        "actions": list(ACTIONS[status]),
        "mounts": _mounts(pod),
        "cloud": pod.cloud,
        "dataCenterId": pod.data_center_id,
        "cudaVersion": "12.8" if gpu is not None and gpu.manufacturer != "AMD" else None,
        "ssh": _ssh(pod, runtime),
        "template": pod.template_id,
        "cost": money(pod.cost_per_hr) if pod.desired_status == "RUNNING" else 0.0,
        "locked": False,
        "globalNetworking": {"enabled": False},
        "runtime": runtime,
        "createdAt": stamp(pod.created_at),
        "startedAt": stamp(pod.last_started_at),
    }
    if pod.cpu_flavor is None:
        view["gpu"] = {"id": pod.gpu_type_id, "count": pod.gpu_count}
    else:
        view["cpu"] = {"id": pod.cpu_flavor, "vcpuCount": pod.vcpu_count}
    return view


def _level(free_units: int) -> str:
    return stock_status(free_units).upper()  # "High" -> "HIGH", "None" -> "NONE"


def _availability(world: World, gpu: GpuType, product: str, *, cloud: str = "SECURE",
                  count: int = 1) -> tuple[str, list[dict[str, Any]]]:
    """(overall, per data centre) for one product: Pods read the free stock of `cloud` in
    pods of `count` GPUs (as GraphQL's ``stockStatus`` for a count: free // count; none
    beyond ``maxCount``); a Serverless pool is always HIGH (workers take no stock here); a
    cluster is HIGH where the type has node groups."""
    if product == "POD":
        offered = gpu.offered(cloud) and count <= gpu.max_gpu_count
        units = gpu.free.get(cloud, 0) // count if offered else 0
        centres = [{"id": dc.id, "name": dc.name, "availability": _level(units)}
                   for dc in DATA_CENTRES if dc.listed and dc.cloud == cloud] if offered else []
        return _level(units), centres
    if product == "SERVERLESS":
        if pool_for_gpu_type(gpu.id, world.pools) is None:
            return "NONE", []
        return "HIGH", [{"id": dc.id, "name": dc.name, "availability": "HIGH"}
                        for dc in DATA_CENTRES if dc.listed and dc.cloud == "SECURE"]
    offer = CLUSTER_OFFERS.get(gpu.id)
    if offer is None:
        return "NONE", []
    return "HIGH", [{"id": dc, "name": dc, "availability": "HIGH"} for dc in offer.data_centres]


def gpu_view(world: World, gpu: GpuType, product: str | None, *, cloud: str = "SECURE",
             count: int = 1) -> dict[str, Any]:
    pool = pool_for_gpu_type(gpu.id, world.pools)
    view: dict[str, Any] = {
        "id": gpu.id,
        "name": gpu.display_name,
        "pool": pool.id if pool else None,
        "manufacturer": gpu.manufacturer.upper(),
        "memory": gpu.memory_gb,
        "secure": gpu.offered("SECURE"),
        "community": gpu.offered("COMMUNITY"),
        "price": {
            "secure": money(gpu.secure_price),
            "community": money(gpu.community_price),
            "serverless": money(pool.flex_per_second * 3600) if pool else None,
        },
        "maxCount": {c.lower(): gpu.max_gpu_count if gpu.offered(c) else 0 for c in CLOUDS},
    }
    if product is not None:
        view["availability"], view["dataCenters"] = _availability(world, gpu, product, cloud=cloud, count=count)
    return view


def template_view(template: SimTemplate) -> dict[str, Any]:
    return {
        "id": template.id,
        "name": template.name,
        "serverless": template.is_serverless,
        "image": template.image_name,
        "args": template.docker_args,
        "disk": template.container_disk_gb,
        "ports": _ports(template.ports),
        "env": dict(template.env),
        "mounts": {"persistent": {"size": template.volume_gb, "path": template.volume_mount_path}}
        if template.volume_gb > 0 else {},
        "startSsh": template.start_ssh,
        "public": template.is_public,
        "readme": template.readme,
        "registry": template.container_registry_auth_id or None,
    }


def pool_ids(world: World, gpu_ids: str) -> list[str]:
    """GraphQL's ``gpuIds`` (pool ids or GPU type ids, comma-separated) as V2's ``gpu.pools``."""
    out: list[str] = []
    for item in (i.strip() for i in gpu_ids.split(",")):
        pool = world.pools.get(item) or pool_for_gpu_type(item, world.pools)
        if pool is not None and pool.id not in out:
            out.append(pool.id)
    return out


def endpoint_view(world: World, endpoint: SimEndpoint) -> dict[str, Any]:
    template = world.templates.get(endpoint.template_id) if endpoint.template_id else None
    base = f"{_RUNTIME_HOST}/{endpoint.id}"
    scaling: dict[str, Any] = {"type": endpoint.scaler_type}
    scaling["queueDelay" if endpoint.scaler_type == "QUEUE_DELAY" else "requestCount"] = endpoint.scaler_value
    return {
        "id": endpoint.id,
        "name": endpoint.name,
        "type": "QUEUE",
        "requestUrls": {
            "run": f"{base}/run", "runSync": f"{base}/runsync", "status": f"{base}/status/{{job_id}}",
            "stream": f"{base}/stream/{{job_id}}", "cancel": f"{base}/cancel/{{job_id}}",
            "retry": f"{base}/retry/{{job_id}}", "purgeQueue": f"{base}/purge-queue", "health": f"{base}/health",
        },
        "image": template.image_name if template else None,
        "args": template.docker_args if template else "",
        "disk": template.container_disk_gb if template else 0,
        "ports": _ports(template.ports) if template else [],
        "env": dict(endpoint.env),
        "registry": None,
        "gpu": {
            "pools": pool_ids(world, endpoint.gpu_ids),
            "excludedTypes": [],
            "count": endpoint.gpu_count,
            "allowedCudaVersions": [v for v in (endpoint.allowed_cuda_versions or "").split(",") if v],
            "minCudaVersion": None,
        },
        "workers": {"min": endpoint.workers_min, "max": endpoint.workers_max, "idleTimeout": endpoint.idle_timeout},
        "scaling": scaling,
        "dataCenterIds": [d for d in (endpoint.locations or "").split(",") if d],
        "networkVolumes": [endpoint.network_volume_id] if endpoint.network_volume_id else [],
        "timeout": endpoint.execution_timeout_ms,
        "flashboot": endpoint.flash_boot_type,
        "createdAt": stamp(endpoint.created_at),
    }


def workers_view(world: World, endpoint: SimEndpoint) -> dict[str, Any]:
    """``GET /v2/serverless/{id}/workers``: a worker's ``startedAt`` is when it became ready
    (the world does not keep the start of its cold start)."""
    counts = serverless.health(endpoint)["workers"]
    pool = serverless.pool_of(world, endpoint)
    template = world.templates.get(endpoint.template_id) if endpoint.template_id else None
    workers = [{
        "id": w.id,
        "status": w.state,
        "isStale": False,
        "version": endpoint.version,
        "gpuCount": endpoint.gpu_count,
        "image": template.image_name if template else None,
        "uptimeSeconds": max(int((world.now - w.ready_at).total_seconds()), 0),
        "gpuTypeId": pool.gpu_type_ids[0] if pool.gpu_type_ids else None,
        "dataCenterId": None,
        "startedAt": stamp(w.ready_at) if w.ready_at <= world.now else None,
    } for w in endpoint.workers]
    return {
        "endpointVersion": endpoint.version,
        "summary": {"running": counts["running"], "idle": counts["idle"], "initializing": counts["initializing"],
                    "throttled": 0, "unhealthy": 0, "total": len(endpoint.workers)},
        "workers": workers,
    }


def volume_view(volume: SimNetworkVolume) -> dict[str, Any]:
    return {"id": volume.id, "name": volume.name, "size": volume.size, "dataCenter": volume.data_center_id,
            "type": "STANDARD"}
