"""What a GPU costs: a Pod (on-demand or spot), its storage, Serverless flex and active
workers, the break-even between them, and stop vs terminate — as exact figures.

Assumptions (each also written into the quote's `notes` by `advice`):

- A quote covers either **one run** of `hours`, or `hours_per_day` **every day of a 30-day
  month**. With neither, the Pod runs around the clock (24 h/day).
- In a per-day quote the Pod is **stopped (not terminated) between sessions**: container
  disk bills only while it runs; the volume bills the running rate while it runs and the
  stopped rate for the rest of each day; a network volume bills the whole time (tiered at
  1 TB, see `pricing`).
- Pod vs Serverless compares **what the table shows**: the Pod's compute with its disks
  against Serverless flex (whose own storage, a network volume, is not asked for). A Pod
  that serves traffic must stay on, so the break-even sets a Pod left on 24 h against
  Serverless flex billed only for the busy time.
- A request load that keeps several Pods busy at once is priced as that many Pods and as
  many active workers (`advice.pods_needed`), so the table and the recommendation agree.
- Serverless flex bills each request's execution plus `cold_start_s` plus `idle_timeout_s`
  seconds: every request is counted as a burst of its own, the upper bound for sparse
  traffic. Both default to 0, the guides' "execution only" figures. Active workers bill
  their discounted rate around the clock. A worker has as many GPUs as the Pod (`count`).
- Nothing is rounded: Decimal division keeps 28 significant digits, so the two sides of a
  break-even agree to far better than the 1e-9 dollars the tests allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from podwarden.domain.advice import notes, pods_needed, recommend
from podwarden.domain.errors import InputError, shown
from podwarden.domain.models import Cloud, GpuType
from podwarden.domain.money import (
    DAYS_PER_MONTH,
    HOURS_PER_DAY,
    HOURS_PER_MONTH,
    SECONDS_PER_HOUR,
    format_number,
    format_rate,
    format_usd,
)
from podwarden.domain.pricing import NETWORK_VOLUME_TIER_GB, PriceBook
from podwarden.domain.quote_results import (
    SPOT_CAVEAT,
    STOP_KEEPS,
    TERMINATE_LOSES,
    BreakEven,
    CloudOffer,
    LineItem,
    Period,
    PodQuote,
    Quote,
    Rate,
    ServerlessQuote,
    SpotComparison,
    StopVsTerminate,
)
from podwarden.domain.rates import (
    MAX_REQUESTS_PER_HOUR,
    MAX_SECONDS_PER_REQUEST,
    check_hours,
    check_hours_per_day,
)

__all__ = [
    "MAX_DISK_GB",
    "MAX_IDLE_TIMEOUT_S",
    "SPOT_CAVEAT",
    "BreakEven",
    "LineItem",
    "Number",
    "Period",
    "PodQuote",
    "Quote",
    "QuoteRequest",
    "Rate",
    "ServerlessQuote",
    "SpotComparison",
    "StopVsTerminate",
    "break_even",
    "check_disk",
    "compare_spot",
    "quote",
    "quote_pod",
    "quote_serverless",
    "stop_vs_terminate",
    "usage_period",
]

Number = Decimal | int

MAX_DISK_GB = 100_000
MAX_IDLE_TIMEOUT_S = 3600  # RunPod accepts 1..3600


def usage_period(*, hours: Number | None = None, hours_per_day: Number | None = None) -> Period:
    """One run of `hours`, or `hours_per_day` for a 30-day month; neither: 24 h/day."""
    if hours is not None and hours_per_day is not None:
        raise InputError("give --hours as a total (10) or per day (8/day), not both")
    if hours is not None:
        total = check_hours(Decimal(hours))
        return Period(running_hours=total, total_hours=total, hours_per_day=None, days=None,
                      label=f"one {format_number(total, places=2)} h run")
    daily = check_hours_per_day(Decimal(HOURS_PER_DAY if hours_per_day is None else hours_per_day))
    return Period(
        running_hours=daily * DAYS_PER_MONTH, total_hours=Decimal(HOURS_PER_MONTH), hours_per_day=daily,
        days=DAYS_PER_MONTH, label=f"{format_number(daily, places=2)} h/day for a {DAYS_PER_MONTH}-day month",
    )


def quote_pod(
    gpu: GpuType,
    *,
    period: Period,
    book: PriceBook,
    price_source: str,
    count: int = 1,
    cloud: Cloud = Cloud.SECURE,
    spot: bool = False,
    container_disk_gb: Number = 0,
    volume_gb: Number = 0,
    network_volume_gb: Number = 0,
    pods: int = 1,
) -> PodQuote:
    """`pods` Pods' compute and storage over `period`, with `price_source` naming the GPU
    price's origin ("live catalog", "RunPod catalog via simulator")."""
    _check_count(gpu, count)
    if pods < 1:
        raise InputError(f"a quote is for at least one Pod, got {shown(pods)}")
    price = _gpu_price(gpu, cloud, spot=spot)
    gpu_rate = Rate(price, "h", price_source)
    per_hour = price * count * pods
    compute = per_hour * period.running_hours
    storage = _storage(
        book, period, container_gb=_disk(container_disk_gb, "--disk"), volume_gb=_disk(volume_gb, "--volume"),
        network_gb=_disk(network_volume_gb, "network volume"), pods=pods,
    )
    storage_total = sum((item.amount for item in storage), Decimal(0))
    total = compute + storage_total
    return PodQuote(
        gpu_id=gpu.id, gpu_name=gpu.display_name, count=count, cloud=cloud, spot=spot, gpu_rate=gpu_rate,
        per_hour=per_hour, period=period, compute=compute, storage=storage, storage_total=storage_total,
        total=total, per_day=None if period.days is None else total / period.days, pods=pods,
    )


