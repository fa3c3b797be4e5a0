"""Two known weeks in a ledger, for the digest's tests (figures worked out by hand in the tests).

Pods go in through the ORM (a bare row, no interval), and their history through
`SqlLedger.add_pod_interval`, so that every interval has exactly the columns written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from podwarden.adapters.sql.ledger import SqlLedger
from podwarden.adapters.sql.models import PodRow
from podwarden.domain.models import Account, Endpoint, GpuType, NetworkVolume, Pod, PodStatus
from tests.unit.gpu_catalog import CATALOG

WEEK = datetime(2026, 11, 16, tzinfo=UTC)  # Monday: the digest's week is Nov 16 - 22
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the Monday after, at 09:00
A100, RTX4090 = "NVIDIA A100 80GB PCIe", "NVIDIA GeForce RTX 4090"
A4000, H100 = "NVIDIA RTX A4000", "NVIDIA H100 80GB HBM3"
CHO = "趙 🚀"  # a non-Latin name with an emoji


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def add_pod(ledger: SqlLedger, pod_id: str, name: str, *, network_volume_id: str | None = None) -> None:
    """A bare pod row (no interval): its history is written interval by interval."""
    when = at(1)
    with ledger._write() as session:
        session.add(PodRow(
            id=pod_id, name=name, owner_id=None, gpu_type_id=None, gpu_count=1, cloud="SECURE", spot=False,
            container_disk_gb=20, volume_gb=50, network_volume_id=network_volume_id, status="EXITED",
            cost_per_hr=Decimal(0), created_at=when, updated_at=when, last_seen_at=when,
        ))


def run(ledger: SqlLedger, pod_id: str, start: datetime, end: datetime | None, rate: str, storage: str,
        gpu: str, owner: str | None, team: str | None, *, idle: bool | None = False, count: int = 1,
        status: PodStatus = PodStatus.RUNNING) -> None:
    ledger.add_pod_interval(
        pod_id, status=status, started_at=start, ended_at=end, cost_per_hr=Decimal(rate),
        storage_per_hr=Decimal(storage), gpu_type_id=gpu, gpu_count=count, owner_id=owner, team=team, idle=idle,
    )


def stopped(ledger: SqlLedger, pod_id: str, start: datetime, end: datetime | None, storage: str,
            owner: str | None, team: str | None) -> None:
    run(ledger, pod_id, start, end, "0", storage, A100, owner, team, idle=None, status=PodStatus.EXITED)


def seed_two_weeks(ledger: SqlLedger) -> None:
    """The scenario of `tests/services/test_reporting_digest.py` (see its module docstring)."""
    ledger.upsert_member("U0ALICE", display_name="alice", now=at(1))
    ledger.upsert_member("U0BOB", display_name="Bob", now=at(1))
    ledger.upsert_member("U0CHO", display_name=CHO, now=at(1))
    ledger.set_member_team("U0ALICE", "ml", now=at(1))
    for pod_id, name, volume in (("pod-a100", "a100-name", "nv-attached"), ("pod-4090", "4090-name", None),
                                 ("pod-orphan", "orphan", None), ("pod-h100", "训练-🚀", None)):
        add_pod(ledger, pod_id, name, network_volume_id=volume)
    # The week before: alice, in team vision then, ran the A100 for a day.
    run(ledger, "pod-a100", at(10), at(11), "1.89", "0.02", A100, "U0ALICE", "vision")
    # The week: busy 10 h, idle 2 h, auto-stopped, stopped 48 h, resumed resized to 2 GPUs for 24 h, stopped.
    run(ledger, "pod-a100", at(16), at(16, 10), "1.89", "0.02", A100, "U0ALICE", "ml")
    run(ledger, "pod-a100", at(16, 10), at(16, 12), "1.89", "0.02", A100, "U0ALICE", "ml", idle=True)
    ledger.record_auto_stop("pod-a100", at=at(16, 12), reason="idle")
    stopped(ledger, "pod-a100", at(16, 12), at(18, 12), "0.05", "U0ALICE", "ml")
    run(ledger, "pod-a100", at(18, 12), at(19, 12), "3.78", "0.02", A100, "U0ALICE", "ml", count=2)
    stopped(ledger, "pod-a100", at(19, 12), None, "0.05", "U0ALICE", "ml")
    # Bob moved from team vision to ml on Wednesday; his 4090 was busy a day, then idle a day.
    run(ledger, "pod-4090", at(17), at(18), "0.69", "0.01", RTX4090, "U0BOB", "vision")
    run(ledger, "pod-4090", at(18), at(19), "0.69", "0.01", RTX4090, "U0BOB", "ml", idle=True)
    # Nobody's A4000, a day, telemetry unknown.
    run(ledger, "pod-orphan", at(19), at(20), "0.25", "0", A4000, None, None, idle=None)
    # Cho's H100 for 4 hours on Saturday.
    run(ledger, "pod-h100", at(21), at(21, 4), "2.99", "0.01", H100, "U0CHO", "ml")
    # Bob's endpoint (Bob in team vision then): four quarter hours on Wednesday.
    ledger.set_member_team("U0BOB", "vision", now=at(1))
    ledger.observe_endpoints([Endpoint("ep-whisper", "whisper", None, ("AMPERE_16",), 1, 3)], now=at(1),
                             owners={"ep-whisper": "U0BOB"})
    for n in range(4):
        ledger.add_endpoint_quarter(
            "ep-whisper", at=at(18) + timedelta(minutes=15 * n + 5), seconds=900, workers_running=1,
            workers_idle=0, cost=Decimal("0.25"), idle_cost=Decimal("0.10") if n < 2 else Decimal(0),
            jobs_completed=10,
        )
    ledger.set_member_team("U0BOB", "ml", now=at(18))


BUSY_ENDPOINT = Endpoint("ep-llm", "llm", None, ("AMPERE_16",), 1, 1)
BUSY_QUARTER_COST = Decimal("0.144")  # 900 s at the 16 GB pool's flex $0.00016/s


def seed_busy_endpoint(ledger: SqlLedger) -> None:
    """An endpoint of one worker in the 16 GB pool, busy 02:00-22:00 every day of the week: 20 h/day.

    Kept apart from `seed_two_weeks`, whose totals the other digest tests spell out.
    """
    ledger.observe_endpoints([BUSY_ENDPOINT], now=at(1), owners={BUSY_ENDPOINT.id: "U0ALICE"})
    for day in range(16, 23):
        for n in range(20 * 4):
            ledger.add_endpoint_quarter(
                BUSY_ENDPOINT.id, at=at(day, 2) + timedelta(minutes=15 * n + 5), seconds=900, workers_running=1,
                workers_idle=0, cost=BUSY_QUARTER_COST, jobs_completed=30,
            )


@dataclass
class FakeRunPod:
    """What the reporting service asks RunPod: the account, volumes, endpoints, the catalog."""

    balance: Decimal = Decimal("500")
    spend_per_hr: Decimal = Decimal("2.50")
    volumes: list[NetworkVolume] = field(default_factory=lambda: [
        NetworkVolume("nv-datasets", "datasets", 100), NetworkVolume("nv-attached", "checkpoints", 50)])
    endpoints: list[Endpoint] = field(default_factory=lambda: [
        Endpoint("ep-whisper", "whisper", None, ("AMPERE_16",), 1, 3)])

    # What RunPod runs now: alice's A100, stopped, its 180 GB volume billing $0.05/h (at $0.20/GB-month).
    pods: list[Pod] = field(default_factory=lambda: [
        Pod("pod-a100", "alice-a100", PodStatus.EXITED, "NVIDIA A100 80GB PCIe", 1, Decimal(0), volume_gb=180)])

    def account(self) -> Account:
        return Account(id="acct", balance=self.balance, spend_per_hr=self.spend_per_hr, spend_limit_per_hr=None)

    def list_pods(self) -> list[Pod]:
        return list(self.pods)

    def network_volumes(self) -> list[NetworkVolume]:
        return list(self.volumes)

    def list_endpoints(self) -> list[Endpoint]:
        return list(self.endpoints)

    def gpu_types(self, *, gpu_count: int = 1) -> list[GpuType]:
        return list(CATALOG)


@dataclass
class FixedClock:
    at: datetime = NOW

    def now(self) -> datetime:
        return self.at
