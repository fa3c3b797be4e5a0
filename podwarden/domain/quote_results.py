"""The results of the cost engine: frozen values with every figure an exact `Decimal`.

Each has `as_dict()`, a JSON-ready dict in which Decimals stay Decimals (the renderer
decides how to show them) and enums become their values. `quotes` builds them; `advice`
words the recommendation.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from podwarden.domain.models import Cloud
from podwarden.domain.plain import plain_dict

__all__ = [
    "SPOT_CAVEAT",
    "STOP_KEEPS",
    "TERMINATE_LOSES",
    "BreakEven",
    "CloudOffer",
    "LineItem",
    "Period",
    "PodQuote",
    "Quote",
    "QuoteAnswer",
    "Rate",
    "ServerlessQuote",
    "SpotComparison",
    "StopVsTerminate",
]

SPOT_CAVEAT = (
    "a spot Pod can be taken back at any moment with a 5-second SIGTERM before SIGKILL: "
    "checkpoint to a volume and expect restarts"
)
STOP_KEEPS = (
    "stopping keeps the volume disk (/workspace) and the Pod; the container disk is wiped, "
    "and resuming may find no free GPU on its host"
)
TERMINATE_LOSES = (
    "terminating deletes the Pod with its volume and container disks for good "
    "(only a network volume survives)"
)


@dataclass(frozen=True, slots=True)
class Rate:
    """A unit price and where it came from: `amount` $ per `unit` ("h", "s", "GB/month")."""

    amount: Decimal
    unit: str
    source: str

    def as_dict(self) -> dict[str, object]:
        return plain_dict(self)


@dataclass(frozen=True, slots=True)
class LineItem:
    """One storage charge over the quoted period: what, how much, at which rate, on what."""

    label: str
    amount: Decimal
    rate: Rate
    basis: str  # the quantity in words, e.g. "50 GB × 240 h"

    def as_dict(self) -> dict[str, object]:
        return plain_dict(self)


@dataclass(frozen=True, slots=True)
class Period:
    """How long the Pod runs in the quote. `days` is 30 for a per-day quote, None for one run."""

    running_hours: Decimal
    total_hours: Decimal
    hours_per_day: Decimal | None
    days: int | None
    label: str

    @property
    def stopped_hours(self) -> Decimal:
        return self.total_hours - self.running_hours

    def as_dict(self) -> dict[str, object]:
        return plain_dict(self)


@dataclass(frozen=True, slots=True)
class PodQuote:
    """`pods` Pods of `count` × one GPU type for the period. `per_hour` is compute for all
    GPUs of all Pods; `total` = `compute` + `storage_total` (each Pod has its own disks);
    `per_day` is `total` / days in a per-day quote. `pods` is 1 unless a request load needs
    more Pods busy at once, and the table then prices all of them."""

    gpu_id: str
    gpu_name: str
    count: int
    cloud: Cloud
    spot: bool
    gpu_rate: Rate  # per GPU per hour
    per_hour: Decimal
    period: Period
    compute: Decimal
    storage: tuple[LineItem, ...]
    storage_total: Decimal
    total: Decimal
    per_day: Decimal | None
    pods: int = 1

    def as_dict(self) -> dict[str, object]:
        return plain_dict(self)


@dataclass(frozen=True, slots=True)
class SpotComparison:
    """On-demand vs spot for the same Pod and period (compute only)."""

    on_demand_rate: Rate  # per GPU per hour
    spot_rate: Rate
    on_demand_per_hour: Decimal  # all GPUs
    spot_per_hour: Decimal
    savings_per_hour: Decimal
    savings_percent: Decimal  # exact; 100 × savings / on-demand
    savings_over_period: Decimal
    caveat: str

    def as_dict(self) -> dict[str, object]:
        return plain_dict(self)


@dataclass(frozen=True, slots=True)
class ServerlessQuote:
    """Serverless workers of `gpu_count` GPUs of the class that serves this GPU type.

    `flex_per_busy_hour` is one flex worker for an hour of billed time; `per_request` and
    `billed_seconds_per_request` are set when the request load is known; `flex_total` is
    flex for the period's work (the requests, or the busy hours); `active_*` is one active
    worker around the clock. `exact_class` is False when the GPU type is not listed and the
    nearest class by VRAM stands in.
    """

    pool: str
    label: str
    gpu_count: int
    exact_class: bool
    estimate: bool
    flex_rate: Rate  # per GPU per second
    active_rate: Rate
    flex_per_busy_hour: Decimal
    busy_hours: Decimal  # billed worker-hours in the period
    flex_total: Decimal
    flex_per_day: Decimal | None
    requests_per_hour: Decimal | None
    seconds_per_request: Decimal | None  # execution only, as asked
    billed_seconds_per_request: Decimal | None  # + cold start + idle timeout
    per_request: Decimal | None
    cold_start_s: Decimal
    idle_timeout_s: Decimal
    active_per_hour: Decimal  # all `active_workers` together, as are the three below
    active_per_day: Decimal
    active_per_month: Decimal
    active_total: Decimal  # the active workers over the whole period
    active_workers: int = 1  # as many as the load keeps busy at once (the Pods' count)

    def as_dict(self) -> dict[str, object]:
        return plain_dict(self)


@dataclass(frozen=True, slots=True)
class BreakEven:
    """Where a Pod and Serverless flex cost the same.

    `pod_per_hour` is one Pod left on, compute and its disks (what the quote's table counts);
    `busy_hours_per_day`: busy hours a day at which flex equals a Pod left on 24 h;
    `utilisation`: the same as a fraction of the time (busy_hours_per_day / 24);
    `requests_per_hour`: requests of `seconds_per_request` billed seconds an hour at which
    flex equals one Pod (None when the request length is unknown).
    """

    pod_per_hour: Decimal
    flex_per_busy_hour: Decimal
    busy_hours_per_day: Decimal
    utilisation: Decimal
    seconds_per_request: Decimal | None
    requests_per_hour: Decimal | None

    def as_dict(self) -> dict[str, object]:
        return plain_dict(self)


@dataclass(frozen=True, slots=True)
class StopVsTerminate:
    """What a stopped Pod keeps costing (its volume at the stopped rate) vs terminating it."""

    volume_gb: Decimal
    rate: Rate  # stopped volume $/GB/month
    stopped_per_hour: Decimal
    stopped_per_day: Decimal
    stopped_per_month: Decimal
    terminated_per_day: Decimal
    keeps: str
    loses: str
    summary: str

    def as_dict(self) -> dict[str, object]:
        return plain_dict(self)


@dataclass(frozen=True, slots=True)
class Quote:
    """Everything `quote` answers: the Pod as asked, spot vs on-demand, Serverless, the
    break-even, stop vs terminate (when there is a volume), one recommendation line and
    the assumptions behind the figures."""

    pod: PodQuote
    spot: SpotComparison | None
    serverless: ServerlessQuote | None
    break_even: BreakEven | None
    stop_vs_terminate: StopVsTerminate | None
    recommendation: str
    notes: tuple[str, ...]
    other_cloud: CloudOffer | None = None  # the same GPU and kind (spot or not) in the other cloud

    def as_dict(self) -> dict[str, object]:
        return plain_dict(self)


@dataclass(frozen=True, slots=True)
class CloudOffer:
    """The per-GPU $/h of the quoted GPU in the other cloud, so a quote says which is cheaper."""

    cloud: Cloud
    spot: bool
    per_hour: Decimal  # per GPU
    quoted_per_hour: Decimal  # per GPU, in the quoted cloud
    cheaper: bool

    def as_dict(self) -> dict[str, object]:
        return plain_dict(self)


@dataclass(frozen=True, slots=True)
class QuoteAnswer:
    """The `quote` answer: the quote, and a sentence on how the GPU name was read."""

    quote: Quote
    note: str  # e.g. "'a100' is taken as A100 PCIe; it also fits A100 SXM"; empty when exact
