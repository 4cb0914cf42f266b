"""Migrations apply from nothing and roll back to nothing on each back end."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from core.persistence import migrate
from core.persistence.database import Database
from tests.conftest import PG_URL


def round_trip(db: Database) -> None:
    migrate.upgrade(db)
    migrate.downgrade(db, "base")
    assert "catalog_entity" not in sa.inspect(db.engine).get_table_names()
    migrate.upgrade(db)
    names = set(sa.inspect(db.engine).get_table_names())
    assert {"catalog_entity", "outbox", "job", "catalog_generation"} <= names
    assert {"product_order", "order_timeline", "cancel_product_order"} <= names
    assert {"installed_product", "idempotency_key"} <= names


def test_migrations_round_trip_on_sqlite(tmp_path: object) -> None:
    db = Database(f"sqlite:///{tmp_path}/m.db")
    round_trip(db)
    db.dispose()


@pytest.mark.skipif(not PG_URL, reason="needs TMF_TEST_DATABASE_URL (set by .ci/run)")
def test_migrations_round_trip_on_postgresql_with_the_natural_key() -> None:
    schema = f"m_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(str(PG_URL))
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    db = Database(str(PG_URL), connect_args={"options": f"-csearch_path={schema}"})
    try:
        # An operator upgrades from any earlier version: each revision, one by one, from the
        # first, is where the next one starts.
        for revision in migrate.revisions():
            migrate.upgrade(db, revision)
            with db.engine.connect() as connection:
                assert migrate.current_revision(connection) == revision
        assert migrate.revisions()[-1] == migrate.head_revision()
        round_trip(db)
        key = sa.inspect(db.engine).get_pk_constraint("catalog_entity")["constrained_columns"]
        assert key == ["kind", "entity_id", "version"]
        indexes = {i["name"] for i in sa.inspect(db.engine).get_indexes("installed_product")}
        assert "ix_installed_product_document" in indexes  # TMF637 filters into the document
    finally:
        db.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def test_the_migrations_build_what_the_code_expects(tmp_path: object) -> None:
    """No difference between the tables the code declares and what the migrations create."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.persistence.tables import metadata

    db = Database(f"sqlite:///{tmp_path}/c.db")
    migrate.upgrade(db)
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    db.dispose()
    # On SQLite the catalog keeps its rowid key and a unique (kind, entity_id, version), the
    # natural key PostgreSQL gets from 0003: the one known, intended difference.
    sqlite_key = [
        d for d in diff if d[0] == "remove_constraint" and d[1].table.name == "catalog_entity"
    ]
    assert len(sqlite_key) == 1
    # The GIN index on the product document is PostgreSQL's alone (checked in its round trip).
    gin = [d for d in diff if d[0] == "add_index" and d[1].name == "ix_installed_product_document"]
    assert [d for d in diff if d not in sqlite_key + gin] == []
