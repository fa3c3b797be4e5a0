"""Is a pod idle right now, and since when? The idle clock, as pure functions.

Idle means every GPU at or under the GPU threshold *and* the CPU under its threshold.
Anything Podwarden cannot see counts as busy: a pod with no runtime, a GPU that reports
no utilisation, a CPU that reports nothing. Stopping a pod that was in fact working costs
a user their run; warning a little late costs cents, so every doubt resolves to "busy".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from podwarden.domain.models import Pod


class Verdict(enum.StrEnum):
    """One tick's reading of one pod: IDLE, BUSY, or UNKNOWN (treated as busy)."""

    IDLE = "idle"
    BUSY = "busy"
    UNKNOWN = "unknown"

    @property
    def idle(self) -> bool | None:
        """What the usage ledger records: True, False, or None when telemetry was missing."""
        return {Verdict.IDLE: True, Verdict.BUSY: False, Verdict.UNKNOWN: None}[self]


@dataclass(frozen=True, slots=True)
class IdleThresholds:
    gpu_percent: int = 5  # a GPU at or under this is idle
    cpu_percent: int = 10  # a container under this is idle


def verdict(pod: Pod, thresholds: IdleThresholds) -> Verdict:
    """Read one pod's telemetry: IDLE only when every reading is present and low.

    "Every" is counted against `pod.gpu_count`, not against what RunPod happened to list: a
    2-GPU pod whose runtime lists one GPU, or lists the second as null, has a GPU nobody can
    see, and that GPU may be the one training. Such a pod is UNKNOWN (treated as busy).
    """
    runtime = pod.runtime
    if not pod.running or runtime is None or not runtime.gpus or runtime.cpu_percent is None:
        return Verdict.UNKNOWN
    readings = [gpu.util_percent for gpu in runtime.gpus]
    if len(readings) < pod.gpu_count or any(reading is None for reading in readings):
        return Verdict.UNKNOWN
    if all(r is not None and r <= thresholds.gpu_percent for r in readings) \
            and runtime.cpu_percent < thresholds.cpu_percent:
        return Verdict.IDLE
    return Verdict.BUSY


def next_idle_since(previous: datetime | None, *, verdict: Verdict, now: datetime) -> datetime | None:
    """The idle clock after this tick's reading.

    An idle reading continues the clock, or starts it now; a busy or unknown one stops it.

    A gap in the readings (the daemon was down, the fleet could not be read) is no reading at
    all: it neither stops the clock (that would make the pod "freshly busy" and push its
    warning back a whole idle window for every outage) nor counts as evidence of idleness.
    The clock keeps its start when the pod reads idle on both sides of the gap. Stopping stays
    safe because a stop never follows from the clock alone: it needs a warning known to be
    delivered, the grace after that delivery, and the pod read idle in the tick that stops it
    (see `podwarden.domain.lifecycle`). So after an outage the owner is warned at the first
    read that finds the pod still idle (if not already warned), and a pod busy in that read is
    not stopped.
    """
    if verdict is not Verdict.IDLE:
        return None
    return previous if previous is not None else now
