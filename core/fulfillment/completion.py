"""Completion: a completed item changes the customer's installed base, as the order said."""

from __future__ import annotations

from typing import Any

from core.fulfillment.model import Task
from core.inventory.model import InstalledProduct
from core.ordering.model import ProductOrder
from core.persistence.uow import UnitOfWork

JsonObject = dict[str, Any]


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


def apply(
    uow: UnitOfWork,
    order: ProductOrder,
    item_id: str,
    tasks: list[Task],
    now: str,
    new_id: str,
) -> InstalledProduct | None:
    """Create (add), update (modify) or terminate (delete) the item's product.

    The product an add creates is returned, not stored: the caller inserts the products of
    many items together.
    """
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
            "relatedParty": [{"id": customer, "role": "Customer"}] if customer else [],
            "productOrderItem": [origin],
            "priceFingerprint": (order.snapshot or {}).get("fingerprint"),
            "@type": "Product",
        }
        if frozen.get("productSpecification"):
            document["productSpecification"] = frozen["productSpecification"]
        item["product"] = dict(product_ref, id=product_id)
        return InstalledProduct(product_id, customer, document)
    existing = uow.inventory.by_ids({str(product_ref.get("id"))}).get(str(product_ref.get("id")))
    if existing is None or action == "noChange":
        return None
    document = dict(existing.document)
    document["productOrderItem"] = [*(document.get("productOrderItem") or []), origin]
    if action == "modify":
        document["productCharacteristic"] = _characteristics(frozen.get("configuration") or [])
        if item.get("productOffering"):
            document["productOffering"] = item["productOffering"]
        document["priceFingerprint"] = (order.snapshot or {}).get("fingerprint")
    elif action == "delete":
        document["status"] = "terminated"
        document["terminationDate"] = now
    uow.inventory.update(
        InstalledProduct(existing.id, existing.customer_id, document, existing.row_version + 1),
        now,
    )
    return None
