"""What the bot and the daemon need: idle clocks, priced intervals, cap actions, sending states.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

- members get a `name_prefix` (pods created outside Podwarden are adopted by it), and Slack
  user groups map to roles (`group_roles`);
- pods keep their idle clock, last telemetry, `--max-hours` deadline, our last stop (to tell it
  from a spot eviction), the spot bid and whether Podwarden created them;
- pod intervals carry what pricing and attribution need later, as it was then: storage $/h,
  GPU type and count, cloud, spot, owner and team, and whether the pod was idle;
- budgets say what reaching them does (`warn`, `refuse`, `stop`) and who else is told;
- notices and digests get a `sending` state (marked before posting, reconciled after a crash);
- the audit log records the channel and RunPod's answer; confirmations record where they were
  asked, the message holding their buttons, the approver and who clicked.

Reviewed by hand. Batch mode on SQLite recreates the tables whose CHECK constraints change.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOTICE_STATES_OLD = ("pending", "sent", "withdrawn")
NOTICE_STATES = ("pending", "sending", "sent", "failed", "withdrawn")
PENDING_STATES_OLD = ("pending", "consumed", "cancelled")
PENDING_STATES = ("pending", "awaiting_approval", "consumed", "cancelled", "denied", "expired")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _at(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "group_roles",
        sa.Column("group_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("role", ("viewer", "member", "admin")), name=op.f("ck_group_roles_role")),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_group_roles")),
    )
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("name_prefix", sa.String(200), nullable=True))
    with op.batch_alter_table("pods") as batch:
        for name in ("idle_since", "last_telemetry_at", "deadline_at", "stopped_by_us_at"):
            batch.add_column(_at(name))
        batch.add_column(sa.Column("bid_per_gpu", sa.Numeric(12, 6), nullable=True))
        batch.add_column(sa.Column("created_by_podwarden", sa.Boolean(), server_default=sa.text("false"),
                                   nullable=False))
    with op.batch_alter_table("pod_intervals") as batch:
        batch.add_column(sa.Column("storage_per_hr", sa.Numeric(12, 6), server_default=sa.text("0"),
                                   nullable=False))
        batch.add_column(sa.Column("gpu_type_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("gpu_count", sa.Integer(), server_default=sa.text("1"), nullable=False))
        batch.add_column(sa.Column("cloud", sa.String(16), nullable=True))
        batch.add_column(sa.Column("spot", sa.Boolean(), server_default=sa.text("false"), nullable=False))
        batch.add_column(sa.Column("owner_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("team", sa.String(200), nullable=True))
        batch.add_column(sa.Column("idle", sa.Boolean(), nullable=True))
    with op.batch_alter_table("budgets") as batch:
        batch.add_column(sa.Column("action", sa.String(16), server_default=sa.text("'warn'"), nullable=False))
        batch.add_column(sa.Column("notify", sa.String(200), nullable=True))
        batch.create_check_constraint(op.f("ck_budgets_action"), _in("action", ("warn", "refuse", "stop")))
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch.drop_constraint(op.f("ck_notices_state"), type_="check")
        batch.create_check_constraint(op.f("ck_notices_state"), _in("state", NOTICE_STATES))
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("channel", sa.String(64), nullable=True))
        batch.add_column(sa.Column("answer_status", sa.String(32), nullable=True))
    with op.batch_alter_table("digests_sent") as batch:
        batch.add_column(sa.Column("state", sa.String(16), server_default=sa.text("'sent'"), nullable=False))
    with op.batch_alter_table("pending_actions") as batch:
        batch.add_column(sa.Column("channel", sa.String(64), nullable=True))
        batch.add_column(sa.Column("message_ts", sa.String(32), nullable=True))
        batch.add_column(sa.Column("approver", sa.String(64), nullable=True))
        batch.add_column(sa.Column("clicked_by", sa.String(64), nullable=True))
        # 'awaiting_approval' is 17 characters (PostgreSQL refuses it in 16; SQLite never checks).
        batch.alter_column("state", existing_type=sa.String(16), type_=sa.String(24), existing_nullable=False)
        batch.drop_constraint(op.f("ck_pending_actions_state"), type_="check")
        batch.create_check_constraint(op.f("ck_pending_actions_state"), _in("state", PENDING_STATES))


def downgrade() -> None:
    with op.batch_alter_table("pending_actions") as batch:
        batch.drop_constraint(op.f("ck_pending_actions_state"), type_="check")
        batch.create_check_constraint(op.f("ck_pending_actions_state"), _in("state", PENDING_STATES_OLD))
        batch.alter_column("state", existing_type=sa.String(24), type_=sa.String(16), existing_nullable=False)
        for name in ("clicked_by", "approver", "message_ts", "channel"):
            batch.drop_column(name)
    with op.batch_alter_table("digests_sent") as batch:
        batch.drop_column("state")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("answer_status")
        batch.drop_column("channel")
    with op.batch_alter_table("notices") as batch:
        batch.drop_constraint(op.f("ck_notices_state"), type_="check")
        batch.create_check_constraint(op.f("ck_notices_state"), _in("state", NOTICE_STATES_OLD))
        batch.drop_column("payload")
        batch.drop_column("error")
    with op.batch_alter_table("budgets") as batch:
        batch.drop_constraint(op.f("ck_budgets_action"), type_="check")
        batch.drop_column("notify")
        batch.drop_column("action")
    with op.batch_alter_table("pod_intervals") as batch:
        for name in ("idle", "team", "owner_id", "spot", "cloud", "gpu_count", "gpu_type_id", "storage_per_hr"):
            batch.drop_column(name)
    with op.batch_alter_table("pods") as batch:
        for name in ("created_by_podwarden", "bid_per_gpu", "stopped_by_us_at", "deadline_at",
                     "last_telemetry_at", "idle_since"):
            batch.drop_column(name)
    with op.batch_alter_table("members") as batch:
        batch.drop_column("name_prefix")
    op.drop_table("group_roles")
