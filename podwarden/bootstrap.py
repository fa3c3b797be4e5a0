"""The composition root: the only place that builds concrete adapters.

The bot, the daemon, the CLI and the test fixtures all come through here, so that what is
wired in production is what is tested. Nothing silently falls back to the simulator: the
caller asks for it with `sim=True` (`podwarden demo`, `--sim`).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import httpx

from podwarden.domain.pricing import PriceBook
from podwarden.errors import ConfigError
from podwarden.ports import (
    Clock,
    CoordinationLedger,
    DigestPublisher,
    LeaderLock,
    Ledger,
    Notifier,
    RunPodGateway,
    ServerlessGateway,
)
from podwarden.services.costs import CostService
from podwarden.settings import RunPodApi, Settings, load_settings

if TYPE_CHECKING:
    from pydantic import SecretStr

    from podwarden.adapters.runpod import RetryPolicy
    from podwarden.services.audit import AuditService
    from podwarden.services.confirmations import ConfirmationService
    from podwarden.services.deadman import DeadMansSwitch
    from podwarden.services.digest_delivery import DigestDelivery
    from podwarden.services.reporting import ReportingService

SIM_API_KEY = "sim-local-key"
SIM_URL = "http://runpod-simulator.in-process"  # never resolved: requests go to the in-process simulator


def settings(**overrides: Any) -> Settings:
    """Settings from the environment, with explicit overrides (None means "not given")."""
    return load_settings(**{k: v for k, v in overrides.items() if v is not None})


def migrate(settings: Settings) -> str:
    """Upgrade the ledger to head (safe when several processes start at once); a line for a person."""
    from podwarden.adapters.sql.engine import shown as ledger_shown
    from podwarden.adapters.sql.migrate import current_revision, ensure_migrated

    ensure_migrated(settings.database_url)
    shown = ledger_shown(settings.database_url)
    return f"Ledger at revision {current_revision(settings.database_url)} ({shown})"


@dataclass
class Services:
    """Everything a face needs, built once and closed once.

    The bot, the daemon and the console reach RunPod, the ledger, Slack and the time only
    through these ports.
    """

    settings: Settings
    runpod: RunPodGateway
    serverless: ServerlessGateway
    costs: CostService
    ledger: Ledger
    clock: Clock
    notifier: Notifier
    digest_publisher: DigestPublisher  # where the weekly digest goes (Slack or the console)
    simulator: Any | None = None  # the RunPodSimulator when running with --sim
    files: Path | None = None  # where a console saves digest PNG/CSV: `sim_files()` under --sim; None: data_dir()
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def simulator(*, scenario: str | None = "demo", seed: int = 0, clock: Any | None = None) -> Any:
    """An in-process RunPod simulator loaded with a shipped scenario (or a file path)."""
    from podwarden.sim import RunPodSimulator, Scenario

    loaded = Scenario.load(scenario) if scenario else None
    return RunPodSimulator(clock=clock, seed=seed, scenario=loaded, api_key=SIM_API_KEY)


def build(
    settings: Settings,
    *,
    sim: Any | bool = False,
    transport: httpx.BaseTransport | None = None,
    clock: Clock | None = None,
    notifier: Notifier | None = None,
    console: TextIO | None = None,
    slack_transport_url: str | None = None,
    digest_publisher: DigestPublisher | None = None,
) -> Services:
    """Wire RunPod (real, or the simulator when `sim` is True or a simulator), the ledger,
    Slack (or the console), prices and services.

    `transport` lets tests route the real adapters through any httpx transport. The clock is
    the simulator's when running against one (so the demo and replays can move time), else
    the system clock. The ledger is migrated to head first. Notes go to Slack when a bot
    token is set, else to `console` (stdout by default); tests pass their own `notifier`.
    """
    from podwarden.adapters.runpod import GraphQLRunPod, RestRunPod, ServerlessClient
    from podwarden.adapters.sql.ledger import SqlLedger
    from podwarden.adapters.sql.migrate import ensure_migrated
    from podwarden.clock import SystemClock

    simulator_obj = None
    scratch: tempfile.TemporaryDirectory[str] | None = None
    if sim and "database_url" not in settings.model_fields_set:
        # A simulated world must not leave budgets, keeps, spend or digest files where a real
        # account's are: `--sim` gets a throwaway ledger unless one is named explicitly, and
        # its digest files go to `sim_files()`.
        scratch = tempfile.TemporaryDirectory(prefix="podwarden-sim-")
        settings = settings.model_copy(update={"database_url": f"sqlite:///{Path(scratch.name) / 'ledger.db'}"})
    if sim:
        simulator_obj = simulator() if sim is True else sim
        transport = httpx.MockTransport(simulator_obj)
        # The simulator answers by path; a host of its own keeps -v logs from naming RunPod's.
        settings = settings.model_copy(update={
            "runpod_api_key": _secret(SIM_API_KEY), "runpod_graphql_url": f"{SIM_URL}/graphql",
            "runpod_rest_url": f"{SIM_URL}/v2", "runpod_serverless_url": f"{SIM_URL}/v2",
        })
        if clock is None:
            clock = simulator_obj  # its now() is simulated time, which the demo can fast-forward
    try:
        ensure_migrated(settings.database_url)
        ledger = SqlLedger.connect(settings.database_url)
    except BaseException:
        if scratch is not None:
            scratch.cleanup()
        raise
    try:
        runpod = runpod_client(settings, transport=transport)
        serverless = serverless_client(settings, transport=transport)
    except BaseException:
        ledger.close()
        if scratch is not None:
            scratch.cleanup()
        raise
    source = "RunPod simulator catalog" if simulator_obj is not None else "live RunPod catalog"
    costs = CostService(catalog=runpod, book=price_book(settings), price_source=source)
    files = sim_files() if sim else None
    services = Services(
        settings=settings, runpod=runpod, serverless=serverless, costs=costs, ledger=ledger,
        clock=clock or SystemClock(), notifier=notifier or _notifier(settings, console),
        simulator=simulator_obj,
        digest_publisher=digest_publisher or _digest_publisher(settings, console, files),
        files=files,
    )
    if scratch is not None:
        services._closers.append(scratch.cleanup)  # closers run last-in first-out: after the ledger
    services._closers.append(ledger.close)
    for client in (runpod, serverless):
        if isinstance(client, GraphQLRunPod | RestRunPod | ServerlessClient):
            services._closers.append(client.close)
    return services


def runpod_client(settings: Settings, *, transport: httpx.BaseTransport | None = None) -> RunPodGateway:
    """The management-API adapter ``PODWARDEN_RUNPOD_API`` asks for, from the settings' URL,
    key, timeout and retry bounds. `close()` it when done.

    REST v2 comes with a GraphQL adapter for what v2 lacks (the account, spot pods), which
    it owns and closes."""
    from podwarden.adapters.runpod import GraphQLRunPod, RestRunPod

    key, timeout, retry = _runpod_api_key(settings), settings.runpod_timeout.total_seconds(), runpod_retry(settings)
    graphql = GraphQLRunPod(url=settings.runpod_graphql_url, api_key=key, timeout=timeout, retry=retry,
                            transport=transport)
    if settings.runpod_api is RunPodApi.REST:
        try:
            return RestRunPod(url=settings.runpod_rest_url, api_key=key, graphql=graphql, timeout=timeout,
                              retry=retry, transport=transport)
        except BaseException:
            graphql.close()
            raise
    return graphql


def serverless_client(settings: Settings, *, transport: httpx.BaseTransport | None = None) -> ServerlessGateway:
    """The Serverless runtime adapter (the same for either management API). `close()` it when done."""
    from podwarden.adapters.runpod import ServerlessClient

    return ServerlessClient(
        url=settings.runpod_serverless_url, api_key=_runpod_api_key(settings),
        timeout=settings.runpod_timeout.total_seconds(), retry=runpod_retry(settings), transport=transport,
    )


def runpod_retry(settings: Settings) -> RetryPolicy:
    """``PODWARDEN_RUNPOD_MAX_RETRIES`` retries within ``PODWARDEN_RUNPOD_RETRY_BUDGET`` per operation."""
    from podwarden.adapters.runpod import RetryPolicy

    budget = settings.runpod_retry_budget.total_seconds()
    if budget <= 0:
        raise ConfigError("PODWARDEN_RUNPOD_RETRY_BUDGET must be positive: it bounds the whole of "
                          "every RunPod operation, its first request included (e.g. 60s)")
    return RetryPolicy.with_retries(settings.runpod_max_retries, budget_seconds=budget)


def _runpod_api_key(settings: Settings) -> SecretStr:
    """The RunPod key (a `SecretStr`), or a `ConfigError` saying how to provide it."""
    key = settings.runpod_api_key
    if key is None or not key.get_secret_value().strip():
        raise ConfigError(
            "PODWARDEN_RUNPOD_API_KEY is not set: create an API key in RunPod's console "
            "(Settings → API Keys) and export it, or run `podwarden demo` to use the simulator"
        )
    return key


def coordination_ledger(settings: Settings) -> CoordinationLedger:
    """The ledger's leases alone, with no RunPod or Slack client and no migration: what
    `doctor --local` (the container's health check) reads the daemon's heartbeat from.
    `close()` it when done."""
    from podwarden.adapters.sql.ledger import SqlLedger

    ledger: CoordinationLedger = SqlLedger.connect(settings.database_url)
    return ledger


def price_book(settings: Settings) -> PriceBook:
    """The price book quotes use: storage rates and their date from settings, the Serverless
    table from the shipped file or `PODWARDEN_SERVERLESS_PRICES_FILE` (read by an adapter)."""
    from podwarden.adapters.price_table import load_serverless_table

    table = load_serverless_table(settings.serverless_prices_file)
    return PriceBook(
        date=table.date,
        source=table.source,
        container_disk_gb_month=settings.container_disk_gb_month,
        volume_gb_month_running=settings.volume_gb_month_running,
        volume_gb_month_stopped=settings.volume_gb_month_stopped,
        network_volume_gb_month=settings.network_volume_gb_month,
        network_volume_gb_month_over_1tb=settings.network_volume_gb_month_over_1tb,
        serverless=table.prices,
        storage_date=settings.prices_date,
    )


def slack_client(settings: Settings) -> Any:
    """A slack_sdk `WebClient` for the bot token, retrying rate limits (429) as Slack asks.

    The default client retries connection errors only; a 429 with `Retry-After` is waited
    out (up to three times) instead of failing the notice.
    """
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = WebClient(token=token, base_url=settings.slack_api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client


def _notifier(settings: Settings, console: TextIO | None) -> Notifier:
    from podwarden.adapters.slack.notifier import ConsoleNotifier, SlackNotifier

    if settings.slack_bot_token is not None and console is None:
        return SlackNotifier(slack_client(settings))
    return ConsoleNotifier(console or sys.stdout)


def _digest_publisher(settings: Settings, console: TextIO | None, files: Path | None = None) -> DigestPublisher:
    from podwarden.adapters.slack.digest_publisher import ConsoleDigestPublisher, SlackDigestPublisher

    if settings.slack_bot_token is not None and console is None:
        return SlackDigestPublisher(slack_client(settings))
    return ConsoleDigestPublisher(console or sys.stdout, files or digest_directory())


def sim_files() -> Path:
    """Where a `--sim` run saves files a person opens afterwards (digest PNG/CSV): under the
    system's temporary directory, never the per-user data directory, and not removed at exit
    (the path `ask --sim digest` prints must still open). Made only when a file is saved."""
    import getpass

    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name in a bare container
        user = "user"
    return Path(tempfile.gettempdir()) / f"podwarden-sim-{user}" / "digests"


def digest_directory(services: Services | None = None) -> Path:
    """Where the console saves digest files (PNG, CSV): the per-user data directory, not /tmp;
    under `--sim` (`services.files`), `sim_files()`, never the real one."""
    from podwarden.settings import data_dir

    if services is not None and services.files is not None:
        return services.files
    return data_dir() / "digests"


def reporting(services: Services) -> ReportingService:
    """The `ReportingService` (digest, `spend`) over the services' ledger, RunPod, prices and zone;
    checked against the simulator's own billing when running against it."""
    from podwarden.services.reporting import ReportingService, simulator_billing

    billing = None if services.simulator is None else simulator_billing(services.simulator)
    return ReportingService(
        ledger=services.ledger, runpod=services.runpod, clock=services.clock, zone=services.settings.timezone,
        catalog=services.runpod, book=services.costs.book, billing=billing,
    )


def digest_delivery(services: Services) -> DigestDelivery:
    """Posting a week's digest once, built the same for both faces: the daemon's weekly job and
    the bot's `digest now` claim the week in the same ledger, so neither posts it twice."""
    from podwarden.services.digest_delivery import DigestDelivery

    return DigestDelivery(ledger=services.ledger, publisher=services.digest_publisher, reporting=reporting(services))


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


def leader_lock(database_url: str, *, key: int) -> LeaderLock | None:
    """The database's own leader lock (PostgreSQL's advisory lock), or None where there is none
    (SQLite: the daemon falls back to the ledger's lease table)."""
    if not database_url.startswith("postgresql"):
        return None
    from podwarden.adapters.sql.advisory_lock import AdvisoryLock

    return AdvisoryLock(database_url, key=key)


def confirmations(services: Services, *, audit: AuditService | None = None) -> ConfirmationService:
    """Confirm buttons and admin approvals, built the same for both faces: the bot offers and
    decides them, the daemon expires lapsed ones every tick; either reaches the same approvers
    (the notice channel, else every admin by DM)."""
    from podwarden.services.audit import AuditService
    from podwarden.services.confirmations import ConfirmationService

    s = services.settings
    return ConfirmationService(
        services.ledger, services.clock, services.notifier, audit or AuditService(services.ledger, services.clock),
        approval_threshold=s.approval_threshold, notice_channel=s.notice_channel, admins=s.admins,
    )


def dead_mans_switch(services: Services) -> DeadMansSwitch:
    """The check the bot's process runs: the notice channel hears when the daemon goes quiet."""
    from podwarden.services.deadman import DeadMansSwitch

    settings = services.settings
    return DeadMansSwitch(services.ledger, services.notifier, services.clock, channel=settings.notice_channel,
                          tick_interval=settings.tick_interval)
