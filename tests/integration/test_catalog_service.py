"""Catalog use cases on real databases: versioning, lifecycle, integrity, outbox, concurrency."""

from __future__ import annotations

import threading

import pytest

from core.catalog import seeding
from core.catalog.service import CatalogService
from core.errors import Conflict, InvalidRequest, PreconditionFailed
from core.requests import RequestContext


def events(service: CatalogService, entity_id: str) -> list[str]:
    with service.db.uow(write=False) as uow:
        return [e.event_type for e in uow.outbox.list(resource_id=entity_id)]


def test_create_sets_server_owned_attributes_and_defaults(
    catalog: CatalogService, ctx: RequestContext
) -> None:
    entity = catalog.create("category", {"name": "Gadgets"}, ctx)
    doc = entity.document
    assert doc["href"] == f"{ctx.base_url}/category/{entity.id}"
    assert (doc["version"], doc["lifecycleStatus"], doc["@type"]) == ("1.0", "In Study", "Category")
    assert doc["lastUpdate"].endswith("Z") and len(doc["lastUpdate"]) == 24
    assert events(catalog, entity.id) == ["CategoryCreateEvent"]


def test_client_cannot_choose_id_or_href(catalog: CatalogService, ctx: RequestContext) -> None:
    with pytest.raises(InvalidRequest) as caught:
        catalog.create("category", {"name": "x", "id": "mine", "href": "h"}, ctx)
    assert len(caught.value.problems) == 2


def test_change_to_a_released_entity_stores_a_new_version(
    demo: CatalogService, ctx: RequestContext
) -> None:
    changed = demo.patch(
        "productOffering", "po-mobile-s", {"description": "7 GB now"}, "merge", ctx
    )
    assert changed.version == "1.1"
    assert demo.get("productOffering", "po-mobile-s").document["description"] == "7 GB now"
    old = demo.get("productOffering", "po-mobile-s", version="1.0")
    assert old.document["description"] == "5 GB of data, unlimited calls"
    both = demo.get_all("productOffering", [("id", "po-mobile-s"), ("version", "1.0,1.1")]).entities
    assert sorted(e.version for e in both) == ["1.0", "1.1"]
    assert len(demo.get_all("productOffering", [("id", "po-mobile-s")]).entities) == 1
    assert events(demo, "po-mobile-s")[-1] == "ProductOfferingAttributeValueChangeEvent"


def test_draft_changes_in_place_and_lifecycle_moves_emit_state_change(
    catalog: CatalogService, ctx: RequestContext
) -> None:
    entity = catalog.create("category", {"name": "Draft"}, ctx)
    renamed = catalog.patch("category", entity.id, {"name": "Renamed"}, "merge", ctx)
    assert (renamed.version, renamed.row_version) == ("1.0", 2)
    moved = catalog.patch("category", entity.id, {"lifecycleStatus": "In Design"}, "merge", ctx)
    assert moved.version == "1.0"
    assert events(catalog, entity.id) == [
        "CategoryCreateEvent",
        "CategoryAttributeValueChangeEvent",
        "CategoryStateChangeEvent",
    ]


def test_retiring_a_released_entity_keeps_its_version(
    demo: CatalogService, ctx: RequestContext
) -> None:
    retired = demo.patch(
        "productOffering", "po-mobile-l", {"lifecycleStatus": "Retired"}, "merge", ctx
    )
    assert retired.version == "1.0"
    assert events(demo, "po-mobile-l")[-1] == "ProductOfferingStateChangeEvent"


def test_illegal_transition_is_a_conflict_and_changes_nothing(
    demo: CatalogService, ctx: RequestContext
) -> None:
    with pytest.raises(Conflict, match="cannot move from 'Launched' to 'In Study'"):
        demo.patch("productOffering", "po-tv-basic", {"lifecycleStatus": "In Study"}, "merge", ctx)
    assert demo.get("productOffering", "po-tv-basic").lifecycle_status == "Launched"
    assert events(demo, "po-tv-basic") == ["ProductOfferingCreateEvent"]


def test_unchanged_patch_writes_nothing(demo: CatalogService, ctx: RequestContext) -> None:
    before = demo.get("productOffering", "po-tv-basic")
    after = demo.patch("productOffering", "po-tv-basic", {"name": before.name}, "merge", ctx)
    assert after.row_version == before.row_version
    assert events(demo, "po-tv-basic") == ["ProductOfferingCreateEvent"]


