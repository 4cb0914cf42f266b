"""A job worker in its own process, for the crash test: it runs one job and is killed while it
runs. Arguments: database URL, PostgreSQL search path (or ''), allowed import host."""

from __future__ import annotations

import sys

import openapi
from adapters.files import LocalCatalogFiles
from core.catalog.jobs import CatalogJobs
from core.catalog.service import CatalogService, CatalogSettings
from core.persistence.database import Database
from core.schema import ResourceSchemas


def main() -> None:
    url, search_path, host = sys.argv[1:4]
    options = {"connect_args": {"options": f"-csearch_path={search_path}"}} if search_path else {}
    db = Database(url, **options)
    schemas = ResourceSchemas(openapi.load("tmf620")["components"]["schemas"])
    catalog = CatalogService(db, schemas, CatalogSettings(strict=True))
    files = LocalCatalogFiles("/nonexistent", "/nonexistent", {host})
    CatalogJobs(catalog, files, lease_seconds=60).run_next()


if __name__ == "__main__":
    main()
