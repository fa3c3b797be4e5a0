"""EndpointsService: pools, what active workers cost per month, deploy and scale audited."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from podwarden.domain.access import Role
from podwarden.domain.ledger_values import AuditOutcome
from podwarden.errors import InputError
from tests.services.verbs_world import ALICE, actor, world

pytestmark = pytest.mark.usefixtures("podwarden_env")


def test_a_gpu_name_or_a_pool_id_picks_the_serverless_class(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        e = w.verbs.endpoints
        assert e.pool_for("a4000").pool == "AMPERE_16"
        assert e.pool_for("ampere_80").pool == "AMPERE_80"
        with pytest.raises(InputError):
            e.pool_for("no-such-gpu")


def test_scale_prices_active_workers_for_a_30_day_month(tmp_path: Path) -> None:
    with world(tmp_path) as w:
        plan = w.verbs.endpoints.plan_scale("embeddings", workers_min=2, workers_max=None, idle_timeout_s=None)
        price = w.verbs.endpoints.pool_for(plan.endpoint.gpu_ids[0])
        assert plan.active_per_month == 2 * price.active_per_s * 3600 * 720 * plan.endpoint.gpu_count
        none = w.verbs.endpoints.plan_scale("emb", workers_min=0, workers_max=None, idle_timeout_s=None)
        assert none.active_per_month == Decimal(0)
        with pytest.raises(InputError, match="no endpoint `nope`"):
            w.verbs.endpoints.plan_scale("nope", workers_min=0, workers_max=None, idle_timeout_s=None)


@pytest.mark.parametrize("api", ["graphql", "rest"])
def test_deploy_and_scale_change_runpod_and_are_audited(tmp_path: Path, api: str) -> None:
    """Over both APIs; over REST v2 an endpoint reports no template id, and scaling needs none."""
    with world(tmp_path, runpod_api=api) as w:
        alice = actor(ALICE, Role.MEMBER, "C0GPU")
        made = w.verbs.endpoints.deploy(alice, {"name": "sd", "image": "me/sd:1", "pool": "ADA_24", "min": 0,
                                                "max": 2, "idle_timeout": 5, "timeout": 300, "flashboot": True,
                                                "env": [["MODEL", "sdxl"]]})
        assert (made.workers_min, made.workers_max, made.gpu_ids) == (0, 2, ("ADA_24",))
        assert (made.template_id is None) is (api == "rest")
        template_id = w.sim.world.endpoints[made.id].template_id
        scaled = w.verbs.endpoints.scale(alice, {"endpoint": made.id, "min": 1, "max": 2, "idle_timeout": 30})
        assert (scaled.workers_min, scaled.idle_timeout_s) == (1, 30)
        assert w.sim.world.endpoints[made.id].template_id == template_id
        entries = [(e.action, e.outcome, e.channel, e.target) for e in reversed(w.services.ledger.audit_log())]
        assert entries == [("deploy", AuditOutcome.OK, "C0GPU", made.id), ("scale", AuditOutcome.OK, "C0GPU", made.id)]
        assert "env" not in w.services.ledger.audit_log(action="deploy")[0].args  # values of env stay out of the log
