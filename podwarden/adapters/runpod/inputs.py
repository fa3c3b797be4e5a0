"""The GraphQL ``input`` values Podwarden sends, built from domain specs, and the request token.

Every create is tagged with a token in the resource's environment, ``PODWARDEN_REQUEST=<hex>``,
so that after a failure the adapter can find *this* create's pod (or endpoint) in a listing
instead of guessing by name: names are reused, tokens are not. A caller that puts its own
``PODWARDEN_REQUEST`` in `PodSpec.env` (an idempotency key) gets that value used instead of
a fresh one — see `GraphQLRunPod.create_pod`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal

from podwarden.domain.models import EndpointSpec, PodSpec, TemplateSpec

__all__ = ["REQUEST_ENV", "endpoint_input", "new_request_token", "pod_input", "request_token",
           "template_input"]

REQUEST_ENV = "PODWARDEN_REQUEST"


def new_request_token() -> str:
    return uuid.uuid4().hex


def request_token(env: Iterable[tuple[str, str]]) -> tuple[str, bool]:
    """The create's token and whether the caller supplied it (a non-empty ``PODWARDEN_REQUEST`` in `env`)."""
    for key, value in env:
        if key == REQUEST_ENV and value:
            return value, True
    return new_request_token(), False


def _env_input(env: Iterable[tuple[str, str]], request: str | None) -> list[dict[str, str]]:
    pairs = [(key, value) for key, value in env if request is None or key != REQUEST_ENV]
    if request is not None:
        pairs.append((REQUEST_ENV, request))
    return [{"key": key, "value": value} for key, value in pairs]


def pod_input(spec: PodSpec, *, bid_per_gpu: Decimal | None = None, request: str | None = None) -> dict[str, object]:
    """`PodFindAndDeployOnDemandInput` (or, with a bid, `PodRentInterruptableInput`) for `spec`.

    With `request`, the env carries ``PODWARDEN_REQUEST=<request>`` (replacing any in `spec.env`).
    """
    data: dict[str, object] = {
        "name": spec.name,
        "gpuTypeId": spec.gpu_type_id,
        "gpuCount": spec.gpu_count,
        "cloudType": spec.cloud.value,
        "containerDiskInGb": spec.container_disk_gb,
        "volumeInGb": spec.volume_gb,
        "volumeMountPath": spec.volume_mount_path,
        "ports": spec.ports,
        "env": _env_input(spec.env, request),
        "startSsh": spec.start_ssh,
        "supportPublicIp": spec.support_public_ip,
    }
    if spec.image:
        data["imageName"] = spec.image
    if spec.template_id:
        data["templateId"] = spec.template_id
    if spec.network_volume_id:
        data["networkVolumeId"] = spec.network_volume_id
    if bid_per_gpu is not None:
        data["bidPerGpu"] = float(bid_per_gpu)
    return data


def endpoint_input(spec: EndpointSpec, *, request: str | None = None) -> dict[str, object]:
    """`EndpointInput` with every field, because an update with an id is a full replace.

    ``flashBootType`` is sent only when FlashBoot is wanted (as RunPod's SDK does): the
    schema's enum for "off" is not documented, and leaving it out resets it to off. A create
    carries `request` as the endpoint's only env var, ``PODWARDEN_REQUEST``.
    """
    data: dict[str, object] = {
        "name": spec.name,
        "templateId": spec.template_id,
        "gpuIds": ",".join(spec.gpu_ids),
        "gpuCount": spec.gpu_count,
        "workersMin": spec.workers_min,
        "workersMax": spec.workers_max,
        "idleTimeout": spec.idle_timeout_s,
        "scalerType": spec.scaler_type.value,
        "scalerValue": spec.scaler_value,
        "executionTimeoutMs": spec.execution_timeout_ms,
        "networkVolumeId": spec.network_volume_id or "",
        "locations": spec.locations or "",
    }
    if spec.id is not None:
        data["id"] = spec.id
    if spec.flashboot:
        data["flashBootType"] = "FLASHBOOT"
    if request is not None:
        data["env"] = _env_input((), request)
    return data


def template_input(spec: TemplateSpec) -> dict[str, object]:
    """`SaveTemplateInput` for a new template."""
    data: dict[str, object] = {
        "name": spec.name,
        "imageName": spec.image,
        "isServerless": spec.is_serverless,
        "containerDiskInGb": spec.container_disk_gb,
        "volumeInGb": spec.volume_gb,
        "dockerArgs": spec.docker_args,
        "ports": spec.ports,
        "env": [{"key": key, "value": value} for key, value in spec.env],
    }
    if spec.volume_mount_path:
        data["volumeMountPath"] = spec.volume_mount_path
    return data
