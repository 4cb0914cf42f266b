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
    sa.Column("changed_by", sa.String(255)),  # the actor of the write that made this row
    sa.PrimaryKeyConstraint("kind", "entity_id", "version"),
    sa.Index("ix_catalog_entity_current", "kind", "is_current", "entity_id"),
    sa.Index("ix_catalog_entity_order", "kind", "is_current", "seq"),
    sa.Index("ix_catalog_entity_status", "kind", "is_current", "lifecycle_status", "seq"),
    sa.Index("ix_catalog_entity_name", "kind", "is_current", "name"),
    sa.Index("ix_catalog_entity_last_update", "kind", "is_current", "last_update"),
)

# Versions of entities deleted through the API: archived, never erased, so an order's evidence
# still shows what it was priced against.
catalog_entity_archive = sa.Table(
    "catalog_entity_archive",
    metadata,
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
    sa.Index("ix_catalog_entity_archive_version", "kind", "entity_id", "version"),
)

# Which orders were priced against a catalog version that was not yet released when they were
# captured: released versions can never be deleted, so these are the only uses a delete must
# look for (the normal order, of released entities only, writes no row).
catalog_use = sa.Table(
    "catalog_use",
    metadata,
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("entity_id", sa.String(64), nullable=False),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.PrimaryKeyConstraint("kind", "entity_id", "version", "order_id"),
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
    sa.Column("actor", sa.String(255)),  # who caused it, when the caller was authenticated
    sa.Column("payload", Document, nullable=False),
    # When the dispatcher turned the event into deliveries to hub subscribers.
    sa.Column("sent_at", sa.String(24)),
    # When the event was published to the broker (NATS), if one is configured.
    sa.Column("published_at", sa.String(24)),
    sa.Column("traceparent", sa.String(55)),  # of the span that raised it (W3C trace context)
    sa.Index("ix_outbox_resource", "resource_kind", "resource_id", "seq"),
    sa.Index(
        "ix_outbox_unsent",
        "seq",
        postgresql_where=sa.text("sent_at IS NULL"),
        sqlite_where=sa.text("sent_at IS NULL"),
    ),
    sa.Index(
        "ix_outbox_unpublished",
        "seq",
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    ),
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
    # Until when the worker running the job holds it; past it, another worker takes it over.
    sa.Column("lease_until", sa.String(24)),
    sa.UniqueConstraint("kind", "job_id", name="uq_job_id"),
    sa.Index("ix_job_status", "kind", "status", "seq"),
)

