"""Container registry credentials: ``saveRegistryAuth``, ``deleteRegistryAuth``, ``myself.containerRegistryCreds``.

dstack creates one per private image before it deploys and deletes stale ones, oldest
first, stopping at the first that is still in use (a pod or template refers to it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podwarden.sim import errors
from podwarden.sim.world import SimRegistryAuth, World

__all__ = ["delete_registry_auth", "save_registry_auth"]


def save_registry_auth(world: World, data: Mapping[str, Any]) -> SimRegistryAuth:
    name = str(data.get("name") or "")
    if any(a.name == name for a in world.registry_auths.values()):
        raise errors.SimError(f"A registry auth named {name!r} already exists.")
    auth = SimRegistryAuth(world.new_id(12), name, str(data.get("username") or ""), str(data.get("password") or ""))
    world.registry_auths[auth.id] = auth
    return auth


def delete_registry_auth(world: World, auth_id: str) -> None:
    if auth_id not in world.registry_auths:
        raise errors.NotFoundError(f"Registry auth {auth_id} not found.")
    users = [p.id for p in world.pods.values() if p.container_registry_auth_id == auth_id]
    users += [t.id for t in world.templates.values() if t.container_registry_auth_id == auth_id]
    if users:
        raise errors.SimError(f"Registry auth {auth_id} is in use by {users[0]}.")
    del world.registry_auths[auth_id]
