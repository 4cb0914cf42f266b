"""Jobs: a lease, so a job whose worker died is taken over instead of staying Running.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("lease_until", sa.String(24)))


def downgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.drop_column("lease_until")
