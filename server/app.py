"""The application factory: reads settings, builds the database, core services and the HTTP app."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import pathlib
import socket
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import connexion
import yaml
from connexion.exceptions import ProblemException
from connexion.middleware import ConnexionMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException
from starlette.responses import Response

import openapi
from adapters.files import EXPORT_ROUTE, LocalCatalogFiles
from adapters.http.webhook import HttpNotificationSender
from adapters.registry import AdapterContext, load_systems
from core import retention
from core.approval.policy import DEFAULT_POLICY_FILE, Policy
from core.approval.service import ApprovalService
from core.catalog.jobs import CatalogJobs
from core.catalog.lifecycle import DEFAULT_LIFECYCLE, LifecyclePolicy
from core.catalog.service import CatalogService, CatalogSettings
from core.errors import DomainError
from core.events.callbacks import CallbackGuard
from core.events.delivery import DeliverySettings
from core.events.dispatcher import Dispatcher
from core.events.hub import Hub
from core.events.queue import DeliveryQueue
from core.events.relay import BrokerRelay
from core.fulfillment.fallout import FalloutService
from core.fulfillment.orchestrator import FulfillmentSettings, Orchestrator
from core.inventory.corrections import InventoryCorrections
from core.inventory.service import InventoryService
from core.ordering.cancellation import CancellationService
from core.ordering.service import OrderingService
from core.ordering.support import OrderingSettings
from core.persistence.database import Database
from core.schema import ResourceSchemas
from server import errors, http, logs, tracing
from server.admin import AdminHandlers
from server.approvals import ApprovalHandlers
from server.background import BackgroundLoop, JobRunner
from server.gates import APIS, add_gates
from server.guard import BodyTooLarge
from server.hub import HubHandlers
from server.metrics import Metrics
from server.probes import Readiness, health_route, ready_route
from server.settings import Settings
from server.validation import BODY_VALIDATORS, NamingParameterValidator
from tmf620 import BASE_PATH as CATALOG_PATH
from tmf620.handlers import CatalogHandlers
from tmf620.jobs import JobHandlers, export_file_route
from tmf622 import BASE_PATH as ORDERING_PATH
from tmf622.handlers import CancelHandlers, OrderHandlers
from tmf637 import BASE_PATH as INVENTORY_PATH
from tmf637.handlers import ProductHandlers

log = logging.getLogger("tmf.app")
# Connexion warns on every PATCH because it accepts several content types: noise, by design.
logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)
# Every rejected request is logged at INFO by connexion; the client gets the reason, not the log.
logging.getLogger("connexion.validators").setLevel(logging.WARNING)


@dataclass
class Container:
    """Everything the app runs on, built once; tests and the CLI reach in through it."""

    settings: Settings
    db: Database
    catalog: CatalogService
    ordering: OrderingService
    cancellation: CancellationService
    approvals: ApprovalService
    orchestrator: Orchestrator
    fallout: FalloutService
    metrics: Metrics
    hub: Hub
    dispatcher: Dispatcher
    deliveries: DeliveryQueue
    inventory: InventoryService
    corrections: InventoryCorrections
    relay: BrokerRelay | None = None  # when TMF_NATS_URL is set
    files: LocalCatalogFiles | None = None
    jobs: CatalogJobs | None = None

    def __post_init__(self) -> None:
        if self.files is None:
            self.files = LocalCatalogFiles(
                self.settings.import_dir,
                self.settings.export_dir,
                self.settings.allowed_import_hosts(),
            )
        if self.jobs is None:
            self.jobs = CatalogJobs(self.catalog, self.files, self.settings.job_lease_seconds)


class Handlers(Protocol):
    def resolve(self, operation_id: str) -> Any: ...


class OperationResolver(Resolver):  # type: ignore[misc]
    """Binds each operationId to the first handler object that serves it."""

    def __init__(self, *handlers: Handlers) -> None:
        super().__init__()
        self.handlers = handlers

    def resolve_function_from_operation_id(self, operation_id: str) -> Any:
        for handlers in self.handlers:
            handler = handlers.resolve(operation_id)
            if handler is not None:
                return handler
        raise LookupError(f"no handler for operation {operation_id!r}")


def document_route(api: str, secured: bool = False) -> Any:
    """Serves our OpenAPI document as JSON (what Swagger UI and conformance tools read); with
    authentication on, it declares the bearer scheme, so Swagger UI's Authorize button works."""
    content = http.encode_json(openapi.secured(api) if secured else openapi.load(api))

    async def serve(_request: Any) -> Response:
        return Response(content, media_type="application/json")

    return serve


def load_approval_policy(path: str | None) -> Policy | None:
    """The approval policy: ours by default, the operator's file, or none when set to ''."""
    if path == "":
        return None
    return Policy.load(path or DEFAULT_POLICY_FILE)


def load_lifecycle(path: str | None) -> LifecyclePolicy:
    if not path:
        return DEFAULT_LIFECYCLE
    return LifecyclePolicy.from_mapping(yaml.safe_load(pathlib.Path(path).read_text()))


GIL_SLICE_SECONDS = 0.0005


