"""Notifications from the systems we call: a TMF641 service order that changed state.

A provisioning system that reports back saves us waiting for the next poll: the task that
waits on that service order is made due now, and the worker asks its status at once. Each
notification is recorded in the inbox in the same transaction, so a repeated one (at-least-once
delivery) changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.errors import InvalidRequest
from core.persistence.database import Database

SOURCE = "tmf641"


class ProvisioningNotices:
    def __init__(self, db: Database, now: Callable[[], str]) -> None:
        self.db = db
        self.now = now

    def receive(self, notification: dict[str, Any]) -> tuple[bool, int]:
        """(whether it was new, how many tasks it hurried)."""
        event_id = notification.get("eventId")
        order = (notification.get("event") or {}).get("serviceOrder") or {}
        reference = order.get("id") if isinstance(order, dict) else None
        if not isinstance(event_id, str) or not event_id:
            raise InvalidRequest("eventId: required")
        if not isinstance(reference, str) or not reference:
            raise InvalidRequest("event.serviceOrder.id: required")
        with self.db.uow() as uow:
            now = self.now()
            if not uow.inbox.accept(event_id, SOURCE, now):
                return False, 0
            hurried = uow.tasks.hurry(reference, now)
            uow.commit()
        return True, hurried
