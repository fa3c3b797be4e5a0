"""CPU pods: RunPod's CPU flavours (``cpuFlavors``), their prices, and ``deployCpuPod``.

An instance id names a flavour, a vCPU count and the memory: ``cpu3c-2-4`` is two vCPUs
and 4 GB of the compute-optimised third generation. Memory is ``ramMultiplier`` GB per
vCPU; the price is per vCPU-hour, so ``specifics.securePrice`` is for the instance asked
(or the flavour's smallest size). CPU pods live in Secure Cloud only and take no GPUs: in
the world they are `SimPod`s with ``gpu_count`` 0 and ``cpu_flavor`` set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from podwarden.sim import errors
from podwarden.sim import pods as pod_ops
from podwarden.sim.billing import Meter
from podwarden.sim.locations import data_centre
from podwarden.sim.views import money

if TYPE_CHECKING:
    from podwarden.sim.pods import SimPod
    from podwarden.sim.world import World

__all__ = ["CPU_FLAVORS", "CpuFlavor", "cpu_flavors_view", "deploy_cpu_pod", "parse_instance"]


@dataclass(frozen=True)
class CpuFlavor:
    id: str
    group_name: str
    min_vcpu: int
    max_vcpu: int
    ram_multiplier: int
    disk_limit_per_vcpu: int
    price_per_vcpu: Decimal

    def price(self, vcpus: int) -> Decimal:
        return self.price_per_vcpu * vcpus


CPU_FLAVORS: dict[str, CpuFlavor] = {f.id: f for f in (
    CpuFlavor("cpu3c", "Compute-Optimized", 2, 32, 2, 10, Decimal("0.03")),
    CpuFlavor("cpu3g", "General Purpose", 2, 32, 4, 10, Decimal("0.04")),
    CpuFlavor("cpu3m", "Memory-Optimized", 2, 16, 8, 10, Decimal("0.05")),
    CpuFlavor("cpu5c", "Compute-Optimized", 2, 64, 2, 15, Decimal("0.035")),
    CpuFlavor("cpu5g", "General Purpose", 2, 64, 4, 15, Decimal("0.045")),
    CpuFlavor("cpu5m", "Memory-Optimized", 2, 32, 8, 15, Decimal("0.055")),
)}


def parse_instance(instance_id: str) -> tuple[CpuFlavor, int]:
    """``cpu3c-2-4`` -> (cpu3c, 2 vCPUs); refused when the flavour or the size does not exist."""
    flavor_id, _, rest = instance_id.partition("-")
    flavor = CPU_FLAVORS.get(flavor_id)
    vcpu_text = rest.partition("-")[0]
    if flavor is None or not vcpu_text.isdigit() or not flavor.min_vcpu <= int(vcpu_text) <= flavor.max_vcpu:
        raise errors.SimError(f"Unknown CPU instance {instance_id!r}.")
    return flavor, int(vcpu_text)


def _specifics(flavor: CpuFlavor, args: Mapping[str, Any]) -> dict[str, Any] | None:
    dc_id = args.get("dataCenterId")
    dc = data_centre(str(dc_id)) if dc_id else None
    if dc_id and (dc is None or dc.cloud != "SECURE" or not dc.listed):
        return {"stockStatus": None, "securePrice": None, "slsPrice": None}
    vcpus = flavor.min_vcpu
    instance = args.get("instanceId")
    if instance:
        try:
            named, vcpus = parse_instance(str(instance))
        except errors.SimError:
            return None
        if named is not flavor:
            return None
    return {"stockStatus": "High", "securePrice": money(flavor.price(vcpus)),
            "slsPrice": money(flavor.price(vcpus) * Decimal("1.5"))}


def cpu_flavors_view(wanted: str | None) -> list[dict[str, Any]]:
    out = []
    for flavor in CPU_FLAVORS.values():
        if wanted and flavor.id != wanted:
            continue

        def specifics(_info: Any, flavor: CpuFlavor = flavor, **kwargs: Any) -> dict[str, Any] | None:
            return _specifics(flavor, kwargs.get("input") or {})

        out.append({"id": flavor.id, "groupId": flavor.id[:-1], "groupName": flavor.group_name,
                    "displayName": f"{flavor.group_name} ({flavor.id})", "minVcpu": flavor.min_vcpu,
                    "maxVcpu": flavor.max_vcpu, "vcpuBurstable": flavor.id.endswith("c"),
                    "ramMultiplier": flavor.ram_multiplier, "diskLimitPerVcpu": flavor.disk_limit_per_vcpu,
                    "specifics": specifics})
    return out


def deploy_cpu_pod(world: World, data: Mapping[str, Any]) -> SimPod:
    flavor, vcpus = parse_instance(str(data.get("instanceId") or ""))
    if data.get("cloudType") not in (None, "SECURE", "ALL"):
        raise errors.SimError("CPU pods run in Secure Cloud only.")
    if not data.get("imageName") and not data.get("templateId"):
        raise errors.SimError("An imageName or a templateId is required.")
    dc_id = str(data.get("dataCenterId") or "EU-RO-1")
    dc = data_centre(dc_id)
    if dc is None or dc.cloud != "SECURE" or not dc.listed:
        raise errors.SimError(errors.NO_INSTANCES)
    cost = flavor.price(vcpus)
    now = world.now
    pod_id = world.new_id(14)
    pod = pod_ops.SimPod(
        id=pod_id, name=str(data.get("name") or pod_id), image_name=str(data.get("imageName") or ""),
        gpu_type_id=f"{flavor.id}-{vcpus}-{vcpus * flavor.ram_multiplier}", gpu_count=0, cloud="SECURE",
        spot=False, cost_per_hr=cost, container_disk_gb=int(data.get("containerDiskInGb") or 10),
        volume_gb=int(data.get("volumeInGb") or 0),
        volume_mount_path=str(data.get("volumeMountPath") or "/workspace"),
        ports=str(data.get("ports") or "").replace(" ", ""),
        env=[f"{e['key']}={e['value']}" for e in data.get("env") or [] if e],
        docker_args=str(data.get("dockerArgs") or ""), template_id=data.get("templateId") or None,
        network_volume_id=data.get("networkVolumeId") or None, machine_id=world.new_id(12),
        pod_host_id=f"{pod_id}-{world.rng.getrandbits(32):08x}", data_center_id=dc.id, vcpu_count=vcpus,
        memory_gb=vcpus * flavor.ram_multiplier, support_public_ip=True,
        start_ssh=data.get("startSsh") is not False, created_at=now,
        compute=Meter("gpu", Decimal(0), now), storage=Meter("disk", Decimal(0), now), cpu_flavor=flavor.id,
    )
    pod_ops.ensure_affordable(world, cost + pod.storage_rate(running=True))
    pod_ops.start_pod(world, pod, "Rented by User")
    world.pods[pod.id] = pod
    return pod
