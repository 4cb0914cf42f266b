"""The installed-base repository: each customer's products."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.errors import Conflict
from core.inventory.model import LIVE_STATUSES, InstalledProduct
from core.persistence.tables import installed_product

_P = installed_product


def _product(row: Any) -> InstalledProduct:
    return InstalledProduct(row.product_id, row.customer_id, row.document, row.row_version)


class InventoryRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._db = connection

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

    def of_customer(self, customer_id: str) -> list[InstalledProduct]:
        rows = self._db.execute(
            sa.select(_P).where(_P.c.customer_id == customer_id).order_by(_P.c.seq)
        )
        return [_product(r) for r in rows]

    def live_of_offerings(self, customer_id: str, offering_ids: set[str]) -> list[InstalledProduct]:
        """The customer's live products of these offerings (index: customer, offering)."""
        if not offering_ids:
            return []
        rows = self._db.execute(
            sa.select(_P)
            .where(
                _P.c.customer_id == customer_id,
                _P.c.offering_id.in_(sorted(offering_ids)),
                _P.c.status.in_(sorted(LIVE_STATUSES)),
            )
            .order_by(_P.c.seq)
        )
        return [_product(r) for r in rows]

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
                status=product.status,
                offering_id=product.offering_id,
                last_update=now,
                row_version=product.row_version,
                document=product.document,
            )
        )
        if result.rowcount != 1:
            raise Conflict(f"product {product.id!r} was changed meanwhile; retry")
