"""`podwarden run` (no Slack token: the daemon alone) and `podwarden daemon` as real processes:
they tick against the simulator, beat, and stop cleanly on SIGTERM, releasing the lease."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from podwarden import bootstrap
from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.adapters.sql.migrate import upgrade
from podwarden.sim.server import serve


def _wait_for_lease(ledger: SqlLedger, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while ledger.lease("daemon") is None:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the daemon never beat"
        time.sleep(0.1)


@pytest.mark.parametrize("verb", ["run", "daemon"])
def test_the_daemon_process_beats_and_stops_cleanly_on_sigterm(tmp_path: Path, verb: str) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    upgrade(url)
    sim = bootstrap.simulator(scenario="demo")
    with serve(sim) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PODWARDEN_")}
        env.update(server.env(), PODWARDEN_DATABASE_URL=url, PODWARDEN_RUNPOD_API_KEY=bootstrap.SIM_API_KEY,
                   PODWARDEN_LOG_LEVEL="INFO")
        with subprocess.Popen([sys.executable, "-m", "podwarden", verb], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
            ledger = SqlLedger.connect(url)
            try:
                _wait_for_lease(ledger, process)
                process.send_signal(signal.SIGTERM)
                _, err = process.communicate(timeout=60)
                assert process.returncode == 0, err
                lease = ledger.lease("daemon")
                assert lease is not None
                assert lease.expires_at - lease.beat_at < timedelta(minutes=1)  # released, not left for 2 min
                assert "daemon started" in err
                assert "Traceback" not in err
                if verb == "run":
                    assert "running the daemon alone" in err
                assert ledger.pods(), "the first tick recorded the fleet"
            finally:
                if process.poll() is None:
                    process.kill()
                ledger.close()
