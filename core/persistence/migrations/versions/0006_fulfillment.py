"""Fulfillment: the task plan of each order, every call to a system, every manual action.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Document = sa.JSON().with_variant(JSONB(), "postgresql")
Sequence = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "fulfillment_task",
        sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.String(255), nullable=False, unique=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64)),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("target", sa.String(128)),
        sa.Column("depends_on", Document, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("due_at", sa.String(24), nullable=False),
        sa.Column("lease_until", sa.String(24)),
        sa.Column("check_first", sa.Boolean, nullable=False),
        sa.Column("compensates", sa.String(255)),
        sa.Column("request", Document, nullable=False),
        sa.Column("result", Document),
        sa.Column("reason", sa.Text),
        sa.Column("created_at", sa.String(24), nullable=False),
        sa.Column("finished_at", sa.String(24)),
        sa.Column("worker", sa.String(128)),
    )
    op.create_index("ix_fulfillment_task_due", "fulfillment_task", ["status", "due_at"])
    op.create_index("ix_fulfillment_task_order", "fulfillment_task", ["order_id", "seq"])
    op.create_table(
        "task_attempt",
        sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.String(255), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("call", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("started_at", sa.String(24), nullable=False),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("reference", sa.String(255)),
        sa.Column("worker", sa.String(128)),
    )
    op.create_index("ix_task_attempt_order", "task_attempt", ["order_id", "seq"])
    op.create_table(
        "fulfillment_action",
        sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("task_id", sa.String(255), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.String(24), nullable=False),
        sa.Column("result", Document),
    )
    op.create_index("ix_fulfillment_action_order", "fulfillment_action", ["order_id", "seq"])


def downgrade() -> None:
    op.drop_table("fulfillment_action")
    op.drop_table("task_attempt")
    op.drop_table("fulfillment_task")