def _middlewares(settings: Settings) -> list[Any]:
    """Connexion's stack without the layers that would do nothing here (each costs per request)."""
    unused: set[type] = set()
    if not settings.validate_responses:
        unused.add(ResponseValidationMiddleware)
    if not any(openapi.load(a).get("components", {}).get("securitySchemes") for a in APIS):
        unused.add(SecurityMiddleware)
    return [m for m in ConnexionMiddleware.default_middlewares if m not in unused]


def worker_name() -> str:
    """Who holds a task: host and process, so an operator can find the worker."""
    return f"{socket.gethostname()}:{os.getpid()}"


def build_orchestrator(settings: Settings, db: Database, metrics: Metrics) -> Orchestrator:
    """The configured adapters behind an orchestrator (the simulated ones by default)."""
    context = AdapterContext(
        settings.simulator_database_url or db.url,
        settings.simulation_file,
        settings.adapter_options(),
        simulator_engine=None if settings.simulator_database_url else db.engine,
    )
    return Orchestrator(
        db,
        load_systems(settings.adapters(), context),
        FulfillmentSettings(
            max_attempts=settings.task_max_attempts,
            backoff_seconds=settings.task_backoff_seconds,
            lease_seconds=settings.task_lease_seconds,
            batch=settings.worker_batch,
        ),
        worker=worker_name(),
        observer=metrics.observe,
        settled=metrics.task_settled,
    )


def build_dispatcher(settings: Settings, db: Database, guard: CallbackGuard) -> Dispatcher:
    """Hub delivery over HTTP with the configured retry policy."""
    return Dispatcher(
        db,
        HttpNotificationSender(),
        guard,
        DeliverySettings(
            max_attempts=settings.delivery_max_attempts,
            backoff_seconds=settings.delivery_backoff_seconds,
            backoff_cap_seconds=settings.delivery_backoff_cap_seconds,
            timeout_seconds=settings.delivery_timeout_seconds,
            per_subscriber=settings.delivery_per_subscriber,
            in_flight=settings.delivery_in_flight,
            lease_seconds=settings.delivery_timeout_seconds * 2 + 10,
        ),
    )


def build_relay(settings: Settings, db: Database, now: Callable[[], str]) -> BrokerRelay | None:
    """CloudEvents to NATS JetStream when a NATS URL is configured."""
    if not settings.nats_url:
        return None
    from adapters.broker.nats import NatsPublisher

    publisher = NatsPublisher(
        settings.nats_url,
        settings.nats_stream,
        {"tmf620": CATALOG_PATH, "tmf622": ORDERING_PATH, "tmf637": INVENTORY_PATH},
        settings.nats_subject_prefix,
    )
    return BrokerRelay(db, publisher.publish, now)


def build_container(settings: Settings, db: Database | None = None) -> Container:
    """Everything the settings describe; ``db`` replaces the configured database (tests)."""
    db = db or Database(settings.database_url)
    strict = settings.validation == "strict"
    lifecycle = load_lifecycle(settings.lifecycle_file)
    catalog_schemas = ResourceSchemas(openapi.load("tmf620")["components"]["schemas"])
    order_schemas = ResourceSchemas(openapi.load("tmf622")["components"]["schemas"])
    product_schemas = ResourceSchemas(openapi.load("tmf637")["components"]["schemas"])
    ordering_settings = OrderingSettings(
        strict=strict,
        lifecycle=lifecycle,
        point_of_no_return=settings.point_of_no_return,
        approval_policy=load_approval_policy(settings.approval_policy_file),
    )
    metrics = Metrics(db, settings.stuck_after_seconds, broker=bool(settings.nats_url))
    guard = CallbackGuard(settings.callback_allowlist)
    ordering = OrderingService(db, order_schemas, ordering_settings)
    return Container(
        settings,
        db,
        CatalogService(db, catalog_schemas, CatalogSettings(strict=strict, lifecycle=lifecycle)),
        ordering,
        CancellationService(db, order_schemas, ordering_settings),
        ApprovalService(ordering),
        build_orchestrator(settings, db, metrics),
        FalloutService(db),
        metrics,
        Hub(db, guard),
        build_dispatcher(settings, db, guard),
        DeliveryQueue(db, ordering.now),
        InventoryService(db, product_schemas),
        InventoryCorrections(db, product_schemas, settings.inventory_writes == "on"),
        build_relay(settings, db, ordering.now),
    )


def event_loops(container: Container) -> list[BackgroundLoop]:
    """The dispatcher (hub deliveries), the escalation of overdue approval cases and, with NATS
    configured, the broker relay.

    The dispatcher's loop waits on the database while its request threads hold the GIL; with
    the default 5 ms slices each of its round trips waited up to that long to go on.
    """
    sys.setswitchinterval(GIL_SLICE_SECONDS)
    poll = container.settings.dispatch_poll_seconds
    loops = [
        BackgroundLoop("tmf-dispatcher", container.dispatcher.step, poll),
        BackgroundLoop(
            "tmf-escalation",
            lambda: container.approvals.escalate_overdue() > 0,
            container.settings.escalation_poll_seconds,
        ),
    ]
    if container.relay is not None:
        loops.append(BackgroundLoop("tmf-broker", container.relay.step, poll))
    settings = container.settings
    if settings.prune_older_than:
        age = retention.parse_age(settings.prune_older_than)

        def prune() -> bool:
            removed = retention.prune(container.db, age, broker=bool(settings.nats_url))
            if any(removed.values()):
                log.info("retention: removed %s", removed)
            return False  # then wait for the next round

        loops.append(BackgroundLoop("tmf-retention", prune, settings.prune_every_seconds))
    return loops


