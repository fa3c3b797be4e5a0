"""The digest's recommendations, priced by the cost engine's break-even (`quotes.break_even`).

Two shapes, each only when it would have saved money in the week just past:
- a Pod mostly idle: its busy hours billed as Serverless flex instead of every running hour
  as a Pod (the pod busy 10 % of the time);
- an endpoint mostly busy: one Pod of the same GPU left on all week instead of its
  Serverless bill (the endpoint busy 20 h a day).
"""

from __future__ import annotations

from decimal import Decimal

from podwarden.domain.digest import Recommendation
from podwarden.domain.money import HOURS_PER_DAY, format_number, format_usd
from podwarden.domain.quotes import break_even

__all__ = ["endpoint_as_pod", "pod_as_serverless"]

_DAYS_PER_WEEK = 7


def pod_as_serverless(
    *, name: str, running_hours: Decimal, busy_hours: Decimal, pod_per_hour: Decimal, flex_per_second: Decimal,
) -> Recommendation | None:
    """A Pod that ran `running_hours` but was busy only `busy_hours`, as Serverless flex."""
    if running_hours <= 0 or pod_per_hour <= 0 or flex_per_second <= 0:
        return None
    even = break_even(pod_per_hour=pod_per_hour, flex_per_second=flex_per_second)
    as_pod = pod_per_hour * running_hours
    as_flex = even.flex_per_busy_hour * busy_hours
    if as_flex >= as_pod:
        return None
    share = 100 * busy_hours / running_hours
    return Recommendation(
        text=(
            f"{name} was busy {format_number(share, places=0)} % of its {format_number(running_hours)} h: "
            f"as Serverless flex ({format_usd(even.flex_per_busy_hour)} a busy hour) its "
            f"{format_number(busy_hours)} busy h would have cost {format_usd(as_flex)} instead of "
            f"{format_usd(as_pod)} (break-even: {format_number(even.busy_hours_per_day)} busy h/day)."
        ),
        saving=as_pod - as_flex,
    )


def endpoint_as_pod(
    *, name: str, busy_hours: Decimal, serverless_cost: Decimal, gpu: str, pod_per_hour: Decimal,
) -> Recommendation | None:
    """An endpoint whose week of Serverless cost more than one `gpu` Pod left on all week.

    `busy_hours` are worker-hours (running workers x time). More than a week's hours of them
    means more than one worker ran at once, work one Pod cannot carry: no advice then, rather
    than a saving that pretends a single Pod would have done.
    """
    week_hours = HOURS_PER_DAY * _DAYS_PER_WEEK
    if pod_per_hour <= 0 or serverless_cost <= 0 or busy_hours > week_hours:
        return None
    as_pod = pod_per_hour * week_hours
    if as_pod >= serverless_cost:
        return None
    per_day = busy_hours / _DAYS_PER_WEEK
    return Recommendation(
        text=(
            f"endpoint {name} was busy {format_number(per_day)} h/day: one {gpu} Pod left on at "
            f"{format_usd(pod_per_hour)}/h would have cost {format_usd(as_pod)} this week instead of "
            f"{format_usd(serverless_cost)} on Serverless."
        ),
        saving=serverless_cost - as_pod,
    )
