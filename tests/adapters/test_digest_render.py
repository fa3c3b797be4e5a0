"""The digest as Block Kit, text, CSV and PNG: native blocks within Slack's limits, a chart
tested through its data, a valid PNG, and names in any script drawn without warnings."""

from __future__ import annotations

import csv
import io
import struct
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from podwarden.adapters.slack import render_digest as render
from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.domain.digest import Digest, DigestInputs, build_digest
from podwarden.domain.spend_values import PodStretch
from podwarden.services.reporting import ReportingService
from tests.services.digest_seed import CHO, FakeRunPod, FixedClock, seed_two_weeks
from tests.unit.gpu_catalog import BOOK

WEEK = date(2026, 11, 16)


@pytest.fixture
def digest(ledger: SqlLedger) -> Digest:
    seed_two_weeks(ledger)
    runpod = FakeRunPod()
    return ReportingService(ledger=ledger, runpod=runpod, clock=FixedClock(), zone="UTC", catalog=runpod,  # type: ignore[arg-type]
                            book=BOOK).digest()


def seven_spenders() -> Digest:
    """Seven owners, each running one GPU-hour a day at $1 x their number: five shown, two are others."""
    monday = datetime(2026, 11, 16, tzinfo=UTC)
    stretches = [
        PodStretch(f"pod-{n}", f"pod {n}", "RUNNING", monday + timedelta(days=d), monday + timedelta(days=d, hours=1),
                   Decimal(n), Decimal(0), "NVIDIA L4", 1, f"U{n}", None, False)
        for n in range(1, 8) for d in range(7)
    ]
    names = {f"U{n}": f"user-{n}-with-a-rather-long-name" for n in range(1, 8)}
    return build_digest(DigestInputs(week_start=WEEK, zone="UTC", stretches=stretches, quarters=(), names=names))


def test_the_chart_shows_the_top_five_spenders_and_others_per_day() -> None:
    chart = render.chart(seven_spenders())

    series = chart["chart"]["series"]
    assert chart["type"] == "data_visualization"
    assert chart["chart"]["type"] == "bar"
    assert chart["chart"]["axis_config"]["categories"] == ["Mon 16", "Tue 17", "Wed 18", "Thu 19", "Fri 20",
                                                           "Sat 21", "Sun 22"]
    assert [s["name"] for s in series] == [
        "user-7-with-a-rather", "user-6-with-a-rather", "user-5-with-a-rather", "user-4-with-a-rather",
        "user-3-with-a-rather", "others"]
    assert [p["value"] for p in series[0]["data"]] == [7.0] * 7
    assert [p["value"] for p in series[-1]["data"]] == [3.0] * 7  # users 1 and 2: $1 + $2 a day
    assert all(len(s["name"]) <= 20 for s in series)


def test_series_names_cut_to_twenty_characters_stay_unique() -> None:
    assert render._unique(["a" * 25, "a" * 30, "b"]) == ["a" * 20, "a" * 18 + "~2", "b"]


def test_native_blocks_hold_tables_and_the_chart_within_slacks_limits(digest: Digest) -> None:
    blocks = render.blocks(digest)

    kinds = [b["type"] for b in blocks]
    assert kinds.count("table") == 2
    assert kinds.count("data_visualization") == 1
    assert len(blocks) <= render.MAX_BLOCKS
    user_table = next(b for b in blocks if b["type"] == "table")
    assert [[c["text"] for c in row] for row in user_table["rows"]] == [
        ["User", "Spend"], ["alice", "$120.72"], ["Bob", "$34.60"], [CHO, "$12.00"], ["unowned", "$6.00"]]
    render.check_limits(blocks)


def test_the_fallback_has_text_tables_and_no_new_blocks(digest: Digest) -> None:
    blocks = render.blocks(digest, native=False)

    assert {b["type"] for b in blocks} <= {"header", "section", "context"}
    joined = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert "```" in joined
    assert "alice" in joined
    assert "$120.72" in joined


