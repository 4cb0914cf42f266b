"""Unit of work: one connection and transaction, so a change and its events commit together."""

from __future__ import annotations

from types import TracebackType

import sqlalchemy as sa

from core.persistence.repositories import CatalogRepository, JobRepository, OutboxRepository


class UnitOfWork:
    """``with db.uow() as uow: ...; uow.commit()``; leaving without commit rolls back."""

    catalog: CatalogRepository
    outbox: OutboxRepository
    jobs: JobRepository

    def __init__(self, engine: sa.Engine, write: bool = True) -> None:
        self._engine = engine
        self._write = write
        self._connection: sa.Connection | None = None
        self._transaction: sa.RootTransaction | None = None

    def __enter__(self) -> UnitOfWork:
        connection = self._engine.connect().execution_options(write=self._write)
        self._connection = connection
        self._transaction = connection.begin()
        dialect = self._engine.dialect.name
        self.catalog = CatalogRepository(connection, dialect)
        self.outbox = OutboxRepository(connection)
        self.jobs = JobRepository(connection, dialect)
        return self

    def commit(self) -> None:
        assert self._transaction is not None
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
