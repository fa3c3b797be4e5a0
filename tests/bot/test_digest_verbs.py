"""`spend` and `digest` through the dispatcher every face uses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.dispatch import Caller
from bot.handlers import build_dispatcher
from podwarden import bootstrap
from podwarden.adapters.slack.digest_publisher import SlackDigestPublisher
from podwarden.bootstrap import Services
from podwarden.clock import ManualClock
from podwarden.domain.access import Role
from podwarden.domain.ledger_values import BudgetPeriod, BudgetScope
from podwarden.domain.money import format_usd
from tests.fakes.digest_slack import DigestSlack
from tests.services.digest_seed import seed_two_weeks

ALICE = Caller("U0ALICE", Role.MEMBER, "C0TEAM")
BOB_AT_CONSOLE = Caller("U0BOB", Role.MEMBER)
ADMIN = Caller("U0ADMIN", Role.ADMIN, "C0TEAM")


@pytest.fixture
def slack() -> Iterator[DigestSlack]:
    with DigestSlack() as fake:
        yield fake


@pytest.fixture
def services(podwarden_env: Path, tmp_path: Path, slack: DigestSlack, monkeypatch: pytest.MonkeyPatch,
             ) -> Iterator[Services]:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the per-user data dir, the test's own
    clock = ManualClock(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))  # Sunday noon of the seeded week
    slack.now = clock.now
    config = bootstrap.settings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}", digest_channel="C0DIGEST",
                                runpod_max_retries=0)
    with bootstrap.build(config, sim=bootstrap.simulator(scenario=None, clock=clock), clock=clock,
                         digest_publisher=SlackDigestPublisher(slack.client())) as built:
        seed_two_weeks(built.ledger)  # type: ignore[arg-type]
        built.files = tmp_path / "sim-files"  # a --sim run's folder, the test's own
        yield built


def test_spend_this_week_for_everyone_a_user_and_the_callers_team(services: Services) -> None:
    dispatcher = build_dispatcher(services)

    week = dispatcher.handle("spend week", ALICE)
    assert week.ok, week.text()
    assert week.title == "Spend this week (since Monday 2026-11-16): $172.72"
    assert "alice" in week.text()
    assert "$120.12" in week.text()  # alice's $120.72 less her volume's last 12 stopped hours
    bob = dispatcher.handle("spend week <@U0BOB>", ALICE)
    assert bob.title == "Spend this week (since Monday 2026-11-16) for <@U0BOB>: $34.60"
    assert dispatcher.handle("spend week @bob", ALICE).data["spend_per_period"] == bob.data["spend_per_period"]
    team = dispatcher.handle("spend week team", ALICE)  # alice is in ml
    assert team.data["team"] == "ml"
    assert team.data["spend_per_period"] == "148.92"  # 149.52 less alice's last 12 stopped hours ($0.60)


def test_spend_shows_the_budget_burn_a_forecast_and_the_runway_with_its_rate(services: Services) -> None:
    services.ledger.set_budget(BudgetScope.GLOBAL, None, amount=Decimal(2), period=BudgetPeriod.DAY,
                               now=services.clock.now())
    services.simulator.world.balance = Decimal("250.00")  # type: ignore[union-attr]

    reply = build_dispatcher(services).handle("spend today", ALICE)  # Sunday noon: alice's volume, 12 h x $0.05

    assert reply.title == "Spend today (2026-11-22): $0.60"
    lines = reply.text().splitlines()
    assert "Budget everyone: $0.60 of $2.00/day, 30 % burnt" in lines
    # nothing runs now (the simulated fleet is empty): the day ends at what was spent
    assert "Forecast to the end of the day: $0.60 (spent so far + the pods as they run now, $0.00/h with storage, " \
        "for the 12 h left)." in lines
    rate = services.runpod.account().spend_per_hr
    runway = next(line for line in lines if line.startswith("Runway:"))
    assert runway.startswith(
        f"Runway: balance $250.00 at RunPod's current spend rate, {format_usd(rate)}/h, incl. storage and Serverless")


def test_spend_week_says_budgets_are_per_hour_day_or_month(services: Services) -> None:
    reply = build_dispatcher(services).handle("spend week", ALICE)

    assert "No weekly budgets (budgets are per hour, day or month)." in reply.text()
    assert "Forecast to the end of the week: $186.01 (this week's run-rate so far, over 156 h)." in reply.text()


def test_spend_json_has_cents_and_periods_in_every_amounts_key(services: Services) -> None:
    services.ledger.set_budget(BudgetScope.GLOBAL, None, amount=Decimal(2), period=BudgetPeriod.DAY,
                               now=services.clock.now())

    data = json.loads(build_dispatcher(services).handle("spend today", ALICE).json())

    assert {k: data[k] for k in ("spend_per_period", "pods_per_period", "serverless_per_period",
                                 "idle_waste_per_period", "forecast_per_period")} == {
        "spend_per_period": "0.60", "pods_per_period": "0.60", "serverless_per_period": "0.00",
        "idle_waste_per_period": "0.00", "forecast_per_period": "0.60"}
    assert data["per_user"] == [{"user": "alice", "spend_per_period": "0.60"}]
    assert data["budgets"] == [{"scope": "everyone", "period": "day", "budget_per_period": "2.00",
                                "spent_per_period": "0.60", "burn_percent": "30.00"}]
    assert data["spend_rate_source"] == "RunPod's current spend rate for the account, incl. storage and Serverless"
    assert re.fullmatch(r"\d+\.\d{3}", data["spend_rate_per_hour"])
    week = json.loads(build_dispatcher(services).handle("spend week", ALICE).json())
    assert week["spend_per_period"] == "172.72"
    assert sum(Decimal(u["spend_per_period"]) for u in week["per_user"]) == Decimal("172.72")
    assert all(re.fullmatch(r"\d+\.\d\d", u["spend_per_period"]) for u in week["per_user"])


def test_spend_for_someone_unknown_says_so(services: Services) -> None:
    reply = build_dispatcher(services).handle("spend month @nobody", ALICE)
    assert not reply.ok
    assert "no member is called @nobody" in reply.title


def test_digest_previews_with_native_blocks_only(services: Services, slack: DigestSlack) -> None:
    services.clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # type: ignore[attr-defined]

    reply = build_dispatcher(services).handle("digest", ALICE)

    assert reply.ok
    assert reply.title == "GPU spend, week of Mon 16 Nov 2026"
    kinds = [b["type"] for b in reply.blocks()]
    assert "table" in kinds
    assert "data_visualization" in kinds
    assert "$173.32" in reply.text()
    assert slack.posts() == []  # a preview posts nothing


def test_digest_at_the_console_saves_the_chart_and_the_csv(services: Services) -> None:
    services.clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # type: ignore[attr-defined]

    reply = build_dispatcher(services).handle("digest", BOB_AT_CONSOLE)

    png = next(line.split(": ", 1)[1] for line in reply.text().splitlines() if line.startswith("Chart (PNG)"))
    csv = next(line.split(": ", 1)[1] for line in reply.text().splitlines() if line.startswith("The week's rows"))
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert Path(csv).read_text(encoding="utf-8").startswith("kind,id,name,owner")


def test_digest_files_go_to_the_data_dir_named_with_the_time_and_are_not_overwritten(
    services: Services, tmp_path: Path,
) -> None:
    services.files = None  # a console on a real ledger (under --sim they go to `bootstrap.sim_files()`)
    services.clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    dispatcher = build_dispatcher(services)

    first = dispatcher.handle("digest", BOB_AT_CONSOLE).text().splitlines()
    second = dispatcher.handle("digest", BOB_AT_CONSOLE).text().splitlines()

    folder = tmp_path / "data" / "podwarden" / "digests"
    assert f"Chart (PNG): {folder / 'podwarden-spend-2026-11-16-20261123T100000Z.png'}" in first
    assert f"The week's rows (CSV): {folder / 'podwarden-spend-2026-11-16-20261123T100000Z.csv'}" in first
    assert f"Chart (PNG): {folder / 'podwarden-spend-2026-11-16-20261123T100000Z-2.png'}" in second
    assert sorted(p.name for p in folder.iterdir()) == [
        "podwarden-spend-2026-11-16-20261123T100000Z-2.csv", "podwarden-spend-2026-11-16-20261123T100000Z-2.png",
        "podwarden-spend-2026-11-16-20261123T100000Z.csv", "podwarden-spend-2026-11-16-20261123T100000Z.png"]


def test_digest_now_is_for_admins_and_posts_once(services: Services, slack: DigestSlack) -> None:
    services.clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    dispatcher = build_dispatcher(services)

    refused = dispatcher.handle("digest now", ALICE)
    posted = dispatcher.handle("digest now", ADMIN)
    again = dispatcher.handle("digest now", ADMIN)

    assert not refused.ok
    assert posted.title == "Posted the digest of the week of 2026-11-16 to <#C0DIGEST>."
    assert again.title == "The digest of the week of 2026-11-16 was already posted to <#C0DIGEST>."
    assert len(slack.posts("C0DIGEST")) == 1


def test_spend_for_a_named_team_as_budget_names_it(services: Services) -> None:
    dispatcher = build_dispatcher(services)
    named = dispatcher.handle("spend week team:ml", ADMIN)  # the admin is in no team
    assert named.ok, named.text()
    assert named.title == "Spend this week (since Monday 2026-11-16) for team ml: $148.92"
    assert named.data["spend_per_period"] == dispatcher.handle("spend week team", ALICE).data["spend_per_period"]
    assert dispatcher.handle("spend week team:nobody", ALICE).data["spend_per_period"] == "0.00"
    mine = dispatcher.handle("spend week team", ADMIN)
    assert mine.kind == "input"
    assert mine.title.startswith("you are in no team")
