"""The composition root: the only place that builds concrete adapters.

The bot, the daemon, the CLI and the test fixtures all come through here, so that what is
wired in production is what is tested. Nothing silently falls back to the simulator: the
caller asks for it with `sim=True` (`podwarden demo`, `--sim`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from podwarden.ports import RunPodGateway, ServerlessGateway
from podwarden.services.costs import CostService
from podwarden.settings import Settings, load_settings

SIM_API_KEY = "sim-local-key"


def settings(**overrides: Any) -> Settings:
    """Settings from the environment, with explicit overrides (None means "not given")."""
    return load_settings(**{k: v for k, v in overrides.items() if v is not None})


def migrate(settings: Settings) -> str:
    """Upgrade the ledger to head (safe when several processes start at once); a line for a person."""
    from sqlalchemy.engine import make_url

    from podwarden.adapters.sql.migrate import current_revision, ensure_migrated

    ensure_migrated(settings.database_url)
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    return f"Ledger at revision {current_revision(settings.database_url)} ({shown})"


@dataclass
class Services:
    """Everything a face needs, built once and closed once."""

    settings: Settings
    runpod: RunPodGateway
    serverless: ServerlessGateway
    costs: CostService
    simulator: Any | None = None  # the RunPodSimulator when running with --sim
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
) -> Services:
    """Wire RunPod (real, or the simulator when `sim` is True or a simulator), prices and services.

    `transport` lets tests route the real adapters through any httpx transport.
    """
    from podwarden.adapters.runpod import GraphQLRunPod, ServerlessClient, build_runpod
    from podwarden.services.prices import load_price_book

    simulator_obj = None
    if sim:
        simulator_obj = simulator() if sim is True else sim
        transport = httpx.MockTransport(simulator_obj)
        settings = settings.model_copy(update={"runpod_api_key": _secret(SIM_API_KEY)})
    runpod = build_runpod(settings, transport=transport)
    serverless = ServerlessClient.from_settings(settings, transport=transport)
    source = "RunPod simulator catalog" if simulator_obj is not None else "live RunPod catalog"
    costs = CostService(catalog=runpod, book=load_price_book(settings), price_source=source)
    services = Services(settings=settings, runpod=runpod, serverless=serverless, costs=costs,
                        simulator=simulator_obj)
    for client in (runpod, serverless):
        if isinstance(client, GraphQLRunPod | ServerlessClient):
            services._closers.append(client.close)
    return services


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)