def create_app(
    settings: Settings | None = None, container: Container | None = None
) -> connexion.AsyncApp:
    """The ASGI app serving the TMF APIs (and Swagger UI) on ``container``; called with
    nothing (by uvicorn, in each worker process) it also sets up this process's logging."""
    if settings is None and container is None:
        settings = Settings()
        logs.configure(settings.log_format, settings.log_level)
        tracing.setup()
    settings = settings or (container.settings if container else Settings())
    container = container or build_container(settings)
    assert container.jobs is not None and container.files is not None
    runner = JobRunner(container.jobs)
    orchestrator = container.orchestrator
    worker = BackgroundLoop(
        "tmf-worker", lambda: orchestrator.run_once() > 0, settings.worker_poll_seconds
    )
    loops = event_loops(container)
    metrics = container.metrics
    process_figures = BackgroundLoop("tmf-metrics", metrics.refresh, 5)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        # The parsed documents and validators are ~200k objects that live as long as the
        # process; a full collection walking them pauses every request for ~100 ms.
        gc.collect()
        gc.freeze()
        if metrics.shared:
            process_figures.start()
        if settings.run_jobs:
            runner.start()
        if settings.run_worker:
            worker.start()
            for loop in loops:
                loop.start()
        yield
        for loop in loops:
            loop.stop()
        container.dispatcher.close()
        worker.stop()
        runner.stop()
        process_figures.stop()
        metrics.close()

    app = connexion.AsyncApp(
        __name__,
        specification_dir=str(openapi.DIRECTORY),
        lifespan=lifespan,
        middlewares=_middlewares(settings),
    )
    add_gates(app, settings, metrics)
    apis = {
        "tmf620": OperationResolver(
            CatalogHandlers(container.catalog, settings.public_base_url),
            JobHandlers(container.jobs, runner, settings.public_base_url),
            HubHandlers(container.hub, "tmf620", CATALOG_PATH, settings.public_base_url),
        ),
        "tmf622": OperationResolver(
            OrderHandlers(
                container.ordering, settings.public_base_url, settings.trust_actor_headers
            ),
            CancelHandlers(container.cancellation, settings.public_base_url),
            HubHandlers(container.hub, "tmf622", ORDERING_PATH, settings.public_base_url),
        ),
        "tmf637": OperationResolver(
            ProductHandlers(
                container.inventory,
                container.corrections,
                settings.public_base_url,
                settings.trust_actor_headers,
            ),
            HubHandlers(container.hub, "tmf637", INVENTORY_PATH, settings.public_base_url),
        ),
        "admin": OperationResolver(
            AdminHandlers(container.fallout, container.db, container.deliveries, container.hub),
            ApprovalHandlers(container.approvals, settings.trust_actor_headers),
        ),
    }
    for api, resolver in apis.items():
        app.add_api(
            openapi.spec_path(api).name,
            resolver=resolver,
            validate_responses=settings.validate_responses,
            validator_map={"parameter": NamingParameterValidator, "body": BODY_VALIDATORS},
            # The document is served by ``document_route``: connexion's resolved copy of it is
            # circular where schemas are (a ProductOrderItem holds ProductOrderItems).
            swagger_ui_options=connexion.options.SwaggerUIOptions(
                swagger_ui_path="/docs", serve_spec=False
            ),
        )
        document = openapi.load(api)
        base_path = document["servers"][0]["url"]
        errors.ALLOWED.add(base_path, document["paths"])
        app.add_url_rule(
            f"{base_path}/openapi.json",
            f"{api}_document",
            document_route(api, settings.auth == "jwt"),
            methods=["GET"],
        )
    app.add_error_handler(DomainError, errors.domain_error)
    app.add_error_handler(ProblemException, errors.problem)
    app.add_error_handler(HTTPException, errors.http_error)
    app.add_error_handler(UnicodeDecodeError, errors.undecodable)
    app.add_error_handler(BodyTooLarge, errors.too_large)
    app.add_error_handler(Exception, errors.unexpected)
    app.add_url_rule(
        f"{EXPORT_ROUTE}{{name}}",
        "export_file",
        export_file_route(container.files),
        methods=["GET"],
    )
    app.add_url_rule("/metrics", "metrics", container.metrics.route(), methods=["GET"])
    readiness = Readiness(container.db, container.relay, lambda: [runner, worker, *loops])
    app.add_url_rule("/health", "health", health_route(), methods=["GET"])
    app.add_url_rule("/ready", "ready", ready_route(readiness), methods=["GET"])
    app.container = container
    return app
