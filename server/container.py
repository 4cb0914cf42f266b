"""The container: settings turned into the database, the core services, the adapters and the
background loops, built once per process; the app and the command line run on it."""

from __future__ import annotations

import logging
import os
import pathlib
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass

import yaml

import openapi
from adapters.files import LocalCatalogFiles
from adapters.http.webhook import HttpNotificationSender
from adapters.registry import AdapterContext, load_systems
from core import retention
from core.approval.policy import DEFAULT_POLICY_FILE, Policy
from core.approval.service import ApprovalService
from core.catalog.jobs import CatalogJobs
from core.catalog.lifecycle import DEFAULT_LIFECYCLE, LifecyclePolicy
from core.catalog.service import CatalogService, CatalogSettings
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
from server.background import BackgroundLoop
from server.metrics import Metrics
from server.settings import Settings
from tmf620 import BASE_PATH as CATALOG_PATH
from tmf622 import BASE_PATH as ORDERING_PATH
from tmf637 import BASE_PATH as INVENTORY_PATH

log = logging.getLogger("tmf.app")


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
    db = db or Database(settings.database_url, settings.exact_total_up_to or None)
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
