"""The weekly digest's figures: where the GPU money went, what changed, what was wasted and saved.

Pure: the service hands in what the ledger and RunPod said (priced intervals, Serverless
quarter hours, the daemon's auto-stops, unattached network volumes, budgets, the balance)
and `build_digest` returns every figure the message shows. Nothing here reads a clock.

Calendar. Weeks run Monday 00:00 to Monday 00:00, days midnight to midnight and months the
1st to the 1st, all in the team's time zone: a DST week is 167 or 169 hours long, and a
Kathmandu (+5:45) day starts at 18:15 UTC. Intervals are cut at those instants exactly;
Serverless usage is kept in UTC quarter hours, on which every zone's midnight falls.

Money. An interval costs its $/h times the microseconds it overlaps, over 3.6e9, computed
in `Decimal` with 60 digits, so that sums are exact far below the cent whatever the ledger's
backend. Attribution is the owner and team recorded on the interval: who owned it *then*.

Definitions the message repeats:
- *Idle waste*: compute billed while the daemon judged the pod idle (idle hours x its rate).
- *Auto-stop savings* (the counterfactual): a pod the daemon stopped would otherwise have
  run, idle, from the stop until its owner next resumed it or the week ended, whichever came
  first, at the compute rate it had when stopped.
- *Forecast*: this month's daily run-rate (month to date / days elapsed) x days in the month.
- *Runway*: the account balance / RunPod's current spend rate for the account (`RATE_SOURCE`):
  the same figure `doctor` shows, which includes storage and Serverless, not a rate of ours.

Display. Figures are exact; what people read is rounded to the cent, and the parts of a
total (per user, per team, Pods and Serverless) are rounded by largest remainder
(`cents_adding_up`) so that the rows shown add up to the total shown.
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from podwarden.domain.ledger_values import Budget, BudgetPeriod, BudgetScope
from podwarden.domain.spend_values import AutoStop, EndpointQuarter, PodStretch

__all__ = [
    "CROSS_CHECK_TOLERANCE",
    "FORECAST_RULE",
    "OTHERS",
    "RATE_SOURCE",
    "SAVINGS_RULE",
    "UNOWNED",
    "BillingCheck",
    "BudgetBurn",
    "BudgetLine",
    "Change",
    "Daily",
    "Digest",
    "DigestInputs",
    "Forecast",
    "Line",
    "Recommendation",
    "Runway",
    "SpendOutlook",
    "SpendSummary",
    "UsageRow",
    "VolumeCost",
    "build_digest",
    "cents_adding_up",
    "day_bounds",
    "last_full_week",
    "local_midnight",
    "month_bounds",
    "period_end",
    "spend_outlook",
    "spend_summary",
    "spend_window",
    "week_bounds",
]

UNOWNED = "unowned"
OTHERS = "others"
TOP = 5
CROSS_CHECK_TOLERANCE = Decimal("0.02")
CROSS_CHECK_FLOOR = Decimal(1)  # $: the least total a relative gap is measured against
SAVINGS_RULE = (
    "a pod auto-stopped would otherwise have run, idle, until its owner next resumed it "
    "or the week ended, at its rate"
)
FORECAST_RULE = "this month's daily run-rate x days in the month"
RATE_SOURCE = "RunPod's current spend rate, {rate}, incl. storage and Serverless"  # the account's, as doctor shows
_CENT = Decimal("0.01")
_MICROS_PER_HOUR = 3_600_000_000
_ONE_MICRO = timedelta(microseconds=1)
_RUNNING = "RUNNING"
_EXACT = decimal.Context(prec=60)
_Who = Callable[[str | None], str]  # owner id -> display name


# -- the calendar ------------------------------------------------------------------------------------


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which `day` begins in `zone`."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def week_bounds(week_start: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) of the week starting `week_start`, in UTC."""
    return local_midnight(week_start, zone), local_midnight(week_start + timedelta(days=7), zone)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)


