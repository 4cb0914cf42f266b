"""The outbox repository: domain events stored in the transaction of the change they record."""

from __future__ import annotations

import builtins
from typing import Any

import sqlalchemy as sa

from core import tracing
from core.events.model import DomainEvent
from core.persistence.inserts import Inserts
from core.persistence.tables import outbox

# Held for a transaction by whoever turns events into deliveries, or publishes them, so one
# process does each at a time, in outbox order (PostgreSQL; SQLite has one writer anyway). The
# key is per schema: deployments sharing a database in schemas of their own do not collide.
_LOCK = sa.text("SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || ':' || :purpose))")


def _event(row: Any) -> DomainEvent:
    return DomainEvent(
        event_id=row.event_id,
        event_type=row.event_type,
        resource_kind=row.resource_kind,
        resource_id=row.resource_id,
        occurred_at=row.occurred_at,
        correlation_id=row.correlation_id,
        payload=row.payload,
        seq=row.seq,
        actor=row.actor,
        traceparent=row.traceparent,
    )


class OutboxRepository:
    """The transactional outbox: events written with the change that caused them."""

    def __init__(self, connection: sa.Connection, inserts: Inserts) -> None:
        self._db = connection
        self._inserts = inserts

    def add(self, event: DomainEvent) -> None:
        self.add_many([event])

    def add_many(self, events: list[DomainEvent]) -> None:
        """Insert events in the order given (their sequence numbers follow it)."""
        if not events:
            return
        here = tracing.current()
        self._inserts.add(
            outbox,
            [
                {
                    "event_id": event.event_id,
                    "event_type": event.event_type,
                    "resource_kind": event.resource_kind,
                    "resource_id": event.resource_id,
                    "occurred_at": event.occurred_at,
                    "correlation_id": event.correlation_id,
                    "actor": event.actor,
                    "payload": event.payload,
                    "traceparent": event.traceparent or here,
                }
                for event in events
            ],
        )

    def list(
        self, resource_kind: str | None = None, resource_id: str | None = None
    ) -> builtins.list[DomainEvent]:
        """Events in the order they were written, optionally for one resource."""
        statement = sa.select(outbox).order_by(outbox.c.seq)
        if resource_kind is not None:
            statement = statement.where(outbox.c.resource_kind == resource_kind)
        if resource_id is not None:
            statement = statement.where(outbox.c.resource_id == resource_id)
        return [_event(r) for r in self._db.execute(statement)]

    def try_lock(self, purpose: str) -> bool:
        """Whether this transaction may ``fan-out`` or ``publish`` now (another may be)."""
        if self._db.dialect.name != "postgresql":
            return True
        return bool(self._db.execute(_LOCK, {"purpose": purpose}).scalar_one())

    def unsent(self, limit: int) -> builtins.list[DomainEvent]:
        """The oldest events not yet turned into deliveries to hub subscribers."""
        statement = (
            sa.select(outbox).where(outbox.c.sent_at.is_(None)).order_by(outbox.c.seq).limit(limit)
        )
        return [_event(r) for r in self._db.execute(statement)]

    def mark_sent(self, seqs: builtins.list[int], now: str) -> None:
        if seqs:
            self._db.execute(sa.update(outbox).where(outbox.c.seq.in_(seqs)).values(sent_at=now))

    def unpublished(self, limit: int) -> builtins.list[DomainEvent]:
        """The oldest events not yet published to the broker."""
        statement = (
            sa.select(outbox)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.seq)
            .limit(limit)
        )
        return [_event(r) for r in self._db.execute(statement)]

    def mark_published(self, seqs: builtins.list[int], now: str) -> None:
        if seqs:
            self._db.execute(
                sa.update(outbox).where(outbox.c.seq.in_(seqs)).values(published_at=now)
            )

    def backlog(self) -> dict[str, int]:
        """Events waiting to be fanned out and to be published (for metrics)."""
        row = self._db.execute(
            sa.select(
                sa.func.count().filter(outbox.c.sent_at.is_(None)),
                sa.func.count().filter(outbox.c.published_at.is_(None)),
            )
        ).one()
        return {"unsent": int(row[0]), "unpublished": int(row[1])}