def compare_spot(
    gpu: GpuType, *, period: Period, price_source: str, count: int = 1, cloud: Cloud = Cloud.SECURE,
    pods: int = 1,
) -> SpotComparison | None:
    """On-demand vs spot in `cloud` for `pods` Pods; None when either price is missing there."""
    _check_count(gpu, count)
    on_demand, spot = gpu.price(cloud), gpu.price(cloud, spot=True)
    if on_demand is None or spot is None or on_demand == 0:
        return None
    gpus = count * pods
    savings = (on_demand - spot) * gpus
    return SpotComparison(
        on_demand_rate=Rate(on_demand, "h", price_source), spot_rate=Rate(spot, "h", price_source),
        on_demand_per_hour=on_demand * gpus, spot_per_hour=spot * gpus, savings_per_hour=savings,
        savings_percent=100 * (on_demand - spot) / on_demand,
        savings_over_period=savings * period.running_hours,
        caveat=SPOT_CAVEAT,
    )


def quote_serverless(
    gpu: GpuType,
    *,
    period: Period,
    book: PriceBook,
    count: int = 1,
    requests_per_hour: Number | None = None,
    seconds_per_request: Number | None = None,
    cold_start_s: Number = 0,
    idle_timeout_s: Number = 0,
    active_workers: int = 1,
) -> ServerlessQuote | None:
    """Serverless for this GPU type (None when no class is big enough).

    With a request load, flex is billed `seconds + cold_start_s + idle_timeout_s` per
    request during the period's running hours (the hours the traffic arrives); without one,
    flex is billed for the running hours as busy time.
    """
    _check_count(gpu, count)
    load = _load(requests_per_hour, seconds_per_request, cold_start_s, idle_timeout_s)
    price = book.serverless_for(gpu)
    if price is None:
        return None
    source = book.serverless_source + (" (estimate)" if price.estimate else "")
    flex_per_busy_hour = price.flex_per_s * count * SECONDS_PER_HOUR
    requests, seconds, billed = load if load else (None, None, None)
    cold, idle = Decimal(cold_start_s), Decimal(idle_timeout_s)
    if requests is not None and billed is not None:
        busy_hours = requests * billed * period.running_hours / SECONDS_PER_HOUR
        per_request: Decimal | None = price.flex_per_s * count * billed
    else:
        busy_hours, per_request = period.running_hours, None
    flex_total = flex_per_busy_hour * busy_hours
    active_per_hour = price.active_per_s * count * SECONDS_PER_HOUR * active_workers
    return ServerlessQuote(
        pool=price.pool, label=price.label, gpu_count=count, exact_class=gpu.id in price.gpu_type_ids,
        estimate=price.estimate, flex_rate=Rate(price.flex_per_s, "s", source),
        active_rate=Rate(price.active_per_s, "s", source), flex_per_busy_hour=flex_per_busy_hour,
        busy_hours=busy_hours, flex_total=flex_total,
        flex_per_day=None if period.days is None else flex_total / period.days,
        requests_per_hour=requests, seconds_per_request=seconds, billed_seconds_per_request=billed,
        per_request=per_request, cold_start_s=cold, idle_timeout_s=idle,
        active_per_hour=active_per_hour, active_per_day=active_per_hour * HOURS_PER_DAY,
        active_per_month=active_per_hour * HOURS_PER_MONTH, active_total=active_per_hour * period.total_hours,
        active_workers=active_workers,
    )


