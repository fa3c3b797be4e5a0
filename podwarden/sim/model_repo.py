"""RunPod's model repository: ``myModels``, ``myModel``, ``addModelToRepo``, ``createModelRepoUpload``,
``completeModelRepoUpload``, ``updateModelVersionStatus`` and ``removeModelFromRepo``.

runpodctl's ``model add|list|remove`` (api/model.go) is the client. ``model add --model-path``
adds the model, opens one multipart upload session per file (the first creates the model
version, the rest name it by ``modelVersionUuid``), PUTs the parts to the pre-signed URLs,
completes every session, then polls ``myModels`` every 5 s until the version has a ``hash``.
Here a version is hashed `HASH_SECONDS` of simulated time after its last session completes;
until then its ``hash`` is null (runpodctl treats null and "" alike). The part URLs are
plausible but not served: the simulator speaks GraphQL, not S3.

Every mutation answers ``{success, message, ...}``; a refusal (unknown model, version or
session) is ``success: false`` with a message, which runpodctl shows, and no ``errors`` key.
``partSizeBytes`` leaves as a string, the shape runpodctl's custom decoder exists for
(model.go ModelRepoUpload.UnmarshalJSON); counts and seconds are JSON integers.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from podwarden.sim.views import iso

if TYPE_CHECKING:
    from podwarden.sim.world import World

__all__ = [
    "HASH_SECONDS",
    "ModelRepository",
    "add_model",
    "complete_upload",
    "create_upload",
    "dump",
    "find_model",
    "list_models",
    "remove_model",
    "update_version_status",
]

HASH_SECONDS = 20.0
DEFAULT_PART_BYTES = 64 * 1024 * 1024
UPLOAD_EXPIRES_SECONDS = 3600
_BUCKET = "runpod-model-repo"
_STORAGE = "https://model-repo.sim.invalid"


@dataclass
class SimModelVersion:
    uuid: str
    created_at: datetime
    updated_at: datetime
    metadata: dict[str, Any]
    status: str = "UPLOADING"
    hash: str | None = None
    hashed_at: datetime | None = None  # when the hash appears (all sessions complete)
    sessions: list[str] = field(default_factory=list)


@dataclass
class SimModel:
    id: str
    owner: str
    name: str
    provider: str
    created_at: datetime
    updated_at: datetime
    credential_type: str | None = None
    credential_reference: str | None = None
    status: str = "ACTIVE"
    versions: list[SimModelVersion] = field(default_factory=list)


@dataclass
class SimUploadSession:
    id: str
    upload_id: str
    model_id: str
    version_uuid: str
    file_name: str
    size: int
    part_size: int
    status: str = "pending"


@dataclass
class ModelRepository:
    """What the account keeps in the model repository (empty until ``addModelToRepo``)."""

    models: dict[str, SimModel] = field(default_factory=dict)
    sessions: dict[str, SimUploadSession] = field(default_factory=dict)


def _result(success: bool, message: str, **parts: Any) -> dict[str, Any]:
    return {"success": success, "message": message, **parts}


def _settle(world: World) -> None:
    """Versions whose hashing time has come get their hash and become READY."""
    for model in world.model_repo.models.values():
        for version in model.versions:
            if version.hash is None and version.hashed_at is not None and world.now >= version.hashed_at:
                files = sorted((s.file_name, s.size) for s in world.model_repo.sessions.values()
                               if s.version_uuid == version.uuid)
                digest = hashlib.sha256(repr((model.id, version.uuid, files)).encode()).hexdigest()
                version.hash = digest
                version.status = "READY"
                version.updated_at = version.hashed_at


def version_view(version: SimModelVersion) -> dict[str, Any]:
    return {"uuid": version.uuid, "hash": version.hash, "status": version.status,
            "metadata": dict(version.metadata), "createdAt": iso(version.created_at),
            "updatedAt": iso(version.updated_at)}


def model_view(world: World, model: SimModel) -> dict[str, Any]:
    return {
        "id": model.id, "owner": model.owner, "name": model.name, "provider": model.provider,
        "status": model.status, "createdAt": iso(model.created_at), "updatedAt": iso(model.updated_at),
        "users": [{"userId": world.user_id, "credentialType": model.credential_type,
                   "credentialReference": model.credential_reference, "status": "ACTIVE",
                   "updatedAt": iso(model.updated_at)}],
        "versions": [version_view(v) for v in model.versions],
    }


def _find(world: World, owner: str | None, name: str) -> SimModel | None:
    owner = owner or world.user_id
    return next((m for m in world.model_repo.models.values() if m.owner == owner and m.name == name), None)


def list_models(world: World) -> list[dict[str, Any]]:
    _settle(world)
    return [model_view(world, m) for m in world.model_repo.models.values()]


def find_model(world: World, owner: str, name: str) -> dict[str, Any] | None:
    _settle(world)
    model = _find(world, owner, name)
    return model_view(world, model) if model is not None else None


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return str(value).strip() or None if value is not None else None


def _new_model(world: World, data: Mapping[str, Any], name: str) -> SimModel:
    model = SimModel(id=world.new_id(14), owner=_text(data, "owner") or world.user_id, name=name,
                     provider=_text(data, "provider") or "HUGGINGFACE", created_at=world.now,
                     updated_at=world.now, credential_type=_text(data, "credentialType"),
                     credential_reference=_text(data, "credentialReference"))
    world.model_repo.models[model.id] = model
    return model


def add_model(world: World, data: Mapping[str, Any]) -> dict[str, Any]:
    """Adding a model that exists answers it again: ``model add`` runs once per new version."""
    name = _text(data, "name")
    if name is None:
        return _result(False, "name is required", model=None)
    _settle(world)
    model = _find(world, _text(data, "owner"), name)
    if model is not None:
        return _result(True, "Model already exists", model=model_view(world, model))
    model = _new_model(world, data, name)
    if data.get("modelStatus"):
        model.status = str(data["modelStatus"])
    return _result(True, "Model added", model=model_view(world, model))


def _upload_view(world: World, session: SimUploadSession) -> dict[str, Any]:
    model = world.model_repo.models[session.model_id]
    prefix = f"{model.owner}/{model.name}/{session.version_uuid}/"
    key = prefix + session.file_name
    count = math.ceil(session.size / session.part_size)
    expires = iso(world.now + timedelta(seconds=UPLOAD_EXPIRES_SECONDS))
    base = f"{_STORAGE}/{_BUCKET}/{key}?uploadId={session.upload_id}"
    return {
        "sessionId": session.id, "status": session.status, "uploadId": session.upload_id, "bucket": _BUCKET,
        "key": key, "keyPrefix": prefix, "partSizeBytes": str(session.part_size), "partCount": count,
        "expiresInSeconds": UPLOAD_EXPIRES_SECONDS,
        "parts": [{"partNumber": n, "url": f"{base}&partNumber={n}", "expiresAt": expires}
                  for n in range(1, count + 1)],
        "completeUrl": base, "abortUrl": base + "&abort=1",
    }


def _size(value: object) -> int | None:
    try:
        size = int(str(value).strip())
    except ValueError:
        return None
    return size if size >= 0 else None


def create_upload(world: World, data: Mapping[str, Any]) -> dict[str, Any]:
    """One session per file; without ``modelVersionUuid`` it opens a new version of the model."""
    name, file_name = _text(data, "name"), _text(data, "fileName")
    size = _size(data.get("fileSizeBytes"))
    part_size = _size(data["partSizeBytes"]) if data.get("partSizeBytes") else DEFAULT_PART_BYTES
    if name is None or file_name is None:
        return _result(False, "name and fileName are required", upload=None, model=None, version=None)
    if size is None or not part_size:
        return _result(False, "fileSizeBytes and partSizeBytes must be whole numbers of bytes",
                       upload=None, model=None, version=None)
    _settle(world)
    model = _find(world, _text(data, "owner"), name) or _new_model(world, data, name)
    wanted = _text(data, "modelVersionUuid")
    if wanted is not None:
        version = next((v for v in model.versions if v.uuid == wanted), None)
        if version is None:
            return _result(False, f"Model version {wanted} not found for {model.owner}/{model.name}",
                           upload=None, model=None, version=None)
    else:
        metadata = data.get("metadata")
        version = SimModelVersion(uuid=world.new_uuid(), created_at=world.now, updated_at=world.now,
                                  metadata=dict(metadata) if isinstance(metadata, Mapping) else {})
        model.versions.append(version)
    session = SimUploadSession(id=world.new_id(20), upload_id=world.new_id(32), model_id=model.id,
                               version_uuid=version.uuid, file_name=file_name, size=size, part_size=part_size)
    world.model_repo.sessions[session.id] = session
    version.sessions.append(session.id)
    version.hash, version.hashed_at, version.status = None, None, "UPLOADING"
    model.updated_at = world.now
    return _result(True, "Upload session created", upload=_upload_view(world, session),
                   model=model_view(world, model), version=version_view(version))


def complete_upload(world: World, data: Mapping[str, Any]) -> dict[str, Any]:
    session = world.model_repo.sessions.get(str(data.get("sessionId") or ""))
    if session is None:
        return _result(False, "Upload session not found", sessionId=None, status=None)
    session.status = "completed"
    model = world.model_repo.models[session.model_id]
    version = next(v for v in model.versions if v.uuid == session.version_uuid)
    if all(world.model_repo.sessions[s].status == "completed" for s in version.sessions):
        version.status = "HASHING"
        version.hashed_at = world.now + timedelta(seconds=HASH_SECONDS)
    version.updated_at = world.now
    return _result(True, "Upload completed", sessionId=session.id, status=session.status)


def update_version_status(world: World, uuid: str | None, hash_: str | None, status: str) -> dict[str, Any]:
    _settle(world)
    if bool(uuid) == bool(hash_):
        return _result(False, "Give exactly one of uuid or hash", modelVersion=None)
    for model in world.model_repo.models.values():
        for version in model.versions:
            if (uuid and version.uuid == uuid) or (hash_ and version.hash == hash_):
                version.status = status
                version.updated_at = world.now
                return _result(True, "Model version status updated", modelVersion=version_view(version))
    return _result(False, f"Model version {uuid or hash_} not found", modelVersion=None)


def remove_model(world: World, data: Mapping[str, Any]) -> dict[str, Any]:
    _settle(world)
    owner, name = _text(data, "owner"), _text(data, "name") or ""
    model = _find(world, owner, name)
    if model is None:
        return _result(False, f"Model {owner or world.user_id}/{name} not found", model=None)
    view = model_view(world, model)
    del world.model_repo.models[model.id]
    for session_id in [s.id for s in world.model_repo.sessions.values() if s.model_id == model.id]:
        del world.model_repo.sessions[session_id]
    return _result(True, "Model removed", model=view)


def dump(world: World) -> list[dict[str, Any]]:
    """The repository as GET /_sim/world shows it: models, their versions and open uploads."""
    _settle(world)
    return [{"id": m.id, "owner": m.owner, "name": m.name, "provider": m.provider,
             "versions": [{"uuid": v.uuid, "status": v.status, "hash": v.hash,
                           "files": [world.model_repo.sessions[s].file_name for s in v.sessions]}
                          for v in m.versions]}
            for m in world.model_repo.models.values()]
