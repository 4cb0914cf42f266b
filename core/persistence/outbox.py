"""The outbox repository: domain events stored in the transaction of the change they record."""

from __future__ import annotations

import sqlalchemy as sa

from core.events.model import DomainEvent
from core.persistence.tables import outbox


class OutboxRepository:
    """The transactional outbox: events written with the change that caused them."""

    def __init__(self, connection: sa.Connection) -> None:
        self._db = connection

    def add(self, event: DomainEvent) -> None:
        self.add_many([event])

    def add_many(self, events: list[DomainEvent]) -> None:
        """Insert events in the order given (their sequence numbers follow it)."""
        if not events:
            return
        self._db.execute(
            sa.insert(outbox),
            [
                {
                    "event_id": event.event_id,
                    "event_type": event.event_type,
                    "resource_kind": event.resource_kind,
                    "resource_id": event.resource_id,
                    "occurred_at": event.occurred_at,
                    "correlation_id": event.correlation_id,
                    "payload": event.payload,
                }
                for event in events
            ],
        )

    def list(
        self, resource_kind: str | None = None, resource_id: str | None = None
    ) -> list[DomainEvent]:
        """Events in the order they were written, optionally for one resource."""
        statement = sa.select(outbox).order_by(outbox.c.seq)
        if resource_kind is not None:
            statement = statement.where(outbox.c.resource_kind == resource_kind)
        if resource_id is not None:
            statement = statement.where(outbox.c.resource_id == resource_id)
        return [
            DomainEvent(
                event_id=r.event_id,
                event_type=r.event_type,
                resource_kind=r.resource_kind,
                resource_id=r.resource_id,
                occurred_at=r.occurred_at,
                correlation_id=r.correlation_id,
                payload=r.payload,
            )
            for r in self._db.execute(statement)
        ]