product_order = sa.Table(
    "product_order",
    metadata,
    sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
    sa.Column("order_id", sa.String(64), nullable=False, unique=True),
    sa.Column("state", sa.String(30), nullable=False),
    # The customer's party id, '' when the order names none: externalId is unique per customer.
    sa.Column("customer_key", sa.String(64), nullable=False),
    sa.Column("external_id", sa.String(128)),
    sa.Column("order_date", sa.String(24), nullable=False),
    sa.Column("last_update", sa.String(24), nullable=False),
    sa.Column("row_version", sa.Integer, nullable=False),
    sa.Column("correlation_id", sa.String(128)),
    sa.Column("document", Document, nullable=False),
    sa.Column("snapshot", Document),
    # Deleted through the API: archived, never erased (NULL: not deleted).
    sa.Column("deleted_at", sa.String(24)),
    sa.Column("deleted_by", sa.String(255)),
    sa.Column("traceparent", sa.String(55)),  # of the request that placed it
    # A related party other than the customer: relatedParty.id filters read customer_key else.
    sa.Column("other_parties", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("customer_key", "external_id", name="uq_product_order_external_id"),
    sa.Index("ix_product_order_state", "state", "seq"),
    sa.Index("ix_product_order_customer", "customer_key", "seq"),
    # On PostgreSQL (0016): (order_date COLLATE "C" DESC NULLS LAST, seq), as lists sort it.
    sa.Index("ix_product_order_date", "order_date"),
    sa.Index(
        "ix_product_order_open_state_customer",
        "state",
        "customer_key",
        "seq",
        postgresql_where=sa.text("deleted_at IS NULL"),
        sqlite_where=sa.text("deleted_at IS NULL"),
    ),
    # Open orders of a state by last change: the overview's stuck counts, a range each (0017).
    sa.Index(
        "ix_product_order_open_state_update",
        "state",
        "last_update",
        postgresql_where=sa.text("deleted_at IS NULL"),
        sqlite_where=sa.text("deleted_at IS NULL"),
    ),
    # The orders flagged other_parties; PostgreSQL's is a GIN index of their relatedParty
    # (migration 0015), so "does any name this party" is one index probe on either.
    sa.Index("ix_product_order_other_parties", "seq", sqlite_where=sa.text("other_parties")).ddl_if(
        dialect="sqlite"
    ),
)

order_timeline = sa.Table(
    "order_timeline",
    metadata,
    sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("item_id", sa.String(64)),
    sa.Column("at", sa.String(24), nullable=False),
    sa.Column("from_state", sa.String(30)),
    sa.Column("to_state", sa.String(30), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("actor", sa.String(128)),
    sa.Column("correlation_id", sa.String(128)),
    sa.Index("ix_order_timeline_order", "order_id", "seq"),
)

cancel_product_order = sa.Table(
    "cancel_product_order",
    metadata,
    sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
    sa.Column("cancel_id", sa.String(64), nullable=False, unique=True),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("state", sa.String(30), nullable=False),
    sa.Column("last_update", sa.String(24), nullable=False),
    sa.Column("row_version", sa.Integer, nullable=False),
    sa.Column("document", Document, nullable=False),
    sa.Column("deleted_at", sa.String(24)),  # archived with its order, never erased
    sa.Column("deleted_by", sa.String(255)),
    sa.Index("ix_cancel_product_order_order", "order_id", "seq"),
)

installed_product = sa.Table(
    "installed_product",
    metadata,
    sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
    sa.Column("product_id", sa.String(64), nullable=False, unique=True),
    sa.Column("customer_id", sa.String(64), nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("offering_id", sa.String(64)),
    sa.Column("last_update", sa.String(24), nullable=False),
    sa.Column("row_version", sa.Integer, nullable=False),
    sa.Column("document", Document, nullable=False),
    sa.Index("ix_installed_product_customer", "customer_id", "seq"),
    sa.Index("ix_installed_product_offering", "offering_id"),
    sa.Index("ix_installed_product_customer_offering", "customer_id", "offering_id"),
    # TMF637 filters into the document (relatedParty.id, productCharacteristic.value) are
    # containment tests on PostgreSQL, answered by this index instead of a scan.
    sa.Index(
        "ix_installed_product_document",
        "document",
        postgresql_using="gin",
        postgresql_ops={"document": "jsonb_path_ops"},
    ).ddl_if(dialect="postgresql"),
)

# Every change made to the inventory through TMF637 (a migration or a correction, never an
# order): who, why, and the product before and after.
product_correction = sa.Table(
    "product_correction",
    metadata,
    sa.Column("seq", Sequence, primary_key=True, autoincrement=True),
    sa.Column("product_id", sa.String(64), nullable=False),
    sa.Column("action", sa.String(10), nullable=False),  # create, patch, delete
    sa.Column("actor", sa.String(255), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("at", sa.String(24), nullable=False),
    sa.Column("before", Document),
    sa.Column("after", Document),
    sa.Index("ix_product_correction_product", "product_id", "seq"),
)

# Which open order changes which installed product (modify, delete): one claim per product, so
# two orders cannot both change it. A claim of an order that became final (or was deleted) is
# taken over by the next order; the primary key makes two racing orders meet.
product_claim = sa.Table(
    "product_claim",
    metadata,
    sa.Column("product_id", sa.String(64), primary_key=True),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("item_id", sa.String(64), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("claimed_at", sa.String(24), nullable=False),
    sa.Index("ix_product_claim_order", "order_id"),
)

# What each order's items will add to or remove from the customer's offerings, kept with the
# order: requires/excludes look at what open orders of the same customer are about to change.
order_offering_change = sa.Table(
    "order_offering_change",
    metadata,
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("item_id", sa.String(64), nullable=False),
    sa.Column("effect", sa.String(10), nullable=False),  # "add" or "remove"
    sa.Column("customer_key", sa.String(64), nullable=False),
    sa.Column("offering_id", sa.String(64), nullable=False),
    sa.Column("product_id", sa.String(64)),  # the product a remove takes away
    sa.PrimaryKeyConstraint("order_id", "item_id", "effect"),
    # A customer's changes of an offering in order id order: a pending-adds part stops early.
    sa.Index("ix_order_offering_change_customer", "customer_key", "offering_id", "order_id"),
    # The removes of a customer's products: each found by its product, not among all changes.
    sa.Index(
        "ix_order_offering_change_removes",
        "customer_key",
        "product_id",
        postgresql_where=sa.text("effect = 'remove'"),
        sqlite_where=sa.text("effect = 'remove'"),
    ),
)

idempotency_key = sa.Table(
    "idempotency_key",
    metadata,
    sa.Column("scope", sa.String(40), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("request_hash", sa.String(80), nullable=False),
    sa.Column("resource_id", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(24), nullable=False),
)


# The tables of the work after capture are declared on the same metadata in their own module;
# importing it here puts them in ``metadata`` for whoever reads it (migrations, tests).
from core.persistence import work_tables  # noqa: E402, F401
