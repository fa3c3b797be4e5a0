"""Templates, endpoints (their configuration) and network volumes, as the mutations change them.

``saveEndpoint`` is RunPod's full replace: with an ``id`` every field not sent goes back to
its default (idleTimeout 5, QUEUE_DELAY/4, workers 0..3, one GPU, 600 s timeout, no
flashboot), which is why careful clients send the whole endpoint on every update.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from podwarden.sim import errors, serverless
from podwarden.sim.billing import Meter, network_volume_rate
from podwarden.sim.serverless import SimEndpoint
from podwarden.sim.world import SimNetworkVolume, SimTemplate, World

__all__ = [
    "OFFICIAL_TEMPLATES",
    "create_network_volume",
    "delete_endpoint",
    "delete_network_volume",
    "delete_template",
    "find_template",
    "list_templates",
    "save_endpoint",
    "save_template",
    "update_endpoint_template",
    "update_network_volume",
]

_ENDPOINT_DEFAULTS: dict[str, Any] = {
    "gpuIds": "AMPERE_16",
    "gpuCount": 1,
    "idleTimeout": 5,
    "scalerType": "QUEUE_DELAY",
    "scalerValue": 4,
    "workersMin": 0,
    "workersMax": 3,
    "executionTimeoutMs": serverless.DEFAULT_EXECUTION_TIMEOUT_MS,
    "flashBootType": "OFF",
}


def _env(items: Any) -> list[tuple[str, str]]:
    return [(str(i["key"]), str(i["value"])) for i in items or [] if i]


def save_template(world: World, data: Mapping[str, Any]) -> SimTemplate:
    name = str(data.get("name") or "")
    if not name:
        raise errors.SimError("A template needs a name.")
    existing = world.templates.get(str(data["id"])) if data.get("id") else None
    if data.get("id") and existing is None:
        raise errors.NotFoundError(f"Template {data['id']} not found.")
    if any(t.name == name and t is not existing for t in world.templates.values()):
        raise errors.SimError(f"Template name must be unique: a template named {name!r} already exists.")
    template = SimTemplate(
        id=existing.id if existing else world.new_id(10),
        name=name,
        image_name=str(data.get("imageName") or ""),
        docker_args=str(data.get("dockerArgs") or ""),
        container_disk_gb=int(data.get("containerDiskInGb") or 0),
        volume_gb=int(data.get("volumeInGb") or 0),
        volume_mount_path=str(data.get("volumeMountPath") or "/workspace"),
        ports=str(data.get("ports") or ""),
        env=_env(data.get("env")),
        is_serverless=bool(data.get("isServerless")),
        is_public=bool(data.get("isPublic")),
        readme=str(data.get("readme") or ""),
        start_ssh=data.get("startSsh") is not False,
        container_registry_auth_id=str(data["containerRegistryAuthId"]) if data.get("containerRegistryAuthId")
        else None,
        ports_config=[(str(p["port"]), str(p["name"])) for p in data.get("portsConfig") or [] if p],
        category=str(data.get("category") or "NVIDIA"),
    )
    if not template.image_name:
        raise errors.SimError("A template needs an imageName.")
    world.templates[template.id] = template
    return template


# RunPod's official templates (``isRunpod``), which ``podTemplates``/``podTemplate`` list beside
# the account's own: runpodctl's ``template list`` and ``template get`` read them.
OFFICIAL_TEMPLATES: tuple[SimTemplate, ...] = (
    SimTemplate(id="runpod-torch-v240", name="Runpod Pytorch 2.4.0",
                image_name="runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04", container_disk_gb=50,
                volume_gb=20, ports="8888/http,22/tcp", ports_config=[("8888", "Jupyter Lab")],
                env=[("JUPYTER_PASSWORD", "")], is_public=True, is_runpod=True, readme="PyTorch 2.4 on CUDA 12.4."),
    SimTemplate(id="runpod-ubuntu", name="Runpod Ubuntu", image_name="runpod/base:0.6.2-cuda12.2.0",
                container_disk_gb=20, volume_gb=0, ports="22/tcp", is_public=True, is_runpod=True, category="CPU"),
)


def list_templates(world: World, filters: Mapping[str, Any] | None) -> list[SimTemplate]:
    """``podTemplates(input:)``: RunPod's official and the public templates, narrowed by every field given."""
    candidates = [*OFFICIAL_TEMPLATES, *(t for t in world.templates.values() if t.is_public)]
    wanted = {k: v for k, v in (filters or {}).items() if v is not None}
    attrs = {"isRunpod": "is_runpod", "isPublic": "is_public", "isServerless": "is_serverless",
             "category": "category"}
    return [t for t in candidates if all(getattr(t, attrs[k]) == v for k, v in wanted.items())]


