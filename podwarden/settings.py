"""Podwarden's settings: one `Settings` object, read from `PODWARDEN_*` environment variables.

Built once in `main()` (see `load_settings`) and passed down; nothing reads the environment
anywhere else. Tokens and keys are `SecretStr` so that they never reach a log line or a
repr. A bad value stops the program with one line naming the variable and what it expects.

Where values come from, first wins: explicit overrides, the environment, a `.env` file in
the working directory, and for the secrets also `PODWARDEN_<NAME>_FILE` (a path whose
content is the value) or a file named `podwarden_<name>` in the secrets directory
(`/run/secrets`, where Docker and Kubernetes mount them), then the defaults below.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Mapping
from datetime import date, time, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from podwarden.domain.access import Role
from podwarden.domain.durations import format_duration, parse_duration
from podwarden.errors import ConfigError, InputError
from podwarden.redaction import MASK, redact_tokens, redact_urls

ENV_PREFIX = "PODWARDEN_"
SECRETS_DIR = Path("/run/secrets")
ENV_FILE = ".env"
# PODWARDEN_* names that are not settings but are ours: the test suite's PostgreSQL server,
# and the tag the RunPod adapter puts in a created pod's environment.
OTHER_VARIABLES = frozenset({"PODWARDEN_TEST_POSTGRES_URL", "PODWARDEN_REQUEST"})


def data_dir() -> Path:
    """The per-user data directory: `$XDG_DATA_HOME/podwarden` (`~/.local/share/podwarden`),
    or `~/Library/Application Support/podwarden` on macOS. Stable whatever the working
    directory, so `podwarden` run from two places keeps one ledger."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "podwarden"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "podwarden"


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'podwarden.db'}"


DEFAULT_DATABASE_URL_SHOWN = "sqlite:///~/.local/share/podwarden/podwarden.db"


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("expected a duration such as 90s, 30m or 2h")
    try:
        return parse_duration(value)
    except InputError as exc:
        raise ValueError(str(exc)) from None


Duration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    PlainSerializer(format_duration, return_type=str),
]


def _csv(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value if str(v).strip())
    raise ValueError("expected a comma-separated list of Slack user ids")


CsvList = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_csv)]

_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


def is_slack_user_id(text: str) -> bool:
    """`U012AB3CD` (or an Enterprise Grid `W…`): the shape of the ids roles are given to."""
    return bool(_SLACK_USER.match(text))


