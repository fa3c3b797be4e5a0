"""KeepService: bounded, audited exemptions from idle shutdown; forever for admins only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from podwarden.domain.access import Refused, Role
from podwarden.errors import InputError
from podwarden.services.keeps import keep_until
from tests.services.verbs_world import ADMIN, ALICE, BOB, actor, world

pytestmark = pytest.mark.usefixtures("podwarden_env")
NOW = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)


def test_keep_until_reads_durations_and_times_of_day_in_the_team_zone() -> None:
    assert keep_until("2h", now=NOW, zone=ZoneInfo("UTC")) == NOW + timedelta(hours=2)
    assert keep_until("until 18:00", now=NOW, zone=ZoneInfo("UTC")) == NOW.replace(hour=18, minute=0)
    assert keep_until("until 9", now=NOW, zone=ZoneInfo("UTC")) == datetime(2026, 12, 2, 9, tzinfo=UTC)
    berlin = keep_until("until 18:00", now=NOW, zone=ZoneInfo("Europe/Berlin"))  # 17:30 there now
    assert berlin == NOW.replace(hour=17, minute=0)
    with pytest.raises(InputError, match="not a time of day"):
        keep_until("until 25:00", now=NOW, zone=ZoneInfo("UTC"))


def test_keep_list_cancel_and_the_bounds(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        k = w.verbs.keeps
        w.verbs.people.set_role(BOB, "member", prefix="bob-")
        bob = actor(BOB, Role.MEMBER)
        before = w.now()
        kept = k.keep(bob, "bob-notebook", "2h")
        assert before + timedelta(hours=2) <= kept.until <= w.now() + timedelta(hours=2)
        assert [x.pod_name for x in k.list()] == ["bob-notebook"]
        with pytest.raises(InputError, match="at most 7 days"):
            k.keep(bob, "bob-notebook", "8d")
        with pytest.raises(Refused, match="only their own pods"):
            k.keep(actor(ALICE, Role.MEMBER), "bob-notebook", "1h")
        with pytest.raises(Refused, match="for admins"):
            k.keep(bob, "bob-notebook", "forever", forever=True)
        assert k.cancel(bob, "bob-notebook") == 1
        assert k.list() == []
        with pytest.raises(InputError, match="is not kept"):
            k.cancel(bob, "bob-notebook")
        forever = k.keep(actor(ADMIN, Role.ADMIN), "bob-notebook", "forever", forever=True)
        assert forever.forever
        assert k.list()[0].forever
        actions = [(e.actor, e.action, e.outcome.value) for e in reversed(w.services.ledger.audit_log())]
        assert actions == [(BOB, "keep", "ok"), (ALICE, "keep", "refused"), (BOB, "keep forever", "refused"),
                           (BOB, "keep cancel", "ok"), (ADMIN, "keep", "ok")]
