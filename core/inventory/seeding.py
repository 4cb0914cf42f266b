"""Demo customers and their installed products, so modify and delete orders can be tried."""

from __future__ import annotations

from typing import Any

from core import fixtures
from core.inventory.model import InstalledProduct
from core.ordering.model import customer_of
from core.persistence.database import Database


def fixture(name: str = "demo") -> list[dict[str, Any]]:
    """The products of a named fixture file in ``core/inventory/fixtures``."""
    return fixtures.load("core.inventory.fixtures", name)


def seed(db: Database, products: list[dict[str, Any]], now: str) -> int:
    """Add the products that do not exist yet; returns how many were added."""
    with db.uow() as uow:
        existing = uow.inventory.by_ids({p["id"] for p in products})
        added = 0
        for document in products:
            if document["id"] in existing:
                continue
            customer = customer_of(document)
            if customer is None:
                raise ValueError(f"product {document['id']!r} names no customer")
            uow.inventory.add(InstalledProduct(document["id"], customer, document), now)
            added += 1
        uow.commit()
    return added
