"""Every charge is accounted for: an offering is sold only with a price that can be charged on the
order date (lifecycle, validFor, amount, currency), by reference or by value alike, and the
publish gate uses the same rule."""

from __future__ import annotations

from typing import Any

import pytest

from core.approval import evidence
from core.catalog.service import CatalogService, CatalogSettings
from core.errors import InvalidRequest
from core.ordering.service import OrderingService
from core.persistence.database import Database
from core.requests import RequestContext
from core.schema import ResourceSchemas
from tests.orders import add, change, order

MONTHLY: dict[str, Any] = {
    "priceType": "recurring",
    "recurringChargePeriodType": "month",
    "recurringChargePeriodLength": 1,
    "price": {"unit": "EUR", "value": 20},
}


@pytest.fixture
def shop_catalog(shop_db: Database, schemas: ResourceSchemas) -> CatalogService:
    return CatalogService(shop_db, schemas, CatalogSettings(strict=True))


def price(catalog: CatalogService, ctx: RequestContext, **extra: Any) -> str:
    body = {"name": "Monthly", "lifecycleStatus": "Active", **MONTHLY, **extra}
    return catalog.create("productOfferingPrice", body, ctx).id


def offering(catalog: CatalogService, ctx: RequestContext, prices: list[dict[str, Any]]) -> str:
    spec = catalog.create(
        "productSpecification", {"name": "Plain", "lifecycleStatus": "Active"}, ctx
    )
    body = {
        "name": "Plan",
        "lifecycleStatus": "Active",
        "productSpecification": {"id": spec.id},
        "productOfferingPrice": prices,
    }
    return catalog.create("productOffering", body, ctx).id


def refused(ordering: OrderingService, ctx: RequestContext, offering_id: str) -> str:
    with pytest.raises(InvalidRequest) as caught:
        ordering.place(order("cust-carol", add("1", offering_id)), ctx)
    (problem,) = caught.value.problems
    assert problem.startswith(f"item '1': productOffering {offering_id!r} has no price that")
    return problem


def count_orders(db: Database) -> int:
    with db.uow(write=False) as uow:
        return sum(uow.orders.count_by_state().values())


def test_a_price_that_starts_later_publishes_but_does_not_sell(
    shop_catalog: CatalogService,
    ordering: OrderingService,
    ctx: RequestContext,
    order_ctx: RequestContext,
) -> None:
    later = price(shop_catalog, ctx, validFor={"startDateTime": "2099-01-01T00:00:00.000Z"})
    offering_id = offering(shop_catalog, ctx, [{"id": later}])
    problem = refused(ordering, order_ctx, offering_id)
    assert f"productOfferingPrice {later!r} is valid only from 2099-01-01" in problem
    assert count_orders(shop_catalog.db) == 0


def test_an_ended_or_retired_price_does_not_sell(
    shop_catalog: CatalogService,
    ordering: OrderingService,
    ctx: RequestContext,
    order_ctx: RequestContext,
) -> None:
    ending, retiring = price(shop_catalog, ctx), price(shop_catalog, ctx)
    offering_id = offering(shop_catalog, ctx, [{"id": ending}, {"id": retiring}])
    placed, _ = ordering.place(order("cust-carol", add("1", offering_id)), order_ctx)
    assert len(placed.document["productOrderItem"][0]["itemPrice"]) == 2
    ended = {"validFor": {"startDateTime": "2020-01-01T00:00:00.000Z",
                          "endDateTime": "2021-01-01T00:00:00.000Z"}}  # fmt: skip
    shop_catalog.patch("productOfferingPrice", ending, ended, "merge", ctx)
    shop_catalog.patch(
        "productOfferingPrice", retiring, {"lifecycleStatus": "Retired"}, "merge", ctx
    )
    problem = refused(ordering, order_ctx, offering_id)
    assert f"productOfferingPrice {ending!r} ended at 2021-01-01" in problem
    assert f"productOfferingPrice {retiring!r} is Retired" in problem
    assert count_orders(shop_catalog.db) == 1


