"""RunPod's REST v2 JSON as pydantic models, converted into the same domain values as GraphQL's.

The GraphQL models (`models.py`) and these end in the same frozen dataclasses of
`podwarden.domain.models`, so services cannot tell which API answered. Where v2 names or
nests a fact differently, it is translated in these models and nowhere else: pods here
(with what the others share: `RestModel`, `env_pairs`, `RestMountsModel`), the GPU catalog
and network volumes in `rest_catalog_models`, templates and endpoints in
`rest_serverless_models`:

==============================  ===============================================================
domain                          REST v2
==============================  ===============================================================
Pod.status                      ``status``: PROVISIONING and STARTING are RUNNING (what RunPod
                                is bringing the pod to: GraphQL's ``desiredStatus``; no runtime
                                yet), ERROR is DEAD, anything unknown CREATED (logged once)
Pod.gpu_type_id, gpu_count      ``gpu.id``, ``gpu.count`` (a CPU pod has no ``gpu``: 0)
Pod.cost_per_hr                 ``cost``, the pod's compute $/h for all its GPUs, billed now (0
                                unless it runs, as v2 documents and GraphQL's is made to be)
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

from podwarden.adapters.runpod.values import money, warn_unknown_status, whole
from podwarden.domain.models import (
    BILLED_STATUSES,
    Cloud,
    GpuTelemetry,
    Pod,
    PodRuntime,
    PodStatus,
    PortMapping,
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


def env_pairs(env: dict[str, str | None] | None) -> tuple[tuple[str, str], ...]:
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
            cost_per_hr=(money(self.cost) or Decimal(0)) if self.pod_status in BILLED_STATUSES else Decimal(0),
            image=self.image or None,
            cloud=cloud,
            spot=False,  # v2 does not say; `RestRunPod._with_spot` asks GraphQL
            container_disk_gb=whole(self.disk) or 0,
            volume_gb=(persistent.size or 0) if persistent else 0,
            volume_mount_path=(network.path if network else persistent.path if persistent else None) or None,
            network_volume_id=(network.volume_id if network else None) or None,
            template_id=self.template or None,
            ports=ports or None,
            env=env_pairs(self.env),
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