def month_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The month containing `day`: [the 1st, the next 1st) in UTC."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return local_midnight(first, zone), local_midnight(following, zone)


def last_full_week(now: datetime, zone: ZoneInfo) -> date:
    """The Monday of the last week that ended at or before `now` in `zone`."""
    today = now.astimezone(zone).date()
    this_monday = today - timedelta(days=today.weekday())
    return this_monday - timedelta(days=7)


def spend_window(period: str, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime, str]:
    """`today`, `week` (this week so far) or `month` (so far): [start, now) and a label."""
    today = now.astimezone(zone).date()
    if period == "today":
        start = local_midnight(today, zone)
        label = f"today ({today.isoformat()})"
    elif period == "week":
        monday = today - timedelta(days=today.weekday())
        start = local_midnight(monday, zone)
        label = f"this week (since Monday {monday.isoformat()})"
    elif period == "month":
        start = month_bounds(today, zone)[0]
        label = f"this month ({today.strftime('%B %Y')}, so far)"
    else:
        raise ValueError(f"a spend period is today, week or month, not {period!r}")
    return start, now, label


# -- inputs --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VolumeCost:
    """A network volume attached to no pod: it bills anyway."""

    volume_id: str
    name: str
    size_gb: int
    per_hour: Decimal


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One suggestion with its figures from the cost engine; `saving` is per week."""

    text: str
    saving: Decimal


@dataclass(frozen=True, slots=True)
class BillingCheck:
    """RunPod's (or the simulator's) own bill for the week, to check ours against.

    `theirs` None: no bill to compare with, and `source` says why.
    """

    source: str
    theirs: Decimal | None


@dataclass(frozen=True, slots=True)
class DigestInputs:
    week_start: date  # a Monday, in `zone`
    zone: str
    stretches: Sequence[PodStretch]  # covering the week before, the week and the month to date
    quarters: Sequence[EndpointQuarter]
    auto_stops: Sequence[AutoStop] = ()
    unattached_volumes: Sequence[VolumeCost] = ()
    budgets: Sequence[Budget] = ()
    names: Mapping[str, str] = field(default_factory=dict)  # user id -> display name
    balance: Decimal | None = None
    spend_per_hr: Decimal | None = None
    recommendations: Sequence[Recommendation] = ()
    billing: BillingCheck | None = None
    until: datetime | None = None  # the week so far: figures stop here (a preview before the week ends)
    note: str | None = None  # said first, e.g. why this is the week so far


# -- figures -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    amount: Decimal
    hours: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Change:
    this_week: Decimal
    last_week: Decimal
    delta: Decimal
    percent: Decimal | None  # None when last week was $0

    @property
    def words(self) -> str:
        if self.percent is None:
            return "no spend either week" if self.this_week == 0 else "new spend: nothing last week"
        direction = "up" if self.delta > 0 else "down" if self.delta < 0 else "unchanged"
        return f"{direction} {abs(self.percent):.1f} %"


@dataclass(frozen=True, slots=True)
class Daily:
    """Daily spend of the top spenders plus `others`: the chart's data."""

    categories: tuple[str, ...]  # "Mon 16", one per day of the week
    series: tuple[tuple[str, tuple[Decimal, ...]], ...]  # (spender, one amount per day)


@dataclass(frozen=True, slots=True)
class Forecast:
    month: str  # "November 2026"
    to_date: Decimal
    days_elapsed: int | Decimal  # a Decimal for the week so far (today counts in part)
    days_in_month: int
    forecast: Decimal
    method: str = FORECAST_RULE


@dataclass(frozen=True, slots=True)
class BudgetLine:
    label: str
    amount: Decimal
    forecast: Decimal

    @property
    def over(self) -> bool:
        return self.forecast > self.amount


