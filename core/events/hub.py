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
from core.requests import RequestContext
from core.timeutil import utc_now


class Hub:
    """Registers and removes listeners; every callback passes the SSRF guard first."""

    def __init__(
        self, db: Database, guard: CallbackGuard, now: Callable[[], str] = utc_now
    ) -> None:
        self.db = db
        self.guard = guard
        self.now = now

    def subscribe(
        self, api: str, body: dict[str, Any], ctx: RequestContext | None = None
    ) -> Subscription:
        """A new listener: 400 for a refused callback or a query that cannot be read. A
        partner's listener is sent only events about its customers."""
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
            str(uuid.uuid4()),
            api,
            callback.strip(),
            query or None,
            secret,
            self.now(),
            owner=ctx.actor if ctx is not None else None,
            party_ids=ctx.party_ids if ctx is not None else None,
        )
        with self.db.uow() as uow:
            uow.subscriptions.add(subscription)
            uow.commit()
        return subscription

    def get(
        self, api: str, subscription_id: str, ctx: RequestContext | None = None
    ) -> Subscription:
        with self.db.uow(write=False) as uow:
            found = uow.subscriptions.get(subscription_id)
        if not _visible(found, api, ctx):
            raise NotFound("hub subscription", subscription_id)
        assert found is not None
        return found

    def unsubscribe(
        self, api: str, subscription_id: str, ctx: RequestContext | None = None
    ) -> None:
        """Removes the listener; what was not yet delivered to it is dropped with it."""
        with self.db.uow() as uow:
            found = uow.subscriptions.get(subscription_id)
            if not _visible(found, api, ctx):
                raise NotFound("hub subscription", subscription_id)
            uow.subscriptions.remove(subscription_id)
            uow.deliveries.drop_of(subscription_id)
            uow.commit()

    def all(self) -> list[Subscription]:
        with self.db.uow(write=False) as uow:
            return uow.subscriptions.all()


def _visible(found: Subscription | None, api: str, ctx: RequestContext | None) -> bool:
    """A subscription exists for the caller when it is of this API and, for a partner, its own."""
    if found is None or found.api != api:
        return False
    return ctx is None or ctx.party_ids is None or found.owner == ctx.actor
