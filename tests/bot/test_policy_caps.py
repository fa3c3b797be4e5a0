"""`policy` and `budget` show the same caps, from one source: the settings' global $/h cap
(PODWARDEN_GLOBAL_CAP_PER_HR) is not hidden by `policy` when the ledger has no budgets."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from bot.dispatch import Caller
from bot.handlers import build_dispatcher
from podwarden import bootstrap
from podwarden.bootstrap import Services
from podwarden.domain.access import Role

pytestmark = pytest.mark.usefixtures("podwarden_env")

ADMIN = Caller("U0ADMIN", Role.ADMIN)


@pytest.fixture
def services() -> Iterator[Services]:
    with bootstrap.build(bootstrap.settings(global_cap_per_hr=Decimal(2)), sim=True) as built:
        yield built


def _cap_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(("Global cap", "No budgets", "Note:"))]


def test_policy_shows_the_env_cap_as_budget_does(services: Services) -> None:
    dispatcher = build_dispatcher(services)
    policy, budget = dispatcher.handle("policy", ADMIN), dispatcher.handle("budget", ADMIN)
    assert policy.ok
    assert budget.ok
    assert any(line.startswith("Global cap: $2.00/h (hard)") for line in _cap_lines(policy.text()))
    assert _cap_lines(policy.text()) == _cap_lines(budget.text())
    assert policy.data["global_cap_per_hour"] == budget.data["global_cap_per_hour"]
    assert policy.data["budgets"] == budget.data["budgets"] == []


def test_policy_lists_the_ledgers_budgets_under_the_cap(services: Services) -> None:
    dispatcher = build_dispatcher(services)
    assert dispatcher.handle("team <@U0ALICE> ml", ADMIN).ok
    assert dispatcher.handle("budget set team:ml 50/day --hard", ADMIN).ok
    policy, budget = dispatcher.handle("policy", ADMIN), dispatcher.handle("budget", ADMIN)
    assert "team ml" in policy.text()
    assert "No budgets set" not in policy.text()
    assert policy.data["budgets"] == budget.data["budgets"]
    assert [b["subject"] for b in policy.data["budgets"]] == ["ml"]