def test_if_match_guards_changes(demo: CatalogService, ctx: RequestContext) -> None:
    current = demo.get("productOffering", "po-tv-basic")
    with pytest.raises(PreconditionFailed):
        demo.patch(
            "productOffering", "po-tv-basic", {"name": "x"}, "merge", ctx, if_match='"0.9-1"'
        )
    demo.patch(
        "productOffering", "po-tv-basic", {"description": "y"}, "merge", ctx, if_match=current.etag
    )


def test_concurrent_updates_never_lose_one_silently(
    catalog: CatalogService, ctx: RequestContext
) -> None:
    """Many writers on one draft: each either lands (row version +1) or gets a 409 Conflict."""
    entity = catalog.create("category", {"name": "contended"}, ctx)
    outcomes: list[str] = []

    def write(n: int) -> None:
        try:
            catalog.patch("category", entity.id, {"description": f"writer {n}"}, "merge", ctx)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = catalog.get("category", entity.id)
    assert final.row_version == 1 + outcomes.count("ok")
    assert len(events(catalog, entity.id)) == 1 + outcomes.count("ok")


@pytest.mark.parametrize("entry_id", [u["id"] for u in seeding.fixture("ugly") if u["expect"]])
def test_each_ugly_entity_is_refused_with_its_problem(
    demo: CatalogService, ctx: RequestContext, entry_id: str
) -> None:
    entry = next(u for u in seeding.fixture("ugly") if u["id"] == entry_id)
    with pytest.raises(InvalidRequest) as caught:
        demo.create(entry["kind"], entry["document"], ctx)
    assert entry["expect"] in caught.value.message


def test_audit_finds_every_problem_of_legacy_data(
    demo: CatalogService, ctx: RequestContext
) -> None:
    ugly = seeding.fixture("ugly")
    seeding.load_raw(demo, ugly, ctx)
    found = demo.audit()
    for entry in ugly:
        key = (entry["kind"], entry["id"])
        if entry["expect"]:
            assert any(entry["expect"] in p for p in found[key]), (key, found.get(key))
        else:
            assert key not in found, (key, found[key])
    assert not [k for k in found if not k[1].startswith("ugly-")]  # the demo catalog is clean


def test_lenient_accepts_references_to_other_systems_but_not_cycles(
    lenient_catalog: CatalogService, ctx: RequestContext
) -> None:
    a = lenient_catalog.create(
        "productOffering",
        {
            "name": "A",
            "lifecycleStatus": "Active",
            "productSpecification": {"id": "elsewhere"},
            "productOfferingRelationship": [{"id": "B", "relationshipType": "requires"}],
        },
        ctx,
    )
    with pytest.raises(InvalidRequest, match="cycle"):
        lenient_catalog.create(
            "productOffering",
            {
                "name": "B",
                "productOfferingRelationship": [{"id": a.id, "relationshipType": "requires"}],
            },
            ctx,
            entity_id="B",
        )


def test_publish_gates_hold_until_spec_and_price_are_usable(
    catalog: CatalogService, ctx: RequestContext
) -> None:
    spec = catalog.create("productSpecification", {"name": "S"}, ctx)
    price = catalog.create(
        "productOfferingPrice",
        {
            "name": "P",
            "priceType": "recurring",
            "price": {"unit": "EUR", "value": 10},
            "lifecycleStatus": "Active",
        },
        ctx,
    )
    offer = catalog.create(
        "productOffering",
        {
            "name": "O",
            "lifecycleStatus": "In Test",
            "productSpecification": {"id": spec.id},
            "productOfferingPrice": [{"id": price.id}],
        },
        ctx,
    )
    with pytest.raises(InvalidRequest, match=r"productSpecification .* is 'In Study'"):
        catalog.patch("productOffering", offer.id, {"lifecycleStatus": "Active"}, "merge", ctx)
    for state in ("In Design", "In Test", "Active"):
        catalog.patch("productSpecification", spec.id, {"lifecycleStatus": state}, "merge", ctx)
    active = catalog.patch("productOffering", offer.id, {"lifecycleStatus": "Active"}, "merge", ctx)
    assert active.lifecycle_status == "Active"
