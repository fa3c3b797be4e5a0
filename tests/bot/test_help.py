"""`help` and refusals by role: a verb above the caller's role exists and says who runs it;
a refusal says how to get the role (an admin in Slack; a setting and `--as` at a terminal)."""

from __future__ import annotations

from bot import commands as c
from bot.dispatch import Caller, Dispatcher
from podwarden.adapters.slack.reply import Reply
from podwarden.domain.access import Role

VIEWER = Caller("U0V", Role.VIEWER)
IN_SLACK = Caller("U0V", Role.VIEWER, "C0GPU")


def test_help_on_a_verb_above_the_role_says_it_exists_and_who_runs_it() -> None:
    reply = Dispatcher({}).help("start", VIEWER)
    assert reply.ok
    assert reply.title.startswith("/gpu start <gpu>")
    assert "create a pod" in reply.text()
    assert "`start` needs the member role; you are a viewer." in reply.text()
    assert "PODWARDEN_MEMBERS=U0ME podwarden ask --as U0ME" in reply.text()
    assert reply.data["role"] == "member"
    assert reply.data["yours"] is False
    admin = Dispatcher({}).help("role", Caller("U0M", Role.MEMBER, "C0GPU")).text()
    assert "`role` needs the admin role; you are a member. Ask an admin." in admin
    assert "PODWARDEN" not in admin  # in Slack there is an admin to ask, and no environment


def test_help_on_ones_own_verb_names_no_role_and_an_unknown_verb_is_bad_input() -> None:
    mine = Dispatcher({}).help("pods", VIEWER)
    assert "needs the" not in mine.text()
    assert mine.data["yours"] is True
    unknown = Dispatcher({}).help("nope", VIEWER)
    assert not unknown.ok
    assert unknown.kind == "input"
    assert unknown.title == "no command `nope` here. Try `help`."


def test_help_lists_ones_verbs_and_names_the_others_by_role() -> None:
    text = Dispatcher({}).help(None, VIEWER).text()
    assert "`pods` —" in text
    assert "`start` —" not in text
    assert "members run `start`, `stop`" in text
    assert "admins run `role`, `team`, `audit`" in text
    admin = Dispatcher({}).help(None, Caller("U0A", Role.ADMIN)).text()
    assert "for other roles" not in admin


def test_a_refusal_says_the_role_and_how_to_get_it_outside_and_inside_slack() -> None:
    def ran(command: c.Command, caller: Caller) -> Reply:
        return Reply(title="ran")

    dispatcher = Dispatcher({c.Start: ran, c.Budget: ran})
    here = dispatcher.handle("start 4090", VIEWER)
    assert here.kind == "refused"
    assert here.title.startswith("`start` needs the member role; you are a viewer. Ask an admin. Or act as a "
                                 "user id listed in PODWARDEN_MEMBERS or PODWARDEN_ADMINS")
    budget = dispatcher.handle("budget set global 5/hour", Caller("U0M", Role.MEMBER))
    assert "`budget set` needs the admin role" in budget.title
    assert "PODWARDEN_ADMINS=U0ME" in budget.title
    slack = dispatcher.handle("start 4090", IN_SLACK)
    assert slack.title == "`start` needs the member role; you are a viewer. Ask an admin."
