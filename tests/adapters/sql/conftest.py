"""Builders shared by the ledger's tests: pods as RunPod would report them, and a start time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from podwarden.domain.models import Cloud, Pod, PodRuntime, PodStatus, PortMapping

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday morning

PodMaker = Callable[..., Pod]


def make_pod(
    pod_id: str = "pod-a100", *, status: PodStatus = PodStatus.RUNNING, cost: str = "1.89",
    ssh: tuple[str, int] | None = ("203.0.113.7", 40122), **fields: Any,
) -> Pod:
    """A pod as RunPod lists it; running pods report a runtime with SSH on port 22."""
    runtime = None
    if status is PodStatus.RUNNING:
        ports = () if ssh is None else (PortMapping(22, ssh[1], ssh[0], True, "tcp"),)
        runtime = PodRuntime(uptime_seconds=60, ports=ports)
    values: dict[str, Any] = {
        "name": f"{pod_id}-name", "gpu_type_id": "NVIDIA A100 80GB PCIe", "gpu_count": 1,
        "cloud": Cloud.SECURE, "container_disk_gb": 20, "volume_gb": 50, "runtime": runtime,
    }
    values.update(fields)
    return Pod(id=pod_id, status=status, cost_per_hr=Decimal(cost), **values)


@pytest.fixture
def t0() -> datetime:
    return T0


@pytest.fixture
def pod() -> PodMaker:
    return make_pod
