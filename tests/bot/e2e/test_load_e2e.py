"""Acks within 3 seconds, always: 50 commands at once, each waiting 5 s on RunPod, are all
acked in time (bolt's five listener threads only ack; our pool does the waiting) and all
answered through their response_urls."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from bot.listeners.face import BUSY, WORKING
from bot.worker import Worker
from tests.bot.e2e import harness as h
from tests.bot.e2e import slack_requests as sr
from tests.bot.e2e.conftest import Bot
from tests.fakes.slack_api import FakeSlack

RUNPOD_DELAY = 5.0
COMMANDS = 50


def slow_runpod(simulator: Any, seconds: float) -> httpx.MockTransport:
    """The simulator behind a line that takes `seconds` for every call."""
    def handle(request: httpx.Request) -> httpx.Response:
        threading.Event().wait(seconds)
        response: httpx.Response = simulator.handle(request, in_process=True)
        return response

    return httpx.MockTransport(handle)


def _fire(bot: Bot, slack: FakeSlack, count: int) -> list[tuple[float, httpx.Response]]:
    barrier = threading.Barrier(count)
    results: list[tuple[float, httpx.Response] | None] = [None] * count

    def one(i: int) -> None:
        with httpx.Client(base_url=bot.server.url, timeout=30) as client:
            barrier.wait()
            started = time.monotonic()
            body = sr.command("gpus --min-vram 80", user=h.MEMBER, response_url=slack.response_url(f"c{i}"))
            response = client.post("/slack/events", content=body.encode(), headers=sr.headers(body))
            results[i] = (time.monotonic() - started, response)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def test_fifty_slow_commands_are_all_acked_within_3s_and_all_answered(
    start_bot: Callable[..., Bot], slack: FakeSlack, simulator: Any,
) -> None:
    bot = start_bot(transport=slow_runpod(simulator, RUNPOD_DELAY), worker=Worker(workers=25, queue=25))
    results = _fire(bot, slack, COMMANDS)
    slowest = max(elapsed for elapsed, _ in results)
    assert slowest < 3.0, f"an ack took {slowest:.2f}s"
    assert all(r.status_code == 200 and r.json()["text"] == WORKING for _, r in results)
    names = [f"c{i}" for i in range(COMMANDS)]
    assert slack.wait_for(lambda s: all(s.responses_to(n) for n in names), timeout=60)
    answers = [slack.responses_to(n)[0] for n in names]
    assert all(a["replace_original"] is True and "H100" in str(a["blocks"]) for a in answers)
    # RunPod really was slow: every answer came after the delay
    assert len(simulator.requests) >= COMMANDS


def test_a_full_pool_says_busy_at_once_instead_of_missing_the_ack(
    start_bot: Callable[..., Bot], slack: FakeSlack, simulator: Any,
) -> None:
    bot = start_bot(transport=slow_runpod(simulator, RUNPOD_DELAY), worker=Worker(workers=2, queue=2))
    results = _fire(bot, slack, 10)
    assert max(elapsed for elapsed, _ in results) < 3.0
    texts = [r.json()["text"] for _, r in results]
    assert texts.count(WORKING) == 4
    assert texts.count(BUSY) == 6
