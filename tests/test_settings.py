"""Settings: the names the docs promise, defaults, sources (.env, files, secrets), one-line errors."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from podwarden.errors import ConfigError
from podwarden.settings import Settings, load_settings, settings_table, unknown_variables

ROOT = Path(__file__).resolve().parents[1]


pytestmark = pytest.mark.usefixtures("podwarden_env")


def test_defaults_are_what_a_new_team_gets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PODWARDEN_DATABASE_URL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    s = load_settings()
    assert s.database_url == f"sqlite:///{tmp_path / 'data' / 'podwarden' / 'podwarden.db'}"
    assert s.runpod_api == "graphql"
    assert s.slack_command == "/gpu"
    assert s.default_role == "viewer"
    assert s.idle_after == timedelta(minutes=30)
    assert s.volume_gb_month_stopped == Decimal("0.20")


def test_every_setting_named_in_the_design_exists() -> None:
    design = [
        "RUNPOD_API_KEY", "RUNPOD_API", "RUNPOD_GRAPHQL_URL", "RUNPOD_REST_URL", "RUNPOD_SERVERLESS_URL",
        "DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL",
        "SLACK_COMMAND", "NOTICE_CHANNEL", "DIGEST_CHANNEL", "TIMEZONE", "ADMINS", "MEMBERS", "DEFAULT_ROLE",
    ]
    fields = {name.upper() for name in Settings.model_fields}
    assert set(design) <= fields


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("30m", 1800), ("2h", 7200), ("1h30m", 5400), ("45s", 45), ("1d", 86400)]
)
def test_durations_accept_seconds_minutes_hours(monkeypatch: pytest.MonkeyPatch, text: str, seconds: int) -> None:
    monkeypatch.setenv("PODWARDEN_IDLE_AFTER", text)
    assert load_settings().idle_after == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DATABASE_URL", "nonsense", "PODWARDEN_DATABASE_URL: expected a database URL"),
        ("DATABASE_URL", "mysql://x/y", "PODWARDEN_DATABASE_URL: only sqlite and postgresql are supported"),
        ("IDLE_AFTER", "-5m", "PODWARDEN_IDLE_AFTER: a duration cannot be negative"),
        ("IDLE_AFTER", "soon", "PODWARDEN_IDLE_AFTER: not a duration"),
        ("IDLE_AFTER", "5", "PODWARDEN_IDLE_AFTER: give a duration a unit: 5s, 5m or 5h?"),
        ("DATABASE_URL", "postgres://u@db/x", "use postgresql+psycopg://"),
        ("IDLE_GPU_PERCENT", "150", "PODWARDEN_IDLE_GPU_PERCENT:"),
        ("ADMINS", "U012AB,bob", "PODWARDEN_ADMINS: expected Slack user ids"),
        ("TIMEZONE", "Mars/Olympus", "PODWARDEN_TIMEZONE: expected an IANA time zone"),
        ("RUNPOD_API", "soap", "PODWARDEN_RUNPOD_API:"),
        ("RUNPOD_GRAPHQL_URL", "https://api.runpod.io/graphql?api_key=rpa_x", "never in a URL"),
        ("SLACK_COMMAND", "gpu", "PODWARDEN_SLACK_COMMAND: expected a slash command"),
        ("DIGEST_TIME", "25:99", "PODWARDEN_DIGEST_TIME:"),
        ("IDLE_AFTER", "99999999999d", "PODWARDEN_IDLE_AFTER: a duration is at most 3,650 days"),
        ("IDLE_AFTER", "9" * 400 + "s", "PODWARDEN_IDLE_AFTER: not a duration"),
        ("PRICES_DATE", "last tuesday", "PODWARDEN_PRICES_DATE: expected a date such as 2026-11-01"),
        ("PRICES_DATE", "2026-02-30", "PODWARDEN_PRICES_DATE: expected a date"),
        ("DATABASE_URL", "sqlite://", "PODWARDEN_DATABASE_URL: an in-memory SQLite ledger loses everything"),
        ("DATABASE_URL", "sqlite:///:memory:", "an in-memory SQLite ledger"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(f"PODWARDEN_{name}", value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


def test_roles_come_from_comma_separated_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODWARDEN_ADMINS", "U012AB3CD, W0ABCDEF")
    monkeypatch.setenv("PODWARDEN_MEMBERS", "")
    s = load_settings()
    assert s.admins == ("U012AB3CD", "W0ABCDEF")
    assert s.members == ()


def test_secrets_never_show_in_repr_or_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODWARDEN_RUNPOD_API_KEY", "rpa_supersecret")
    monkeypatch.setenv("PODWARDEN_SLACK_BOT_TOKEN", "xoxb-supersecret")
    s = load_settings()
    assert "supersecret" not in repr(s)
    assert "supersecret" not in str(s.model_dump())
    assert s.runpod_api_key is not None
    assert s.runpod_api_key.get_secret_value() == "rpa_supersecret"
    monkeypatch.setenv("PODWARDEN_IDLE_AFTER", "never")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "supersecret" not in str(caught.value)


def test_readme_configuration_table_matches_the_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table() in readme, "regenerate the table: python -c 'from podwarden.settings import " \
                                       "settings_table; print(settings_table())'"


def test_urls_are_normalised_for_their_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODWARDEN_SLACK_API_URL", "http://127.0.0.1:9000/api")
    monkeypatch.setenv("PODWARDEN_RUNPOD_SERVERLESS_URL", "http://127.0.0.1:9000/v2/")
    s = load_settings()
    assert s.slack_api_url == "http://127.0.0.1:9000/api/"
    assert s.runpod_serverless_url == "http://127.0.0.1:9000/v2"


def test_the_default_ledger_does_not_depend_on_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PODWARDEN_DATABASE_URL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    first = load_settings(env_file=None).database_url
    monkeypatch.chdir(tmp_path)
    assert load_settings(env_file=None).database_url == first
    assert Path(first.removeprefix("sqlite:///")).is_absolute()


def test_a_misspelt_variable_gets_the_nearest_valid_name() -> None:
    warnings = unknown_variables({
        "PODWARDEN_IDLE_AFTR": "1h", "PODWARDEN_IDLE_AFTER": "1h", "PODWARDEN_TEST_POSTGRES_URL": "x",
        "PODWARDEN_SLACK_BOT_TOKEN_FILE": "/run/secrets/t", "PATH": "/bin",
    })
    assert warnings == ["PODWARDEN_IDLE_AFTR is not a Podwarden setting and is ignored; "
                        "did you mean PODWARDEN_IDLE_AFTER?"]


def test_the_cli_warns_about_a_misspelt_variable(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from podwarden.cli import main

    monkeypatch.setenv("PODWARDEN_SLACK_COMAND", "/gpu")
    with caplog.at_level("WARNING", logger="podwarden.settings"):
        main(["doctor", "--local"])
    assert "did you mean PODWARDEN_SLACK_COMMAND?" in caplog.text


def test_settings_come_from_a_dotenv_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("PODWARDEN_TIMEZONE=Europe/Berlin\nPODWARDEN_SLACK_COMMAND=/ops\n", encoding="utf-8")
    monkeypatch.setenv("PODWARDEN_SLACK_COMMAND", "/gpu")  # the environment wins over the file
    s = load_settings(env_file=env)
    assert s.timezone == "Europe/Berlin"
    assert s.slack_command == "/gpu"


def test_secrets_come_from_files_as_containers_mount_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    token = tmp_path / "bot-token"
    token.write_text("xoxb-from-a-file\n", encoding="utf-8")
    monkeypatch.setenv("PODWARDEN_SLACK_BOT_TOKEN_FILE", str(token))
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "podwarden_runpod_api_key").write_text("rpa_from_secrets_dir", encoding="utf-8")
    s = load_settings(env_file=None, secrets_dir=secrets)
    assert s.slack_bot_token is not None
    assert s.slack_bot_token.get_secret_value() == "xoxb-from-a-file"
    assert s.runpod_api_key is not None
    assert s.runpod_api_key.get_secret_value() == "rpa_from_secrets_dir"

    monkeypatch.setenv("PODWARDEN_SLACK_BOT_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file=None)
    assert str(caught.value).startswith("PODWARDEN_SLACK_BOT_TOKEN_FILE: cannot read")


def test_a_missing_secrets_directory_is_not_an_error(tmp_path: Path) -> None:
    assert load_settings(env_file=None, secrets_dir=tmp_path / "nowhere").runpod_api_key is None


def test_a_misspelt_name_in_the_dotenv_file_is_warned_about_too(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("PODWARDEN_IDLE_AFTR=1h\nPOSTGRES_PASSWORD=x\nPODWARDEN_TIMEZONE=UTC\n", encoding="utf-8")
    assert unknown_variables({}, env_file=env) == [
        f"PODWARDEN_IDLE_AFTR (in {env}) is not a Podwarden setting and is ignored; did you mean PODWARDEN_IDLE_AFTER?"
    ]
    assert unknown_variables({}, env_file=tmp_path / "missing") == []
