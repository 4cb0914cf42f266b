"""The broker relay: outbox events not yet published go to the broker, in outbox order."""

from __future__ import annotations

import logging
from collections.abc import Callable

from core.events.model import DomainEvent
from core.persistence.database import Database
from core.persistence.uow import UnitOfWork

log = logging.getLogger("tmf.events")
BATCH = 500


class BrokerRelay:
    """One publisher at a time (a lock); a batch is marked published only once the broker
    acknowledged all of it, so an outage only delays publication, it never loses an event."""

    def __init__(
        self,
        db: Database,
        publish: Callable[[list[DomainEvent]], None],
        now: Callable[[], str],
        batch: int = BATCH,
    ) -> None:
        self.db = db
        self.publish = publish
        self.now = now
        self.batch = batch
        self.failing = False

    def step(self) -> bool:
        """Publish one batch; whether it did (False when idle or the broker is away).

        On PostgreSQL the batch is read, published and marked under one transaction holding
        the publish lock (other writers are not blocked). SQLite has a single writer lock, which
        must not wait on the network: the batch is read, published, then marked.
        """
        hold = self.db.dialect == "postgresql"
        with self.db.uow(write=hold) as uow:
            if hold and not uow.outbox.try_lock("publish"):
                return False
            events = uow.outbox.unpublished(self.batch)
            if not events or not self._send(events):
                return False
            if hold:
                self._mark(uow, events)
                return True
        with self.db.uow() as uow:
            self._mark(uow, events)
        return True

    def _send(self, events: list[DomainEvent]) -> bool:
        try:
            self.publish(events)
        except Exception as error:
            if not self.failing:  # once per outage, not once per poll
                log.warning("broker unavailable, events wait in the outbox: %s", error)
            self.failing = True
            return False
        if self.failing:
            log.info("broker back: publishing resumed")
            self.failing = False
        return True

    def _mark(self, uow: UnitOfWork, events: list[DomainEvent]) -> None:
        uow.outbox.mark_published([e.seq for e in events if e.seq is not None], self.now())
        uow.commit()
