"""Pods: renting, booting, stopping, resuming, terminating and spot eviction.

A pod is ``RUNNING`` from the moment it is rented, but its ``runtime`` stays null until
the boot delay has passed (as on RunPod, where clients poll until runtime appears). Every
start (create or resume) maps the pod's TCP ports to *new* public ports drawn from the
world's seeded random numbers, which is why SSH commands change after a restart. Renting
takes GPUs out of the cloud's free stock; stopping, eviction and termination give them
back, so a stopped pod may find no GPUs left when it is resumed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from podwarden.sim import errors
from podwarden.sim.billing import (
    CONTAINER_DISK_PER_GB_MONTH,
    VOLUME_RUNNING_PER_GB_MONTH,
    VOLUME_STOPPED_PER_GB_MONTH,
    Meter,
    per_month_to_per_hour,
)
from podwarden.sim.catalog import CLOUDS, GpuType
from podwarden.sim.workload import NAMED_WORKLOADS, Workload

if TYPE_CHECKING:
    from podwarden.sim.world import World

__all__ = [
    "DATA_CENTERS",
    "DeployRequest",
    "SimPod",
    "bid_resume",
    "deploy",
    "edit",
    "ensure_affordable",
    "evict",
    "get",
    "parse_ports",
    "resume",
    "start_pod",
    "status_stamp",
    "stop",
    "stop_for_balance",
    "terminate",
    "terminate_for_balance",
]

DATA_CENTERS = {
    "SECURE": ("US-KS-2", "EU-RO-1", "CA-MTL-1", "US-TX-3", "EU-SE-1"),
    "COMMUNITY": ("EU-CZ-1", "US-IL-1", "EUR-IS-1", "US-GA-1"),
}


def status_stamp(verb: str, when: datetime) -> str:
    """RunPod's ``lastStatusChange`` wording: ``Rented by User: Mon Nov 23 2026 09:00:00 GMT+0000 (…)``."""
    return f"{verb}: {when.strftime('%a %b %d %Y %H:%M:%S')} GMT+0000 (Coordinated Universal Time)"


def parse_ports(ports: str) -> list[tuple[int, str]]:
    """``"8888/http,22/tcp"`` -> ``[(8888, "http"), (22, "tcp")]`` (malformed items are skipped)."""
    out = []
    for item in ports.replace(" ", "").split(","):
        number, _, kind = item.partition("/")
        if number.isdigit():
            out.append((int(number), (kind or "tcp").lower()))
    return out


@dataclass
class SimPod:
    id: str
    name: str
    image_name: str
    gpu_type_id: str
    gpu_count: int
    cloud: str
    spot: bool
    cost_per_hr: Decimal
    container_disk_gb: int
    volume_gb: int
    volume_mount_path: str
    ports: str
    env: list[str]
    docker_args: str
    template_id: str | None
    network_volume_id: str | None
    machine_id: str
    pod_host_id: str
    data_center_id: str
    vcpu_count: int
    memory_gb: int
    support_public_ip: bool
    start_ssh: bool
    created_at: datetime
    compute: Meter
    storage: Meter
    desired_status: str = "RUNNING"
    bid_per_gpu: Decimal | None = None
    last_started_at: datetime | None = None
    last_status_change: str = ""
    boot_ready_at: datetime | None = None
    public_ip: str = ""
    private_ip: str = ""
    port_map: dict[int, int] = field(default_factory=dict)
    gpu_ids: list[str] = field(default_factory=list)
    workload: Workload = NAMED_WORKLOADS["idle"]
    workload_since: datetime | None = None
    evict_after: float | None = None
    evict_at: datetime | None = None
    stopped_by: str | None = None
    owner: str | None = None
    cluster_id: str | None = None
    cluster_ip: str | None = None
    container_registry_auth_id: str | None = None
    cpu_flavor: str | None = None  # a CPU pod (deployCpuPod): no GPUs, `gpu_type_id` is the instance id

    @property
    def running(self) -> bool:
        return self.desired_status == "RUNNING"

    def booted(self, now: datetime) -> bool:
        return self.running and self.boot_ready_at is not None and now >= self.boot_ready_at

    def storage_rate(self, *, running: bool) -> Decimal:
        if running:
            monthly = (self.container_disk_gb * CONTAINER_DISK_PER_GB_MONTH
                       + self.volume_gb * VOLUME_RUNNING_PER_GB_MONTH)
        else:
            monthly = self.volume_gb * VOLUME_STOPPED_PER_GB_MONTH
        return per_month_to_per_hour(monthly)


