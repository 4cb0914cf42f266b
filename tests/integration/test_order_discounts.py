"""Discounts on order items: manual and catalog price alterations, checked, applied, snapshotted."""

from __future__ import annotations

from typing import Any

import pytest

from core.ordering.service import OrderingService
from core.requests import RequestContext
from tests.integration.test_order_capture import refused
from tests.orders import add, order


def discounted(
    item: dict[str, Any], *alterations: dict[str, Any], price_type: str = "recurring"
) -> dict[str, Any]:
    """The item asking for these alterations on its prices of ``price_type``."""
    return {**item, "itemPrice": [{"priceType": price_type, "priceAlteration": list(alterations)}]}


def percent(value: Any, **extra: Any) -> dict[str, Any]:
    return {"priceType": "recurring", "name": "Goodwill", "price": {"percentage": value}, **extra}


def amount_off(value: Any, unit: str = "EUR") -> dict[str, Any]:
    return {"priceType": "recurring", "price": {"dutyFreeAmount": {"unit": unit, "value": value}}}


def monthly_total(document: dict[str, Any]) -> float:
    (total,) = [t for t in document["orderTotalPrice"] if t["priceType"] == "recurring"]
    return float(total["price"]["dutyFreeAmount"]["value"])


def test_a_manual_percentage_is_applied_shown_and_bound_into_the_fingerprint(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    plain, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    asked = discounted(add("1", "po-mobile-s"), percent(15, applicationDuration=12))
    placed, _ = ordering.place(order("cust-carol", asked), order_ctx)
    (price,) = [p for p in placed.item("1")["itemPrice"] if p["priceType"] == "recurring"]
    assert price["price"]["dutyFreeAmount"]["value"] == 15.0  # the catalog price stays shown
    (alteration,) = price["priceAlteration"]
    assert alteration["price"] == {
        "percentage": 15.0,
        "dutyFreeAmount": {"unit": "EUR", "value": 2.25},
    }
    assert alteration["applicationDuration"] == 12 and alteration["@type"] == "PriceAlteration"
    assert monthly_total(placed.document) == 12.75
    assert placed.item("1")["itemTotalPrice"][0]["price"]["dutyFreeAmount"]["value"] == 12.75
    assert monthly_total(plain.document) == 15.0
    line = placed.snapshot["items"][0]["price"][0]
    assert line["netAmount"] == "12.75"
    assert line["alterations"] == [
        {
            "kind": "manual",
            "reduction": "2.25",
            "name": "Goodwill",
            "percentage": "15",
            "applicationDuration": 12,
        }
    ]
    assert placed.snapshot["fingerprint"] != plain.snapshot["fingerprint"]


def test_an_amount_off_and_a_catalog_discount_add_up(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    loyalty = {
        "priceType": "recurring",
        "price": {},
        "productOfferingPrice": {"id": "pop-mobile-l-loyalty"},
    }
    asked = discounted(add("1", "po-mobile-l", roaming=False), loyalty, amount_off(5))
    placed, _ = ordering.place(order("cust-carol", asked), order_ctx)
    assert monthly_total(placed.document) == 35.0 - 3.5 - 5.0
    alterations = placed.snapshot["items"][0]["price"][0]["alterations"]
    assert alterations[0]["kind"] == "catalog" and alterations[0]["percentage"] == "10"
    assert alterations[0]["productOfferingPrice"] == {
        "id": "pop-mobile-l-loyalty",
        "version": "1.0",
    }
    assert alterations[1] == {"kind": "manual", "reduction": "5", "amount": "5"}


def test_a_catalog_discount_takes_the_catalog_value_not_the_clients(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    loyalty = {
        "priceType": "recurring",
        "price": {"percentage": 90},
        "productOfferingPrice": {"id": "pop-mobile-l-loyalty"},
    }
    placed, _ = ordering.place(
        order("cust-carol", discounted(add("1", "po-mobile-l"), loyalty)), order_ctx
    )
    assert monthly_total(placed.document) == 31.5


def test_a_discount_survives_re_pricing_after_a_change_of_quantity(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    placed, _ = ordering.place(
        order("cust-carol", discounted(add("1", "po-mobile-s"), percent(20))), order_ctx
    )
    items = [
        {k: v for k, v in i.items() if k != "state"} for i in placed.document["productOrderItem"]
    ]
    items[0]["quantity"] = 3
    patched = ordering.patch(placed.id, {"productOrderItem": items}, "merge", order_ctx)
    assert monthly_total(patched.document) == 36.0  # 3 x 15, less 20 %
    assert patched.snapshot["fingerprint"] != placed.snapshot["fingerprint"]


@pytest.mark.parametrize(
    ("alteration", "fragment"),
    [
        (percent(101), "at most 100"),
        (percent(0), "above 0"),
        (percent(-5), "above 0"),
        (percent(float("nan")), "give price.percentage or price.dutyFreeAmount"),
        (percent(float("inf")), "give price.percentage or price.dutyFreeAmount"),
        (amount_off(16), "would make the price"),
        (amount_off(-1), "must be above 0"),
        (amount_off(2, unit="USD"), "in USD cannot alter a price in EUR"),
        ({"priceType": "recurring", "price": {}}, "give price.percentage"),
        (percent(10, applicationDuration=0), "applicationDuration"),
        (
            {
                "priceType": "recurring",
                "price": {},
                "productOfferingPrice": {"id": "pop-mobile-l-loyalty"},
            },
            "not a discount this offering gives",
        ),
        (
            {
                "priceType": "recurring",
                "price": {},
                "productOfferingPrice": {"id": "pop-mobile-s-monthly"},
            },
            "not a discount this offering gives",
        ),
    ],
)
def test_impossible_discounts_are_refused_and_nothing_is_written(
    ordering: OrderingService, order_ctx: RequestContext, alteration: dict[str, Any], fragment: str
) -> None:
    problems = refused(
        ordering, order_ctx, order("cust-carol", discounted(add("1", "po-mobile-s"), alteration))
    )
    assert any(fragment in p and "item '1'" in p for p in problems), problems


def test_discounts_that_together_exceed_the_price_are_refused(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    asked = discounted(add("1", "po-mobile-s"), percent(60), amount_off(7))
    problems = refused(ordering, order_ctx, order("cust-carol", asked))
    assert any("would make the price" in p for p in problems), problems


def test_only_charges_the_item_has_take_a_discount(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    usage = discounted(
        add("1", "po-mobile-s"),
        {"priceType": "usage", "price": {"percentage": 5}},
        price_type="usage",
    )
    assert any(
        "only oneTime and recurring" in p
        for p in refused(ordering, order_ctx, order("cust-carol", usage))
    )
    one_time = discounted(
        add("1", "po-mobile-s"),
        {"priceType": "oneTime", "price": {"percentage": 5}},
        price_type="oneTime",
    )
    assert any(
        "no oneTime price to discount" in p
        for p in refused(ordering, order_ctx, order("cust-carol", one_time))
    )


def test_client_prices_that_agree_may_carry_a_discount_request(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    base = {
        "priceType": "recurring",
        "recurringChargePeriod": "month",
        "price": {"dutyFreeAmount": {"unit": "EUR", "value": 15.0}},
    }
    rate = {"priceType": "usage", "price": {"dutyFreeAmount": {"unit": "EUR", "value": 0.05}}}
    item = {
        **add("1", "po-mobile-s"),
        "itemPrice": [{**base, "priceAlteration": [percent(10)]}, rate],
    }
    placed, _ = ordering.place(order("cust-carol", item), order_ctx)
    assert monthly_total(placed.document) == 13.5
    wrong = {
        **base,
        "price": {"dutyFreeAmount": {"unit": "EUR", "value": 9.0}},
        "priceAlteration": [percent(10)],
    }
    problems = refused(
        ordering,
        order_ctx,
        order("cust-carol", {**add("1", "po-mobile-s"), "itemPrice": [wrong, rate]}),
    )
    assert any("disagrees with the catalog" in p for p in problems), problems
