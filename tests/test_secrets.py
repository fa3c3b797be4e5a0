"""Secrets never appear in logs or replies: the bot token, the signing secret and the
RunPod key, even at DEBUG, even when a request is forged or Slack echoes the token back."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from bot import redact
from bot.app import create_app, face_of
from bot.http import EVENTS_PATH, HttpServer
from podwarden import bootstrap
from podwarden.settings import Settings
from podwarden.sim import RunPodSimulator
from tests.bot.e2e import harness as h
from tests.bot.e2e import slack_requests as sr
from tests.fakes.slack_api import FakeSlack

BOT_TOKEN = "xoxb-1111-2222-SECRETbot"
SIGNING_SECRET = "f00dfacecafe5ecret"
RUNPOD_KEY = "rpa_SECRETRUNPODKEY123"
SECRETS = (BOT_TOKEN, SIGNING_SECRET, RUNPOD_KEY)


def leaks(text: str) -> list[str]:
    """The secrets found in `text` (the grep)."""
    return [secret for secret in SECRETS if secret in text]


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    yield
    redact.uninstall()


def test_the_grep_fires_on_a_planted_leak() -> None:
    assert leaks(f"Authorization: Bearer {BOT_TOKEN}") == [BOT_TOKEN]
    assert leaks(f"key={RUNPOD_KEY} secret={SIGNING_SECRET}") == [SIGNING_SECRET, RUNPOD_KEY]
    assert leaks("nothing here") == []


@pytest.mark.usefixtures("podwarden_env")
def test_no_secret_in_logs_or_replies_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("slack_sdk", "slack_bolt", "httpx", "httpcore", "podwarden"):  # a CLI run may have raised them
        caplog.set_level(logging.DEBUG, logger=name)
    simulator = RunPodSimulator(api_key=RUNPOD_KEY, scenario=None)
    with FakeSlack(valid_tokens={BOT_TOKEN}, echo_token=True) as slack:
        settings = h.settings(slack.url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                              runpod_api_key=RUNPOD_KEY)
        with bootstrap.build(settings, transport=httpx.MockTransport(simulator)) as services:
            app = create_app(services, client=bootstrap.slack_client(settings))  # as `podwarden bot` builds it
            with HttpServer(app, port=0) as server, httpx.Client(base_url=server.url) as client:
                def post(body: str, secret: str) -> httpx.Response:
                    return client.post(EVENTS_PATH, content=body.encode(), headers=sr.headers(body, secret=secret))

                forged = post(sr.command(f"gpus {BOT_TOKEN}", user=h.MEMBER, response_url=slack.response_url("x")),
                              "wrong-secret")
                assert forged.status_code == 401
                assert post(sr.command("gpus", user=h.MEMBER, response_url=slack.response_url("gpus")),
                            SIGNING_SECRET).status_code == 200
                assert post(sr.command("start", user=h.MEMBER, response_url=slack.response_url("form")),
                            SIGNING_SECRET).status_code == 200  # views.open / views.update with the bot token
                assert post(sr.command(f"quote {RUNPOD_KEY}", user=h.MEMBER,
                                       response_url=slack.response_url("typo")), SIGNING_SECRET).status_code == 200
                assert slack.wait_for(lambda s: s.responses_to("gpus") and s.calls_to("views.update"))
                face_of(app).worker.wait_idle(30)
            face_of(app).worker.shutdown()
            replies = json.dumps([r.body for r in slack.responses]) + forged.text
    logs = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "you sent [redacted]" in logs  # Slack's echo was logged (slack_sdk at DEBUG), with the token masked
    assert slack.calls_to("views.open")[0].token == BOT_TOKEN  # the token was really in use
    assert "[redacted]" in json.dumps(slack.responses_to("typo"))  # the pasted key was echoed, masked
    assert leaks(logs) == []
    assert leaks(replies) == []


# -- secrets planted in URL-valued settings -----------------------------------------------------

PLANTED = "s3cretPLANTED42x"
URL_SETTINGS = sorted(name for name in Settings.model_fields if name.endswith("_url"))


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _planted_urls(setting: str, port: int) -> list[str]:
    """Every place a URL can carry a secret: a password, a whole user info, a query value
    under a telling name and under a plain one; in URLs the setting accepts and refuses."""
    if setting == "database_url":
        return [
            f"postgresql+psycopg://u:{PLANTED}@127.0.0.1:{port}/ledger",  # accepted, then unreachable
            f"postgresql+psycopg://u@127.0.0.1:{port}/ledger?password={PLANTED}",
            f"postgres://u:{PLANTED}@localhost:{port}/db",  # refused: postgres:// (the trial's leak)
            f"mysql://u:{PLANTED}@localhost/db",
            f"nonsense://u:{PLANTED}@",
        ]
    return [
        f"http://127.0.0.1:{port}/graphql?api_key={PLANTED}",  # the trial's leak
        f"http://127.0.0.1:{port}/graphql#token={PLANTED}",  # a fragment (a review's find)
        f"https://u:{PLANTED}@api.example.com/v2",
        f"https://{PLANTED}@api.example.com/v2",
        f"https://api.example.com/v2?token={PLANTED}",
        f"https://api.example.com/v2?a=b&k={PLANTED}",
        f"ftp://u:{PLANTED}@api.example.com/v2",
    ]


CASES = [(setting, i) for setting in URL_SETTINGS for i in range(len(_planted_urls(setting, 1)))]


def test_every_url_valued_setting_is_covered() -> None:
    assert {"runpod_graphql_url", "runpod_rest_url", "runpod_serverless_url", "slack_api_url",
            "database_url"} <= set(URL_SETTINGS)


@pytest.mark.usefixtures("podwarden_env")
@pytest.mark.parametrize(("setting", "index"), CASES)
def test_a_secret_planted_in_any_url_setting_is_never_printed_or_logged(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
    setting: str, index: int,
) -> None:
    from podwarden.cli import main

    variable = f"PODWARDEN_{setting.upper()}"
    monkeypatch.setenv(variable, _planted_urls(setting, _closed_port())[index])
    monkeypatch.setenv("PODWARDEN_RUNPOD_API_KEY", "rpa_TESTKEY")
    monkeypatch.setenv("PODWARDEN_RUNPOD_MAX_RETRIES", "0")
    caplog.set_level(logging.DEBUG)
    for argv in (["-v", "ask", "pods all"], ["-v", "doctor"], ["-v", "doctor", "--local"], ["-v", "migrate"]):
        code = main(argv)
        captured = capsys.readouterr()
        shown = captured.out + captured.err
        assert PLANTED not in shown, (argv, shown)
        assert code != 0, (argv, shown)  # it failed, and said so
        assert variable in shown or "***" in shown, (argv, shown)  # naming what, without the secret
        assert "Traceback" not in shown
    logs = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert PLANTED not in logs


@pytest.mark.usefixtures("podwarden_env")
@pytest.mark.parametrize(
    ("variable", "value", "masked"),
    [
        ("PODWARDEN_RUNPOD_GRAPHQL_URL", "http://127.0.0.1:8777/graphql?api_key=rpa_INURLSECRET",
         "http://127.0.0.1:8777/graphql?api_key=***"),
        ("PODWARDEN_DATABASE_URL", "postgres://u:secretpw@localhost:1/db", "postgres://u:***@localhost:1/db"),
    ],
)
def test_the_trials_two_leaks_as_a_person_ran_them(variable: str, value: str, masked: str) -> None:
    import os
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "podwarden", "ask", "pods all"], capture_output=True, text=True,
                            timeout=120, env={**os.environ, variable: value}, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"podwarden: {variable}: ")
    assert masked in result.stderr
    assert "INURLSECRET" not in result.stderr + result.stdout
    assert "secretpw" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgres://u:pw@db/x", "postgres://u:***@db/x"),
        ("postgresql+psycopg://u:p@ss/w@h/db?password=zz&sslmode=require",
         "postgresql+psycopg://u:***@h/db?password=***&sslmode=***"),
        ("(got 'https://h/graphql?api_key=rpa_X')", "(got 'https://h/graphql?api_key=***')"),
        ("https://ghp_TOKEN@host/x and http://a:b@c/d", "https://***@host/x and http://***@c/d"),
        ("postgresql://user@db/x", "postgresql://user@db/x"),  # a user name alone is not a secret
        ("no url here, a=b", "no url here, a=b"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        ("(got 'http://h/graphql#token=SECRET')", "(got 'http://h/graphql#***')"),
        ("https://h/v2?a=1#k=SECRET", "https://h/v2?a=***#***"),
    ],
)
def test_redact_urls(text: str, expected: str) -> None:
    from podwarden.redaction import redact_urls

    assert redact_urls(text) == expected


@pytest.mark.usefixtures("podwarden_env")
def test_a_secret_settings_bad_value_is_never_quoted() -> None:
    from podwarden.errors import ConfigError
    from podwarden.settings import load_settings

    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None, slack_bot_token=["xoxb-1-SECRETINALIST"])
    assert "SECRETINALIST" not in str(caught.value)
    assert str(caught.value).startswith("PODWARDEN_SLACK_BOT_TOKEN: ")


@pytest.mark.usefixtures("podwarden_env")
@pytest.mark.parametrize("setting", ["ADMINS", "LOG_LEVEL", "SLACK_COMMAND", "TIMEZONE", "RUNPOD_API"])
@pytest.mark.parametrize("token", ["xoxb-1111-2222-PASTEDBOT", "xapp-1-PASTEDAPP", "rpa_PASTEDRUNPODKEY"])
def test_a_token_pasted_into_the_wrong_setting_is_quoted_masked(setting: str, token: str) -> None:
    from podwarden.errors import ConfigError
    from podwarden.settings import load_settings

    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None, **{setting.lower(): token})
    message = str(caught.value)
    assert message.startswith(f"PODWARDEN_{setting}: ")
    assert "PASTED" not in message
