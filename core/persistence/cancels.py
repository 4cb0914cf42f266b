"""Repositories of cancellation requests and idempotency keys."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.errors import Conflict
from core.ordering.model import CancelRequest
from core.persistence.inserts import Inserts
from core.persistence.listing import Found, list_page
from core.persistence.ordering import deletion_of
from core.persistence.tables import cancel_product_order, idempotency_key, product_order
from core.query.ast import Query
from core.query.sql import QueryCompiler
from core.requests import Deletion

_O = product_order
_C = cancel_product_order


def _cancel(row: Any) -> CancelRequest:
    return CancelRequest(
        row.cancel_id, row.order_id, row.document, row.row_version, deleted=deletion_of(row)
    )


class CancelRepository:
    """cancelProductOrder requests."""

    def __init__(self, connection: sa.Connection, dialect: str) -> None:
        self._db = connection
        self._compiler = QueryCompiler(
            dialect,
            _C.c.document,
            {
                ("id",): _C.c.cancel_id,
                ("state",): _C.c.state,
                ("productOrder", "id"): _C.c.order_id,
            },
        )

    def add(self, request: CancelRequest, now: str) -> None:
        self._db.execute(
            sa.insert(_C).values(
                cancel_id=request.id,
                order_id=request.order_id,
                state=request.state,
                last_update=now,
                row_version=request.row_version,
                document=request.document,
            )
        )

    def update(self, request: CancelRequest, now: str) -> None:
        """Store ``request`` (its row version already bumped) unless it changed meanwhile."""
        result = self._db.execute(
            sa.update(_C)
            .where(_C.c.cancel_id == request.id, _C.c.row_version == request.row_version - 1)
            .values(
                state=request.state,
                last_update=now,
                row_version=request.row_version,
                document=request.document,
            )
        )
        if result.rowcount != 1:
            raise Conflict(f"cancelProductOrder {request.id!r} was changed meanwhile; retry")

    def get(self, cancel_id: str) -> CancelRequest | None:
        row = self._db.execute(sa.select(_C).where(_C.c.cancel_id == cancel_id)).first()
        return _cancel(row) if row else None

    def of_order(self, order_id: str) -> list[CancelRequest]:
        rows = self._db.execute(sa.select(_C).where(_C.c.order_id == order_id).order_by(_C.c.seq))
        return [_cancel(r) for r in rows]

    def archive_of_order(self, order_id: str, deletion: Deletion) -> None:
        """Mark the order's requests deleted with it (they stay, for its story)."""
        self._db.execute(
            sa.update(_C)
            .where(_C.c.order_id == order_id, _C.c.deleted_at.is_(None))
            .values(deleted_at=deletion.at, deleted_by=deletion.by)
        )

    def list(self, query: Query, parties: frozenset[str] | None = None) -> Found[CancelRequest]:
        """A page of requests not deleted, only those on orders for ``parties`` when given."""
        where: tuple[Any, ...] = (_C.c.deleted_at.is_(None),)
        if parties is not None:
            theirs = sa.select(_O.c.order_id).where(_O.c.customer_key.in_(sorted(parties)))
            where += (_C.c.order_id.in_(theirs),)
        found = list_page(self._db, _C, self._compiler, query, where)
        return found._replace(items=[_cancel(r) for r in found.items])


class IdempotencyRepository:
    """Which resource an Idempotency-Key created, and a hash of the request that did."""

    def __init__(self, connection: sa.Connection, inserts: Inserts) -> None:
        self._db = connection
        self._inserts = inserts

    def get(self, scope: str, key: str) -> tuple[str, str] | None:
        """``(request_hash, resource_id)`` stored for the key, if any."""
        row = self._db.execute(
            sa.select(idempotency_key.c.request_hash, idempotency_key.c.resource_id).where(
                idempotency_key.c.scope == scope, idempotency_key.c.key == key
            )
        ).first()
        return (row.request_hash, row.resource_id) if row else None

    def add(self, scope: str, key: str, request_hash: str, resource_id: str, now: str) -> None:
        """Remember the key; a concurrent request with the same key makes this a Conflict."""
        row = {
            "scope": scope,
            "key": key,
            "request_hash": request_hash,
            "resource_id": resource_id,
            "created_at": now,
        }
        self._inserts.add(idempotency_key, [row], conflict=lambda: _key_in_use(key))


def _key_in_use(key: str) -> Conflict:
    return Conflict(
        f"Idempotency-Key {key!r} is being used by a concurrent request; retry",
        "Idempotency key in use",
    )
