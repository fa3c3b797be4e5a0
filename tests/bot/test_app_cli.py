"""`podwarden bot` as an operator runs it: one line when a token or secret is missing; in
HTTP mode a real server that answers /healthz and signed slash commands; in Socket Mode a
process that answers over the socket and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import httpx
import pytest

from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.adapters.sql.migrate import upgrade
from podwarden.cli import EXIT_USAGE, main
from tests.bot.e2e import slack_requests as sr
from tests.fakes.slack_api import FakeSlack
from tests.fakes.socket_mode import FakeSocketMode

pytestmark = pytest.mark.usefixtures("podwarden_env")


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["bot"], {}, "the bot needs PODWARDEN_SLACK_BOT_TOKEN"),
        (["bot"], {"PODWARDEN_SLACK_BOT_TOKEN": "xoxb-valid"}, "Socket Mode needs PODWARDEN_SLACK_APP_TOKEN"),
        (["bot", "--http"], {"PODWARDEN_SLACK_BOT_TOKEN": "xoxb-valid"},
         "HTTP mode needs PODWARDEN_SLACK_SIGNING_SECRET"),
    ],
)
def test_a_missing_token_or_secret_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], env: dict[str, str],
    message: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err
    assert "xoxb-valid" not in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def test_podwarden_bot_http_serves_healthz_and_signed_commands(slack: FakeSlack) -> None:
    port = _free_port()
    url = os.environ["PODWARDEN_DATABASE_URL"]
    upgrade(url)
    ledger = SqlLedger.connect(url)  # a daemon that last beat an hour ago: the bot's dead man's switch speaks up
    try:
        ledger.acquire_lease("daemon", "gone:1", now=datetime.now(UTC) - timedelta(hours=1), ttl=timedelta(minutes=2))
    finally:
        ledger.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PODWARDEN_")}
    env.update(PODWARDEN_DATABASE_URL=url, PODWARDEN_SLACK_API_URL=slack.url,
               PODWARDEN_SLACK_BOT_TOKEN=sr.BOT_TOKEN, PODWARDEN_SLACK_SIGNING_SECRET=sr.SIGNING_SECRET,
               PODWARDEN_MEMBERS="U0MEMBER", PODWARDEN_NOTICE_CHANNEL="C0NOTICE", PODWARDEN_TICK_INTERVAL="1s")
    process = subprocess.Popen(
        [sys.executable, "-m", "podwarden", "bot", "--http", "--port", str(port), "--host", "127.0.0.1", "--sim"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        up = False
        pause = threading.Event()
        while not up and time.monotonic() < deadline and process.poll() is None:
            try:
                up = httpx.get(f"{base}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                pause.wait(0.1)  # the server is still starting
        assert up, process.stdout.read() if process.poll() is not None and process.stdout else "no /healthz"
        body = sr.command("help", user="U0MEMBER", response_url=slack.response_url("help"))
        ack = httpx.post(f"{base}/slack/events", content=body.encode(), headers=sr.headers(body), timeout=10)
        assert ack.status_code == 200
        assert "What you can do with /gpu (as member)" in ack.json()["text"]
        forged = httpx.post(f"{base}/slack/events", content=body.encode(), headers=sr.headers(body, secret="x"),
                            timeout=10)
        assert forged.status_code == 401
        assert slack.wait_for(lambda s: any(c.params.get("channel") == "C0NOTICE"
                                            for c in s.calls_to("chat.postMessage")), timeout=30)
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert "Traceback" not in output
    assert sr.SIGNING_SECRET not in output


def test_podwarden_bot_in_socket_mode_answers_and_stops_cleanly_on_sigterm() -> None:
    with FakeSocketMode().running() as socket_fake, FakeSlack(socket_url=socket_fake.url) as slack:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PODWARDEN_")}
        env.update(PODWARDEN_DATABASE_URL=os.environ["PODWARDEN_DATABASE_URL"], PODWARDEN_SLACK_API_URL=slack.url,
                   PODWARDEN_SLACK_BOT_TOKEN=sr.BOT_TOKEN, PODWARDEN_SLACK_APP_TOKEN="xapp-valid",
                   PODWARDEN_MEMBERS="U0MEMBER")
        process = subprocess.Popen([sys.executable, "-m", "podwarden", "bot", "--sim"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert socket_fake.wait_connected(60)
            payload = dict(parse_qsl(sr.command("help", user="U0MEMBER", response_url=slack.response_url("h"))))
            socket_fake.push({"envelope_id": "e1", "type": "slash_commands", "accepts_response_payload": True,
                              "payload": payload})
            ack = socket_fake.wait_for_ack("e1", timeout=30)
            assert ack is not None
            assert "What you can do with /gpu (as member)" in ack["payload"]["text"]
        finally:
            process.terminate()
            output = process.communicate(timeout=30)[0]
        assert process.returncode == 0, output
        assert "Traceback" not in output


def test_slack_unreachable_at_start_is_one_line_and_exit_1() -> None:
    """auth.test cannot reach Slack: one line (no traceback, no slack_sdk retry noise), exit 1
    as for an unreachable ledger; the tokens are never printed."""
    dead = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PODWARDEN_")}
    env.update(PODWARDEN_DATABASE_URL=os.environ["PODWARDEN_DATABASE_URL"],
               PODWARDEN_SLACK_API_URL=f"http://127.0.0.1:{dead}/api/",
               PODWARDEN_SLACK_BOT_TOKEN="xoxb-1-2-UNREACHSECRET", PODWARDEN_SLACK_APP_TOKEN="xapp-1-APPSECRET")
    result = subprocess.run([sys.executable, "-m", "podwarden", "bot", "--sim"], env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 1, result.stderr
    assert result.stderr == (f"podwarden: cannot reach Slack at http://127.0.0.1:{dead}/api/ (auth.test): "
                             "Connection refused\n")
    assert result.stdout == ""


def test_a_token_slack_refuses_at_start_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], slack: FakeSlack,
) -> None:
    monkeypatch.setenv("PODWARDEN_SLACK_API_URL", slack.url)
    monkeypatch.setenv("PODWARDEN_SLACK_BOT_TOKEN", "xoxb-revoked-SECRET")
    monkeypatch.setenv("PODWARDEN_SLACK_APP_TOKEN", "xapp-valid")
    assert main(["bot", "--sim"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err == "podwarden: Slack's auth.test refused PODWARDEN_SLACK_BOT_TOKEN: invalid_auth\n"
    assert {c.method for c in slack.calls} == {"auth.test"}  # refused before anything else was asked


def test_podwarden_run_sim_answers_from_the_simulator_and_stops_cleanly() -> None:
    """`run --sim`, like `bot --sim`: the bot answers from the in-process simulator's demo fleet
    (the daemon beside it shares that simulator), and SIGTERM stops both."""
    with FakeSocketMode().running() as socket_fake, FakeSlack(socket_url=socket_fake.url) as slack:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PODWARDEN_")}
        env.update(PODWARDEN_SLACK_API_URL=slack.url, PODWARDEN_SLACK_BOT_TOKEN=sr.BOT_TOKEN,
                   PODWARDEN_SLACK_APP_TOKEN="xapp-valid", PODWARDEN_MEMBERS="U0MEMBER")
        process = subprocess.Popen([sys.executable, "-m", "podwarden", "run", "--sim"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert socket_fake.wait_connected(60)
            payload = dict(parse_qsl(sr.command("pods all", user="U0MEMBER", response_url=slack.response_url("p"))))
            socket_fake.push({"envelope_id": "e1", "type": "slash_commands", "accepts_response_payload": True,
                              "payload": payload})
            assert slack.wait_for(lambda s: s.responses_to("p"), timeout=60)
        finally:
            process.terminate()
            output = process.communicate(timeout=30)[0]
        assert process.returncode == 0, output
        assert "Traceback" not in output
        assert "dave-archive" in str(slack.responses_to("p"))
