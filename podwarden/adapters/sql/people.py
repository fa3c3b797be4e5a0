"""Members (Slack users, their role and team) and teams."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from podwarden.adapters.sql._base import LedgerBase, aware, insert_ignore
from podwarden.adapters.sql.models import GroupRoleRow, MemberRow, TeamRow
from podwarden.domain.access import Role
from podwarden.domain.ledger_values import Member


class MembersMixin(LedgerBase):
    def upsert_member(
        self, user_id: str, *, now: datetime, display_name: str | None = None, role: Role | None = None,
    ) -> Member:
        """Create the member (a viewer named after their id unless told otherwise) or update
        the fields given; fields not given keep their value."""
        now = aware(now)
        checked = Role(role) if role is not None else None
        with self._write() as session:
            row = ensure_member(session, user_id, now=now, display_name=display_name, role=checked)
            changed = False
            if display_name is not None and row.display_name != display_name:
                row.display_name, changed = display_name, True
            if checked is not None and row.role != checked.value:
                row.role, changed = checked.value, True
            if changed:
                row.updated_at = now
            return member_value(row)

    def set_member_team(self, user_id: str, team: str | None, *, now: datetime) -> Member:
        """Put a member in `team` (created if new), or in no team with None."""
        now = aware(now)
        with self._write() as session:
            row = ensure_member(session, user_id, now=now)
            if team is not None:
                insert_ignore(session, TeamRow, {"name": team, "created_at": now})
            if row.team != team:
                row.team = team
                row.updated_at = now
            return member_value(row)

    def member(self, user_id: str) -> Member | None:
        with self._read() as session:
            row = session.get(MemberRow, user_id)
            return member_value(row) if row is not None else None

    def members(self, *, team: str | None = None) -> list[Member]:
        query = select(MemberRow).order_by(MemberRow.user_id)
        if team is not None:
            query = query.where(MemberRow.team == team)
        with self._read() as session:
            return [member_value(row) for row in session.scalars(query)]

    def add_team(self, name: str, *, now: datetime) -> bool:
        """Create a team; False if it already existed."""
        now = aware(now)
        with self._write() as session:
            return insert_ignore(session, TeamRow, {"name": name, "created_at": now})

    def teams(self) -> list[str]:
        with self._read() as session:
            return list(session.scalars(select(TeamRow.name).order_by(TeamRow.name)))

    def set_member_prefix(self, user_id: str, prefix: str | None, *, now: datetime) -> Member:
        """Pods whose name starts with `prefix` are this member's when no owner was recorded."""
        now = aware(now)
        with self._write() as session:
            row = ensure_member(session, user_id, now=now)
            if row.name_prefix != prefix:
                row.name_prefix, row.updated_at = prefix, now
            return member_value(row)

    def member_named(self, name: str) -> Member | None:
        query = select(MemberRow).where(func.lower(MemberRow.display_name) == name.lower())
        with self._read() as session:
            rows = list(session.scalars(query.limit(2)))
            return member_value(rows[0]) if len(rows) == 1 else None

    def set_group_role(self, group_id: str, role: Role | None, *, now: datetime) -> None:
        now = aware(now)
        with self._write() as session:
            if role is None:
                session.execute(delete(GroupRoleRow).where(GroupRoleRow.group_id == group_id))
                return
            checked = Role(role).value
            if not insert_ignore(session, GroupRoleRow, {"group_id": group_id, "role": checked, "created_at": now}):
                row = session.get(GroupRoleRow, group_id, with_for_update=True)
                if row is not None:
                    row.role = checked

    def group_roles(self) -> dict[str, Role]:
        with self._read() as session:
            return {row.group_id: Role(row.role) for row in session.scalars(select(GroupRoleRow))}


def ensure_member(
    session: Session, user_id: str, *, now: datetime, display_name: str | None = None,
    role: Role | None = None,
) -> MemberRow:
    """The member's row, locked for update; inserted first (as a viewer) when missing."""
    if not user_id:
        raise ValueError("a member needs a Slack user id")
    row = session.get(MemberRow, user_id, with_for_update=True)
    if row is None:
        insert_ignore(session, MemberRow, {
            "user_id": user_id, "display_name": display_name or user_id,
            "role": (role or Role.VIEWER).value, "team": None, "created_at": now, "updated_at": now,
        })
        row = session.get(MemberRow, user_id, with_for_update=True, populate_existing=True)
    if row is None:  # pragma: no cover - the insert above or a concurrent one made it
        raise RuntimeError(f"member {user_id} vanished while being created")
    return row


def member_value(row: MemberRow) -> Member:
    return Member(user_id=row.user_id, display_name=row.display_name, role=Role(row.role), team=row.team,
                  name_prefix=row.name_prefix)
