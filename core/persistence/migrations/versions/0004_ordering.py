"""Ordering: product orders, their timeline, cancellation requests, installed base, idempotency.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Document = sa.JSON().with_variant(JSONB(), "postgresql")
Sequence = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "product_order",
        sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.String(64), nullable=False, unique=True),
        sa.Column("state", sa.String(30), nullable=False),
        sa.Column("customer_key", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(128)),
        sa.Column("order_date", sa.String(24), nullable=False),
        sa.Column("last_update", sa.String(24), nullable=False),
        sa.Column("row_version", sa.Integer, nullable=False),
        sa.Column("correlation_id", sa.String(128)),
        sa.Column("document", Document, nullable=False),
        sa.Column("snapshot", Document),
        sa.UniqueConstraint("customer_key", "external_id", name="uq_product_order_external_id"),
    )
    op.create_index("ix_product_order_state", "product_order", ["state", "seq"])
    op.create_index("ix_product_order_customer", "product_order", ["customer_key", "seq"])
    op.create_index("ix_product_order_date", "product_order", ["order_date"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_product_order_document ON product_order "
            "USING gin (document jsonb_path_ops)"
        )

    op.create_table(
        "order_timeline",
        sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64)),
        sa.Column("at", sa.String(24), nullable=False),
        sa.Column("from_state", sa.String(30)),
        sa.Column("to_state", sa.String(30), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("actor", sa.String(128)),
        sa.Column("correlation_id", sa.String(128)),
    )
    op.create_index("ix_order_timeline_order", "order_timeline", ["order_id", "seq"])

    op.create_table(
        "cancel_product_order",
        sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
        sa.Column("cancel_id", sa.String(64), nullable=False, unique=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(30), nullable=False),
        sa.Column("last_update", sa.String(24), nullable=False),
        sa.Column("row_version", sa.Integer, nullable=False),
        sa.Column("document", Document, nullable=False),
    )
    op.create_index("ix_cancel_product_order_order", "cancel_product_order", ["order_id", "seq"])

    op.create_table(
        "installed_product",
        sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
        sa.Column("product_id", sa.String(64), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("offering_id", sa.String(64)),
        sa.Column("last_update", sa.String(24), nullable=False),
        sa.Column("row_version", sa.Integer, nullable=False),
        sa.Column("document", Document, nullable=False),
    )
    op.create_index("ix_installed_product_customer", "installed_product", ["customer_id", "seq"])

    op.create_table(
        "idempotency_key",
        sa.Column("scope", sa.String(40), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(80), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(24), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "idempotency_key",
        "installed_product",
        "cancel_product_order",
        "order_timeline",
        "product_order",
    ):
        op.drop_table(table)
