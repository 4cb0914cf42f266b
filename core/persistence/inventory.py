"""The installed-base repository: each customer's products, and the corrections made to them
through TMF637."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.errors import Conflict
from core.inventory.model import LIVE_STATUSES, InstalledProduct
from core.persistence.listing import Found, list_page
from core.persistence.tables import installed_product, product_correction
from core.query.ast import Query
from core.query.sql import QueryCompiler

_P = installed_product
# The customer's live products of some offerings: asked by every order placed, built once.
_LIVE_OF_OFFERINGS = (
    sa.select(_P)
    .where(
        _P.c.customer_id == sa.bindparam("customer_id"),
        _P.c.offering_id.in_(sa.bindparam("offerings", expanding=True)),
        _P.c.status.in_(sorted(LIVE_STATUSES)),
    )
    .order_by(_P.c.seq)
)


def _product(row: Any) -> InstalledProduct:
    return InstalledProduct(row.product_id, row.customer_id, row.document, row.row_version)


class InventoryRepository:
    def __init__(self, connection: sa.Connection, dialect: str) -> None:
        self._db = connection
        self._compiler = QueryCompiler(
            dialect,
            _P.c.document,
            {
                ("id",): _P.c.product_id,
                ("status",): _P.c.status,
                ("productOffering", "id"): _P.c.offering_id,
            },
        )

    def add(self, product: InstalledProduct, now: str) -> None:
        self.add_many([product], now)

    def add_many(self, products: list[InstalledProduct], now: str) -> None:
        """Insert products in one statement."""
        if not products:
            return
        self._db.execute(
            sa.insert(_P),
            [
                {
                    "product_id": p.id,
                    "customer_id": p.customer_id,
                    "status": p.status,
                    "offering_id": p.offering_id,
                    "last_update": now,
                    "row_version": p.row_version,
                    "document": p.document,
                }
                for p in products
            ],
        )

    def by_ids(self, ids: set[str]) -> dict[str, InstalledProduct]:
        if not ids:
            return {}
        rows = self._db.execute(sa.select(_P).where(_P.c.product_id.in_(sorted(ids))))
        return {r.product_id: _product(r) for r in rows}

    def get(self, product_id: str) -> InstalledProduct | None:
        return self.by_ids({product_id}).get(product_id)

    def page(self, query: Query, parties: frozenset[str] | None = None) -> Found[InstalledProduct]:
        """A page of products, only those of ``parties`` when given (a partner's customers)."""
        where: tuple[Any, ...] = ()
        if parties is not None:
            where = (_P.c.customer_id.in_(sorted(parties)),)
        found = list_page(self._db, _P, self._compiler, query, where)
        return found._replace(items=[_product(r) for r in found.items])

    def of_customer(self, customer_id: str) -> list[InstalledProduct]:
        rows = self._db.execute(
            sa.select(_P).where(_P.c.customer_id == customer_id).order_by(_P.c.seq)
        )
        return [_product(r) for r in rows]

    def live_of_offerings(self, customer_id: str, offering_ids: set[str]) -> list[InstalledProduct]:
        """The customer's live products of these offerings (index: customer, offering)."""
        if not offering_ids:
            return []
        values = {"customer_id": customer_id, "offerings": sorted(offering_ids)}
        return [_product(r) for r in self._db.execute(_LIVE_OF_OFFERINGS, values)]

    def of_offering(self, offering_id: str, limit: int) -> list[str]:
        """Ids of products (in any status) of this offering, up to ``limit``."""
        rows = self._db.execute(
            sa.select(_P.c.product_id)
            .where(_P.c.offering_id == offering_id)
            .order_by(_P.c.product_id)
            .limit(limit)
        )
        return [r.product_id for r in rows]

    def count(self) -> int:
        return int(self._db.execute(sa.select(sa.func.count()).select_from(_P)).scalar_one())

    def update(self, product: InstalledProduct, now: str) -> None:
        """Store ``product`` (its row version already bumped) unless it changed meanwhile."""
        result = self._db.execute(
            sa.update(_P)
            .where(_P.c.product_id == product.id, _P.c.row_version == product.row_version - 1)
            .values(
                customer_id=product.customer_id,
                status=product.status,
                offering_id=product.offering_id,
                last_update=now,
                row_version=product.row_version,
                document=product.document,
            )
        )
        if result.rowcount != 1:
            raise Conflict(f"product {product.id!r} was changed meanwhile; retry")

    def remove(self, product: InstalledProduct) -> None:
        """Remove the product unless it changed meanwhile (its correction record keeps it)."""
        result = self._db.execute(
            sa.delete(_P).where(
                _P.c.product_id == product.id, _P.c.row_version == product.row_version
            )
        )
        if result.rowcount != 1:
            raise Conflict(f"product {product.id!r} was changed meanwhile; retry")


class CorrectionRepository:
    """The audit trail of TMF637 writes: never changed, never removed."""

    def __init__(self, connection: sa.Connection) -> None:
        self._db = connection

    def add(
        self,
        product_id: str,
        action: str,
        actor: str,
        reason: str,
        at: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        self._db.execute(
            sa.insert(product_correction).values(
                product_id=product_id,
                action=action,
                actor=actor,
                reason=reason,
                at=at,
                before=before,
                after=after,
            )
        )

    def of(self, product_id: str) -> list[dict[str, Any]]:
        """The corrections of a product, oldest first."""
        c = product_correction.c
        rows = self._db.execute(
            sa.select(product_correction).where(c.product_id == product_id).order_by(c.seq)
        )
        return [
            {
                "action": r.action,
                "actor": r.actor,
                "reason": r.reason,
                "at": r.at,
                "before": r.before,
                "after": r.after,
            }
            for r in rows
        ]
