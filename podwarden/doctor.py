"""`podwarden doctor`: one line per check, with what to fix. Exit 1 if anything failed.

Used by people setting Podwarden up. `doctor --local` is the container's HEALTHCHECK: it
reads only local state (settings, the ledger and the daemon's heartbeat in it) and never
calls RunPod or Slack, which a check every minute must not do. It never prints a token or
key: only whether one is set and what the service said about it. Adapters come from
`bootstrap`, the one composition root.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from podwarden import bootstrap
from podwarden.domain.money import format_usd
from podwarden.errors import ConfigError, PodwardenError
from podwarden.ports import RunPodGateway
from podwarden.redaction import redact_urls
from podwarden.services.deadman import DAEMON_LEASE
from podwarden.settings import RunPodApi, Settings


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: str  # ok | FAIL | skip
    detail: str

    def line(self) -> str:
        mark = {"ok": "ok  ", "FAIL": "FAIL", "skip": "--  "}[self.status]
        return f"{mark} {self.name}: {self.detail}"


HEARTBEAT_LEASE = DAEMON_LEASE  # the lease the daemon renews every tick
MIN_HEARTBEAT_AGE = timedelta(minutes=3)


def local(*, out: TextIO | None = None, now: datetime | None = None) -> int:
    """Settings, the ledger's revision and the daemon's heartbeat: no network call.

    A heartbeat older than three ticks (at least three minutes) fails; none at all is only
    said, since the bot alone (or a daemon not started yet) writes none."""
    out = out or sys.stdout
    settings = _load_settings(out)
    if settings is None:
        return 1
    results = [_settings(settings, False), _ledger(settings, False)]
    if results[-1].status == "ok":
        results.append(_heartbeat(settings, now or datetime.now(UTC)))
    return _report(results, out)


def _load_settings(out: TextIO) -> Settings | None:
    """The settings, or None after one FAIL line naming what is wrong."""
    try:
        return bootstrap.settings()
    except ConfigError as exc:
        out.write(Check("settings", "FAIL", str(exc)).line() + "\n")
        return None


def _report(results: list[Check], out: TextIO) -> int:
    """One line per check; exit 1 if any failed."""
    for result in results:
        out.write(result.line() + "\n")
    return 1 if any(r.status == "FAIL" for r in results) else 0


def _heartbeat(settings: Settings, now: datetime) -> Check:
    ledger = bootstrap.coordination_ledger(settings)
    try:
        lease = ledger.lease(HEARTBEAT_LEASE)
    finally:
        close = getattr(ledger, "close", None)  # the port has no close(); the SQL ledger has
        if close is not None:
            close()
    if lease is None:
        return Check("heartbeat", "skip", "no daemon heartbeat in the ledger yet")
    beat = lease.beat_at if lease.beat_at.tzinfo else lease.beat_at.replace(tzinfo=UTC)
    age = now - beat
    limit = max(3 * settings.tick_interval, MIN_HEARTBEAT_AGE)
    seconds = int(age.total_seconds())
    if age > limit:
        return Check("heartbeat", "FAIL", f"the daemon ({lease.holder}) last beat {seconds} s ago "
                                          f"(more than {int(limit.total_seconds())} s)")
    return Check("heartbeat", "ok", f"the daemon ({lease.holder}) beat {seconds} s ago")


def main(*, sim: bool = False, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    settings = _load_settings(out)
    if settings is None:
        return 1
    results = [_settings(settings, sim), _ledger(settings, sim), *_runpod(settings, sim)]
    checks: list[Callable[[Settings, bool], Check]] = [_slack, _notices, _digest]
    return _report(results + [check(settings, sim) for check in checks], out)


def _settings(settings: Settings, sim: bool) -> Check:
    return Check("settings", "ok", f"valid (RunPod API: {settings.runpod_api}, command {settings.slack_command}, "
                                   f"time zone {settings.timezone})")


def _ledger(settings: Settings, sim: bool) -> Check:
    from sqlalchemy.engine import make_url

    from podwarden.adapters.sql.migrate import current_revision, head_revision, sqlite_directory_problem
    from podwarden.adapters.sql.migrate import shown as ledger_shown

    if sim and "database_url" not in settings.model_fields_set:
        # what `--sim` really uses: the user's own ledger (and its directory) is left alone
        return Check("ledger", "skip", "--sim uses a throwaway ledger (set PODWARDEN_DATABASE_URL to check one)")
    url = make_url(settings.database_url)
    shown = ledger_shown(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        folder = Path(url.database).expanduser().parent
        if not folder.is_dir():
            problem = sqlite_directory_problem(settings.database_url)
            if problem is not None:
                return Check("ledger", "FAIL", f"{shown}: {problem}")
            return Check("ledger", "FAIL", f"{shown}: the directory {folder} does not exist yet; "
                                           "`podwarden migrate` creates it and the ledger")
    try:
        current = current_revision(settings.database_url)
    except PodwardenError as exc:
        cause = str(exc.__cause__ or exc).strip().splitlines()[0]
        return Check("ledger", "FAIL", f"cannot reach {shown}: {cause}")
    head = head_revision()
    if current != head:
        return Check("ledger", "FAIL", f"{shown} is at revision {current or 'none'}, not {head}: "
                                       "run `podwarden migrate`")
    return Check("ledger", "ok", f"{shown} at head revision {head}")


def _runpod(settings: Settings, sim: bool) -> list[Check]:
    """The account (over GraphQL, whichever API is chosen) and, with ``PODWARDEN_RUNPOD_API=rest``,
    one read of REST v2's pods: the account alone would never try the REST base URL."""
    if not sim and settings.runpod_api_key is None:
        return [Check("runpod", "FAIL", "PODWARDEN_RUNPOD_API_KEY is not set: create a key in RunPod's console "
                                        "(Settings → API Keys), or try `podwarden demo` without one")]
    # One try, no retries: a person waiting on doctor wants "connection refused" now, once.
    once = settings.model_copy(update={"runpod_max_retries": 0})
    try:
        services = bootstrap.build(once, sim=sim, console=io.StringIO())
    except PodwardenError as exc:  # a bad setting, or a ledger build could not open
        return [Check("runpod", "FAIL", str(exc))]
    with services:
        checks = [_account(services.runpod, "simulator" if sim else _shown(settings.runpod_graphql_url))]
        if settings.runpod_api is RunPodApi.REST:
            checks.append(_rest(services.runpod, "simulator" if sim else _shown(settings.runpod_rest_url)))
    return checks


