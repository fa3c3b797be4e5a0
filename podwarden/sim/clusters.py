"""Instant Clusters: ``createCluster`` rents ``podCount`` pods of ``gpuCountPerPod`` GPUs in one data
centre, each with an address on the cluster's private network (``clusterIp``); ``deleteCluster``
terminates them all. An unknown cluster is refused with ``extensions.code`` ``Cluster not found``,
the code dstack matches to treat the cluster as already gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podwarden.sim import errors
from podwarden.sim import pods as pod_ops
from podwarden.sim.locations import CLUSTER_OFFERS
from podwarden.sim.pods import DeployRequest
from podwarden.sim.world import SimCluster, World

__all__ = ["create_cluster", "delete_cluster"]


def create_cluster(world: World, data: Mapping[str, Any]) -> SimCluster:
    gpu_type_id = str(data["gpuTypeId"])
    offer = CLUSTER_OFFERS.get(gpu_type_id)
    dc_id = str(data.get("dataCenterId") or (offer.data_centres[0] if offer else ""))
    if offer is None or dc_id not in offer.data_centres:
        raise errors.SimError(errors.NO_INSTANCES)
    pod_count = int(data["podCount"])
    if not 2 <= pod_count <= 8:
        raise errors.SimError("A cluster has between 2 and 8 pods.")
    per_pod = int(data["gpuCountPerPod"])
    gpu = world.gpu_types[gpu_type_id]
    if gpu.free.get("SECURE", 0) < pod_count * per_pod:
        raise errors.SimError(errors.NO_INSTANCES)
    pod_ops.ensure_affordable(world, offer.price_per_gpu * per_pod * pod_count)
    cluster = SimCluster(world.new_id(14), str(data["clusterName"]), str(data["type"]), [])
    env = [f"{e['key']}={e['value']}" for e in data.get("env") or [] if e]
    for index in range(pod_count):
        req = DeployRequest(
            gpu_type_id=gpu_type_id, name=f"{cluster.name}-{index}", image_name=str(data.get("imageName") or ""),
            gpu_count=per_pod, cloud_type="SECURE", container_disk_gb=int(data.get("containerDiskInGb") or 50),
            volume_gb=int(data.get("volumeInGb") or 0),
            volume_mount_path=str(data.get("volumeMountPath") or "/workspace"),
            ports=str(data.get("ports") or "").replace(" ", ""), env=env,
            docker_args=str(data.get("dockerArgs") or ""), data_center_id=dc_id,
            network_volume_id=str(data["networkVolumeId"]) if data.get("networkVolumeId") else None,
            start_ssh=data.get("startSsh") is not False,
        )
        pod = pod_ops.deploy(world, req, check_money=False)
        pod.cost_per_hr = offer.price_per_gpu * per_pod
        pod.compute.reset(pod.cost_per_hr, world.now)
        pod.cluster_id = cluster.id
        pod.cluster_ip = f"10.65.0.{index + 2}"
        cluster.pod_ids.append(pod.id)
    world.clusters[cluster.id] = cluster
    return cluster


def delete_cluster(world: World, cluster_id: str) -> None:
    cluster = world.clusters.pop(cluster_id, None)
    if cluster is None:
        raise errors.SimError(f"Cluster {cluster_id} not found.", code=errors.CLUSTER_NOT_FOUND)
    for pod_id in cluster.pod_ids:
        if pod_id in world.pods:
            pod_ops.terminate(world, pod_id)
