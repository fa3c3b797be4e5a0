"""Who people are here: their role, team and pod-name prefix, from the ledger's members.

Settings (`ADMINS`, `MEMBERS`, `DEFAULT_ROLE`) seed a person the first time they are seen;
after that the ledger is the one source, changed with `role` and `team`. Slack user groups
can lift a role (`role @group member`): a person gets the strongest of their own role and
their groups' roles. The Slack face looks up the person's groups (`usergroups.users.list`
for `groups_with_roles()`) and passes them to `caller`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from podwarden.domain.access import Actor, Role, highest, role_of
from podwarden.domain.answers import RoleChange, TeamChange
from podwarden.domain.ledger_values import Member
from podwarden.errors import InputError
from podwarden.ports import Clock, Ledger

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class PeopleService:
    def __init__(
        self, ledger: Ledger, clock: Clock, *, admins: Sequence[str] = (), members: Sequence[str] = (),
        default_role: Role = Role.VIEWER,
    ) -> None:
        self._ledger = ledger
        self._clock = clock
        self._admins = tuple(admins)
        self._members = tuple(members)
        self._default = default_role

    def member(self, user_id: str) -> Member:
        """The member, created from the settings' seed the first time they are seen."""
        found = self._ledger.member(user_id)
        if found is not None:
            return found
        seed = role_of(user_id, admins=self._admins, members=self._members, default=self._default)
        return self._ledger.upsert_member(user_id, now=self._clock.now(), role=seed)

    def caller(self, user_id: str, channel_id: str | None = None, *, groups: Iterable[str] = ()) -> Actor:
        """The acting person with their effective role (their own, lifted by their user groups)."""
        own = self.member(user_id).role
        by_group = self._ledger.group_roles()
        lifted = highest([own, *(by_group[g] for g in groups if g in by_group)])
        return Actor(user_id=user_id, role=lifted or own, channel_id=channel_id)

    def groups_with_roles(self) -> list[str]:
        """The user groups that carry a role: the only ones worth asking Slack about."""
        return sorted(self._ledger.group_roles())

    def groups_of(self, user_id: str, users_by_group: Mapping[str, Iterable[str]]) -> list[str]:
        """The groups (among `users_by_group`, as `usergroups.users.list` answers) `user_id` is in."""
        return sorted(g for g, users in users_by_group.items() if user_id in set(users))

    def user_id(self, word: str) -> str:
        """A Slack user id from what the parser kept: an id, or `@name` looked up among members."""
        if _USER_ID.match(word):
            return word
        name = word.removeprefix("@")
        found = self._ledger.member_named(name)
        if found is None:
            who = name if len(name) <= 40 else name[:39] + "…"
            raise InputError(f"I don't know who @{who} is here; mention them (@ and pick from the list)")
        return found.user_id

    def set_role(self, subject: str, role: str, *, group: bool = False, prefix: str | None = None) -> RoleChange:
        new = Role(role)
        now = self._clock.now()
        if group:
            previous_group = self._ledger.group_roles().get(subject)
            self._ledger.set_group_role(subject, new, now=now)
            return RoleChange(subject=subject, role=new, previous=previous_group, group=True)
        user = self.user_id(subject)
        before = self.member(user).role
        self._ledger.upsert_member(user, now=now, role=new)
        if prefix is not None:
            self._ledger.set_member_prefix(user, prefix, now=now)
        return RoleChange(subject=user, role=new, previous=before, prefix=prefix)

    def set_team(self, user: str, team: str | None, *, prefix: str | None = None) -> TeamChange:
        user_id = self.user_id(user)
        before = self.member(user_id).team
        now = self._clock.now()
        self._ledger.set_member_team(user_id, team, now=now)
        if prefix is not None:
            self._ledger.set_member_prefix(user_id, prefix, now=now)
        return TeamChange(user_id=user_id, team=team, previous=before, prefix=prefix)

    def owner_by_prefix(self, pod_name: str) -> str | None:
        """The member whose name prefix the pod's name starts with (the longest prefix wins)."""
        best: tuple[int, str] | None = None
        for m in self._ledger.members():
            if m.name_prefix and pod_name.startswith(m.name_prefix) and (best is None or len(m.name_prefix) > best[0]):
                best = (len(m.name_prefix), m.user_id)
        return best[1] if best else None