def find_template(world: World, template_id: str) -> SimTemplate | None:
    """``podTemplate(id:)``: the account's or an official template; None (data: null) when there is none."""
    return world.templates.get(template_id) or next((t for t in OFFICIAL_TEMPLATES if t.id == template_id), None)


def delete_template(world: World, name: str) -> None:
    template = next((t for t in world.templates.values() if t.name == name), None)
    if template is None:
        raise errors.NotFoundError(f"Template {name!r} not found.")
    users = [e.id for e in world.endpoints.values() if e.template_id == template.id]
    if users:
        raise errors.SimError(f"Template {name!r} is in use by endpoint {users[0]}.")
    del world.templates[template.id]


def _active_rate(world: World, endpoint: SimEndpoint) -> Decimal:
    return serverless.worker_rate(world, endpoint, active=True) * endpoint.workers_min


def save_endpoint(world: World, data: Mapping[str, Any]) -> SimEndpoint:
    """Create (no ``id``) or fully replace (``id``) an endpoint.

    Everything is checked (template, workers, scaler, GPU pool, spend limit) before anything
    changes, so a refused save leaves the endpoint, and the templates, as they were.
    """
    values = {**_ENDPOINT_DEFAULTS, **{k: v for k, v in data.items() if v is not None}}
    existing = world.endpoints.get(str(data["id"])) if data.get("id") else None
    if data.get("id") and existing is None:
        raise errors.NotFoundError(f"Endpoint {data['id']} not found.")
    inline_template = dict(values["template"]) if values.get("template") else None
    template_id = values.get("templateId")
    if inline_template is None:
        if not template_id:
            raise errors.SimError("An endpoint needs a templateId or a template.")
        if template_id not in world.templates:
            raise errors.NotFoundError(f"Template {template_id} not found.")
    workers_min, workers_max = int(values["workersMin"]), int(values["workersMax"])
    if workers_min < 0 or workers_max < 0 or workers_min > workers_max:
        raise errors.SimError("workersMin must be between 0 and workersMax.")
    if values["scalerType"] not in ("QUEUE_DELAY", "REQUEST_COUNT"):
        raise errors.SimError("scalerType must be QUEUE_DELAY or REQUEST_COUNT.")
    now = world.now
    # what the endpoint's workers would cost, worked out on a copy: nothing real changes yet
    candidate = SimEndpoint(id="", name="", template_id=None, gpu_ids=str(values["gpuIds"]), created_at=now,
                            meter=Meter("serverless", Decimal(0), now), gpu_count=int(values["gpuCount"]),
                            workers_min=workers_min, workers_max=workers_max)
    serverless.pool_of(world, candidate)
    old_active = _active_rate(world, existing) if existing else Decimal(0)
    world.check_spend(_active_rate(world, candidate) - old_active)
    name = str(values.get("name") or "")
    idle_timeout, scaler_value = int(values["idleTimeout"]), int(values["scalerValue"])
    execution_timeout_ms = int(values["executionTimeoutMs"])
    env = _env(values.get("env"))
    if inline_template is not None:  # the last check (its name, its image) and the first change
        inline_template.setdefault("name", f"{values.get('name')}__template")
        template_id = save_template(world, {**inline_template, "isServerless": True}).id
    endpoint = existing or SimEndpoint(
        id=world.new_id(14), name="", template_id=None, gpu_ids="", created_at=now,
        meter=Meter("serverless", Decimal(0), now),
    )
    endpoint.name = name
    endpoint.template_id = str(template_id)
    endpoint.gpu_ids, endpoint.gpu_count = candidate.gpu_ids, candidate.gpu_count
    endpoint.workers_min, endpoint.workers_max = workers_min, workers_max
    endpoint.idle_timeout = idle_timeout
    endpoint.scaler_type = str(values["scalerType"])
    endpoint.scaler_value = scaler_value
    endpoint.flash_boot_type = str(values["flashBootType"])
    endpoint.execution_timeout_ms = execution_timeout_ms
    endpoint.network_volume_id = str(values["networkVolumeId"]) if values.get("networkVolumeId") else None
    endpoint.locations = str(values["locations"]) if values.get("locations") else None
    endpoint.allowed_cuda_versions = str(values["allowedCudaVersions"]) if values.get("allowedCudaVersions") \
        else None
    endpoint.env = env
    if existing:
        endpoint.version += 1
    world.endpoints[endpoint.id] = endpoint
    serverless.reconcile(world, endpoint)
    return endpoint


