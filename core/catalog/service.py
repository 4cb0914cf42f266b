"""Catalog use cases: create, read, list, patch, delete; each one unit of work with its events."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core import tracing
from core.catalog import integrity
from core.catalog.kinds import KINDS, CatalogKind
from core.catalog.lifecycle import DEFAULT_LIFECYCLE, LifecyclePolicy
from core.catalog.model import CatalogEntity
from core.catalog.patching import (
    SERVER_OWNED,
    apply_patch,
    identity_sent,
    server_owned_changes,
)
from core.catalog.versioning import content_changed, next_version
from core.errors import Conflict, DomainError, InvalidRequest, NotFound
from core.events.model import Change, resource_event
from core.persistence.database import Database
from core.persistence.uow import UnitOfWork
from core.ports import Clock, IdGenerator, SystemClock, UuidGenerator
from core.query import Query, parse_query
from core.requests import Deletion, RequestContext, require_match
from core.schema import ResourceSchemas
from core.timeutil import format_utc

DOMAIN = "productCatalogManagement"
USERS_SHOWN = 10  # how many of each kind of referrer a refused delete names


@dataclass(frozen=True)
class CatalogSettings:
    strict: bool = True
    lifecycle: LifecyclePolicy = DEFAULT_LIFECYCLE


@dataclass
class CatalogPage:
    entities: list[CatalogEntity]
    total: int
    query: Query = field(default_factory=Query)
    generation: int | None = None  # the catalog generation the page was read at


class CatalogService:
    """The catalog's use cases over one database."""

    def __init__(
        self,
        db: Database,
        schemas: ResourceSchemas,
        settings: CatalogSettings | None = None,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
    ) -> None:
        self.db = db
        self.schemas = schemas
        self.settings = settings or CatalogSettings()
        self.clock = clock or SystemClock()
        self.ids = ids or UuidGenerator()

    # -- reads -----------------------------------------------------------------------------

    def get(self, kind_name: str, entity_id: str, version: str | None = None) -> CatalogEntity:
        with self.db.uow(write=False) as uow:
            entity = uow.catalog.get(kind_name, entity_id, version)
        if entity is None:
            raise NotFound(kind_name, entity_id, version)
        return entity

    def versions(self, kind_name: str, entity_id: str) -> list[CatalogEntity]:
        """Every stored version of one entity, oldest first: its history side by side."""
        with self.db.uow(write=False) as uow:
            found = uow.catalog.versions(KINDS[kind_name].name, entity_id)
        if not found:
            raise NotFound(kind_name, entity_id)
        return found

    def count_by_status(self, kind_name: str) -> dict[str | None, int]:
        """How many current entities of a kind are in each lifecycle status."""
        with self.db.uow(write=False) as uow:
            return uow.catalog.count_by_status(KINDS[kind_name].name)

    def list_query(self, kind_name: str, params: Iterable[tuple[str, str]]) -> Query:
        """Parse TMF630 parameters against the resource's schema (400 on any mistake)."""
        return parse_query(params, self.schemas, KINDS[kind_name].schema)

    def quick_page(self, kind_name: str, params: Iterable[tuple[str, str]]) -> CatalogPage | None:
        """The page when the same request was read quickly before and its total is known;
        None means "use ``get_all``" (a bad query still raises its 400 here)."""
        query = self.list_query(kind_name, params)
        with self.db.uow(write=False) as uow:
            found = uow.catalog.quick_list(KINDS[kind_name].name, query)
        return (
            None
            if found is None
            else CatalogPage(found.entities, found.total, query, found.generation)
        )

    def get_all(self, kind_name: str, params: Iterable[tuple[str, str]]) -> CatalogPage:
        """One page of current entities (or the asked versions) matching TMF630 parameters."""
        kind = KINDS[kind_name]
        query = self.list_query(kind_name, params)
        with self.db.uow(write=False) as uow:
            cached = uow.catalog.cached_list(kind.name, query)
        if cached is None:
            with self.db.uow(write=False, snapshot=True) as uow:
                cached = uow.catalog.list(kind.name, query)
        return CatalogPage(cached.entities, cached.total, query, cached.generation)

    def generation(self) -> int | None:
        """The catalog's change counter: a page read at this generation is still exact."""
        return self.db.catalog_generation()

    # -- changes ---------------------------------------------------------------------------

    @tracing.traced("catalog.create")
    def create(
        self,
        kind_name: str,
        body: dict[str, Any],
        ctx: RequestContext,
        entity_id: str | None = None,
    ) -> CatalogEntity:
        """Create version 1 of an entity; ``entity_id`` is for seeding and import, not clients."""
        with self.db.uow() as uow:
            entity = self.create_in(uow, KINDS[kind_name], body, ctx, entity_id)
            uow.commit()
        return entity

    @tracing.traced("catalog.patch")
    def patch(
        self,
        kind_name: str,
        entity_id: str,
        patch: Any,
        patch_format: str,
        ctx: RequestContext,
        if_match: str | None = None,
    ) -> CatalogEntity:
        kind = KINDS[kind_name]
        with self.db.uow() as uow:
            current = self._current_for_change(uow, kind, entity_id, if_match)
            document = apply_patch(current.document, patch, patch_format)
            if document == current.document:
                return current
            entity = self.change_in(uow, kind, current, document, ctx)
            uow.commit()
        return entity

    def create_in(
        self,
        uow: UnitOfWork,
        kind: CatalogKind,
        body: dict[str, Any],
        ctx: RequestContext,
        entity_id: str | None = None,
    ) -> CatalogEntity:
        """Create inside the caller's unit of work (which commits); 400 with every problem."""
        problems = identity_sent(body)
        document = copy.deepcopy(body)
        entity_id = entity_id or self.ids.new_id()
        now = self._now()
        document.update(id=entity_id, href=_href(ctx, kind, entity_id), lastUpdate=now)
        document.setdefault("@type", kind.schema)
        if not document.get("version"):
            document["version"] = "1.0"
        problems.extend(self._status_problems(document, default=self.settings.lifecycle.initial))
        problems.extend(self.schemas.check(kind.schema, document))
        problems.extend(integrity.check(kind, entity_id, document, None, self._ctx(uow, now)))
        if problems:
            raise InvalidRequest(problems, f"Invalid {kind.name}")
        entity = CatalogEntity(
            kind.name, entity_id, document["version"], document, changed_by=ctx.actor
        )
        uow.catalog.add(entity)
        self._emit(uow, kind, "Create", document, now, ctx)
        return entity

    def change_in(
        self,
        uow: UnitOfWork,
        kind: CatalogKind,
        current: CatalogEntity,
        document: dict[str, Any],
        ctx: RequestContext,
    ) -> CatalogEntity:
        """Store ``document`` as the new state of ``current``: in place, or as a new version."""
        entity_id = current.id
        problems = server_owned_changes(current.document, document, SERVER_OWNED)
        problems.extend(self._status_problems(document, default=None))
        if not document.get("version"):
            problems.append("version cannot be removed")
        problems.extend(self.schemas.check(kind.schema, document))
        if problems:
            raise InvalidRequest(problems, f"Invalid change to {kind.name}")
        old_status, new_status = current.lifecycle_status, document["lifecycleStatus"]
        if old_status:
            self.settings.lifecycle.check_transition(kind.name, entity_id, old_status, new_status)
        now = self._now()
        document["lastUpdate"] = now
        changed = content_changed(current.document, document) or (
            document["version"] != current.version
        )
        new_version = self.settings.lifecycle.is_released(old_status) and changed
        taken = {v.version for v in uow.catalog.versions(kind.name, entity_id)} - {current.version}
        if new_version and document["version"] == current.version:
            document["version"] = next_version(current.version, taken | {current.version})
        if document["version"] in taken:
            raise Conflict(
                f"{kind.name} {entity_id!r} already has a version {document['version']!r}"
            )
        problems = integrity.check(kind, entity_id, document, old_status, self._ctx(uow, now))
        if problems:
            raise InvalidRequest(problems, f"Invalid change to {kind.name}")
        if new_version:
            uow.catalog.supersede(current)
            entity = CatalogEntity(
                kind.name, entity_id, document["version"], document, changed_by=ctx.actor
            )
            uow.catalog.add(entity)
        else:
            entity = CatalogEntity(
                kind.name,
                entity_id,
                document["version"],
                document,
                current.row_version + 1,
                changed_by=ctx.actor,
            )
            uow.catalog.update(current, entity)
        if new_status != old_status:
            self._emit(uow, kind, "StateChange", document, now, ctx)
        if changed:
            self._emit(uow, kind, "AttributeValueChange", document, now, ctx)
        return entity

    @tracing.traced("catalog.delete")
    def delete(
        self, kind_name: str, entity_id: str, ctx: RequestContext, if_match: str | None = None
    ) -> None:
        """Delete an entity from the catalog: its versions are archived, never erased. In
        strict mode a released entity (history) or one still used is a 409 saying why."""
        kind = KINDS[kind_name]
        with self.db.uow() as uow:
            current = self._current_for_change(uow, kind, entity_id, if_match)
            now = self._now()
            if self.settings.strict:
                self._refuse_losing_history(uow, kind, current)
                users = self._users(uow, kind, entity_id, now)
                if users:
                    raise Conflict(
                        f"{kind.name} {entity_id!r} is still referred to by {', '.join(users)}",
                        "Entity in use",
                    )
            uow.catalog_history.archive(kind.name, entity_id, Deletion(now, ctx.actor))
            uow.catalog.delete(kind.name, entity_id, current.row_version)
            self._emit(uow, kind, "Delete", current.document, now, ctx)
            uow.commit()

    def _refuse_losing_history(
        self, uow: UnitOfWork, kind: CatalogKind, current: CatalogEntity
    ) -> None:
        """A version that was released may have been sold: it stays, the entity is retired."""
        lifecycle = self.settings.lifecycle
        released = [
            v
            for v in uow.catalog.versions(kind.name, current.id)
            if lifecycle.is_released(v.lifecycle_status)
        ]
        if not released:
            return
        seen = ", ".join(f"{v.version} {v.lifecycle_status}" for v in released)
        targets = lifecycle.retirements(current.lifecycle_status)
        advice = (
            f"retire it instead (lifecycleStatus {' or '.join(repr(t) for t in targets)})"
            if targets
            else f"it is {current.lifecycle_status} and stays as history"
        )
        raise Conflict(
            f"{kind.name} {current.id!r} was released ({seen}): released versions are kept as "
            f"catalog history and cannot be deleted; {advice}",
            "Released entity",
        )

    def _users(self, uow: UnitOfWork, kind: CatalogKind, entity_id: str, now: str) -> list[str]:
        """What refers to the entity: current entities, orders priced against one of its
        versions, installed products of it (each list cut at ``USERS_SHOWN``)."""
        users = integrity.referrers(kind, entity_id, self._ctx(uow, now))
        orders = uow.catalog_history.orders_using(kind.name, entity_id, USERS_SHOWN)
        users.extend(f"productOrder {o!r}" for o in orders)
        if kind.name == "productOffering":
            products = uow.inventory.of_offering(entity_id, USERS_SHOWN)
            users.extend(f"product {p!r}" for p in products)
        return users

    def audit(self) -> dict[tuple[str, str], list[str]]:
        """Integrity problems of every stored current entity, e.g. after a raw legacy load."""
        found: dict[tuple[str, str], list[str]] = {}
        with self.db.uow(write=False, snapshot=True) as uow:
            ctx = self._ctx(uow, self._now())
            for kind in KINDS.values():
                for entity in uow.catalog.all(kind.name, Query()):
                    problems = integrity.check(kind, entity.id, entity.document, None, ctx)
                    if problems:
                        found[(kind.name, entity.id)] = problems
        return found

    # -- helpers ---------------------------------------------------------------------------

    def _current_for_change(
        self, uow: UnitOfWork, kind: CatalogKind, entity_id: str, if_match: str | None
    ) -> CatalogEntity:
        current = uow.catalog.get(kind.name, entity_id)
        if current is None:
            raise NotFound(kind.name, entity_id)
        require_match(if_match, current.etag, f"{kind.name} {entity_id!r}")
        return current

    def _status_problems(self, document: dict[str, Any], default: str | None) -> list[str]:
        status = document.get("lifecycleStatus")
        if status is None and default is not None:
            document["lifecycleStatus"] = default
            return []
        if not isinstance(status, str) or not status.strip():
            return ["lifecycleStatus cannot be removed or empty"]
        try:
            document["lifecycleStatus"] = self.settings.lifecycle.canonical(status)
        except DomainError as error:
            return [error.message]
        return []

    def _ctx(self, uow: UnitOfWork, now: str) -> integrity.IntegrityContext:
        return integrity.IntegrityContext(
            uow.catalog, self.schemas, self.settings.lifecycle, self.settings.strict, now
        )

    def _emit(
        self,
        uow: UnitOfWork,
        kind: CatalogKind,
        change: Change,
        document: dict[str, Any],
        now: str,
        ctx: RequestContext,
    ) -> None:
        uow.outbox.add(
            resource_event(
                resource_kind=kind.name,
                change=change,
                document=document,
                event_id=self.ids.new_id(),
                occurred_at=now,
                correlation_id=ctx.correlation_id,
                domain=DOMAIN,
                actor=ctx.actor,
            )
        )

    def _now(self) -> str:
        return format_utc(self.clock.now())


def _href(ctx: RequestContext, kind: CatalogKind, entity_id: str) -> str:
    return f"{ctx.base_url.rstrip('/')}/{kind.name}/{entity_id}"