def test_the_summary_and_text_say_the_figures_and_the_rules(digest: Digest) -> None:
    summary = render.summary(digest)
    text = render.text(digest)

    assert summary.startswith("GPU spend, week of Mon 16 Nov 2026: $173.32 (+$127.48, up 278.1 % vs $45.84")
    assert "would otherwise have run, idle, until its owner next resumed it" in text
    assert "month-end forecast $298.85 (this month's daily run-rate" in text
    assert "network volume datasets (100 GB, attached to no pod): $7.00/month" in text
    assert "Not checked: RunPod's own bill is not available" in text
    assert "unowned pods $6.00" in text


def test_a_week_after_a_week_of_nothing_says_so() -> None:
    nothing = build_digest(DigestInputs(week_start=WEEK, zone="UTC", stretches=(), quarters=()))
    assert nothing.total.words == "no spend either week"
    stretch = PodStretch("p", "p", "RUNNING", datetime(2026, 11, 17, tzinfo=UTC), datetime(2026, 11, 17, 1, tzinfo=UTC),
                         Decimal(1), Decimal(0), "NVIDIA L4", 1, None, None, None)
    new = build_digest(DigestInputs(week_start=WEEK, zone="UTC", stretches=(stretch,), quarters=()))
    assert new.total.words == "new spend: nothing last week"
    assert "new spend: nothing last week" in render.summary(new)


def test_a_section_too_long_for_slack_is_cut_and_the_blocks_stay_valid() -> None:
    monday = datetime(2026, 11, 16, tzinfo=UTC)
    stretches = [
        PodStretch(f"pod-{n}", f"pod {n}", "RUNNING", monday, monday + timedelta(hours=1), Decimal(1), Decimal(0),
                   "NVIDIA L4", 1, f"U{n}", f"team-{n}-" + "x" * 40, False)
        for n in range(300)
    ]
    digest = build_digest(DigestInputs(week_start=WEEK, zone="UTC", stretches=stretches, quarters=()))
    blocks = render.blocks(digest)
    render.check_limits(blocks)
    table = next(b for b in blocks if b["type"] == "table")
    assert len(table["rows"]) == render.MAX_TABLE_ROWS


def test_the_csv_has_the_weeks_rows(digest: Digest) -> None:
    rows = list(csv.DictReader(io.StringIO(render.csv_text(digest))))

    assert sum(Decimal(r["total_usd"]) for r in rows) == Decimal("173.32")
    assert {r["owner"] for r in rows} == {"alice", "Bob", CHO, "unowned"}
    serverless = [r for r in rows if r["kind"] == "serverless"]
    assert [(r["id"], r["total_usd"], r["status"]) for r in serverless] == [("ep-whisper", "1.000000", "40 jobs")]


def test_the_png_chart_is_a_valid_png_even_with_cjk_and_emoji_names(digest: Digest) -> None:
    png = render.chart_png(digest)  # filterwarnings=error: a missing-glyph warning would fail here

    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (800, 400)
    from matplotlib.image import imread

    assert imread(io.BytesIO(png), format="png").shape[:2] == (400, 800)  # it decodes, too


def test_a_name_that_looks_like_a_mention_pings_nobody() -> None:
    monday = datetime(2026, 11, 16, tzinfo=UTC)
    stretch = PodStretch("p", "p", "RUNNING", monday, monday + timedelta(hours=1), Decimal(1), Decimal(0),
                         "NVIDIA L4", 1, "U1", "<!channel> & co", False)
    digest = build_digest(DigestInputs(week_start=WEEK, zone="UTC", stretches=(stretch,), quarters=(),
                                       names={"U1": "<!here>"}))

    sections = " ".join(b["text"]["text"] for b in render.blocks(digest) if b["type"] == "section")
    assert "<!" not in sections
    assert "&lt;!channel&gt; &amp; co" in sections
    assert "<!here>" not in render.slack_summary(digest)
    assert "<!here>" in render.text(digest)  # the console shows names as they are


