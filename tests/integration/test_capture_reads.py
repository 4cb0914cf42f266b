"""Order capture reads only the installed products its requires/excludes rules are about, never
the customer's whole base, and still finds every conflict."""

from __future__ import annotations

import pytest

from core.catalog.service import CatalogService, CatalogSettings
from core.errors import InvalidRequest
from core.inventory.model import InstalledProduct
from core.ordering.items import read_items
from core.ordering.loading import load_context
from core.ordering.service import OrderingService
from core.persistence.database import Database
from core.requests import RequestContext
from core.schema import ResourceSchemas
from tests.orders import add, change, order

NOW = "2026-06-01T00:00:00.000Z"
LINES = 500


def product(product_id: str, offering: str, status: str = "active") -> InstalledProduct:
    document = {
        "id": product_id,
        "status": status,
        "productOffering": {"id": offering},
        "relatedParty": [{"id": "cust-big", "role": "Customer"}],
    }
    return InstalledProduct(product_id, "cust-big", document)


@pytest.fixture
def big(shop_db: Database) -> Database:
    """A customer with many mobile lines, a fibre 300 line, a router and a terminated TV."""
    lines = [product(f"line-{n}", "po-mobile-s") for n in range(LINES)]
    others = [
        product("big-fibre", "po-fibre-300"),
        product("big-router", "po-router-rental"),
        product("big-old-tv", "po-tv-basic", status="terminated"),
    ]
    with shop_db.uow() as uow:
        uow.inventory.add_many([*lines, *others], NOW)
        uow.commit()
    return shop_db


def installed_read(ordering: OrderingService, body: dict) -> set[str]:  # type: ignore[type-arg]
    items = read_items(body)
    with ordering.db.uow(write=False) as uow:
        ctx = load_context(
            uow,
            body,
            items,
            NOW,
            True,
            ordering.settings.lifecycle,
            ordering.catalog_hashes,
            ordering.relationships,
        )
    return {p.id for p in ctx.installed}


def test_only_the_products_a_rule_is_about_are_read(
    big: Database, ordering: OrderingService, order_ctx: RequestContext
) -> None:
    # fibre 1000 requires a router and fibre 300 excludes fibre 1000: those two, not 500 lines.
    upgrade = order("cust-big", add("1", "po-fibre-1000"))
    assert installed_read(ordering, upgrade) == {"big-fibre", "big-router"}
    with pytest.raises(InvalidRequest, match=r"excluded by 'po-fibre-300'.*big-fibre"):
        ordering.place(upgrade, order_ctx)
    # A mobile line takes part in no rule: nothing of the base is read.
    assert installed_read(ordering, order("cust-big", add("1", "po-mobile-s"))) == set()
    # Deleting the router: what requires it, and other routers that would keep it satisfied.
    leave = order("cust-big", change("1", "delete", "big-router"))
    assert installed_read(ordering, leave) == {"big-router"}
    # A terminated product is not live: TV Sports still needs a TV Basic.
    sports = order("cust-big", add("1", "po-tv-sports", channelPackage="sports"))
    assert installed_read(ordering, sports) == set()
    with pytest.raises(InvalidRequest, match="requires 'po-tv-basic'"):
        ordering.place(sports, order_ctx)


def test_a_catalog_change_to_a_rule_is_seen_by_the_next_order(
    big: Database,
    schemas: ResourceSchemas,
    ordering: OrderingService,
    ctx: RequestContext,
    order_ctx: RequestContext,
) -> None:
    tv = order("cust-big", add("1", "po-tv-basic", channelPackage="basic"))
    assert installed_read(ordering, tv) == set()
    catalog = CatalogService(big, schemas, CatalogSettings(strict=True))
    rules = [{"id": "po-tv-basic", "relationshipType": "excludes"}]
    catalog.patch(
        "productOffering", "po-mobile-s", {"productOfferingRelationship": rules}, "merge", ctx
    )
    assert len(installed_read(ordering, tv)) == LINES
    with pytest.raises(InvalidRequest, match="excluded by 'po-mobile-s'"):
        ordering.place(tv, order_ctx)
