"""The console's digest publisher: the digest as text, the chart and the rows saved to files."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from podwarden.adapters.slack.digest_publisher import ConsoleDigestPublisher
from podwarden.domain.digest import DigestInputs, build_digest
from podwarden.domain.spend_values import PodStretch


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
