"""RunPod's REST v2 JSON as pydantic models, converted into the same domain values as GraphQL's.

The GraphQL models (`models.py`) and these end in the same frozen dataclasses of
`podwarden.domain.models`, so services cannot tell which API answered. Where v2 names or
nests a fact differently, it is translated here and nowhere else:

==============================  ===============================================================
domain                          REST v2
==============================  ===============================================================
Pod.status                      ``status``: PROVISIONING and STARTING are RUNNING (what RunPod
                                is bringing the pod to: GraphQL's ``desiredStatus``; no runtime
                                yet), ERROR is DEAD, anything unknown CREATED (logged once)
Pod.gpu_type_id, gpu_count      ``gpu.id``, ``gpu.count`` (a CPU pod has no ``gpu``: 0)
Pod.cost_per_hr                 ``cost``, the pod's compute $/h for all its GPUs
Pod.spot                        not in v2 (it has no spot pods): given by the adapter from
                                GraphQL's ``podType``; False when not given
Pod.volume_*, network_volume_id ``mounts.persistent {size, path}`` / ``mounts.network[0]``
Pod.ports, env                  ``ports`` list joined with commas; ``env`` object as pairs
Pod.pod_host_id                 ``ssh.proxy.username`` (``<podId>-<hex>``, the proxy's user)
PodRuntime                      ``runtime {uptime, gpus[].util|memoryUtil, cpu.util,
                                memory.util, ports[]}``; a port is public when it is TCP with a
                                public port on an address outside RunPod's proxy and private
                                ranges, and ``ssh.direct`` supplies port 22 if ``ports`` lacks it
GpuType prices, stock           ``price.secure|community`` per GPU; ``availability`` (HIGH…)
                                of the read for that cloud (``cloud=SECURE|COMMUNITY``, the
                                adapter reads both), none beyond ``maxCount`` of that cloud;
                                no spot prices (v2 has none)
Endpoint                        ``gpu.pools``, ``workers {min, max, idleTimeout}``, ``scaling
                                {type, queueDelay|requestCount}``, ``flashboot``, ``timeout``,
                                ``networkVolumes[0]``, ``dataCenterIds`` joined with commas;
                                no template id (V2's Endpoint has none): None
Template                        ``serverless`` (bool), ``disk``, ``mounts.persistent.size``
NetworkVolume                   ``dataCenter``
==============================  ===============================================================

What v2 does not carry stays None (a machine id on a pod, a booting pod's uptime), is the
same ``gpu<n>`` the GraphQL models use for a GPU RunPod did not name (telemetry), or is given
by the adapter (a pod's GPU display name, from the catalog). Money arrives as JSON numbers
and becomes `Decimal` through `str()`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from decimal import Decimal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from podwarden.adapters.runpod.values import money, offered, warn_unknown_status, whole
from podwarden.domain.models import (
    Cloud,
    Endpoint,
    GpuTelemetry,
    GpuType,
    NetworkVolume,
    Pod,
    PodRuntime,
    PodStatus,
    PortMapping,
    ScalerType,
    Stock,
    Template,
)

# v2 `status` -> the domain's status (GraphQL's desiredStatus vocabulary)
STATUSES = {
    "PROVISIONING": PodStatus.RUNNING,
    "STARTING": PodStatus.RUNNING,
    "RUNNING": PodStatus.RUNNING,
    "EXITED": PodStatus.EXITED,
    "ERROR": PodStatus.DEAD,
    "TERMINATED": PodStatus.TERMINATED,
}

_STOCK = {"HIGH": Stock.HIGH, "MEDIUM": Stock.MEDIUM, "LOW": Stock.LOW, "NONE": Stock.NONE}

# Addresses a port can have without being reachable from outside: RunPod's proxy (100.64/10)
# and the private ranges.
_INTERNAL = tuple(ipaddress.ip_network(net) for net in ("100.64.0.0/10", "10.0.0.0/8", "172.16.0.0/12",
                                                         "192.168.0.0/16", "127.0.0.0/8"))


def _status(value: str) -> PodStatus:
    known = STATUSES.get(value.upper())
    if known is None:
        warn_unknown_status("status (REST v2)", value)
        return PodStatus.CREATED
    return known


def _reachable(ip: str | None) -> bool:
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return True  # a host name: reachable as far as we can tell
    return not any(address in net for net in _INTERNAL)


def _env_pairs(env: dict[str, str | None] | None) -> tuple[tuple[str, str], ...]:
    """v2's env object as pairs."""
    return tuple((key, value or "") for key, value in (env or {}).items())


class RestModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True)


# --- pods ----------------------------------------------------------------------------------


class RestPortModel(RestModel):
    private: int | None = None
    public: int | None = None
    type: str | None = None
    ip: str | None = None


class RestGpuUseModel(RestModel):
    id: str | None = None
    util: float | None = None
    memory_util: float | None = None


class RestUtilModel(RestModel):
    util: float | None = None


class RestRuntimeModel(RestModel):
    uptime: int | None = None
    gpus: list[RestGpuUseModel | None] | None = None
    cpu: RestUtilModel | None = None
    memory: RestUtilModel | None = None
    ports: list[RestPortModel | None] | None = None

    def to_domain(self, direct: RestSshModel | None) -> PodRuntime:
        ports = [
            PortMapping(
                private_port=port.private,
                public_port=port.public,
                ip=port.ip,
                is_public=(port.type or "").lower() == "tcp" and port.public is not None and _reachable(port.ip),
                type=port.type or "",
            )
            for port in self.ports or ()
            if port is not None and port.private is not None
        ]
        if direct is not None and direct.host and direct.port and not any(
                p.private_port == 22 and p.is_public for p in ports):
            ports = [p for p in ports if p.private_port != 22]
            ports.append(PortMapping(private_port=22, public_port=direct.port, ip=direct.host, is_public=True,
                                     type="tcp"))
        # A null GPU entry is a GPU with no readings (see the GraphQL models: never dropped).
        gpus = tuple(
            GpuTelemetry(
                id=(gpu.id if gpu is not None else None) or f"gpu{index}",
                util_percent=whole(gpu.util) if gpu is not None else None,
                memory_util_percent=whole(gpu.memory_util) if gpu is not None else None,
            )
            for index, gpu in enumerate(self.gpus or ())
        )
        return PodRuntime(
            uptime_seconds=self.uptime,
            ports=tuple(ports),
            gpus=gpus,
            cpu_percent=whole(self.cpu.util) if self.cpu else None,
            memory_percent=whole(self.memory.util) if self.memory else None,
        )


class RestSshModel(RestModel):
    host: str | None = None
    port: int | None = None
    username: str | None = None


class RestSshAccessModel(RestModel):
    proxy: RestSshModel | None = None
    direct: RestSshModel | None = None


class RestPodGpuModel(RestModel):
    id: str | None = None
    count: int | None = None


class RestPodCpuModel(RestModel):
    id: str | None = None
    vcpu_count: float | None = None
    memory: float | None = None


class RestPersistentMountModel(RestModel):
    size: int | None = None
    path: str | None = None


class RestNetworkMountModel(RestModel):
    volume_id: str | None = None
    path: str | None = None


class RestMountsModel(RestModel):
    persistent: RestPersistentMountModel | None = None
    network: list[RestNetworkMountModel | None] | None = None


