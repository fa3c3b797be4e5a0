"""Serverless usage: what each endpoint's workers did, hour by hour, and since when they idle.

Pods' usage is recorded by the lifecycle tick itself (intervals and utilisation roll-ups go
in with the tick's observations). Endpoints are sampled here: their list (one request) and
each endpoint's health, rolled up per UTC hour as running-worker and idle-worker seconds
with what they cost. An endpoint whose workers ran no job for a whole day while keeping
active workers warm is what the daemon reports; `jobless_since` reads that from the
roll-ups, so a restart forgets nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from podwarden.domain.lifecycle import EndpointState
from podwarden.domain.models import Endpoint, EndpointHealth
from podwarden.domain.pricing import PriceBook, ServerlessPrice
from podwarden.errors import RunPodError
from podwarden.ports import Clock, Ledger, RunPodGateway, ServerlessGateway

log = logging.getLogger("podwarden.usage")

_ZERO = Decimal(0)
_HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class EndpointSample:
    endpoint: Endpoint
    health: EndpointHealth | None


class UsageService:
    def __init__(
        self, *, runpod: RunPodGateway, serverless: ServerlessGateway, ledger: Ledger, clock: Clock, book: PriceBook,
        interval: timedelta,
    ) -> None:
        self._runpod = runpod
        self._serverless = serverless
        self._ledger = ledger
        self._clock = clock
        self._book = book
        self._interval = interval

    def sample_endpoints(self) -> list[EndpointSample] | None:
        """Record one sample of every endpoint; None when the list could not be read."""
        now = self._clock.now()
        try:
            endpoints = self._runpod.list_endpoints()
        except RunPodError as exc:
            log.warning("could not list endpoints: %s", exc)
            return None
        self._ledger.observe_endpoints(endpoints, now=now, complete=True)
        seconds = int(self._interval.total_seconds())
        samples = []
        for endpoint in endpoints:
            try:
                health: EndpointHealth | None = self._serverless.health(endpoint.id)
            except RunPodError as exc:
                log.warning("no health for endpoint %s: %s", endpoint.id, exc)
                health = None
            samples.append(EndpointSample(endpoint, health))
            if health is None:
                continue
            cost = self.cost(endpoint, health, seconds)
            self._ledger.add_endpoint_usage(
                endpoint.id, at=now, seconds=seconds, workers_running=health.workers_running,
                workers_idle=health.workers_idle, cost=cost,
            )
            self._ledger.add_endpoint_quarter(  # the digest's buckets: owner and team of the time
                endpoint.id, at=now, seconds=seconds, workers_running=health.workers_running,
                workers_idle=health.workers_idle, cost=cost, idle_cost=self.idle_cost(endpoint, health, seconds),
            )
        return samples

    def idle_cost(self, endpoint: Endpoint, health: EndpointHealth, seconds: int) -> Decimal:
        """What the active workers cost while they ran no job (the waste the digest shows)."""
        price = self._price(endpoint)
        if price is None:
            return _ZERO
        idle_active = min(endpoint.workers_min, health.workers_idle)
        return (idle_active * price.active_per_s * endpoint.gpu_count * seconds).quantize(Decimal("0.000001"))

    def cost(self, endpoint: Endpoint, health: EndpointHealth, seconds: int) -> Decimal:
        """Active (workersMin) workers bill all the time at the active rate; others at flex while running."""
        price = self._price(endpoint)
        if price is None:
            return _ZERO
        workers = health.workers_running + health.workers_idle
        active = min(endpoint.workers_min, workers)
        flex_running = max(health.workers_running - active, 0)
        per_gpu = active * price.active_per_s + flex_running * price.flex_per_s
        return (per_gpu * endpoint.gpu_count * seconds).quantize(Decimal("0.000001"))

    def active_cost_per_hr(self, endpoint: Endpoint) -> Decimal:
        """What the endpoint's active (min) workers cost per hour, unrounded: a month is derived
        from it (x 720), and $0.396/h rounded first would say $288.00 a month, not $285.12."""
        price = self._price(endpoint)
        if price is None:
            return _ZERO
        return price.active_per_s * 3600 * endpoint.workers_min * endpoint.gpu_count

    def _price(self, endpoint: Endpoint) -> ServerlessPrice | None:
        return next((p for p in self._book.serverless if p.pool in endpoint.gpu_ids), None)

    def endpoint_states(self, samples: list[EndpointSample], *, window: timedelta) -> tuple[EndpointState, ...]:
        now = self._clock.now()
        return tuple(
            EndpointState(
                endpoint=s.endpoint, owner_id=self._ledger.endpoint_owner(s.endpoint.id),
                jobless_since=self.jobless_since(s.endpoint.id, now=now, window=window),
                active_cost_per_hr=self.active_cost_per_hr(s.endpoint),
            )
            for s in samples
        )

    def jobless_since(self, endpoint_id: str, *, now: datetime, window: timedelta) -> datetime | None:
        """The start of the unbroken run of sampled hours, up to now, in which no worker ran a job
        but some stood idle; None if the latest hour saw work (or nothing was sampled)."""
        hours = self._ledger.endpoint_usage(start=now - window - 2 * _HOUR, end=now + _HOUR, endpoint_id=endpoint_id)
        since: datetime | None = None
        expected: datetime | None = None
        for hour in hours:
            quiet = hour.running_worker_seconds == 0 and hour.idle_worker_seconds > 0
            if not quiet or (expected is not None and hour.hour_start != expected):
                since = None
            if quiet and since is None:
                since = hour.hour_start
            expected = hour.hour_start + _HOUR
        if expected is None or now - expected >= _HOUR:
            return None  # the latest sampled hour is not this one
        return since
