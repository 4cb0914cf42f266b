"""Order capture takes the catalog from memory while the catalog is unchanged, reads it again
after any committed catalog change, and what it is handed can be changed freely."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.catalog.service import CatalogService
from core.ordering.service import OrderingService
from core.persistence.database import Database
from core.requests import RequestContext
from core.schema import ResourceSchemas
from tests.orders import add, order

CATALOG_READ = "FROM catalog_entity"


def catalog_reads(db: Database, work: Any) -> tuple[Any, int]:
    """What ``work()`` returns, and how many statements it sent that read catalog entities."""
    seen: list[str] = []

    def record(_c: object, _cur: object, statement: str, *_: object) -> None:
        if CATALOG_READ in statement:
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        return work(), len(seen)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def test_capture_reads_the_catalog_once_per_generation(
    ordering: OrderingService,
    order_ctx: RequestContext,
    shop_db: Database,
    ctx: RequestContext,
    schemas: ResourceSchemas,
) -> None:
    body = order("cust-carol", add("1", "po-mobile-s"))
    first, reads = catalog_reads(shop_db, lambda: ordering.place(body, order_ctx)[0])
    again, reads_again = catalog_reads(shop_db, lambda: ordering.place(body, order_ctx)[0])
    assert reads >= 1 and reads_again == 0
    assert again.snapshot is not None and first.snapshot is not None
    assert again.snapshot["fingerprint"] != first.snapshot["fingerprint"]  # other order ids
    assert again.document["orderTotalPrice"] == first.document["orderTotalPrice"]

    # A price change commits a new generation: the next capture reads the catalog again and
    # prices with the change.
    catalog = CatalogService(shop_db, schemas)
    price = catalog.get("productOfferingPrice", "pop-mobile-s-monthly")
    assert price.document["price"]["value"] != 11
    catalog.patch(price.kind, price.id, {"price": {"unit": "EUR", "value": 11}}, "merge", ctx)
    changed, reads_after = catalog_reads(shop_db, lambda: ordering.place(body, order_ctx)[0])
    assert reads_after >= 1
    totals = [t["price"]["dutyFreeAmount"]["value"] for t in changed.document["orderTotalPrice"]]
    assert totals != [
        t["price"]["dutyFreeAmount"]["value"] for t in first.document["orderTotalPrice"]
    ]


def test_what_the_cache_hands_out_is_the_callers_own(shop_db: Database) -> None:
    with shop_db.uow(write=False) as uow:
        generation = uow.catalog.generation()
        first = uow.catalog.current_by_ids("productOffering", {"po-mobile-s"}, generation)
    first["po-mobile-s"].document["name"] = "changed by a caller"
    with shop_db.uow(write=False) as uow:
        again, reads = catalog_reads(
            shop_db,
            lambda: uow.catalog.current_by_ids("productOffering", {"po-mobile-s"}, generation),
        )
    assert reads == 0 and again["po-mobile-s"].document["name"] != "changed by a caller"
    assert again["po-mobile-s"].version == first["po-mobile-s"].version
