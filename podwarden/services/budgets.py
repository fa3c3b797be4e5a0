"""Budgets: show them, set and remove them (admins), and judge a new $/h against them before a start.

The check gathers what the pure `domain.caps.check` needs (the caps that apply to the
requester, their team and everyone; what each runs now and spent today and this month)
and returns its verdict. A cap's action (warn, refuse, stop) is the budget's own; by default
a hard cap refuses and a soft one warns.

What runs now is read from RunPod at the time of the question (one `list_pods`), not from
the ledger: the ledger only knows the pods the daemon has recorded, so a fresh install or a
bot running without the daemon would judge a fleet at $3/h as $0/h. When RunPod cannot be
read, the ledger's last view is used and the answer says so (never a silent $0.00).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from podwarden.domain import caps
from podwarden.domain.answers import BudgetLine, BudgetView
from podwarden.domain.ledger_values import Budget, BudgetPeriod, BudgetScope, PodRecord
from podwarden.domain.models import BILLED_STATUSES, PodStatus
from podwarden.domain.pricing import PriceBook
from podwarden.errors import InputError, RunPodError
from podwarden.ports import Clock, Ledger, RunPodGateway
from podwarden.services.people import PeopleService
from podwarden.services.pods import storage_now


@dataclass(frozen=True, slots=True)
class Running:
    """One pod RunPod has now: whose it is and its $/h now (its GPUs while it runs, its disks)."""

    owner_id: str | None
    per_hr: Decimal


@dataclass(frozen=True, slots=True)
class FleetNow:
    """What runs now, and where that was read from: `note` is empty when RunPod answered."""

    running: tuple[Running, ...]
    note: str = ""

    @property
    def rate(self) -> Decimal:
        return sum((r.per_hr for r in self.running), Decimal(0))


class BudgetService:
    def __init__(
        self, ledger: Ledger, clock: Clock, *, people: PeopleService, global_cap_per_hr: Decimal | None = None,
        runpod: RunPodGateway | None = None, book: PriceBook | None = None,
    ) -> None:
        """`runpod` is where the running fleet is read; without it (tests of the ledger alone)
        every answer says the ledger's view was used. `book` prices the pods' disks, which bill
        by the hour like the GPUs (a start is judged with its disks too)."""
        self._book = book
        self._ledger = ledger
        self._clock = clock
        self._people = people
        self._global_cap = global_cap_per_hr
        self._runpod = runpod

    def show(self) -> BudgetView:
        budgets = self._ledger.budgets()
        fleet = self.fleet_now() if budgets or self._global_cap is not None else FleetNow(())
        lines = []
        for b in budgets:
            usage = self._usage(b.scope, b.subject, fleet)
            spent = {"hour": usage.rate, "day": usage.today, "month": usage.month}[b.period.value]
            lines.append(BudgetLine(budget=b, action=_action(b), spent=spent))
        return BudgetView(lines=tuple(lines), global_cap_per_hr=self._global_cap, note=fleet.note,
                          running_per_hr=fleet.rate if self._global_cap is not None else None)

    def fleet_now(self) -> FleetNow:
        """The pods RunPod bills now and what each costs per hour (GPUs of those running, disks
        of all: a stopped pod's volume bills too), with their owners (the ledger's, else the
        name prefix); the ledger's last record of running pods, noted, when RunPod cannot be read."""
        if self._runpod is not None:
            try:
                pods = self._runpod.list_pods()
            except RunPodError as exc:
                why = f"RunPod could not be read ({exc.message})"
            else:
                records = {r.id: r for r in self._ledger.pods()}
                return FleetNow(tuple(
                    Running(self._owner(p.name, records[p.id].owner_id if p.id in records else None),
                            p.cost_per_hr + (storage_now(p, self._book) if self._book is not None else Decimal(0)))
                    for p in pods if p.status is not PodStatus.TERMINATED))
        else:
            why = "RunPod was not asked"
        recorded = [r for r in self._ledger.pods() if r.status in BILLED_STATUSES]
        seen = max((r.last_seen_at for r in recorded), default=None)
        since = f" as last recorded at {seen:%Y-%m-%d %H:%M} UTC" if seen is not None else " (it has recorded none)"
        return FleetNow(tuple(Running(r.owner_id, r.cost_per_hr + self._disks(r)) for r in recorded),
                        note=f"{why}: what runs now is the ledger's view{since}, which misses pods started since")

    def _disks(self, record: PodRecord) -> Decimal:
        if self._book is None:
            return Decimal(0)
        return (self._book.container_disk_per_hour(record.container_disk_gb)
                + self._book.volume_per_hour(record.volume_gb, running=True))

    def _owner(self, name: str, recorded: str | None) -> str | None:
        return recorded or self._people.owner_by_prefix(name)

    def set(self, subject: str, *, amount: Decimal, period: str, hard: bool, action: str | None) -> BudgetLine:
        """`subject` as the parser gives it: `global`, `@U123` or `team:NAME`."""
        if amount < 0:
            raise InputError("a budget cannot be negative")
        scope, who = self._subject(subject)
        hard = hard or action in {"refuse", "stop"}
        budget = self._ledger.set_budget(scope, who, amount=amount, period=BudgetPeriod(period), hard=hard,
                                         now=self._clock.now(), action=caps.action_of(hard, action))
        return BudgetLine(budget=budget, action=_action(budget), spent=Decimal(0))

    def remove(self, subject: str, *, period: str) -> Budget:
        """Remove the cap of `subject` (as for `set`) per `period`; the one removed is returned
        so the answer can say what it was. None set is bad input, named with what is set."""
        scope, who = self._subject(subject)
        found = self._ledger.budget(scope, who, BudgetPeriod(period))
        if found is None or not self._ledger.delete_budget(scope, who, BudgetPeriod(period)):
            raise InputError(f"no {period} budget for {_name(scope, who)}; `budget` lists those set")
        return found

    def _subject(self, subject: str) -> tuple[BudgetScope, str | None]:
        if subject == "global":
            return BudgetScope.GLOBAL, None
        if subject.startswith("team:"):
            team = subject.removeprefix("team:")
            if team not in self._ledger.teams():
                raise InputError(f"no team {team!r}; `team @user {team}` makes it")
            return BudgetScope.TEAM, team
        return BudgetScope.USER, self._people.user_id(subject.removeprefix("@"))

    def check(self, user_id: str, new_rate: Decimal) -> caps.CapCheck:
        team = self._people.member(user_id).team
        applicable = [*self._ledger.budgets(scope=BudgetScope.GLOBAL),
                      *self._ledger.budgets(scope=BudgetScope.USER, subject=user_id)]
        if team is not None:
            applicable += self._ledger.budgets(scope=BudgetScope.TEAM, subject=team)
        capped = [caps.Cap(scope=b.scope.value, subject=b.subject, amount=b.amount, period=b.period.value,
                           action=_action(b)) for b in applicable]
        if not capped and self._global_cap is None:
            return caps.CapCheck()
        fleet = self.fleet_now()
        usage = {(c.scope, c.subject): self._usage(BudgetScope(c.scope), c.subject, fleet) for c in capped}
        verdict = caps.check(new_rate, capped, usage, global_cap_per_hr=self._global_cap, fleet_rate=fleet.rate)
        if not fleet.note:
            return verdict
        return caps.CapCheck(refusals=verdict.refusals, warnings=(*verdict.warnings, fleet.note))

    def _usage(self, scope: BudgetScope, subject: str, fleet: FleetNow) -> caps.Usage:
        now = self._clock.now()
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        month = day.replace(day=1)
        owner = subject if scope is BudgetScope.USER else None
        team = subject if scope is BudgetScope.TEAM else None
        running: Sequence[Running] = fleet.running
        if owner is not None:
            running = [r for r in running if r.owner_id == owner]
        elif team is not None:
            members = {m.user_id for m in self._ledger.members(team=team)}
            running = [r for r in running if r.owner_id in members]
        return caps.Usage(
            rate=sum((r.per_hr for r in running), Decimal(0)),
            today=self._spent(day, now, owner, team), month=self._spent(month, now, owner, team),
        )

    def _spent(self, start: datetime, end: datetime, owner: str | None, team: str | None) -> Decimal:
        return self._ledger.spend(start=start, end=end, owner_id=owner, team=team)


def _action(budget: Budget) -> str:
    return caps.action_of(budget.hard, budget.action)


def _name(scope: BudgetScope, subject: str | None) -> str:
    return {BudgetScope.GLOBAL: "everyone", BudgetScope.TEAM: f"team {subject}"}.get(scope, f"<@{subject}>")
