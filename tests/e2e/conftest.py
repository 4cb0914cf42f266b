"""The app over HTTP (ASGI in process), with response validation on, on each back end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from core.catalog.service import CatalogService, CatalogSettings
from core.persistence.database import Database
from core.schema import ResourceSchemas
from server.app import Container, create_app
from server.settings import Settings

API = "/tmf-api/productCatalogManagement/v4"


def make_client(
    db: Database, schemas: ResourceSchemas, service: CatalogService, **settings: Any
) -> TestClient:
    config = Settings(DATABASE_URL=db.url, TMF_VALIDATE_RESPONSES=True, **settings)
    app = create_app(config, Container(config, db, service))
    return TestClient(app, base_url="http://testserver", raise_server_exceptions=False)


@pytest.fixture(scope="session")
def apps(database: Database, schemas: ResourceSchemas) -> Iterator[dict[str, TestClient]]:
    """A strict and a lenient app per back end, built once (building one takes seconds)."""
    strict = make_client(
        database, schemas, CatalogService(database, schemas, CatalogSettings(strict=True))
    )
    lenient = make_client(
        database,
        schemas,
        CatalogService(database, schemas, CatalogSettings(strict=False)),
        TMF_VALIDATION="lenient",
    )
    with strict, lenient:
        yield {"strict": strict, "lenient": lenient}


@pytest.fixture
def client(db: Database, apps: dict[str, TestClient]) -> TestClient:
    return apps["strict"]


@pytest.fixture
def demo_client(demo: CatalogService, apps: dict[str, TestClient]) -> TestClient:
    return apps["strict"]


@pytest.fixture
def lenient_client(db: Database, apps: dict[str, TestClient]) -> TestClient:
    return apps["lenient"]
