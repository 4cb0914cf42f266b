"""``tmf-adapter``: serve the APIs, migrate the database, seed and audit the catalog."""

from __future__ import annotations

import logging
import sys

import typer

from core.catalog import seeding
from core.catalog.kinds import KINDS
from core.inventory import seeding as inventory_seeding
from core.persistence import migrate as migrations
from core.query import Query
from core.requests import RequestContext
from server.app import Container, build_container
from server.settings import Settings
from tmf620 import BASE_PATH
from tmf622 import BASE_PATH as ORDERING_PATH

cli = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def _container() -> Container:
    settings = Settings()
    typer.echo(f"settings:\n{settings.describe()}", err=True)
    return build_container(settings)


def _is_empty(container: Container) -> bool:
    with container.db.uow(write=False) as uow:
        return not any(uow.catalog.list(kind, Query(limit=0))[1] for kind in KINDS)


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8620, help="Port to listen on."),
    demo: bool = typer.Option(
        True, "--demo/--no-demo", help="Seed the demo catalog into an empty embedded database."
    ),
    workers: int = typer.Option(1, help="Worker processes (PostgreSQL only; SQLite takes one)."),
) -> None:
    """Run migrations, seed the demo catalog if asked, and serve the TMF APIs."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    container = _container()
    migrations.upgrade(container.db)
    embedded = container.settings.database_url.startswith("sqlite")
    if demo and embedded and _is_empty(container):
        created = _seed(container, "demo", f"http://{host}:{port}")
        typer.echo(f"seeded the demo catalog and customers: {created} records", err=True)
    if container.settings.validation == "lenient":
        typer.echo("validation profile: lenient (references to other systems accepted)", err=True)
    root = f"http://{host}:{port}"
    for name, path, resource in (
        ("TMF620", BASE_PATH, "productOffering"),
        ("TMF622", ORDERING_PATH, "productOrder"),
    ):
        typer.echo(
            f"{name} API:  {root}{path}/{resource}   Swagger UI: {root}{path}/docs/", err=True
        )
    container.db.dispose()
    if embedded and workers > 1:
        typer.echo("SQLite serves from one process; ignoring --workers", err=True)
        workers = 1
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


@cli.command()
def migrate() -> None:
    """Bring the database schema to the newest version."""
    container = _container()
    migrations.upgrade(container.db)
    typer.echo("database is up to date")


def _seed(container: Container, name: str, base: str) -> int:
    """The demo catalog, then the demo customers' installed products (which refer to it)."""
    ctx = RequestContext(f"{base}{BASE_PATH}", "seed")
    created = seeding.seed(container.catalog, seeding.fixture(name), ctx)
    return created + inventory_seeding.seed(
        container.db, inventory_seeding.fixture(name), container.ordering.now()
    )


@cli.command()
def seed(
    demo: bool = typer.Option(True, "--demo/--no-demo", help="Load the demo telecom catalog."),
    base_url: str = typer.Option("http://127.0.0.1:8620", help="Server root used in hrefs."),
) -> None:
    """Load the demo catalog (entities that already exist are left as they are)."""
    container = _container()
    migrations.upgrade(container.db)
    if demo:
        created = _seed(container, "demo", container.settings.public_base_url or base_url)
        typer.echo(f"created {created} catalog entities and installed products")


@cli.command()
def audit() -> None:
    """Check every stored catalog entity against the integrity rules; exit 1 on problems."""
    container = _container()
    found = container.catalog.audit()
    for (kind, entity_id), problems in sorted(found.items()):
        for problem in problems:
            typer.echo(f"{kind} {entity_id}: {problem}")
    typer.echo(f"{len(found)} entities with problems")
    sys.exit(1 if found else 0)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