@dataclass
class DeployRequest:
    """What a create mutation asked for, with RunPod's defaults filled in."""

    gpu_type_id: str
    name: str = ""
    image_name: str = ""
    gpu_count: int = 1
    cloud_type: str = "ALL"
    container_disk_gb: int = 50
    volume_gb: int = 0
    volume_mount_path: str = "/workspace"
    ports: str = ""
    env: list[str] = field(default_factory=list)
    docker_args: str = ""
    template_id: str | None = None
    network_volume_id: str | None = None
    data_center_id: str | None = None
    support_public_ip: bool = True
    start_ssh: bool = True
    spot: bool = False
    bid_per_gpu: Decimal | None = None
    container_registry_auth_id: str | None = None

    @classmethod
    def from_input(cls, data: Mapping[str, Any], world: World, *, spot: bool = False) -> DeployRequest:
        """From a GraphQL ``PodFindAndDeployOnDemandInput``/``PodRentInterruptableInput`` dict."""
        template = None
        if data.get("templateId"):
            template = world.templates.get(str(data["templateId"]))
            if template is None:
                raise errors.NotFoundError(f"Template {data['templateId']} not found.")
        gpu_type_id = data.get("gpuTypeId") or next(iter(data.get("gpuTypeIdList") or []), None)
        if not gpu_type_id:
            raise errors.SimError("gpuTypeId is required to deploy a GPU pod.")

        def pick(key: str, template_value: Any, default: Any) -> Any:
            value = data.get(key)
            if value is not None:
                return value
            return template_value if template is not None and template_value is not None else default

        env_items = data.get("env")
        if env_items is None and template is not None:
            env = [f"{k}={v}" for k, v in template.env]
        else:
            env = [f"{item['key']}={item['value']}" for item in env_items or [] if item]
        bid = data.get("bidPerGpu")
        return cls(
            gpu_type_id=str(gpu_type_id),
            name=str(data.get("name") or ""),
            image_name=str(pick("imageName", template.image_name if template else None, "")),
            gpu_count=int(data.get("gpuCount") or 1),
            cloud_type=str(data.get("cloudType") or "ALL"),
            container_disk_gb=int(pick("containerDiskInGb", template.container_disk_gb if template else None,
                                       50)),
            volume_gb=int(pick("volumeInGb", template.volume_gb if template else None, 0)),
            volume_mount_path=str(pick("volumeMountPath", template.volume_mount_path if template else None,
                                       "/workspace")),
            ports=str(pick("ports", template.ports if template else None, "")).replace(" ", ""),
            env=env,
            docker_args=str(pick("dockerArgs", template.docker_args if template else None, "")),
            template_id=template.id if template else None,
            network_volume_id=str(data["networkVolumeId"]) if data.get("networkVolumeId") else None,
            data_center_id=str(data["dataCenterId"]) if data.get("dataCenterId") else None,
            support_public_ip=data.get("supportPublicIp") is not False,
            start_ssh=data.get("startSsh") is not False,
            spot=spot,
            bid_per_gpu=None if bid is None else Decimal(str(bid)),
            container_registry_auth_id=str(data["containerRegistryAuthId"])
            if data.get("containerRegistryAuthId") else None,
        )


