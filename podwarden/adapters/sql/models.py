"""The ledger's tables, as SQLAlchemy 2 declarative models.

Rows stay inside `podwarden.adapters.sql`; `SqlLedger` turns them into the frozen values
of `podwarden.domain.ledger_values`. Usage is kept as intervals (`pod_intervals`: one row
per status or price change) and hourly roll-ups, never one row per sample, so that a year
of a large fleet stays small. Every constraint is named by the metadata's naming
convention, so that Alembic can drop and alter them on SQLite's batch mode too.

Schema changes go through a reviewed Alembic revision in `migrations/versions`; a test
compares these models with the migrated database.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from podwarden.adapters.sql.types import Money, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Short strings: Slack ids are ~11 chars, RunPod pod ids ~14, names a few dozen.
ID = 64
NAME = 200


NOTICE_STATES = ("pending", "sending", "sent", "failed", "withdrawn")
PENDING_STATES = ("pending", "awaiting_approval", "consumed", "cancelled", "denied", "expired")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), Decimal: Money(), date: Date()}


class TeamRow(Base):
    __tablename__ = "teams"

    name: Mapped[str] = mapped_column(String(NAME), primary_key=True)
    created_at: Mapped[datetime]


class MemberRow(Base):
    __tablename__ = "members"
    __table_args__ = (CheckConstraint(_in("role", ("viewer", "member", "admin")), name="role"),)

    user_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(NAME))
    role: Mapped[str] = mapped_column(String(16))
    team: Mapped[str | None] = mapped_column(
        String(NAME), ForeignKey("teams.name", ondelete="SET NULL"), index=True
    )
    # Pods created outside Podwarden whose name starts with this are adopted as this member's.
    name_prefix: Mapped[str | None] = mapped_column(String(NAME))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class GroupRoleRow(Base):
    """A Slack user group whose members get at least `role`."""

    __tablename__ = "group_roles"
    __table_args__ = (CheckConstraint(_in("role", ("viewer", "member", "admin")), name="role"),)

    group_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class PodRow(Base):
    __tablename__ = "pods"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)  # RunPod's pod id
    name: Mapped[str] = mapped_column(String(NAME))
    owner_id: Mapped[str | None] = mapped_column(
        String(ID), ForeignKey("members.user_id", ondelete="SET NULL"), index=True
    )
    gpu_type_id: Mapped[str | None] = mapped_column(String(NAME))
    gpu_count: Mapped[int]
    cloud: Mapped[str | None] = mapped_column(String(16))
    spot: Mapped[bool]
    container_disk_gb: Mapped[int]
    volume_gb: Mapped[int]
    network_volume_id: Mapped[str | None] = mapped_column(String(ID))
    status: Mapped[str] = mapped_column(String(16))
    cost_per_hr: Mapped[Decimal]  # as RunPod reports it, for all GPUs
    ssh_ip: Mapped[str | None] = mapped_column(String(64))
    ssh_port: Mapped[int | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    terminated_at: Mapped[datetime | None]
    # The idle clock and what the daemon last saw, so that a restart resets nothing.
    idle_since: Mapped[datetime | None]
    last_telemetry_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]  # `start --max-hours`: stopped then unless kept
    stopped_by_us_at: Mapped[datetime | None]  # tells our stops from spot evictions
    bid_per_gpu: Mapped[Decimal | None]  # spot bid, $/h per GPU
    created_by_podwarden: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class PodIntervalRow(Base):
    """One stretch of one status at one billed rate; `ended_at` is NULL while it lasts."""

    __tablename__ = "pod_intervals"
    __table_args__ = (
        # At most one open interval per pod, enforced by the database itself.
        Index(
            "ix_pod_intervals_open", "pod_id", unique=True,
            sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_pod_intervals_pod_id_started_at", "pod_id", "started_at"),
        Index("ix_pod_intervals_started_at_ended_at", "started_at", "ended_at"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ordered"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pod_id: Mapped[str] = mapped_column(String(ID), ForeignKey("pods.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    cost_per_hr: Mapped[Decimal]  # billed compute $/h: 0 unless the pod runs
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # What pricing and attribution need later, as it was at the time (no joins into today's state).
    storage_per_hr: Mapped[Decimal] = mapped_column(server_default=text("0"))
    gpu_type_id: Mapped[str | None] = mapped_column(String(NAME))
    gpu_count: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    cloud: Mapped[str | None] = mapped_column(String(16))
    spot: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    owner_id: Mapped[str | None] = mapped_column(String(ID))
    team: Mapped[str | None] = mapped_column(String(NAME))
    idle: Mapped[bool | None] = mapped_column(Boolean)  # None: telemetry unknown (never idle)


class PodUtilisationHourlyRow(Base):
    """Telemetry of one pod for one UTC hour.

    Sums and counts are stored rather than averages so that adding a sample is exact and
    order-independent; `last_sample_at` makes a re-recorded sample a no-op.
    """

    __tablename__ = "pod_utilisation_hourly"
    __table_args__ = (UniqueConstraint("pod_id", "hour_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pod_id: Mapped[str] = mapped_column(String(ID), ForeignKey("pods.id", ondelete="CASCADE"))
    hour_start: Mapped[datetime]
    samples: Mapped[int]
    gpu_readings: Mapped[int]  # one per GPU per sample that reported utilisation
    gpu_util_sum: Mapped[int]
    gpu_util_max: Mapped[int | None]
    cpu_readings: Mapped[int]
    cpu_util_sum: Mapped[int]
    idle_seconds: Mapped[int]
    unknown_seconds: Mapped[int]
    last_sample_at: Mapped[datetime]


class EndpointRow(Base):
    __tablename__ = "endpoints"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)  # RunPod's endpoint id
    name: Mapped[str] = mapped_column(String(NAME))
    owner_id: Mapped[str | None] = mapped_column(
        String(ID), ForeignKey("members.user_id", ondelete="SET NULL"), index=True
    )
    gpu_ids: Mapped[str] = mapped_column(String(NAME))  # comma-separated pool ids
    workers_min: Mapped[int]
    workers_max: Mapped[int]
    idle_timeout_s: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class EndpointUsageHourlyRow(Base):
    __tablename__ = "endpoint_usage_hourly"
    __table_args__ = (UniqueConstraint("endpoint_id", "hour_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(String(ID), ForeignKey("endpoints.id", ondelete="CASCADE"))
    hour_start: Mapped[datetime]
    samples: Mapped[int]
    running_worker_seconds: Mapped[int]
    idle_worker_seconds: Mapped[int]
    jobs_completed: Mapped[int]
    jobs_failed: Mapped[int]
    cost: Mapped[Decimal]
    last_sample_at: Mapped[datetime]


class BudgetRow(Base):
    __tablename__ = "budgets"
    __table_args__ = (
        UniqueConstraint("scope", "subject", "period"),
        CheckConstraint(_in("scope", ("user", "team", "global")), name="scope"),
        CheckConstraint(_in("period", ("hour", "day", "month")), name="period"),
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint(_in("action", ("warn", "refuse", "stop")), name="action"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(NAME))
    amount: Mapped[Decimal]
    period: Mapped[str] = mapped_column(String(16))
    hard: Mapped[bool]
    # What reaching the cap does: warn only, refuse new starts, or also stop pods newest first.
    action: Mapped[str] = mapped_column(String(16), server_default=text("'warn'"))
    notify: Mapped[str | None] = mapped_column(String(NAME))  # who is told besides the owner
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SnoozeRow(Base):
    __tablename__ = "snoozes"
    __table_args__ = (Index("ix_snoozes_pod_id_until", "pod_id", "until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pod_id: Mapped[str] = mapped_column(String(ID), ForeignKey("pods.id", ondelete="CASCADE"))
    until: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(ID))
    created_at: Mapped[datetime]


class NoticeRow(Base):
    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint(_in("state", NOTICE_STATES), name="state"),
        Index("ix_notices_state_kind", "state", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)  # the idempotency key
    kind: Mapped[str] = mapped_column(String(40))
    pod_id: Mapped[str | None] = mapped_column(
        String(ID), ForeignKey("pods.id", ondelete="SET NULL"), index=True
    )
    endpoint_id: Mapped[str | None] = mapped_column(
        String(ID), ForeignKey("endpoints.id", ondelete="SET NULL")
    )
    recipient: Mapped[str | None] = mapped_column(String(ID))
    channel: Mapped[str | None] = mapped_column(String(ID))
    ts: Mapped[str | None] = mapped_column(String(32))  # Slack's message timestamp
    state: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)  # why the last post failed, if it did
    payload: Mapped[str | None] = mapped_column(Text)  # the note itself (JSON), to post again after a crash


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(_in("outcome", ("started", "ok", "failed", "refused")), name="outcome"),
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_actor_at", "actor", "at"),
        Index("ix_audit_log_target_at", "target", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(ID))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(NAME))
    args: Mapped[str] = mapped_column(Text)  # JSON object
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(ID))  # where it was asked
    answer_status: Mapped[str | None] = mapped_column(String(32))  # RunPod's answer: HTTP status or error kind


class DigestSentRow(Base):
    __tablename__ = "digests_sent"
    __table_args__ = (UniqueConstraint("week_start", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week_start: Mapped[date]
    channel: Mapped[str] = mapped_column(String(ID))
    ts: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), server_default=text("'sent'"))  # sending | sent


class LeaseRow(Base):
    """A named lease: leader election on SQLite, and the daemon's heartbeat everywhere."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(ID), primary_key=True)
    holder: Mapped[str] = mapped_column(String(NAME))
    expires_at: Mapped[datetime]
    beat_at: Mapped[datetime]


