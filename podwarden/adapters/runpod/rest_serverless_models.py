"""REST v2's templates and Serverless endpoints as domain values (see `rest_models` for the
translation table of every v2 model)."""

from __future__ import annotations

from podwarden.adapters.runpod.rest_models import RestModel, RestMountsModel, env_pairs
from podwarden.adapters.runpod.values import whole
from podwarden.domain.models import Endpoint, ScalerType, Template

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
            env=env_pairs(self.env),
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
        return dict(env_pairs(self.env)).get(key)

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