def break_even(
    *, pod_per_hour: Decimal, flex_per_second: Decimal, seconds_per_request: Decimal | None = None
) -> BreakEven:
    """Where a Pod at `pod_per_hour` and Serverless flex at `flex_per_second` (both for the
    same number of GPUs) cost the same: busy hours a day, and requests an hour.

    A4000: $0.28/h vs $0.00016/s × 5 s = $0.0008 a request -> 350 requests/h.
    A100: $1.89/h × 24 = $45.36/day vs $2.736 per busy hour -> 16.58 busy h/day.
    """
    if pod_per_hour <= 0 or flex_per_second <= 0:
        raise InputError("break-even needs a Pod price and a Serverless price above $0")
    flex_per_busy_hour = flex_per_second * SECONDS_PER_HOUR
    busy = pod_per_hour * HOURS_PER_DAY / flex_per_busy_hour
    requests = None
    if seconds_per_request is not None:
        if seconds_per_request <= 0:
            raise InputError(f"seconds per request must be more than 0, got {seconds_per_request}")
        requests = pod_per_hour / (flex_per_second * seconds_per_request)
    return BreakEven(
        pod_per_hour=pod_per_hour, flex_per_busy_hour=flex_per_busy_hour, busy_hours_per_day=busy,
        utilisation=busy / HOURS_PER_DAY, seconds_per_request=seconds_per_request, requests_per_hour=requests,
    )


def stop_vs_terminate(*, volume_gb: Number, book: PriceBook) -> StopVsTerminate:
    """A stopped Pod's volume at the stopped rate per hour/day/month vs nothing terminated."""
    size = _disk(volume_gb, "--volume")
    per_hour = book.volume_cost(size, hours=1, running=False)
    per_day = book.volume_cost(size, hours=HOURS_PER_DAY, running=False)
    per_month = book.volume_cost(size, hours=HOURS_PER_MONTH, running=False)
    summary = (
        f"Stopped, its {format_number(size)} GB volume costs {format_usd(per_day)}/day "
        f"({format_usd(per_month)}/month); terminated it costs nothing, but the volume is gone."
    )
    return StopVsTerminate(
        volume_gb=size, rate=Rate(book.volume_gb_month_stopped, "GB/month", book.storage_origin),
        stopped_per_hour=per_hour, stopped_per_day=per_day, stopped_per_month=per_month,
        terminated_per_day=Decimal(0), keeps=STOP_KEEPS, loses=TERMINATE_LOSES, summary=summary,
    )


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    """What the `quote` verb asks, with the GPU already resolved. None for a disk = none.

    `hours` (one run) and `hours_per_day` (a 30-day month) exclude each other; with neither
    the Pod runs 24 h/day. `requests_per_hour` and `seconds_per_request` go together.
    """

    gpu: GpuType
    gpu_count: int = 1
    cloud: Cloud = Cloud.SECURE
    spot: bool = False
    hours: Number | None = None
    hours_per_day: Number | None = None
    requests_per_hour: Number | None = None
    seconds_per_request: Number | None = None
    cold_start_s: Number = 0
    idle_timeout_s: Number = 0
    container_disk_gb: Number | None = None
    volume_gb: Number | None = None
    network_volume_gb: Number | None = None


