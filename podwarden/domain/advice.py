"""The words of a quote: one recommendation line naming the deciding number, and the
assumptions behind the figures.

The recommendation compares the totals the quote's table shows: a Pod's compute with its
disks against Serverless flex. A Pod that serves traffic stays on, so it is set against
Serverless flex billed for the busy time:

- with a request load: "At 300 requests/h of 5 s Serverless flex is cheaper: $0.24 vs
  $0.28/h; a Pod wins above 350 requests/h.";
- with busy hours a day: "At 8 busy h/day a Pod stopped after its 8 h is cheapest: $15.12/day,
  vs $21.89 on Serverless flex and $45.36 for a Pod left on; if it would stay on, flex wins
  below 16.6 busy h/day.";
- for one run of N hours: the run's cost on each side.
"""

from __future__ import annotations

from decimal import Decimal
from math import ceil

from podwarden.domain.money import DAYS_PER_MONTH, HOURS_PER_DAY, SECONDS_PER_HOUR, format_number, format_usd
from podwarden.domain.quote_results import SPOT_CAVEAT, BreakEven, PodQuote, ServerlessQuote

__all__ = ["DEFAULT_EXECUTION_TIMEOUT_S", "notes", "pods_needed", "recommend"]

DEFAULT_EXECUTION_TIMEOUT_S = 600  # RunPod's default; longer requests need it raised


def recommend(
    pod: PodQuote, serverless: ServerlessQuote | None, even: BreakEven | None, *,
    left_on_per_hour: Decimal | None = None,
) -> str:
    """One line: which is cheaper, by how much, and the number at which that flips.

    `left_on_per_hour` is one Pod left on, compute and disks (default: `pod`'s compute per
    Pod, for a Pod without disks)."""
    a_pod = "a spot Pod" if pod.spot else "a Pod"
    if left_on_per_hour is None:
        left_on_per_hour = pod.per_hour / pod.pods
    if serverless is None or even is None:
        rate = format_usd(pod.per_hour)
        if serverless is None:
            return (f"Serverless has no class for {pod.gpu_name}: {a_pod} at {rate}/h "
                    f"({format_usd(pod.per_hour * HOURS_PER_DAY)}/day left on) is the way to rent it.")
        return f"{a_pod[0].upper()}{a_pod[1:]} costs {rate}/h here: nothing beats free."
    rate_asked, seconds = serverless.requests_per_hour, serverless.seconds_per_request
    if rate_asked is not None and seconds is not None and even.requests_per_hour is not None:
        return _by_requests(rate_asked, seconds, even.requests_per_hour, pod, serverless, even, a_pod)
    if pod.period.hours_per_day is not None:
        return _by_busy_hours(pod.period.hours_per_day, pod, serverless, even, a_pod, left_on_per_hour)
    hours = format_number(pod.period.running_hours, places=2)
    pod_cost, flex_cost = format_usd(pod.total), format_usd(serverless.flex_total)
    pod_rate = pod.total / pod.period.running_hours if pod.period.running_hours else pod.per_hour
    rates = f"({format_usd(pod_rate)}/h vs {format_usd(serverless.flex_per_busy_hour)}/h of busy time)"
    run = f"For one {hours} h run"
    if pod.total <= serverless.flex_total:
        return f"{run} {a_pod} is cheaper: {pod_cost} vs {flex_cost} on Serverless flex {rates}."
    return f"{run} Serverless flex is cheaper: {flex_cost} vs {pod_cost} for {a_pod} {rates}."


def notes(pod: PodQuote, serverless: ServerlessQuote | None) -> tuple[str, ...]:
    """The assumptions a reader needs to trust the figures, one sentence each."""
    out = []
    period = pod.period
    if period.days is not None and period.stopped_hours > 0:
        out.append(f"The Pod runs {period.label} and is stopped (not terminated) the rest of each day; "
                   "its volume bills the stopped rate meanwhile.")
    elif period.days is not None:
        out.append(f"The Pod runs around the clock for a {DAYS_PER_MONTH}-day month.")
    if pod.storage:
        counted = "The recommendation and the break-even count" if period.days is not None else \
            "The recommendation counts"  # a one-run quote shows no per-day break-even
        out.append(f"{counted} the Pod's disks with its compute, as the "
                   "table's totals do; Serverless storage (a network volume) is not counted.")
    if pod.spot:
        out.append(f"Spot: {SPOT_CAVEAT}.")
    if serverless is None:
        return tuple(out)
    if not serverless.exact_class:
        out.append(f"Serverless does not list {pod.gpu_name}; priced as its nearest class, "
                   f"{serverless.label} ({serverless.pool}).")
    if serverless.estimate:
        out.append(f"The {serverless.label} Serverless price is our estimate, not a published one.")
    billed, seconds, rate = (
        serverless.billed_seconds_per_request, serverless.seconds_per_request, serverless.requests_per_hour,
    )
    if billed is None or seconds is None or rate is None:
        out.append("Flex is billed for the busy hours only; cold starts and idle timeouts add to it.")
        return tuple(out)
    def s(value: Decimal) -> str:
        return f"{format_number(value, places=3)} s"

    cold, idle = s(serverless.cold_start_s), s(serverless.idle_timeout_s)
    out.append(f"Flex bills {s(billed)} a request ({s(seconds)} execution + {cold} cold start + {idle} idle "
               "timeout), each request a burst of its own.")
    if pod.pods > 1:
        out.append(f"That load keeps {pod.pods} Pods of this size busy at once: the table prices {pod.pods} "
                   f"Pods and {pod.pods} active workers.")
    if seconds > DEFAULT_EXECUTION_TIMEOUT_S:
        out.append(f"RunPod's default execution timeout is {DEFAULT_EXECUTION_TIMEOUT_S} s: raise it on the "
                   "endpoint for requests this long.")
    return tuple(out)


