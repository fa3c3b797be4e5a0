"""Test data of the cost engine's unit tests: the simulator's GPU catalog and a price book.

The catalog is the one the simulator ships (RunPod ids, per-GPU $/h in secure, community,
secure spot and community spot; None where a cloud does not offer the type), written out
here so that the domain is tested against data, not against the simulator's code. The
price book is the shipped Serverless table with the guides' storage rates.
"""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources

from podwarden.domain.models import GpuType
from podwarden.domain.pricing import PriceBook, parse_serverless_table

# id: (display name, memory GB, secure, community, secure spot, community spot)
CATALOG_ROWS: dict[str, tuple[str, int, str | None, str | None, str | None, str | None]] = {
    "NVIDIA RTX A4000": ("RTX A4000", 16, "0.28", "0.20", "0.14", "0.10"),
    "NVIDIA RTX A4500": ("RTX A4500", 20, "0.34", "0.25", "0.17", "0.12"),
    "NVIDIA RTX 4000 Ada Generation": ("RTX 4000 Ada", 20, "0.26", "0.20", "0.13", "0.10"),
    "NVIDIA RTX A5000": ("RTX A5000", 24, "0.36", "0.27", "0.18", "0.13"),
    "NVIDIA GeForce RTX 3090": ("RTX 3090", 24, "0.46", "0.22", "0.23", "0.11"),
    "NVIDIA L4": ("L4", 24, "0.43", None, "0.22", None),
    "NVIDIA GeForce RTX 4090": ("RTX 4090", 24, "0.69", "0.34", "0.35", "0.17"),
    "NVIDIA GeForce RTX 5090": ("RTX 5090", 32, "0.94", "0.69", "0.47", "0.35"),
    "NVIDIA RTX A6000": ("RTX A6000", 48, "0.49", "0.33", "0.25", "0.17"),
    "NVIDIA A40": ("A40", 48, "0.40", "0.35", "0.20", "0.18"),
    "NVIDIA L40S": ("L40S", 48, "0.86", "0.79", "0.43", "0.40"),
    "NVIDIA RTX 6000 Ada Generation": ("RTX 6000 Ada", 48, "0.77", "0.74", "0.39", "0.37"),
    "NVIDIA A100 80GB PCIe": ("A100 PCIe", 80, "1.89", "1.64", "0.95", "0.82"),
    "NVIDIA A100-SXM4-80GB": ("A100 SXM", 80, "1.94", "1.74", "0.97", "0.87"),
    "NVIDIA H100 PCIe": ("H100 PCIe", 80, "2.39", "2.09", "1.20", "1.05"),
    "NVIDIA H100 80GB HBM3": ("H100 SXM", 80, "2.99", "2.79", "1.50", "1.40"),
    "NVIDIA H100 NVL": ("H100 NVL", 94, "2.79", "2.59", "1.40", "1.30"),
    "NVIDIA H200": ("H200", 141, "3.99", "3.59", "2.00", "1.80"),
    "NVIDIA B200": ("B200", 180, "5.99", None, "3.00", None),
    "AMD Instinct MI300X OAM": ("MI300X", 192, "2.49", None, "1.25", None),
}

SIM_SOURCE = "RunPod catalog via simulator"


def _d(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def make_catalog() -> tuple[GpuType, ...]:
    return tuple(
        GpuType(
            id=gpu_id, display_name=name, memory_gb=memory, secure_price=_d(sec), community_price=_d(com),
            secure_spot_price=_d(sec_spot), community_spot_price=_d(com_spot), max_gpu_count=8,
            manufacturer="AMD" if gpu_id.startswith("AMD") else "Nvidia",
        )
        for gpu_id, (name, memory, sec, com, sec_spot, com_spot) in CATALOG_ROWS.items()
    )


def make_book() -> PriceBook:
    text = resources.files("podwarden.data").joinpath("serverless_prices.json").read_text(encoding="utf-8")
    table = parse_serverless_table(json.loads(text))
    return PriceBook(
        date=table.date, source=table.source,
        container_disk_gb_month=Decimal("0.10"), volume_gb_month_running=Decimal("0.10"),
        volume_gb_month_stopped=Decimal("0.20"), network_volume_gb_month=Decimal("0.07"),
        network_volume_gb_month_over_1tb=Decimal("0.05"), serverless=table.prices, storage_date="2026-11-01",
    )


CATALOG = make_catalog()
BOOK = make_book()


def gpu(gpu_id: str) -> GpuType:
    return next(g for g in CATALOG if g.id == gpu_id)
