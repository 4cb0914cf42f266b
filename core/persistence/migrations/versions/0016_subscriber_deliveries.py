"""A hub subscriber's deliveries, newest first, by one index: the console's delivery health
(how many delivered, when last) reads a few rows of it, never the whole delivery history. And
on PostgreSQL, orders newest first (``sort=-orderDate``, the console's list) read by an index in
that order: the list compares and sorts text in the "C" collation, which the plain index on
``order_date`` did not serve (1M orders: a full sort, 400 ms a page).

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_event_delivery_subscriber", "event_delivery", ["subscription_id", "seq"])
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_product_order_date", "product_order")
        op.execute(
            'CREATE INDEX ix_product_order_date ON product_order (order_date COLLATE "C" DESC '
            "NULLS LAST, seq)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_product_order_date", "product_order")
        op.create_index("ix_product_order_date", "product_order", ["order_date"])
    op.drop_index("ix_event_delivery_subscriber", "event_delivery")
