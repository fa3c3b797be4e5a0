"""The report handlers check the command they are given with real type dispatch: an `assert`
would vanish under `python -O` and let the wrong command run as if it were the right one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import commands as c
from bot.dispatch import Caller
from bot.reports import report_handlers
from podwarden import bootstrap
from podwarden.bootstrap import Services
from podwarden.domain.access import Role

ALICE = Caller("U0ALICE", Role.MEMBER, "C0TEAM")


@pytest.fixture
def services(podwarden_env: Path, tmp_path: Path) -> Iterator[Services]:
    config = bootstrap.settings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}")
    with bootstrap.build(config, sim=True) as built:
        yield built


def test_a_report_handler_given_another_command_raises_a_type_error(services: Services) -> None:
    handlers = report_handlers(services)
    with pytest.raises(TypeError, match="Spend handler got Digest"):
        handlers[c.Spend](c.Digest(now=True), ALICE)
    with pytest.raises(TypeError, match="Digest handler got Spend"):
        handlers[c.Digest](c.Spend(), ALICE)


def test_spend_still_answers_through_its_handler(services: Services) -> None:
    reply = report_handlers(services)[c.Spend](c.Spend(period="today"), ALICE)
    assert reply.ok, reply.text()
    assert reply.title.startswith("Spend today")
