"""After Keep 1h, the updated idle warning says until when the pod is kept (a keep ends)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from podwarden.adapters.slack.render_notes import render
from podwarden.domain import note_codec
from podwarden.domain.notes import IdleWarning, RunwayWarning

WARNING = IdleWarning(to="U0BOB", key="idle:pod-1", pod_id="pod-1", pod_name="bob-notebook",
                      idle_since=datetime(2026, 6, 1, 9, 1, tzinfo=UTC),
                      stop_at=datetime(2026, 6, 1, 9, 46, tzinfo=UTC), cost_per_hr=Decimal("0.34"))


def test_a_kept_warning_says_until_when_in_the_team_time_zone() -> None:
    kept = replace(WARNING, state="kept", kept_until=datetime(2026, 6, 1, 10, 40, tzinfo=UTC),
                   time_zone="Europe/Berlin")
    title = render(kept).title
    assert title == ("Pod bob-notebook was kept until 12:40 (Europe/Berlin): it will not be stopped for being "
                     "idle before then.")
    assert "it will not be stopped." not in title
    assert not render(kept).buttons


def test_a_kept_warning_without_its_end_never_claims_it_is_kept_for_good() -> None:
    kept = replace(WARNING, state="kept")
    title = render(kept).title
    assert "until the keep ends" in title
    assert not title.endswith("it will not be stopped.")


def test_the_keeps_end_survives_the_notice_outbox() -> None:
    kept = replace(WARNING, state="kept", kept_until=datetime(2026, 6, 1, 10, 40, tzinfo=UTC),
                   time_zone="America/New_York")
    assert note_codec.decode(note_codec.encode(kept)) == kept
    assert "kept until 06:40 (America/New_York)" in render(note_codec.decode(note_codec.encode(kept))).title



def test_notices_carry_money_as_documented_decimal_strings() -> None:
    assert render(WARNING).data["per_hour"] == "0.340"
    runway = render(RunwayWarning(to="C0TEAM", key="runway", balance=Decimal("41.2"),
                                  spend_per_hr=Decimal("3.8111111111111"), hours_left=Decimal("10.8108108")))
    assert (runway.data["balance"], runway.data["spend_per_hour"], runway.data["hours_left"]) == (
        "41.20", "3.811", "10.81")


def test_a_keep_ending_another_day_names_the_day_and_keep_forever_says_so() -> None:
    tomorrow = replace(WARNING, state="kept", kept_until=datetime(2026, 6, 2, 7, 0, tzinfo=UTC),
                       time_zone="Europe/Berlin")
    assert "kept until Tue 09:00 (Europe/Berlin)" in render(tomorrow).title
    forever = replace(WARNING, state="kept", kept_until=datetime(2036, 6, 1, 9, 0, tzinfo=UTC))
    assert "was kept with `keep forever`" in render(forever).title