def quote(request: QuoteRequest, book: PriceBook, *, price_source: str) -> Quote:
    """The `quote` verb: Pod vs Serverless (flex and active) vs spot, storage, break-even,
    stop vs terminate and a one-line recommendation. Raises `InputError` for bad input.

    `price_source` says where the GPU prices came from ("live catalog", "RunPod catalog
    via simulator"); the Serverless and storage rates carry the `book`'s dates.
    """
    gpu, count, cloud = request.gpu, request.gpu_count, request.cloud
    period = usage_period(hours=request.hours, hours_per_day=request.hours_per_day)
    load = _load(request.requests_per_hour, request.seconds_per_request, request.cold_start_s,
                 request.idle_timeout_s)
    pods = pods_needed(load[0], load[1]) if load else 1
    container, volume_gb, network = (
        request.container_disk_gb or 0, request.volume_gb or 0, request.network_volume_gb or 0
    )
    pod = quote_pod(gpu, period=period, book=book, price_source=price_source, count=count, cloud=cloud,
                    spot=request.spot, pods=pods, container_disk_gb=container, volume_gb=volume_gb,
                    network_volume_gb=network)
    serverless = quote_serverless(
        gpu, period=period, book=book, count=count, requests_per_hour=request.requests_per_hour,
        seconds_per_request=request.seconds_per_request, cold_start_s=request.cold_start_s,
        idle_timeout_s=request.idle_timeout_s, active_workers=pods,
    )
    # One Pod left on around the clock, disks included: the side of every break-even.
    left_on = quote_pod(gpu, period=usage_period(hours_per_day=HOURS_PER_DAY), book=book, price_source=price_source,
                        count=count, cloud=cloud, spot=request.spot, container_disk_gb=container,
                        volume_gb=volume_gb, network_volume_gb=network)
    left_on_per_hour = left_on.total / left_on.period.total_hours
    even = None
    if serverless is not None and pod.per_hour > 0:
        even = break_even(
            pod_per_hour=left_on_per_hour, flex_per_second=serverless.flex_rate.amount * count,
            seconds_per_request=serverless.billed_seconds_per_request,
        )
    volume = _disk(request.volume_gb or 0, "--volume")
    return Quote(
        pod=pod,
        spot=compare_spot(gpu, period=period, price_source=price_source, count=count, cloud=cloud, pods=pods),
        serverless=serverless,
        break_even=even,
        stop_vs_terminate=stop_vs_terminate(volume_gb=volume, book=book) if volume > 0 else None,
        recommendation=recommend(pod, serverless, even, left_on_per_hour=left_on_per_hour),
        notes=(*notes(pod, serverless), *_other_cloud_note(gpu, cloud, spot=request.spot)),
        other_cloud=other_cloud(gpu, cloud, spot=request.spot),
    )


