"""PolicyService: the rules in force and the daemon's heartbeat (lease "daemon")."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.services.verbs_world import world

pytestmark = pytest.mark.usefixtures("podwarden_env")


def test_the_heartbeat_says_whether_anyone_stops_idle_pods(tmp_path: Path) -> None:
    with world(tmp_path, tick_interval="1m", approval_threshold="7") as w:
        policy = w.verbs.policy
        never = policy.show()
        assert never.heartbeat_age is None
        assert not never.daemon_alive
        w.services.ledger.acquire_lease("daemon", "host-1", now=w.now(), ttl=timedelta(minutes=2))
        fresh = policy.show()
        assert fresh.daemon_alive
        assert str(fresh.approval_threshold) == "7"
        w.sim.advance(600)
        stale = policy.show()
        assert not stale.daemon_alive
        assert stale.heartbeat_age is not None
        assert timedelta(minutes=10) <= stale.heartbeat_age < timedelta(minutes=11)
