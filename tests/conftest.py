"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL when configured."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

import openapi
from core.catalog import seeding
from core.catalog.service import CatalogService, CatalogSettings
from core.persistence import migrate
from core.persistence.database import Database
from core.persistence.tables import metadata
from core.requests import RequestContext
from core.schema import ResourceSchemas

PG_URL = os.environ.get("TMF_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
BASE = "http://test.example/tmf-api/productCatalogManagement/v4"


@pytest.fixture(scope="session")
def schemas() -> ResourceSchemas:
    return ResourceSchemas(openapi.load("tmf620")["components"]["schemas"])


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    """A private PostgreSQL schema for this test process (xdist workers do not collide)."""
    assert PG_URL
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(PG_URL)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    db = Database(PG_URL, connect_args={"options": f"-csearch_path={name}"})
    migrate.upgrade(db)
    db.dispose()
    yield name
    with engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """One migrated database per back end for the whole session."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path_factory.mktemp('db')}/tmf.db")
        migrate.upgrade(database)
    else:
        schema = request.getfixturevalue("pg_schema")
        database = Database(str(PG_URL), connect_args={"options": f"-csearch_path={schema}"})
    yield database
    database.dispose()


@pytest.fixture
def db(database: Database) -> Database:
    """The back end's database, emptied for this test."""
    with database.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table.name != "catalog_generation":  # a counter row the migrations create
                connection.execute(table.delete())
    return database


@pytest.fixture
def ctx() -> RequestContext:
    return RequestContext(BASE, "test-correlation")


@pytest.fixture
def catalog(db: Database, schemas: ResourceSchemas) -> CatalogService:
    return CatalogService(db, schemas, CatalogSettings(strict=True))


@pytest.fixture
def lenient_catalog(db: Database, schemas: ResourceSchemas) -> CatalogService:
    return CatalogService(db, schemas, CatalogSettings(strict=False))


@pytest.fixture
def demo(catalog: CatalogService, ctx: RequestContext) -> CatalogService:
    """The catalog service with the demo catalog loaded through every rule."""
    seeding.seed(catalog, seeding.fixture("demo"), ctx)
    return catalog
