"""RunPod's JSON as pydantic models, and their conversion into Podwarden's domain values.

Parse at the edge: the adapters validate each answer against these models (unknown fields
ignored, nulls tolerated wherever RunPod's schema allows them), then `to_domain()` builds
the frozen dataclasses of `podwarden.domain.models`. Field names are RunPod's camelCase
through an alias generator. Money arrives as JSON floats and becomes `Decimal` through
`str()`, so 0.44 stays 0.44.

A `desiredStatus` this adapter does not know (RunPod adds states now and then) is read as
``CREATED`` — not running, so services never take the pod for idle — and logged once per
value. A null ``clientBalance`` is refused (`ShapeMismatch`): the domain's balance is a
`Decimal`, never a guess.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel

from podwarden.adapters.runpod.errors import ShapeMismatch
from podwarden.adapters.runpod.values import money, offered, warn_unknown_status, whole
from podwarden.domain.models import (
    BILLED_STATUSES,
    Account,
    Cloud,
    Endpoint,
    EndpointHealth,
    GpuTelemetry,
    GpuType,
    Job,
    JobStatus,
    NetworkVolume,
    Pod,
    PodRuntime,
    PodStatus,
    PortMapping,
    ScalerType,
    Stock,
    Template,
)

SPOT_POD_TYPES = frozenset({"INTERRUPTABLE", "BID"})
POD_STATUSES = frozenset(status.value for status in PodStatus)


def _pairs(env: list[str | None] | None) -> tuple[tuple[str, str], ...]:
    """GraphQL pod env, ``["K=V", ...]``, as pairs."""
    pairs = []
    for item in env or ():
        if item:
            key, _, value = item.partition("=")
            pairs.append((key, value))
    return tuple(pairs)


def _pod_status(value: object) -> object:
    """An unknown ``desiredStatus`` string is read as CREATED (and logged once per value)."""
    if isinstance(value, str) and value not in POD_STATUSES:
        warn_unknown_status("desiredStatus", value)
        return PodStatus.CREATED
    return value


def _env_pairs(env: list[EnvVarModel | None] | None) -> tuple[tuple[str, str], ...]:
    """GraphQL ``[EnvironmentVariable]`` (templates, endpoints) as pairs."""
    return tuple((item.key, item.value or "") for item in env or () if item is not None)


class RunPodModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True)


# --- GraphQL envelope ---------------------------------------------------------------------


class GraphQLResponse(RunPodModel):
    data: dict[str, Any] | None = None
    errors: list[dict[str, Any]] | None = None


# --- pods ----------------------------------------------------------------------------------


class RuntimePortModel(RunPodModel):
    ip: str | None = None
    is_ip_public: bool | None = None
    private_port: int | None = None
    public_port: int | None = None
    type: str | None = None


class RuntimeGpuModel(RunPodModel):
    id: str | None = None
    gpu_util_percent: float | None = None
    memory_util_percent: float | None = None


class RuntimeContainerModel(RunPodModel):
    cpu_percent: float | None = None
    memory_percent: float | None = None


class RuntimeModel(RunPodModel):
    uptime_in_seconds: int | None = None
    ports: list[RuntimePortModel | None] | None = None
    gpus: list[RuntimeGpuModel | None] | None = None
    container: RuntimeContainerModel | None = None

    def to_domain(self) -> PodRuntime:
        ports = tuple(
            PortMapping(
                private_port=port.private_port,
                public_port=port.public_port,
                ip=port.ip,
                is_public=bool(port.is_ip_public),
                type=port.type or "",
            )
            for port in self.ports or ()
            if port is not None and port.private_port is not None
        )
        # A null GPU entry is kept as a GPU with no readings: dropping it would make a 2-GPU pod
        # with one GPU unreported look like a 1-GPU pod whose only GPU is idle.
        gpus = tuple(
            GpuTelemetry(
                id=(gpu.id if gpu is not None else None) or f"gpu{index}",
                util_percent=whole(gpu.gpu_util_percent) if gpu is not None else None,
                memory_util_percent=whole(gpu.memory_util_percent) if gpu is not None else None,
            )
            for index, gpu in enumerate(self.gpus or ())
        )
        container = self.container
        return PodRuntime(
            uptime_seconds=self.uptime_in_seconds,
            ports=ports,
            gpus=gpus,
            cpu_percent=whole(container.cpu_percent) if container else None,
            memory_percent=whole(container.memory_percent) if container else None,
        )


class MachineModel(RunPodModel):
    gpu_type_id: str | None = None
    gpu_display_name: str | None = None
    pod_host_id: str | None = None
    secure_cloud: bool | None = None


class PodModel(RunPodModel):
    id: str
    name: str | None = None
    desired_status: Annotated[PodStatus, BeforeValidator(_pod_status)]
    pod_type: str | None = None
    cost_per_hr: float | None = None
    adjusted_cost_per_hr: float | None = None
    gpu_count: int | None = None
    vcpu_count: float | None = None
    memory_in_gb: float | None = None
    image_name: str | None = None
    template_id: str | None = None
    container_disk_in_gb: float | None = None
    volume_in_gb: float | None = None
    volume_mount_path: str | None = None
    network_volume_id: str | None = None
    ports: str | None = None
    env: list[str | None] | None = None
    machine_id: str | None = None
    uptime_seconds: int | None = None
    machine: MachineModel | None = None
    runtime: RuntimeModel | None = None

    def to_domain(self) -> Pod:
        machine = self.machine or MachineModel()
        # adjustedCostPerHr is what is billed (after savings plans); costPerHr the list price.
        # GraphQL gives a stopped pod the rate it would run at; the domain's (and v2's) is what
        # is billed now: 0 unless it runs.
        cost = self.adjusted_cost_per_hr if self.adjusted_cost_per_hr is not None else self.cost_per_hr
        if self.desired_status not in BILLED_STATUSES:
            cost = 0.0
        cloud = None
        if machine.secure_cloud is not None:
            cloud = Cloud.SECURE if machine.secure_cloud else Cloud.COMMUNITY
        return Pod(
            id=self.id,
            name=self.name or "",
            status=self.desired_status,
            gpu_type_id=machine.gpu_type_id,
            gpu_count=self.gpu_count or 0,
            cost_per_hr=money(cost) or Decimal(0),
            image=self.image_name or None,
            cloud=cloud,
            spot=(self.pod_type or "").upper() in SPOT_POD_TYPES,
            container_disk_gb=whole(self.container_disk_in_gb) or 0,
            volume_gb=whole(self.volume_in_gb) or 0,
            volume_mount_path=self.volume_mount_path or None,
            network_volume_id=self.network_volume_id or None,
            template_id=self.template_id or None,
            ports=self.ports or None,
            env=_pairs(self.env),
            gpu_display_name=machine.gpu_display_name,
            pod_host_id=machine.pod_host_id,
            machine_id=self.machine_id or None,
            uptime_seconds=self.uptime_seconds,
            runtime=self.runtime.to_domain() if self.runtime is not None else None,
            vcpu_count=whole(self.vcpu_count),
            memory_gb=whole(self.memory_in_gb),
        )


class PodsOwnerModel(RunPodModel):
    pods: list[PodModel] | None = None


class ListPodsData(RunPodModel):
    myself: PodsOwnerModel | None = None


class GetPodData(RunPodModel):
    pod: PodModel | None = None


class CreatePodData(RunPodModel):
    pod_find_and_deploy_on_demand: PodModel | None = None


class RentPodData(RunPodModel):
    pod_rent_interruptable: PodModel | None = None


class StopPodData(RunPodModel):
    pod_stop: PodModel | None = None


class ResumePodData(RunPodModel):
    pod_resume: PodModel | None = None


class BidResumePodData(RunPodModel):
    pod_bid_resume: PodModel | None = None


class TerminatePodData(RunPodModel):
    pod_terminate: Any = None


# --- GPU catalog ---------------------------------------------------------------------------


class LowestPriceModel(RunPodModel):
    stock_status: str | None = None
    minimum_bid_price: float | None = None
    uninterruptable_price: float | None = None
    available_gpu_counts: list[int | None] | None = None  # GPU counts one Pod can have now


class GpuTypeModel(RunPodModel):
    id: str
    display_name: str | None = None
    manufacturer: str | None = None
    memory_in_gb: float | None = None
    max_gpu_count: int | None = None
    secure_cloud: bool | None = None
    community_cloud: bool | None = None
    secure_price: float | None = None
    community_price: float | None = None
    secure_spot_price: float | None = None
    community_spot_price: float | None = None
    secure_lowest: LowestPriceModel | None = None
    community_lowest: LowestPriceModel | None = None

    def to_domain(self) -> GpuType:
        secure = self.secure_cloud is not False
        community = self.community_cloud is not False
        return GpuType(
            id=self.id,
            display_name=self.display_name or self.id,
            memory_gb=whole(self.memory_in_gb) or 0,
            secure_price=offered(self.secure_price, secure),
            community_price=offered(self.community_price, community),
            secure_spot_price=offered(self.secure_spot_price, secure),
            community_spot_price=offered(self.community_spot_price, community),
            max_gpu_count=self.max_gpu_count or 0,
            secure_stock=_stock(self.secure_lowest) if secure else Stock.NONE,
            community_stock=_stock(self.community_lowest) if community else Stock.NONE,
            manufacturer=self.manufacturer or "Nvidia",
            available_counts=_counts(
                ([self.secure_lowest] if secure else []) + ([self.community_lowest] if community else [])
            ),
        )


def _counts(lowest: list[LowestPriceModel | None]) -> tuple[int, ...]:
    """The GPU counts either offered cloud has for one Pod (RunPod's `availableGpuCounts`)."""
    return tuple(sorted({n for low in lowest if low is not None for n in (low.available_gpu_counts or ())
                         if n is not None and n > 0}))


_STOCK = {stock.value.lower(): stock for stock in Stock}


def _stock(lowest: LowestPriceModel | None) -> Stock:
    if lowest is None or not lowest.stock_status:
        return Stock.NONE
    return _STOCK.get(lowest.stock_status.lower(), Stock.NONE)


class GpuTypesData(RunPodModel):
    gpu_types: list[GpuTypeModel] | None = None


class GpuBidModel(RunPodModel):
    id: str
    secure_spot_price: float | None = None
    community_spot_price: float | None = None
    lowest_price: LowestPriceModel | None = None


class GpuBidData(RunPodModel):
    gpu_types: list[GpuBidModel] | None = None


# --- account, volumes ----------------------------------------------------------------------


class AccountModel(RunPodModel):
    id: str
    email: str | None = None
    pub_key: str | None = None
    client_balance: float | None = None
    current_spend_per_hr: float | None = None
    spend_limit: float | None = None

    def to_domain(self) -> Account:
        """The account; `ShapeMismatch` if RunPod sent no balance (null), which is not zero."""
        balance = money(self.client_balance)
        if balance is None:
            raise ShapeMismatch("RunPod sent a null clientBalance: the account's balance is unknown",
                                operation="account")
        return Account(
            id=self.id,
            balance=balance,
            spend_per_hr=money(self.current_spend_per_hr) or Decimal(0),
            spend_limit_per_hr=money(self.spend_limit),
            pub_key=self.pub_key or None,
            email=self.email or None,
        )


class AccountData(RunPodModel):
    myself: AccountModel | None = None


class NetworkVolumeModel(RunPodModel):
    id: str
    name: str | None = None
    size: int | None = None
    data_center_id: str | None = None

    def to_domain(self) -> NetworkVolume:
        return NetworkVolume(
            id=self.id,
            name=self.name or "",
            size_gb=self.size or 0,
            data_center_id=self.data_center_id or None,
        )


class VolumesOwnerModel(RunPodModel):
    network_volumes: list[NetworkVolumeModel] | None = None


class NetworkVolumesData(RunPodModel):
    myself: VolumesOwnerModel | None = None


# --- templates, endpoints ------------------------------------------------------------------


class EnvVarModel(RunPodModel):
    key: str
    value: str | None = None


class TemplateModel(RunPodModel):
    id: str
    name: str | None = None
    image_name: str | None = None
    is_serverless: bool | None = None
    container_disk_in_gb: float | None = None
    volume_in_gb: float | None = None
    env: list[EnvVarModel | None] | None = None

    def to_domain(self) -> Template:
        return Template(
            id=self.id,
            name=self.name or "",
            image=self.image_name or "",
            is_serverless=bool(self.is_serverless),
            container_disk_gb=whole(self.container_disk_in_gb) or 0,
            volume_gb=whole(self.volume_in_gb) or 0,
            env=_env_pairs(self.env),
        )


class SaveTemplateData(RunPodModel):
    save_template: TemplateModel | None = None


class TemplatesOwnerModel(RunPodModel):
    pod_templates: list[TemplateModel | None] | None = None


class ListTemplatesData(RunPodModel):
    myself: TemplatesOwnerModel | None = None


class EndpointModel(RunPodModel):
    id: str
    name: str | None = None
    template_id: str | None = None
    gpu_ids: str | None = None
    gpu_count: int | None = None
    workers_min: int | None = None
    workers_max: int | None = None
    workers_standby: int | None = None
    idle_timeout: int | None = None
    scaler_type: str | None = None
    scaler_value: int | None = None
    flash_boot_type: str | None = None
    execution_timeout_ms: int | None = None
    network_volume_id: str | None = None
    locations: str | None = None
    env: list[EnvVarModel | None] | None = None

    def env_value(self, key: str) -> str | None:
        """The value of environment variable `key` on the endpoint (the domain `Endpoint` has no env)."""
        return dict(_env_pairs(self.env)).get(key)

    def to_domain(self) -> Endpoint:
        scaler = ScalerType.__members__.get(self.scaler_type or "", ScalerType.QUEUE_DELAY)
        return Endpoint(
            id=self.id,
            name=self.name or "",
            template_id=self.template_id or None,
            gpu_ids=tuple(part.strip() for part in (self.gpu_ids or "").split(",") if part.strip()),
            workers_min=self.workers_min or 0,
            workers_max=self.workers_max or 0,
            idle_timeout_s=self.idle_timeout if self.idle_timeout is not None else 5,
            scaler_type=scaler,
            scaler_value=self.scaler_value if self.scaler_value is not None else 4,
            gpu_count=self.gpu_count or 1,
            flashboot=(self.flash_boot_type or "OFF").upper() not in ("OFF", ""),
            execution_timeout_ms=self.execution_timeout_ms,
            network_volume_id=self.network_volume_id or None,
            locations=self.locations or None,
            workers_standby=self.workers_standby,
        )


class EndpointsOwnerModel(RunPodModel):
    endpoints: list[EndpointModel] | None = None


class ListEndpointsData(RunPodModel):
    myself: EndpointsOwnerModel | None = None


class SaveEndpointData(RunPodModel):
    save_endpoint: EndpointModel | None = None


# --- Serverless runtime API ----------------------------------------------------------------


def _job_status(value: object) -> object:
    """RunPod's docs also list RUNNING; it means IN_PROGRESS."""
    return JobStatus.IN_PROGRESS.value if value == "RUNNING" else value


class JobModel(RunPodModel):
    id: str
    status: Annotated[JobStatus, BeforeValidator(_job_status)]
    output: Any = None
    error: Any = None
    delay_time: int | None = None
    execution_time: int | None = None
    worker_id: str | None = None

    def to_domain(self) -> Job:
        error = self.error
        if error is not None and not isinstance(error, str):
            error = json.dumps(error, sort_keys=True)
        return Job(
            id=self.id,
            status=self.status,
            output=self.output,
            error=error or None,
            delay_ms=self.delay_time,
            execution_ms=self.execution_time,
            worker_id=self.worker_id,
        )


class HealthJobsModel(RunPodModel):
    completed: int | None = None
    failed: int | None = None
    in_progress: int | None = None
    in_queue: int | None = None
    retried: int | None = None


class HealthWorkersModel(RunPodModel):
    idle: int | None = None
    running: int | None = None
    initializing: int | None = None
    ready: int | None = None
    throttled: int | None = None
    unhealthy: int | None = None


class HealthModel(RunPodModel):
    jobs: HealthJobsModel | None = None
    workers: HealthWorkersModel | None = None

    def to_domain(self) -> EndpointHealth:
        jobs = self.jobs or HealthJobsModel()
        workers = self.workers or HealthWorkersModel()
        return EndpointHealth(
            jobs_completed=jobs.completed or 0,
            jobs_failed=jobs.failed or 0,
            jobs_in_progress=jobs.in_progress or 0,
            jobs_in_queue=jobs.in_queue or 0,
            jobs_retried=jobs.retried or 0,
            workers_idle=workers.idle or 0,
            workers_running=workers.running or 0,
            workers_initializing=workers.initializing or 0,
            workers_ready=workers.ready or 0,
            workers_throttled=workers.throttled or 0,
            workers_unhealthy=workers.unhealthy or 0,
        )


class PurgeModel(RunPodModel):
    removed: int | None = None
