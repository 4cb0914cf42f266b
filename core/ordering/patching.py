"""Which attributes of an order a PATCH may change, depending on the order's state."""

from __future__ import annotations

from core.errors import Conflict
from core.ordering import states
from core.ordering.model import (
    SERVER_OWNED,
    SET_ON_CREATE,
    JsonObject,
    ProductOrder,
    iter_items,
)

# Never changed by a client (400): identity, server timestamps, state, the snapshot, totals.
UNCHANGEABLE = (*SERVER_OWNED, *SET_ON_CREATE)
PRICES = ("itemPrice", "itemTotalPrice")  # per item, recomputed whenever items change
# What may change once work has started, and once the order is final.
WHILE_RUNNING = frozenset(
    {
        "note",
        "description",
        "notificationContact",
        "priority",
        "category",
        "requestedCompletionDate",
    }
)
WHEN_FINAL = frozenset({"note"})
# Attributes that decide validation and price: changing them re-checks and re-prices the order.
PRICED_BY = ("productOrderItem", "relatedParty", "channel")


def patch_problems(current: ProductOrder, new: JsonObject) -> list[str]:
    """400 problems: server-owned attributes or item states changed by the client.

    Raises Conflict (409) when the order's state does not allow the change.
    """
    old = current.document
    problems = [
        f"{name} is set by the server and cannot be changed"
        for name in UNCHANGEABLE
        if old.get(name) != new.get(name)
    ]
    old_states = {i.get("id"): i.get("state") for i in iter_items(old.get("productOrderItem"))}
    for item in iter_items(new.get("productOrderItem")):
        if "state" in item and item["state"] != old_states.get(item.get("id")):
            problems.append(f"item {item.get('id')!r}: state is set by the server")
    if problems:
        return problems
    changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    allowed = _allowed(current.state)
    refused = sorted(changed - allowed) if allowed is not None else []
    if refused:
        raise Conflict(
            f"productOrder {current.id!r} is {current.state}: only "
            f"{', '.join(sorted(allowed or ()))} can change now, not {', '.join(refused)}",
            "Change not allowed in this state",
        )
    return []


def _allowed(state: str) -> frozenset[str] | None:
    """None: anything a client owns may change (the order has not started)."""
    if state in states.NOT_STARTED:
        return None
    if state in states.ORDER_FINAL:
        return WHEN_FINAL
    return WHILE_RUNNING


def reprice_needed(old: JsonObject, new: JsonObject) -> bool:
    return any(old.get(name) != new.get(name) for name in PRICED_BY)