def test_prices_by_value_are_charged_like_references_and_kept_as_evidence(
    shop_catalog: CatalogService,
    ordering: OrderingService,
    ctx: RequestContext,
    order_ctx: RequestContext,
) -> None:
    offering_id = offering(shop_catalog, ctx, [{"name": "Inline", **MONTHLY}])
    placed, _ = ordering.place(order("cust-carol", add("1", offering_id)), order_ctx)
    (charged,) = placed.document["productOrderItem"][0]["itemPrice"]
    assert charged["price"]["dutyFreeAmount"] == {"unit": "EUR", "value": 20.0}
    assert "productOfferingPrice" not in charged  # no catalog price to name
    (line,) = placed.snapshot["items"][0]["price"]
    assert line["byValue"] == {
        "productOffering": {"id": offering_id, "version": "1.0"},
        "position": 1,
        "id": None,
    }
    assert "productOfferingPrice" not in line
    package = evidence.package(shop_catalog.db, placed.id, "2026-12-02T00:00:00.000Z")
    kinds = {(e["kind"], e["id"]): e for e in package["catalog"]}
    assert kinds[("productOffering", offering_id)]["intact"] is True
    assert all(e["document"] is not None for e in package["catalog"])


def test_a_retired_price_by_value_does_not_sell(
    shop_catalog: CatalogService,
    ordering: OrderingService,
    ctx: RequestContext,
    order_ctx: RequestContext,
) -> None:
    retired = {"name": "Old", "lifecycleStatus": "Retired", **MONTHLY}
    fresh = price(shop_catalog, ctx)
    offering_id = offering(shop_catalog, ctx, [retired, {"id": fresh}])
    shop_catalog.patch("productOfferingPrice", fresh, {"lifecycleStatus": "Retired"}, "merge", ctx)
    problem = refused(ordering, order_ctx, offering_id)
    assert "price 1 (by value) is Retired" in problem


def test_an_explicitly_free_offering_sells_at_zero(
    shop_catalog: CatalogService,
    ordering: OrderingService,
    ctx: RequestContext,
    order_ctx: RequestContext,
) -> None:
    free = price(shop_catalog, ctx, price={"unit": "EUR", "value": 0})
    offering_id = offering(shop_catalog, ctx, [{"id": free}])
    placed, _ = ordering.place(order("cust-carol", add("1", offering_id)), order_ctx)
    (charged,) = placed.document["productOrderItem"][0]["itemPrice"]
    assert charged["price"]["dutyFreeAmount"]["value"] == 0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"price": {"value": 20}}, "has no ISO 4217 currency (price.unit None)"),
        ({"price": {"unit": "euro", "value": 20}}, "has no ISO 4217 currency"),
        ({"price": {"unit": "EUR"}}, "has no amount (price.value)"),
        ({"priceType": "discount", "percentage": 10}, "is a discount, not a charge"),
        ({"lifecycleStatus": "Retired"}, "is Retired"),
        ({"validFor": {"endDateTime": "2021-01-01T00:00:00.000Z"}}, "ended at 2021-01-01"),
    ],
)
def test_the_publish_gate_uses_the_same_rule(
    shop_catalog: CatalogService, ctx: RequestContext, change: dict[str, Any], reason: str
) -> None:
    body = {"name": "Broken", **MONTHLY, **change}
    body.setdefault("lifecycleStatus", "Active")
    if body["lifecycleStatus"] == "Retired":  # created Active, then retired
        retired = price(shop_catalog, ctx)
        shop_catalog.patch(
            "productOfferingPrice", retired, {"lifecycleStatus": "Retired"}, "merge", ctx
        )
        entries = [{"id": retired}]
    else:
        entries = [body]
    with pytest.raises(
        InvalidRequest, match="needs at least one usable productOfferingPrice"
    ) as caught:
        offering(shop_catalog, ctx, entries)
    assert reason in caught.value.message or any(reason in p for p in caught.value.problems)


def test_moving_a_product_to_an_offering_with_no_price_is_refused(
    shop_catalog: CatalogService,
    ordering: OrderingService,
    ctx: RequestContext,
    order_ctx: RequestContext,
) -> None:
    retiring = price(shop_catalog, ctx)
    offering_id = offering(shop_catalog, ctx, [{"id": retiring}])
    shop_catalog.patch(
        "productOfferingPrice", retiring, {"lifecycleStatus": "Retired"}, "merge", ctx
    )
    moved = change("1", "modify", "prod-alice-mobile")
    moved["productOffering"] = {"id": offering_id}
    with pytest.raises(InvalidRequest) as caught:
        ordering.place(order("cust-alice", moved), order_ctx)
    assert f"productOffering {offering_id!r} has no price that can be charged" in str(
        caught.value.problems
    )
    stay = order("cust-alice", change("1", "modify", "prod-alice-mobile", roaming=True))
    assert ordering.place(stay, order_ctx)[0].state == "acknowledged"
