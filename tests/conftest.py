"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL when configured."""

from __future__ import annotations

import contextlib
import os
import pathlib
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

import openapi
from adapters.simulated import Ledger, Simulation, simulated_systems
from adapters.simulated.config import SimulationFile
from core.catalog import seeding
from core.catalog.service import CatalogService, CatalogSettings
from core.fulfillment.fallout import FalloutService
from core.fulfillment.orchestrator import FulfillmentSettings, Orchestrator
from core.inventory import seeding as inventory_seeding
from core.ordering.cancellation import CancellationService
from core.ordering.service import OrderingService
from core.ordering.support import OrderingSettings
from core.persistence import migrate
from core.persistence.database import Database
from core.persistence.tables import metadata
from core.ports import FulfillmentSystems
from core.requests import RequestContext
from core.schema import ResourceSchemas

PG_URL = os.environ.get("TMF_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
BASE = "http://test.example/tmf-api/productCatalogManagement/v4"


@pytest.fixture(scope="session")
def schemas() -> ResourceSchemas:
    return ResourceSchemas(openapi.load("tmf620")["components"]["schemas"])


@pytest.fixture(scope="session", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """One migrated database per back end for the whole session (on PostgreSQL a schema of
    this test process: xdist workers do not collide)."""
    with private_database(request.param, tmp_path_factory.mktemp("db")) as (found, _):
        yield found


@contextlib.contextmanager
def private_database(backend: str, folder: pathlib.Path) -> Iterator[tuple[Database, str]]:
    """A migrated database of its own, and its PostgreSQL search path ('' on SQLite); also for
    tests whose worker processes must not meet the workers of the session's shared database."""
    search_path = ""
    if backend == "sqlite":
        private = Database(f"sqlite:///{folder}/private.db")
    else:
        search_path = f"p_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(str(PG_URL))
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{search_path}"')
        private = Database(str(PG_URL), connect_args={"options": f"-csearch_path={search_path}"})
    migrate.upgrade(private)
    try:
        yield private, search_path
    finally:
        private.dispose()
        if search_path:
            with admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{search_path}" CASCADE')
            admin.dispose()


@pytest.fixture
def db(database: Database) -> Database:
    """The back end's database, emptied for this test."""
    empty(database)
    return database


def empty(database: Database) -> None:
    """Delete every row, except the catalog generation counter the migrations create."""
    with database.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table.name != "catalog_generation":
                connection.execute(table.delete())


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


# -- ordering ----------------------------------------------------------------------------------

ORDER_BASE = "http://test.example/tmf-api/productOrderingManagement/v4"
ORDER_SIDE = (
    "product_order",
    "order_timeline",
    "cancel_product_order",
    "idempotency_key",
    "fulfillment_task",
    "task_attempt",
    "fulfillment_action",
    "event_subscription",
    "event_delivery",
    "inbox",
    "approval_case",
    "approval_policy",
    "catalog_use",
    "product_claim",
    "order_offering_change",
)
_demo_state: dict[int, tuple[int, int]] = {}  # database -> (generation, rows) after seeding


def _catalog_state(database: Database) -> tuple[int, int]:
    with database.engine.connect() as connection:
        generation = connection.exec_driver_sql("SELECT value FROM catalog_generation").scalar()
        rows = connection.exec_driver_sql("SELECT count(*) FROM catalog_entity").scalar()
    return int(generation or 0), int(rows or 0)


@pytest.fixture
def shop_db(database: Database, schemas: ResourceSchemas, ctx: RequestContext) -> Database:
    """The demo catalog and demo customers, with no orders; the catalog is seeded again only
    when a test changed it (seeding it through every rule for each test would be slow)."""
    if _demo_state.get(id(database)) != _catalog_state(database):
        empty(database)
        seeding.seed(
            CatalogService(database, schemas, CatalogSettings(strict=True)),
            seeding.fixture("demo"),
            ctx,
        )
        _demo_state[id(database)] = _catalog_state(database)
    with database.engine.begin() as connection:
        for name in (*ORDER_SIDE, "outbox", "installed_product", "product_correction"):
            connection.execute(metadata.tables[name].delete())
    inventory_seeding.seed(database, inventory_seeding.fixture("demo"), "2026-02-01T09:00:00.000Z")
    return database


@pytest.fixture(scope="session")
def order_schemas() -> ResourceSchemas:
    return ResourceSchemas(openapi.load("tmf622")["components"]["schemas"])


@pytest.fixture
def order_ctx() -> RequestContext:
    return RequestContext(ORDER_BASE, "order-correlation")


@pytest.fixture
def ordering(shop_db: Database, order_schemas: ResourceSchemas) -> OrderingService:
    return OrderingService(shop_db, order_schemas, OrderingSettings(strict=True))


@pytest.fixture
def lenient_ordering(shop_db: Database, order_schemas: ResourceSchemas) -> OrderingService:
    return OrderingService(shop_db, order_schemas, OrderingSettings(strict=False))


@pytest.fixture
def cancellation(shop_db: Database, order_schemas: ResourceSchemas) -> CancellationService:
    return CancellationService(shop_db, order_schemas, OrderingSettings(strict=True))


# -- fulfillment -------------------------------------------------------------------------------


@pytest.fixture
def simulation() -> Simulation:
    """Well-behaved systems with a fixed seed; tests change them as they need."""
    return Simulation(SimulationFile(seed=7))


@pytest.fixture
def ledger(shop_db: Database) -> Ledger:
    """The simulated systems' memory, in the test database, emptied."""
    found = Ledger(shop_db.engine)
    found.clear()
    return found


@pytest.fixture
def systems(simulation: Simulation, ledger: Ledger) -> FulfillmentSystems:
    return simulated_systems(simulation, ledger)


@pytest.fixture
def orchestrator(shop_db: Database, systems: FulfillmentSystems) -> Orchestrator:
    """A worker that retries at once (no backoff) and gives up after three attempts."""
    return Orchestrator(
        shop_db, systems, FulfillmentSettings(backoff_seconds=0, max_attempts=3), worker="w1"
    )


@pytest.fixture
def fallout(shop_db: Database) -> FalloutService:
    return FalloutService(shop_db)
