"""Open orders by state and last change: the console's overview counts the stuck ones of a
state (unchanged since a time) by a range of this index, reading no more rows than it shows,
however many orders are open.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_product_order_open_state_update",
        "product_order",
        ["state", "last_update"],
        postgresql_where=sa.text("deleted_at IS NULL"),
        sqlite_where=sa.text("deleted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_product_order_open_state_update", "product_order")
