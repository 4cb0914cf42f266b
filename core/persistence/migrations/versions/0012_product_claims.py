"""Changes cannot collide: an open order claims each installed product it modifies or deletes,
and records which offerings its items will add or remove for the customer.

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
    op.create_table(
        "order_offering_change",
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("effect", sa.String(10), nullable=False),
        sa.Column("customer_key", sa.String(64), nullable=False),
        sa.Column("offering_id", sa.String(64), nullable=False),
        sa.Column("product_id", sa.String(64)),
        sa.PrimaryKeyConstraint("order_id", "item_id", "effect"),
    )
    op.create_index(
        "ix_order_offering_change_customer",
        "order_offering_change",
        ["customer_key", "offering_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_order_offering_change_customer", "order_offering_change")
    op.drop_table("order_offering_change")
    op.drop_index("ix_product_claim_order", "product_claim")
    op.drop_table("product_claim")
