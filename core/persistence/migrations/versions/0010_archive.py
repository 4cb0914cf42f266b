"""Orders and cancellation requests deleted through the API are archived, never erased: when
and by whom they were deleted.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table_name in ("product_order", "cancel_product_order"):
        with op.batch_alter_table(table_name) as table:
            table.add_column(sa.Column("deleted_at", sa.String(24)))
            table.add_column(sa.Column("deleted_by", sa.String(255)))


def downgrade() -> None:
    for table_name in ("cancel_product_order", "product_order"):
        with op.batch_alter_table(table_name) as table:
            table.drop_column("deleted_by")
            table.drop_column("deleted_at")
