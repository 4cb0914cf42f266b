"""Catalog history is never destroyed: released entities are retired, not deleted; what an order
or an installed product uses is not deleted; what is deleted is archived and stays evidence."""

from __future__ import annotations

import pytest

from core.approval import evidence
from core.catalog.lifecycle import DEFAULT_LIFECYCLE, LifecyclePolicy
from core.catalog.service import CatalogService, CatalogSettings
from core.errors import Conflict, NotFound
from core.inventory.model import InstalledProduct
from core.ordering.service import OrderingService
from core.ordering.support import OrderingSettings
from core.persistence.database import Database
from core.requests import RequestContext
from core.schema import ResourceSchemas
from tests.orders import add, order


def versions_in_catalog(service: CatalogService, kind: str, entity_id: str) -> list[str]:
    with service.db.uow(write=False) as uow:
        return [v.version for v in uow.catalog.versions(kind, entity_id)]


def test_a_released_entity_is_retired_not_deleted(
    demo: CatalogService, ctx: RequestContext
) -> None:
    demo.patch("productOffering", "po-home-bundle", {"description": "v2"}, "merge", ctx)
    with pytest.raises(
        Conflict, match=r"retire it instead \(lifecycleStatus 'Retired'\)"
    ) as refused:
        demo.delete("productOffering", "po-home-bundle", ctx)
    assert refused.value.reason == "Released entity" and "1.0 Launched" in refused.value.message
    assert versions_in_catalog(demo, "productOffering", "po-home-bundle") == ["1.0", "1.1"]
    demo.patch("productOffering", "po-home-bundle", {"lifecycleStatus": "Retired"}, "merge", ctx)
    with pytest.raises(Conflict, match="it is Retired and stays as history"):
        demo.delete("productOffering", "po-home-bundle", ctx)
    assert demo.get("productOffering", "po-home-bundle").lifecycle_status == "Retired"


def test_deleting_an_unreleased_entity_archives_it(catalog: CatalogService) -> None:
    dora = RequestContext("http://x/tmf-api/productCatalogManagement/v4", "c-1", actor="dora")
    created = catalog.create("category", {"name": "Drafts"}, dora)
    catalog.delete("category", created.id, dora)
    with pytest.raises(NotFound):
        catalog.get("category", created.id, version="1.0")
    with catalog.db.uow(write=False) as uow:
        kept = uow.catalog_history.archived("category", created.id, "1.0")
        events = [e.event_type for e in uow.outbox.list(resource_id=created.id)]
    assert kept is not None and kept.entity.document == created.document
    assert kept.deleted.by == "dora" and kept.deleted.at >= created.document["lastUpdate"]
    assert events == ["CategoryCreateEvent", "CategoryDeleteEvent"]


def test_lenient_deletes_released_entities_but_archives_every_version(
    demo: CatalogService, lenient_catalog: CatalogService, ctx: RequestContext
) -> None:
    first = demo.get("productOffering", "po-home-bundle")
    second = demo.patch("productOffering", "po-home-bundle", {"description": "v2"}, "merge", ctx)
    lenient_catalog.delete("productOffering", "po-home-bundle", ctx)
    assert versions_in_catalog(demo, "productOffering", "po-home-bundle") == []
    with demo.db.uow(write=False) as uow:
        kept = [
            uow.catalog_history.archived("productOffering", "po-home-bundle", v)
            for v in ("1.0", "1.1")
        ]
    assert [k.entity.document if k else None for k in kept] == [first.document, second.document]


def test_an_offering_an_installed_product_has_is_not_deleted(
    catalog: CatalogService, ctx: RequestContext
) -> None:
    offering = catalog.create("productOffering", {"name": "Trial"}, ctx)
    with catalog.db.uow() as uow:
        product = {"id": "p-trial", "status": "active", "productOffering": {"id": offering.id}}
        uow.inventory.add(
            InstalledProduct("p-trial", "cust-x", product), "2026-01-01T00:00:00.000Z"
        )
        uow.commit()
    with pytest.raises(Conflict, match="still referred to by product 'p-trial'"):
        catalog.delete("productOffering", offering.id, ctx)
    assert catalog.get("productOffering", offering.id).id == offering.id


def test_an_entity_a_current_one_refers_to_is_not_deleted(
    catalog: CatalogService, ctx: RequestContext
) -> None:
    spec = catalog.create("productSpecification", {"name": "Draft spec"}, ctx)
    offering = catalog.create(
        "productOffering", {"name": "Draft", "productSpecification": {"id": spec.id}}, ctx
    )
    with pytest.raises(Conflict, match=f"referred to by productOffering {offering.id!r}"):
        catalog.delete("productSpecification", spec.id, ctx)


