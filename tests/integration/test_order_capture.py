"""Order capture on each back end: every strict rule refuses what it must, nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from core.catalog.service import CatalogService, CatalogSettings
from core.errors import InvalidRequest
from core.inventory.model import InstalledProduct
from core.ordering.service import OrderingService
from core.persistence.database import Database
from core.requests import RequestContext
from core.schema import ResourceSchemas
from tests.orders import add, change, home_bundle, order


def rows(db: Database, table: str) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def refused(service: OrderingService, ctx: RequestContext, body: dict[str, Any]) -> list[str]:
    """Place ``body``, expect a 400 with problems, and check that nothing was written."""
    before = rows(service.db, "product_order"), rows(service.db, "outbox")
    with pytest.raises(InvalidRequest) as caught:
        service.place(body, ctx)
    assert (rows(service.db, "product_order"), rows(service.db, "outbox")) == before
    return caught.value.problems


def test_a_valid_order_is_acknowledged_priced_and_snapshotted(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    body = order("cust-carol", add("1", "po-mobile-l", roaming=True), home_bundle("2"))
    placed, new = ordering.place(body, order_ctx)
    assert new and placed.state == "acknowledged"
    assert {i["state"] for i in placed.items()} == {"acknowledged"}
    mobile = placed.item("1")
    assert [
        (p["priceType"], p["price"]["dutyFreeAmount"]["value"]) for p in mobile["itemPrice"]
    ] == [
        ("recurring", 35.0),
        ("usage", 0.05),
    ]
    bundle = placed.item("2")
    assert bundle["itemTotalPrice"][0]["price"]["dutyFreeAmount"]["value"] == 79.0
    assert placed.item("2.1")["itemPrice"] == []  # a child is included in its bundle's price
    totals = {
        (t["priceType"], t.get("recurringChargePeriod")): t
        for t in placed.document["orderTotalPrice"]
    }
    assert totals[("recurring", "month")]["price"]["dutyFreeAmount"]["value"] == 114.0
    snapshot = placed.snapshot
    assert snapshot is not None and snapshot["fingerprint"].startswith("sha256:")
    first = snapshot["items"][0]
    assert first["productOffering"] == {"id": "po-mobile-l", "version": "1.0"}
    config = {c["name"]: c["value"] for c in first["configuration"]}
    assert config == {"dataAllowanceGB": 100, "roaming": True}  # the default was filled in
    stored = ordering.get(placed.id)
    assert stored.snapshot == snapshot and stored.document == placed.document


def test_the_order_timeline_and_create_event_are_written_with_the_order(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    placed, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    timeline = ordering.timeline(placed.id)
    assert [(e.item_id, e.from_state, e.to_state) for e in timeline] == [
        (None, None, "acknowledged"),
        ("1", None, "acknowledged"),
    ]
    assert timeline[0].correlation_id == "order-correlation"
    with ordering.db.uow(write=False) as uow:
        events = uow.outbox.list("productOrder", placed.id)
    assert [e.event_type for e in events] == ["ProductOrderCreateEvent"]
    assert events[0].correlation_id == "order-correlation"
    assert events[0].payload["event"]["productOrder"]["state"] == "acknowledged"


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (add("1", "po-nothing"), "productOffering 'po-nothing' does not exist"),
        (add("1", "po-mobile-xl-2025"), "is Retired and cannot be ordered"),
        (add("1", "po-router-rental"), "is sold only inside a bundle"),
        (
            add("1", "po-mobile-s", dataAllowanceGB=20),
            "characteristic 'dataAllowanceGB' cannot be 20",
        ),
        (
            add("1", "po-mobile-s", roaming="yes"),
            "characteristic 'roaming' must be of valueType boolean",
        ),
        (add("1", "po-mobile-s", colour="red"), "characteristic 'colour' is not defined"),
        (add("1", "po-fibre-1000"), "characteristic 'installationAddress' is required"),
        (add("1", "po-tv-sports", channelPackage="sports"), "requires 'po-tv-basic'"),
        (
            add("1", "po-mobile-s", [add("1.1", "po-router-rental")]),
            "'po-mobile-s' is not a bundle",
        ),
    ],
    ids=[
        "unknown",
        "retired",
        "not-sellable-alone",
        "value-not-allowed-by-offering",
        "wrong-type",
        "unknown-characteristic",
        "missing-required",
        "requires",
        "children-of-non-bundle",
    ],
)
def test_each_item_rule_refuses(
    ordering: OrderingService, order_ctx: RequestContext, item: dict[str, Any], expected: str
) -> None:
    problems = refused(ordering, order_ctx, order("cust-carol", item))
    assert any(expected in p and "item '1" in p for p in problems), problems


def test_an_offering_outside_its_valid_period_is_refused(
    ordering: OrderingService,
    order_ctx: RequestContext,
    schemas: ResourceSchemas,
    ctx: RequestContext,
) -> None:
    catalog = CatalogService(ordering.db, schemas, CatalogSettings(strict=True))
    catalog.create(
        "productOffering",
        {
            "name": "Future TV",
            "lifecycleStatus": "Launched",
            "validFor": {"startDateTime": "2099-01-01T00:00:00Z"},
            "productSpecification": {"id": "ps-tv"},
            "productOfferingPrice": [{"id": "pop-tv-basic-monthly"}],
        },
        ctx,
        entity_id="po-future",
    )
    problems = refused(
        ordering, order_ctx, order("cust-carol", add("1", "po-future", channelPackage="basic"))
    )
    assert any("is not valid on" in p and "2099-01-01" in p for p in problems), problems


def test_a_channel_the_offering_is_not_sold_through_is_refused(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    body = order("cust-carol", add("1", "po-mobile-s"), channel=[{"id": "partner-x"}])
    assert any(
        "not sold through channel partner-x" in p for p in refused(ordering, order_ctx, body)
    )
    body["channel"] = [{"id": "web"}]
    assert ordering.place(body, order_ctx)[0].state == "acknowledged"


def test_bundle_option_limits(ordering: OrderingService, order_ctx: RequestContext) -> None:
    bundle = home_bundle("1")
    bundle["productOrderItem"].pop()  # TV basic is mandatory
    bundle["productOrderItem"].append(add("1.9", "po-router-rental"))  # at most one router
    bundle["productOrderItem"].append(add("1.8", "po-mobile-s"))  # not part of the bundle
    problems = refused(ordering, order_ctx, order("cust-carol", bundle))
    assert any("needs at least 1 of 'po-tv-basic'" in p for p in problems), problems
    assert any("takes at most 1 of 'po-router-rental'" in p and "got 2" in p for p in problems)
    assert any(
        "'1.8' offers 'po-mobile-s', which bundle 'po-home-bundle' does not" in p for p in problems
    )


def test_bundle_children_may_be_related_instead_of_nested(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    bundle = home_bundle("1")
    children = bundle.pop("productOrderItem")
    bundle["productOrderItemRelationship"] = [
        {"id": c["id"], "relationshipType": "bundles"} for c in children
    ]
    placed, _ = ordering.place(order("cust-carol", bundle, *children), order_ctx)
    assert placed.item("1.1")["itemPrice"] == []
    assert placed.item("1")["itemTotalPrice"][0]["price"]["dutyFreeAmount"]["value"] == 79.0


def test_requires_is_met_by_the_installed_base(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    # Bob has TV Basic, so he can add the sports add-on; Carol cannot (test above).
    placed, _ = ordering.place(
        order("cust-bob", add("1", "po-tv-sports", channelPackage="sports")), order_ctx
    )
    assert placed.state == "acknowledged"


def test_excludes_across_the_order_and_the_installed_base(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    fibre_300 = add("1", "po-fibre-300", installationAddress="x")
    problems = refused(ordering, order_ctx, order("cust-alice", fibre_300))
    assert any(
        "excludes 'po-fibre-1000'" in p and "product 'prod-alice-fibre'" in p for p in problems
    ), problems
    both = order(
        "cust-carol",
        fibre_300,
        add("2", "po-fibre-1000", installationAddress="x"),
        add("3", "po-router-rental"),
    )
    both["productOrderItem"][2] = home_bundle("3")  # the router comes inside a bundle here
    problems = refused(ordering, order_ctx, both)
    assert any("excludes 'po-fibre-1000', which item '2' of this order adds" in p for p in problems)
    assert any(
        "item '2': productOffering 'po-fibre-1000' is excluded by 'po-fibre-300'" in p
        for p in problems
    )


def test_replacing_an_excluded_product_in_the_same_order_is_allowed(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    body = order(
        "cust-alice",
        change("1", "delete", "prod-alice-fibre"),
        add("2", "po-fibre-300", installationAddress="12 rue des Lilas, Lyon"),
    )
    assert ordering.place(body, order_ctx)[0].state == "acknowledged"


def test_modify_is_computed_against_the_current_product(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    problems = refused(
        ordering,
        order_ctx,
        order("cust-alice", change("1", "modify", "prod-alice-mobile", dataAllowanceGB=100)),
    )
    assert any("characteristic 'dataAllowanceGB' cannot be 100" in p for p in problems)
    placed, _ = ordering.place(
        order("cust-alice", change("1", "modify", "prod-alice-mobile", roaming=True)), order_ctx
    )
    assert placed.snapshot is not None
    config = {c["name"]: c["value"] for c in placed.snapshot["items"][0]["configuration"]}
    assert config == {"dataAllowanceGB": 5, "msisdn": "+33600000001", "roaming": True}
    assert placed.item("1")["itemPrice"][0]["price"]["dutyFreeAmount"]["value"] == 15.0


@pytest.mark.parametrize(
    ("customer", "item", "expected"),
    [
        ("cust-bob", change("1", "modify", "prod-alice-mobile"), "belongs to another customer"),
        ("cust-alice", change("1", "delete", "prod-nothing"), "is not in the installed base"),
        (None, change("1", "noChange", "prod-alice-mobile"), "names no customer"),
        ("cust-alice", change("1", "delete", "prod-alice-router"), "breaks 'po-fibre-1000'"),
    ],
    ids=["other-customer", "unknown-product", "no-customer", "delete-breaks-requires"],
)
def test_changes_to_installed_products_are_checked(
    ordering: OrderingService,
    order_ctx: RequestContext,
    customer: str | None,
    item: dict[str, Any],
    expected: str,
) -> None:
    problems = refused(ordering, order_ctx, order(customer, item))
    assert any(expected in p for p in problems), problems


def test_an_item_naming_another_specification_version_is_refused(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    item = add("1", "po-mobile-s")
    item["product"] = {"productSpecification": {"id": "ps-mobile-line", "version": "0.9"}}
    problems = refused(ordering, order_ctx, order("cust-carol", item))
    assert any(
        "productSpecification 'ps-mobile-line' version '0.9' is not the specification" in p
        and "(ps-mobile-line version 1.0)" in p
        for p in problems
    ), problems
    item["product"]["productSpecification"]["version"] = "1.0"
    assert ordering.place(order("cust-carol", item), order_ctx)[0].state == "acknowledged"


def test_one_product_changed_by_two_items_is_refused(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    body = order(
        "cust-alice",
        change("1", "modify", "prod-alice-mobile", roaming=True),
        change("2", "delete", "prod-alice-mobile"),
    )
    problems = refused(ordering, order_ctx, body)
    assert "product 'prod-alice-mobile' is changed by several items: 1, 2" in problems


def test_a_product_that_is_no_longer_live_cannot_be_changed(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    ended = {
        "id": "prod-alice-old",
        "status": "terminated",
        "productOffering": {"id": "po-tv-basic"},
        "relatedParty": [{"id": "cust-alice", "role": "Customer", "@referredType": "Individual"}],
    }
    with ordering.db.uow() as uow:
        uow.inventory.add(
            InstalledProduct("prod-alice-old", "cust-alice", ended), "2026-01-01T00:00:00.000Z"
        )
        uow.commit()
    problems = refused(
        ordering, order_ctx, order("cust-alice", change("1", "delete", "prod-alice-old"))
    )
    assert "item '1': product 'prod-alice-old' is terminated and cannot be changed" in problems


def test_attributes_the_server_sets_are_refused_on_create(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    body = order("cust-carol", add("1", "po-mobile-s"), orderDate="2020-01-01T00:00:00Z", id="mine")
    problems = refused(ordering, order_ctx, body)
    assert "orderDate is set by the server; do not send it" in problems
    assert "id is set by the server; do not send it" in problems


def test_a_client_price_must_agree_with_the_catalog(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    def with_price(value: float) -> dict[str, Any]:
        item = add("1", "po-fibre-300", installationAddress="x")
        item["itemPrice"] = [
            {
                "priceType": "recurring",
                "recurringChargePeriod": "month",
                "price": {"dutyFreeAmount": {"unit": "EUR", "value": value}},
            }
        ]
        return order("cust-carol", item)

    problems = refused(ordering, order_ctx, with_price(10.0))
    assert any(
        "itemPrice (recurring/month 10 EUR) disagrees with the catalog (recurring/month 30 EUR)"
        in p
        for p in problems
    ), problems
    assert ordering.place(with_price(30), order_ctx)[0].state == "acknowledged"


def test_every_problem_of_an_order_comes_back_together(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    body = order(
        "cust-carol",
        add("1", "po-nothing"),
        add("2", "po-mobile-xl-2025"),
        add("2", "po-mobile-s", roaming=1),
    )
    body["state"] = "completed"
    problems = refused(ordering, order_ctx, body)
    assert "state is set by the server; do not send it" in problems
    assert any("id '2' is used by more than one item" in p for p in problems)


def test_catalog_problems_are_reported_together(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    problems = refused(
        ordering,
        order_ctx,
        order("cust-carol", add("1", "po-nothing"), add("2", "po-mobile-xl-2025")),
    )
    assert any(p.startswith("item '1'") for p in problems)
    assert any(p.startswith("item '2'") for p in problems)


def test_lenient_accepts_references_to_other_systems_unpriced(
    lenient_ordering: OrderingService, order_ctx: RequestContext
) -> None:
    body = order(
        None,
        {"id": "1", "action": "add", "productOffering": {"id": "14277"}},
        {"id": "2", "action": "modify", "product": {"id": "elsewhere-1"}},
    )
    placed, _ = lenient_ordering.place(body, order_ctx)
    assert placed.state == "acknowledged"
    assert "itemPrice" not in placed.item("1")
    # Lenient still applies the catalog's rules to what it does know, and structure always.
    with pytest.raises(InvalidRequest, match="Retired"):
        lenient_ordering.place(order(None, add("1", "po-mobile-xl-2025")), order_ctx)
    with pytest.raises(InvalidRequest, match="quantity must be at least 1"):
        lenient_ordering.place(order(None, {"id": "1", "action": "add", "quantity": 0}), order_ctx)
