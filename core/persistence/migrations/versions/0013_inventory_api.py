"""TMF637: the product inventory is read by clients (an index for filters into the document)
and may be corrected through the API, each correction kept with who, why, before and after.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

Document = sa.JSON().with_variant(JSONB(), "postgresql")
Sequence = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_installed_product_document",
            "installed_product",
            ["document"],
            postgresql_using="gin",
            postgresql_ops={"document": "jsonb_path_ops"},
        )
    op.create_table(
        "product_correction",
        sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("at", sa.String(24), nullable=False),
        sa.Column("before", Document),
        sa.Column("after", Document),
    )
    op.create_index("ix_product_correction_product", "product_correction", ["product_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_product_correction_product", "product_correction")
    op.drop_table("product_correction")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_installed_product_document", "installed_product")
