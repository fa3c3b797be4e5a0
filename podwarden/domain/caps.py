"""Would a new $/h fit the caps? A pure check, before a `start` or `resume` is offered.

A cap is a budget of a user, a team or everyone, per hour (a $/h rate), day or month (a
sum spent). An hourly cap is broken when the running rate plus the new one exceeds it; a
daily or monthly cap when what was spent this period plus one hour of the new pod does (the
least the pod will cost before anyone can react). A broken cap refuses when its action is
`refuse` or `stop` (a hard cap defaults to refusing), else it warns. The global $/h cap of
the settings is always hard.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Cap:
    scope: str  # user | team | global
    subject: str
    amount: Decimal
    period: str  # hour | day | month
    action: str  # warn | refuse | stop


@dataclass(frozen=True, slots=True)
class Usage:
    """What a scope's subject runs now ($/h) and spent this day and this month ($)."""

    rate: Decimal = Decimal(0)
    today: Decimal = Decimal(0)
    month: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class CapCheck:
    refusals: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.refusals


def action_of(hard: bool, action: str | None) -> str:
    return action or ("refuse" if hard else "warn")


def check(
    new_rate: Decimal, caps: Iterable[Cap], usage: Mapping[tuple[str, str], Usage], *,
    global_cap_per_hr: Decimal | None = None, fleet_rate: Decimal = Decimal(0),
) -> CapCheck:
    """Judge `new_rate` $/h against `caps`; `usage` is keyed by (scope, subject)."""
    refusals: list[str] = []
    warnings: list[str] = []
    if global_cap_per_hr is not None and fleet_rate + new_rate > global_cap_per_hr:
        refusals.append(
            f"the fleet would run at ${fleet_rate + new_rate:.2f}/h, over the global cap of ${global_cap_per_hr:.2f}/h"
        )
    for cap in caps:
        used = usage.get((cap.scope, cap.subject), Usage())
        if cap.period == "hour":
            after = used.rate + new_rate
            broken = after > cap.amount
            what = f"${after:.2f}/h against a cap of ${cap.amount:.2f}/h"
        else:
            spent = used.today if cap.period == "day" else used.month
            after = spent + new_rate
            broken = after > cap.amount
            what = (f"${spent:.2f} spent this {cap.period} + ${new_rate:.2f} for the first hour, "
                    f"against ${cap.amount:.2f}")
        if not broken:
            continue
        line = f"{_name(cap)} budget: {what}"
        (refusals if cap.action in {"refuse", "stop"} else warnings).append(line)
    return CapCheck(refusals=tuple(refusals), warnings=tuple(warnings))


def _name(cap: Cap) -> str:
    if cap.scope == "global":
        return "the global"
    if cap.scope == "team":
        return f"team {cap.subject}'s"
    return f"<@{cap.subject}>'s"
