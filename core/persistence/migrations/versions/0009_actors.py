"""Who did what, from the token: the actor of each event and of each catalog version's last
write; who registered a hub subscription and, for a partner, the only customers whose events
it is sent.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

Document = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("event_subscription") as table:
        table.add_column(sa.Column("owner", sa.String(255)))
        table.add_column(sa.Column("party_ids", Document))
    with op.batch_alter_table("outbox") as table:
        table.add_column(sa.Column("actor", sa.String(255)))
    with op.batch_alter_table("catalog_entity") as table:
        table.add_column(sa.Column("changed_by", sa.String(255)))


def downgrade() -> None:
    with op.batch_alter_table("catalog_entity") as table:
        table.drop_column("changed_by")
    with op.batch_alter_table("outbox") as table:
        table.drop_column("actor")
    with op.batch_alter_table("event_subscription") as table:
        table.drop_column("party_ids")
        table.drop_column("owner")
