"""A bundle in the installed base: child products linked with their bundle's, what each costs,
which order item made each state, and a bundle's delete taking its children with it."""

from __future__ import annotations

from typing import Any

from core.fulfillment.orchestrator import Orchestrator
from core.inventory.hierarchy import BUNDLED, IS_BUNDLED, related
from core.ordering.service import OrderingService
from core.requests import RequestContext
from tests.integration.test_fulfillment import fulfil
from tests.integration.test_order_capture import refused
from tests.orders import change, home_bundle, order


def products(ordering: OrderingService, customer: str) -> dict[str, dict[str, Any]]:
    """The customer's products by offering id."""
    with ordering.db.uow(write=False) as uow:
        found = uow.inventory.of_customer(customer)
    return {str(p.offering_id): p.document for p in found}


def carols_bundle(
    ordering: OrderingService, orchestrator: Orchestrator, order_ctx: RequestContext
) -> tuple[str, dict[str, dict[str, Any]]]:
    placed, _ = ordering.place(order("cust-carol", home_bundle("1")), order_ctx)
    done = fulfil(orchestrator, ordering, placed)
    assert done.state == "completed"
    return placed.id, products(ordering, "cust-carol")


def test_a_bundles_children_are_child_products_of_the_bundles_product(
    ordering: OrderingService, orchestrator: Orchestrator, order_ctx: RequestContext
) -> None:
    order_id, mine = carols_bundle(ordering, orchestrator, order_ctx)
    bundle = mine["po-home-bundle"]
    children = {o: d for o, d in mine.items() if o != "po-home-bundle"}
    assert set(children) == {"po-fibre-1000", "po-router-rental", "po-tv-basic"}
    assert bundle["isBundle"] is True
    assert sorted(related(bundle, BUNDLED)) == sorted(d["id"] for d in children.values())
    for child in children.values():
        assert related(child, IS_BUNDLED) == [bundle["id"]]
    made = {d["productOrderItem"][0]["orderItemId"] for d in mine.values()}
    assert made == {"1", "1.1", "1.2", "1.3"}
    assert {d["productOrderItem"][0]["productOrderId"] for d in mine.values()} == {order_id}
    (charge,) = bundle["productPrice"]  # the bundle's own charge covers its children
    assert charge["priceType"] == "recurring" and charge["price"]["dutyFreeAmount"]["value"] > 0
    assert all(child["productPrice"] == [] for child in children.values())


def test_a_child_changes_only_inside_an_item_for_its_bundle(
    ordering: OrderingService, orchestrator: Orchestrator, order_ctx: RequestContext
) -> None:
    _, mine = carols_bundle(ordering, orchestrator, order_ctx)
    bundle, tv = mine["po-home-bundle"]["id"], mine["po-tv-basic"]["id"]
    alone = change("1", "modify", tv, channelPackage="basic")
    problems = refused(ordering, order_ctx, order("cust-carol", alone))
    assert any(f"is part of bundle product {bundle!r}" in p for p in problems), problems
    holder = change("1", "noChange", bundle)
    holder["productOrderItem"] = [change("1.1", "delete", tv)]
    placed, _ = ordering.place(order("cust-carol", holder), order_ctx)
    assert fulfil(orchestrator, ordering, placed).state == "completed"
    after = products(ordering, "cust-carol")
    assert after["po-tv-basic"]["status"] == "terminated"
    assert after["po-home-bundle"]["status"] == "active"


def test_deleting_a_bundle_deletes_its_children_in_the_same_order(
    ordering: OrderingService, orchestrator: Orchestrator, order_ctx: RequestContext
) -> None:
    _, mine = carols_bundle(ordering, orchestrator, order_ctx)
    bundle = mine["po-home-bundle"]["id"]
    wrong = change("1", "delete", bundle)
    wrong["productOrderItem"] = [change("1.1", "modify", mine["po-tv-basic"]["id"])]
    problems = refused(ordering, order_ctx, order("cust-carol", wrong))
    assert any("it cannot modify it" in p for p in problems), problems

    placed, _ = ordering.place(order("cust-carol", change("1", "delete", bundle)), order_ctx)
    (item,) = placed.document["productOrderItem"]
    added = {c["id"]: c["product"]["id"] for c in item["productOrderItem"]}
    assert sorted(added.values()) == sorted(
        d["id"] for o, d in mine.items() if o != "po-home-bundle"
    )
    assert all(
        c["action"] == "delete" and c["state"] == "acknowledged" for c in item["productOrderItem"]
    )
    assert fulfil(orchestrator, ordering, placed).state == "completed"
    after = products(ordering, "cust-carol")
    assert {d["status"] for d in after.values()} == {"terminated"}
    assert all(d["productOrderItem"][-1]["productOrderId"] == placed.id for d in after.values())


def test_another_customers_bundle_tells_nothing_of_its_children(
    ordering: OrderingService, orchestrator: Orchestrator, order_ctx: RequestContext
) -> None:
    _, mine = carols_bundle(ordering, orchestrator, order_ctx)
    bundle = mine["po-home-bundle"]["id"]
    problems = refused(ordering, order_ctx, order("cust-alice", change("1", "delete", bundle)))
    assert problems == [f"item '1': product {bundle!r} belongs to another customer"]
