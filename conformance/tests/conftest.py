"""The app under test for the self-check: lenient profile, fresh SQLite, response validation off
(Schemathesis validates responses itself, independently of connexion)."""

from __future__ import annotations

import pathlib
import tempfile
from typing import Any

from core.persistence import migrate
from server.app import create_app
from server.settings import Settings

API = "/tmf-api/productCatalogManagement/v4"
ORDER_API = "/tmf-api/productOrderingManagement/v4"


def self_check_app() -> Any:
    folder = pathlib.Path(tempfile.mkdtemp(prefix="tmf-conformance-"))
    settings = Settings(
        DATABASE_URL=f"sqlite:///{folder}/tmf.db",
        TMF_VALIDATION="lenient",
        TMF_RUN_JOBS=False,
        TMF_RUN_WORKER=False,  # order states move only by the requests the checks send
        TMF_IMPORT_DIR=str(folder / "import"),
        TMF_EXPORT_DIR=str(folder / "export"),
    )
    app = create_app(settings)
    migrate.upgrade(app.container.db)
    return app
