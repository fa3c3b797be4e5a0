"""Scenario files: the account a simulator starts with (JSON or YAML).

A scenario sets the money (``balance``, ``spend_limit``), timings (``boot_seconds``,
``eviction_per_hour``, ``cold_start_seconds``, ``flashboot_cold_start_seconds``,
``execution_seconds``), ``catalog`` overrides (see `catalog.catalog_from_data`),
``network_volumes``, ``pods`` (with workloads, owners, back-dated starts, a spot
``evict_after_seconds``), ``endpoints`` and ``faults``. Keys are snake_case; an unknown
key is an error, so a typo never silently does nothing. ``podwarden/sim/scenarios/demo.yaml``
is the example.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from podwarden.sim import resources as res
from podwarden.sim.catalog import catalog_from_data
from podwarden.sim.world import World, WorldConfig

__all__ = ["EndpointSeed", "PodSeed", "Scenario", "UnknownScenario", "VolumeSeed"]


class UnknownScenario(FileNotFoundError):
    """Neither a shipped scenario nor a file: the message lists the shipped names, since a
    person who typed `--scenario nope` most likely meant one of them."""

    def __init__(self, name: str, shipped: list[str]) -> None:
        super().__init__(f"no scenario {name!r}: give a shipped one ({', '.join(shipped)}) or a scenario file")
        self.name = name

    def __str__(self) -> str:
        return str(self.args[0])


def _strict(cls: type[Any], data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a mapping, got {type(data).__name__}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return data


@dataclass
class VolumeSeed:
    name: str
    size: int
    data_center_id: str = "EU-RO-1"


@dataclass
class PodSeed:
    name: str
    gpu_type_id: str
    gpu_count: int = 1
    cloud: str = "SECURE"
    spot: bool = False
    workload: str | list[list[float]] = "idle"
    status: str = "RUNNING"
    started_seconds_ago: float = 0.0
    evict_after_seconds: float | None = None
    container_disk_gb: int = 20
    volume_gb: int = 20
    image_name: str = "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04"
    ports: str = "8888/http,22/tcp"
    network_volume: str | None = None  # a network volume's name from this scenario
    owner: str | None = None


@dataclass
class EndpointSeed:
    name: str
    gpu_ids: str = "AMPERE_16"
    image_name: str = "runpod/worker-echo:latest"
    gpu_count: int = 1
    workers_min: int = 0
    workers_max: int = 3
    idle_timeout: int = 5
    scaler_type: str = "QUEUE_DELAY"
    scaler_value: int = 4
    flashboot: bool = False
    execution_timeout_ms: int = 600_000
    execution_seconds: float | None = None
    cold_start_seconds: float | None = None


@dataclass
class Scenario:
    balance: Decimal = Decimal("500.00")
    spend_limit: int = 80
    email: str = "team@example.com"
    pub_key: str = ""
    boot_seconds: float = 30.0
    eviction_per_hour: float = 0.0
    cold_start_seconds: float = 15.0
    flashboot_cold_start_seconds: float = 2.0
    execution_seconds: float = 1.0
    catalog: dict[str, Any] = field(default_factory=dict)
    network_volumes: list[VolumeSeed] = field(default_factory=list)
    pods: list[PodSeed] = field(default_factory=list)
    endpoints: list[EndpointSeed] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scenario:
        data = dict(_strict(cls, data or {}, "scenario"))
        if "balance" in data:
            data["balance"] = Decimal(str(data["balance"]))
        data["network_volumes"] = [VolumeSeed(**_strict(VolumeSeed, v, "network_volumes[]"))
                                   for v in data.get("network_volumes") or []]
        data["pods"] = [PodSeed(**_strict(PodSeed, p, "pods[]")) for p in data.get("pods") or []]
        data["endpoints"] = [EndpointSeed(**_strict(EndpointSeed, e, "endpoints[]"))
                             for e in data.get("endpoints") or []]
        for fault in data.get("faults") or []:
            _strict(_FaultSpec, fault, "faults[]")
        return cls(**data)

    @classmethod
    def loads(cls, text: str) -> Scenario:
        """From JSON or YAML text (YAML is a superset of JSON)."""
        return cls.from_dict(yaml.safe_load(text) or {})

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """From a file, or a shipped scenario by name (``"demo"``: ``podwarden/sim/scenarios/demo.yaml``)."""
        file = Path(path)
        if not file.exists() and str(path) in cls.shipped():
            return cls.loads(resources.files("podwarden.sim").joinpath(f"scenarios/{path}.yaml")
                             .read_text(encoding="utf-8"))
        if not file.exists():
            raise UnknownScenario(str(path), cls.shipped())
        text = file.read_text(encoding="utf-8")
        if file.suffix == ".json":
            return cls.from_dict(json.loads(text))
        return cls.loads(text)

    @staticmethod
    def shipped() -> list[str]:
        """The names of the scenarios that ship with Podwarden."""
        folder = resources.files("podwarden.sim").joinpath("scenarios")
        return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))

    def owners(self) -> dict[str, str]:
        """Pod name -> owner, for seeding Podwarden's own ledger in a demo."""
        return {p.name: p.owner for p in self.pods if p.owner}

    def build(self, *, now: datetime, seed: int) -> World:
        """A fresh world holding this scenario."""
        world = World(
            now=now,
            seed=seed,
            config=WorldConfig(
                boot_seconds=self.boot_seconds,
                eviction_per_hour=self.eviction_per_hour,
                cold_start_seconds=self.cold_start_seconds,
                flashboot_cold_start_seconds=self.flashboot_cold_start_seconds,
                execution_seconds=self.execution_seconds,
            ),
            gpu_types=catalog_from_data(self.catalog),
            balance=self.balance,
            spend_limit=self.spend_limit,
        )
        world.email, world.pub_key = self.email, self.pub_key
        volumes = {}
        for v in self.network_volumes:
            volumes[v.name] = world.create_network_volume(
                name=v.name, size=v.size, data_center_id=v.data_center_id)
        for p in self.pods:
            world.add_pod(
                name=p.name, gpu_type_id=p.gpu_type_id, gpu_count=p.gpu_count, cloud=p.cloud, spot=p.spot,
                workload=p.workload, image_name=p.image_name, container_disk_gb=p.container_disk_gb,
                volume_gb=p.volume_gb, ports=p.ports, status=p.status,
                started_seconds_ago=p.started_seconds_ago,
                evict_after=p.evict_after_seconds, owner=p.owner,
                network_volume_id=volumes[p.network_volume].id if p.network_volume else None,
            )
        for e in self.endpoints:
            template = res.save_template(world, {
                "name": f"{e.name}-template", "imageName": e.image_name, "containerDiskInGb": 10,
                "dockerArgs": "", "env": [], "volumeInGb": 0, "isServerless": True,
            })
            endpoint = res.save_endpoint(world, {
                "name": e.name, "templateId": template.id, "gpuIds": e.gpu_ids, "gpuCount": e.gpu_count,
                "workersMin": e.workers_min, "workersMax": e.workers_max, "idleTimeout": e.idle_timeout,
                "scalerType": e.scaler_type, "scalerValue": e.scaler_value,
                "flashBootType": "FLASHBOOT" if e.flashboot else "OFF",
                "executionTimeoutMs": e.execution_timeout_ms,
            })
            endpoint.execution_seconds = e.execution_seconds
            endpoint.cold_start_seconds = e.cold_start_seconds
            for worker in endpoint.workers:  # a seeded endpoint's active workers are already warm
                worker.state, worker.ready_at, worker.idle_since = "IDLE", now, now
        return world


@dataclass
class _FaultSpec:
    """The keys a scenario's ``faults`` entry may use (those of `FaultPlan.add`)."""

    route: str = "*"
    kind: str = "RATE_LIMIT"
    rate: float = 1.0
    count: int | None = None
    retry_after: float = 1.0
    delay: float = 0.0
    after: bool = False
