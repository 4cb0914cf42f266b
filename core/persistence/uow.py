"""Unit of work: one connection and transaction, so a change and its events commit together."""

from __future__ import annotations

import functools
from types import TracebackType

import sqlalchemy as sa

from core.persistence.approvals import ApprovalRepository, PolicyRepository
from core.persistence.cancels import CancelRepository, IdempotencyRepository
from core.persistence.catalog_cache import EntityCache
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
from core.persistence.inserts import Inserts
from core.persistence.inventory import CorrectionRepository, InventoryRepository
from core.persistence.jobs import JobRepository
from core.persistence.listing import EXACT_TOTAL_UP_TO
from core.persistence.ordering import OrderRepository, TimelineRepository
from core.persistence.outbox import OutboxRepository
from core.persistence.repositories import CatalogRepository
from core.persistence.retention import RetentionRepository
from core.persistence.transactions import applies, defer_begin, end, forget


class UnitOfWork:
    """``with db.uow() as uow: ...; uow.commit()``; leaving without commit rolls back.

    Repositories are made when first used: most units of work touch one or two of them, and a
    read on the hot path should not build twenty.
    """

    def __init__(
        self,
        engine: sa.Engine,
        write: bool = True,
        snapshot: bool = False,
        counts: CountCache | None = None,
        reads: CompiledReads | None = None,
        exact_total_up_to: int | None = None,
        entities: EntityCache | None = None,
    ) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        self._counts = counts
        self._reads = reads
        self._exact_total_up_to = exact_total_up_to
        self._entities = entities
        self._write = write
        self._snapshot = snapshot
        self._connection: sa.Connection | None = None
        self._transaction: sa.RootTransaction | None = None
        self._info: dict[object, object] = {}  # the pooled connection's, kept for the exit

    def __enter__(self) -> UnitOfWork:
        options: dict[str, object] = {"write": self._write}
        if self._exact_total_up_to is not None:
            options[EXACT_TOTAL_UP_TO] = self._exact_total_up_to
        connection = self._engine.connect()
        deferring = self._write and not self._snapshot and applies(self._engine)
        if self._dialect == "postgresql" and not self._write:
            # One-statement reads need no transaction (saves BEGIN and ROLLBACK round trips);
            # several reads that must agree (a count and its page) share one snapshot.
            options["isolation_level"] = "REPEATABLE READ" if self._snapshot else "AUTOCOMMIT"
        elif deferring:  # reads first, then the transaction from the first write on
            options["isolation_level"] = "AUTOCOMMIT"
        connection = connection.execution_options(**options)
        self._info = connection.info
        if deferring:
            defer_begin(connection)
        self._connection = connection
        self._transaction = connection.begin()
        return self

    @property
    def _open(self) -> sa.Connection:
        """The unit's connection (repositories are only used inside ``with``)."""
        assert self._connection is not None, "use the unit of work inside `with`"
        return self._connection

    @functools.cached_property
    def inserts(self) -> Inserts:
        """The unit's queued inserts (sent before its next statement and before it commits)."""
        return Inserts(self._open, self._dialect)

    @functools.cached_property
    def catalog(self) -> CatalogRepository:
        return CatalogRepository(
            self._open, self._dialect, self._counts, self._reads, self._entities
        )

    @functools.cached_property
    def catalog_history(self) -> CatalogHistory:
        return CatalogHistory(self._open)

    @functools.cached_property
    def outbox(self) -> OutboxRepository:
        return OutboxRepository(self._open, self.inserts)

    @functools.cached_property
    def jobs(self) -> JobRepository:
        return JobRepository(self._open, self._dialect)

    @functools.cached_property
    def orders(self) -> OrderRepository:
        return OrderRepository(self._open, self._dialect, self.inserts, self._reads)

    @functools.cached_property
    def timeline(self) -> TimelineRepository:
        return TimelineRepository(self._open, self.inserts)

    @functools.cached_property
    def cancels(self) -> CancelRepository:
        return CancelRepository(self._open, self._dialect)

    @functools.cached_property
    def idempotency(self) -> IdempotencyRepository:
        return IdempotencyRepository(self._open, self.inserts)

    @functools.cached_property
    def inventory(self) -> InventoryRepository:
        return InventoryRepository(self._open, self._dialect)

    @functools.cached_property
    def corrections(self) -> CorrectionRepository:
        return CorrectionRepository(self._open)

    @functools.cached_property
    def claims(self) -> ClaimRepository:
        return ClaimRepository(self._open)

    @functools.cached_property
    def offering_changes(self) -> OfferingChangeRepository:
        return OfferingChangeRepository(self._open, self.inserts)

    @functools.cached_property
    def tasks(self) -> TaskRepository:
        return TaskRepository(self._open)

    @functools.cached_property
    def attempts(self) -> AttemptRepository:
        return AttemptRepository(self._open)

    @functools.cached_property
    def actions(self) -> ActionRepository:
        return ActionRepository(self._open)

    @functools.cached_property
    def subscriptions(self) -> SubscriptionRepository:
        return SubscriptionRepository(self._open)

    @functools.cached_property
    def deliveries(self) -> DeliveryRepository:
        return DeliveryRepository(self._open)

    @functools.cached_property
    def inbox(self) -> InboxRepository:
        return InboxRepository(self._open)

    @functools.cached_property
    def approvals(self) -> ApprovalRepository:
        return ApprovalRepository(self._open, self.inserts)

    @functools.cached_property
    def policies(self) -> PolicyRepository:
        return PolicyRepository(self._open, self._reads)

    @functools.cached_property
    def gauges(self) -> GaugeRepository:
        return GaugeRepository(self._open)

    @functools.cached_property
    def retention(self) -> RetentionRepository:
        return RetentionRepository(self._open)

    def newest_policy_version(self) -> str | None:
        """The approval policy version in force; order capture asks the catalog's generation
        next, so it comes in the same read and the catalog repository answers with it."""
        version, generation = self.policies.newest_version_and_generation()
        self.catalog.know_generation(generation)
        return version

    def commit(self) -> None:
        assert self._transaction is not None and self._connection is not None
        bump = "catalog" in self.__dict__ and self.catalog.changed
        if "inserts" in self.__dict__:
            self.inserts.flush(last=not bump)
        if bump:
            self.catalog.bump_generation()  # last, so writers hold the counter row briefly
        self._transaction.commit()
        end(self._connection)

    def rollback(self) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if "inserts" in self.__dict__:
            self.inserts.close()
        forget(self._info)
        self.rollback()
        if self._connection is not None:
            self._connection.close()