@dataclass(frozen=True, slots=True)
class Runway:
    balance: Decimal
    spend_per_hr: Decimal

    @property
    def days(self) -> Decimal | None:
        """None when nothing is spending."""
        return None if self.spend_per_hr <= 0 else self.balance / self.spend_per_hr / 24


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One row of the week's CSV: a pod interval, or an endpoint's day."""

    kind: str  # pod | serverless
    resource_id: str
    name: str
    owner: str
    team: str
    gpu: str
    status: str
    start: datetime
    end: datetime
    hours: Decimal
    rate_per_hr: Decimal | None
    compute: Decimal
    storage: Decimal

    @property
    def amount(self) -> Decimal:
        return self.compute + self.storage


@dataclass(frozen=True, slots=True)
class Digest:
    week_start: date
    zone: str
    start: datetime
    end: datetime
    total: Change
    pods: Decimal
    serverless: Decimal
    per_user: tuple[Line, ...]
    per_team: tuple[Line, ...]
    per_gpu: tuple[Line, ...]
    top: tuple[Line, ...]
    daily: Daily
    idle_waste: Decimal
    idle_hours: Decimal
    savings: Decimal
    savings_hours: Decimal
    auto_stops: int
    stopped_storage: tuple[Line, ...]
    unattached_volumes: tuple[VolumeCost, ...]
    serverless_idle: Decimal
    unowned: Decimal
    forecast: Forecast
    budgets: tuple[BudgetLine, ...]
    runway: Runway | None
    recommendations: tuple[Recommendation, ...]
    billing: BillingCheck | None
    rows: tuple[UsageRow, ...]
    late_by: timedelta | None = None  # set when posted after a week missed while nothing ran
    partial: bool = False  # the week so far (ends at `end`, before the week does)
    note: str | None = None

    @property
    def week_end(self) -> date:
        """The last day of the week (inclusive)."""
        return self.week_start + timedelta(days=6)

    @property
    def title(self) -> str:
        return f"GPU spend, week of {self.week_start:%a %d %b %Y}" + (" (so far)" if self.partial else "")

    @property
    def unattached_per_week(self) -> Decimal:
        hours = Decimal((self.end - self.start) // _ONE_MICRO) / _MICROS_PER_HOUR
        return sum((v.per_hour * hours for v in self.unattached_volumes), Decimal(0))

    @property
    def cross_check(self) -> tuple[Decimal, Decimal] | None:
        """(their total, relative difference) when there is a bill to compare with.

        Totals that round to the same cent agree (0); otherwise the gap is relative to the
        larger total but never to less than `CROSS_CHECK_FLOOR`, so fractions of a cent on a
        quiet week ($0.004 vs $0.001) are not "a 75 % gap"."""
        if self.billing is None or self.billing.theirs is None:
            return None
        ours, theirs = self.total.this_week, self.billing.theirs
        if _cent(ours) == _cent(theirs):
            return theirs, Decimal(0)
        base = max(abs(ours), abs(theirs), CROSS_CHECK_FLOOR)
        return theirs, abs(ours - theirs) / base

    @property
    def cross_check_differs(self) -> bool:
        check = self.cross_check
        return check is not None and check[1] > CROSS_CHECK_TOLERANCE


def build_digest(inputs: DigestInputs) -> Digest:
    """Every figure of the digest of the week starting `inputs.week_start`."""
    with decimal.localcontext(_EXACT):
        return _build(inputs)


def _build(inputs: DigestInputs) -> Digest:
    zone = ZoneInfo(inputs.zone)
    if inputs.week_start.weekday() != 0:
        raise ValueError(f"a digest week starts on a Monday, not on {inputs.week_start:%A}")
    start, end = week_bounds(inputs.week_start, zone)
    partial = inputs.until is not None and start < inputs.until < end
    if partial:
        assert inputs.until is not None
        end = inputs.until
    previous_start = local_midnight(inputs.week_start - timedelta(days=7), zone)
    names = dict(inputs.names)

    def who(owner: str | None) -> str:
        return UNOWNED if owner is None else names.get(owner, owner)

    this_pods = _pod_total(inputs.stretches, start, end)
    last_pods = _pod_total(inputs.stretches, previous_start, start)
    this_sls = _quarter_total(inputs.quarters, start, end)
    last_sls = _quarter_total(inputs.quarters, previous_start, start)
    total = _change(this_pods + this_sls, last_pods + last_sls)

    per_owner: dict[str | None, Decimal] = defaultdict(Decimal)
    per_team: dict[str | None, Decimal] = defaultdict(Decimal)
    per_gpu: dict[str, Decimal] = defaultdict(Decimal)
    gpu_hours: dict[str, Decimal] = defaultdict(Decimal)
    idle_waste = idle_hours = Decimal(0)
    stopped: dict[str, Decimal] = defaultdict(Decimal)
    stopped_label: dict[str, str] = {}
    for s in inputs.stretches:
        hours = _hours(s, start, end)
        if hours == 0:
            continue
        compute, storage = s.cost_per_hr * hours, s.storage_per_hr * hours
        if compute + storage == 0:
            continue  # a stopped pod with no storage rate: nothing to attribute
        per_owner[s.owner_id] += compute + storage
        per_team[s.team] += compute + storage
        if s.status == _RUNNING:
            gpu = _gpu_label(s)
            per_gpu[gpu] += compute + storage
            gpu_hours[gpu] += hours
            if s.idle:
                idle_waste += compute
                idle_hours += hours
        elif storage:
            stopped[s.pod_id] += storage
            stopped_label[s.pod_id] = f"{s.pod_name} ({who(s.owner_id)})"
    serverless_idle = Decimal(0)
    for q in inputs.quarters:
        if start <= q.bucket_start < end:
            per_owner[q.owner_id] += q.cost
            per_team[q.team] += q.cost
            if q.cost:
                per_gpu["Serverless"] += q.cost
            serverless_idle += q.idle_cost

    savings, savings_hours, stops = _savings(inputs.stretches, inputs.auto_stops, start, end)
    users = _lines({who(k): v for k, v in per_owner.items() if k is not None})
    unowned = per_owner.get(None, Decimal(0))
    if None in per_owner:  # pods (or endpoints) nobody owned: their own line, never dropped
        users = (*users, Line(UNOWNED, unowned))
    top_owners = sorted((k for k, v in per_owner.items() if v > 0), key=lambda k: (-per_owner[k], who(k)))[:TOP]
    return Digest(
        week_start=inputs.week_start, zone=inputs.zone, start=start, end=end, total=total, pods=this_pods,
        serverless=this_sls, per_user=users,
        per_team=_lines({("no team" if k is None else k): v for k, v in per_team.items()}),
        per_gpu=tuple(Line(g, per_gpu[g], gpu_hours.get(g)) for g in _ranked(per_gpu)),
        top=tuple(Line(who(k), per_owner[k]) for k in top_owners),
        daily=_daily(inputs, zone, top_owners, who, end),
        idle_waste=idle_waste, idle_hours=idle_hours, savings=savings, savings_hours=savings_hours,
        auto_stops=stops,
        stopped_storage=tuple(Line(stopped_label[p], stopped[p]) for p in _ranked(stopped)),
        unattached_volumes=tuple(inputs.unattached_volumes), serverless_idle=serverless_idle, unowned=unowned,
        forecast=(forecast := _forecast(inputs, zone, end)), budgets=_budgets(inputs, zone, end, forecast, who),
        runway=None if inputs.balance is None or inputs.spend_per_hr is None
        else Runway(inputs.balance, inputs.spend_per_hr),
        recommendations=tuple(sorted(inputs.recommendations, key=lambda r: -r.saving)[:3]),
        billing=inputs.billing, rows=_rows(inputs, zone, start, end, who), partial=partial, note=inputs.note,
    )


def _cent(amount: Decimal) -> Decimal:
    """An amount as shown: to the cent, half up."""
    return amount.quantize(_CENT, rounding=decimal.ROUND_HALF_UP)


def _hours(s: PodStretch, start: datetime, end: datetime) -> Decimal:
    """Hours of `s` inside [start, end) (an open stretch counts up to `end`)."""
    begins, ends = max(s.started_at, start), min(s.ended_at or end, end)
    if ends <= begins:
        return Decimal(0)
    return Decimal((ends - begins) // _ONE_MICRO) / _MICROS_PER_HOUR


def _pod_total(stretches: Iterable[PodStretch], start: datetime, end: datetime) -> Decimal:
    return sum(((s.cost_per_hr + s.storage_per_hr) * _hours(s, start, end) for s in stretches), Decimal(0))


def _quarter_total(quarters: Iterable[EndpointQuarter], start: datetime, end: datetime) -> Decimal:
    return sum((q.cost for q in quarters if start <= q.bucket_start < end), Decimal(0))


def _change(this_week: Decimal, last_week: Decimal) -> Change:
    delta = this_week - last_week
    percent = None if last_week == 0 else 100 * delta / last_week
    return Change(this_week=this_week, last_week=last_week, delta=delta, percent=percent)


def _gpu_label(s: PodStretch) -> str:
    gpu = s.gpu_type_id or "unknown GPU"
    return gpu if s.gpu_count == 1 else f"{s.gpu_count}x {gpu}"


def _ranked(amounts: Mapping[str, Decimal]) -> list[str]:
    return sorted((k for k, v in amounts.items() if v), key=lambda k: (-amounts[k], k))


def _lines(amounts: Mapping[str, Decimal]) -> tuple[Line, ...]:
    return tuple(Line(k, amounts[k]) for k in _ranked(amounts))


def _savings(
    stretches: Sequence[PodStretch], stops: Sequence[AutoStop], start: datetime, end: datetime,
) -> tuple[Decimal, Decimal, int]:
    """What the auto-stops in [start, end) saved, by the counterfactual of `SAVINGS_RULE`."""
    by_pod: dict[str, list[PodStretch]] = defaultdict(list)
    for s in stretches:
        by_pod[s.pod_id].append(s)
    saved = hours = Decimal(0)
    count = 0
    for stop in stops:
        if not start <= stop.at < end:
            continue
        running = [s for s in by_pod[stop.pod_id] if s.status == _RUNNING]
        before = [s for s in running if s.started_at < stop.at]
        if not before:
            continue
        rate = max(before, key=lambda s: s.started_at).cost_per_hr
        resumed = min((s.started_at for s in running if s.started_at >= stop.at), default=end)
        until = min(resumed, end)
        span = Decimal((until - stop.at) // _ONE_MICRO) / _MICROS_PER_HOUR
        saved += rate * span
        hours += span
        count += 1
    return saved, hours, count


def _daily(
    inputs: DigestInputs, zone: ZoneInfo, top: Sequence[str | None], who: _Who, end: datetime,
) -> Daily:
    days = [inputs.week_start + timedelta(days=n) for n in range(7)]
    bounds = [(a, min(b, end)) for a, b in (day_bounds(d, zone) for d in days)]
    amounts: dict[str | None, list[Decimal]] = {k: [Decimal(0)] * 7 for k in top}
    others = [Decimal(0)] * 7
    for n, (a, b) in enumerate(bounds):
        for s in inputs.stretches:
            cost = (s.cost_per_hr + s.storage_per_hr) * _hours(s, a, b)
            if cost:
                amounts.get(s.owner_id, others)[n] += cost
        for q in inputs.quarters:
            if a <= q.bucket_start < b and q.cost:
                amounts.get(q.owner_id, others)[n] += q.cost
    series = [(who(k), tuple(amounts[k])) for k in top]
    if any(others):
        series.append((OTHERS, tuple(others)))
    return Daily(categories=tuple(f"{d:%a %d}" for d in days), series=tuple(series))


def _forecast(inputs: DigestInputs, zone: ZoneInfo, week_end: datetime) -> Forecast:
    """Month to date at the end of the week, and the month-end forecast at its daily run-rate."""
    last_day = (week_end - _ONE_MICRO).astimezone(zone).date()  # today, for the week so far
    month_start, month_end = month_bounds(last_day, zone)
    to_date = _pod_total(inputs.stretches, month_start, week_end) + _quarter_total(
        inputs.quarters, month_start, week_end)
    elapsed: int | Decimal = last_day.day
    if week_end != local_midnight(last_day + timedelta(days=1), zone):  # the week so far: today in part
        today = Decimal((week_end - local_midnight(last_day, zone)) // _ONE_MICRO) / (_MICROS_PER_HOUR * 24)
        elapsed = last_day.day - 1 + today
    days_in_month = (month_end.astimezone(zone).date() - timedelta(days=1)).day
    return Forecast(
        month=f"{last_day:%B %Y}", to_date=to_date, days_elapsed=elapsed, days_in_month=days_in_month,
        forecast=to_date / elapsed * days_in_month,
    )


def _budgets(
    inputs: DigestInputs, zone: ZoneInfo, week_end: datetime, forecast: Forecast, who: _Who,
) -> tuple[BudgetLine, ...]:
    """Monthly budgets against each subject's own forecast at the same run-rate."""
    last_day = (week_end - _ONE_MICRO).astimezone(zone).date()
    month_start, _ = month_bounds(last_day, zone)
    scale = Decimal(forecast.days_in_month) / forecast.days_elapsed
    lines = []
    for budget in inputs.budgets:
        if budget.period is not BudgetPeriod.MONTH:
            continue
        if budget.scope is BudgetScope.GLOBAL:
            lines.append(BudgetLine("everyone", budget.amount, forecast.forecast))
            continue
        pick_user = budget.scope is BudgetScope.USER
        spent = sum(
            ((s.cost_per_hr + s.storage_per_hr) * _hours(s, month_start, week_end) for s in inputs.stretches
             if (s.owner_id if pick_user else s.team) == budget.subject),
            Decimal(0),
        ) + sum(
            (q.cost for q in inputs.quarters if month_start <= q.bucket_start < week_end
             and (q.owner_id if pick_user else q.team) == budget.subject),
            Decimal(0),
        )
        label = who(budget.subject) if pick_user else f"team {budget.subject}"
        lines.append(BudgetLine(label, budget.amount, spent * scale))
    return tuple(lines)


