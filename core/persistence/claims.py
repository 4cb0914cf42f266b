"""What open orders are about to change: claims of installed products (the database decides
which of two racing orders changes a product; a claim ends with its order, taken over lazily),
and the offerings their items will add or remove for the customer."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.ordering.model import OfferingChange
from core.ordering.states import ORDER_FINAL
from core.persistence.dialects import insert_for
from core.persistence.inserts import Inserts
from core.persistence.tables import order_offering_change, product_claim, product_order

_C, _O, _W = product_claim, product_order, order_offering_change


@dataclass(frozen=True)
class Holder:
    """The open order that holds a claim on a product, and what it does to it."""

    order_id: str
    item_id: str
    action: str
    state: str


class ClaimRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._db = connection

    def claim(
        self, product_id: str, order_id: str, item_id: str, action: str, now: str
    ) -> Holder | None:
        """Claim the product for ``order_id``: None when it is now this order's, else the open
        order that holds it. A claim of a final or deleted order is taken over."""
        values = {
            "product_id": product_id,
            "order_id": order_id,
            "item_id": item_id,
            "action": action,
            "claimed_at": now,
        }
        statement = (
            insert_for(self._db, _C)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(_C.c.product_id)
        )
        if self._db.execute(statement).first() is not None:
            return None
        for _ in range(3):  # each round either decides or sees another order take it over
            row = self._db.execute(
                sa.select(_C, _O.c.state, _O.c.deleted_at)
                .select_from(_C.outerjoin(_O, _O.c.order_id == _C.c.order_id))
                .where(_C.c.product_id == product_id)
            ).first()
            if row is None:  # released meanwhile: claim it afresh
                if self._db.execute(statement).first() is not None:
                    return None
                continue
            open_order = row.state is not None and row.state not in ORDER_FINAL
            if row.order_id == order_id or not open_order or row.deleted_at is not None:
                taken = self._db.execute(
                    sa.update(_C)
                    .where(_C.c.product_id == product_id, _C.c.order_id == row.order_id)
                    .values(**values)
                )
                if taken.rowcount == 1:
                    return None
                continue
            return Holder(row.order_id, row.item_id, row.action, row.state)
        raise RuntimeError(f"claim of product {product_id!r} did not settle")  # pragma: no cover

    def release_others(self, order_id: str, keep: set[str]) -> None:
        """Release the order's claims on products it no longer changes (after a PATCH)."""
        self._db.execute(
            sa.delete(_C).where(_C.c.order_id == order_id, _C.c.product_id.not_in(sorted(keep)))
        )


# What other open orders of the customer change, built once: every order placed asks.
_STILL_OPEN = (
    _W.c.customer_key == sa.bindparam("customer_key"),
    _W.c.order_id != sa.bindparam("besides"),
    _O.c.state.not_in(sorted(ORDER_FINAL)),
    _O.c.deleted_at.is_(None),
)
_PENDING = sa.select(_W).join(_O, _O.c.order_id == _W.c.order_id).where(*_STILL_OPEN)


@functools.lru_cache(maxsize=32)
def _pending_adds(offerings: int) -> sa.Select[Any]:
    """Open adds of each of ``offerings`` offerings (bound as ``offering_<i>``), the first
    ``shown`` of each: one part per offering, each read in the order of the customer index
    (customer, offering, order), so it stops after ``shown`` rows even for a customer with
    thousands of open orders adding the same offering. An IN list instead would read every
    match (an index cannot give an IN list's matches in order), and a LIMIT without an order
    lets the planner scan the table hoping to meet them early."""
    shown = sa.bindparam("shown", type_=sa.Integer)
    parts = [
        sa.select(
            _PENDING.where(_W.c.effect == "add", _W.c.offering_id == sa.bindparam(f"offering_{i}"))
            .order_by(_W.c.order_id)
            .limit(shown)
            .subquery(f"adds_{i}")
        )
        for i in range(offerings)
    ]
    if len(parts) == 1:
        return parts[0]
    return sa.select(sa.union_all(*parts).subquery("adds")).limit(shown)


_PENDING_REMOVES = _PENDING.where(
    _W.c.effect == "remove", _W.c.product_id.in_(sa.bindparam("products", expanding=True))
)


class OfferingChangeRepository:
    def __init__(self, connection: sa.Connection, inserts: Inserts) -> None:
        self._db = connection
        self._inserts = inserts

    def add(self, order_id: str, customer_key: str, changes: list[OfferingChange]) -> None:
        """Record what the order's items change."""
        if changes:
            self._inserts.add(
                _W,
                [
                    {
                        "order_id": order_id,
                        "item_id": c.item_id,
                        "effect": c.effect,
                        "customer_key": customer_key,
                        "offering_id": c.offering_id,
                        "product_id": c.product_id,
                    }
                    for c in changes
                ],
            )

    def forget(self, order_ids: list[str]) -> None:
        """Drop what these orders recorded: re-captured, ended or deleted."""
        if order_ids:
            self._db.execute(sa.delete(_W).where(_W.c.order_id.in_(order_ids)))

    def pending(
        self,
        customer_key: str,
        adds_of: set[str],
        products: set[str],
        besides: str | None,
        adds_shown: int = 20,
    ) -> list[OfferingChange]:
        """What the customer's other open orders do: add one of ``adds_of`` (the first
        ``adds_shown``: one is enough to refuse, and many open orders may add the same), or
        remove one of ``products`` (each is claimed by one open order at most)."""
        values = {"customer_key": customer_key, "besides": besides or ""}
        rows: list[Any] = []
        if adds_of:
            offerings = {f"offering_{i}": o for i, o in enumerate(sorted(adds_of))}
            found = self._db.execute(
                _pending_adds(len(offerings)), values | offerings | {"shown": adds_shown}
            )
            rows += found.all()
        if products:
            found = self._db.execute(_PENDING_REMOVES, values | {"products": sorted(products)})
            rows += found.all()
        return [
            OfferingChange(r.order_id, r.item_id, r.effect, r.offering_id, r.product_id)
            for r in rows
        ]
