"""The initial ledger: people, pods and their usage, money, notices, coordination.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Written from `alembic revision --autogenerate` and reviewed by hand: tables are created
parents first and dropped children first; constraint names are the ones the naming
convention in podwarden/adapters/sql/models.py gives, spelled out and marked final with
`op.f()` so that the convention is not applied a second time; timestamps are plain
`DateTime(timezone=True)` and money plain `Numeric(12, 6)` (the model's type decorators
only convert values, so the revision does not import application code).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_INTERVAL = "ended_at IS NULL"


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _money(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Numeric(12, 6), nullable=False)


def _id(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.String(64), nullable=nullable)


def _int(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _serial() -> sa.Column[object]:
    return sa.Column("id", sa.Integer(), nullable=False)


def upgrade() -> None:
    # -- people ------------------------------------------------------------------------------------
    op.create_table(
        "teams",
        sa.Column("name", sa.String(200), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_teams")),
    )
    op.create_table(
        "members",
        _id("user_id"),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("team", sa.String(200), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.CheckConstraint("role IN ('viewer', 'member', 'admin')", name=op.f("ck_members_role")),
        sa.ForeignKeyConstraint(
            ["team"], ["teams.name"], name=op.f("fk_members_team_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_members")),
    )
    op.create_index(op.f("ix_members_team"), "members", ["team"])

    # -- pods and their usage ----------------------------------------------------------------------
    op.create_table(
        "pods",
        _id("id"),
        sa.Column("name", sa.String(200), nullable=False),
        _id("owner_id", nullable=True),
        sa.Column("gpu_type_id", sa.String(200), nullable=True),
        _int("gpu_count"),
        sa.Column("cloud", sa.String(16), nullable=True),
        sa.Column("spot", sa.Boolean(), nullable=False),
        _int("container_disk_gb"),
        _int("volume_gb"),
        _id("network_volume_id", nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        _money("cost_per_hr"),
        sa.Column("ssh_ip", sa.String(64), nullable=True),
        _int("ssh_port", nullable=True),
        _at("created_at"),
        _at("updated_at"),
        _at("last_seen_at"),
        _at("terminated_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["members.user_id"], name=op.f("fk_pods_owner_id_members"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pods")),
    )
    op.create_index(op.f("ix_pods_owner_id"), "pods", ["owner_id"])

    op.create_table(
        "pod_intervals",
        _serial(),
        _id("pod_id"),
        sa.Column("status", sa.String(16), nullable=False),
        _money("cost_per_hr"),
        _at("started_at"),
        _at("ended_at", nullable=True),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at", name=op.f("ck_pod_intervals_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["pod_id"], ["pods.id"], name=op.f("fk_pod_intervals_pod_id_pods"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pod_intervals")),
    )
    op.create_index(
        op.f("ix_pod_intervals_open"), "pod_intervals", ["pod_id"], unique=True,
        sqlite_where=sa.text(OPEN_INTERVAL), postgresql_where=sa.text(OPEN_INTERVAL),
    )
    op.create_index(op.f("ix_pod_intervals_pod_id_started_at"), "pod_intervals", ["pod_id", "started_at"])
    op.create_index(op.f("ix_pod_intervals_started_at_ended_at"), "pod_intervals", ["started_at", "ended_at"])

    op.create_table(
        "pod_utilisation_hourly",
        _serial(),
        _id("pod_id"),
        _at("hour_start"),
        _int("samples"),
        _int("gpu_readings"),
        _int("gpu_util_sum"),
        _int("gpu_util_max", nullable=True),
        _int("cpu_readings"),
        _int("cpu_util_sum"),
        _int("idle_seconds"),
        _int("unknown_seconds"),
        _at("last_sample_at"),
        sa.ForeignKeyConstraint(
            ["pod_id"], ["pods.id"], name=op.f("fk_pod_utilisation_hourly_pod_id_pods"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pod_utilisation_hourly")),
        sa.UniqueConstraint("pod_id", "hour_start", name=op.f("uq_pod_utilisation_hourly_pod_id_hour_start")),
    )

    # -- Serverless endpoints ----------------------------------------------------------------------
    op.create_table(
        "endpoints",
        _id("id"),
        sa.Column("name", sa.String(200), nullable=False),
        _id("owner_id", nullable=True),
        sa.Column("gpu_ids", sa.String(200), nullable=False),
        _int("workers_min"),
        _int("workers_max"),
        _int("idle_timeout_s"),
        _at("created_at"),
        _at("updated_at"),
        _at("last_seen_at"),
        _at("deleted_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["members.user_id"], name=op.f("fk_endpoints_owner_id_members"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_endpoints")),
    )
    op.create_index(op.f("ix_endpoints_owner_id"), "endpoints", ["owner_id"])

    op.create_table(
        "endpoint_usage_hourly",
        _serial(),
        _id("endpoint_id"),
        _at("hour_start"),
        _int("samples"),
        _int("running_worker_seconds"),
        _int("idle_worker_seconds"),
        _int("jobs_completed"),
        _int("jobs_failed"),
        _money("cost"),
        _at("last_sample_at"),
        sa.ForeignKeyConstraint(
            ["endpoint_id"], ["endpoints.id"], name=op.f("fk_endpoint_usage_hourly_endpoint_id_endpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_endpoint_usage_hourly")),
        sa.UniqueConstraint(
            "endpoint_id", "hour_start", name=op.f("uq_endpoint_usage_hourly_endpoint_id_hour_start")
        ),
    )

    # -- money -------------------------------------------------------------------------------------
    op.create_table(
        "budgets",
        _serial(),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        _money("amount"),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("hard", sa.Boolean(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.CheckConstraint("scope IN ('user', 'team', 'global')", name=op.f("ck_budgets_scope")),
        sa.CheckConstraint("period IN ('hour', 'day', 'month')", name=op.f("ck_budgets_period")),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_budgets_amount")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budgets")),
        sa.UniqueConstraint("scope", "subject", "period", name=op.f("uq_budgets_scope_subject_period")),
    )

    # -- the daemon's memory -----------------------------------------------------------------------
    op.create_table(
        "snoozes",
        _serial(),
        _id("pod_id"),
        _at("until"),
        sa.Column("reason", sa.Text(), nullable=True),
        _id("created_by"),
        _at("created_at"),
        sa.ForeignKeyConstraint(
            ["pod_id"], ["pods.id"], name=op.f("fk_snoozes_pod_id_pods"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snoozes")),
    )
    op.create_index(op.f("ix_snoozes_pod_id_until"), "snoozes", ["pod_id", "until"])

    op.create_table(
        "notices",
        _serial(),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        _id("pod_id", nullable=True),
        _id("endpoint_id", nullable=True),
        _id("recipient", nullable=True),
        _id("channel", nullable=True),
        sa.Column("ts", sa.String(32), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        _at("due_at", nullable=True),
        _at("created_at"),
        _at("updated_at"),
        _at("withdrawn_at", nullable=True),
        sa.CheckConstraint("state IN ('pending', 'sent', 'withdrawn')", name=op.f("ck_notices_state")),
        sa.ForeignKeyConstraint(
            ["endpoint_id"], ["endpoints.id"],
            name=op.f("fk_notices_endpoint_id_endpoints"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["pod_id"], ["pods.id"], name=op.f("fk_notices_pod_id_pods"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("key", name=op.f("uq_notices_key")),
    )
    op.create_index(op.f("ix_notices_pod_id"), "notices", ["pod_id"])
    op.create_index(op.f("ix_notices_state_kind"), "notices", ["state", "kind"])

    op.create_table(
        "audit_log",
        _serial(),
        _at("at"),
        _id("actor"),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("args", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('started', 'ok', 'failed', 'refused')", name=op.f("ck_audit_log_outcome")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_actor_at"), "audit_log", ["actor", "at"])
    op.create_index(op.f("ix_audit_log_target_at"), "audit_log", ["target", "at"])

    op.create_table(
        "digests_sent",
        _serial(),
        sa.Column("week_start", sa.Date(), nullable=False),
        _id("channel"),
        sa.Column("ts", sa.String(32), nullable=True),
        _at("sent_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests_sent")),
        sa.UniqueConstraint("week_start", "channel", name=op.f("uq_digests_sent_week_start_channel")),
    )

    op.create_table(
        "leases",
        _id("name"),
        sa.Column("holder", sa.String(200), nullable=False),
        _at("expires_at"),
        _at("beat_at"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )

    op.create_table(
        "pending_actions",
        _id("nonce"),
        sa.Column("request_key", sa.String(255), nullable=True),
        _id("requester"),
        sa.Column("verb", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        _at("created_at"),
        _at("expires_at"),
        _at("consumed_at", nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'consumed', 'cancelled')", name=op.f("ck_pending_actions_state")
        ),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_pending_actions")),
        sa.UniqueConstraint("request_key", name=op.f("uq_pending_actions_request_key")),
    )


def downgrade() -> None:
    # Children before parents; dropping a table drops its indexes.
    for table in (
        "pending_actions", "leases", "digests_sent", "audit_log", "notices", "snoozes", "budgets",
        "endpoint_usage_hourly", "endpoints", "pod_utilisation_hourly", "pod_intervals", "pods",
        "members", "teams",
    ):
        op.drop_table(table)
