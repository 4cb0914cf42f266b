"""Catalog history is never destroyed: versions of deleted entities are archived, orders priced
against versions not yet released are recorded, and installed products are found by offering
(for a delete) and by customer and offering (for order capture's requires/excludes).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

Document = sa.JSON().with_variant(JSONB(), "postgresql")
Sequence = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "catalog_entity_archive",
        sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("lifecycle_status", sa.String(40)),
        sa.Column("row_version", sa.Integer, nullable=False),
        sa.Column("document", Document, nullable=False),
        sa.Column("changed_by", sa.String(255)),
        sa.Column("deleted_at", sa.String(24), nullable=False),
        sa.Column("deleted_by", sa.String(255)),
    )
    op.create_index(
        "ix_catalog_entity_archive_version",
        "catalog_entity_archive",
        ["kind", "entity_id", "version"],
    )
    op.create_table(
        "catalog_use",
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("kind", "entity_id", "version", "order_id"),
    )
    op.create_index("ix_installed_product_offering", "installed_product", ["offering_id"])
    op.create_index(
        "ix_installed_product_customer_offering",
        "installed_product",
        ["customer_id", "offering_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_installed_product_customer_offering", "installed_product")
    op.drop_index("ix_installed_product_offering", "installed_product")
    op.drop_table("catalog_use")
    op.drop_index("ix_catalog_entity_archive_version", "catalog_entity_archive")
    op.drop_table("catalog_entity_archive")