def _account(runpod: RunPodGateway, where: str) -> Check:
    try:
        account = runpod.account()
    except PodwardenError as exc:  # RunPod's refusal, or no answer
        return Check("runpod", "FAIL", str(exc))
    limit = f", limit {format_usd(account.spend_limit_per_hr)}/h" if account.spend_limit_per_hr is not None else ""
    return Check("runpod", "ok", f"{where}: balance {format_usd(account.balance)}, "
                                 f"spending {format_usd(account.spend_per_hr)}/h{limit}")


def _rest(runpod: RunPodGateway, where: str) -> Check:
    """One REST v2 read (the pods), failing under the setting that names its URL."""
    try:
        pods = runpod.list_pods()
    except PodwardenError as exc:
        return Check("runpod rest", "FAIL", f"PODWARDEN_RUNPOD_REST_URL={where}: {exc}")
    return Check("runpod rest", "ok", f"{where}: REST v2 lists {len(pods)} pod(s)")


def _shown(url: str) -> str:
    """`url` without any user info or query value in it."""
    return redact_urls(url)


def _channel_problem(channel: str, variable: str) -> str | None:
    """Slack channel ids (C…, G…) are needed: finding a posted message again after a crash
    reads the channel's history by id, so a #name would stop the notice or digest for good."""
    if channel[:1] in {"C", "G"} and channel[1:].isalnum() and channel.upper() == channel:
        return None
    return (f"{variable}={channel!r} is not a Slack channel id: use the id (C0123ABC; in Slack, the channel's "
            "details → About, at the bottom), not its name")


def _notices(settings: Settings, sim: bool) -> Check:
    channel = settings.notice_channel
    if not channel:
        return Check("notices", "skip", "no notice channel (PODWARDEN_NOTICE_CHANNEL unset): idle warnings go to "
                                        "owners by DM only, and unowned pods' warnings and the daemon's silence "
                                        "are not posted")
    problem = _channel_problem(channel, "PODWARDEN_NOTICE_CHANNEL")
    return Check("notices", "FAIL", problem) if problem else Check("notices", "ok", f"posted to {channel}")


def _digest(settings: Settings, sim: bool) -> Check:
    channel = settings.digest_channel
    if not channel:
        return Check("digest", "skip", "no digest channel (PODWARDEN_DIGEST_CHANNEL unset): the weekly digest is "
                                       "not posted (`/gpu digest` still previews it)")
    problem = _channel_problem(channel, "PODWARDEN_DIGEST_CHANNEL")
    if problem:
        return Check("digest", "FAIL", problem)
    return Check("digest", "ok", f"posted to {channel} every {settings.digest_day.value} "
                                 f"{settings.digest_time:%H:%M} ({settings.timezone})")


def _slack(settings: Settings, sim: bool) -> Check:
    if settings.slack_bot_token is None:
        return Check("slack", "skip", "PODWARDEN_SLACK_BOT_TOKEN is not set (the console works without Slack; "
                                      "see slack-manifest.yml to create the app)")
    from slack_sdk.errors import SlackApiError

    client = bootstrap.slack_client(settings)
    quiet, sdk_log = _Unsent(), logging.getLogger("slack_sdk.web.base_client")
    sdk_log.addFilter(quiet)  # slack_sdk logs each failed try at ERROR; the FAIL line says it once
    try:
        auth = client.auth_test()
    except SlackApiError as exc:
        return Check("slack", "FAIL", f"auth.test refused the bot token: {exc.response.get('error', 'error')}")
    except OSError as exc:  # urllib's URLError, a timeout, a refused connection
        reason = getattr(exc, "reason", None) or exc
        said = reason.strerror if isinstance(reason, OSError) and reason.strerror else type(reason).__name__
        return Check("slack", "FAIL", f"cannot reach {_shown(settings.slack_api_url)}: {said}")
    finally:
        sdk_log.removeFilter(quiet)
    if settings.slack_app_token is not None:
        mode = "Socket Mode"
    elif settings.slack_signing_secret is not None:
        mode = f"HTTP mode on port {settings.http_port}"
    else:
        return Check("slack", "FAIL", f"token ok for {auth.get('team')}, but neither PODWARDEN_SLACK_APP_TOKEN "
                                      "(Socket Mode) nor PODWARDEN_SLACK_SIGNING_SECRET (HTTP mode) is set")
    return Check("slack", "ok", f"bot {auth.get('user')} in {auth.get('team')}, {mode}")


class _Unsent(logging.Filter):
    """Drops slack_sdk's "Failed to send a request" records while doctor asks auth.test."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to send a request")
