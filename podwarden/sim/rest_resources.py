"""REST v2 templates, Serverless endpoints, network volumes and the account's SSH keys.

Each call is translated into the GraphQL mutation's input and goes through the same
`resources` functions (``saveTemplate``, ``saveEndpoint``, ``createNetworkVolume``…), so
both surfaces refuse the same things with the same texts. V2's PATCH is partial while
``saveEndpoint`` is a full replace: a PATCH is the endpoint's current settings with the
fields given laid over them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from podwarden.sim import errors
from podwarden.sim import resources as res
from podwarden.sim.locations import data_centre
from podwarden.sim.rest_calls import VALIDATION_FAILED, Answer, Call, Problem, Spec, refused, require
from podwarden.sim.rest_views import endpoint_view, template_view, volume_view, workers_view
from podwarden.sim.serverless import SimEndpoint
from podwarden.sim.world import SimNetworkVolume, SimTemplate

__all__ = ["HANDLERS"]

TEMPLATE: Spec = {
    "name": "str", "serverless": "bool", "image": "str", "args": "str", "disk": "int", "ports": "strlist",
    "env": "strmap", "mounts": {"persistent": {"size": "int", "path": "str"}}, "startSsh": "bool", "public": "bool",
    "readme": "str", "registry": "str",
}
ENDPOINT: Spec = {
    "name": "str", "type": "str", "templateId": "str", "image": "str", "args": "str", "disk": "int",
    "ports": "strlist", "env": "strmap", "registry": {"id": "str"},
    "gpu": {"pools": "strlist", "excludedTypes": "strlist", "count": "int", "allowedCudaVersions": "strlist",
            "minCudaVersion": "str"},
    "cpu": "any", "workers": {"min": "int", "max": "int", "idleTimeout": "int"},
    "scaling": {"type": "str", "queueDelay": "number", "requestCount": "int"},
    "dataCenterIds": "strlist", "networkVolumes": "strlist", "timeout": "int", "flashboot": "str",
}
VOLUME: Spec = {"name": "str", "dataCenter": "str", "size": "int", "type": "str"}
_NOT_FOUND = "resource not found"


def _invalid(*problems: str) -> Problem:
    return Problem(422, VALIDATION_FAILED, problems=list(problems))


def _env_items(env: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in env.items()]


def _save(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except errors.SimError as exc:
        raise refused(exc) from None


# ------------------------------------------------------------------ templates
def _template(call: Call) -> SimTemplate:
    template = call.world.templates.get(call.id)
    if template is None:
        raise Problem(404, _NOT_FOUND)
    return template


def _template_input(template: SimTemplate | None, body: dict[str, Any]) -> dict[str, Any]:
    """``saveTemplate``'s input: the template's current values (if any) with `body` laid over them."""
    serverless = body.get("serverless")
    persistent = (body.get("mounts") or {}).get("persistent") or {}
    current: dict[str, Any] = {} if template is None else {
        "id": template.id, "name": template.name, "imageName": template.image_name,
        "dockerArgs": template.docker_args, "containerDiskInGb": template.container_disk_gb,
        "volumeInGb": template.volume_gb, "volumeMountPath": template.volume_mount_path, "ports": template.ports,
        "env": [{"key": k, "value": v} for k, v in template.env], "isServerless": template.is_serverless,
        "isPublic": template.is_public, "readme": template.readme, "startSsh": template.start_ssh,
        "containerRegistryAuthId": template.container_registry_auth_id,
    }
    given = {
        "name": body.get("name"), "imageName": body.get("image"), "dockerArgs": body.get("args"),
        "containerDiskInGb": body.get("disk"), "volumeInGb": persistent.get("size"),
        "volumeMountPath": persistent.get("path"),
        "ports": ",".join(body["ports"]) if body.get("ports") is not None else None,
        "env": _env_items(body["env"]) if body.get("env") is not None else None,
        "isServerless": serverless, "isPublic": body.get("public"),
        "readme": body.get("readme"), "startSsh": body.get("startSsh"),
        "containerRegistryAuthId": body.get("registry"),
    }
    return current | {k: v for k, v in given.items() if v is not None}


def list_templates(call: Call) -> Answer:
    return Answer(200, {"templates": [template_view(t) for t in call.world.templates.values()]})


def create_template(call: Call) -> Answer:
    body = call.body(TEMPLATE)
    require(body, "name", "image")
    template = _save(lambda: res.save_template(call.world, _template_input(None, body)))
    return Answer(201, template_view(template))


def get_template(call: Call) -> Answer:
    return Answer(200, template_view(_template(call)))


def update_template(call: Call) -> Answer:
    template = _template(call)
    body = call.body(TEMPLATE)
    saved = _save(lambda: res.save_template(call.world, _template_input(template, body)))
    return Answer(200, template_view(saved))


def delete_template(call: Call) -> Answer:
    template = _template(call)
    _save(lambda: res.delete_template(call.world, template.name))  # 400 while an endpoint uses it
    return Answer(204)


# ------------------------------------------------------------------ Serverless endpoints
def _endpoint(call: Call) -> SimEndpoint:
    endpoint = call.world.endpoints.get(call.id)
    if endpoint is None:
        raise Problem(404, _NOT_FOUND)
    return endpoint


def _current(endpoint: SimEndpoint) -> dict[str, Any]:
    """``saveEndpoint``'s full input for the endpoint as it is now."""
    return {
        "id": endpoint.id, "name": endpoint.name, "templateId": endpoint.template_id,
        "gpuIds": endpoint.gpu_ids, "gpuCount": endpoint.gpu_count,
        "workersMin": endpoint.workers_min, "workersMax": endpoint.workers_max,
        "idleTimeout": endpoint.idle_timeout, "scalerType": endpoint.scaler_type,
        "scalerValue": endpoint.scaler_value, "executionTimeoutMs": endpoint.execution_timeout_ms,
        "flashBootType": endpoint.flash_boot_type, "networkVolumeId": endpoint.network_volume_id,
        "locations": endpoint.locations, "allowedCudaVersions": endpoint.allowed_cuda_versions,
        "env": [{"key": k, "value": v} for k, v in endpoint.env],
    }