# A policy under which selling does not release: every version stays editable in place, so
# orders are priced against unreleased versions and each use is recorded.
NOTHING_RELEASED = LifecyclePolicy(
    DEFAULT_LIFECYCLE.states,
    DEFAULT_LIFECYCLE.transitions,
    frozenset({"Obsolete"}),
    DEFAULT_LIFECYCLE.sellable,
    DEFAULT_LIFECYCLE.end_of_life,
)


def test_an_entity_an_order_was_priced_against_is_not_deleted(
    shop_db: Database,
    schemas: ResourceSchemas,
    order_schemas: ResourceSchemas,
    ctx: RequestContext,
    order_ctx: RequestContext,
) -> None:
    catalog = CatalogService(shop_db, schemas, CatalogSettings(lifecycle=NOTHING_RELEASED))
    ordering = OrderingService(shop_db, order_schemas, OrderingSettings(lifecycle=NOTHING_RELEASED))
    placed, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    others = catalog.get_all("productOffering", [("id.ne", "po-mobile-s"), ("limit", "100")])
    shared = {p["id"] for o in others.entities for p in o.document.get("productOfferingPrice", [])}
    used = [k.split("/")[1].split("@")[0] for k in placed.snapshot["catalogHashes"]]
    price_id = min(p for p in used if p.startswith("pop-") and p not in shared)
    # The offering stops naming the price: no current entity refers to it, the order still does.
    offering = catalog.get("productOffering", "po-mobile-s")
    kept = [p for p in offering.document["productOfferingPrice"] if p["id"] != price_id]
    catalog.patch("productOffering", "po-mobile-s", {"productOfferingPrice": kept}, "merge", ctx)
    with pytest.raises(Conflict) as refused:
        catalog.delete("productOfferingPrice", price_id, ctx)
    assert refused.value.message.endswith(f"still referred to by productOrder {placed.id!r}")
    with pytest.raises(Conflict, match=f"productOrder {placed.id!r}"):
        catalog.delete("productOffering", "po-mobile-s", ctx)


def test_evidence_shows_a_deleted_version_from_the_archive(
    shop_db: Database,
    schemas: ResourceSchemas,
    ordering: OrderingService,
    ctx: RequestContext,
    order_ctx: RequestContext,
) -> None:
    placed, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    before = evidence.package(shop_db, placed.id, "2026-12-02T00:00:00.000Z")["catalog"]
    lenient = CatalogService(shop_db, schemas, CatalogSettings(strict=False))
    lenient.delete("productOffering", "po-mobile-s", ctx)
    package = evidence.package(shop_db, placed.id, "2026-12-02T00:00:01.000Z")
    (entry,) = [e for e in package["catalog"] if e["kind"] == "productOffering"]
    (was,) = [e for e in before if e["kind"] == "productOffering"]
    assert entry["document"] == was["document"] and entry["document"] is not None
    assert entry["intact"] is True and entry["sha256"] == was["sha256"]
    assert was["deleted"] is None and entry["deleted"]["at"]
    assert package["fingerprints"]["catalogIntact"] is True


def test_a_version_created_again_under_its_id_is_hashed_again(
    shop_db: Database,
    schemas: ResourceSchemas,
    ordering: OrderingService,
    ctx: RequestContext,
    order_ctx: RequestContext,
) -> None:
    """An import may bring back a deleted id at the same version and row version with other
    content: the order priced against it must record the hash of what it was priced on."""
    first, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    lenient = CatalogService(shop_db, schemas, CatalogSettings(strict=False))
    old = lenient.get("productOffering", "po-mobile-s").document
    lenient.delete("productOffering", "po-mobile-s", ctx)
    again = {k: v for k, v in old.items() if k not in ("id", "href", "lastUpdate")}
    again["description"] = "imported again"
    lenient.create("productOffering", again, ctx, entity_id="po-mobile-s")
    second, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    package = evidence.package(shop_db, second.id, "2026-12-02T00:00:00.000Z")
    (entry,) = [e for e in package["catalog"] if e["kind"] == "productOffering"]
    assert entry["document"]["description"] == "imported again"
    assert entry["intact"] is True
    key = "productOffering/po-mobile-s@1.0"
    assert first.snapshot["catalogHashes"][key] != second.snapshot["catalogHashes"][key]