def _choose_cloud(world: World, gpu: GpuType, req: DeployRequest) -> tuple[str, Decimal]:
    """The cloud to rent in and the per-GPU price; the cheapest cloud with enough free GPUs."""
    wanted: tuple[str, ...] = CLOUDS if req.cloud_type == "ALL" else (req.cloud_type,)
    if req.network_volume_id:
        wanted = tuple(c for c in wanted if c == "SECURE")  # network volumes live in Secure Cloud
    options: list[tuple[Decimal, int, str]] = []
    for rank, cloud in enumerate(wanted):
        on_demand = gpu.price(cloud)
        if on_demand is None or gpu.free.get(cloud, 0) < req.gpu_count:
            continue
        if req.spot:
            minimum = gpu.spot_price(cloud)
            if minimum is None:
                continue
            bid = req.bid_per_gpu if req.bid_per_gpu is not None else minimum
            if bid < minimum:
                if len(wanted) == 1:
                    message = errors.BAD_BID.format(bid=bid, minimum=minimum, gpu=gpu.display_name)
                    raise errors.SimError(message)
                continue
            options.append((bid, rank, cloud))
        else:
            options.append((on_demand, rank, cloud))
    if not options:
        raise errors.SimError(errors.NO_INSTANCES)
    price, _, cloud = min(options)
    return cloud, price


def ensure_affordable(world: World, new_rate: Decimal) -> None:
    """The spend limit, then an hour of the new rate in the balance (RunPod's order of refusal)."""
    world.check_spend(new_rate)
    if world.balance < new_rate:
        raise errors.SimError(errors.insufficient_balance(
            needed=f"{new_rate:.2f}", balance=f"{max(world.balance, Decimal(0)):.2f}"))


def _take_gpus(world: World, pod: SimPod, change: int) -> None:
    gpu = world.gpu_types.get(pod.gpu_type_id)
    if gpu is not None:  # a CPU pod has none
        gpu.free[pod.cloud] += change


def start_pod(world: World, pod: SimPod, verb: str) -> None:
    """RUNNING from now: take GPUs, new public ports, boot delay, compute and running-storage meters."""
    now = world.now
    pod.desired_status = "RUNNING"
    pod.stopped_by = None
    pod.last_started_at = now
    pod.last_status_change = status_stamp(verb, now)
    pod.boot_ready_at = now + timedelta(seconds=world.config.boot_seconds)
    _take_gpus(world, pod, -pod.gpu_count)
    rng = world.rng
    pod.public_ip = f"{rng.choice((38, 69, 149, 194, 195, 213))}.{rng.randint(1, 254)}." \
                    f"{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    pod.private_ip = f"100.65.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    mapped = parse_ports(pod.ports)
    if pod.start_ssh and all(port != 22 for port, _ in mapped):
        mapped.append((22, "tcp"))
    pod.port_map = {port: rng.randint(10000, 59999) if kind == "tcp" else rng.randint(60000, 65535)
                    for port, kind in mapped}
    pod.gpu_ids = [f"GPU-{world.new_uuid()}" for _ in range(pod.gpu_count)]
    pod.workload_since = pod.workload_since or now
    pod.compute.reset(pod.cost_per_hr, now)
    pod.storage.reset(pod.storage_rate(running=True), now)
    pod.evict_at = None
    if pod.spot:
        if pod.evict_after is not None:
            pod.evict_at = now + timedelta(seconds=pod.evict_after)
        elif world.config.eviction_per_hour > 0:
            pod.evict_at = now + timedelta(seconds=rng.expovariate(world.config.eviction_per_hour / 3600))


def _halt(world: World, pod: SimPod, verb: str, by: str) -> None:
    now = world.now
    _take_gpus(world, pod, pod.gpu_count)
    pod.desired_status = "EXITED"
    pod.stopped_by = by
    pod.last_status_change = status_stamp(verb, now)
    pod.boot_ready_at = None
    pod.port_map = {}
    pod.evict_at = None
    pod.compute.reset(Decimal(0), now)
    pod.storage.reset(pod.storage_rate(running=False), now)


