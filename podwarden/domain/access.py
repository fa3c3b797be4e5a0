"""Who may do what. Deny by default: an unknown role may do nothing."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from podwarden.domain.errors import DomainError


class Role(enum.StrEnum):
    """viewer reads; member starts and stops pods; admin does everything, including caps."""

    VIEWER = "viewer"
    MEMBER = "member"
    ADMIN = "admin"


_RANK = {Role.VIEWER: 1, Role.MEMBER: 2, Role.ADMIN: 3}


def may(role: Role | str | None, required: Role | str) -> bool:
    """True when `role` is at least `required`; anything unrecognised is refused."""
    try:
        have = _RANK[Role(role)] if role is not None else 0
        need = _RANK[Role(required)]
    except ValueError:
        return False
    return have >= need


def role_of(user_id: str, *, admins: tuple[str, ...], members: tuple[str, ...], default: Role) -> Role:
    """The role settings give a Slack user (the ledger may later override it)."""
    if user_id in admins:
        return Role.ADMIN
    if user_id in members:
        return Role.MEMBER
    return default


ROLES: dict[str, Role] = {
    # reading
    "help": Role.VIEWER, "gpus": Role.VIEWER, "quote": Role.VIEWER, "size": Role.VIEWER,
    "pods": Role.VIEWER, "ssh": Role.VIEWER, "ssh-config": Role.VIEWER, "endpoints": Role.VIEWER,
    "spend": Role.VIEWER, "budget": Role.VIEWER, "policy": Role.VIEWER, "digest": Role.VIEWER,
    "keep list": Role.VIEWER,
    # changing one's own pods and endpoints
    "start": Role.MEMBER, "stop": Role.MEMBER, "resume": Role.MEMBER, "terminate": Role.MEMBER,
    "keep": Role.MEMBER, "keep cancel": Role.MEMBER, "deploy": Role.MEMBER, "scale": Role.MEMBER,
    # running the place
    "keep forever": Role.ADMIN, "budget set": Role.ADMIN, "role": Role.ADMIN, "team": Role.ADMIN,
    "audit": Role.ADMIN, "approve": Role.ADMIN, "digest now": Role.ADMIN, "others' pods": Role.ADMIN,
    "budget remove": Role.ADMIN,
}
"""The least role each verb (or sub-command) needs. Deny by default: a key missing here is
refused to everyone, so a new verb cannot ship open by accident."""


def required(permission: str) -> Role | None:
    """The role `permission` needs; None when nobody may (it is not in the table)."""
    return ROLES.get(permission)


def allowed(role: Role | str | None, permission: str) -> bool:
    need = required(permission)
    return need is not None and may(role, need)


def highest(roles: list[Role]) -> Role | None:
    """The strongest of several roles (a member's own and their user groups'), if any."""
    return max(roles, key=lambda r: _RANK[r]) if roles else None


def channel_allowed(channel_id: str | None, allowed_channels: tuple[str, ...]) -> bool:
    """Commands are taken anywhere when no channels are listed; else only in the listed
    channels, in direct messages with the bot (ids starting with D), and outside Slack
    (no channel: the console and `podwarden ask`)."""
    if not allowed_channels or channel_id is None:
        return True
    return channel_id in allowed_channels or channel_id.startswith("D")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, with which role, from where (`channel_id` None: console, CLI, daemon)."""

    user_id: str
    role: Role
    channel_id: str | None = None

    @property
    def admin(self) -> bool:
        return may(self.role, Role.ADMIN)


class Refused(DomainError):
    """The caller may not do this (a role, an owner or a channel says no); one line, already
    audited by whoever raised it, answered without a usage line (the command was well formed)."""
