"""A month of Serverless active workers is derived from the unrounded $/h: $0.396/h is $285.12
a month (720 h), not $288.00 from a rate rounded to $0.40 first."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from podwarden.adapters.slack.render_lifecycle import idle_workers
from podwarden.domain.models import Endpoint
from podwarden.domain.notes import IdleWorkers
from podwarden.services.usage import UsageService
from tests.services.verbs_world import world


@pytest.mark.usefixtures("podwarden_env")
def test_the_idle_workers_notice_prices_the_month_from_the_unrounded_rate(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        s = w.services
        usage = UsageService(runpod=s.runpod, serverless=s.serverless, ledger=s.ledger, clock=s.clock,
                             book=s.costs.book, interval=timedelta(minutes=1))
        embeddings = Endpoint("ep1", "embeddings", None, ("AMPERE_16",), workers_min=1, workers_max=3)
        rate = usage.active_cost_per_hr(embeddings)
        assert rate == Decimal("0.396")
        text = idle_workers(IdleWorkers("k", "C0", "ep1", "embeddings", 1, rate)).text()
        assert "$0.40/h ($285.12/month)" in text
        assert "$288.00" not in text
