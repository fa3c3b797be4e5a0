"""The bot in HTTP mode as Slack sees it: real signed POSTs to a uvicorn server on
loopback, answers on response_urls of the fake Slack, the simulator as RunPod."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from bot.listeners.face import WORKING
from podwarden.sim import FaultKind
from tests.bot.e2e import harness as h
from tests.bot.e2e.conftest import Bot
from tests.fakes.slack_api import FakeSlack


def _answer(slack: FakeSlack, name: str, count: int = 1) -> dict[str, Any]:
    assert slack.wait_for(lambda s: len(s.responses_to(name)) >= count, timeout=30), f"no answer on {name}"
    return slack.responses_to(name)[count - 1]


def _button(answer: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in answer.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return dict(element)
    raise AssertionError(f"no {action_id} button in {answer.get('text')!r}")


def _offer_start(bot: Bot, slack: FakeSlack, *, user: str = h.MEMBER, name: str = "start") -> str:
    """`/gpu start a4000` → the Confirm button's value (the pending action's nonce)."""
    ack = bot.command("start a4000", user=user, response_url=slack.response_url(name))
    assert ack.status_code == 200
    assert ack.json()["text"] == WORKING
    answer = _answer(slack, name)
    assert answer["text"].startswith("Start ")
    return str(_button(answer, "start_confirm")["value"])


def _pods(bot: Bot) -> list[Any]:
    world = bot.services.simulator.world  # type: ignore[union-attr]
    return [p for p in world.pods.values() if p.name.startswith("u0member-")]


def _together(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Run the calls at the same moment (a barrier releases them together)."""
    barrier = threading.Barrier(len(calls))
    results: list[httpx.Response | None] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def test_healthz(bot: Bot) -> None:
    response = bot.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_a_bad_signature_or_a_stale_timestamp_is_401(bot: Bot, slack: FakeSlack) -> None:
    forged = bot.command("gpus", user=h.ADMIN, response_url=slack.response_url("forged"), secret="guessed")
    assert forged.status_code == 401
    stale = bot.command("gpus", user=h.ADMIN, response_url=slack.response_url("stale"),
                        timestamp=int(time.time()) - 5 * 60 - 30)
    assert stale.status_code == 401
    fresh = bot.command("help", user=h.ADMIN, response_url=slack.response_url("fresh"),
                        timestamp=int(time.time()) - 4 * 60)
    assert fresh.status_code == 200  # inside the 5-minute window
    bot.idle()
    assert slack.responses_to("forged") == []
    assert slack.responses_to("stale") == []


def test_start_then_two_confirm_clicks_at_once_create_one_pod(bot: Bot, slack: FakeSlack) -> None:
    nonce = _offer_start(bot, slack)
    clicks = _together(
        lambda: bot.click("start_confirm", nonce, user=h.MEMBER, response_url=slack.response_url("click-a")),
        lambda: bot.click("start_confirm", nonce, user=h.MEMBER, response_url=slack.response_url("click-b")),
    )
    assert [c.status_code for c in clicks] == [200, 200]
    answers = [_answer(slack, "click-a"), _answer(slack, "click-b")]
    assert all(a["replace_original"] is True for a in answers)
    assert sum(a["text"].startswith("Started ") for a in answers) == 1
    assert len(_pods(bot)) == 1
    assert _pods(bot)[0].name == "u0member-rtx-a4000"


def test_a_create_that_fails_after_runpod_made_the_pod_leaves_exactly_one(bot: Bot, slack: FakeSlack) -> None:
    simulator: Any = bot.services.simulator
    simulator.faults.add("graphql:podFindAndDeployOnDemand", FaultKind.SERVER_ERROR_AFTER, count=1)
    nonce = _offer_start(bot, slack)
    bot.click("start_confirm", nonce, user=h.MEMBER, response_url=slack.response_url("click"))
    assert _answer(slack, "click")["text"].startswith("Started u0member-rtx-a4000")  # found by its request token
    bot.click("start_confirm", nonce, user=h.MEMBER, response_url=slack.response_url("again"))
    assert _answer(slack, "again")["text"].startswith("Already done: start")
    assert len(_pods(bot)) == 1  # RunPod made it once; neither the failure nor a second click made another