def pods_needed(requests_per_hour: Decimal, seconds_per_request: Decimal) -> int:
    """Pods of the quoted size that are busy at once for this load; at least one."""
    return max(1, ceil(requests_per_hour * seconds_per_request / SECONDS_PER_HOUR))


def _by_busy_hours(
    busy: Decimal, pod: PodQuote, serverless: ServerlessQuote, even: BreakEven, a_pod: str,
    left_on_per_hour: Decimal,
) -> str:
    """A Pod left on all day against flex billed for the busy hours: the guides' comparison.

    When the Pod is quoted for fewer than 24 h a day, the line also names what that Pod
    costs if it is really stopped when idle, so the line agrees with the quote's table.
    """
    pod_day = left_on_per_hour * pod.pods * HOURS_PER_DAY
    flex_day = serverless.flex_per_busy_hour * busy
    at = f"At {format_number(busy, places=2)} busy h/day"
    threshold = format_number(even.busy_hours_per_day)
    stopped = ""
    if busy < HOURS_PER_DAY:
        stopped_day = pod.total / DAYS_PER_MONTH  # the table's per-day total: compute and disks
        if stopped_day <= flex_day:  # stopping the Pod when idle beats both: say that first
            return (f"{at} {a_pod} stopped after its {format_number(busy, places=2)} h is cheapest: "
                    f"{format_usd(stopped_day)}/day, vs {format_usd(flex_day)} on Serverless flex and "
                    f"{format_usd(pod_day)} for {a_pod} left on; if it would stay on, flex wins below "
                    f"{threshold} busy h/day.")
        stopped = (f" {a_pod[0].upper()}{a_pod[1:]} stopped after its {format_number(busy, places=2)} h costs "
                   f"{format_usd(stopped_day)}/day.")
    if even.busy_hours_per_day >= HOURS_PER_DAY:
        return (f"{at} Serverless flex is cheaper: {format_usd(flex_day)} vs {format_usd(pod_day)}/day, "
                f"and stays cheaper even busy 24 h/day.{stopped}")
    if flex_day == pod_day:
        return f"{at} a Pod and Serverless flex cost the same: {format_usd(pod_day)}/day; this is the break-even."
    if flex_day < pod_day:
        return (f"{at} Serverless flex is cheaper than {a_pod} left on: {format_usd(flex_day)} vs "
                f"{format_usd(pod_day)}/day; {a_pod} wins above {threshold} h/day.{stopped}")
    return (f"{at} {a_pod} is cheaper: {format_usd(pod_day)} vs {format_usd(flex_day)}/day "
            f"on Serverless flex; Serverless wins below {threshold} h/day.{stopped}")


def _by_requests(
    rate: Decimal, seconds: Decimal, threshold_rate: Decimal, pod: PodQuote, serverless: ServerlessQuote,
    even: BreakEven, a_pod: str,
) -> str:
    pods = pod.pods
    running = pod.period.running_hours  # all the Pods, with their disks: the table's total, per hour
    pod_hour = pod.total / running if running else pod.per_hour
    flex_hour = (serverless.per_request or Decimal(0)) * rate
    at = f"At {format_number(rate)} {'request' if rate == 1 else 'requests'}/h of {format_number(seconds, places=2)} s"
    threshold = format_number(threshold_rate, places=1 if threshold_rate >= 1 else 4)
    the_pods = "" if pods == 1 else f" for the {pods} Pods this load keeps busy"
    if even.busy_hours_per_day >= HOURS_PER_DAY:
        return (f"{at} Serverless flex is cheaper: {format_usd(flex_hour)} vs {format_usd(pod_hour)}/h"
                f"{the_pods}, at any load.")
    if flex_hour == pod_hour:
        return f"{at} a Pod and Serverless flex cost the same: {format_usd(pod_hour)}/h; this is the break-even."
    if flex_hour < pod_hour:
        return (f"{at} Serverless flex is cheaper: {format_usd(flex_hour)} vs {format_usd(pod_hour)}/h"
                f"{the_pods}; {a_pod} wins above {threshold} requests/h.")
    pods_are = f" {a_pod} is" if pods == 1 else f", {pods} {a_pod.removeprefix('a ')}s are"
    return (f"{at}{pods_are} cheaper: {format_usd(pod_hour)} vs {format_usd(flex_hour)}/h "
            f"on Serverless flex; Serverless wins below {threshold} requests/h.")
