"""The application factory: reads settings, builds the database, core services and the HTTP app."""

from __future__ import annotations

import logging
import pathlib
from dataclasses import dataclass
from typing import Any

import connexion
import yaml
from connexion.exceptions import ProblemException
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException

import openapi
from core.catalog.lifecycle import DEFAULT_LIFECYCLE, LifecyclePolicy
from core.catalog.service import CatalogService, CatalogSettings
from core.errors import DomainError
from core.persistence.database import Database
from core.schema import ResourceSchemas
from server import errors
from server.settings import Settings
from server.validation import NamingParameterValidator
from tmf620.handlers import CatalogHandlers

log = logging.getLogger("tmf.app")
# Connexion warns on every PATCH because it accepts several content types: noise, by design.
logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)


@dataclass
class Container:
    """Everything the app runs on, built once; tests and the CLI reach in through it."""

    settings: Settings
    db: Database
    catalog: CatalogService


class OperationResolver(Resolver):  # type: ignore[misc]
    """Binds each operationId to a handler of the API's handler object."""

    def __init__(self, handlers: CatalogHandlers) -> None:
        super().__init__()
        self.handlers = handlers

    def resolve_function_from_operation_id(self, operation_id: str) -> Any:
        return self.handlers.resolve(operation_id)


def load_lifecycle(path: str | None) -> LifecyclePolicy:
    if not path:
        return DEFAULT_LIFECYCLE
    return LifecyclePolicy.from_mapping(yaml.safe_load(pathlib.Path(path).read_text()))


def build_container(settings: Settings) -> Container:
    db = Database(settings.database_url)
    schemas = ResourceSchemas(openapi.load("tmf620")["components"]["schemas"])
    catalog_settings = CatalogSettings(
        strict=settings.validation == "strict", lifecycle=load_lifecycle(settings.lifecycle_file)
    )
    return Container(settings, db, CatalogService(db, schemas, catalog_settings))


def create_app(
    settings: Settings | None = None, container: Container | None = None
) -> connexion.AsyncApp:
    """The ASGI app serving TMF620 (and Swagger UI) on ``container``."""
    settings = settings or (container.settings if container else Settings())
    container = container or build_container(settings)
    app = connexion.AsyncApp(__name__, specification_dir=str(openapi.DIRECTORY))
    handlers = CatalogHandlers(container.catalog, settings.public_base_url)
    app.add_api(
        openapi.spec_path("tmf620").name,
        resolver=OperationResolver(handlers),
        validate_responses=settings.validate_responses,
        validator_map={"parameter": NamingParameterValidator},
        swagger_ui_options=connexion.options.SwaggerUIOptions(swagger_ui_path="/docs"),
    )
    document = openapi.load("tmf620")
    errors.ALLOWED.add(document["servers"][0]["url"], document["paths"])
    app.add_error_handler(DomainError, errors.domain_error)
    app.add_error_handler(ProblemException, errors.problem)
    app.add_error_handler(HTTPException, errors.http_error)
    app.add_error_handler(UnicodeDecodeError, errors.undecodable)
    app.add_error_handler(Exception, errors.unexpected)
    app.container = container
    return app
