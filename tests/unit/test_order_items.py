"""Structural rules of orders and the characteristic rules, without a database."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import InvalidRequest
from core.inventory.model import Characteristic
from core.ordering import characteristics
from core.ordering.items import MAX_ITEMS, read_items, structural_problems


def problems(document: dict[str, Any], strict: bool = True) -> list[str]:
    return structural_problems(read_items(document), strict)


def item(item_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "action": "add", "productOffering": {"id": "po"}, **extra}


def test_a_valid_structure_has_no_problems() -> None:
    assert problems({"productOrderItem": [item("1"), item("2", quantity=3)]}) == []


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"productOrderItem": []}, "an order needs at least one item"),
        ({"productOrderItem": [item("1"), item("1")]}, "id '1' is used by more than one item"),
        ({"productOrderItem": [item("1", quantity=-2)]}, "quantity must be at least 1, not -2"),
        (
            {"productOrderItem": [item("1"), item("2", state="completed")]},
            "item '2': state is set by the server",
        ),
        (
            {
                "productOrderItem": [
                    item(
                        "1",
                        productOrderItemRelationship=[{"id": "9", "relationshipType": "reliesOn"}],
                    )
                ]
            },
            "points to '9', which is not an item of this order",
        ),
        (
            {"productOrderItem": [item("1", productOrderItemRelationship=[{"id": "1"}])]},
            "points to the item itself",
        ),
        (
            {
                "productOrderItem": [
                    item(
                        "1",
                        productOrderItemRelationship=[{"id": "2", "relationshipType": "reliesOn"}],
                    ),
                    item(
                        "2",
                        productOrderItemRelationship=[{"id": "3", "relationshipType": "reliesOn"}],
                    ),
                    item(
                        "3",
                        productOrderItemRelationship=[{"id": "1", "relationshipType": "reliesOn"}],
                    ),
                ]
            },
            "items form a cycle (1 -> 2 -> 3 -> 1)",
        ),
        (
            {
                "productOrderItem": [
                    item(
                        "1",
                        productOrderItem=[
                            {"id": "1.1", "action": "delete", "product": {"id": "p"}}
                        ],
                    )
                ]
            },
            "a child of the add item '1' must be add",
        ),
        (
            {"productOrderItem": [{"id": "1", "action": "add"}]},
            "names the productOffering to order",
        ),
        (
            {"productOrderItem": [{"id": "1", "action": "modify"}]},
            "a modify item names the existing product.id",
        ),
    ],
)
def test_structural_rules(document: dict[str, Any], expected: str) -> None:
    found = problems(document)
    assert any(expected in p for p in found), found


def test_lenient_does_not_require_references() -> None:
    assert problems({"productOrderItem": [{"id": "1", "action": "modify"}]}, strict=False) == []


def test_too_many_items_are_refused_before_anything_else() -> None:
    huge = {"productOrderItem": [item(str(i)) for i in range(MAX_ITEMS + 1)]}
    with pytest.raises(InvalidRequest, match=f"at most {MAX_ITEMS} items"):
        read_items(huge)


def test_nested_children_know_their_parent() -> None:
    items = read_items({"productOrderItem": [item("1", productOrderItem=[item("1.1")]), item("2")]})
    assert [(i.id, i.parent_id) for i in items] == [("1", None), ("1.1", "1"), ("2", None)]


SPEC = {
    "productSpecCharacteristic": [
        {
            "name": "speed",
            "valueType": "integer",
            "minCardinality": 1,
            "maxCardinality": 1,
            "productSpecCharacteristicValue": [{"value": 300}, {"value": 1000, "isDefault": True}],
        },
        {
            "name": "gb",
            "valueType": "number",
            "productSpecCharacteristicValue": [{"valueFrom": 1, "valueTo": 50}],
        },
        {"name": "label", "valueType": "string", "minCardinality": 1},
    ]
}


def configure(
    *requested: Characteristic, offering: dict[str, Any] | None = None
) -> tuple[list[Characteristic], list[str]]:
    return characteristics.configure(
        "item '1'", requested, characteristics.rules(SPEC, offering), "ps"
    )


def test_defaults_fill_required_characteristics_and_missing_ones_without_default_fail() -> None:
    config, found = configure()
    assert Characteristic("speed", 1000, "integer") in config
    assert found == ["item '1': characteristic 'label' is required (at least 1 value(s))"]


def test_values_ranges_types_and_cardinality() -> None:
    _, found = configure(
        Characteristic("speed", 500),
        Characteristic("gb", 80),
        Characteristic("label", 7),
        Characteristic("label", "x"),
    )
    assert "item '1': characteristic 'speed' cannot be 500; allowed: 300, 1000" in found
    assert "item '1': characteristic 'gb' cannot be 80; allowed: 1..50" in found
    assert "item '1': characteristic 'label' must be of valueType string, not 7" in found
    _, ok = configure(
        Characteristic("speed", 300), Characteristic("gb", 12.5), Characteristic("label", "x")
    )
    assert ok == []
    _, too_many = configure(
        Characteristic("speed", 300), Characteristic("speed", 1000), Characteristic("label", "x")
    )
    assert "item '1': characteristic 'speed' takes at most 1 value(s), got 2" in too_many


def test_an_offering_narrows_the_specification() -> None:
    offering = {
        "prodSpecCharValueUse": [
            {"name": "speed", "productSpecCharacteristicValue": [{"value": 300, "isDefault": True}]}
        ]
    }
    config, found = configure(Characteristic("label", "x"), offering=offering)
    assert Characteristic("speed", 300, "integer") in config and found == []
    _, refused = configure(
        Characteristic("speed", 1000), Characteristic("label", "x"), offering=offering
    )
    assert refused == ["item '1': characteristic 'speed' cannot be 1000; allowed: 300"]


def test_booleans_are_not_integers() -> None:
    _, found = configure(Characteristic("speed", True), Characteristic("label", "x"))
    assert "item '1': characteristic 'speed' must be of valueType integer, not True" in found


def test_a_product_moving_offering_keeps_only_what_the_new_one_allows() -> None:
    rules = characteristics.rules(SPEC, None)
    current = [
        Characteristic("speed", 500),  # not allowed: the new offering's default replaces it
        Characteristic("gb", 80),  # not allowed, no default: the client must say
        Characteristic("label", "kept"),
        Characteristic("colour", "red"),  # not in the new specification: left behind
    ]
    config, found = characteristics.configure("item '1'", (), rules, "ps", current, moved=True)
    assert {c.name: c.value for c in config} == {"speed": 1000, "label": "kept"}
    assert found == [
        "item '1': characteristic 'gb' is 80, which the new offering does not allow; send the "
        "value it should have"
    ]
    _, staying = characteristics.configure("item '1'", (), rules, "ps", current)
    assert staying == []  # a modify in place keeps what the product has
