"""``tmf-adapter``: serve the APIs, migrate the database, seed and audit the catalog."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import pathlib
import sys
from collections.abc import Callable, Iterator
from importlib.metadata import version as package_version

import typer

from adapters import simulated
from core.catalog import seeding
from core.catalog.kinds import KINDS
from core.fulfillment.orchestrator import Orchestrator
from core.inventory import seeding as inventory_seeding
from core.inventory.model import INVENTORY_PATH
from core.ordering import seeding as order_seeding
from core.persistence import migrate as migrations
from core.query import Query
from core.requests import RequestContext
from server import authcli, eventscli, logs, repaircli, tracing
from server.background import BackgroundLoop
from server.container import Container, build_container, event_loops
from server.metrics import MULTIPROCESS
from server.settings import Settings
from tmf620 import BASE_PATH
from tmf622 import BASE_PATH as ORDERING_PATH

DEMO_SIMULATION = pathlib.Path(simulated.__file__).parent / "demo.yaml"
cli = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
log = logging.getLogger("tmf.server")


def _version(shown: bool) -> None:
    if shown:
        typer.echo(f"tmf-adapter {package_version('tmf-adapter')}")
        raise typer.Exit()


@cli.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Logging as TMF_LOG_FORMAT and TMF_LOG_LEVEL say, for every command."""
    try:
        settings = Settings()
    except ValueError:  # the command reports the bad setting itself
        logs.configure()
        return
    logs.configure(settings.log_format, settings.log_level)


def _container(show: bool = True) -> Container:
    settings = Settings()
    if show:
        log.info("settings:\n%s", settings.describe())
    try:
        return build_container(settings)
    except ValueError as error:  # e.g. an adapter that cannot be found or lacks its settings
        log.error("cannot start: %s", error)
        raise typer.Exit(2) from None


def _is_empty(container: Container) -> bool:
    with container.db.uow(write=False) as uow:
        return not any(uow.catalog.list(kind, Query(limit=0))[1] for kind in KINDS)


def _loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8620, help="Port to listen on."),
    demo: bool = typer.Option(
        True, "--demo/--no-demo", help="Seed the demo catalog into an empty embedded database."
    ),
    workers: int = typer.Option(1, help="Worker processes (PostgreSQL only; SQLite takes one)."),
    fulfil: bool = typer.Option(
        True,
        "--worker/--no-worker",
        help="Run the fulfillment worker inside the server (else run `tmf-adapter worker`).",
    ),
) -> None:
    """Run migrations, seed the demo catalog if asked, and serve the TMF APIs."""
    import os

    import uvicorn

    if not fulfil:
        os.environ["TMF_RUN_WORKER"] = "false"  # read by each server process's settings
    configured = Settings()
    if demo and configured.database_url.startswith("sqlite") and not configured.simulation_file:
        os.environ["TMF_SIMULATION_FILE"] = str(DEMO_SIMULATION)

    if configured.auth == "off":
        if not _loopback(host) and not configured.auth_chosen:
            typer.echo(
                f"refusing to serve {host} without authentication: set TMF_AUTH=jwt (see the "
                "README, 'Running in production'), or TMF_AUTH=off to accept that anyone who "
                "reaches the port can read and change everything",
                err=True,
            )
            raise typer.Exit(2)
        logging.getLogger("tmf.auth").warning(
            "AUTHENTICATION IS OFF (TMF_AUTH=off): anyone who reaches %s:%s can read and change "
            "everything; for the embedded demo only",
            host,
            port,
        )
    container = _container()
    migrations.upgrade(container.db)
    embedded = container.settings.database_url.startswith("sqlite")
    root = f"http://{host}:{port}"
    if demo and embedded and _is_empty(container):
        created = _seed(container, "demo", root)
        placed = _seed_orders(container, "demo", root)
        log.info("seeded the demo catalog and customers (%d records), %d orders", created, placed)
    if container.settings.validation == "lenient":
        log.info("validation profile: lenient (references to other systems accepted)")
    for name, path, resource in (
        ("TMF620", BASE_PATH, "productOffering"),
        ("TMF622", ORDERING_PATH, "productOrder"),
        ("TMF637", INVENTORY_PATH, "product"),
    ):
        log.info(
            "%s API:  %s%s/%s   Swagger UI: %s%s/docs/", name, root, path, resource, root, path
        )
    log.info(
        "fulfillment: %s; adapters %s",
        "embedded worker" if container.settings.run_worker else "off (run tmf-adapter worker)",
        container.settings.adapters(),
    )
    log.info("probes: %s/health and %s/ready; metrics: %s/metrics", root, root, root)
    container.db.dispose()
    if embedded and workers > 1:
        log.warning("SQLite serves from one process; ignoring --workers")
        workers = 1
    with _shared_metrics_dir(workers):
        uvicorn.run(
            "server.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            log_config=None,  # our handler (server/logs.py) writes uvicorn's lines too
            access_log=False,  # ours (server/access.py) names the route and correlation id
        )


