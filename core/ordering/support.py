"""What the ordering use cases share: settings, the clock, ids, events and idempotency keys."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from core.approval.policy import Policy
from core.canonical import sha256_of
from core.catalog.lifecycle import DEFAULT_LIFECYCLE, LifecyclePolicy
from core.errors import Conflict, NotFound
from core.events.model import Change, DomainEvent, resource_event
from core.persistence.database import Database
from core.persistence.listing import Found
from core.persistence.uow import UnitOfWork
from core.ports import Clock, IdGenerator, SystemClock, UuidGenerator
from core.query import Query, parse_query
from core.requests import Deletion, RequestContext
from core.schema import ResourceSchemas
from core.timeutil import format_utc

DOMAIN = "productOrderingManagement"
T = TypeVar("T")


class Archived(Protocol):
    """What the ordering resources share: a deletion archives them, never erases them."""

    deleted: Deletion | None


R = TypeVar("R", bound=Archived)


@dataclass
class Page(Generic[T]):
    """One page of a list and the number of all matches (an estimate when not ``exact``)."""

    items: list[T]
    total: int
    query: Query
    exact: bool = True


@dataclass(frozen=True)
class OrderingSettings:
    strict: bool = True
    lifecycle: LifecyclePolicy = DEFAULT_LIFECYCLE
    # Once a task of this port has succeeded (or may have), a cancellation is refused ("none":
    # never refused while an item is not completed).
    point_of_no_return: str = "billing"
    # Orders whose price snapshot a rule of this policy asks about wait, pending, for approval.
    approval_policy: Policy | None = None


def request_hash(body: Any) -> str:
    """Hash of a request body as canonical JSON: equal bodies, equal hashes."""
    return sha256_of(body)


class UseCases(Generic[R]):
    """Base of the ordering services: one database, schemas, settings, clock and ids, and the
    reads every resource has (get by id, list with a TMF630 query)."""

    kind: str
    schema: str

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

    def load(self, uow: UnitOfWork, resource_id: str) -> R | None:
        raise NotImplementedError

    def find(
        self, uow: UnitOfWork, query: Query, parties: frozenset[str] | None = None
    ) -> Found[R]:
        """One page of matches, only of orders for ``parties`` when given."""
        raise NotImplementedError

    def party_of(self, uow: UnitOfWork, resource: R) -> str | None:
        """The customer a resource is for: what decides whether a partner may see it."""
        raise NotImplementedError

    def visible(self, uow: UnitOfWork, resource_id: str, ctx: RequestContext | None) -> R | None:
        """The resource if it exists for the caller: not deleted, and for a partner one of
        its customers'."""
        found = self.load(uow, resource_id)
        if found is None or found.deleted is not None:
            return None
        if ctx is None or ctx.party_ids is None:
            return found
        return found if ctx.sees_party(self.party_of(uow, found)) else None

    def get(self, resource_id: str, ctx: RequestContext | None = None) -> R:
        with self.db.uow(write=False) as uow:
            found = self.visible(uow, resource_id, ctx)
        if found is None:
            raise NotFound(self.kind, resource_id)
        return found

    def list_query(self, params: Iterable[tuple[str, str]]) -> Query:
        """Parse TMF630 parameters against the resource's schema (400 on any mistake)."""
        return parse_query(params, self.schemas, self.schema)

    def get_all(
        self, params: Iterable[tuple[str, str]], ctx: RequestContext | None = None
    ) -> Page[R]:
        return self.page(self.list_query(params), ctx)

    def page(self, query: Query, ctx: RequestContext | None = None) -> Page[R]:
        """One page of a parsed query, only of the caller's customers for a partner."""
        parties = ctx.party_ids if ctx is not None else None
        with self.db.uow(write=False) as uow:  # the page and its count: one statement
            found = self.find(uow, query, parties)
        return Page(found.items, found.total, query, found.exact)

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
            ordering_event(
                kind, change, document, self.ids.new_id(), now, ctx.correlation_id, ctx.actor
            )
        )

    def key_scope(self, ctx: RequestContext) -> str:
        """Where an Idempotency-Key is unique: per resource kind, and per partner for a partner
        (one partner's keys neither collide with nor reveal another's)."""
        if ctx.party_ids is None:
            return self.kind
        return f"{self.kind}@{sha256_of(ctx.actor)[:16]}"

    def replay(self, key: str | None, body: Any, ctx: RequestContext) -> R | None:
        """What an earlier request with this Idempotency-Key created, if it sent the same body.

        The same key with another body is a 409; a key whose resource is gone is a 409 too.
        """
        if key is None:
            return None
        scope = self.key_scope(ctx)
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
            found = self.visible(uow, resource_id, ctx)
        if found is None:
            raise Conflict(
                f"Idempotency-Key {key!r} created {scope} {resource_id!r}, which has been deleted",
                "Idempotency key reused",
            )
        return found


def ordering_event(
    kind: str,
    change: Change,
    document: dict[str, Any],
    event_id: str,
    now: str,
    correlation_id: str | None,
    actor: str | None = None,
    traceparent: str | None = None,
) -> DomainEvent:
    """The TMF622 event of a change to an order or a cancellation request."""
    return resource_event(
        resource_kind=kind,
        change=change,
        document=document,
        event_id=event_id,
        occurred_at=now,
        correlation_id=correlation_id,
        domain=DOMAIN,
        actor=actor,
        traceparent=traceparent,
    )


def href(ctx: RequestContext, kind: str, resource_id: str) -> str:
    return f"{ctx.base_url.rstrip('/')}/{kind}/{resource_id}"
