"""Catalog entities, jobs and the outbox.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Document = sa.JSON().with_variant(JSONB(), "postgresql")
Sequence = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "catalog_entity",
        sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
        sa.Column("lifecycle_status", sa.String(40)),
        sa.Column("name", sa.Text),
        sa.Column("last_update", sa.String(24), nullable=False),
        sa.Column("valid_from", sa.String(24)),
        sa.Column("valid_to", sa.String(24)),
        sa.Column("row_version", sa.Integer, nullable=False),
        sa.Column("document", Document, nullable=False),
        sa.UniqueConstraint("kind", "entity_id", "version", name="uq_catalog_entity_version"),
    )
    op.create_index(
        "ix_catalog_entity_current", "catalog_entity", ["kind", "is_current", "entity_id"]
    )
    op.create_index(
        "ix_catalog_entity_status",
        "catalog_entity",
        ["kind", "is_current", "lifecycle_status", "seq"],
    )
    op.create_index("ix_catalog_entity_name", "catalog_entity", ["kind", "is_current", "name"])
    op.create_index(
        "ix_catalog_entity_last_update", "catalog_entity", ["kind", "is_current", "last_update"]
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_catalog_entity_document ON catalog_entity "
            "USING gin (document jsonb_path_ops)"
        )

    op.create_table(
        "outbox",
        sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("resource_kind", sa.String(40), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("occurred_at", sa.String(24), nullable=False),
        sa.Column("correlation_id", sa.String(128)),
        sa.Column("payload", Document, nullable=False),
        sa.Column("sent_at", sa.String(24)),
    )
    op.create_index("ix_outbox_resource", "outbox", ["resource_kind", "resource_id", "seq"])

    op.create_table(
        "job",
        sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("last_update", sa.String(24), nullable=False),
        sa.Column("row_version", sa.Integer, nullable=False),
        sa.Column("document", Document, nullable=False),
        sa.UniqueConstraint("kind", "job_id", name="uq_job_id"),
    )
    op.create_index("ix_job_status", "job", ["kind", "status", "seq"])


def downgrade() -> None:
    op.drop_table("job")
    op.drop_table("outbox")
    op.drop_table("catalog_entity")
