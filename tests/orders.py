"""Order bodies for tests: small builders over the demo catalog and demo customers."""

from __future__ import annotations

from typing import Any


def party(customer: str) -> list[dict[str, Any]]:
    return [{"id": customer, "role": "Customer", "@referredType": "Individual"}]


def chars(**values: Any) -> dict[str, Any]:
    return {"productCharacteristic": [{"name": k, "value": v} for k, v in values.items()]}


def add(
    item_id: str, offering: str, children: list[dict[str, Any]] | None = None, **values: Any
) -> dict[str, Any]:
    item: dict[str, Any] = {"id": item_id, "action": "add", "productOffering": {"id": offering}}
    if values:
        item["product"] = chars(**values)
    if children:
        item["productOrderItem"] = children
    return item


def change(item_id: str, action: str, product: str, **values: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "action": action,
        "product": {"id": product, **(chars(**values) if values else {})},
    }


def order(customer: str | None, *items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"productOrderItem": list(items), **extra}
    if customer:
        body["relatedParty"] = party(customer)
    return body


def home_bundle(item_id: str = "2") -> dict[str, Any]:
    """The demo home bundle with its mandatory children: fibre 1000, router, TV basic."""
    return add(
        item_id,
        "po-home-bundle",
        [
            add(f"{item_id}.1", "po-fibre-1000", installationAddress="1 Main St"),
            add(f"{item_id}.2", "po-router-rental"),
            add(f"{item_id}.3", "po-tv-basic", channelPackage="basic"),
        ],
    )
