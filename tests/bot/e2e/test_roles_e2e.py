"""The role table end to end, per verb and sub-command, as signed Slack requests: members
cannot run admin verbs (`budget set`, `role`, `digest now`), admins can; an Approve click
by a non-admin is refused; the start form submits into the same Confirm flow."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from bot.verbs import Verbs
from tests.bot.e2e import harness as h
from tests.bot.e2e import slack_requests as sr
from tests.bot.e2e.conftest import Bot
from tests.bot.e2e.test_http_e2e import _answer, _button, _offer_start, _pods
from tests.fakes.slack_api import FakeSlack


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        (f"budget set <@{h.MEMBER}|member> 50/month", "budget set"),
        (f"role <@{h.OTHER}|other> admin", "role"),
        (f"team <@{h.OTHER}|other> ml", "team"),
        ("digest now", "digest now"),
        ("keep x forever", "keep forever"),
    ],
)
def test_a_member_cannot_run_an_admin_verb(bot: Bot, slack: FakeSlack, text: str, verb: str) -> None:
    bot.command(text, user=h.MEMBER, response_url=slack.response_url("member"))
    answer = _answer(slack, "member")["text"]
    assert answer.startswith(f"`{verb}` needs the admin role; you are a member"), answer


def test_an_admin_sets_a_budget_and_a_role(bot: Bot, slack: FakeSlack) -> None:
    bot.command(f"budget set <@{h.MEMBER}|member> 50/month", user=h.ADMIN, response_url=slack.response_url("b"))
    assert _answer(slack, "b")["text"] == f"Budget for <@{h.MEMBER}>: $50.00/month, warn when reached"
    bot.command(f"role <@{h.MEMBER}|member> viewer", user=h.ADMIN, response_url=slack.response_url("r"))
    assert _answer(slack, "r")["text"] == f"<@{h.MEMBER}> is now viewer (was member)"
    bot.command("start a4000", user=h.MEMBER, response_url=slack.response_url("after"))  # the ledger's role wins
    assert _answer(slack, "after")["text"].startswith("`start` needs the member role; you are a viewer")


def _approval_message(slack: FakeSlack) -> dict[str, Any]:
    def found(s: FakeSlack) -> bool:
        return any("approval_approve" in json.dumps(m.get("blocks")) for ms in s.messages.values() for m in ms)

    assert slack.wait_for(found, timeout=20), "no approval request was posted"
    return next(m for ms in slack.messages.values() for m in ms if "approval_approve" in json.dumps(m.get("blocks")))


def _value(message: dict[str, Any], action_id: str) -> str:
    return str(_button({"blocks": message["blocks"]}, action_id)["value"])


def test_approve_by_a_non_admin_is_refused_and_by_an_admin_starts_the_pod(
    start_bot: Callable[..., Bot], slack: FakeSlack,
) -> None:
    bot = start_bot(approval_threshold=Decimal("0.01"))
    nonce = _offer_start(bot, slack)
    bot.click("start_confirm", nonce, user=h.MEMBER, response_url=slack.response_url("confirm"))
    assert "approv" in _answer(slack, "confirm")["text"].lower()
    approve = _value(_approval_message(slack), "approval_approve")
    for who in (h.MEMBER, h.OTHER):
        bot.click("approval_approve", approve, user=who, response_url=slack.response_url(f"approve-{who}"))
        assert _answer(slack, f"approve-{who}")["text"] == ("That button needs the admin role; you are a member. "
                                                            "Ask an admin.")
    assert _pods(bot) == []
    bot.click("approval_approve", approve, user=h.ADMIN, response_url=slack.response_url("approve-admin"))
    assert "Started" in _answer(slack, "approve-admin")["text"]
    assert len(_pods(bot)) == 1


def test_the_start_form_submits_into_the_confirm_flow(bot: Bot, slack: FakeSlack) -> None:
    bot.command("start", user=h.MEMBER, response_url=slack.response_url("form"))
    assert slack.wait_for(lambda s: s.calls_to("views.update"), timeout=20)
    view = {**next(iter(slack.views.values())), "state": sr.state(gpu="NVIDIA RTX A4000", count=1, cloud="secure")}
    assert bot.post(sr.view_submission(view, user=h.MEMBER)).status_code == 200
    offer = _answer(slack, "form")
    assert offer["text"].startswith("Start u0member-rtx-a4000: 1 × RTX A4000, secure cloud")
    nonce = _button(offer, "start_confirm")["value"]
    bot.click("start_confirm", nonce, user=h.MEMBER, response_url=slack.response_url("form-click"))
    assert _answer(slack, "form-click")["text"].startswith("Started u0member-rtx-a4000")
    assert len(_pods(bot)) == 1


def test_a_slack_user_group_lifts_its_members_role(bot: Bot, slack: FakeSlack) -> None:
    slack.usergroups["S0GPUADMINS"] = [h.OTHER]
    Verbs(bot.services).people.set_role("S0GPUADMINS", "admin", group=True)
    bot.command(f"budget set <@{h.MEMBER}|member> 20/day", user=h.OTHER, response_url=slack.response_url("group"))
    assert _answer(slack, "group")["text"] == f"Budget for <@{h.MEMBER}>: $20.00/day, warn when reached"
    assert [c.params["usergroup"] for c in slack.calls_to("usergroups.users.list")] == ["S0GPUADMINS"]
    bot.command(f"budget set <@{h.MEMBER}|member> 30/day", user=h.MEMBER, response_url=slack.response_url("not"))
    assert _answer(slack, "not")["text"].startswith("`budget set` needs the admin role; you are a member")
    assert len(slack.calls_to("usergroups.users.list")) == 1  # the group's members are cached
