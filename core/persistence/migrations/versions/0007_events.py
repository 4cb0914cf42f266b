"""Events: hub subscriptions, deliveries to them, broker publication marks, the inbox.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Sequence = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("published_at", sa.String(24)))
    # Events written before this revision were never meant for subscribers that did not exist.
    op.execute(
        "UPDATE outbox SET sent_at = occurred_at, published_at = occurred_at WHERE sent_at IS NULL"
    )
    for name, column in (
        ("ix_outbox_unsent", "sent_at"),
        ("ix_outbox_unpublished", "published_at"),
    ):
        op.create_index(
            name,
            "outbox",
            ["seq"],
            postgresql_where=sa.text(f"{column} IS NULL"),
            sqlite_where=sa.text(f"{column} IS NULL"),
        )
    op.create_table(
        "event_subscription",
        sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.String(64), nullable=False, unique=True),
        sa.Column("api", sa.String(20), nullable=False),
        sa.Column("callback", sa.Text, nullable=False),
        sa.Column("query", sa.Text),
        sa.Column("secret", sa.Text),
        sa.Column("created_at", sa.String(24), nullable=False),
    )
    op.create_table(
        "event_delivery",
        sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.String(64), nullable=False),
        sa.Column("outbox_seq", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("stream", sa.String(128), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("due_at", sa.String(24), nullable=False),
        sa.Column("lease_until", sa.String(24)),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.String(24), nullable=False),
        sa.Column("delivered_at", sa.String(24)),
        sa.Column("next_seq", sa.BigInteger),
        sa.UniqueConstraint("subscription_id", "event_id", name="uq_event_delivery"),
    )
    op.create_index(
        "ix_event_delivery_due",
        "event_delivery",
        ["due_at"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_event_delivery_stream", "event_delivery", ["subscription_id", "stream", "outbox_seq"]
    )
    op.create_index(
        "ix_event_delivery_owed",
        "event_delivery",
        ["stream", "subscription_id", "seq"],
        postgresql_where=sa.text("status <> 'delivered'"),
        sqlite_where=sa.text("status <> 'delivered'"),
    )
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("received_at", sa.String(24), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("inbox")
    op.drop_table("event_delivery")
    op.drop_table("event_subscription")
    op.drop_index("ix_outbox_unpublished", "outbox")
    op.drop_index("ix_outbox_unsent", "outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("published_at")
