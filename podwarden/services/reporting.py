"""Reporting: gathers what the weekly digest and `spend` need, and asks `domain.digest`.

From the ledger: priced intervals and Serverless quarter hours (with the owner and team of
the time), the daemon's auto-stops, budgets and members' names. From RunPod: the balance
and spend rate, network volumes (those no pod uses bill anyway) and endpoints' GPU pools.
From the cost engine: the prices behind the recommendations. From a billing source, when
there is one (the simulator's meters), the bill the digest's total is checked against.

Plain values in (the zone's name), no settings: the composition root decides.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from podwarden.domain.digest import (
    BillingCheck,
    Digest,
    DigestInputs,
    Recommendation,
    SpendOutlook,
    SpendSummary,
    VolumeCost,
    build_digest,
    last_full_week,
    local_midnight,
    month_bounds,
    period_end,
    spend_outlook,
    spend_summary,
    spend_window,
    week_bounds,
)
from podwarden.domain.digest_advice import endpoint_as_pod, pod_as_serverless
from podwarden.domain.ledger_values import AuditOutcome, Member
from podwarden.domain.models import Cloud, GpuType, PodStatus
from podwarden.domain.pricing import PriceBook
from podwarden.domain.spend_values import AutoStop, EndpointQuarter, PodStretch
from podwarden.errors import PodwardenError
from podwarden.ports import Clock, GpuCatalog, Ledger, RunPodGateway
from podwarden.services.pods import storage_now

log = logging.getLogger(__name__)

BillingSource = Callable[[datetime, datetime], BillingCheck]
NO_BILLING = "RunPod's own bill is not available to Podwarden for a real account yet"
_ONE_MICRO = timedelta(microseconds=1)
_MICROS_PER_HOUR = 3_600_000_000
DAEMON_ACTOR = "podwarden-daemon"  # who the lifecycle daemon audits its stops as
_SAME_STOP = timedelta(minutes=10)  # a recorded stop and its audit entry are one stop


@dataclass(frozen=True, slots=True)
class SpendAnswer:
    label: str  # "this week (since Monday 2026-11-23)"
    who: str | None  # "@alice", "team ml", None for everyone
    summary: SpendSummary
    outlook: SpendOutlook


class ReportingService:
    def __init__(
        self, *, ledger: Ledger, runpod: RunPodGateway, clock: Clock, zone: str,
        catalog: GpuCatalog | None = None, book: PriceBook | None = None, billing: BillingSource | None = None,
    ) -> None:
        self._ledger = ledger
        self._runpod = runpod
        self._clock = clock
        self.zone = ZoneInfo(zone)
        self._catalog = catalog
        self._book = book
        self._billing = billing

    def last_week(self) -> date:
        """The Monday of the last full week in the team's zone."""
        return last_full_week(self._clock.now(), self.zone)

    def preview(self) -> Digest:
        """`digest` for a person: the last full week, or, when that week has no spend recorded at
        all (a fresh install, the demo), this week so far, saying so. The weekly job does not
        come here: it always posts the last full week."""
        last = self.digest()
        if last.rows or last.total.this_week:
            return last
        now = self._clock.now()
        monday = last.week_start + timedelta(days=7)
        return self.digest(monday, until=now, note=(
            f"Last week has no spend recorded; this is the week so far ({monday:%a} {monday.day} {monday:%b} – now)"))

    def digest(self, week_start: date | None = None, *, until: datetime | None = None,
               note: str | None = None) -> Digest:
        """The digest of the week starting `week_start` (default: the last full week), up to
        `until` when given (the week so far)."""
        week = week_start or self.last_week()
        start, end = week_bounds(week, self.zone)
        if until is not None:
            end = min(end, max(until, start))
        previous = local_midnight(week - timedelta(days=7), self.zone)
        month_start = month_bounds(end.astimezone(self.zone).date() - timedelta(days=1), self.zone)[0]
        since = min(previous, month_start)
        stretches = self._ledger.pod_stretches(start=since, end=end)
        quarters = self._quarters(since, end)
        balance, rate = self._account()
        return build_digest(DigestInputs(
            week_start=week, zone=self.zone.key, stretches=stretches, quarters=quarters,
            auto_stops=self._auto_stops(start, end),
            unattached_volumes=self._unattached(), budgets=self._ledger.budgets(), names=self._names(),
            balance=balance, spend_per_hr=rate,
            recommendations=self._recommendations(stretches, quarters, start, end),
            billing=self._check(start, end), until=until, note=note,
        ))

    def spend(self, period: str = "week", *, user: str | None = None, team: str | None = None) -> SpendAnswer:
        """Spend `today`, this `week` or this `month` so far, for everyone, a user or a team."""
        now = self._clock.now()
        start, end, label = spend_window(period, now, self.zone)
        names = self._names()
        summary = spend_summary(
            self._ledger.pod_stretches(start=start, end=end), self._quarters(start, end),
            start=start, end=end, names=names, owner_id=user, team=team,
        )
        balance, rate = self._account()
        outlook = spend_outlook(
            summary, period=period, period_end=period_end(period, now, self.zone), budgets=self._ledger.budgets(),
            owner_id=user, team=team, owner_label=None if user is None else names.get(user, user),
            balance=balance, spend_per_hr=rate, rate_now=self._pods_rate_now(user, team) if period == "today" else None,
        )
        who = f"<@{user}>" if user else f"team {team}" if team else None
        return SpendAnswer(label=label, who=who, summary=summary, outlook=outlook)

    # -- gathering -------------------------------------------------------------------------------
    def _pods_rate_now(self, user: str | None, team: str | None) -> Decimal | None:
        """What the pods of everyone, `user` or `team` cost per hour now, read from RunPod: the
        GPUs of those that run and the disks of all (a stopped pod's volume bills). Owners are the
        ledger's, else the member whose name prefix the pod's name has. None when RunPod cannot
        be read (the forecast then falls back to the run-rate so far, and says so)."""
        try:
            pods = self._runpod.list_pods()
        except PodwardenError as exc:
            log.warning("spend: the fleet is not available (%s)", exc)
            return None
        members = self._ledger.members()
        owners = {r.id: r.owner_id for r in self._ledger.pods() if r.owner_id}
        wanted = {user} if user is not None else {m.user_id for m in members if m.team == team} if team else None
        rate = Decimal(0)
        for pod in pods:
            if pod.status is PodStatus.TERMINATED:
                continue
            if wanted is not None and (owners.get(pod.id) or _by_prefix(pod.name, members)) not in wanted:
                continue
            rate += pod.cost_per_hr + (storage_now(pod, self._book) if self._book is not None else Decimal(0))
        return rate

    def _names(self) -> dict[str, str]:
        return {m.user_id: m.display_name for m in self._ledger.members() if m.display_name}

    def _account(self) -> tuple[Decimal | None, Decimal | None]:
        try:
            account = self._runpod.account()
        except PodwardenError as exc:
            log.warning("digest: RunPod's balance is not available (%s)", exc)
            return None, None
        return account.balance, account.spend_per_hr

    def _quarters(self, start: datetime, end: datetime) -> list[EndpointQuarter]:
        """Serverless usage in quarter hours; for an endpoint with none, its hourly roll-ups.

        The hourly roll-ups are the fallback for usage recorded before (or without) the
        quarter hours: each hour counts in whole at its start and goes to the endpoint's
        current owner and that owner's current team, an approximation the quarter hours
        (cut in any zone, attributed as it was then) do not need.
        """
        quarters = self._ledger.endpoint_quarters(start=start, end=end)
        covered = {q.endpoint_id for q in quarters}
        owners: dict[str, tuple[str | None, str | None]] = {}
        for hour in self._ledger.endpoint_usage(start=start, end=end):
            if hour.endpoint_id in covered or not start <= hour.hour_start < end:
                continue
            if hour.endpoint_id not in owners:
                owner = self._ledger.endpoint_owner(hour.endpoint_id)
                member = None if owner is None else self._ledger.member(owner)
                owners[hour.endpoint_id] = owner, None if member is None else member.team
            owner, team = owners[hour.endpoint_id]
            quarters.append(EndpointQuarter(
                endpoint_id=hour.endpoint_id, endpoint_name=hour.endpoint_id, bucket_start=hour.hour_start,
                owner_id=owner, team=team, running_worker_seconds=hour.running_worker_seconds,
                idle_worker_seconds=hour.idle_worker_seconds, jobs_completed=hour.jobs_completed, cost=hour.cost,
                idle_cost=Decimal(0),
            ))
        return quarters

    def _auto_stops(self, start: datetime, end: datetime) -> list[AutoStop]:
        """The daemon's own stops: recorded as such, or found in the audit log (its `stop` entries
        that succeeded), the same stop counted once."""
        recorded = self._ledger.auto_stops(start=start, end=end)
        audited = self._ledger.audit_log(since=start, until=end, actor=DAEMON_ACTOR, action="stop", limit=100_000)
        stops = list(recorded)
        for entry in audited:
            if entry.outcome is not AuditOutcome.OK or entry.target is None:
                continue
            if any(s.pod_id == entry.target and abs(s.at - entry.at) <= _SAME_STOP for s in stops):
                continue
            stops.append(AutoStop(pod_id=entry.target, at=entry.at, reason=str(entry.args.get("reason", "daemon"))))
        return sorted(stops, key=lambda s: (s.at, s.pod_id))

    def _unattached(self) -> list[VolumeCost]:
        if self._book is None:
            return []
        try:
            volumes = self._runpod.network_volumes()
        except PodwardenError as exc:
            log.warning("digest: network volumes are not available (%s)", exc)
            return []
        used = {p.network_volume_id for p in self._ledger.pods() if p.network_volume_id}
        return [
            VolumeCost(v.id, v.name, v.size_gb, self._book.network_volume_per_hour(v.size_gb))
            for v in volumes if v.id not in used
        ]

    def _check(self, start: datetime, end: datetime) -> BillingCheck:
        if self._billing is None:
            return BillingCheck(source=NO_BILLING, theirs=None)
        return self._billing(start, end)

    def _recommendations(
        self, stretches: Sequence[PodStretch], quarters: Sequence[EndpointQuarter], start: datetime, end: datetime,
    ) -> list[Recommendation]:
        if self._catalog is None or self._book is None:
            return []
        try:
            gpus = {g.id: g for g in self._catalog.gpu_types()}
        except PodwardenError as exc:
            log.warning("digest: the GPU catalog is not available for recommendations (%s)", exc)
            return []
        found = [*self._pod_advice(stretches, gpus, start, end), *self._endpoint_advice(quarters, gpus, start, end)]
        return [r for r in found if r is not None]

    def _pod_advice(
        self, stretches: Sequence[PodStretch], gpus: dict[str, GpuType], start: datetime, end: datetime,
    ) -> list[Recommendation | None]:
        assert self._book is not None
        running: dict[str, list[PodStretch]] = defaultdict(list)
        for s in stretches:
            if s.status == "RUNNING" and s.cost_per_hr > 0 and _hours(s, start, end) > 0:
                running[s.pod_id].append(s)
        advice: list[Recommendation | None] = []
        for group in running.values():
            last = group[-1]
            gpu = gpus.get(last.gpu_type_id or "")
            price = None if gpu is None else self._book.serverless_for(gpu)
            if price is None:
                continue
            hours = sum((_hours(s, start, end) for s in group), Decimal(0))
            busy = sum((_hours(s, start, end) for s in group if not s.idle), Decimal(0))
            compute = sum((s.cost_per_hr * _hours(s, start, end) for s in group), Decimal(0))
            advice.append(pod_as_serverless(
                name=f"pod {last.pod_name}", running_hours=hours, busy_hours=busy, pod_per_hour=compute / hours,
                flex_per_second=price.flex_per_s * last.gpu_count,
            ))
        return advice

    def _endpoint_advice(
        self, quarters: Sequence[EndpointQuarter], gpus: dict[str, GpuType], start: datetime, end: datetime,
    ) -> list[Recommendation | None]:
        assert self._book is not None
        mine = [q for q in quarters if start <= q.bucket_start < end]
        if not mine:
            return []
        try:
            pools = {e.id: e.gpu_ids for e in self._runpod.list_endpoints()}
        except PodwardenError as exc:
            log.warning("digest: endpoints are not available for recommendations (%s)", exc)
            return []
        advice: list[Recommendation | None] = []
        for endpoint_id in sorted({q.endpoint_id for q in mine}):
            rows = [q for q in mine if q.endpoint_id == endpoint_id]
            cheapest = self._cheapest_pod(pools.get(endpoint_id, ()), gpus)
            if cheapest is None:
                continue
            gpu, per_hour = cheapest
            advice.append(endpoint_as_pod(
                name=rows[0].endpoint_name, busy_hours=Decimal(sum(q.running_worker_seconds for q in rows)) / 3600,
                serverless_cost=sum((q.cost for q in rows), Decimal(0)), gpu=gpu.display_name,
                pod_per_hour=per_hour,
            ))
        return advice

    def _cheapest_pod(self, pools: Sequence[str], gpus: dict[str, GpuType]) -> tuple[GpuType, Decimal] | None:
        assert self._book is not None
        candidates = []
        for price in self._book.serverless:
            if price.pool in pools:
                for gpu_id in price.gpu_type_ids:
                    gpu = gpus.get(gpu_id)
                    cost = None if gpu is None else gpu.price(Cloud.SECURE)
                    if gpu is not None and cost:
                        candidates.append((cost, gpu.id, gpu))
        if not candidates:
            return None
        cost, _, gpu = min(candidates)
        return gpu, cost


def simulator_billing(simulator: Any) -> BillingSource:
    """The simulator's own meters as a billing source (pods and endpoints, by UTC hour bucket).

    Buckets are whole UTC hours, so for a zone at a :30 or :45 offset the week's edges are
    approximate by up to an hour of spend; the 2 % tolerance covers that.
    """

    def check(start: datetime, end: datetime) -> BillingCheck:
        total = sum(
            (r.amount for r in simulator.world.billing.records()
             if r.resource in ("pod", "endpoint") and start <= r.time < end),
            Decimal(0),
        )
        return BillingCheck(source="the simulator's billing", theirs=total)

    return check


def _hours(s: PodStretch, start: datetime, end: datetime) -> Decimal:
    begins, ends = max(s.started_at, start), min(s.ended_at or end, end)
    return Decimal(0) if ends <= begins else Decimal((ends - begins) // _ONE_MICRO) / _MICROS_PER_HOUR


def _by_prefix(name: str, members: Sequence[Member]) -> str | None:
    """The member whose name prefix `name` starts with (the longest wins), as `pods` finds owners."""
    fits = [m for m in members if m.name_prefix and name.startswith(m.name_prefix)]
    return max(fits, key=lambda m: len(m.name_prefix or "")).user_id if fits else None
