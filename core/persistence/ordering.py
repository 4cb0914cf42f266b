"""Repositories of orders and their timeline."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError

from core.errors import Conflict
from core.ordering.model import (
    ProductOrder,
    TimelineEntry,
    duplicate_external_id,
    names_other_parties,
)
from core.ordering.states import ORDER_FINAL
from core.persistence.claims import OfferingChangeRepository
from core.persistence.compiled import CompiledReads
from core.persistence.inserts import Inserts, flush_queued
from core.persistence.listing import Found, list_page, quick_page
from core.persistence.order_pages import page_key, rendered_text, texts
from core.persistence.tables import order_timeline, product_order
from core.query.ast import Condition, Query
from core.query.sql import QueryCompiler
from core.requests import Deletion

_O = product_order


# Reads by id are the hot path: the statement is built once.
_ORDER_COLUMNS = (
    _O.c.order_id,
    _O.c.document,
    _O.c.snapshot,
    _O.c.row_version,
    _O.c.correlation_id,
    _O.c.deleted_at,
    _O.c.deleted_by,
    _O.c.traceparent,
)
_ORDER_WITHOUT_SNAPSHOT = tuple(c for c in _ORDER_COLUMNS if c.name != "snapshot")
_GET_ORDER = sa.select(*_ORDER_COLUMNS).where(_O.c.order_id == sa.bindparam("order_id"))
# What fulfillment changes in an order it holds locked: one prebuilt statement for many orders.
_LOCKED_COLUMNS = ("order_id", "state", "last_update", "row_version", "document", "other_parties")
_UPDATE_LOCKED = (
    sa.update(_O)
    .where(
        _O.c.order_id == sa.bindparam("p_order_id"),
        _O.c.row_version == sa.bindparam("p_old_version"),
    )
    .values({c: sa.bindparam(f"p_{c}") for c in _LOCKED_COLUMNS if c != "order_id"})
)


def deletion_of(row: Any) -> Deletion | None:
    return Deletion(row.deleted_at, row.deleted_by) if row.deleted_at else None


def _order(row: Any, with_snapshot: bool = True) -> ProductOrder:
    return ProductOrder(
        row.order_id,
        row.document,
        row.snapshot if with_snapshot else None,
        row.row_version,
        row.correlation_id,
        deleted=deletion_of(row),
        traceparent=row.traceparent,
    )


def _order_values(order: ProductOrder, now: str) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "state": order.state,
        "customer_key": order.customer_id or "",
        "external_id": order.external_id,
        "order_date": order.document["orderDate"],
        "last_update": now,
        "row_version": order.row_version,
        "correlation_id": order.correlation_id,
        "document": order.document,
        "snapshot": order.snapshot,
        "traceparent": order.traceparent,
        "other_parties": names_other_parties(order.document),
    }


_PARTY_ID = ("relatedParty", "id")
# Written out so that it is the expression PostgreSQL's index of flagged orders is built on.
_PARTIES = sa.type_coerce(sa.literal_column("product_order.document -> 'relatedParty'"), JSONB)


class OrderRepository:
    """Product orders: one row each, the document plus the columns that are queried."""

    def __init__(
        self,
        connection: sa.Connection,
        dialect: str,
        inserts: Inserts,
        reads: CompiledReads | None = None,
    ) -> None:
        self._db = connection
        self._dialect = dialect
        self._inserts = inserts
        self._reads = reads
        columns: dict[tuple[str, ...], sa.Column[Any]] = {
            ("id",): _O.c.order_id,
            ("state",): _O.c.state,
            ("externalId",): _O.c.external_id,
            ("orderDate",): _O.c.order_date,
        }
        self._compiler = QueryCompiler(dialect, _O.c.document, columns)
        # When no order names the filtered ids but as its customer, relatedParty.id is the
        # customer's id, read by the (state, customer, seq) index in page order.
        self._by_customer = QueryCompiler(
            dialect, _O.c.document, columns | {_PARTY_ID: _O.c.customer_key}
        )

    def add(self, order: ProductOrder, now: str) -> None:
        """Queue a new order; an externalId the customer already used is a Conflict (when the
        queue is sent). No savepoint: after a Conflict the unit is rolled back as a whole."""
        values = _order_values(order, now)
        self._inserts.add(_O, [values], conflict=lambda: duplicate_external_id(order))

    def get(self, order_id: str) -> ProductOrder | None:
        row = self._db.execute(_GET_ORDER, {"order_id": order_id}).first()
        return _order(row) if row else None

    def update_many(self, orders: list[ProductOrder], now: str) -> None:
        """Store orders the caller holds locked (their row versions already bumped)."""
        if not orders:
            return
        result = self._db.execute(
            _UPDATE_LOCKED,
            [
                {f"p_{k}": v for k, v in _order_values(o, now).items() if k in _LOCKED_COLUMNS}
                | {"p_old_version": o.row_version - 1}
                for o in orders
            ],
        )
        if result.rowcount not in (-1, len(orders)):
            raise Conflict("a productOrder was changed by another request; retry")
        self._forget_changes([o.id for o in orders if o.state in ORDER_FINAL])

    def lock_many(
        self, order_ids: list[str], with_snapshot: bool = True
    ) -> dict[str, ProductOrder]:
        """Orders locked until commit, in id order (so two lockers never wait on each other).

        ``with_snapshot=False`` leaves the (large) price snapshot unread: ``snapshot`` reads it
        when needed; ``update_many`` never writes it.
        """
        columns = (
            _ORDER_COLUMNS if with_snapshot else [c for c in _ORDER_COLUMNS if c.name != "snapshot"]
        )
        rows = self._db.execute(
            sa.select(*columns)
            .where(_O.c.order_id.in_(sorted(order_ids)))
            .order_by(_O.c.order_id)
            .with_for_update()
        )
        return {r.order_id: _order(r, with_snapshot) for r in rows}

    def snapshot(self, order_id: str) -> dict[str, Any] | None:
        found = self._db.execute(sa.select(_O.c.snapshot).where(_O.c.order_id == order_id))
        value: dict[str, Any] | None = found.scalar_one_or_none()
        return value

    def customers(self, order_ids: list[str]) -> dict[str, str | None]:
        """Order id -> its customer's party id (None for an order that names none)."""
        if not order_ids:
            return {}
        rows = self._db.execute(
            sa.select(_O.c.order_id, _O.c.customer_key).where(_O.c.order_id.in_(order_ids))
        )
        return {r.order_id: r.customer_key or None for r in rows}

    def snapshots(self, order_ids: list[str]) -> dict[str, dict[str, Any] | None]:
        """The price snapshots of several orders in one statement."""
        if not order_ids:
            return {}
        rows = self._db.execute(
            sa.select(_O.c.order_id, _O.c.snapshot).where(_O.c.order_id.in_(sorted(order_ids)))
        )
        return {r.order_id: r.snapshot for r in rows}

    def lock(self, order_id: str) -> ProductOrder | None:
        """The order, locked until commit: workers and cancellations change it one at a time."""
        row = self._db.execute(_GET_ORDER.with_for_update(), {"order_id": order_id}).first()
        return _order(row) if row else None

    def waiting(self, state: str, limit: int) -> list[ProductOrder]:
        """Orders in ``state``, oldest first, locked and skipped by other workers (SKIP LOCKED)."""
        rows = self._db.execute(
            sa.select(*_ORDER_COLUMNS)
            .where(_O.c.state == state, _O.c.deleted_at.is_(None))
            .order_by(_O.c.seq)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_order(r) for r in rows]

    def update(self, order: ProductOrder, now: str) -> None:
        """Store ``order`` (its row version already bumped) unless someone changed it meanwhile."""
        flush_queued(self._db)  # what was queued first is not this savepoint's error
        try:
            with self._db.begin_nested():
                result = self._db.execute(
                    sa.update(_O)
                    .where(_O.c.order_id == order.id, _O.c.row_version == order.row_version - 1)
                    .values(**_order_values(order, now))
                )
        except IntegrityError:
            raise duplicate_external_id(order) from None
        if result.rowcount != 1:
            raise Conflict(f"productOrder {order.id!r} was changed by another request; retry")
        if order.state in ORDER_FINAL:
            self._forget_changes([order.id])

    def archive(self, order: ProductOrder, deletion: Deletion) -> None:
        """Mark the order deleted, unless it changed since it was read: the row, its snapshot
        and everything that refers to it stay (evidence is never erased)."""
        result = self._db.execute(
            sa.update(_O)
            .where(_O.c.order_id == order.id, _O.c.row_version == order.row_version)
            .values(
                deleted_at=deletion.at,
                deleted_by=deletion.by,
                row_version=order.row_version + 1,
                last_update=deletion.at,
            )
        )
        if result.rowcount != 1:
            raise Conflict(f"productOrder {order.id!r} was changed by another request; retry")
        self._forget_changes([order.id])

    def _forget_changes(self, order_ids: list[str]) -> None:
        """An order that ended (or was deleted) changes nothing more for its customer: every
        write of an order's state passes here, so ``order_offering_change`` holds open orders
        only and stays as small as the open orders are."""
        OfferingChangeRepository(self._db, self._inserts).forget(order_ids)

    def list(self, query: Query, parties: frozenset[str] | None = None) -> Found[ProductOrder]:
        """A page of orders not deleted, only those for ``parties`` when given (a partner's)."""
        found = self._page(query, parties)
        return found._replace(items=[_order(r) for r in found.items])

    def rendered(
        self,
        query: Query,
        parties: frozenset[str] | None,
        href_prefix: str,
        snapshot_key: str,
    ) -> Found[str]:
        """``list``'s page as JSON texts the database makes: each document with its ``href``
        (``href_prefix`` and the id) and its price snapshot under ``snapshot_key``, so a page
        without a projection is never decoded and encoded again."""
        by_customer, key = self._rendered_key(query, parties, href_prefix, snapshot_key)
        text = rendered_text(self._dialect, href_prefix, snapshot_key).label("rendered")
        return texts(self._page(query, parties, (text,), by_customer, key))

    def quick_rendered(
        self, query: Query, parties: frozenset[str] | None, href_prefix: str, snapshot_key: str
    ) -> Found[str] | None:
        """``rendered`` when the same page was read quickly the last time (None otherwise,
        and no page is read): fit to run on an event loop."""
        if self._reads is None:
            return None
        _, key = self._rendered_key(query, parties, href_prefix, snapshot_key)
        found = quick_page(self._db, self._reads, key, query)
        return None if found is None else texts(found)

    def _rendered_key(
        self, query: Query, parties: frozenset[str] | None, href_prefix: str, snapshot_key: str
    ) -> tuple[bool, Hashable]:
        """Whether the page reads the customer column, and the key naming its compiled read."""
        by_customer = self._parties_are_customers(query)
        return by_customer, page_key(query, parties, href_prefix, snapshot_key, by_customer)

    def _page(
        self,
        query: Query,
        parties: frozenset[str] | None,
        columns: tuple[Any, ...] | None = None,
        by_customer: bool | None = None,
        key: Hashable | None = None,
    ) -> Found[Any]:
        """The rows of one page of orders not deleted (of ``parties`` when given); with a
        ``key`` naming the page, read by a compiled read."""
        where: tuple[Any, ...] = (_O.c.deleted_at.is_(None),)
        if parties is not None:
            where += (_O.c.customer_key.in_(sorted(parties)),)
        if by_customer is None:
            by_customer = self._parties_are_customers(query)
        compiler = self._by_customer if by_customer else self._compiler
        reads = self._reads if key is not None else None
        return list_page(self._db, _O, compiler, query, where, columns, reads, key)

    def _parties_are_customers(self, query: Query) -> bool:
        """Whether the query's relatedParty.id conditions may read ``customer_key`` instead and
        select the same orders: each tests (in)equality with plain ids, none sorts by it, and
        no order names one of those ids as a party that is not its customer."""
        named = [c for c in query.conditions if c.attribute.path == _PARTY_ID]
        if not named or any(k.attribute.path == _PARTY_ID for k in query.sort):
            return False
        if any(c.op not in ("eq", "ne") for c in named):
            return False
        values = tuple(dict.fromkeys(v for c in named for v in c.values))
        if not all(isinstance(v, str) and v for v in values):
            return False
        if self._dialect == "postgresql":
            contains = [_PARTIES.contains([{"id": v}]) for v in values]
            test: Any = sa.or_(*contains)
        else:
            (test,) = self._compiler.where((Condition(named[0].attribute, "eq", values),))
        flagged = sa.select(sa.literal(1)).where(_O.c.other_parties, test).limit(1)
        return self._db.execute(flagged).first() is None

    def count_by_state(self) -> dict[str, int]:
        """Orders not deleted, by state."""
        rows = self._db.execute(
            sa.select(_O.c.state, sa.func.count())
            .where(_O.c.deleted_at.is_(None))
            .group_by(_O.c.state)
        )
        return {state: int(n) for state, n in rows}


class TimelineRepository:
    """Every state transition of orders and items, in the order they happened."""

    def __init__(self, connection: sa.Connection, inserts: Inserts) -> None:
        self._db = connection
        self._inserts = inserts

    def add(self, entries: list[TimelineEntry]) -> None:
        if entries:
            self._inserts.add(
                order_timeline,
                [
                    {
                        "order_id": e.order_id,
                        "item_id": e.item_id,
                        "at": e.at,
                        "from_state": e.from_state,
                        "to_state": e.to_state,
                        "reason": e.reason,
                        "actor": e.actor,
                        "correlation_id": e.correlation_id,
                    }
                    for e in entries
                ],
            )

    def of(self, order_id: str) -> list[TimelineEntry]:
        rows = self._db.execute(
            sa.select(order_timeline)
            .where(order_timeline.c.order_id == order_id)
            .order_by(order_timeline.c.seq)
        )
        return [
            TimelineEntry(
                r.order_id,
                r.item_id,
                r.at,
                r.from_state,
                r.to_state,
                r.reason,
                r.actor,
                r.correlation_id,
            )
            for r in rows
        ]
