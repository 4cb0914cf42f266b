"""Changes cannot collide: an open order claims each installed product it modifies or deletes.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product_claim",
        sa.Column("product_id", sa.String(64), primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("claimed_at", sa.String(24), nullable=False),
    )
    op.create_index("ix_product_claim_order", "product_claim", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_product_claim_order", "product_claim")
    op.drop_table("product_claim")
