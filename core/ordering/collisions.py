"""Changes that cannot collide: while an open order modifies or deletes a product, no other
order may change it (two racing orders meet at the product's claim in the database); what open
orders will add or remove is recorded for the customer's next order's requires/excludes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import Conflict
from core.ordering.items import OrderItem
from core.ordering.model import OfferingChange
from core.persistence.uow import UnitOfWork

if TYPE_CHECKING:
    from core.ordering.capture import ItemOutcome
    from core.ordering.validation import OrderContext

CLAIMING = ("modify", "delete")  # the actions that change an installed product


def claimable(items: list[OrderItem], ctx: OrderContext) -> list[OrderItem]:
    """The items whose product may be claimed before the order is validated: not those of
    another customer's product (the 400 says so; a 409 would tell of that customer's orders)."""
    return [
        i
        for i in items
        if (found := ctx.products.get(i.product_id or "")) is None
        or found.customer_id == ctx.customer_id
    ]


def claim_products(
    uow: UnitOfWork, order_id: str, items: list[OrderItem], now: str, again: bool
) -> None:
    """Claim each product the order changes (``again``: releasing what a changed order no
    longer changes); a product another open order changes is a 409 naming that order."""
    changing = [i for i in items if i.action in CLAIMING and i.product_id]
    if again:
        uow.claims.release_others(order_id, {str(i.product_id) for i in changing})
    refusals = []
    for item in changing:
        holder = uow.claims.claim(str(item.product_id), order_id, item.id, item.action, now)
        if holder is not None:
            refusals.append(
                f"item {item.id!r}: product {item.product_id!r} is being changed by open "
                f"productOrder {holder.order_id!r} ({holder.action} in item {holder.item_id!r}, "
                f"{holder.state}); wait until that order is final, or cancel it"
            )
    if refusals:
        raise Conflict("; ".join(refusals), "Product in use by another order")


def record_changes(
    uow: UnitOfWork,
    order_id: str,
    customer: str | None,
    outcomes: list[ItemOutcome],
    again: bool,
) -> None:
    """What the order will add to and remove from the customer's offerings (``again``: in
    place of what it recorded before)."""
    changes: list[OfferingChange] = []
    for o in outcomes:
        item, product = o.item, o.product
        added = o.offering.id if o.offering is not None else item.offering_id
        old = product.offering_id if product is not None else None
        if item.action == "add" and added:
            changes.append(OfferingChange(order_id, item.id, "add", added))
        elif item.action in CLAIMING and product is not None and old:
            if item.action == "delete" or (added and added != old):
                changes.append(OfferingChange(order_id, item.id, "remove", old, product.id))
            if item.action == "modify" and added and added != old:
                changes.append(OfferingChange(order_id, item.id, "add", added))
    if again:
        uow.offering_changes.forget([order_id])
    if customer is not None:
        uow.offering_changes.add(order_id, customer, changes)