def _rows(
    inputs: DigestInputs, zone: ZoneInfo, start: datetime, end: datetime, who: _Who,
) -> tuple[UsageRow, ...]:
    rows = []
    for s in inputs.stretches:
        hours = _hours(s, start, end)
        if hours == 0:
            continue
        rows.append(UsageRow(
            kind="pod", resource_id=s.pod_id, name=s.pod_name, owner=who(s.owner_id), team=s.team or "",
            gpu=_gpu_label(s), status=s.status + (" idle" if s.idle else ""), start=max(s.started_at, start),
            end=min(s.ended_at or end, end), hours=hours, rate_per_hr=s.cost_per_hr,
            compute=s.cost_per_hr * hours, storage=s.storage_per_hr * hours,
        ))
    days: dict[tuple[str, date], list[EndpointQuarter]] = defaultdict(list)
    for q in inputs.quarters:
        if start <= q.bucket_start < end:
            days[(q.endpoint_id, q.bucket_start.astimezone(zone).date())].append(q)
    for (endpoint_id, day), quarters in sorted(days.items()):
        a, b = day_bounds(day, zone)
        first = quarters[0]
        rows.append(UsageRow(
            kind="serverless", resource_id=endpoint_id, name=first.endpoint_name, owner=who(first.owner_id),
            team=first.team or "", gpu="Serverless", status=f"{sum(q.jobs_completed for q in quarters)} jobs",
            start=a, end=b, hours=Decimal(sum(q.running_worker_seconds for q in quarters)) / 3600,
            rate_per_hr=None, compute=sum((q.cost for q in quarters), Decimal(0)), storage=Decimal(0),
        ))
    return tuple(sorted(rows, key=lambda r: (r.start, r.kind, r.resource_id)))


