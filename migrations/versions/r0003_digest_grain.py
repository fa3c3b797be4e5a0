"""What the weekly digest needs: Serverless usage in 15-minute buckets, and the auto-stops.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

- `endpoint_usage_quarters`: one row per endpoint per UTC quarter hour, with the owner and
  team at that time. Every time zone's midnight falls on a quarter hour (Asia/Kathmandu is
  +5:45, America/St_Johns -3:30, Australia/Lord_Howe +10:30), so any team's days and weeks
  can be cut from them exactly; the hourly roll-ups cannot do that for a :30 or :45 zone.
  `idle_cost` is what active workers cost while no job ran.
- `auto_stops`: each stop the daemon made on its own (idle, deadline, cap), so that the
  digest can price what it saved.

Reviewed by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _money(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Numeric(12, 6), nullable=False)


def upgrade() -> None:
    op.create_table(
        "endpoint_usage_quarters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.String(64), nullable=False),
        sa.Column("bucket_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=True),
        sa.Column("team", sa.String(200), nullable=True),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("running_worker_seconds", sa.Integer(), nullable=False),
        sa.Column("idle_worker_seconds", sa.Integer(), nullable=False),
        sa.Column("jobs_completed", sa.Integer(), nullable=False),
        _money("cost"),
        _money("idle_cost"),
        sa.Column("last_sample_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"], ["endpoints.id"], name=op.f("fk_endpoint_usage_quarters_endpoint_id_endpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_endpoint_usage_quarters")),
        sa.UniqueConstraint(
            "endpoint_id", "bucket_start", name=op.f("uq_endpoint_usage_quarters_endpoint_id_bucket_start"),
        ),
    )
    op.create_index(
        op.f("ix_endpoint_usage_quarters_bucket_start"), "endpoint_usage_quarters", ["bucket_start"],
    )
    op.create_table(
        "auto_stops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pod_id", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["pod_id"], ["pods.id"], name=op.f("fk_auto_stops_pod_id_pods"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auto_stops")),
        sa.UniqueConstraint("pod_id", "at", name=op.f("uq_auto_stops_pod_id_at")),
    )
    op.create_index(op.f("ix_auto_stops_at"), "auto_stops", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_auto_stops_at"), table_name="auto_stops")
    op.drop_table("auto_stops")
    op.drop_index(op.f("ix_endpoint_usage_quarters_bucket_start"), table_name="endpoint_usage_quarters")
    op.drop_table("endpoint_usage_quarters")
