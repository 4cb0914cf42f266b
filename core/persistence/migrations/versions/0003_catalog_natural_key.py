"""PostgreSQL: key catalog versions by (kind, entity_id, version); seq only in composite indexes.

With a primary key on ``seq`` alone, the planner answers "current offerings in seq order" by
walking every row of every kind in seq order and filtering, because it assumes matches are spread
evenly; after a bulk import (specifications first, offerings last) that is thousands of wasted
rows per page. Without that index it uses (kind, is_current, lifecycle_status, seq) or
(kind, is_current, seq), which start at the first match. SQLite keeps ``seq`` as its rowid.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_catalog_entity_order", "catalog_entity", ["kind", "is_current", "seq"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE catalog_entity DROP CONSTRAINT catalog_entity_pkey")
    op.execute("ALTER TABLE catalog_entity DROP CONSTRAINT uq_catalog_entity_version")
    op.execute(
        "ALTER TABLE catalog_entity ADD CONSTRAINT pk_catalog_entity "
        "PRIMARY KEY (kind, entity_id, version)"
    )


def downgrade() -> None:
    op.drop_index("ix_catalog_entity_order", "catalog_entity")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE catalog_entity DROP CONSTRAINT pk_catalog_entity")
    op.execute(
        "ALTER TABLE catalog_entity ADD CONSTRAINT uq_catalog_entity_version "
        "UNIQUE (kind, entity_id, version)"
    )
    op.execute("ALTER TABLE catalog_entity ADD PRIMARY KEY (seq)")