def other_cloud(gpu: GpuType, cloud: Cloud, *, spot: bool) -> CloudOffer | None:
    """The same GPU, spot or on-demand as quoted, in the other cloud; None when it has no price there."""
    if cloud is Cloud.ALL:
        return None
    other = Cloud.COMMUNITY if cloud is Cloud.SECURE else Cloud.SECURE
    here, there = gpu.price(cloud, spot=spot), gpu.price(other, spot=spot)
    if here is None or there is None:
        return None
    return CloudOffer(cloud=other, spot=spot, per_hour=there, quoted_per_hour=here, cheaper=there < here)


def _other_cloud_note(gpu: GpuType, cloud: Cloud, *, spot: bool) -> tuple[str, ...]:
    offer = other_cloud(gpu, cloud, spot=spot)
    if offer is None or offer.per_hour == offer.quoted_per_hour:
        return ()
    kind = "spot" if spot else "on-demand"
    name = offer.cloud.value.lower()
    if offer.cheaper:
        return (f"{name.capitalize()} cloud is cheaper for {gpu.display_name} {kind}: "
                f"{format_rate(offer.per_hour, 'h')} vs {format_rate(offer.quoted_per_hour, 'h')} per GPU here "
                f"(add --cloud {name}).",)
    return (f"{name.capitalize()} cloud costs more for {gpu.display_name} {kind}: "
            f"{format_rate(offer.per_hour, 'h')} per GPU.",)


# -- helpers ---------------------------------------------------------------------------------


def _storage(
    book: PriceBook, period: Period, *, container_gb: Decimal, volume_gb: Decimal, network_gb: Decimal,
    pods: int = 1,
) -> tuple[LineItem, ...]:
    items = _storage_of_one(book, period, container_gb=container_gb, volume_gb=volume_gb, network_gb=network_gb)
    if pods == 1:
        return items
    return tuple(LineItem(f"{item.label}, × {pods} Pods", item.amount * pods, item.rate, f"{item.basis} × {pods}")
                 for item in items)


def _storage_of_one(
    book: PriceBook, period: Period, *, container_gb: Decimal, volume_gb: Decimal, network_gb: Decimal
) -> tuple[LineItem, ...]:
    items = []
    month = "GB/month"
    run, stop, total = period.running_hours, period.stopped_hours, period.total_hours
    if container_gb > 0:
        items.append(LineItem(
            f"container disk {format_number(container_gb)} GB, while running",
            book.container_disk_cost(container_gb, hours=run),
            Rate(book.container_disk_gb_month, month, book.storage_origin),
            f"{format_number(container_gb)} GB × {format_number(run, places=2)} h",
        ))
    if volume_gb > 0:
        items.append(LineItem(
            f"volume disk {format_number(volume_gb)} GB, running",
            book.volume_cost(volume_gb, hours=run, running=True),
            Rate(book.volume_gb_month_running, month, book.storage_origin),
            f"{format_number(volume_gb)} GB × {format_number(run, places=2)} h",
        ))
        if stop > 0:
            items.append(LineItem(
                f"volume disk {format_number(volume_gb)} GB, stopped",
                book.volume_cost(volume_gb, hours=stop, running=False),
                Rate(book.volume_gb_month_stopped, month, book.storage_origin),
                f"{format_number(volume_gb)} GB × {format_number(stop, places=2)} h",
            ))
    if network_gb > 0:
        items.append(LineItem(
            _network_label(book, network_gb),
            book.network_volume_cost(network_gb, hours=total),
            Rate(book.network_volume_gb_month, month, book.storage_origin),
            f"{format_number(network_gb)} GB × {format_number(total, places=2)} h",
        ))
    return tuple(items)


def _network_label(book: PriceBook, gb: Decimal) -> str:
    label = f"network volume {format_number(gb)} GB"
    if gb <= NETWORK_VOLUME_TIER_GB:
        return label
    lower = format_rate(book.network_volume_gb_month, "GB/month")
    higher = format_rate(book.network_volume_gb_month_over_1tb, "GB/month")
    return f"{label} (first {NETWORK_VOLUME_TIER_GB:,} GB at {lower}, the rest at {higher})"