@dataclass(frozen=True, slots=True)
class SpendSummary:
    """`spend [today|week|month] [@user|team]`: the digest's arithmetic over any window."""

    start: datetime
    end: datetime
    total: Decimal
    pods: Decimal
    serverless: Decimal
    idle_waste: Decimal
    per_user: tuple[Line, ...]
    per_team: tuple[Line, ...]


def spend_summary(
    stretches: Sequence[PodStretch], quarters: Sequence[EndpointQuarter], *, start: datetime, end: datetime,
    names: Mapping[str, str] | None = None, owner_id: str | None = None, team: str | None = None,
) -> SpendSummary:
    """Spend in [start, end), optionally only what `owner_id` or `team` spent (as they were then)."""
    known = dict(names or {})
    with decimal.localcontext(_EXACT):
        if owner_id is not None:
            stretches = [s for s in stretches if s.owner_id == owner_id]
            quarters = [q for q in quarters if q.owner_id == owner_id]
        if team is not None:
            stretches = [s for s in stretches if s.team == team]
            quarters = [q for q in quarters if q.team == team]
        users: dict[str, Decimal] = defaultdict(Decimal)
        teams: dict[str, Decimal] = defaultdict(Decimal)
        idle = Decimal(0)
        for s in stretches:
            hours = _hours(s, start, end)
            cost = (s.cost_per_hr + s.storage_per_hr) * hours
            users[UNOWNED if s.owner_id is None else known.get(s.owner_id, s.owner_id)] += cost
            teams[s.team or "no team"] += cost
            if s.status == _RUNNING and s.idle:
                idle += s.cost_per_hr * hours
        for q in quarters:
            if start <= q.bucket_start < end:
                users[UNOWNED if q.owner_id is None else known.get(q.owner_id, q.owner_id)] += q.cost
                teams[q.team or "no team"] += q.cost
        pods, serverless = _pod_total(stretches, start, end), _quarter_total(quarters, start, end)
        return SpendSummary(
            start=start, end=end, total=pods + serverless, pods=pods, serverless=serverless, idle_waste=idle,
            per_user=_lines(users), per_team=_lines(teams),
        )


