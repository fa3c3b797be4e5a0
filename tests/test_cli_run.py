"""`podwarden run` with a bot token: the bot and the daemon in one process, composed by the
command line. The bot answers over Socket Mode while the daemon ticks and beats; SIGTERM
stops both, and the daemon's lease is released, not left to expire."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl

from podwarden import bootstrap
from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.adapters.sql.migrate import upgrade
from podwarden.sim.server import serve
from tests.bot.e2e import slack_requests as sr
from tests.fakes.slack_api import FakeSlack
from tests.fakes.socket_mode import FakeSocketMode


def test_podwarden_run_answers_in_slack_while_the_daemon_ticks_and_stops_both_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    upgrade(url)
    with (serve(bootstrap.simulator(scenario="demo")) as runpod, FakeSocketMode().running() as socket_fake,
          FakeSlack(socket_url=socket_fake.url) as slack):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PODWARDEN_")}
        env.update(runpod.env(), PODWARDEN_DATABASE_URL=url, PODWARDEN_RUNPOD_API_KEY=bootstrap.SIM_API_KEY,
                   PODWARDEN_SLACK_API_URL=slack.url, PODWARDEN_SLACK_BOT_TOKEN=sr.BOT_TOKEN,
                   PODWARDEN_SLACK_APP_TOKEN="xapp-valid", PODWARDEN_MEMBERS="U0MEMBER", PODWARDEN_LOG_LEVEL="INFO")
        process = subprocess.Popen([sys.executable, "-m", "podwarden", "run"], env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        ledger = SqlLedger.connect(url)
        try:
            assert socket_fake.wait_connected(60), "the bot never connected"
            deadline = time.monotonic() + 60
            while not ledger.pods():  # the daemon's first tick records the fleet
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "the daemon never ticked"
                time.sleep(0.1)
            payload = dict(parse_qsl(sr.command("help", user="U0MEMBER", response_url=slack.response_url("h"))))
            socket_fake.push({"envelope_id": "e1", "type": "slash_commands", "accepts_response_payload": True,
                              "payload": payload})
            ack = socket_fake.wait_for_ack("e1", timeout=30)
            assert ack is not None
            assert "What you can do with /gpu (as member)" in ack["payload"]["text"]

            process.send_signal(signal.SIGTERM)
            output = process.communicate(timeout=60)[0]
            assert process.returncode == 0, output
            lease = ledger.lease("daemon")
            assert lease is not None
            assert lease.expires_at - lease.beat_at < timedelta(minutes=1)  # released on the way out
            assert "running the daemon alone" not in output
            assert "Traceback" not in output
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
            ledger.close()
