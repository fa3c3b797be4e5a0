"""`role`, `team`, `audit`, `budget`, `policy` and `keep` through the one dispatcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.handlers import build_dispatcher, caller_of
from podwarden.adapters.slack.reply import Reply
from podwarden.domain.access import Role
from podwarden.domain.ledger_values import AuditOutcome
from tests.services.verbs_world import ADMIN, ALICE, BOB, VIEWER, World, world

pytestmark = pytest.mark.usefixtures("podwarden_env")


def ask(w: World, user: str, text: str, channel: str | None = None) -> Reply:
    return build_dispatcher(w.services).handle(text, caller_of(w.services)(user, channel))


def test_role_and_team_are_admin_only_and_audited(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        refused = ask(w, ALICE, f"role <@{BOB}|bob> admin", channel="C0GPU")
        assert refused.title == "`role` needs the admin role; you are a member. Ask an admin."
        changed = ask(w, ADMIN, f"role <@{BOB}|bob> admin --prefix bob-")
        assert changed.title == f"<@{BOB}> is now admin (was member)"
        assert caller_of(w.services)(BOB, None).role is Role.ADMIN
        team = ask(w, ADMIN, f"team <@{ALICE}|alice> vision")
        assert team.data == {"user": ALICE, "team": "vision", "previous": None, "prefix": None}
        log = ask(w, ADMIN, "audit --days 1")
        rows = [(e["actor"], e["action"], e["outcome"], e["channel"]) for e in log.data["entries"]]
        assert rows == [(ADMIN, "team", AuditOutcome.OK, None), (ADMIN, "role", AuditOutcome.OK, None),
                        (ALICE, "role", AuditOutcome.REFUSED, "C0GPU")]


def test_audit_narrows_to_a_user_or_a_pod(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ask(w, ADMIN, "stop bob-notebook")
        ask(w, ALICE, "stop carol")
        mine = ask(w, ADMIN, f"audit <@{ALICE}|alice>")
        assert {e["actor"] for e in mine.data["entries"]} == {ALICE}
        about = ask(w, ADMIN, "audit bob-notebook")
        [entry] = about.data["entries"]
        assert (entry["action"], entry["answer_status"]) == ("stop", "ok")
        assert "runpod" in about.text()
        assert ask(w, VIEWER, "audit").title.startswith("`audit` needs the admin role")


def test_budget_set_is_for_admins_and_shows_its_action(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        assert ask(w, ALICE, "budget set global 50/day").title.startswith("`budget set` needs the admin role")
        done = ask(w, ADMIN, "budget set global 50/day --action stop")
        assert done.title == "Budget for everyone: $50.00/day, stop when reached"
        shown = ask(w, VIEWER, "budget")
        [line] = shown.data["budgets"]
        assert (line["scope"], line["action"], line["hard"]) == ("global", "stop", True)


def test_policy_says_the_rules_and_that_no_daemon_is_watching(tmp_path: Path) -> None:
    with world(tmp_path, approval_threshold="12", allowed_channels="C0GPU") as w:
        reply = ask(w, VIEWER, "policy")
        assert reply.data["daemon_alive"] is False
        assert "nothing stops idle pods" in reply.text()
        assert "above $12.00/h need an admin's approval" in reply.text()
        assert reply.data["allowed_channels"] == ["C0GPU"]


def test_keep_forever_is_for_admins_and_keep_list_shows_it(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        ask(w, ADMIN, f"role <@{BOB}|bob> member --prefix bob-")
        assert ask(w, BOB, "keep bob-notebook forever").title.startswith("`keep forever` needs the admin role")
        assert ask(w, BOB, "keep bob-notebook until 23:59").ok
        forever = ask(w, ADMIN, "keep bob-notebook forever")
        assert forever.title.endswith("forever: never shut down for being idle")
        assert "`keep cancel bob-notebook` ends it." in forever.text()
        listed = ask(w, VIEWER, "keep list")
        assert [k["forever"] for k in listed.data["kept"]] == [True]
        assert ask(w, BOB, "keep cancel bob-notebook").title.startswith("bob-notebook is no longer kept")
        assert ask(w, VIEWER, "keep list").data["kept"] == []


def test_help_lists_only_what_each_role_may_run(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        viewer = {v["verb"] for v in ask(w, VIEWER, "help").data["verbs"]}
        admin = {v["verb"] for v in ask(w, ADMIN, "help").data["verbs"]}
        assert {"pods", "ssh", "budget", "policy"} <= viewer
        assert not {"start", "stop", "role", "audit"} & viewer
        assert {"role", "team", "audit", "start"} <= admin
        assert all(v["available"] for v in ask(w, ADMIN, "help").data["verbs"])
