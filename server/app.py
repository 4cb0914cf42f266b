"""The application factory: reads settings, builds the database, core services and the HTTP app."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any, Protocol

import connexion
from connexion.exceptions import ProblemException
from connexion.middleware import ConnexionMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException
from starlette.responses import Response

import openapi
from adapters.files import EXPORT_ROUTE
from console.app import add_console, console_sign_in
from core.errors import DomainError
from server import errors, http, logs, tracing
from server.admin import AdminHandlers
from server.approvals import ApprovalHandlers
from server.background import BackgroundLoop, JobRunner
from server.container import Container, build_container, event_loops
from server.gates import APIS, add_gates, build_verifier
from server.guard import BodyTooLarge
from server.hub import HubHandlers
from server.probes import Readiness, health_route, ready_route
from server.settings import Settings
from server.threads import REQUEST_THREADS
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


def _middlewares(settings: Settings) -> list[Any]:
    """Connexion's stack without the layers that would do nothing here (each costs per request)."""
    unused: set[type] = set()
    if not settings.validate_responses:
        unused.add(ResponseValidationMiddleware)
    if not any(openapi.load(a).get("components", {}).get("securitySchemes") for a in APIS):
        unused.add(SecurityMiddleware)
    return [m for m in ConnexionMiddleware.default_middlewares if m not in unused]


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
    REQUEST_THREADS.configure(settings.request_threads)
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
    verifier = build_verifier(settings) if settings.auth == "jwt" else None
    sign_in = console_sign_in(settings, verifier)
    add_gates(app, settings, metrics, verifier, sign_in.cookies if sign_in else None)
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
    add_console(app, container, sign_in)
    app.add_url_rule("/metrics", "metrics", container.metrics.route(), methods=["GET"])
    readiness = Readiness(container.db, container.relay, lambda: [runner, worker, *loops])
    app.add_url_rule("/health", "health", health_route(), methods=["GET"])
    app.add_url_rule("/ready", "ready", ready_route(readiness), methods=["GET"])
    app.container = container
    return app