@contextlib.contextmanager
def _shared_metrics_dir(workers: int) -> Iterator[None]:
    """With several processes, a fresh directory where each writes its metrics (unless the
    operator named one in PROMETHEUS_MULTIPROC_DIR); removed when the server stops."""
    import os
    import shutil
    import tempfile

    if workers <= 1 or os.environ.get(MULTIPROCESS):
        yield
        return
    folder = tempfile.mkdtemp(prefix="tmf-metrics-")
    os.environ[MULTIPROCESS] = folder
    try:
        yield
    finally:
        del os.environ[MULTIPROCESS]
        shutil.rmtree(folder, ignore_errors=True)


@cli.command()
def worker(
    once: bool = typer.Option(False, help="Work until nothing is due, then exit."),
    threads: int = typer.Option(
        0, min=0, help="Loops in this process (default TMF_WORKER_THREADS); they overlap waits."
    ),
    metrics_port: int = typer.Option(
        0, min=0, max=65535, help="Serve Prometheus /metrics on this port (0: not served)."
    ),
    metrics_host: str = typer.Option("127.0.0.1", help="Address the metrics listen on."),
) -> None:
    """Run the worker: fulfil accepted orders and deliver events to hub subscribers.

    Any number may run against one PostgreSQL database (tasks are claimed with SKIP LOCKED);
    SQLite takes one.
    """
    import signal
    import threading

    tracing.setup()
    container = _container()
    migrations.upgrade(container.db)
    orchestrator = container.orchestrator
    dispatcher = container.dispatcher
    log.info("worker %s started", orchestrator.worker)
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, metrics_host, registry=container.metrics.scraped())
        log.info("metrics: http://%s:%d/metrics", metrics_host, metrics_port)
    if once:
        orchestrator.run_until_idle()
        dispatcher.run_until_idle()
        dispatcher.close()
        while container.relay is not None and container.relay.step():
            pass
        return
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    count = threads or container.settings.worker_threads
    loops = [
        BackgroundLoop(
            f"tmf-worker-{n}",
            _step(orchestrator.named(f"{orchestrator.worker}/{n}")),
            container.settings.worker_poll_seconds,
        )
        for n in range(count)
    ]
    loops.extend(event_loops(container))
    for loop in loops:
        loop.start()
    stop.wait()
    for loop in loops:
        loop.stop()
    dispatcher.close()
    log.info("worker stopped")


def _step(orchestrator: Orchestrator) -> Callable[[], bool]:
    return lambda: orchestrator.run_once() > 0


authcli.register(cli)
eventscli.register(cli)
repaircli.register(cli)


@cli.command()
def prune(
    older_than: str = typer.Option(..., help="Age past which records go, e.g. 30d or 12h."),
    batch: int = typer.Option(1000, min=1, max=100_000, help="Rows per transaction."),
) -> None:
    """Remove delivered events and deliveries, consumed event ids, idempotency keys and the
    calls of finished orders older than the age given; orders and their evidence stay."""
    from core import retention
    from core.errors import DomainError

    try:
        age = retention.parse_age(older_than)
    except DomainError as error:
        typer.echo(f"refused: {error.message}", err=True)
        raise typer.Exit(2) from None
    container = _container(show=False)
    broker = bool(container.settings.nats_url)
    removed = retention.prune(container.db, age, broker, batch=batch)
    for table, count in removed.items():
        typer.echo(f"{table}\t{count}")


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


def _seed_orders(container: Container, name: str, base: str) -> int:
    """A few demo orders, for the console to show (the worker fulfils them once it runs)."""
    ctx = RequestContext(f"{base}{ORDERING_PATH}", "seed", actor="seed")
    return order_seeding.seed(container.ordering, order_seeding.fixture(name), ctx)


@cli.command()
def seed(
    demo: bool = typer.Option(True, "--demo/--no-demo", help="Load the demo telecom catalog."),
    base_url: str = typer.Option("http://127.0.0.1:8620", help="Server root used in hrefs."),
    orders: bool = typer.Option(
        False, "--orders", help="Also place the demo orders (as `serve` does on a new demo)."
    ),
) -> None:
    """Load the demo catalog (entities that already exist are left as they are)."""
    container = _container()
    migrations.upgrade(container.db)
    base = container.settings.public_base_url or base_url
    if demo:
        created = _seed(container, "demo", base)
        typer.echo(f"created {created} catalog entities and installed products")
    if orders:
        typer.echo(f"placed {_seed_orders(container, 'demo', base)} demo orders")


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
