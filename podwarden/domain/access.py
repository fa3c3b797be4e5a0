"""Who may do what. Deny by default: an unknown role may do nothing."""

from __future__ import annotations

import enum


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
