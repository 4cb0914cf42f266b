"""A hub subscriber's deliveries, newest first, by one index: the console's delivery health
(how many delivered, when last) reads a few rows of it, never the whole delivery history.

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


def downgrade() -> None:
    op.drop_index("ix_event_delivery_subscriber", "event_delivery")