# -- display: cents that add up --------------------------------------------------------------------


def cents_adding_up(parts: Sequence[Decimal], total: Decimal) -> tuple[Decimal, ...]:
    """`parts` to the cent so that they add up to `total` to the cent (largest remainder).

    Each part is cut down to the cent, then the cents still missing from the rounded total go,
    one each, to the parts that lost the most in the cut (ties: the earlier part). Parts that
    do not add up to `total` exactly still sum to the rounded total; a surplus is taken back
    from the parts that lost the least.
    """
    target = int(total.quantize(_CENT, rounding=decimal.ROUND_HALF_UP) / _CENT)
    floors = [int((p / _CENT).to_integral_value(rounding=decimal.ROUND_FLOOR)) for p in parts]
    lost = [p / _CENT - f for p, f in zip(parts, floors, strict=True)]
    missing = target - sum(floors)
    if floors:
        order = sorted(range(len(parts)), key=lambda i: (-lost[i], i))
        step = 1 if missing > 0 else -1
        if step < 0:
            order.reverse()
        for n in range(abs(missing)):
            floors[order[n % len(order)]] += step
    return tuple(Decimal(f) * _CENT for f in floors)


# -- spend: budgets, forecast and runway for a window ---------------------------------------------


_PERIOD_BUDGET = {"today": BudgetPeriod.DAY, "month": BudgetPeriod.MONTH}


