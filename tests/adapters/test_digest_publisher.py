"""The digest publishers: the console's (text, the chart and the rows saved to files), and Slack's
file uploads (a failure to retry is a NotifyError; a refusal no retry changes is returned)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from podwarden.adapters.slack.digest_publisher import ConsoleDigestPublisher, SlackDigestPublisher
from podwarden.domain.digest import Digest, DigestInputs, build_digest
from podwarden.domain.spend_values import PodStretch
from podwarden.errors import NotifyError
from tests.fakes.digest_slack import DigestSlack


def test_the_console_prints_the_digest_and_saves_its_chart_and_csv(tmp_path: Path) -> None:
    monday = datetime(2026, 11, 16, tzinfo=UTC)
    stretch = PodStretch("p", "p", "RUNNING", monday, monday + timedelta(hours=2), Decimal("0.69"), Decimal(0),
                         "NVIDIA GeForce RTX 4090", 1, "U1", "ml", False)
    digest = build_digest(DigestInputs(week_start=date(2026, 11, 16), zone="UTC", stretches=(stretch,), quarters=(),
                                       names={"U1": "Ünal 🚀"}))
    out = io.StringIO()
    publisher = ConsoleDigestPublisher(out, tmp_path, now=lambda: datetime(2026, 11, 23, 9, 30, 5, tzinfo=UTC))

    ref = publisher.publish(digest, channel="C0DIGEST", key="digest:2026-11-16:C0DIGEST")

    text = out.getvalue()
    assert "[digest to C0DIGEST]" in text
    assert "GPU spend, week of Mon 16 Nov 2026: $1.38" in text
    assert "Ünal 🚀" in text
    png, csv = tmp_path / "podwarden-spend-2026-11-16-20261123T093005Z.png", tmp_path / (
        "podwarden-spend-2026-11-16-20261123T093005Z.csv")
    assert f"chart: {png}\nrows: {csv}\n" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert csv.read_text(encoding="utf-8").count("\n") == 2
    assert publisher.find("C0DIGEST", "digest:2026-11-16:C0DIGEST", oldest=monday) == ref
    assert publisher.find("C0DIGEST", "digest:2026-11-09:C0DIGEST", oldest=monday) is None


def _digest() -> Digest:
    monday = datetime(2026, 11, 16, tzinfo=UTC)
    stretch = PodStretch("p", "p", "RUNNING", monday, monday + timedelta(hours=2), Decimal("0.69"), Decimal(0),
                         "NVIDIA GeForce RTX 4090", 1, "U1", "ml", False)
    return build_digest(DigestInputs(week_start=date(2026, 11, 16), zone="UTC", stretches=(stretch,), quarters=(),
                                     names={"U1": "alice"}))


@pytest.mark.parametrize("status", [202, 500])
def test_a_file_upload_that_fails_is_a_notify_error_the_job_retries_not_an_unexpected_exception(status: int) -> None:
    with DigestSlack() as slack:
        publisher = SlackDigestPublisher(slack.client())
        digest = _digest()
        ref = publisher.publish(digest, channel="C0DIGEST", key="digest:2026-11-16:C0DIGEST")
        slack.upload_status = status  # slack_sdk raises SlackRequestError on a 2xx that is not 200
        with pytest.raises(NotifyError):
            publisher.attach(digest, ref)
        slack.upload_status = 200
        assert publisher.attach(digest, ref) is None
        assert [u.filename for u in slack.uploads_done()] == ["podwarden-spend-2026-11-16.csv"]


@pytest.mark.parametrize("error", ["not_in_channel", "missing_scope", "not_allowed_token_type"])
def test_an_upload_refused_for_good_is_returned_not_raised(error: str) -> None:
    with DigestSlack() as slack:
        publisher = SlackDigestPublisher(slack.client())
        digest = _digest()
        ref = publisher.publish(digest, channel="C0DIGEST", key="digest:2026-11-16:C0DIGEST")
        slack.refuse_uploads = error
        assert publisher.attach(digest, ref) == error


def test_an_upload_refused_for_now_is_raised_so_the_job_tries_again() -> None:
    with DigestSlack() as slack:
        publisher = SlackDigestPublisher(slack.client())
        digest = _digest()
        ref = publisher.publish(digest, channel="C0DIGEST", key="digest:2026-11-16:C0DIGEST")
        slack.refuse_uploads = "internal_error"
        with pytest.raises(NotifyError, match="internal_error"):
            publisher.attach(digest, ref)
