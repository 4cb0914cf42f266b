"""Tables: one row per resource version, the full document in JSON plus indexed columns."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

Document = sa.JSON().with_variant(JSONB(), "postgresql")
Sequence = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

catalog_entity = sa.Table(
    "catalog_entity",
    metadata,
    # Insertion order (default sort and tie-breaker), filled by the database: the rowid on
    # SQLite, a sequence on PostgreSQL, where the key is (kind, entity_id, version); see 0003.
    sa.Column("seq", Sequence, nullable=False, server_default=sa.FetchedValue()),
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
    sa.PrimaryKeyConstraint("kind", "entity_id", "version"),
    sa.Index("ix_catalog_entity_current", "kind", "is_current", "entity_id"),
    sa.Index("ix_catalog_entity_order", "kind", "is_current", "seq"),
    sa.Index("ix_catalog_entity_status", "kind", "is_current", "lifecycle_status", "seq"),
    sa.Index("ix_catalog_entity_name", "kind", "is_current", "name"),
    sa.Index("ix_catalog_entity_last_update", "kind", "is_current", "last_update"),
)

catalog_generation = sa.Table(
    "catalog_generation",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("value", sa.BigInteger, nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(64), nullable=False, unique=True),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("resource_kind", sa.String(40), nullable=False),
    sa.Column("resource_id", sa.String(64), nullable=False),
    sa.Column("occurred_at", sa.String(24), nullable=False),
    sa.Column("correlation_id", sa.String(128)),
    sa.Column("payload", Document, nullable=False),
    sa.Column("sent_at", sa.String(24)),
    sa.Index("ix_outbox_resource", "resource_kind", "resource_id", "seq"),
)

job = sa.Table(
    "job",
    metadata,
    sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("job_id", sa.String(64), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("last_update", sa.String(24), nullable=False),
    sa.Column("row_version", sa.Integer, nullable=False),
    sa.Column("document", Document, nullable=False),
    sa.UniqueConstraint("kind", "job_id", name="uq_job_id"),
    sa.Index("ix_job_status", "kind", "status", "seq"),
)
