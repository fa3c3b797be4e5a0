"""The dated prices that do not come from RunPod's live catalog: storage and Serverless.

Pod GPU prices are read live (`GpuType`); RunPod publishes no API for storage rates or the
Serverless $/s table, so they come from the guides, dated, and can be overridden (storage
rates by settings, the Serverless table by a JSON file). A `PriceBook` carries them with
their date and source so that every figure of a quote can say where its rate came from.

Storage is billed per GB per 30-day month (`HOURS_PER_MONTH`), pro rata by the hour:

- container disk: only while the Pod runs;
- volume disk: the running rate while it runs, the (higher) stopped rate while stopped;
- network volume: whatever the Pods do. RunPod's docs word the 1 TB threshold two ways
  ("first 1 TB $0.07 / beyond 1 TB $0.05" and "(under 1TB) / (over 1TB)"). We read it as
  **tiered**: the first 1 TB (1,000 GB) at the lower-tier rate, only the GB beyond it at the
  over-1-TB rate — so a 1,500 GB volume is 1,000 × $0.07 + 500 × $0.05 = $95/month.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from podwarden.domain.errors import InputError
from podwarden.domain.models import GpuType
from podwarden.domain.money import HOURS_PER_MONTH

__all__ = [
    "NETWORK_VOLUME_TIER_GB",
    "PriceBook",
    "ServerlessPrice",
    "ServerlessTable",
    "parse_serverless_table",
]

NETWORK_VOLUME_TIER_GB = 1000  # "1 TB": storage is sold in decimal units
TIERS = ("standard", "pro")
_POOL = re.compile(r"[A-Z][A-Z0-9_]*")


@dataclass(frozen=True, slots=True)
class ServerlessPrice:
    """One Serverless price class (a RunPod pool such as `AMPERE_80`), per GPU per second.

    `flex_per_s` is what a flex worker costs per billed second; `active_per_s` what an
    always-on (workersMin) worker costs per second, around the clock. `tier` is `standard`
    or `pro` (RunPod's "PRO" classes: 4090, L40S, H100, ...). `estimate` marks a figure we
    chose because the source did not publish one.
    """

    pool: str
    memory_gb: int
    flex_per_s: Decimal
    active_per_s: Decimal
    gpu_type_ids: tuple[str, ...]
    label: str
    tier: str = "standard"
    estimate: bool = False


@dataclass(frozen=True, slots=True)
class ServerlessTable:
    """The Serverless $/s table as read from its JSON file."""

    date: str
    source: str
    prices: tuple[ServerlessPrice, ...]


@dataclass(frozen=True, slots=True)
class PriceBook:
    """Dated non-catalog prices. `date`/`source` are the Serverless table's; the storage
    rates ($/GB/month) carry `storage_date` (the settings' `prices_date`)."""

    date: str
    source: str
    container_disk_gb_month: Decimal
    volume_gb_month_running: Decimal
    volume_gb_month_stopped: Decimal
    network_volume_gb_month: Decimal
    network_volume_gb_month_over_1tb: Decimal
    serverless: tuple[ServerlessPrice, ...]
    storage_date: str = ""
    storage_source: str = "RunPod storage prices (guides' defaults)"

    @property
    def serverless_source(self) -> str:
        return f"{self.source}, {self.date}"

    @property
    def storage_origin(self) -> str:
        return f"{self.storage_source}, {self.storage_date or self.date}"

    def serverless_for(self, gpu: GpuType) -> ServerlessPrice | None:
        """The class that lists `gpu.id`; else the smallest standard-tier class with at least
        the GPU's VRAM (a pro class only when no standard one is big enough); else None."""
        for price in self.serverless:
            if gpu.id in price.gpu_type_ids:
                return price
        big_enough = [p for p in self.serverless if p.memory_gb >= gpu.memory_gb]
        if not big_enough:
            return None
        return min(big_enough, key=lambda p: (p.tier != "standard", p.memory_gb, p.flex_per_s, p.pool))

    def container_disk_cost(self, gb: Decimal | int, *, hours: Decimal | int) -> Decimal:
        """Container disk for `hours` of running (it costs nothing while stopped)."""
        return _non_negative(gb, "container disk") * self.container_disk_gb_month * hours / HOURS_PER_MONTH

    def volume_cost(self, gb: Decimal | int, *, hours: Decimal | int, running: bool) -> Decimal:
        """Volume disk for `hours` at the running or the stopped rate."""
        rate = self.volume_gb_month_running if running else self.volume_gb_month_stopped
        return _non_negative(gb, "volume") * rate * hours / HOURS_PER_MONTH

    def network_volume_cost(self, gb: Decimal | int, *, hours: Decimal | int) -> Decimal:
        """Network volume for `hours`, whatever the Pods do (tiered, see the module docstring)."""
        return self.network_volume_per_month(gb) * hours / HOURS_PER_MONTH

    def container_disk_per_hour(self, gb: Decimal | int) -> Decimal:
        """Container disk, $ per hour while the Pod runs (nothing while stopped)."""
        return self.container_disk_cost(gb, hours=1)

    def volume_per_hour(self, gb: Decimal | int, *, running: bool) -> Decimal:
        """Volume disk, $ per hour at the running or the stopped rate."""
        return self.volume_cost(gb, hours=1, running=running)

    def network_volume_per_month(self, gb: Decimal | int) -> Decimal:
        """Network volume, $ per 30-day month, tiered at 1 TB (see the module docstring)."""
        size = _non_negative(gb, "network volume")
        first = min(size, Decimal(NETWORK_VOLUME_TIER_GB))
        beyond = size - first
        return first * self.network_volume_gb_month + beyond * self.network_volume_gb_month_over_1tb

    def network_volume_per_hour(self, gb: Decimal | int) -> Decimal:
        return self.network_volume_cost(gb, hours=1)


def parse_serverless_table(obj: Mapping[str, object]) -> ServerlessTable:
    """Validate the Serverless price table (as JSON-decoded) and build its values.

    Prices must be decimal strings (`"0.00076"`) or `Decimal`s, never floats, so they stay
    exact. Raises `InputError` naming the first thing wrong, e.g.
    `classes[2] (AMPERE_48): flex_per_s must be more than 0, got "0"`.
    """
    if not isinstance(obj, Mapping):
        raise InputError("the Serverless price table must be a JSON object")
    when = _text(obj, "date", "")
    try:
        date.fromisoformat(when)
    except ValueError:
        raise InputError(f"date must be YYYY-MM-DD, got {when!r}") from None
    source = _text(obj, "source", "")
    classes = obj.get("classes")
    if not isinstance(classes, Sequence) or isinstance(classes, str) or not classes:
        raise InputError("classes must be a non-empty list of price classes")
    prices: list[ServerlessPrice] = []
    seen_ids: dict[str, str] = {}
    for n, raw in enumerate(classes):
        price = _price_class(raw, f"classes[{n}]")
        if any(p.pool == price.pool for p in prices):
            raise InputError(f"classes[{n}]: pool {price.pool} appears twice")
        for gpu_id in price.gpu_type_ids:
            if gpu_id in seen_ids:
                raise InputError(f"classes[{n}] ({price.pool}): {gpu_id!r} is already in {seen_ids[gpu_id]}")
            seen_ids[gpu_id] = price.pool
        prices.append(price)
    return ServerlessTable(date=when, source=source, prices=tuple(prices))


def _price_class(raw: object, where: str) -> ServerlessPrice:
    if not isinstance(raw, Mapping):
        raise InputError(f"{where} must be an object")
    pool = _text(raw, "pool", where)
    if not _POOL.fullmatch(pool):
        raise InputError(f"{where}: pool must look like AMPERE_80, got {pool!r}")
    where = f"{where} ({pool})"
    memory = raw.get("memory_gb")
    if not isinstance(memory, int) or isinstance(memory, bool) or memory <= 0:
        raise InputError(f"{where}: memory_gb must be a whole number of GB above 0, got {memory!r}")
    flex = _money(raw, "flex_per_s", where)
    active = _money(raw, "active_per_s", where)
    if active > flex:
        raise InputError(f"{where}: active_per_s ({active}) cannot exceed flex_per_s ({flex})")
    ids = raw.get("gpu_type_ids", [])
    listed = isinstance(ids, Sequence) and not isinstance(ids, str)
    if not listed or not all(isinstance(i, str) and i for i in ids):
        raise InputError(f"{where}: gpu_type_ids must be a list of RunPod GPU type ids")
    tier = raw.get("tier", "standard")
    if tier not in TIERS:
        raise InputError(f"{where}: tier must be standard or pro, got {tier!r}")
    estimate = raw.get("estimate", False)
    if not isinstance(estimate, bool):
        raise InputError(f"{where}: estimate must be true or false, got {estimate!r}")
    label = raw.get("label", f"{memory} GB")
    if not isinstance(label, str):
        raise InputError(f"{where}: label must be text, got {label!r}")
    return ServerlessPrice(
        pool=pool, memory_gb=memory, flex_per_s=flex, active_per_s=active,
        gpu_type_ids=tuple(str(i) for i in ids), label=label, tier=str(tier), estimate=estimate,
    )


def _text(obj: Mapping[str, object], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        prefix = f"{where}: " if where else ""
        raise InputError(f"{prefix}{key} must be non-empty text, got {value!r}")
    return value.strip()


def _money(obj: Mapping[str, object], key: str, where: str) -> Decimal:
    value = obj.get(key)
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise InputError(_not_money(where, key, value)) from None
    else:
        raise InputError(_not_money(where, key, value))
    if not amount.is_finite() or amount <= 0:
        raise InputError(f"{where}: {key} must be more than 0, got {value!r}")
    return amount


def _not_money(where: str, key: str, value: object) -> str:
    return f'{where}: {key} must be a decimal string such as "0.00076", got {value!r}'


def _non_negative(gb: Decimal | int, what: str) -> Decimal:
    size = Decimal(gb)
    if not size.is_finite() or size < 0:
        raise InputError(f"{what} size cannot be negative, got {gb} GB")
    return size
