"""The simulated RunPod account: pods, endpoints, templates, volumes, money, and time.

The world only moves when `step_to` is called (the simulator calls it with the clock's
time before serving each request, and `RunPodSimulator.advance` after moving a manual
clock). Stepping is event-driven: it jumps from one event to the next (a spot eviction,
the balance reaching zero, a Serverless worker becoming ready, a job finishing, an idle
worker timing out), charging every meter for each stretch in between, split at hour
boundaries so billing records fall in the right hour bucket.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from podwarden.sim import model_repo, serverless
from podwarden.sim import pods as pod_ops
from podwarden.sim.billing import BillingLedger, Meter, hour_floor, network_volume_rate
from podwarden.sim.catalog import DEFAULT_POOLS, GpuType, Pool, catalog_from_data
from podwarden.sim.errors import SimError, spend_limit_exceeded
from podwarden.sim.model_repo import ModelRepository
from podwarden.sim.pods import DeployRequest, SimPod
from podwarden.sim.serverless import Handler, SimEndpoint
from podwarden.sim.workload import Workload, workload_from

__all__ = ["SimCluster", "SimNetworkVolume", "SimRegistryAuth", "SimTemplate", "World", "WorldConfig"]

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_MAX_EVENTS_AT_ONE_INSTANT = 10_000


@dataclass
class WorldConfig:
    """Knobs a scenario may set. Times are simulated seconds."""

    boot_seconds: float = 30.0
    eviction_per_hour: float = 0.0
    cold_start_seconds: float = 15.0
    flashboot_cold_start_seconds: float = 2.0
    execution_seconds: float = 1.0


@dataclass
class SimTemplate:
    id: str
    name: str
    image_name: str
    docker_args: str = ""
    container_disk_gb: int = 10
    volume_gb: int = 0
    volume_mount_path: str = "/workspace"
    ports: str = ""
    env: list[tuple[str, str]] = field(default_factory=list)
    is_serverless: bool = False
    is_public: bool = False
    readme: str = ""
    start_ssh: bool = True
    container_registry_auth_id: str | None = None
    ports_config: list[tuple[str, str]] = field(default_factory=list)  # (port, label) for the dashboard
    category: str = "NVIDIA"
    is_runpod: bool = False  # one of RunPod's official templates


@dataclass
class SimRegistryAuth:
    """Container registry credentials (``saveRegistryAuth``); the password is kept but never shown."""

    id: str
    name: str
    username: str
    password: str


@dataclass
class SimCluster:
    """An Instant Cluster: pods created together (``createCluster``), deleted together."""

    id: str
    name: str
    type: str
    pod_ids: list[str]


@dataclass
class SimNetworkVolume:
    id: str
    name: str
    size: int
    data_center_id: str
    meter: Meter


class World:
    """Everything the simulated account holds. Readable by tests; mutate it through the API."""

    def __init__(
        self,
        *,
        now: datetime,
        seed: int = 0,
        config: WorldConfig | None = None,
        gpu_types: dict[str, GpuType] | None = None,
        pools: dict[str, Pool] | None = None,
        balance: Decimal = Decimal("500.00"),
        spend_limit: int = 80,
    ) -> None:
        self.now = now
        self.rng = random.Random(seed)
        self.config = config or WorldConfig()
        self.gpu_types = gpu_types if gpu_types is not None else catalog_from_data(None)
        self.pools = dict(pools or DEFAULT_POOLS)
        self.balance = balance
        self.spend_limit = spend_limit
        self.user_id = "user_" + self.new_id(10)
        self.auth_id = "auth0|" + self.user_id.removeprefix("user_")  # no draw: ids stay as they were
        self.email = "team@example.com"
        self.pub_key = ""
        self.min_balance = Decimal(0)
        self.pods: dict[str, SimPod] = {}
        self.templates: dict[str, SimTemplate] = {}
        self.endpoints: dict[str, SimEndpoint] = {}
        self.network_volumes: dict[str, SimNetworkVolume] = {}
        self.registry_auths: dict[str, SimRegistryAuth] = {}
        self.clusters: dict[str, SimCluster] = {}
        self.model_repo = ModelRepository()  # runpodctl's `model add|list|remove`
        self.handlers: dict[str, Handler] = {}
        self.billing = BillingLedger()
        self.log: list[tuple[datetime, str]] = []

    # ----------------------------------------------------------------- ids
    def new_id(self, length: int) -> str:
        return "".join(self.rng.choice(_ALNUM) for _ in range(length))

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def note(self, text: str) -> None:
        self.log.append((self.now, text))

    # ------------------------------------------------------------- helpers
    def add_pod(
        self,
        *,
        name: str,
        gpu_type_id: str,
        gpu_count: int = 1,
        cloud: str = "SECURE",
        spot: bool = False,
        workload: str | Sequence[Sequence[float]] | Workload = "idle",
        image_name: str = "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
        container_disk_gb: int = 20,
        volume_gb: int = 20,
        ports: str = "8888/http,22/tcp",
        network_volume_id: str | None = None,
        status: str = "RUNNING",
        started_seconds_ago: float = 0.0,
        evict_after: float | None = None,
        booted: bool = True,
        owner: str | None = None,
    ) -> SimPod:
        """Seed a pod directly (no spend-limit or balance checks; stock is still taken).

        ``started_seconds_ago`` back-dates the start (uptime; no back-billing);
        ``booted`` skips the boot delay; ``status="EXITED"`` leaves it stopped.
        """
        req = DeployRequest(
            gpu_type_id=gpu_type_id, name=name, image_name=image_name, gpu_count=gpu_count,
            cloud_type=cloud, container_disk_gb=container_disk_gb, volume_gb=volume_gb, ports=ports,
            network_volume_id=network_volume_id, spot=spot,
        )
        pod = pod_ops.deploy(self, req, workload=workload_from(workload), check_money=False)
        pod.owner = owner
        if evict_after is not None:
            pod.evict_after = evict_after
            pod.evict_at = self.now + timedelta(seconds=evict_after)
        if started_seconds_ago:
            back = timedelta(seconds=started_seconds_ago)
            pod.created_at -= back
            pod.last_started_at = self.now - back
            pod.last_status_change = pod_ops.status_stamp("Rented by User", pod.last_started_at)
            pod.workload_since = self.now - back
        if booted:
            pod.boot_ready_at = self.now
        if status == "EXITED":
            pod_ops.stop(self, pod.id)
            pod.last_status_change = pod_ops.status_stamp("Exited by User", self.now)
        return pod

    def set_workload(self, pod_id: str, workload: str | Sequence[Sequence[float]] | Workload) -> None:
        """Script what the pod's GPUs and container report, from now on."""
        pod = pod_ops.get(self, pod_id)
        pod.workload = workload_from(workload)
        pod.workload_since = self.now

    def set_handler(self, endpoint_id: str, handler: Handler) -> None:
        """Replace the default echo handler of one endpoint's jobs."""
        self.handlers[endpoint_id] = handler

    def create_network_volume(self, *, name: str, size: int, data_center_id: str) -> SimNetworkVolume:
        if size <= 0 or size > 4000:
            raise SimError("Network volume size must be between 1 and 4000 GB.")
        volume = SimNetworkVolume(self.new_id(10), name, size, data_center_id,
                                  Meter("storage", network_volume_rate(size), self.now))
        self.network_volumes[volume.id] = volume
        return volume

    # ------------------------------------------------------------- money
    def meters(self) -> Iterator[tuple[str, str, Meter]]:
        for pod in self.pods.values():
            yield "pod", pod.id, pod.compute
            yield "pod", pod.id, pod.storage
        for volume in self.network_volumes.values():
            yield "networkVolume", volume.id, volume.meter
        for endpoint in self.endpoints.values():
            yield "endpoint", endpoint.id, endpoint.meter

    def current_spend_per_hour(self) -> Decimal:
        return sum((meter.rate_per_hour for _, _, meter in self.meters()), Decimal(0))

    def check_spend(self, extra_per_hr: Decimal) -> None:
        """Refuse a change that would add `extra_per_hr` $/h and take the burn past the spend limit.

        Pods (create, resume) and endpoints (active workers) both go through here; a change
        that adds nothing (or lowers the burn) is always allowed.
        """
        if extra_per_hr <= 0:
            return
        current = self.current_spend_per_hour()
        if current + extra_per_hr > self.spend_limit:
            raise SimError(spend_limit_exceeded(
                new_rate=f"{current + extra_per_hr:.2f}", current=f"{current:.2f}", limit=self.spend_limit))

    def spend_details(self) -> dict[str, Decimal]:
        compute = sum((p.compute.rate_per_hour for p in self.pods.values()), Decimal(0))
        compute += sum((e.meter.rate_per_hour for e in self.endpoints.values()), Decimal(0))
        return {
            "gpuComputePerHour": compute,
            "localStoragePerHour": sum((p.storage.rate_per_hour for p in self.pods.values()), Decimal(0)),
            "networkStoragePerHour": sum(
                (v.meter.rate_per_hour for v in self.network_volumes.values()), Decimal(0)),
        }

    def _accrue(self, until: datetime) -> None:
        start = self.now
        while start < until:
            boundary = min(hour_floor(start) + timedelta(hours=1), until)
            hour = hour_floor(start)
            for resource, resource_id, meter in self.meters():
                amount = meter.charge_to(boundary)
                if amount or meter.rate_per_hour:
                    billed = boundary - start if meter.rate_per_hour else timedelta(0)
                    self.billing.add(hour, resource, resource_id, meter.kind, amount, billed)
                    self.balance -= amount
            start = boundary

    def _balance_runs_out_at(self) -> datetime | None:
        rate = self.current_spend_per_hour()
        if self.balance <= 0 or rate <= 0:
            return None
        micros = (self.balance / rate * Decimal(3_600_000_000)).to_integral_value(rounding=ROUND_CEILING)
        return self.now + timedelta(microseconds=int(micros))

    def _out_of_money(self) -> list[SimPod]:
        """The pods running out of money acts on: those running, and every pod without a network volume."""
        return [p for p in self.pods.values() if p.running or p.network_volume_id is None]

    def _exhausted(self) -> None:
        """The balance reached zero. As RunPod documents (reference §9, §11.5): pods with a network
        volume are stopped (their data lives on in the volume); pods without one are terminated,
        stopped ones included, since their disks would go on billing an empty account."""
        stopped: list[str] = []
        terminated: list[str] = []
        for pod in self._out_of_money():
            if pod.network_volume_id is None:
                pod_ops.terminate_for_balance(self, pod)
                terminated.append(pod.id)
            else:
                pod_ops.stop_for_balance(self, pod)
                stopped.append(pod.id)
        for endpoint in self.endpoints.values():
            serverless.reconcile(self, endpoint)
        self.note(f"balance reached ${self.balance:.2f}: terminated {len(terminated)} pod(s) without a network "
                  f"volume {terminated}, stopped {len(stopped)} with one {stopped}")

    # -------------------------------------------------------------- time
    def next_event(self) -> datetime | None:
        times = [p.evict_at for p in self.pods.values() if p.running and p.evict_at is not None]
        times += [t for e in self.endpoints.values() if (t := serverless.next_event(self, e)) is not None]
        if (out := self._balance_runs_out_at()) is not None:
            times.append(out)
        return min(times) if times else None

    def _fire(self) -> None:
        for pod in list(self.pods.values()):
            if pod.running and pod.evict_at is not None and pod.evict_at <= self.now:
                pod_ops.evict(self, pod)
        if self.balance <= 0 and self._out_of_money():
            self._exhausted()
        for endpoint in list(self.endpoints.values()):
            serverless.advance(self, endpoint)

    def step_to(self, until: datetime) -> None:
        """Move the world to `until`, firing every event on the way, charging as it goes."""
        same_instant = 0
        while True:
            nxt = self.next_event()
            target = until if nxt is None or nxt > until else max(nxt, self.now)
            if target < self.now:
                return
            same_instant = same_instant + 1 if target == self.now else 0
            if same_instant > _MAX_EVENTS_AT_ONE_INSTANT:
                raise RuntimeError("the simulator's event loop made no progress (an event is never consumed)")
            self._accrue(target)
            self.now = target
            self._fire()
            if target >= until and (nxt is None or nxt > until):
                return

    def dump(self) -> dict[str, Any]:
        """A JSON-ready picture of the world (GET /_sim/world)."""
        return {
            "now": self.now.isoformat(),
            "balance": str(self.balance),
            "spendLimit": self.spend_limit,
            "currentSpendPerHr": str(self.current_spend_per_hour()),
            "pods": [
                {"id": p.id, "name": p.name, "gpuTypeId": p.gpu_type_id, "gpuCount": p.gpu_count,
                 "cloud": p.cloud, "spot": p.spot, "desiredStatus": p.desired_status,
                 "costPerHr": str(p.cost_per_hr), "booted": p.booted(self.now), "workload": p.workload.name,
                 "owner": p.owner, "stoppedBy": p.stopped_by, "clusterId": p.cluster_id, "cpuFlavor": p.cpu_flavor}
                for p in self.pods.values()
            ],
            "clusters": [{"id": c.id, "name": c.name, "type": c.type, "podIds": list(c.pod_ids)}
                         for c in self.clusters.values()],
            "registryAuths": [{"id": a.id, "name": a.name, "username": a.username}
                              for a in self.registry_auths.values()],
            "models": model_repo.dump(self),
            "endpoints": [serverless.dump(self, e) for e in self.endpoints.values()],
            "templates": [
                {"id": t.id, "name": t.name, "imageName": t.image_name} for t in self.templates.values()
            ],
            "networkVolumes": [
                {"id": v.id, "name": v.name, "size": v.size, "dataCenterId": v.data_center_id}
                for v in self.network_volumes.values()
            ],
            "stock": {g.id: dict(g.free) for g in self.gpu_types.values()},
            "log": [[when.isoformat(), text] for when, text in self.log[-50:]],
        }