class RestPodModel(RestModel):
    id: str
    name: str | None = None
    status: str
    image: str | None = None
    disk: float | None = None
    ports: list[str | None] | None = None
    env: dict[str, str | None] | None = None
    mounts: RestMountsModel | None = None
    gpu: RestPodGpuModel | None = None
    cpu: RestPodCpuModel | None = None
    cloud: str | None = None
    ssh: RestSshAccessModel | None = None
    template: str | None = None
    cost: float | None = None
    runtime: RestRuntimeModel | None = None

    @property
    def pod_status(self) -> PodStatus:
        return _status(self.status)

    def _uptime(self) -> int | None:
        """``runtime.uptime``; 0 for a stopped pod (as GraphQL's ``uptimeSeconds``), unknown while booting."""
        if self.runtime is not None:
            return self.runtime.uptime
        return 0 if self.pod_status in (PodStatus.EXITED, PodStatus.DEAD) else None

    def to_domain(self, *, gpu_names: Mapping[str, str] | None = None) -> Pod:
        """The domain pod; `gpu_names` (the catalog's) name its GPU, which a v2 pod does not.
        Not a spot pod as far as v2 says (it says nothing): the adapter asks GraphQL."""
        mounts = self.mounts or RestMountsModel()
        persistent = mounts.persistent
        network = next((m for m in mounts.network or () if m is not None), None)
        ssh = self.ssh or RestSshAccessModel()
        gpu = self.gpu or RestPodGpuModel()
        cpu = self.cpu or RestPodCpuModel()
        cloud = None
        if self.cloud and self.cloud.upper() in (Cloud.SECURE, Cloud.COMMUNITY):
            cloud = Cloud(self.cloud.upper())
        ports = ",".join(port for port in self.ports or () if port)
        return Pod(
            id=self.id,
            name=self.name or "",
            status=self.pod_status,
            gpu_type_id=gpu.id or None,
            gpu_count=gpu.count or 0,
            cost_per_hr=money(self.cost) or Decimal(0),
            image=self.image or None,
            cloud=cloud,
            spot=False,  # v2 does not say; `RestRunPod._with_spot` asks GraphQL
            container_disk_gb=whole(self.disk) or 0,
            volume_gb=(persistent.size or 0) if persistent else 0,
            volume_mount_path=(network.path if network else persistent.path if persistent else None) or None,
            network_volume_id=(network.volume_id if network else None) or None,
            template_id=self.template or None,
            ports=ports or None,
            env=_env_pairs(self.env),
            gpu_display_name=(gpu_names or {}).get(gpu.id or "") or None,
            pod_host_id=(ssh.proxy.username if ssh.proxy else None) or None,
            machine_id=None,  # v2 does not report it
            uptime_seconds=self._uptime(),
            runtime=self.runtime.to_domain(ssh.direct) if self.runtime is not None else None,
            vcpu_count=whole(cpu.vcpu_count),
            memory_gb=whole(cpu.memory),
        )


class RestPodListModel(RestModel):
    pods: list[RestPodModel]


# --- GPU catalog ---------------------------------------------------------------------------


class RestGpuPriceModel(RestModel):
    secure: float | None = None
    community: float | None = None


class RestGpuCountModel(RestModel):
    secure: int | None = None
    community: int | None = None


class RestGpuTypeModel(RestModel):
    id: str
    name: str | None = None
    manufacturer: str | None = None
    memory: float | None = None
    secure: bool | None = None
    community: bool | None = None
    price: RestGpuPriceModel | None = None
    max_count: RestGpuCountModel | None = None
    availability: str | None = None

    def to_domain(self, *, gpu_count: int = 1, community: RestGpuTypeModel | None = None) -> GpuType:
        """The type as read for Secure Cloud (this model's ``availability``) and, in
        `community`, the same type read for Community Cloud (its ``availability``; without
        it, Community stock is NONE: never assumed)."""
        price = self.price or RestGpuPriceModel()
        most = self.max_count or RestGpuCountModel()
        in_secure = self.secure is not False
        in_community = self.community is not False
        secure_stock = _STOCK.get((self.availability or "").upper(), Stock.NONE)
        community_stock = _STOCK.get(((community.availability if community else None) or "").upper(), Stock.NONE)
        secure_max = most.secure if in_secure and most.secure is not None else 0
        community_max = most.community if in_community and most.community is not None else 0
        return GpuType(
            id=self.id,
            display_name=self.name or self.id,
            memory_gb=whole(self.memory) or 0,
            secure_price=offered(price.secure, in_secure),
            community_price=offered(price.community, in_community),
            max_gpu_count=max(secure_max, community_max),
            secure_stock=secure_stock if in_secure and gpu_count <= secure_max else Stock.NONE,
            community_stock=community_stock if in_community and gpu_count <= community_max else Stock.NONE,
            manufacturer=_manufacturer(self.manufacturer),
        )


