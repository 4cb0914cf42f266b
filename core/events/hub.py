"""The hub: who listens to which API's events (``POST /hub``, ``DELETE /hub/{id}``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from core.errors import InvalidRequest, NotFound
from core.events.callbacks import CallbackGuard
from core.events.filters import EventFilter
from core.events.subscription import Subscription
from core.persistence.database import Database
from core.timeutil import utc_now


class Hub:
    """Registers and removes listeners; every callback passes the SSRF guard first."""

    def __init__(
        self, db: Database, guard: CallbackGuard, now: Callable[[], str] = utc_now
    ) -> None:
        self.db = db
        self.guard = guard
        self.now = now

    def subscribe(self, api: str, body: dict[str, Any]) -> Subscription:
        """A new listener: 400 for a refused callback or a query that cannot be read."""
        callback = body.get("callback")
        if not isinstance(callback, str) or not callback.strip():
            raise InvalidRequest("callback: a URL is required")
        query = body.get("query")
        if query is not None and not isinstance(query, str):
            raise InvalidRequest("query: must be a string of attribute=value filters")
        secret = body.get("secret")
        if secret is not None and (not isinstance(secret, str) or len(secret) < 16):
            raise InvalidRequest("secret: at least 16 characters, used to sign deliveries")
        EventFilter.parse(query)
        self.guard.check(callback.strip())
        subscription = Subscription(
            str(uuid.uuid4()), api, callback.strip(), query or None, secret, self.now()
        )
        with self.db.uow() as uow:
            uow.subscriptions.add(subscription)
            uow.commit()
        return subscription

    def get(self, api: str, subscription_id: str) -> Subscription:
        with self.db.uow(write=False) as uow:
            found = uow.subscriptions.get(subscription_id)
        if found is None or found.api != api:
            raise NotFound("hub subscription", subscription_id)
        return found

    def unsubscribe(self, api: str, subscription_id: str) -> None:
        """Removes the listener; what was not yet delivered to it is dropped with it."""
        with self.db.uow() as uow:
            found = uow.subscriptions.get(subscription_id)
            if found is None or found.api != api:
                raise NotFound("hub subscription", subscription_id)
            uow.subscriptions.remove(subscription_id)
            uow.deliveries.drop_of(subscription_id)
            uow.commit()

    def all(self) -> list[Subscription]:
        with self.db.uow(write=False) as uow:
            return uow.subscriptions.all()