def _scaling(scaling: dict[str, Any]) -> dict[str, Any]:
    kind = scaling.get("type")
    if kind is None:
        return {}
    if kind == "QUEUE_DELAY":
        delay = scaling.get("queueDelay", 4)
        if delay < 0.5:
            raise _invalid("scaling.queueDelay: at least 0.5")
        return {"scalerType": kind, "scalerValue": math.ceil(delay)}
    if kind == "REQUEST_COUNT":
        count = scaling.get("requestCount", 1)
        if count < 1:
            raise _invalid("scaling.requestCount: at least 1")
        return {"scalerType": kind, "scalerValue": count}
    raise _invalid("scaling.type: must be QUEUE_DELAY or REQUEST_COUNT")


def _endpoint_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The ``saveEndpoint`` fields `body` sets (only those)."""
    if body.get("cpu") is not None:
        raise Problem(400, "CPU endpoints are not simulated")
    flashboot = body.get("flashboot")
    if flashboot is not None and flashboot not in ("OFF", "FLASHBOOT", "PRIORITY_FLASHBOOT"):
        raise _invalid("flashboot: must be OFF, FLASHBOOT or PRIORITY_FLASHBOOT")
    gpu, workers = body.get("gpu") or {}, body.get("workers") or {}
    volumes = body.get("networkVolumes")
    if volumes is not None and len(volumes) > 1:
        raise Problem(400, "networkVolumes: the simulator keeps one network volume per endpoint")
    fields = {
        "name": body.get("name"), "templateId": body.get("templateId"),
        "gpuIds": ",".join(gpu["pools"]) if gpu.get("pools") else None, "gpuCount": gpu.get("count"),
        "allowedCudaVersions": ",".join(gpu["allowedCudaVersions"]) if gpu.get("allowedCudaVersions") is not None
        else None,
        "workersMin": workers.get("min"), "workersMax": workers.get("max"), "idleTimeout": workers.get("idleTimeout"),
        "executionTimeoutMs": body.get("timeout"), "flashBootType": flashboot,
        "networkVolumeId": (volumes[0] if volumes else "") if volumes is not None else None,
        "locations": ",".join(body["dataCenterIds"]) if body.get("dataCenterIds") is not None else None,
        "env": _env_items(body["env"]) if body.get("env") is not None else None,
        **_scaling(body.get("scaling") or {}),
    }
    return {k: v for k, v in fields.items() if v is not None}


def _image_fields(body: dict[str, Any]) -> dict[str, Any]:
    fields = {"imageName": body.get("image"), "dockerArgs": body.get("args"), "containerDiskInGb": body.get("disk"),
              "ports": ",".join(body["ports"]) if body.get("ports") is not None else None}
    return {k: v for k, v in fields.items() if v is not None}


def _idle_timeout_fits(body: dict[str, Any], current_scaling: str | None) -> None:
    """No ``workers.idleTimeout`` under REQUEST_COUNT scaling (the body's, else the endpoint's)."""
    kind = (body.get("scaling") or {}).get("type") or current_scaling
    if kind == "REQUEST_COUNT" and (body.get("workers") or {}).get("idleTimeout") is not None:
        raise Problem(400, "workers.idleTimeout cannot be set with REQUEST_COUNT scaling")


def _kind(body: dict[str, Any]) -> None:
    kind = body.get("type")
    if kind == "LOAD_BALANCER":
        raise Problem(400, "LOAD_BALANCER endpoints are not simulated")
    if kind not in (None, "QUEUE"):
        raise _invalid("type: must be QUEUE or LOAD_BALANCER")


def list_endpoints(call: Call) -> Answer:
    return Answer(200, {"endpoints": [endpoint_view(call.world, e) for e in call.world.endpoints.values()]})


def create_endpoint(call: Call) -> Answer:
    body = call.body(ENDPOINT)
    require(body, "name", "type")
    _kind(body)
    _idle_timeout_fits(body, None)
    image = _image_fields(body)
    if not body.get("templateId") and "imageName" not in image:
        raise Problem(400, "image is required unless templateId is given")
    data: dict[str, Any] = {"workersMin": 0, "workersMax": 3, "idleTimeout": 10, "executionTimeoutMs": 300_000,
                            "flashBootType": "OFF", **_endpoint_fields(body)}
    if not body.get("templateId"):
        data["template"] = image
    endpoint = _save(lambda: res.save_endpoint(call.world, data))
    return Answer(201, endpoint_view(call.world, endpoint))


def get_endpoint(call: Call) -> Answer:
    return Answer(200, endpoint_view(call.world, _endpoint(call)))


def update_endpoint(call: Call) -> Answer:
    """Scaling and workers change at once; image, args, disk or ports change the endpoint's
    template (a new release: the endpoint's version goes up, as every save does)."""
    endpoint = _endpoint(call)
    body = call.body(ENDPOINT)
    _kind(body)
    _idle_timeout_fits(body, endpoint.scaler_type)
    world = call.world
    image = _image_fields(body)
    template = world.templates.get(endpoint.template_id) if endpoint.template_id else None
    if image and template is None:
        raise Problem(400, "the endpoint has no template to change")
    data = _current(endpoint) | _endpoint_fields(body)
    _save(lambda: res.save_endpoint(world, data))
    if image and template is not None:
        _save(lambda: res.save_template(world, _template_input(template, {}) | image))
    return Answer(200, endpoint_view(world, endpoint))


def delete_endpoint(call: Call) -> Answer:
    """V2's delete needs no scale-down first; it takes the endpoint's template with it unless
    another endpoint uses that template too."""
    endpoint = _endpoint(call)
    world = call.world
    endpoint.workers_min = endpoint.workers_max = 0
    res.delete_endpoint(world, endpoint.id)
    template = world.templates.get(endpoint.template_id) if endpoint.template_id else None
    if template is not None and template.is_serverless and not any(
            e.template_id == template.id for e in world.endpoints.values()):
        res.delete_template(world, template.name)
    return Answer(204)


def endpoint_workers(call: Call) -> Answer:
    return Answer(200, workers_view(call.world, _endpoint(call)))


# ------------------------------------------------------------------ network volumes
def _volume(call: Call) -> SimNetworkVolume:
    volume = call.world.network_volumes.get(call.id)
    if volume is None:
        raise Problem(404, _NOT_FOUND)
    return volume


def _volume_type(body: dict[str, Any]) -> None:
    kind = body.get("type")
    if kind == "HIGH_PERFORMANCE":
        raise Problem(400, "HIGH_PERFORMANCE network volumes are not simulated")
    if kind not in (None, "STANDARD"):
        raise _invalid("type: must be STANDARD or HIGH_PERFORMANCE")


def _size(body: dict[str, Any]) -> None:
    size = body.get("size")
    if size is not None and not 10 <= size <= 4096:
        raise _invalid("size: between 10 and 4096 GB")


def list_volumes(call: Call) -> Answer:
    return Answer(200, {"networkVolumes": [volume_view(v) for v in call.world.network_volumes.values()]})


def create_volume(call: Call) -> Answer:
    body = call.body(VOLUME)
    require(body, "name", "dataCenter", "size")
    _volume_type(body)
    _size(body)
    dc = data_centre(body["dataCenter"])
    if dc is None or not dc.listed or dc.cloud != "SECURE":
        raise Problem(400, f"network volumes are offered in Secure Cloud data centres, not {body['dataCenter']}")
    volume = _save(lambda: res.create_network_volume(
        call.world, {"name": body["name"], "size": body["size"], "dataCenterId": dc.id}))
    return Answer(201, volume_view(volume))


def get_volume(call: Call) -> Answer:
    return Answer(200, volume_view(_volume(call)))


def update_volume(call: Call) -> Answer:
    volume = _volume(call)
    body = call.body(VOLUME)
    _size(body)
    if body.get("type") not in (None, "STANDARD"):
        raise Problem(400, "a network volume's type cannot change")
    if body.get("dataCenter") not in (None, volume.data_center_id):
        raise Problem(400, "a network volume's data centre cannot change")
    _save(lambda: res.update_network_volume(call.world, {"id": volume.id, "name": body.get("name"),
                                                         "size": body.get("size")}))
    return Answer(200, volume_view(volume))


def delete_volume(call: Call) -> Answer:
    volume = _volume(call)
    _save(lambda: res.delete_network_volume(call.world, volume.id))  # 400 while a pod uses it
    return Answer(204)


# ------------------------------------------------------------------ account SSH keys
_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
              "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com")


