"""PeopleService: settings seed a person once, then the ledger decides; user groups lift roles."""

from __future__ import annotations

from pathlib import Path

import pytest

from podwarden.domain.access import Role
from podwarden.errors import InputError
from tests.services.verbs_world import ADMIN, ALICE, BOB, VIEWER, world

pytestmark = pytest.mark.usefixtures("podwarden_env")


def test_settings_seed_a_person_the_first_time_only(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        people = w.verbs.people
        assert people.caller(ADMIN).role is Role.ADMIN
        assert people.caller(ALICE, "C1").role is Role.MEMBER
        assert people.caller(VIEWER).channel_id is None
        assert people.caller(VIEWER).role is Role.VIEWER
        people.set_role(ADMIN, "viewer")  # the ledger wins over ADMINS from now on
        assert people.caller(ADMIN).role is Role.VIEWER


def test_user_groups_lift_but_never_lower_a_role(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        people = w.verbs.people
        people.set_role("S0OPS", "admin", group=True)
        people.set_role("S0READ", "viewer", group=True)
        assert people.groups_with_roles() == ["S0OPS", "S0READ"]
        assert people.caller(VIEWER, groups=["S0OPS"]).role is Role.ADMIN
        assert people.caller(ALICE, groups=["S0READ", "S0UNKNOWN"]).role is Role.MEMBER
        assert people.groups_of(BOB, {"S0OPS": [ALICE, BOB], "S0READ": [ALICE]}) == ["S0OPS"]


def test_team_and_prefix_make_pods_someones(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        people = w.verbs.people
        change = people.set_team(BOB, "ml", prefix="bob-")
        assert (change.team, change.previous, change.prefix) == ("ml", None, "bob-")
        assert people.member(BOB).team == "ml"
        assert people.owner_by_prefix("bob-notebook") == BOB
        people.set_role(ALICE, "member", prefix="bob-note")  # the longest prefix wins
        assert people.owner_by_prefix("bob-notebook") == ALICE
        assert people.owner_by_prefix("carol-sweeps") is None


def test_plain_names_are_looked_up_among_members(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        w.services.ledger.upsert_member(BOB, now=w.now(), display_name="Bob")
        assert w.verbs.people.user_id("@bob") == BOB
        assert w.verbs.people.user_id(ALICE) == ALICE
        with pytest.raises(InputError, match="don't know who @nobody is"):
            w.verbs.people.user_id("@nobody")
