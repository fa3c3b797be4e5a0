"""The idle verdict against the pod's GPU count: a GPU RunPod does not report is not idle."""

from __future__ import annotations

from decimal import Decimal

from podwarden.domain.idle import IdleThresholds, Verdict, verdict
from podwarden.domain.models import GpuTelemetry, Pod, PodRuntime, PodStatus

THRESHOLDS = IdleThresholds(gpu_percent=5, cpu_percent=10)


def pod(gpu_count: int, *readings: int | None, cpu: int | None = 1) -> Pod:
    gpus = tuple(GpuTelemetry(f"gpu{i}", util, 0) for i, util in enumerate(readings))
    return Pod(id="pod2", name="two-gpus", status=PodStatus.RUNNING, gpu_type_id="NVIDIA A100 80GB PCIe",
               gpu_count=gpu_count, cost_per_hr=Decimal("3.78"),
               runtime=PodRuntime(uptime_seconds=7200, gpus=gpus, cpu_percent=cpu))


def test_every_gpu_of_the_pod_reported_low_is_idle() -> None:
    assert verdict(pod(2, 0, 3), THRESHOLDS) is Verdict.IDLE


def test_fewer_readings_than_gpus_is_unknown_not_idle() -> None:
    assert verdict(pod(2, 0), THRESHOLDS) is Verdict.UNKNOWN
    assert verdict(pod(8, 0, 0, 0, 0, 0, 0, 0), THRESHOLDS) is Verdict.UNKNOWN


def test_one_unread_gpu_among_idle_ones_is_unknown_not_idle() -> None:
    assert verdict(pod(2, 0, None), THRESHOLDS) is Verdict.UNKNOWN
    assert verdict(pod(2, None, 0), THRESHOLDS) is Verdict.UNKNOWN


def test_a_busy_gpu_with_every_gpu_reported_is_busy() -> None:
    assert verdict(pod(2, 90, 0), THRESHOLDS) is Verdict.BUSY
    assert verdict(pod(1, 0, cpu=40), THRESHOLDS) is Verdict.BUSY


def test_by_default_a_gpu_at_five_percent_and_a_cpu_under_ten_is_idle() -> None:
    defaults = IdleThresholds()
    assert verdict(pod(1, 5, cpu=9), defaults) is Verdict.IDLE
    assert verdict(pod(1, 6, cpu=9), defaults) is Verdict.BUSY
    assert verdict(pod(1, 5, cpu=10), defaults) is Verdict.BUSY
