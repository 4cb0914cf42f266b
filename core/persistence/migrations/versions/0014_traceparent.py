"""Traces across processes: an order and each outbox event keep the W3C traceparent of the
span that made them, so the worker and the hub deliveries join the request's trace.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("product_order") as batch:
        batch.add_column(sa.Column("traceparent", sa.String(55)))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("traceparent", sa.String(55)))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("traceparent")
    with op.batch_alter_table("product_order") as batch:
        batch.drop_column("traceparent")
