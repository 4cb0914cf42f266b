"""Approval cases (one per order whose price snapshot needs approval, with its decisions) and
the approval policies managed through the admin API.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Document = sa.JSON().with_variant(JSONB(), "postgresql")
Sequence = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "approval_case",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=False, unique=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("due_at", sa.String(24)),
        sa.Column("row_version", sa.Integer, nullable=False),
        sa.Column("document", Document, nullable=False),
    )
    op.create_index("ix_approval_case_status", "approval_case", ["status", "due_at"])
    op.create_table(
        "approval_policy",
        sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
        sa.Column("version", sa.String(64), nullable=False, unique=True),
        sa.Column("document", Document, nullable=False),
        sa.Column("actor", sa.String(128)),
        sa.Column("created_at", sa.String(24), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("approval_policy")
    op.drop_index("ix_approval_case_status", "approval_case")
    op.drop_table("approval_case")
