"""The listeners, in-process: signed requests through `app.dispatch`, the fake Slack
answering the Web API and the response_urls, the simulator as RunPod."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from slack_bolt import App

from bot.app import face_of
from bot.listeners.face import BUSY, WORKING
from bot.listeners.home import idle_for
from bot.modals import read_choice
from bot.worker import Worker
from podwarden.bootstrap import Services
from podwarden.domain.ledger_values import BudgetPeriod, BudgetScope
from tests.bot.e2e import harness as h
from tests.bot.e2e import slack_requests as sr
from tests.fakes.slack_api import FakeSlack

pytestmark = pytest.mark.usefixtures("podwarden_env")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def services(slack: FakeSlack) -> Iterator[Services]:
    with h.services(slack.url) as built:
        yield built


@pytest.fixture
def app(services: Services, slack: FakeSlack) -> Iterator[App]:
    bolt = h.app(services, slack.url)
    yield bolt
    face_of(bolt).worker.shutdown()


def _ack(response: Any) -> dict[str, Any]:
    assert response.status == 200, response.body
    body: dict[str, Any] = json.loads(response.body) if response.body else {}
    return body


def _answer(slack: FakeSlack, name: str) -> dict[str, Any]:
    assert slack.wait_for(lambda s: s.responses_to(name)), f"no answer on response_url {name}"
    return slack.responses_to(name)[-1]


def test_help_is_the_ack_itself(app: App, slack: FakeSlack) -> None:
    ack = _ack(h.dispatch(app, sr.command("help", user=h.MEMBER, response_url=slack.response_url("help"))))
    assert ack["response_type"] == "ephemeral"
    assert "What you can do with /gpu (as member)" in ack["text"]
    assert any("`quote`" in json.dumps(block) for block in ack["blocks"])
    assert slack.responses == []  # nothing more to say


def test_a_typo_is_answered_in_the_ack_with_its_usage(app: App, slack: FakeSlack) -> None:
    ack = _ack(h.dispatch(app, sr.command("quote a100 --hours -3", user=h.MEMBER,
                                          response_url=slack.response_url("typo"))))
    assert "--hours: hours cannot be negative" in ack["text"]
    assert "Usage: quote" in json.dumps(ack["blocks"])


def test_a_runpod_verb_acks_working_then_replaces_it_through_the_response_url(app: App, slack: FakeSlack) -> None:
    ack = _ack(h.dispatch(app, sr.command("gpus --min-vram 80", user=h.VIEWER,
                                          response_url=slack.response_url("gpus"))))
    assert ack["text"] == WORKING
    answer = _answer(slack, "gpus")
    assert answer["replace_original"] is True
    assert answer["response_type"] == "ephemeral"
    assert "H100" in json.dumps(answer["blocks"])


def _hold(event: threading.Event) -> None:
    event.wait()


def test_a_full_worker_pool_answers_busy_in_the_ack(services: Services, slack: FakeSlack) -> None:
    release = threading.Event()
    worker = Worker(workers=1, queue=0)
    bolt = h.app(services, slack.url, worker=worker)
    try:
        assert worker.submit(lambda: _hold(release))
        ack = _ack(h.dispatch(bolt, sr.command("gpus", user=h.MEMBER, response_url=slack.response_url("busy"))))
        assert ack["text"] == BUSY
    finally:
        release.set()
        worker.shutdown()
    assert slack.responses_to("busy") == []


def test_a_button_nobody_handles_replaces_the_message_with_a_plain_line(app: App, slack: FakeSlack) -> None:
    response = h.dispatch(app, sr.button("no_such_button", "x", user=h.MEMBER,
                                         response_url=slack.response_url("click")))
    assert response.status == 200
    answer = _answer(slack, "click")
    assert answer["replace_original"] is True
    assert "That button no longer does anything here" in answer["text"]


def test_a_button_without_a_response_url_updates_the_message_in_place(app: App, slack: FakeSlack) -> None:
    posted = slack.answer("chat.postMessage", sr.BOT_TOKEN, {"channel": "C0GPU", "text": "old"})
    h.dispatch(app, sr.button("no_such_button", "x", user=h.MEMBER, response_url=None, message_ts=posted["ts"]))
    assert slack.wait_for(lambda s: s.calls_to("chat.update"))
    update = slack.calls_to("chat.update")[0]
    assert update.params["ts"] == posted["ts"]
    assert update.token == sr.BOT_TOKEN
    assert "That button no longer does anything here" in update.params["text"]


def test_a_bad_signature_is_401_and_reaches_no_listener(app: App, slack: FakeSlack) -> None:
    body = sr.command("gpus", user=h.ADMIN, response_url=slack.response_url("forged"))
    assert h.dispatch(app, body, secret="not-the-secret").status == 401
    assert h.dispatch(app, body, timestamp=1_000_000_000).status == 401  # replayed from 2001
    face_of(app).worker.wait_idle(5)
    assert slack.responses == []


def test_bare_start_opens_the_form_at_once_then_fills_it(app: App, slack: FakeSlack) -> None:
    ack = h.dispatch(app, sr.command("start", user=h.MEMBER, response_url=slack.response_url("form")))
    assert ack.status == 200
    assert slack.wait_for(lambda s: s.calls_to("views.update"))
    opened = slack.calls_to("views.open")
    assert len(opened) == 1
    assert opened[0].params["trigger_id"] == "13345.trig"
    methods = [c.method for c in slack.calls]
    assert methods.index("views.open") < methods.index("views.update")  # open first (trigger_id), fill after
    view = next(iter(slack.views.values()))
    gpu_block = next(b for b in view["blocks"] if b.get("block_id") == "gpu")
    assert any(o["value"] == "NVIDIA RTX A4000" for o in gpu_block["element"]["options"])
    assert {"channel": "C0GPU", "response_url": slack.response_url("form")} == json.loads(view["private_metadata"])


def _form(app: App, slack: FakeSlack) -> dict[str, Any]:
    h.dispatch(app, sr.command("start", user=h.MEMBER, response_url=slack.response_url("form")))
    assert slack.wait_for(lambda s: s.calls_to("views.update"))
    return next(iter(slack.views.values()))


def test_picking_a_gpu_updates_the_price_line(app: App, slack: FakeSlack) -> None:
    view = {**_form(app, slack), "state": sr.state(gpu="NVIDIA RTX A4000", count=2, cloud="secure")}
    before = len(slack.calls_to("views.update"))
    assert h.dispatch(app, sr.view_action("start_form:gpu", view, user=h.MEMBER, selected="NVIDIA RTX A4000")).status \
        == 200
    assert slack.wait_for(lambda s: len(s.calls_to("views.update")) > before)
    update = slack.calls_to("views.update")[-1]
    assert update.params["hash"] == view["hash"]  # a stale form is not overwritten
    price = next(b for b in update.params["view"]["blocks"] if b.get("block_id") == "price")
    assert "for 2 × RTX A4000, secure cloud on-demand" in price["text"]["text"]
    assert "/h*" in price["text"]["text"]


def test_submitting_the_form_without_a_gpu_is_refused_in_the_form(app: App, slack: FakeSlack) -> None:
    view = {**_form(app, slack), "state": sr.state(count=1)}
    ack = _ack(h.dispatch(app, sr.view_submission(view, user=h.MEMBER)))
    assert ack == {"response_action": "errors", "errors": {"gpu": "Pick a GPU."}}


def test_submitting_the_form_runs_the_start_command_and_answers_in_the_channel(app: App, slack: FakeSlack) -> None:
    view = {**_form(app, slack), "state": sr.state(gpu="NVIDIA RTX A4000", count=1, cloud="community", disk=20)}
    assert h.dispatch(app, sr.view_submission(view, user=h.MEMBER)).status == 200
    answer = _answer(slack, "form")
    assert answer["response_type"] == "ephemeral"
    assert answer["replace_original"] is False
    assert "start" in answer["text"].lower()


def test_the_home_tab_lists_my_pods_and_my_month(app: App, services: Services, slack: FakeSlack) -> None:
    pods = services.runpod.list_pods()
    services.ledger.observe_pods(pods, now=services.clock.now())
    services.ledger.set_pod_owner(pods[0].id, h.MEMBER, now=services.clock.now())
    event = {"type": "app_home_opened", "user": h.MEMBER, "channel": "D0HOME", "tab": "home"}
    assert h.dispatch(app, sr.event(event), content_type="application/json").status == 200
    assert slack.wait_for(lambda s: h.MEMBER in s.published)
    home = json.dumps(slack.published[h.MEMBER])
    assert pods[0].id in home
    assert "This month: $0.00 spent; you have no monthly budget." in home
    assert pods[1].id not in home  # someone else's


def test_the_home_tab_shows_my_budget(app: App, services: Services, slack: FakeSlack) -> None:
    services.ledger.set_budget(BudgetScope.USER, h.MEMBER, amount=Decimal(50), period=BudgetPeriod.MONTH,
                               now=services.clock.now())
    event = {"type": "app_home_opened", "user": h.MEMBER, "channel": "D0HOME", "tab": "home"}
    h.dispatch(app, sr.event(event), content_type="application/json")
    assert slack.wait_for(lambda s: h.MEMBER in s.published)
    home = json.dumps(slack.published[h.MEMBER])
    assert "This month: $0.00 of your $50.00 budget (0%)." in home
    assert "You have no pods." in home


def test_idle_for_reads_the_daemons_idle_clock(services: Services) -> None:
    pods = services.runpod.list_pods()
    services.ledger.observe_pods(pods, now=services.clock.now())
    records = {r.status.value: r for r in services.ledger.pods()}
    running = records["RUNNING"]
    now = services.clock.now()
    assert idle_for(running, None, now) == "–"
    assert idle_for(running, now - timedelta(minutes=45), now) == "45 min"
    assert idle_for(running, now - timedelta(hours=2, minutes=5), now) == "2 h 05 min"
    assert idle_for(running, now - timedelta(days=3), now) == "3 days"
    assert idle_for(records["EXITED"], now - timedelta(hours=1), now) == "–"  # a stopped pod costs no compute


def test_the_forms_answers_make_the_start_command_a_person_would_type() -> None:
    choice = read_choice(sr.state(gpu="NVIDIA RTX A4000", count=2, cloud="community", spot=True, disk=40,
                                  volume=100, network_volume="nv-123", image="me/train:1"))
    assert choice.command() == ("start 'NVIDIA RTX A4000' x2 --cloud community --spot --disk 40 --volume 100 "
                                "--network-volume nv-123 --image me/train:1")
    assert read_choice(sr.state(gpu="NVIDIA RTX A4000")).command() == "start 'NVIDIA RTX A4000'"


def test_the_form_offers_the_accounts_network_volumes(app: App, services: Services, slack: FakeSlack) -> None:
    view = _form(app, slack)
    block = next(b for b in view["blocks"] if b.get("block_id") == "network_volume")
    volumes = services.runpod.network_volumes()
    assert volumes
    assert [o["value"] for o in block["element"]["options"]] == [v.id for v in volumes]
    assert block["optional"] is True
