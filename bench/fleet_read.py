"""The daemon's fleet read: one GraphQL request for every pod with telemetry, vs one per pod.

RunPod's SDK has no "all pods with runtime telemetry" call: `get_pods()` omits `gpus` and
`container`, so a tool built on it asks `get_pod()` per pod. Podwarden's adapter asks
`myself { pods { ... runtime { gpus container } } }` once. Both run here against the
simulator served on loopback (real HTTP, real JSON, real GraphQL execution), in one run,
so the ratio is what matters, not the absolute times. The second table reads bigger
fleets in one request: its cost per pod should stay flat (linear in the fleet).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from podwarden.adapters.runpod import GraphQLRunPod
from podwarden.clock import ManualClock
from podwarden.sim import RunPodSimulator, Scenario
from podwarden.sim.server import serve

GPUS = ("NVIDIA RTX A4000", "NVIDIA GeForce RTX 4090", "NVIDIA A100 80GB PCIe", "NVIDIA H100 80GB HBM3")


@dataclass(frozen=True)
class Row:
    pods: int
    one_request_ms: float
    per_pod_ms: float
    per_pod_requests: int

    @property
    def ratio(self) -> float:
        return self.per_pod_ms / self.one_request_ms


def _world(pods: int) -> RunPodSimulator:
    scenario = Scenario.from_dict({"catalog": {gpu: {"stock": {"SECURE": pods}} for gpu in GPUS}})
    sim = RunPodSimulator(clock=ManualClock(), scenario=scenario, seed=1, api_key="bench-key")
    for n in range(pods):
        sim.world.add_pod(name=f"pod-{n}", gpu_type_id=GPUS[n % len(GPUS)], workload="mixed",
                          started_seconds_ago=3600)
    return sim


def _median_ms(runs: int, action: object) -> float:
    assert callable(action)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _best_ms(runs: int, action: object) -> float:
    assert callable(action)
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        action()
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


def measure(pods: int, *, runs: int = 5) -> Row:
    sim = _world(pods)
    with serve(sim) as server, GraphQLRunPod(url=f"{server.url}/graphql", api_key="bench-key") as client:
        ids = [p.id for p in client.list_pods()]
        assert len(ids) == pods
        one = _median_ms(runs, client.list_pods)
        before = len(sim.requests)

        def per_pod() -> None:
            for pod_id in ids:
                client.get_pod(pod_id)

        many = _median_ms(runs, per_pod)
        requests = (len(sim.requests) - before) // runs
    return Row(pods, one, many, requests)


def run(sizes: tuple[int, ...] = (10, 50, 200)) -> list[Row]:
    return [measure(n) for n in sizes]


@dataclass(frozen=True)
class ScaleRow:
    pods: int
    one_request_ms: float

    @property
    def per_pod_ms(self) -> float:
        return self.one_request_ms / self.pods


def scaling(sizes: tuple[int, ...] = (300, 1000, 3000), *, runs: int = 5) -> list[ScaleRow]:
    """The one-request fleet read alone, for fleets too big to read pod by pod in a benchmark.

    Best of `runs`: on a shared machine the fastest run is the one least disturbed by others."""
    rows = []
    for pods in sizes:
        sim = _world(pods)
        with serve(sim) as server, GraphQLRunPod(url=f"{server.url}/graphql", api_key="bench-key") as client:
            assert len(client.list_pods()) == pods
            rows.append(ScaleRow(pods, _best_ms(runs, client.list_pods)))
    return rows


def scaling_markdown(rows: list[ScaleRow]) -> str:
    lines = ["| pods | one request (ms, best of 5) | per pod (ms) |", "|---:|---:|---:|"]
    lines += [f"| {r.pods} | {r.one_request_ms:.1f} | {r.per_pod_ms:.3f} |" for r in rows]
    return "\n".join(lines)


def markdown(rows: list[Row]) -> str:
    lines = [
        "| pods | one request (ms, median of 5) | one request per pod (ms) | requests per pod read | ratio |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [f"| {r.pods} | {r.one_request_ms:.1f} | {r.per_pod_ms:.1f} | {r.per_pod_requests} | "
              f"{r.ratio:.1f}× |" for r in rows]
    return "\n".join(lines)