def _gpu_price(gpu: GpuType, cloud: Cloud, *, spot: bool) -> Decimal:
    price = gpu.price(cloud, spot=spot)
    if price is not None:
        return price
    where = "any cloud" if cloud is Cloud.ALL else f"{cloud.value.lower()} cloud"
    if spot and gpu.price(cloud) is not None:
        raise InputError(f"{gpu.display_name} has no spot price in {where}; drop --spot for on-demand")
    other = Cloud.COMMUNITY if cloud is Cloud.SECURE else Cloud.SECURE
    elsewhere = cloud is not Cloud.ALL and gpu.price(other, spot=spot) is not None
    hint = f"; try --cloud {other.value.lower()}" if elsewhere else ""
    raise InputError(f"{gpu.display_name} is not offered in {where}{hint}")


def _check_count(gpu: GpuType, count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= gpu.max_gpu_count:
        raise InputError(f"{gpu.display_name} Pods take 1 to {gpu.max_gpu_count} GPUs, got {shown(count)}")


def check_disk(gb: Number, what: str) -> Decimal:
    """A disk size as `quote` and `start` both take it: a number of GB from 0 to `MAX_DISK_GB`."""
    return _disk(gb, what)


def _disk(gb: Number, what: str) -> Decimal:
    size = Decimal(gb)
    if not size.is_finite():
        raise InputError(f"{what} must be a number of GB, got {shown(gb)}")
    if size < 0:
        raise InputError(f"{what} cannot be negative, got {shown(gb)} GB")
    if size > MAX_DISK_GB:
        raise InputError(f"{what} can be at most {MAX_DISK_GB:,} GB, got {shown(gb)} GB")
    return size


def _load(
    requests_per_hour: Number | None, seconds: Number | None, cold_start_s: Number, idle_timeout_s: Number
) -> tuple[Decimal, Decimal, Decimal] | None:
    """(requests/hour, execution seconds, billed seconds a request), or None without a load."""
    cold, idle = Decimal(cold_start_s), Decimal(idle_timeout_s)
    if not cold.is_finite() or cold < 0:
        raise InputError(f"cold start seconds cannot be negative, got {cold_start_s}")
    if not idle.is_finite() or idle < 0 or idle > MAX_IDLE_TIMEOUT_S:
        raise InputError(f"the idle timeout must be 0 to {MAX_IDLE_TIMEOUT_S} s, got {idle_timeout_s}")
    if requests_per_hour is None and seconds is None:
        return None
    if requests_per_hour is None or seconds is None:
        raise InputError("--requests and --seconds go together (e.g. --requests 300/hour --seconds 5)")
    rate, length = Decimal(requests_per_hour), Decimal(seconds)
    if not rate.is_finite() or rate < 0:
        raise InputError(f"requests per hour cannot be negative, got {requests_per_hour}")
    if rate > MAX_REQUESTS_PER_HOUR:
        raise InputError(f"at most {MAX_REQUESTS_PER_HOUR:,} requests/hour per quote, got {rate}")
    if not length.is_finite() or length <= 0:
        raise InputError(f"seconds per request must be more than 0, got {seconds}")
    if length > MAX_SECONDS_PER_REQUEST:
        raise InputError(f"a request can run at most 7 days ({MAX_SECONDS_PER_REQUEST:,} s), got {seconds}")
    return rate, length, length + cold + idle


MAX_POD_GPUS = 1000  # far above any Pod: the type's own maximum is checked once the catalog is read


def check_gpu_count(count: int) -> int:
    """A GPU count worth asking the catalog about (RunPod's GraphQL takes a 32-bit count)."""
    if count < 1:
        raise InputError(f"the GPU count must be at least 1, got {shown(count)}")
    if count > MAX_POD_GPUS:
        raise InputError(f"no RunPod Pod has {shown(count)} GPUs")
    return count