def test_a_timeout_after_runpod_made_the_pod_leaves_exactly_one(bot: Bot, slack: FakeSlack) -> None:
    simulator: Any = bot.services.simulator
    simulator.faults.add("graphql:podFindAndDeployOnDemand", FaultKind.TIMEOUT, after=True, count=1)
    nonce = _offer_start(bot, slack)
    bot.click("start_confirm", nonce, user=h.MEMBER, response_url=slack.response_url("click"))
    assert _answer(slack, "click")["text"].startswith("Started u0member-rtx-a4000")
    bot.click("start_confirm", nonce, user=h.MEMBER, response_url=slack.response_url("again"))
    assert _answer(slack, "again")["text"].startswith("Already done: start")
    assert len(_pods(bot)) == 1


def test_someone_else_cannot_press_my_confirm(bot: Bot, slack: FakeSlack) -> None:
    nonce = _offer_start(bot, slack)
    bot.click("start_confirm", nonce, user=h.OTHER, response_url=slack.response_url("theirs"))
    assert _answer(slack, "theirs")["text"] == "Only <@U0MEMBER>, who asked, can confirm this."
    assert _pods(bot) == []


def test_two_replicas_on_one_ledger_behave_as_one(start_bot: Callable[..., Bot], slack: FakeSlack) -> None:
    a, b = start_bot(), start_bot()
    assert a.server.url != b.server.url
    nonce = _offer_start(a, slack)
    clicks = _together(
        lambda: a.click("start_confirm", nonce, user=h.MEMBER, response_url=slack.response_url("on-a")),
        lambda: b.click("start_confirm", nonce, user=h.MEMBER, response_url=slack.response_url("on-b")),
    )
    assert [c.status_code for c in clicks] == [200, 200]
    answers = [_answer(slack, "on-a"), _answer(slack, "on-b")]
    assert sum(x["text"].startswith("Started ") for x in answers) == 1
    assert len(_pods(a)) == 1
    # and what one replica started, the other lists
    b.command("pods mine", user=h.MEMBER, response_url=slack.response_url("pods-b"))
    assert "u0member-rtx-a4000" in str(_answer(slack, "pods-b")["blocks"])


def test_a_viewer_cannot_stop_a_pod(bot: Bot, slack: FakeSlack) -> None:
    nonce = _offer_start(bot, slack)
    bot.click("start_confirm", nonce, user=h.MEMBER, response_url=slack.response_url("click"))
    _answer(slack, "click")
    pod = _pods(bot)[0]
    bot.command(f"stop {pod.id}", user=h.VIEWER, response_url=slack.response_url("viewer"))
    assert "`stop` needs the member role; you are a viewer" in _answer(slack, "viewer")["text"]
    bot.command(f"stop {pod.id}", user=h.OTHER, response_url=slack.response_url("other"))
    assert "members may stop only their own pods" in _answer(slack, "other")["text"]
    assert pod.id in {p.id for p in _pods(bot)}
    assert bot.services.simulator.world.pods[pod.id].desired_status == "RUNNING"  # type: ignore[union-attr]
    bot.command(f"stop {pod.id}", user=h.ADMIN, response_url=slack.response_url("admin"))
    assert _answer(slack, "admin")["text"].startswith("Stopped u0member-rtx-a4000")


def test_a_rate_limited_slack_call_is_retried_after_retry_after(bot: Bot, slack: FakeSlack) -> None:
    slack.rate_limit_once.add("views.open")
    bot.command("start", user=h.MEMBER, response_url=slack.response_url("form"))
    assert slack.wait_for(lambda s: s.calls_to("views.update"), timeout=15)
    assert [c.method for c in slack.calls if c.method.startswith("views.")][:2] == ["views.open", "views.open"]
