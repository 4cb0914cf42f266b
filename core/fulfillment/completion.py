"""Completion: a completed item changes the customer's installed base, as the order said."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.fulfillment.model import Task
from core.inventory.model import InstalledProduct
from core.ordering.model import ProductOrder
from core.persistence.uow import UnitOfWork

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Applied:
    """What completing an item did to a product: ``old`` is None for a product it created
    (not stored yet: the caller inserts the products of many items together)."""

    product: InstalledProduct
    old: JsonObject | None


def _snapshot_item(order: ProductOrder, item_id: str) -> JsonObject:
    for item in (order.snapshot or {}).get("items") or []:
        if str(item.get("id")) == item_id:
            return dict(item)
    return {}


def _planned_product_id(tasks: list[Task], item_id: str) -> str | None:
    for task in tasks:
        if task.item_id == item_id and task.request.get("product_id"):
            return str(task.request["product_id"])
    return None


def _characteristics(configuration: list[JsonObject]) -> list[JsonObject]:
    return [{"name": c["name"], "value": c.get("value")} for c in configuration]


def _customer_party(order: ProductOrder) -> list[JsonObject]:
    """The order's customer, as the product's one related party (TMF637 wants its class)."""
    for party in order.document.get("relatedParty") or []:
        if isinstance(party, dict) and party.get("id") == order.customer_id:
            kept = {k: party[k] for k in ("id", "name", "@referredType") if k in party}
            return [{"@referredType": "Party", **kept, "role": "Customer"}]
    return []


def apply(
    uow: UnitOfWork,
    order: ProductOrder,
    item_id: str,
    tasks: list[Task],
    now: str,
    new_id: str,
) -> Applied | None:
    """Create (add), update (modify) or terminate (delete) the item's product."""
    if order.snapshot is None:  # read without it (see OrderRepository.lock_many)
        order.snapshot = uow.orders.snapshot(order.id)
    item = order.item(item_id)
    frozen = _snapshot_item(order, item_id)
    action = str(item.get("action"))
    customer = order.customer_id or ""
    origin = {"orderItemId": item_id, "productOrderId": order.id, "orderItemAction": action}
    product_ref: JsonObject = item["product"] if isinstance(item.get("product"), dict) else {}
    if action == "add":
        product_id = _planned_product_id(tasks, item_id) or new_id
        document: JsonObject = {
            "id": product_id,
            "status": "active",
            "startDate": now,
            "productOffering": item.get("productOffering"),
            "productCharacteristic": _characteristics(frozen.get("configuration") or []),
            "relatedParty": _customer_party(order),
            "productOrderItem": [origin],
            "priceFingerprint": (order.snapshot or {}).get("fingerprint"),
            "@type": "Product",
        }
        if frozen.get("productSpecification"):
            document["productSpecification"] = frozen["productSpecification"]
        item["product"] = dict(product_ref, id=product_id)
        return Applied(InstalledProduct(product_id, customer, document), None)
    existing = uow.inventory.by_ids({str(product_ref.get("id"))}).get(str(product_ref.get("id")))
    if existing is None or action == "noChange":
        return None
    document = dict(existing.document)
    document["productOrderItem"] = [*(document.get("productOrderItem") or []), origin]
    if frozen.get("statusChange") in ("suspend", "resume"):
        document["status"] = "suspended" if frozen["statusChange"] == "suspend" else "active"
    elif action == "modify":
        document["productCharacteristic"] = _characteristics(frozen.get("configuration") or [])
        if item.get("productOffering"):
            document["productOffering"] = item["productOffering"]
        document["priceFingerprint"] = (order.snapshot or {}).get("fingerprint")
    elif action == "delete":
        document["status"] = "terminated"
        document["terminationDate"] = now
    changed = InstalledProduct(
        existing.id, existing.customer_id, document, existing.row_version + 1
    )
    uow.inventory.update(changed, now)
    return Applied(changed, existing.document)