def update_endpoint_template(world: World, endpoint_id: str, template_id: str) -> SimEndpoint:
    endpoint = world.endpoints.get(endpoint_id)
    if endpoint is None:
        raise errors.NotFoundError(f"Endpoint {endpoint_id} not found.")
    if template_id not in world.templates:
        raise errors.NotFoundError(f"Template {template_id} not found.")
    endpoint.template_id = template_id
    endpoint.version += 1
    return endpoint


def delete_endpoint(world: World, endpoint_id: str) -> None:
    endpoint = world.endpoints.get(endpoint_id)
    if endpoint is None:
        raise errors.NotFoundError(f"Endpoint {endpoint_id} not found.")
    if endpoint.workers_min or endpoint.workers_max:
        raise errors.SimError("Set workersMin and workersMax to 0 before deleting an endpoint.")
    endpoint.workers.clear()
    endpoint.meter.reset(Decimal(0), world.now)
    del world.endpoints[endpoint_id]


def create_network_volume(world: World, data: Mapping[str, Any]) -> SimNetworkVolume:
    name, size, dc = data.get("name"), data.get("size"), data.get("dataCenterId")
    if not name or not size or not dc:
        raise errors.SimError("A network volume needs a name, a size and a dataCenterId.")
    return world.create_network_volume(name=str(name), size=int(size), data_center_id=str(dc))


def update_network_volume(world: World, data: Mapping[str, Any]) -> SimNetworkVolume:
    volume = world.network_volumes.get(str(data.get("id")))
    if volume is None:
        raise errors.NotFoundError(f"Network volume {data.get('id')} not found.")
    if data.get("name"):
        volume.name = str(data["name"])
    if data.get("size") is not None:
        size = int(data["size"])
        if size < volume.size:
            raise errors.SimError("A network volume can only grow.")
        volume.size = size
        volume.meter.reset(network_volume_rate(size), world.now)
    return volume


def delete_network_volume(world: World, volume_id: str) -> None:
    if volume_id not in world.network_volumes:
        raise errors.NotFoundError(errors.NONEXISTENT_VOLUME)
    users = [p.id for p in world.pods.values() if p.network_volume_id == volume_id]
    if users:
        raise errors.SimError(f"Network volume {volume_id} is attached to pod {users[0]}.")
    world.network_volumes[volume_id].meter.reset(Decimal(0), world.now)
    del world.network_volumes[volume_id]
