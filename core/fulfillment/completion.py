"""Completion: a completed item changes the customer's installed base, as the order said."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.fulfillment.model import Task
from core.inventory.hierarchy import BUNDLED, IS_BUNDLED, relate
from core.inventory.model import InstalledProduct
from core.ordering.items import OrderItem
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


def _product_prices(item: JsonObject) -> list[JsonObject]:
    """What the customer pays for the product: the item's prices as the order priced them from
    its snapshot, as TMF ProductPrice."""
    prices = []
    for line in item.get("itemPrice") or []:
        if not isinstance(line, dict) or "price" not in line:
            continue
        price = {k: line[k] for k in _PRICE_KEYS if k in line}
        if line.get("priceAlteration"):
            price["productPriceAlteration"] = line["priceAlteration"]
        prices.append({**price, "@type": "ProductPrice"})
    return prices


_PRICE_KEYS = (
    "name",
    "priceType",
    "recurringChargePeriod",
    "unitOfMeasure",
    "price",
    "productOfferingPrice",
)


def _product_id_of(item: JsonObject | None) -> str | None:
    product = item.get("product") if item is not None else None
    return str(product["id"]) if isinstance(product, dict) and product.get("id") else None


def apply(
    uow: UnitOfWork,
    order: ProductOrder,
    item_id: str,
    tasks: list[Task],
    now: str,
    new_id: str,
    items: dict[str, OrderItem],
) -> list[Applied]:
    """Create (add), update (modify, suspend, resume) or terminate (delete) the item's product,
    and link a new product with its bundle's (``items``: the order's, by id, read once)."""
    if order.snapshot is None:  # read without it (see OrderRepository.lock_many)
        order.snapshot = uow.orders.snapshot(order.id)
    item = order.item(item_id)
    frozen = _snapshot_item(order, item_id)
    action = str(item.get("action"))
    origin = {"orderItemId": item_id, "productOrderId": order.id, "orderItemAction": action}
    if action == "add":
        return _create(uow, order, item, frozen, origin, tasks, now, new_id, items)
    product_id = _product_id_of(item) or ""
    existing = uow.inventory.by_ids({product_id}).get(product_id)
    if existing is None or action == "noChange":
        return []
    document = dict(existing.document)
    document["productOrderItem"] = [*(document.get("productOrderItem") or []), origin]
    if frozen.get("statusChange") in ("suspend", "resume"):
        document["status"] = "suspended" if frozen["statusChange"] == "suspend" else "active"
    elif action == "modify":
        document["productCharacteristic"] = _characteristics(frozen.get("configuration") or [])
        if item.get("productOffering"):
            document["productOffering"] = item["productOffering"]
        document["productPrice"] = _product_prices(item)
        document["priceFingerprint"] = (order.snapshot or {}).get("fingerprint")
    elif action == "delete":
        document["status"] = "terminated"
        document["terminationDate"] = now
    return [_store(uow, existing, document, now)]


def _create(
    uow: UnitOfWork,
    order: ProductOrder,
    item: JsonObject,
    frozen: JsonObject,
    origin: JsonObject,
    tasks: list[Task],
    now: str,
    new_id: str,
    items: dict[str, OrderItem],
) -> list[Applied]:
    """The product an add makes (not stored: the caller inserts many together), linked with
    its bundle and its children; a bundle product that exists already learns of the child."""
    item_id = str(item["id"])
    product_id = _product_id_of(item) or _planned_product_id(tasks, item_id) or new_id
    document: JsonObject = {
        "id": product_id,
        "status": "active",
        "startDate": now,
        "productOffering": item.get("productOffering"),
        "productCharacteristic": _characteristics(frozen.get("configuration") or []),
        "productPrice": _product_prices(item),
        "relatedParty": _customer_party(order),
        "productOrderItem": [origin],
        "priceFingerprint": (order.snapshot or {}).get("fingerprint"),
        "@type": "Product",
    }
    if frozen.get("productSpecification"):
        document["productSpecification"] = frozen["productSpecification"]
    children = [
        c for c in items.values() if c.parent_id == item_id and c.action == "add" and c.product_id
    ]
    if children:
        document["isBundle"] = True
        for child in children:
            relate(document, BUNDLED, str(child.product_id))
    applied = [Applied(InstalledProduct(product_id, order.customer_id or "", document), None)]
    parent_id = items[item_id].parent_id if item_id in items else None
    parent = order.item(parent_id) if parent_id else None
    bundle = _product_id_of(parent)
    if parent is not None and bundle is not None:
        relate(document, IS_BUNDLED, bundle)
        existing = uow.inventory.by_ids({bundle}).get(bundle)
        if existing is not None and parent.get("action") != "add":
            grown = dict(existing.document, isBundle=True)
            relate(grown, BUNDLED, product_id)
            applied.append(_store(uow, existing, grown, now))
    item["product"] = {**(item.get("product") or {}), "id": product_id}
    return applied


def _store(uow: UnitOfWork, existing: InstalledProduct, document: JsonObject, now: str) -> Applied:
    changed = InstalledProduct(
        existing.id, existing.customer_id, document, existing.row_version + 1
    )
    uow.inventory.update(changed, now)
    return Applied(changed, existing.document)