def _manufacturer(value: str | None) -> str:
    """v2 writes ``NVIDIA``; GraphQL (and the domain's default) ``Nvidia``."""
    if not value or value.upper() == "NVIDIA":
        return "Nvidia"
    return value


class RestGpuListModel(RestModel):
    gpus: list[RestGpuTypeModel]


# --- network volumes -----------------------------------------------------------------------


class RestNetworkVolumeModel(RestModel):
    id: str
    name: str | None = None
    size: int | None = None
    data_center: str | None = None

    def to_domain(self) -> NetworkVolume:
        return NetworkVolume(
            id=self.id,
            name=self.name or "",
            size_gb=self.size or 0,
            data_center_id=self.data_center or None,
        )


class RestNetworkVolumeListModel(RestModel):
    network_volumes: list[RestNetworkVolumeModel]


# --- templates -----------------------------------------------------------------------------


class RestTemplateModel(RestModel):
    id: str
    name: str | None = None
    image: str | None = None
    serverless: bool | None = None
    disk: float | None = None
    mounts: RestMountsModel | None = None
    env: dict[str, str | None] | None = None

    def to_domain(self) -> Template:
        persistent = self.mounts.persistent if self.mounts is not None else None
        volume = persistent.size if persistent is not None else None
        return Template(
            id=self.id,
            name=self.name or "",
            image=self.image or "",
            is_serverless=self.serverless is True,
            container_disk_gb=whole(self.disk) or 0,
            volume_gb=volume or 0,
            env=_env_pairs(self.env),
        )


class RestTemplateListModel(RestModel):
    templates: list[RestTemplateModel]


# --- endpoints -----------------------------------------------------------------------------


class RestEndpointGpuModel(RestModel):
    pools: list[str | None] | None = None
    count: int | None = None


class RestWorkersModel(RestModel):
    min: int | None = None
    max: int | None = None
    idle_timeout: int | None = None


class RestScalingModel(RestModel):
    type: str | None = None
    queue_delay: float | None = None
    request_count: float | None = None


class RestEndpointModel(RestModel):
    id: str
    name: str | None = None
    gpu: RestEndpointGpuModel | None = None
    workers: RestWorkersModel | None = None
    scaling: RestScalingModel | None = None
    flashboot: str | bool | None = None
    timeout: int | None = None
    network_volumes: list[str | None] | None = None
    data_center_ids: list[str | None] | None = None
    env: dict[str, str | None] | None = None

    def env_value(self, key: str) -> str | None:
        """The value of environment variable `key` (the domain `Endpoint` has no env)."""
        return dict(_env_pairs(self.env)).get(key)

    def to_domain(self) -> Endpoint:
        gpu = self.gpu or RestEndpointGpuModel()
        workers = self.workers or RestWorkersModel()
        scaling = self.scaling or RestScalingModel()
        scaler = ScalerType.__members__.get((scaling.type or "").upper(), ScalerType.QUEUE_DELAY)
        value = scaling.request_count if scaler is ScalerType.REQUEST_COUNT else scaling.queue_delay
        flashboot = self.flashboot
        if isinstance(flashboot, str):
            flashboot = flashboot.upper() not in ("OFF", "")
        volume = next((v for v in self.network_volumes or () if v), None)
        locations = ",".join(dc for dc in self.data_center_ids or () if dc)
        return Endpoint(
            id=self.id,
            name=self.name or "",
            template_id=None,  # V2's Endpoint names no template
            gpu_ids=tuple(pool for pool in gpu.pools or () if pool),
            workers_min=workers.min or 0,
            workers_max=workers.max or 0,
            idle_timeout_s=workers.idle_timeout if workers.idle_timeout is not None else 5,
            scaler_type=scaler,
            scaler_value=round(value) if value is not None else 4,
            gpu_count=gpu.count or 1,
            flashboot=bool(flashboot),
            execution_timeout_ms=self.timeout,
            network_volume_id=volume or None,
            locations=locations or None,
        )


class RestEndpointListModel(RestModel):
    endpoints: list[RestEndpointModel]
