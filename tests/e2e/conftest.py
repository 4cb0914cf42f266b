"""The app over HTTP (ASGI in process), with response validation on, on each back end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from core.catalog.service import CatalogService
from core.persistence.database import Database
from server.app import create_app
from server.container import build_container
from server.settings import Settings
from tests.fakes.receiver import Receiver

API = "/tmf-api/productCatalogManagement/v4"


def make_client(db: Database, **settings: Any) -> TestClient:
    settings.setdefault("TMF_RUN_WORKER", False)  # tests move orders on themselves
    config = Settings(DATABASE_URL=db.url, TMF_VALIDATE_RESPONSES=True, **settings)
    app = create_app(config, build_container(config, db))
    return TestClient(app, base_url="http://testserver", raise_server_exceptions=False)


@pytest.fixture(scope="session")
def file_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("files")
    return {"TMF_IMPORT_DIR": str(root / "import"), "TMF_EXPORT_DIR": str(root / "export")}


@pytest.fixture(scope="session")
def apps(database: Database, file_dirs: dict[str, str]) -> Iterator[dict[str, TestClient]]:
    """A strict and a lenient app per back end, built once (building one takes seconds)."""
    with (
        make_client(database, **file_dirs) as strict_client,
        make_client(
            database, TMF_VALIDATION="lenient", TMF_RUN_JOBS=False, **file_dirs
        ) as lenient_client,
    ):
        yield {"strict": strict_client, "lenient": lenient_client}


@pytest.fixture
def client(db: Database, apps: dict[str, TestClient]) -> TestClient:
    return apps["strict"]


@pytest.fixture
def demo_client(demo: CatalogService, apps: dict[str, TestClient]) -> TestClient:
    return apps["strict"]


@pytest.fixture
def lenient_client(db: Database, apps: dict[str, TestClient]) -> TestClient:
    return apps["lenient"]


@pytest.fixture
def shop(shop_db: Database, apps: dict[str, TestClient]) -> TestClient:
    """The strict app over the demo catalog and customers, with no orders yet."""
    return apps["strict"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A hub subscriber over real HTTP, for the tests that watch events arrive."""
    found = Receiver().start()
    yield found
    found.stop()
