"""Scripted workloads: what a pod's GPUs and container report as utilisation over time.

A workload is a list of steps ``(seconds, gpu_util, cpu_util)`` played from the moment it
was set; ``cycle`` replays the list forever, otherwise the last step holds. The named
workloads are ``busy`` (~90 % GPU), ``idle`` (0–2 %) and ``mixed`` (20 min busy, 20 min
idle, repeating). Readings get a small jitter derived from a hash of the pod, the GPU and
the minute, so reading telemetry never consumes the world's random numbers and the same
instant always reads the same.

What the telemetry reads (``runtime.gpus[].gpuUtilPercent``/``memoryUtilPercent``,
``runtime.container.cpuPercent``/``memoryPercent``, the fields RunPod's Idle-Pod-Monitor
and the SDK's examples read). This is the one place these levels are set and described:

=========================  =====================  =====================
field                      busy step (GPU ≥ 50)   idle step
=========================  =====================  =====================
gpuUtilPercent             the step's level ± 3   the step's level, 0–2
memoryUtilPercent (VRAM)   68–79                  18–25 (a notebook keeps its
                                                  CUDA context and model loaded)
cpuPercent                 the step's level ± 2   the step's level ± 2
memoryPercent (container)  38–46                  11–15 (the kernel, the loaded
                                                  libraries and data)
=========================  =====================  =====================

So a training pod is never a flat 100 % and an idle notebook is never at 0 % memory:
an idle detector must look at utilisation, not at memory.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["NAMED_WORKLOADS", "Reading", "Workload", "workload_from"]

Step = tuple[float, float, float]


@dataclass(frozen=True)
class Reading:
    gpu_util: int
    gpu_memory: int
    cpu: int
    memory: int


@dataclass(frozen=True)
class Workload:
    steps: tuple[Step, ...]
    cycle: bool = False
    name: str = "custom"

    def level(self, elapsed: float) -> tuple[float, float]:
        """The (gpu, cpu) utilisation in force `elapsed` seconds after the workload was set."""
        total = sum(s[0] for s in self.steps)
        t = max(elapsed, 0.0)
        if self.cycle and total > 0 and not math.isinf(total):
            t %= total
        for seconds, gpu, cpu in self.steps:
            if t < seconds:
                return gpu, cpu
            t -= seconds
        _, gpu, cpu = self.steps[-1]
        return gpu, cpu

    def reading(self, elapsed: float, *, key: str) -> Reading:
        gpu, cpu = self.level(elapsed)
        minute = int(max(elapsed, 0.0) // 60)
        h = zlib.crc32(f"{key}:{minute}".encode())
        busy = gpu >= 50
        jitter = (h % 7) - 3 if busy else (h % 3) - (1 if gpu >= 1 else 0)
        gpu_util = _clamp(gpu + jitter)
        gpu_mem = _clamp(68 + (h >> 3) % 12) if busy else _clamp(18 + (h >> 3) % 8)
        cpu_util = _clamp(cpu + ((h >> 5) % 5) - 2)
        memory = _clamp(38 + (h >> 7) % 9) if busy else _clamp(11 + (h >> 7) % 5)
        return Reading(gpu_util, gpu_mem, cpu_util, memory)


def _clamp(value: float) -> int:
    return int(min(max(round(value), 0), 100))


NAMED_WORKLOADS: dict[str, Workload] = {
    "busy": Workload(((math.inf, 90.0, 60.0),), name="busy"),
    "idle": Workload(((math.inf, 1.0, 1.0),), name="idle"),
    "mixed": Workload(((1200.0, 90.0, 60.0), (1200.0, 1.0, 2.0)), cycle=True, name="mixed"),
}


def workload_from(spec: str | Sequence[Sequence[float]] | Workload) -> Workload:
    """``"busy"|"idle"|"mixed"``, a list of ``(seconds, gpu_util, cpu_util)`` steps, or a Workload."""
    if isinstance(spec, Workload):
        return spec
    if isinstance(spec, str):
        try:
            return NAMED_WORKLOADS[spec]
        except KeyError:
            raise ValueError(f"unknown workload {spec!r}: use busy, idle, mixed or a list of steps") from None
    steps = tuple((float(s[0]), float(s[1]), float(s[2])) for s in spec)
    if not steps:
        raise ValueError("a workload needs at least one (seconds, gpu_util, cpu_util) step")
    return Workload(steps)
