"""The world as RunPod's GraphQL types: plain dicts for graphql-core's default resolver.

Money leaves the world's `Decimal`s as JSON floats here and only here, as RunPod sends it.
Fields that take arguments (``lowestPrice(input:)``) are callables, which graphql-core's
default resolver calls with the arguments; costly lists (``myself.pods``) are callables
too, so a query pays only for what it selects.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from podwarden.sim import pods as pod_ops
from podwarden.sim import serverless
from podwarden.sim.catalog import CLOUDS, GpuType, stock_status
from podwarden.sim.locations import CLUSTER_OFFERS, DATA_CENTRES, data_centre, data_centre_view

if TYPE_CHECKING:
    from podwarden.sim.pods import SimPod
    from podwarden.sim.serverless import SimEndpoint
    from podwarden.sim.world import SimNetworkVolume, SimTemplate, World

__all__ = ["endpoint_view", "gpu_type_view", "iso", "money", "pod_view", "runtime_view", "template_view",
           "user_view", "volume_view"]


def money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _location(data_center_id: str) -> str:
    region, _, rest = data_center_id.partition("-")
    if region in ("EU", "EUR"):
        return rest.split("-")[0]
    return region


def _data_centre_ref(world: World | None, dc_id: str) -> dict[str, Any] | None:
    dc = data_centre(dc_id)
    if dc is None:
        return {"id": dc_id, "name": dc_id, "location": None, "countryCode": None, "listed": False,
                "storageSupport": False, "gpuAvailability": []}
    return data_centre_view(world, dc)


def volume_view(volume: SimNetworkVolume, world: World | None = None) -> dict[str, Any]:
    return {"id": volume.id, "name": volume.name, "size": volume.size, "dataCenterId": volume.data_center_id,
            "dataCenter": _data_centre_ref(world, volume.data_center_id), "storageClusterId": None}


def runtime_view(world: World, pod: SimPod) -> dict[str, Any] | None:
    """``Pod.runtime`` as RunPod sends it: null until booted and while stopped."""
    now = world.now
    if not pod.booted(now) or pod.last_started_at is None:
        return None
    uptime = int((now - pod.last_started_at).total_seconds())
    ports: list[dict[str, Any]] = []
    for private, public in pod.port_map.items():
        kind = next((k for p, k in pod_ops.parse_ports(pod.ports) if p == private), "tcp")
        public_ip = kind == "tcp" and pod.support_public_ip
        ports.append({
            "ip": pod.public_ip if public_ip else pod.private_ip,
            "isIpPublic": public_ip,
            "privatePort": private,
            "publicPort": public,
            "type": kind,
        })
    since = pod.workload_since or pod.last_started_at
    elapsed = (now - since).total_seconds()
    gpus = []
    for index, gpu_id in enumerate(pod.gpu_ids):
        reading = pod.workload.reading(elapsed, key=f"{pod.id}:{index}")
        gpus.append({"id": gpu_id, "gpuUtilPercent": reading.gpu_util,
                     "memoryUtilPercent": reading.gpu_memory})
    container = pod.workload.reading(elapsed, key=f"{pod.id}:container")
    return {
        "uptimeInSeconds": uptime,
        "ports": ports,
        "gpus": gpus,
        "container": {"cpuPercent": container.cpu, "memoryPercent": container.memory},
    }


def pod_view(world: World, pod: SimPod) -> dict[str, Any]:
    gpu = world.gpu_types.get(pod.gpu_type_id)  # None for a CPU pod
    price = pod.cost_per_hr / pod.gpu_count if pod.gpu_count else pod.cost_per_hr
    started = pod.last_started_at
    uptime = int((world.now - started).total_seconds()) if pod.running and started else 0
    volume = world.network_volumes.get(pod.network_volume_id) if pod.network_volume_id else None
    return {
        "id": pod.id,
        "name": pod.name,
        "machineId": pod.machine_id,
        "clusterId": pod.cluster_id,
        "clusterIp": pod.cluster_ip,
        "costPerHr": money(pod.cost_per_hr),
        "adjustedCostPerHr": money(pod.cost_per_hr),
        "desiredStatus": pod.desired_status,
        "gpuCount": pod.gpu_count,
        "memoryInGb": pod.memory_gb,
        "vcpuCount": pod.vcpu_count,
        "volumeEncrypted": False,
        "imageName": pod.image_name,
        "dockerArgs": pod.docker_args,
        "dockerId": None,
        "env": list(pod.env),
        "lastStatusChange": pod.last_status_change,
        "lastStartedAt": iso(pod.last_started_at),
        "createdAt": iso(pod.created_at),
        "uptimeSeconds": uptime,
        "podType": "INTERRUPTABLE" if pod.spot else "RESERVED",
        "port": None,
        "ports": pod.ports,
        "templateId": pod.template_id,
        "volumeInGb": pod.volume_gb,
        "volumeKey": None,
        "volumeMountPath": pod.volume_mount_path,
        "containerDiskInGb": pod.container_disk_gb,
        "containerRegistryAuthId": pod.container_registry_auth_id,
        "locked": False,
        "networkVolumeId": pod.network_volume_id,
        "networkVolume": volume_view(volume, world) if volume else None,
        "costMultiplier": 1.0,
        "lowestBidPriceToResume": money(gpu.spot_price(pod.cloud)) if pod.spot and gpu else None,
        "version": 0,
        "machineType": "GPU" if gpu else "CPU",
        "runtime": runtime_view(world, pod),
        "machine": {
            "id": pod.machine_id,
            "podHostId": pod.pod_host_id,
            "gpuDisplayName": gpu.display_name if gpu else None,
            "gpuTypeId": gpu.id if gpu else None,
            "location": _location(pod.data_center_id),
            "dataCenterId": pod.data_center_id,
            "secureCloud": pod.cloud == "SECURE",
            "supportPublicIp": pod.support_public_ip,
            "costPerHr": money(price),
            "currentPricePerGpu": money(price),
            "runpodIp": None,
            "maxDownloadSpeedMbps": 1000,
            "maxUploadSpeedMbps": 1000,
            "diskMBps": 2000,
            "gpuAvailable": gpu.free.get(pod.cloud, 0) if gpu else 0,
            "cpuCount": gpu.vcpu_per_gpu * 8 if gpu else pod.vcpu_count * 4,
            "memoryTotal": gpu.ram_per_gpu_gb * 8 if gpu else pod.memory_gb * 4,
            "maintenanceStart": None,
            "maintenanceEnd": None,
            "maintenanceNote": None,
            "note": None,
            "listed": True,
            "machineType": "GPU" if gpu else "CPU",
        },
    }


def _where(args: dict[str, Any], clouds: tuple[str, ...]) -> tuple[str, ...]:
    """The clouds a ``dataCenterId``/``countryCode`` filter leaves (none when it names no place of them)."""
    dc_id, country = args.get("dataCenterId"), args.get("countryCode")
    if dc_id:
        dc = data_centre(str(dc_id))
        clouds = tuple(c for c in clouds if dc is not None and dc.listed and dc.cloud == c)
    if country:
        clouds = tuple(c for c in clouds if any(
            d.country_code == country and d.cloud == c and d.listed for d in DATA_CENTRES))
    return clouds


def _lowest_price(gpu: GpuType, args: dict[str, Any]) -> dict[str, Any]:
    """``lowestPrice(input:)``: honours gpuCount, secureCloud, dataCenterId and countryCode;
    minCudaVersion and the minimum sizes are accepted and ignored (every host qualifies)."""
    count = max(int(args.get("gpuCount") or 1), 1)
    secure = args.get("secureCloud")
    clouds = CLOUDS if secure is None else ("SECURE",) if secure else ("COMMUNITY",)
    offered = [c for c in _where(args, clouds) if gpu.offered(c)]
    prices = [p for c in offered if (p := gpu.price(c)) is not None]
    bids = [b for c in offered if (b := gpu.spot_price(c)) is not None]
    free = max((gpu.free.get(c, 0) for c in offered), default=0)
    return {
        "gpuName": gpu.display_name,
        "gpuTypeId": gpu.id,
        "minimumBidPrice": money(min(bids)) if bids else None,
        "uninterruptablePrice": money(min(prices)) if prices else None,
        "minMemory": gpu.ram_per_gpu_gb * count,
        "minVcpu": gpu.vcpu_per_gpu * count,
        "rentalPercentage": None,
        "rentedCount": None,
        "totalCount": None,
        # null when none is free: gpuhunt (`stockStatus is None`) and runpodctl (`!= ""`) read it so
        "stockStatus": stock_status(free // count) if offered and free // count > 0 else None,
        "minDownload": None,
        "minDisk": None,
        "minUpload": None,
        "countryCode": args.get("countryCode"),
        "supportPublicIp": True,
        "compliance": [],
        "maxGpuCount": gpu.max_gpu_count,
        "maxUnreservedGpuCount": free,
        "availableGpuCounts": [n for n in (1, 2, 4, 8) if n <= min(free, gpu.max_gpu_count)],
    }


def gpu_type_view(gpu: GpuType, world: World | None = None) -> dict[str, Any]:
    def lowest_price(_info: Any, **kwargs: Any) -> dict[str, Any]:
        return _lowest_price(gpu, kwargs.get("input") or {})

    cluster = CLUSTER_OFFERS.get(gpu.id)

    return {
        "id": gpu.id,
        "displayName": gpu.display_name,
        "manufacturer": gpu.manufacturer,
        "memoryInGb": gpu.memory_gb,
        "cudaCores": None,
        "secureCloud": gpu.offered("SECURE"),
        "communityCloud": gpu.offered("COMMUNITY"),
        "securePrice": money(gpu.secure_price),
        "communityPrice": money(gpu.community_price),
        "clusterPrice": money(cluster.price_per_gpu) if cluster else None,
        "oneWeekPrice": None,
        "oneMonthPrice": None,
        "threeMonthPrice": None,
        "sixMonthPrice": None,
        "oneYearPrice": None,
        "communitySpotPrice": money(gpu.community_spot_price),
        "secureSpotPrice": money(gpu.secure_spot_price),
        "maxGpuCount": gpu.max_gpu_count,
        "nodeGroupDatacenters": [_data_centre_ref(world, dc) for dc in cluster.data_centres] if cluster else [],
        "maxGpuCountSecureCloud": gpu.max_gpu_count if gpu.offered("SECURE") else 0,
        "maxGpuCountCommunityCloud": gpu.max_gpu_count if gpu.offered("COMMUNITY") else 0,
        "minPodGpuCount": 1,
        "throughput": None,
        "lowestPrice": lowest_price,
    }


def _env_list(env: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in env]


def template_view(template: SimTemplate) -> dict[str, Any]:
    return {
        "id": template.id,
        "name": template.name,
        "imageName": template.image_name,
        "dockerArgs": template.docker_args,
        "containerDiskInGb": template.container_disk_gb,
        "volumeInGb": template.volume_gb,
        "volumeMountPath": template.volume_mount_path,
        "ports": template.ports,
        "portsConfig": [{"port": port, "name": name} for port, name in template.ports_config],
        "env": _env_list(template.env),
        "isServerless": template.is_serverless,
        "isPublic": template.is_public,
        "isRunpod": template.is_runpod,
        "readme": template.readme,
        "startJupyter": False,
        "startScript": None,
        "startSsh": template.start_ssh,
        "advancedStart": False,
        "containerRegistryAuthId": template.container_registry_auth_id,
        "boundEndpointId": None,
        "category": template.category,
        "config": None,
        "earned": 0.0,
        "runtimeInMin": 0,
        "userId": None,
    }


def _worker_pod(endpoint: SimEndpoint, worker: serverless.SimWorker) -> dict[str, Any]:
    return {
        "id": worker.id, "name": f"{endpoint.name} worker", "machineId": worker.id[:12],
        "costPerHr": 0.0, "adjustedCostPerHr": 0.0,
        "desiredStatus": "RUNNING", "gpuCount": endpoint.gpu_count, "memoryInGb": 0.0, "vcpuCount": 0.0,
        "volumeEncrypted": False, "runtime": None, "machine": None,
    }


def endpoint_view(world: World, endpoint: SimEndpoint) -> dict[str, Any]:
    volume = world.network_volumes.get(endpoint.network_volume_id) if endpoint.network_volume_id else None
    template = world.templates.get(endpoint.template_id) if endpoint.template_id else None
    return {
        "id": endpoint.id,
        "name": endpoint.name,
        "aiKey": None,
        "gpuIds": endpoint.gpu_ids,
        "gpuCount": endpoint.gpu_count,
        "idleTimeout": endpoint.idle_timeout,
        "locations": endpoint.locations or "",
        "networkVolumeId": endpoint.network_volume_id or "",
        "networkVolume": volume_view(volume, world) if volume else None,
        "networkVolumeIds": [{"networkVolumeId": volume.id, "dataCenterId": volume.data_center_id}]
        if volume else [],
        "scalerType": endpoint.scaler_type,
        "scalerValue": endpoint.scaler_value,
        "templateId": endpoint.template_id,
        "template": template_view(template) if template else None,
        "type": "QB",
        "userId": world.user_id,
        "version": endpoint.version,
        "workersMax": endpoint.workers_max,
        "workersMin": endpoint.workers_min,
        "workersStandby": 0,
        "workersPFBTarget": 0,
        "env": _env_list(endpoint.env),
        "createdAt": iso(endpoint.created_at),
        "allowedCudaVersions": endpoint.allowed_cuda_versions or "",
        "minCudaVersion": None,
        "executionTimeoutMs": endpoint.execution_timeout_ms,
        "flashBootType": endpoint.flash_boot_type,
        "instanceIds": [],
        "computeType": "GPU",
        "modelReferences": [],
        "pods": [_worker_pod(endpoint, w) for w in endpoint.workers],
    }


def user_view(world: World) -> dict[str, Any]:
    details = world.spend_details()
    return {
        "id": world.user_id,
        "authId": world.auth_id,
        "email": world.email,
        "pubKey": world.pub_key,
        "clientBalance": money(world.balance),
        "currentSpendPerHr": money(world.current_spend_per_hour()),
        "spendLimit": world.spend_limit,
        "underBalance": world.balance < world.min_balance,
        "minBalance": money(world.min_balance),
        "clientLifetimeSpend": money(world.billing.lifetime),
        "creditAlertThreshold": None,
        "notifyPodsStale": True,
        "notifyPodsGeneral": True,
        "notifyLowBalance": True,
        "notifyOther": True,
        "maxServerlessConcurrency": 5,
        "spendDetails": {key: money(value) for key, value in details.items()},
        "pods": lambda _info: [pod_view(world, p) for p in world.pods.values()],
        "endpoints": lambda _info: [endpoint_view(world, e) for e in world.endpoints.values()],
        "networkVolumes": lambda _info: [volume_view(v, world) for v in world.network_volumes.values()],
        "podTemplates": lambda _info: [template_view(t) for t in world.templates.values()],
        "containerRegistryCreds": lambda _info: [
            {"id": a.id, "name": a.name, "registryUsername": a.username} for a in world.registry_auths.values()],
        "serverlessDiscount": None,
    }