def deploy(
    world: World, req: DeployRequest, *, workload: Workload | None = None, check_money: bool = True,
) -> SimPod:
    """Rent a pod. `check_money=False` (seeding a scenario) skips the spend-limit and balance checks."""
    gpu = world.gpu_types.get(req.gpu_type_id)
    if gpu is None:
        raise errors.SimError(f"GPU type {req.gpu_type_id!r} is not available on RunPod.")
    if req.cloud_type not in ("ALL", *CLOUDS):
        raise errors.SimError(f"Unknown cloudType {req.cloud_type!r}.")
    if not 1 <= req.gpu_count <= gpu.max_gpu_count:
        raise errors.SimError(f"gpuCount must be between 1 and {gpu.max_gpu_count} for {gpu.display_name}.")
    if not req.image_name:
        raise errors.SimError("An imageName or a templateId is required.")
    volume = None
    if req.network_volume_id:
        volume = world.network_volumes.get(req.network_volume_id)
        if volume is None:
            raise errors.NotFoundError(f"Network volume {req.network_volume_id} not found.")
        if req.data_center_id and req.data_center_id != volume.data_center_id:
            raise errors.SimError(errors.NO_INSTANCES)
    cloud, price = _choose_cloud(world, gpu, req)
    cost = price * req.gpu_count
    now = world.now
    pod_id = world.new_id(14)
    pod = SimPod(
        id=pod_id,
        name=req.name or pod_id,
        image_name=req.image_name,
        gpu_type_id=gpu.id,
        gpu_count=req.gpu_count,
        cloud=cloud,
        spot=req.spot,
        bid_per_gpu=price if req.spot else None,
        cost_per_hr=cost,
        container_disk_gb=req.container_disk_gb,
        volume_gb=req.volume_gb,
        volume_mount_path=req.volume_mount_path,
        ports=req.ports,
        env=list(req.env),
        docker_args=req.docker_args,
        template_id=req.template_id,
        network_volume_id=req.network_volume_id,
        machine_id=world.new_id(12),
        pod_host_id=f"{pod_id}-{world.rng.getrandbits(32):08x}",
        data_center_id=(volume.data_center_id if volume else req.data_center_id
                        or world.rng.choice(DATA_CENTERS[cloud])),
        vcpu_count=gpu.vcpu_per_gpu * req.gpu_count,
        memory_gb=gpu.ram_per_gpu_gb * req.gpu_count,
        support_public_ip=req.support_public_ip,
        start_ssh=req.start_ssh,
        created_at=now,
        compute=Meter("gpu", Decimal(0), now),
        storage=Meter("disk", Decimal(0), now),
        workload=workload or NAMED_WORKLOADS["idle"],
        container_registry_auth_id=req.container_registry_auth_id,
    )
    if check_money:
        ensure_affordable(world, cost + pod.storage_rate(running=True))
    start_pod(world, pod, "Rented by User")
    world.pods[pod.id] = pod
    return pod


def get(world: World, pod_id: str) -> SimPod:
    pod = world.pods.get(pod_id)
    if pod is None:
        raise errors.NotFoundError(f"Pod {pod_id} not found.")
    return pod


def edit(world: World, data: Mapping[str, Any]) -> SimPod:
    """``podEditJob``: change the image, start command, env, ports, disks or registry credentials.

    A running pod restarts with the new settings (new public ports, a new boot).
    """
    pod = get(world, str(data["podId"]))
    if data.get("imageName"):
        pod.image_name = str(data["imageName"])
    if data.get("dockerArgs") is not None:
        pod.docker_args = str(data["dockerArgs"])
    if data.get("env") is not None:
        pod.env = [f"{e['key']}={e['value']}" for e in data["env"] if e]
    if data.get("ports") is not None:
        pod.ports = str(data["ports"]).replace(" ", "")
    if data.get("containerDiskInGb") is not None:
        pod.container_disk_gb = int(data["containerDiskInGb"])
    if data.get("volumeInGb") is not None:
        pod.volume_gb = int(data["volumeInGb"])
    if data.get("volumeMountPath"):
        pod.volume_mount_path = str(data["volumeMountPath"])
    if "containerRegistryAuthId" in data:
        pod.container_registry_auth_id = str(data["containerRegistryAuthId"] or "") or None
    if pod.running:
        _take_gpus(world, pod, pod.gpu_count)
        start_pod(world, pod, "Restarted by User")
    return pod


