"""The command line as a person uses it: help, version, one-line failures, migrate, doctor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from podwarden.cli import EXIT_USAGE, main
from tests.fakes.slack_api import FakeSlack

VERBS = ["run", "bot", "daemon", "demo", "console", "ask", "sim", "migrate", "doctor"]


pytestmark = pytest.mark.usefixtures("podwarden_env")


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "podwarden", *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})}, check=False,
    )


def test_help_lists_every_verb_and_version_prints() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for verb in VERBS:
        assert verb in result.stdout
    version = _run("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("podwarden ")


@pytest.mark.parametrize("verb", VERBS)
def test_each_verb_has_its_own_help(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([verb, "--help"])
    assert exited.value.code == 0
    assert f"usage: podwarden {verb}" in capsys.readouterr().out


def test_a_bad_setting_stops_with_one_line_and_no_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run("migrate", env={"PODWARDEN_DATABASE_URL": "nonsense"})
    assert result.returncode == EXIT_USAGE
    assert result.stderr.startswith("podwarden: PODWARDEN_DATABASE_URL: expected a database URL")
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_migrate_creates_every_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from podwarden.adapters.sql.models import Base

    url = f"sqlite:///{tmp_path / 'fresh' / 'x.db'}"
    (tmp_path / "fresh").mkdir()
    assert main(["migrate", "--database-url", url]) == 0
    assert "Ledger at revision" in capsys.readouterr().out
    tables = set(sa.inspect(sa.create_engine(url)).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_doctor_says_what_to_fix_then_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--sim"]) == 1
    out = capsys.readouterr().out
    assert "FAIL ledger:" in out
    assert "run `podwarden migrate`" in out
    assert "ok   runpod: simulator: balance $" in out
    assert "--   slack: PODWARDEN_SLACK_BOT_TOKEN is not set" in out

    assert main(["migrate"]) == 0
    assert main(["doctor", "--sim"]) == 0
    assert "ok   ledger:" in capsys.readouterr().out


def test_doctor_without_a_runpod_key_fails_with_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    main(["migrate"])
    assert main(["doctor"]) == 1
    assert "FAIL runpod: PODWARDEN_RUNPOD_API_KEY is not set" in capsys.readouterr().out


def test_doctor_checks_the_slack_token_with_auth_test(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["migrate"])
    with FakeSlack() as slack:
        monkeypatch.setenv("PODWARDEN_SLACK_API_URL", slack.url)
        monkeypatch.setenv("PODWARDEN_SLACK_BOT_TOKEN", "xoxb-valid")
        monkeypatch.setenv("PODWARDEN_SLACK_APP_TOKEN", "xapp-anything")
        assert main(["doctor", "--sim"]) == 0
        assert "ok   slack: bot podwarden in Acme ML, Socket Mode" in capsys.readouterr().out

        monkeypatch.setenv("PODWARDEN_SLACK_BOT_TOKEN", "xoxb-revoked")
        assert main(["doctor", "--sim"]) == 1
        out = capsys.readouterr().out
        assert "FAIL slack: auth.test refused the bot token: invalid_auth" in out
        assert "xoxb-revoked" not in out
        assert [c.method for c in slack.calls] == ["auth.test", "auth.test"]


def test_a_piped_demo_runs_the_piped_commands_after_the_tour() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "podwarden", "demo"], input="quote a100 --hours 2\nquit\n", capture_output=True,
        text=True, timeout=300, env={k: v for k, v in os.environ.items() if not k.startswith("PODWARDEN_")},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Quote: 1 × A100 PCIe, secure cloud on-demand, one 2 h run" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_verb_above_the_callers_role_is_denied_with_the_role_it_needs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PODWARDEN_MEMBERS", "U0MEMBER")
    assert main(["ask", "--sim", "--as", "U0VIEWER", "stop some-pod"]) == 1
    assert "`stop` needs the member role; you are a viewer. Ask an admin." in capsys.readouterr().out
    assert main(["ask", "--sim", "--as", "U0MEMBER", "role @U0VIEWER admin"]) == 1
    assert "needs the admin role; you are a member" in capsys.readouterr().out


def test_verbose_sim_logs_never_name_runpods_real_hosts(caplog: pytest.LogCaptureFixture) -> None:
    main(["migrate"])
    with caplog.at_level("DEBUG"):
        main(["-v", "doctor", "--sim"])
    assert "runpod-simulator.in-process/graphql" in caplog.text
    assert "api.runpod.io" not in caplog.text
    assert "api.runpod.ai" not in caplog.text


def test_the_error_tree_docstring_says_what_the_code_does() -> None:
    import podwarden.errors as errors

    assert not issubclass(errors.DomainError, errors.PodwardenError)
    assert issubclass(errors.InputError, errors.DomainError)
    assert issubclass(errors.InputError, ValueError)
    tree = (errors.__doc__ or "").split("\n\n")[1]
    assert tree.lstrip().startswith("DomainError")  # a root of its own, not under PodwardenError
    assert "PodwardenError\n    ├── ConfigError" in (errors.__doc__ or "")


def test_doctor_says_cannot_reach_for_an_unreachable_database(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    monkeypatch.setenv("PODWARDEN_DATABASE_URL", f"postgresql+psycopg://u@127.0.0.1:{port}/ledger")
    assert main(["doctor", "--local"]) == 1
    out = capsys.readouterr().out
    assert f"FAIL ledger: cannot reach postgresql+psycopg://u@127.0.0.1:{port}/ledger:" in out
    assert "migrat" not in out.split("FAIL ledger:")[1].splitlines()[0]


def test_doctor_prints_the_per_user_default_ledger(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PODWARDEN_DATABASE_URL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    assert main(["migrate"]) == 0
    assert main(["doctor", "--local"]) == 0
    out = capsys.readouterr().out
    assert f"ok   ledger: sqlite:///{tmp_path / 'data' / 'podwarden' / 'podwarden.db'} at head revision" in out


@pytest.mark.parametrize(("value", "level"), [(None, "INFO"), ("error", "ERROR"), ("DEBUG", "DEBUG")])
def test_the_log_level_setting_sets_podwardens_own_loggers(
    monkeypatch: pytest.MonkeyPatch, value: str | None, level: str
) -> None:
    import logging

    if value is not None:
        monkeypatch.setenv("PODWARDEN_LOG_LEVEL", value)
    ours = [logging.getLogger(name) for name in ("podwarden", "bot", "daemon")]
    before = [logger.level for logger in ours]
    try:
        main(["doctor", "--local"])
        assert [logging.getLevelName(logger.level) for logger in ours] == [level] * 3
        main(["-v", "doctor", "--local"])
        assert ours[0].level == logging.DEBUG
    finally:
        for logger, old in zip(ours, before, strict=True):
            logger.setLevel(old)


@pytest.mark.parametrize(
    ("env", "expected", "code"),
    [
        ({}, ["--   notices: no notice channel", "--   digest: no digest channel (PODWARDEN_DIGEST_CHANNEL unset)"], 0),
        ({"PODWARDEN_NOTICE_CHANNEL": "C0NOTICE", "PODWARDEN_DIGEST_CHANNEL": "C0DIGEST",
          "PODWARDEN_TIMEZONE": "Europe/Berlin", "PODWARDEN_DIGEST_DAY": "fri", "PODWARDEN_DIGEST_TIME": "16:30"},
         ["ok   notices: posted to C0NOTICE", "ok   digest: posted to C0DIGEST every fri 16:30 (Europe/Berlin)"], 0),
        ({"PODWARDEN_DIGEST_CHANNEL": "#gpu-costs"},
         ["FAIL digest: PODWARDEN_DIGEST_CHANNEL='#gpu-costs' is not a Slack channel id"], 1),
    ],
)
def test_doctor_says_where_notices_and_the_digest_go(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str], expected: list[str],
    code: int,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["migrate"]) == 0
    assert main(["doctor", "--sim"]) == code
    out = capsys.readouterr().out
    for line in expected:
        assert line in out


def test_migrate_where_the_ledgers_directory_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    """A file where a directory should be (or /proc): `migrate` says why, and `doctor` does not
    promise that `migrate` would make it."""
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'a-file' / 'ledger' / 'pw.db'}"
    result = _run("migrate", env={"PODWARDEN_DATABASE_URL": url})
    assert result.returncode == 1
    assert result.stderr == (f"podwarden: cannot make the ledger's directory {tmp_path / 'a-file' / 'ledger'}: "
                             "Not a directory; point PODWARDEN_DATABASE_URL at a directory you can write\n")
    doctor = _run("doctor", "--local", env={"PODWARDEN_DATABASE_URL": url})
    assert doctor.returncode == 1
    assert "FAIL ledger: " in doctor.stdout
    assert "cannot make the ledger's directory" in doctor.stdout
    assert "`podwarden migrate` creates it" not in doctor.stdout
    assert "Traceback" not in result.stderr + doctor.stderr


def test_doctors_advice_for_a_missing_ledger_directory_is_true(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PODWARDEN_DATABASE_URL", f"sqlite:///{tmp_path / 'new' / 'deeper' / 'pw.db'}")
    assert main(["doctor", "--local"]) == 1
    assert "does not exist yet; `podwarden migrate` creates it and the ledger" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # doctor's probe left nothing behind
    assert main(["migrate"]) == 0
    assert main(["doctor", "--local"]) == 0
    assert "ok   ledger:" in capsys.readouterr().out


@pytest.mark.parametrize("user", ["", "alice", "--json"])
def test_ask_as_no_slack_user_id_is_one_line_and_exit_2(user: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--sim", f"--as={user}", "pods"]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.err == f"podwarden ask: --as needs a Slack user id such as U012AB3CD, got {user!r}\n"
    assert captured.out == ""


def test_sim_leaves_the_real_data_directory_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--sim` writes nowhere near the per-user data directory: not the ledger, not its folder,
    not the digest's files; `doctor --sim` does not check the real ledger it never uses."""
    import io
    import tempfile

    from podwarden import bootstrap
    from podwarden.settings import load_settings

    data = tmp_path / "data"
    monkeypatch.delenv("PODWARDEN_DATABASE_URL")
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.chdir(tmp_path)
    assert main(["doctor", "--sim"]) == 0
    out = capsys.readouterr().out
    assert "--   ledger: --sim uses a throwaway ledger" in out
    assert str(data) not in out
    assert main(["ask", "--sim", "pods all"]) == 0
    assert main(["ask", "pods all --sim"]) == 0
    assert main(["ask", "--sim", "digest"]) == 0
    assert "Chart (PNG): " + str(bootstrap.sim_files()) in capsys.readouterr().out
    with bootstrap.build(load_settings(env_file=None), sim=True, console=io.StringIO()) as services:
        files = bootstrap.digest_directory(services)
        assert services.digest_publisher.directory == files  # type: ignore[attr-defined]
        assert files == bootstrap.sim_files()
        assert Path(tempfile.gettempdir()) in files.parents  # kept after the run, so a printed path opens
        ledger = services.settings.database_url.removeprefix("sqlite:///")
        assert Path(tempfile.gettempdir()) in Path(ledger).parents
    assert not Path(ledger).exists()  # the ledger is thrown away with the run
    assert not data.exists()


def test_run_takes_sim_like_bot_and_daemon(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for verb in ("run", "bot", "daemon"):
        with pytest.raises(SystemExit):
            main([verb, "--help"])
        assert "--sim" in capsys.readouterr().out
    monkeypatch.setenv("PODWARDEN_SLACK_BOT_TOKEN", "xoxb-valid")
    assert main(["run", "--sim"]) == EXIT_USAGE  # no app token: one line before anything starts
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Socket Mode needs PODWARDEN_SLACK_APP_TOKEN" in err


@pytest.mark.parametrize(("text", "first"), [
    ("gpus --min-vram -5", "--min-vram must be zero or more, got '-5'"),
    ("scale embeddings --min -1", "--min must be zero or more, got '-1'"),
    ("clear", "unknown command `clear`. Try `help`."),
])
def test_bad_input_reads_as_a_sentence_and_its_usage_is_set_apart(
    text: str, first: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", text]) == EXIT_USAGE
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == first
    if text != "clear":  # a blank line before `Usage:`, as every reply (console, Slack, ask) has
        assert lines[1] == ""
        assert lines[2].startswith("Usage: ")
    assert len(lines) == (1 if text == "clear" else 3)