def test_a_week_with_no_spend_renders_without_a_chart() -> None:
    empty = build_digest(DigestInputs(week_start=WEEK, zone="UTC", stretches=(), quarters=()))

    blocks = render.blocks(empty)

    assert "data_visualization" not in {b["type"] for b in blocks}
    render.check_limits(blocks)
    assert render.chart_png(empty)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "$0.00 (no spend either week" in render.summary(empty)


def three_thirds() -> Digest:
    """Three owners, each $1.33333 in the week ($4.00 in all): each rounds to $1.33 alone."""
    monday = datetime(2026, 11, 16, tzinfo=UTC)
    stretches = [
        PodStretch(f"pod-{n}", f"pod {n}", "RUNNING", monday, monday + timedelta(hours=1), Decimal("1.33333"),
                   Decimal(0), "NVIDIA L4", 1, f"U{n}", f"team-{n}", False)
        for n in range(1, 4)
    ]
    return build_digest(DigestInputs(week_start=WEEK, zone="UTC", stretches=stretches, quarters=(),
                                     names={"U1": "ann", "U2": "ben", "U3": "cat"},
                                     balance=Decimal(250), spend_per_hr=Decimal("3.81")))


def test_the_rows_shown_add_up_to_the_total_shown() -> None:
    digest = three_thirds()
    body = render.text(digest)

    assert "GPU spend, week of Mon 16 Nov 2026: $4.00" in body
    assert "ann   $1.34\nben   $1.33\ncat   $1.33" in body
    assert "team-1: $1.34\nteam-2: $1.33\nteam-3: $1.33" in body
    native = render.blocks(digest)
    table = next(b for b in native if b["type"] == "table")
    assert [[c["text"] for c in row] for row in table["rows"]] == [
        ["User", "Spend"], ["ann", "$1.34"], ["ben", "$1.33"], ["cat", "$1.33"]]


def test_the_runway_says_which_rate_it_uses_and_where_it_comes_from() -> None:
    body = render.text(three_thirds())

    assert ("Runway: balance $250.00 at RunPod's current spend rate, $3.81/h, incl. storage and Serverless: "
            "about 2.7 days.") in body


def _billed(ours_per_hr: str, theirs: str) -> Digest:
    """A week of one pod-hour at `ours_per_hr`, checked against a bill of `theirs`."""
    from podwarden.domain.digest import BillingCheck

    monday = datetime(2026, 11, 16, tzinfo=UTC)
    stretch = PodStretch("p1", "p", "RUNNING", monday, monday + timedelta(hours=1), Decimal(ours_per_hr), Decimal(0),
                         "NVIDIA L4", 1, "U1", None, False)
    return build_digest(DigestInputs(week_start=WEEK, zone="UTC", stretches=[stretch], quarters=(),
                                     billing=BillingCheck("the simulator's billing", Decimal(theirs))))


@pytest.mark.parametrize(("ours", "theirs", "said"), [
    ("0.002", "0.001", "$0.00 vs ours $0.00, agrees to the cent."),  # was "differs by 100 %"
    ("0.004", "0.012", "$0.01 vs ours $0.00, agrees within 2 % (0.8 %)."),  # a cent on a quiet week
    ("1.234", "1.231", "$1.23 vs ours $1.23, agrees to the cent."),
])
def test_a_gap_of_a_cent_or_less_is_no_alarm(ours: str, theirs: str, said: str) -> None:
    digest = _billed(ours, theirs)
    assert not digest.cross_check_differs
    assert f"the simulator's billing: {said}" in render.text(digest)
    assert ":warning:" not in render.text(digest).split("the simulator's billing")[1].split("\n")[0]


def test_a_real_gap_is_still_called_out() -> None:
    digest = _billed("0.50", "0.60")  # ten cents against a $1 floor: 10 %
    assert digest.cross_check_differs
    assert "$0.60 vs ours $0.50, :warning: differs by 10 %, more than 2 %: check the ledger" in render.text(digest)