class PendingActionRow(Base):
    """A server-side confirmation: nothing is done until it is consumed, exactly once."""

    __tablename__ = "pending_actions"
    __table_args__ = (
        CheckConstraint(_in("state", PENDING_STATES), name="state"),
    )

    nonce: Mapped[str] = mapped_column(String(ID), primary_key=True)
    request_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    requester: Mapped[str] = mapped_column(String(ID))
    verb: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)  # JSON object
    state: Mapped[str] = mapped_column(String(24))  # 'awaiting_approval' needs more than 16
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(ID))  # of the message holding its buttons
    message_ts: Mapped[str | None] = mapped_column(String(32))  # the message holding its buttons
    approver: Mapped[str | None] = mapped_column(String(ID))  # the admin who approved or denied
    clicked_by: Mapped[str | None] = mapped_column(String(ID))  # who pressed the button that ended it


class EndpointUsageQuarterRow(Base):
    """Serverless usage of one endpoint for one UTC quarter hour, attributed as it was then.

    Quarter hours because every time zone's midnight falls on one (+5:45, -3:30, +10:30),
    so that any team's days and weeks are cut exactly; `idle_cost` is what active workers
    cost while no job ran.
    """

    __tablename__ = "endpoint_usage_quarters"
    __table_args__ = (UniqueConstraint("endpoint_id", "bucket_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(String(ID), ForeignKey("endpoints.id", ondelete="CASCADE"))
    bucket_start: Mapped[datetime] = mapped_column(index=True)
    owner_id: Mapped[str | None] = mapped_column(String(ID))
    team: Mapped[str | None] = mapped_column(String(NAME))
    samples: Mapped[int]
    running_worker_seconds: Mapped[int]
    idle_worker_seconds: Mapped[int]
    jobs_completed: Mapped[int]
    cost: Mapped[Decimal]
    idle_cost: Mapped[Decimal]
    last_sample_at: Mapped[datetime]


class AutoStopRow(Base):
    """A stop the daemon made on its own (idle, deadline, cap): what the digest prices as saved."""

    __tablename__ = "auto_stops"
    __table_args__ = (UniqueConstraint("pod_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pod_id: Mapped[str] = mapped_column(String(ID), ForeignKey("pods.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(String(32))