def period_end(period: str, now: datetime, zone: ZoneInfo) -> datetime:
    """When `today`, this `week` or this `month` ends in `zone`, in UTC."""
    today = now.astimezone(zone).date()
    if period == "today":
        return day_bounds(today, zone)[1]
    if period == "week":
        return week_bounds(today - timedelta(days=today.weekday()), zone)[1]
    if period == "month":
        return month_bounds(today, zone)[1]
    raise ValueError(f"a spend period is today, week or month, not {period!r}")


@dataclass(frozen=True, slots=True)
class BudgetBurn:
    """A budget of the period asked about, and how much of it the spend so far burnt."""

    label: str  # "everyone", "@alice", "team ml"
    period: str  # day | month
    amount: Decimal
    spent: Decimal

    @property
    def percent(self) -> Decimal:
        return Decimal(0) if self.amount <= 0 else 100 * self.spent / self.amount


@dataclass(frozen=True, slots=True)
class SpendOutlook:
    """What `spend` says beyond the sums: budgets burnt, the period's forecast, the runway.

    `forecast`: for today, when what runs now is known (`rate_now`), the spend so far plus
    that rate for the `hours_left` of the day: the ledger may have seen only part of the day
    (a fresh install, a daemon started at 14:00), and a run-rate over what it saw forecasts a
    fraction of the real day. Otherwise the spend so far / the time elapsed x the whole
    period (the period's own run-rate so far); None in a period's first instant.
    `budgets_period`: the budget period matching the window (None for a week: budgets are
    per hour, day or month).
    """

    period_end: datetime
    elapsed_hours: Decimal
    forecast: Decimal | None
    budgets_period: str | None
    budgets: tuple[BudgetBurn, ...]
    runway: Runway | None
    rate_now: Decimal | None = None  # $/h of what runs now, when the forecast is built on it
    hours_left: Decimal | None = None  # of the period, after now