def get_ssh_keys(call: Call) -> Answer:
    """The account's keys: GraphQL's ``myself.pubKey``, one key a line, as a list."""
    return Answer(200, {"keys": [k.strip() for k in call.world.pub_key.splitlines() if k.strip()]})


def put_ssh_keys(call: Call) -> Answer:
    """Full replace (``[]`` clears); a line that is no OpenSSH public key is a 422 naming it."""
    body = call.body({"keys": "strlist"})
    require(body, "keys")
    keys = [k.strip() for k in body["keys"]]
    bad = [f"keys[{i}]: not an SSH public key" for i, key in enumerate(keys)
           if len(parts := key.split()) < 2 or parts[0] not in _KEY_TYPES]
    if bad:
        raise _invalid(*bad)
    call.world.pub_key = "\n".join(keys)
    return Answer(200, {"keys": keys})


HANDLERS: dict[tuple[str, str], Callable[[Call], Answer]] = {
    ("GET", "/v2/account/ssh-keys"): get_ssh_keys,
    ("PUT", "/v2/account/ssh-keys"): put_ssh_keys,
    ("GET", "/v2/templates"): list_templates,
    ("POST", "/v2/templates"): create_template,
    ("GET", "/v2/templates/{id}"): get_template,
    ("PATCH", "/v2/templates/{id}"): update_template,
    ("DELETE", "/v2/templates/{id}"): delete_template,
    ("GET", "/v2/serverless"): list_endpoints,
    ("POST", "/v2/serverless"): create_endpoint,
    ("GET", "/v2/serverless/{id}"): get_endpoint,
    ("PATCH", "/v2/serverless/{id}"): update_endpoint,
    ("DELETE", "/v2/serverless/{id}"): delete_endpoint,
    ("GET", "/v2/serverless/{id}/workers"): endpoint_workers,
    ("GET", "/v2/network-volumes"): list_volumes,
    ("POST", "/v2/network-volumes"): create_volume,
    ("GET", "/v2/network-volumes/{id}"): get_volume,
    ("PATCH", "/v2/network-volumes/{id}"): update_volume,
    ("DELETE", "/v2/network-volumes/{id}"): delete_volume,
}