class RunPodApi(StrEnum):
    GRAPHQL = "graphql"
    REST = "rest"


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class Settings(BaseSettings):
    """Every setting, with the default a new team would want. See README's table."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="ignore",
        frozen=True,
        case_sensitive=False,
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
    )

    # RunPod
    runpod_api_key: SecretStr | None = Field(None, description="RunPod API key (rpa_…); sent as a Bearer header")
    runpod_api: RunPodApi = Field(
        RunPodApi.GRAPHQL,
        description="`graphql` (default) or `rest` (REST v2; the account and spot pods still go over GraphQL)",
    )
    runpod_graphql_url: str = Field("https://api.runpod.io/graphql", description="RunPod GraphQL endpoint")
    runpod_rest_url: str = Field("https://api.runpod.io/v2", description="RunPod REST v2 base")
    runpod_serverless_url: str = Field("https://api.runpod.ai/v2", description="Serverless runtime base")
    runpod_timeout: Duration = Field(timedelta(seconds=30), description="per-request timeout")
    runpod_max_retries: int = Field(5, ge=0, le=20, description="retries for reads and idempotent writes")
    runpod_retry_budget: Duration = Field(timedelta(seconds=60), description="total time retries may take")

    # Ledger
    database_url: str = Field(
        default_factory=default_database_url,
        description="SQLAlchemy URL: sqlite:///… or postgresql+psycopg://…; default: a file in the per-user data "
                    "directory (`doctor` prints it)",
    )

    # Slack
    slack_bot_token: SecretStr | None = Field(None, description="bot token (xoxb-…)")
    slack_app_token: SecretStr | None = Field(None, description="app-level token (xapp-…) for Socket Mode")
    slack_signing_secret: SecretStr | None = Field(None, description="signing secret for HTTP mode")
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base")
    slack_command: str = Field("/gpu", description="the slash command")
    http_port: int = Field(3000, ge=1, le=65535, description="port of the bot in HTTP mode")
    notice_channel: str | None = Field(None, description="channel for idle-shutdown notices")
    digest_channel: str | None = Field(None, description="channel for the weekly digest")
    timezone: str = Field("UTC", description="the team's IANA time zone, e.g. Europe/Berlin")
    admins: CsvList = Field((), description="Slack user ids with the admin role")
    members: CsvList = Field((), description="Slack user ids with the member role")
    default_role: Role = Field(Role.VIEWER, description="role of everyone else")
    allowed_channels: CsvList = Field(
        (), description="channel ids where commands are taken (and DMs); empty: everywhere"
    )

    # Idle and cap policy
    idle_after: Duration = Field(timedelta(minutes=30), description="idle window before a warning")
    idle_gpu_percent: int = Field(5, ge=0, le=100, description="GPU utilisation at or under which a GPU is idle")
    idle_cpu_percent: int = Field(10, ge=0, le=100, description="CPU utilisation under which a pod is idle")
    warning_grace: Duration = Field(timedelta(minutes=15), description="time between the warning and the stop")
    min_pod_age: Duration = Field(timedelta(minutes=20), description="a younger pod is never idle")
    approval_threshold: Decimal = Field(
        Decimal("10"), ge=0, description="$/h above which a start needs confirmation by an admin"
    )
    global_cap_per_hr: Decimal | None = Field(None, gt=0, description="fleet-wide $/h cap (hard)")
    tick_interval: Duration = Field(timedelta(minutes=1), description="how often the daemon reads the fleet")

    # Digest
    digest_day: Weekday = Field(Weekday.MON, description="day of the weekly digest")
    digest_time: time = Field(time(9, 0), description="local time of the weekly digest, HH:MM")

    # Dated price defaults (RunPod guides, 2026); live catalog prices win for GPUs.
    prices_date: str = Field("2026-11-01", description="date of the default price table")
    container_disk_gb_month: Decimal = Field(Decimal("0.10"), ge=0, description="$/GB/month, container disk, running")
    volume_gb_month_running: Decimal = Field(Decimal("0.10"), ge=0, description="$/GB/month, volume disk, running")
    volume_gb_month_stopped: Decimal = Field(Decimal("0.20"), ge=0, description="$/GB/month, volume disk, stopped")
    network_volume_gb_month: Decimal = Field(Decimal("0.07"), ge=0, description="$/GB/month, network volume under 1 TB")
    network_volume_gb_month_over_1tb: Decimal = Field(
        Decimal("0.05"), ge=0, description="$/GB/month, network volume over 1 TB"
    )
    serverless_prices_file: str | None = Field(None, description="JSON file overriding the Serverless $/s table")

    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "expected a database URL such as sqlite:///podwarden.db or postgresql+psycopg://user@host/db"
            ) from None
        if url.drivername == "postgres" or url.drivername.startswith("postgres+"):
            raise ValueError("use postgresql+psycopg://user@host/db (SQLAlchemy does not know postgres://)")
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError(f"only sqlite and postgresql are supported, got {url.get_backend_name()!r}")
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            raise ValueError("an in-memory SQLite ledger loses everything when the process ends: "
                             "give a file, e.g. sqlite:///podwarden.db")
        return value

    @field_validator("prices_date")
    @classmethod
    def _prices_date(cls, value: str) -> str:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError("expected a date such as 2026-11-01 (YYYY-MM-DD)") from None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError("expected a date such as 2026-11-01 (YYYY-MM-DD)")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone such as UTC or Europe/Berlin") from None
        return value

    @field_validator("admins", "members")
    @classmethod
    def _user_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [v for v in value if not _SLACK_USER.match(v)]
        if bad:
            shown = ", ".join(_cut(v, 24) for v in bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
            raise ValueError(f"expected Slack user ids such as U012AB3CD, got {shown}")
        return value

    @field_validator("runpod_graphql_url", "runpod_rest_url", "runpod_serverless_url", "slack_api_url")
    @classmethod
    def _http_url(cls, value: str, info: ValidationInfo) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("expected an http(s) URL")
        # A base URL never needs a query string or user info, and either could carry a key
        # that would then travel in every request's URL and in every error that names it.
        if "api_key=" in value.lower():
            raise ValueError("the API key goes in PODWARDEN_RUNPOD_API_KEY, never in a URL")
        parts = urlsplit(value)
        if "@" in parts.netloc:
            raise ValueError("expected a base URL without a user name or password in it; keys and tokens have "
                             "settings of their own")
        if parts.query or parts.fragment or "?" in value:
            raise ValueError("expected a base URL without a query string; keys and tokens have settings of their own")
        # slack_sdk joins method names onto its base URL, so that one must end in "/".
        return value.rstrip("/") + "/" if info.field_name == "slack_api_url" else value.rstrip("/")

    @field_validator("slack_command")
    @classmethod
    def _command(cls, value: str) -> str:
        if not re.fullmatch(r"/[a-z0-9_-]{1,31}", value):
            raise ValueError("expected a slash command such as /gpu")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_settings(
    *, env_file: str | Path | None = ENV_FILE, secrets_dir: str | Path | None = SECRETS_DIR, **overrides: Any
) -> Settings:
    """Read the environment (plus explicit overrides); raise `ConfigError` with one line.

    pydantic's multi-line report is turned into "PODWARDEN_IDLE_AFTER: a duration cannot be
    negative: '-5m' (use e.g. 90s, 30m, 2h)" — the variable a person would set, and why.
    `env_file` and `secrets_dir` are read when they exist (None: not at all).
    """
    secrets = Path(secrets_dir) if secrets_dir is not None and Path(secrets_dir).is_dir() else None
    values = {**_secret_files(os.environ), **overrides}
    try:
        return Settings(_env_file=env_file, _secrets_dir=secrets, **values)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ENV_PREFIX + str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        value = first.get("input")
        hidden = _secret_name(name) or value is None or isinstance(value, dict) or repr(value) in message \
            or "got " in message
        shown = "" if hidden else f" (got {_cut(redact_tokens(redact_urls(repr(value))), 60)})"
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        text = _cut(' '.join(_unquoted_secrets(message, name, value).split()), MAX_MESSAGE)
        raise ConfigError(f"{name}: {text}{shown}{more}") from None


def _unquoted_secrets(message: str, name: str, value: object) -> str:
    """`message` with no secret a validator may have quoted: URLs' passwords and query values
    (`redact_urls`), token shapes (a token pasted into the wrong setting), and the whole value
    of a key, token or secret setting."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if _secret_name(name) and isinstance(value, str) and value.strip():
        message = message.replace(value, MASK).replace(repr(value), MASK)
    return redact_tokens(redact_urls(message))


