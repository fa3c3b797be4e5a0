"""`spend` and `digest` through the dispatcher every face uses."""

from __future__ import annotations

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
def services(podwarden_env: Path, tmp_path: Path, slack: DigestSlack) -> Iterator[Services]:
    clock = ManualClock(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))  # Sunday noon of the seeded week
    slack.now = clock.now
    config = bootstrap.settings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}", digest_channel="C0DIGEST",
                                runpod_max_retries=0)
    with bootstrap.build(config, sim=bootstrap.simulator(scenario=None, clock=clock), clock=clock,
                         digest_publisher=SlackDigestPublisher(slack.client())) as built:
        seed_two_weeks(built.ledger)  # type: ignore[arg-type]
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
    assert dispatcher.handle("spend week @bob", ALICE).data["total"] == bob.data["total"]
    team = dispatcher.handle("spend week team", ALICE)  # alice is in ml
    assert team.data["team"] == "ml"
    assert team.data["total"] == Decimal("148.92")  # 149.52 less alice's last 12 stopped hours ($0.60)


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
