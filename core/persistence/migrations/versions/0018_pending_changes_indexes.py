"""What other open orders of a customer change, read through indexes that stop early: its
offering changes indexed with their order id too (the read of open orders adding an offering
walks the index in that order and stops after the few it shows, however many open orders of
the customer add it), and its removes by product (found by the product, not among all of the
customer's changes).

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_INDEX = "ix_order_offering_change_customer"
_REMOVES = "ix_order_offering_change_removes"


def upgrade() -> None:
    op.drop_index(_INDEX, "order_offering_change")
    op.create_index(_INDEX, "order_offering_change", ["customer_key", "offering_id", "order_id"])
    op.create_index(
        _REMOVES,
        "order_offering_change",
        ["customer_key", "product_id"],
        postgresql_where=sa.text("effect = 'remove'"),
        sqlite_where=sa.text("effect = 'remove'"),
    )


def downgrade() -> None:
    op.drop_index(_REMOVES, "order_offering_change")
    op.drop_index(_INDEX, "order_offering_change")
    op.create_index(_INDEX, "order_offering_change", ["customer_key", "offering_id"])
