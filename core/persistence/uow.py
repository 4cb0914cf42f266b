"""Unit of work: one connection and transaction, so a change and its events commit together."""

from __future__ import annotations

from types import TracebackType

import sqlalchemy as sa

from core.persistence.approvals import ApprovalRepository, PolicyRepository
from core.persistence.cancels import CancelRepository, IdempotencyRepository
from core.persistence.catalog_history import CatalogHistory
from core.persistence.claims import ClaimRepository, OfferingChangeRepository
from core.persistence.compiled import CompiledReads
from core.persistence.counts import CountCache
from core.persistence.events import (
    DeliveryRepository,
    InboxRepository,
    SubscriptionRepository,
)
from core.persistence.fulfillment import ActionRepository, AttemptRepository, TaskRepository
from core.persistence.gauges import GaugeRepository
from core.persistence.inventory import CorrectionRepository, InventoryRepository
from core.persistence.jobs import JobRepository
from core.persistence.ordering import OrderRepository, TimelineRepository
from core.persistence.outbox import OutboxRepository
from core.persistence.repositories import CatalogRepository
from core.persistence.retention import RetentionRepository


class UnitOfWork:
    """``with db.uow() as uow: ...; uow.commit()``; leaving without commit rolls back."""

    catalog: CatalogRepository
    catalog_history: CatalogHistory
    outbox: OutboxRepository
    jobs: JobRepository
    orders: OrderRepository
    timeline: TimelineRepository
    cancels: CancelRepository
    idempotency: IdempotencyRepository
    inventory: InventoryRepository
    corrections: CorrectionRepository
    claims: ClaimRepository
    offering_changes: OfferingChangeRepository
    tasks: TaskRepository
    attempts: AttemptRepository
    actions: ActionRepository
    subscriptions: SubscriptionRepository
    deliveries: DeliveryRepository
    inbox: InboxRepository

    def __init__(
        self,
        engine: sa.Engine,
        write: bool = True,
        snapshot: bool = False,
        counts: CountCache | None = None,
        reads: CompiledReads | None = None,
    ) -> None:
        self._engine = engine
        self._counts = counts
        self._reads = reads
        self._write = write
        self._snapshot = snapshot
        self._connection: sa.Connection | None = None
        self._transaction: sa.RootTransaction | None = None

    def __enter__(self) -> UnitOfWork:
        dialect = self._engine.dialect.name
        options: dict[str, object] = {"write": self._write}
        if dialect == "postgresql" and not self._write:
            # One-statement reads need no transaction (saves BEGIN and ROLLBACK round trips);
            # several reads that must agree (a count and its page) share one snapshot.
            options["isolation_level"] = "REPEATABLE READ" if self._snapshot else "AUTOCOMMIT"
        connection = self._engine.connect().execution_options(**options)
        self._connection = connection
        self._transaction = connection.begin()
        self.catalog = CatalogRepository(connection, dialect, self._counts, self._reads)
        self.catalog_history = CatalogHistory(connection)
        self.outbox = OutboxRepository(connection)
        self.jobs = JobRepository(connection, dialect)
        self.orders = OrderRepository(connection, dialect)
        self.timeline = TimelineRepository(connection)
        self.cancels = CancelRepository(connection, dialect)
        self.idempotency = IdempotencyRepository(connection)
        self.inventory = InventoryRepository(connection, dialect)
        self.corrections = CorrectionRepository(connection)
        self.claims = ClaimRepository(connection)
        self.offering_changes = OfferingChangeRepository(connection)
        self.tasks = TaskRepository(connection)
        self.attempts = AttemptRepository(connection)
        self.actions = ActionRepository(connection)
        self.subscriptions = SubscriptionRepository(connection)
        self.deliveries = DeliveryRepository(connection)
        self.inbox = InboxRepository(connection)
        self.approvals = ApprovalRepository(connection)
        self.policies = PolicyRepository(connection)
        self.gauges = GaugeRepository(connection)
        self.retention = RetentionRepository(connection)
        return self

    def commit(self) -> None:
        assert self._transaction is not None
        if self.catalog.changed:
            self.catalog.bump_generation()  # last, so writers hold the counter row briefly
        self._transaction.commit()

    def rollback(self) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        if self._connection is not None:
            self._connection.close()