MAX_MESSAGE = 200  # characters of a setting's error: a pasted page is never repeated whole


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _secret_name(name: str) -> bool:
    return any(word in name for word in ("KEY", "TOKEN", "SECRET"))


def _secret_files(environ: Mapping[str, str]) -> dict[str, str]:
    """`PODWARDEN_SLACK_BOT_TOKEN_FILE=/run/secrets/bot` -> the file's content (stripped), for
    every setting not also given directly. An unreadable file is a `ConfigError` naming it."""
    values: dict[str, str] = {}
    for name in Settings.model_fields:
        variable = f"{ENV_PREFIX}{name.upper()}"
        path = environ.get(f"{variable}_FILE")
        if path is None or variable in environ:
            continue
        try:
            values[name] = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a UTF-8 text file"
            raise ConfigError(f"{variable}_FILE: cannot read {path} ({reason})") from None
    return values


def unknown_variables(environ: Mapping[str, str], *, env_file: str | Path | None = None) -> list[str]:
    """One warning per `PODWARDEN_*` variable that is not a setting, with the nearest valid
    name: a misspelt `PODWARDEN_IDLE_AFTR` would otherwise be silently ignored. Names in
    `env_file` (a `.env`, when it exists) are checked too, and the warning says where."""
    valid = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    known = valid | {f"{v}_FILE" for v in valid} | OTHER_VARIABLES
    names = dict.fromkeys(environ, "")
    if env_file is not None and Path(env_file).is_file():
        from dotenv import dotenv_values

        names.update({name: f" (in {env_file})" for name in dotenv_values(env_file) if name not in environ})
    warnings = []
    for variable, where in sorted(names.items()):
        upper = variable.upper()
        if not upper.startswith(ENV_PREFIX) or upper in known:
            continue
        guess = difflib.get_close_matches(upper, sorted(valid), n=1, cutoff=0.6)
        hint = f"; did you mean {guess[0]}?" if guess else "; `podwarden doctor` lists the settings in use"
        warnings.append(f"{variable}{where} is not a Podwarden setting and is ignored{hint}")
    return warnings


def env_example() -> str:
    """`.env.example`: every setting, commented out at its default (a test keeps them equal).

    Copied to `.env` it changes nothing until a line is uncommented."""
    lines = [
        "# Podwarden's settings, each at its default. Copy to .env (read from the working directory)",
        "# and uncomment what you change. Tokens may instead come from PODWARDEN_<NAME>_FILE or a file",
        "# named podwarden_<name> in /run/secrets. Regenerate: python -c 'from podwarden.settings import",
        "# env_example; print(env_example(), end=\"\")' > .env.example",
    ]
    for name, info in Settings.model_fields.items():
        shown = _default_shown(name)
        value = "" if shown in {"(unset)", "(none)"} else shown
        lines += ["", f"# {info.description or name}", f"# {ENV_PREFIX}{name.upper()}={value}"]
    return "\n".join(lines) + "\n"


def _default_shown(name: str) -> str:
    default = Settings.model_fields[name].default
    if name == "database_url":
        return DEFAULT_DATABASE_URL_SHOWN
    if isinstance(default, timedelta):
        return format_duration(default)
    if isinstance(default, tuple):
        return ",".join(default) or "(none)"
    if isinstance(default, time):
        return default.strftime("%H:%M")
    if isinstance(default, StrEnum):
        return default.value
    if default is None:
        return "(unset)"
    return str(default)


def settings_table() -> str:
    """The README's configuration table, generated from the fields (a test keeps them equal)."""
    rows = ["| variable | default | what it is |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | `{_default_shown(name)}` | {info.description or ''} |")
    return "\n".join(rows)
