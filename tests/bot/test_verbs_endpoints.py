"""`endpoints`, `deploy` and `scale` through the one dispatcher, against the simulator."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from bot.dispatch import Caller, Dispatcher
from bot.handlers import build_dispatcher, caller_of
from podwarden import bootstrap
from podwarden.adapters.slack.reply import Reply
from podwarden.bootstrap import Services
from podwarden.domain.ledger_values import AuditOutcome

ADMIN, ALICE = "U0ADMIN", "U0ALICE"


@pytest.fixture
def bot(tmp_path: Path, podwarden_env: Path) -> Iterator[tuple[Services, Dispatcher]]:
    settings = bootstrap.settings(database_url=f"sqlite:///{tmp_path / 'l.db'}", admins=ADMIN, members=ALICE)
    with bootstrap.build(settings, sim=True) as services:
        yield services, build_dispatcher(services)


def _who(services: Services, user: str) -> Caller:
    return caller_of(services)(user, None)


def _press(dispatcher: Dispatcher, reply: Reply, caller: Caller) -> Reply:
    button = reply.buttons[0]
    return dispatcher.act(button.action_id, button.value, caller)


def test_endpoints_show_workers_queue_and_rate(bot: tuple[Services, Dispatcher]) -> None:
    services, dispatcher = bot
    reply = dispatcher.handle("endpoints", _who(services, ALICE))
    [embeddings] = reply.data["endpoints"]
    assert (embeddings["name"], embeddings["workers_min"], embeddings["queue"]) == ("embeddings", 1, 0)
    assert Decimal(embeddings["per_hour_now"]) > 0  # one active worker is billed around the clock
    assert re.fullmatch(r"\d+\.\d{3}", embeddings["per_hour_now"])  # an hourly price: to the tenth of a cent


def test_deploy_confirms_then_creates_one_endpoint_with_min_zero(bot: tuple[Services, Dispatcher]) -> None:
    services, dispatcher = bot
    alice = _who(services, ALICE)
    offer = dispatcher.handle("deploy emb --image me/emb:1 --gpu a4000", alice)
    assert "Min 0 workers" in offer.text()
    assert [e.name for e in services.runpod.list_endpoints()] == ["embeddings"]
    done = _press(dispatcher, offer, alice)
    assert done.title.startswith("Deployed emb")
    assert _press(dispatcher, offer, alice).title.startswith("Already done")
    [emb] = [e for e in services.runpod.list_endpoints() if e.name == "emb"]
    assert (emb.workers_min, emb.gpu_ids) == (0, ("AMPERE_16",))
    [entry] = services.ledger.audit_log(action="deploy")
    assert entry.outcome is AuditOutcome.OK


def test_scale_says_what_active_workers_cost_before_applying(bot: tuple[Services, Dispatcher]) -> None:
    services, dispatcher = bot
    alice = _who(services, ALICE)
    offer = dispatcher.handle("scale embeddings --min 2", alice)
    assert "2 active worker(s) cost $" in offer.text()
    assert "/month" in offer.text()
    assert [e.workers_min for e in services.runpod.list_endpoints()] == [1]  # nothing changed yet
    assert _press(dispatcher, offer, alice).title.startswith("Scaled embeddings")
    assert [e.workers_min for e in services.runpod.list_endpoints()] == [2]


def test_scale_refuses_min_above_max(bot: tuple[Services, Dispatcher]) -> None:
    services, dispatcher = bot
    reply = dispatcher.handle("scale embeddings --min 9", _who(services, ALICE))
    assert not reply.ok
    assert "cannot be above --max" in reply.title


def test_deploy_with_active_workers_prices_them_as_scale_does(bot: tuple[Services, Dispatcher]) -> None:
    services, dispatcher = bot
    alice = _who(services, ALICE)
    deploy = dispatcher.handle("deploy emb --image me/emb:1 --gpu a4000 --min 1", alice)
    assert "1 active worker(s) cost $285.12/month around the clock." in deploy.text()  # $0.396/h x 720 h
    assert deploy.data["active_per_month"] == "285.12"
    scale = dispatcher.handle("scale embeddings --min 1", alice)  # the demo's embeddings: the same pool
    assert scale.data["active_per_month"] == deploy.data["active_per_month"]
