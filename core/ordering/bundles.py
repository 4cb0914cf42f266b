"""Bundles in orders about products the customer has: deleting a bundle product deletes its
children in the same order, and a change to a child is sent inside an item for its bundle."""

from __future__ import annotations

from core.inventory.hierarchy import bundle_of, children_of
from core.inventory.model import InstalledProduct
from core.ordering.items import OrderItem, read_items
from core.ordering.model import JsonObject, customer_of
from core.persistence.uow import UnitOfWork


def with_bundle_children(
    uow: UnitOfWork, document: JsonObject, items: list[OrderItem]
) -> list[OrderItem]:
    """The order's items, with a delete item added (nested under the bundle's) for each live
    child of a deleted bundle product that no item names, down through bundles of bundles.
    Only the order's customer's bundles: of another's, nothing is told (the 400 says whose)."""
    customer = customer_of(document)
    named = {i.product_id for i in items if i.product_id}
    taken = {i.id for i in items}
    work = [i for i in items if i.action == "delete" and i.product_id]
    added = False
    while work:
        products = uow.inventory.by_ids({str(i.product_id) for i in work})
        wanted = {
            c
            for i in work
            if (p := products.get(str(i.product_id))) and p.customer_id == customer
            for c in children_of(p)
        }
        children = uow.inventory.by_ids(wanted - named)
        found: list[OrderItem] = []
        for item in work:
            product = products.get(str(item.product_id))
            if product is None or product.customer_id != customer:
                continue
            for child_id in children_of(product):
                child = children.get(child_id)
                if child is None or not child.is_live or child_id in named:
                    continue
                found.append(_add_delete(item, child, taken))
                named.add(child_id)
        work = found
        added = added or bool(found)
    return read_items(document) if added else items


def _add_delete(parent: OrderItem, child: InstalledProduct, taken: set[str]) -> OrderItem:
    number = 1
    while f"{parent.id}.{number}" in taken:
        number += 1
    item_id = f"{parent.id}.{number}"
    taken.add(item_id)
    entry: JsonObject = {"id": item_id, "action": "delete", "product": {"id": child.id}}
    parent.document.setdefault("productOrderItem", []).append(entry)
    return OrderItem(item_id, "delete", 1, None, child.id, (), (), (), parent.id, None, entry)


def child_problems(
    item: OrderItem, product: InstalledProduct, items: dict[str, OrderItem]
) -> list[str]:
    """A change to a product that is part of a bundle is sent inside an item for the bundle
    product (``noChange`` when the bundle itself does not change); under a bundle's delete,
    only a delete."""
    bundle = bundle_of(product)
    if bundle is None or item.action == "noChange":
        return []
    holder = items.get(item.parent_id or "")
    where = f"item {item.id!r}"
    if holder is None or holder.product_id != bundle:
        return [
            f"{where}: product {product.id!r} is part of bundle product {bundle!r}: send this "
            f"item inside an item for product {bundle!r} (action noChange when the bundle "
            "itself does not change)"
        ]
    if holder.action == "delete" and item.action != "delete":
        return [
            f"{where}: deleting bundle product {bundle!r} deletes product {product.id!r} too; "
            f"it cannot {item.action} it"
        ]
    return []
