"""Price lines, totals, rendering and the snapshot fingerprint."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.catalog.lifecycle import DEFAULT_LIFECYCLE
from core.catalog.model import CatalogEntity
from core.catalog.prices import OfferedPrice, by_reference
from core.inventory.model import Characteristic
from core.pricing import engine
from core.pricing.snapshot import fingerprint, order_price, signature, total_price

ON = "2026-06-01T00:00:00.000Z"


def pop(pop_id: str, **document: Any) -> OfferedPrice:
    body = {"name": pop_id, "lifecycleStatus": "Active", **document}
    return by_reference(CatalogEntity("productOfferingPrice", pop_id, "2.0", body))


def price_lines(
    prices: list[OfferedPrice], quantity: int, configuration: list[Characteristic], on: str
) -> list[engine.PriceLine]:
    return engine.price_lines(prices, quantity, configuration, on, DEFAULT_LIFECYCLE)


MONTHLY = pop(
    "monthly",
    priceType="recurring",
    price={"unit": "EUR", "value": 15.5},
    recurringChargePeriodType="month",
    recurringChargePeriodLength=1,
)
SETUP = pop("setup", priceType="oneTime", price={"unit": "EUR", "value": 60})
ROAMING = pop(
    "roaming",
    priceType="usage",
    price={"unit": "EUR", "value": 0.05},
    unitOfMeasure={"amount": 1, "units": "MB"},
)


def test_quantity_multiplies_charges_but_not_usage_rates() -> None:
    lines = price_lines([MONTHLY, SETUP, ROAMING], 3, [], ON)
    assert [(line.price_type, line.amount) for line in lines] == [
        ("recurring", Decimal("46.5")),
        ("oneTime", Decimal("180")),
        ("usage", Decimal("0.05")),
    ]
    assert lines[0].period == "month" and lines[2].unit_of_measure == "1 MB"
    assert lines[0].pop_version == "2.0"


def test_totals_sum_per_type_and_period_and_leave_usage_out() -> None:
    quarterly = pop(
        "quarterly",
        priceType="recurring",
        price={"unit": "EUR", "value": 10},
        recurringChargePeriodType="month",
        recurringChargePeriodLength=3,
    )
    lines = price_lines([MONTHLY, MONTHLY, quarterly, ROAMING], 1, [], ON)
    totals = engine.totals(lines)
    assert [(t.price_type, t.period, t.amount) for t in totals] == [
        ("recurring", "month", Decimal("31.0")),
        ("recurring", "3 month", Decimal("10")),
    ]


def test_tax_from_the_price_gives_tax_included_amounts() -> None:
    taxed = pop(
        "taxed", priceType="oneTime", price={"unit": "EUR", "value": 100}, tax=[{"taxRate": 20}]
    )
    line = price_lines([taxed], 1, [], ON)[0]
    rendered = order_price(line)
    assert rendered["price"]["taxRate"] == 20.0
    assert rendered["price"]["taxIncludedAmount"] == {"unit": "EUR", "value": 120.0}
    total = total_price(engine.totals([line])[0])
    assert total["price"]["taxIncludedAmount"]["value"] == 120.0
    untaxed_total = total_price(engine.totals([line, *price_lines([SETUP], 1, [], ON)])[0])
    assert "taxIncludedAmount" not in untaxed_total["price"]  # not every line carries tax


def test_a_price_applies_only_in_its_period_and_to_its_configuration() -> None:
    later = pop(
        "later",
        priceType="oneTime",
        price={"unit": "EUR", "value": 1},
        validFor={"startDateTime": "2027-01-01T00:00:00.000Z"},
    )
    fast = pop(
        "fast",
        priceType="recurring",
        price={"unit": "EUR", "value": 45},
        prodSpecCharValueUse=[
            {"name": "downloadMbps", "productSpecCharacteristicValue": [{"value": 1000}]}
        ],
    )
    assert price_lines([later], 1, [], ON) == []
    assert price_lines([fast], 1, [Characteristic("downloadMbps", 300)], ON) == []
    assert len(price_lines([fast], 1, [Characteristic("downloadMbps", 1000)], ON)) == 1


def test_discounts_and_unpriced_entries_are_not_charged_here() -> None:
    discount = pop("discount", priceType="discount", percentage=10)
    broken = pop("broken", priceType="recurring", price={"unit": "EUR", "value": "lots"})
    assert price_lines([discount, broken], 1, [], ON) == []


def test_signature_ignores_names_and_number_spelling() -> None:
    ours = [order_price(price_lines([MONTHLY], 1, [], ON)[0])]
    theirs = [
        {
            "priceType": "recurring",
            "recurringChargePeriod": "month",
            "price": {"dutyFreeAmount": {"unit": "EUR", "value": 15.50}},
        }
    ]
    assert signature(ours) == signature(theirs)
    theirs[0]["price"]["dutyFreeAmount"]["value"] = 15.49
    assert signature(ours) != signature(theirs)


def test_fingerprint_is_canonical_and_sensitive() -> None:
    a = {"items": [{"id": "1", "price": "15.5"}], "orderDate": ON}
    b = {"orderDate": ON, "items": [{"price": "15.5", "id": "1"}]}
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint({**a, "items": [{"id": "1", "price": "15.50"}]})
    assert fingerprint(a).startswith("sha256:") and len(fingerprint(a)) == 7 + 64
