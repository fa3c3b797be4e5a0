"""The simulator's GPU catalogue and Serverless pools, as data.

Prices are US dollars per GPU per hour for Pods (secure, community, secure spot, community
spot; ``None`` where the cloud does not offer the type) and US dollars per worker-second
for Serverless flex workers. Pod prices are the figures of RunPod's public guides as of
`PRICES_DATED`, rounded; the Serverless pools and their flex prices are read from the table
Podwarden ships (`podwarden/data/serverless_prices.json`). Both are overridable by a
scenario file. Stock is how many GPUs of the
type each cloud has free when the world starts; renting consumes it, stopping and
terminating give it back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from importlib import resources
from types import MappingProxyType
from typing import Any

__all__ = [
    "ACTIVE_WORKER_FACTOR",
    "CLOUDS",
    "DEFAULT_POOLS",
    "PRICES_DATED",
    "GpuType",
    "Pool",
    "catalog_from_data",
    "default_catalog",
    "pool_for_gpu_type",
    "stock_status",
]

PRICES_DATED = "2026-11-23"
CLOUDS = ("SECURE", "COMMUNITY")

# Active (always-on, workersMin) Serverless workers bill at this fraction of the flex price.
ACTIVE_WORKER_FACTOR = Decimal("0.8")


@dataclass
class GpuType:
    """One GPU type: its prices, RAM/vCPU per GPU, and the stock free in each cloud."""

    id: str
    display_name: str
    memory_gb: int
    secure_price: Decimal | None
    community_price: Decimal | None
    secure_spot_price: Decimal | None
    community_spot_price: Decimal | None
    manufacturer: str = "Nvidia"
    max_gpu_count: int = 8
    vcpu_per_gpu: int = 8
    ram_per_gpu_gb: int = 31
    free: dict[str, int] = field(default_factory=dict)

    def price(self, cloud: str) -> Decimal | None:
        return self.secure_price if cloud == "SECURE" else self.community_price

    def spot_price(self, cloud: str) -> Decimal | None:
        return self.secure_spot_price if cloud == "SECURE" else self.community_spot_price

    def offered(self, cloud: str) -> bool:
        return self.price(cloud) is not None


@dataclass(frozen=True)
class Pool:
    """A Serverless GPU pool (``gpuIds`` of an endpoint): its GPU types and flex $/s."""

    id: str
    gpu_type_ids: tuple[str, ...]
    flex_per_second: Decimal

    @property
    def active_per_second(self) -> Decimal:
        return self.flex_per_second * ACTIVE_WORKER_FACTOR


def _d(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


# id: (display name, memory GB, secure, community, secure spot, community spot, stock secure, stock community)
_ROWS: dict[str, tuple[str, int, str | None, str | None, str | None, str | None, int, int]] = {
    "NVIDIA RTX A4000": ("RTX A4000", 16, "0.28", "0.20", "0.14", "0.10", 24, 24),
    "NVIDIA RTX A4500": ("RTX A4500", 20, "0.34", "0.25", "0.17", "0.12", 16, 16),
    "NVIDIA RTX 4000 Ada Generation": ("RTX 4000 Ada", 20, "0.26", "0.20", "0.13", "0.10", 16, 16),
    "NVIDIA RTX A5000": ("RTX A5000", 24, "0.36", "0.27", "0.18", "0.13", 16, 16),
    "NVIDIA GeForce RTX 3090": ("RTX 3090", 24, "0.46", "0.22", "0.23", "0.11", 16, 24),
    "NVIDIA L4": ("L4", 24, "0.43", None, "0.22", None, 16, 0),
    "NVIDIA GeForce RTX 4090": ("RTX 4090", 24, "0.69", "0.34", "0.35", "0.17", 24, 24),
    "NVIDIA GeForce RTX 5090": ("RTX 5090", 32, "0.94", "0.69", "0.47", "0.35", 16, 16),
    "NVIDIA RTX A6000": ("RTX A6000", 48, "0.49", "0.33", "0.25", "0.17", 16, 16),
    "NVIDIA A40": ("A40", 48, "0.40", "0.35", "0.20", "0.18", 16, 8),
    "NVIDIA L40S": ("L40S", 48, "0.86", "0.79", "0.43", "0.40", 16, 8),
    "NVIDIA RTX 6000 Ada Generation": ("RTX 6000 Ada", 48, "0.77", "0.74", "0.39", "0.37", 16, 8),
    "NVIDIA A100 80GB PCIe": ("A100 PCIe", 80, "1.89", "1.64", "0.95", "0.82", 16, 8),
    "NVIDIA A100-SXM4-80GB": ("A100 SXM", 80, "1.94", "1.74", "0.97", "0.87", 16, 8),
    "NVIDIA H100 PCIe": ("H100 PCIe", 80, "2.39", "2.09", "1.20", "1.05", 8, 8),
    "NVIDIA H100 80GB HBM3": ("H100 SXM", 80, "2.99", "2.79", "1.50", "1.40", 16, 8),
    "NVIDIA H100 NVL": ("H100 NVL", 94, "2.79", "2.59", "1.40", "1.30", 8, 8),
    "NVIDIA H200": ("H200", 141, "3.99", "3.59", "2.00", "1.80", 8, 8),
    "NVIDIA B200": ("B200", 180, "5.99", None, "3.00", None, 8, 0),
    "AMD Instinct MI300X OAM": ("MI300X", 192, "2.49", None, "1.25", None, 8, 0),
}


def default_catalog() -> dict[str, GpuType]:
    """A fresh copy of the default catalogue (each world mutates its own stock)."""
    types = {}
    for gpu_id, (name, memory, sec, com, sec_spot, com_spot, free_sec, free_com) in _ROWS.items():
        big = memory >= 80
        types[gpu_id] = GpuType(
            id=gpu_id,
            display_name=name,
            memory_gb=memory,
            secure_price=_d(sec),
            community_price=_d(com),
            secure_spot_price=_d(sec_spot),
            community_spot_price=_d(com_spot),
            manufacturer="AMD" if gpu_id.startswith("AMD") else "Nvidia",
            vcpu_per_gpu=16 if big else 8,
            ram_per_gpu_gb=125 if big else 31,
            free={"SECURE": free_sec, "COMMUNITY": free_com},
        )
    return types


SERVERLESS_TABLE = ("podwarden.data", "serverless_prices.json")


def _shipped_pools() -> dict[str, Pool]:
    """The Serverless pools of the price table Podwarden ships, the one its quotes price from:
    one mapping of GPU types to pool ids (RunPod's pool ids win over the pricing page's
    grouping, see the table's notes) and one flex $/s per pool, so a quote and the
    simulator's billing agree for every GPU. Read as data (json, Decimal), not through
    Podwarden's adapters, so the simulator stays a stand-alone fake of RunPod. A class the
    table marks `estimate` (the 32 GB PRO class: Podwarden's interpolation, not a price RunPod
    publishes) is left out: the simulator bills only published prices.

    Active workers keep the simulator's own rule, `ACTIVE_WORKER_FACTOR` × flex, rather than
    the table's `active_per_s`: the table's note dates that column to 2025-08 ("RunPod now
    quotes active discounts on request"), and the simulator's active billing is pinned to the
    factor (tests/sim). So an active worker the simulator bills can differ from a quote's
    active price by the gap between the two (AMPERE_80: $0.000608/s vs $0.00060/s)."""
    package, name = SERVERLESS_TABLE
    table = json.loads(resources.files(package).joinpath(name).read_text(encoding="utf-8"), parse_float=Decimal)
    return {
        row["pool"]: Pool(row["pool"], tuple(row["gpu_type_ids"]), Decimal(str(row["flex_per_s"])))
        for row in table["classes"] if not row.get("estimate", False)
    }


DEFAULT_POOLS: Mapping[str, Pool] = MappingProxyType(_shipped_pools())


def pool_for_gpu_type(gpu_type_id: str, pools: dict[str, Pool]) -> Pool | None:
    for pool in pools.values():
        if gpu_type_id in pool.gpu_type_ids:
            return pool
    return None


def stock_status(free_units: int) -> str:
    """RunPod's ``stockStatus`` words for how many rentable units are free.

    On the wire none free is ``null``, not ``"None"`` (views.py): gpuhunt skips an offer whose
    ``stockStatus is None`` and runpodctl counts ``""``/null as unavailable."""
    if free_units <= 0:
        return "None"
    if free_units <= 3:
        return "Low"
    if free_units <= 11:
        return "Medium"
    return "High"


_PRICE_KEYS = {
    "securePrice": "secure_price",
    "communityPrice": "community_price",
    "secureSpotPrice": "secure_spot_price",
    "communitySpotPrice": "community_spot_price",
}


def catalog_from_data(overrides: dict[str, Any] | None) -> dict[str, GpuType]:
    """The default catalogue with a scenario's overrides applied (fresh copies, safe to mutate).

    ``overrides`` maps a GPU type id to any of ``displayName``, ``memoryInGb``, the four
    price keys (a number or ``null``), ``stock`` (``{"SECURE": n, "COMMUNITY": n}``) and
    ``maxGpuCount``; an id not in the default catalogue adds a type (it needs
    ``displayName`` and ``memoryInGb``). ``{"<id>": null}`` removes a type.
    """
    types = default_catalog()
    for gpu_id, spec in (overrides or {}).items():
        if spec is None:
            types.pop(gpu_id, None)
            continue
        base = types.get(gpu_id) or GpuType(
            id=gpu_id,
            display_name=str(spec["displayName"]),
            memory_gb=int(spec["memoryInGb"]),
            secure_price=None,
            community_price=None,
            secure_spot_price=None,
            community_spot_price=None,
            free={"SECURE": 0, "COMMUNITY": 0},
        )
        changes: dict[str, Any] = {}
        if "displayName" in spec:
            changes["display_name"] = str(spec["displayName"])
        if "memoryInGb" in spec:
            changes["memory_gb"] = int(spec["memoryInGb"])
        if "maxGpuCount" in spec:
            changes["max_gpu_count"] = int(spec["maxGpuCount"])
        for key, attr in _PRICE_KEYS.items():
            if key in spec:
                changes[attr] = None if spec[key] is None else Decimal(str(spec[key]))
        if "stock" in spec:
            changes["free"] = {**base.free, **{str(k).upper(): int(v) for k, v in spec["stock"].items()}}
        types[gpu_id] = replace(base, **changes)
    return types