def spend_outlook(
    summary: SpendSummary, *, period: str, period_end: datetime, budgets: Sequence[Budget],
    owner_id: str | None = None, team: str | None = None, owner_label: str | None = None,
    balance: Decimal | None = None, spend_per_hr: Decimal | None = None, rate_now: Decimal | None = None,
) -> SpendOutlook:
    """Budgets of the period and scope asked about, the forecast to `period_end`, the runway.

    `rate_now`: what the scope's pods cost per hour now; today's forecast is built on it."""
    with decimal.localcontext(_EXACT):
        elapsed = Decimal((summary.end - summary.start) // _ONE_MICRO) / _MICROS_PER_HOUR
        whole = Decimal((period_end - summary.start) // _ONE_MICRO) / _MICROS_PER_HOUR
        forecast = None if elapsed <= 0 else summary.total / elapsed * whole
        hours_left = None
        if period == "today" and rate_now is not None:
            hours_left = max(whole - elapsed, Decimal(0))
            forecast = summary.total + rate_now * hours_left
        else:
            rate_now = None
        wanted = _PERIOD_BUDGET.get(period)
        burns = []
        for budget in budgets:
            if wanted is None or budget.period is not wanted:
                continue
            if owner_id is not None:
                if budget.scope is not BudgetScope.USER or budget.subject != owner_id:
                    continue
                label = owner_label or owner_id
            elif team is not None:
                if budget.scope is not BudgetScope.TEAM or budget.subject != team:
                    continue
                label = f"team {team}"
            elif budget.scope is BudgetScope.GLOBAL:
                label = "everyone"
            else:
                continue
            burns.append(BudgetBurn(label, wanted.value, budget.amount, summary.total))
        runway = None if balance is None or spend_per_hr is None else Runway(balance, spend_per_hr)
        return SpendOutlook(
            period_end=period_end, elapsed_hours=elapsed, forecast=forecast,
            budgets_period=None if wanted is None else wanted.value, budgets=tuple(burns), runway=runway,
            rate_now=rate_now, hours_left=hours_left,
        )
