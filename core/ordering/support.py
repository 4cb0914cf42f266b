"""What the ordering use cases share: settings, the clock, ids, events and idempotency keys."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from core.catalog.lifecycle import DEFAULT_LIFECYCLE, LifecyclePolicy
from core.errors import Conflict
from core.events.model import Change, resource_event
from core.persistence.database import Database
from core.persistence.uow import UnitOfWork
from core.ports import Clock, IdGenerator, SystemClock, UuidGenerator
from core.requests import RequestContext
from core.schema import ResourceSchemas
from core.timeutil import format_utc

DOMAIN = "productOrderingManagement"
T = TypeVar("T")


@dataclass(frozen=True)
class OrderingSettings:
    strict: bool = True
    lifecycle: LifecyclePolicy = DEFAULT_LIFECYCLE


def request_hash(body: Any) -> str:
    """Hash of a request body as canonical JSON: equal bodies, equal hashes."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class UseCases:
    """Base of the ordering services: one database, schemas, settings, clock and ids."""

    def __init__(
        self,
        db: Database,
        schemas: ResourceSchemas,
        settings: OrderingSettings | None = None,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
    ) -> None:
        self.db = db
        self.schemas = schemas
        self.settings = settings or OrderingSettings()
        self.clock = clock or SystemClock()
        self.ids = ids or UuidGenerator()

    def now(self) -> str:
        return format_utc(self.clock.now())

    def emit(
        self,
        uow: UnitOfWork,
        kind: str,
        change: Change,
        document: dict[str, Any],
        now: str,
        ctx: RequestContext,
    ) -> None:
        uow.outbox.add(
            resource_event(
                resource_kind=kind,
                change=change,
                document=document,
                event_id=self.ids.new_id(),
                occurred_at=now,
                correlation_id=ctx.correlation_id,
                domain=DOMAIN,
            )
        )

    def replay(
        self, scope: str, key: str | None, body: Any, load: Callable[[UnitOfWork, str], T | None]
    ) -> T | None:
        """What an earlier request with this Idempotency-Key created, if it sent the same body.

        The same key with another body is a 409; a key whose resource is gone is a 409 too.
        """
        if key is None:
            return None
        with self.db.uow(write=False) as uow:
            stored = uow.idempotency.get(scope, key)
            if stored is None:
                return None
            stored_hash, resource_id = stored
            if stored_hash != request_hash(body):
                raise Conflict(
                    f"Idempotency-Key {key!r} was used for a different {scope} request",
                    "Idempotency key reused",
                )
            found = load(uow, resource_id)
        if found is None:
            raise Conflict(
                f"Idempotency-Key {key!r} created {scope} {resource_id!r}, which has been deleted",
                "Idempotency key reused",
            )
        return found


def href(ctx: RequestContext, kind: str, resource_id: str) -> str:
    return f"{ctx.base_url.rstrip('/')}/{kind}/{resource_id}"