def stop(world: World, pod_id: str) -> SimPod:
    pod = get(world, pod_id)
    if pod.running:
        _halt(world, pod, "Exited by User", "user")
    return pod


def _resume(world: World, pod: SimPod, gpu_count: int | None, *, bid_per_gpu: Decimal | None = None) -> SimPod:
    """Start a stopped pod again; with `bid_per_gpu` it comes back as spot at that bid.

    Every check runs before the pod is touched, so a refused resume leaves it as it was.
    """
    if pod.running:
        return pod
    gpu = world.gpu_types.get(pod.gpu_type_id)
    if gpu is None:  # a CPU pod comes back at the price it had
        ensure_affordable(world, pod.cost_per_hr + pod.storage_rate(running=True) - pod.storage_rate(running=False))
        start_pod(world, pod, "Resumed by User")
        return pod
    count = gpu_count or pod.gpu_count
    if gpu.free.get(pod.cloud, 0) < count:
        raise errors.SimError(errors.HOST_FULL)
    if bid_per_gpu is not None:
        price: Decimal | None = bid_per_gpu
    elif pod.spot and pod.bid_per_gpu is not None:
        price = pod.bid_per_gpu
    else:
        price = gpu.price(pod.cloud)
    if price is None:
        raise errors.SimError(errors.NO_INSTANCES)
    extra = price * count + pod.storage_rate(running=True) - pod.storage_rate(running=False)
    ensure_affordable(world, extra)
    if bid_per_gpu is not None:
        pod.spot = True
        pod.bid_per_gpu = bid_per_gpu
    pod.gpu_count = count
    pod.cost_per_hr = price * count
    pod.vcpu_count = gpu.vcpu_per_gpu * count
    pod.memory_gb = gpu.ram_per_gpu_gb * count
    start_pod(world, pod, "Resumed by User")
    return pod


def resume(world: World, pod_id: str, gpu_count: int | None) -> SimPod:
    return _resume(world, get(world, pod_id), gpu_count)


def bid_resume(world: World, pod_id: str, bid_per_gpu: Decimal, gpu_count: int) -> SimPod:
    pod = get(world, pod_id)
    if pod.running:
        return pod
    gpu = world.gpu_types.get(pod.gpu_type_id)
    minimum = gpu.spot_price(pod.cloud) if gpu is not None else None
    if minimum is None:
        raise errors.SimError(errors.NO_INSTANCES)
    if bid_per_gpu < minimum:
        name = gpu.display_name if gpu is not None else pod.gpu_type_id
        raise errors.SimError(errors.BAD_BID.format(bid=bid_per_gpu, minimum=minimum, gpu=name))
    return _resume(world, pod, gpu_count, bid_per_gpu=bid_per_gpu)


def terminate(world: World, pod_id: str) -> None:
    pod = world.pods.get(pod_id)
    if pod is None:
        raise errors.NotFoundError(errors.POD_NOT_FOUND_TO_TERMINATE)
    if pod.running:
        _take_gpus(world, pod, pod.gpu_count)
    pod.desired_status = "TERMINATED"
    pod.compute.reset(Decimal(0), world.now)
    pod.storage.reset(Decimal(0), world.now)
    del world.pods[pod_id]


def evict(world: World, pod: SimPod) -> None:
    """A spot pod loses its GPUs: EXITED without a stop from the user. A scheduled eviction is one-shot."""
    _halt(world, pod, "Interrupted by RunPod (spot instance reclaimed)", "eviction")
    pod.evict_after = None
    world.note(f"spot pod {pod.id} ({pod.name}) was evicted")


def stop_for_balance(world: World, pod: SimPod) -> None:
    """The balance ran out and the pod has a network volume: stopped, like a user stop."""
    _halt(world, pod, "Stopped by RunPod (account balance exhausted)", "balance")


def terminate_for_balance(world: World, pod: SimPod) -> None:
    """The balance ran out and the pod has no network volume: terminated, its disks gone."""
    terminate(world, pod.id)
