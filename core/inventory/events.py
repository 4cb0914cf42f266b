"""The TMF637 events of a change of an installed product, whoever made it (an order's
completion or a correction through the API)."""

from __future__ import annotations

from typing import Any

from core.events.model import Change, DomainEvent, resource_event
from core.inventory.model import DOMAIN, InstalledProduct, rendered

TERMINATED = "terminated"

# What changes with a status, and is told by the state change event alone.
_WITH_STATE = frozenset({"productOrderItem", "startDate", "terminationDate"})


def product_changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[Change]:
    """What a change of a product is in TMF637's words: a create, a delete, a change of its
    status, of other attributes, or both (each is its own event)."""
    if old is None:
        return ["Create"]
    if new is None:
        return ["Delete"]
    changes: list[Change] = []
    ignored = {"status", "href"}
    if old.get("status") != new.get("status"):
        changes.append("StateChange")
        ignored |= _WITH_STATE
    if any(old.get(k) != new.get(k) for k in {*old, *new} - ignored):
        changes.append("AttributeValueChange")
    return changes


def product_events(
    product: InstalledProduct,
    old: dict[str, Any] | None,
    base_url: str,
    new_id: Any,
    now: str,
    correlation_id: str | None,
    actor: str | None = None,
    removed: bool = False,
) -> list[DomainEvent]:
    """The events of one product's change (``new_id()`` gives each its id). ``removed``: the
    product left the inventory (a correction). A product an order terminates is no longer the
    customer's: its state change is followed by a ``ProductDeleteEvent``, though its record
    stays readable."""
    document = rendered(product, base_url)
    return [
        resource_event(
            resource_kind="product",
            change=change,
            document=document,
            event_id=new_id(),
            occurred_at=now,
            correlation_id=correlation_id,
            domain=DOMAIN,
            actor=actor,
        )
        for change in _changes(product, old, removed)
    ]


def _changes(product: InstalledProduct, old: dict[str, Any] | None, removed: bool) -> list[Change]:
    changes = product_changes(old, None if removed else product.document)
    ended = old is not None and old.get("status") != TERMINATED == product.status
    return [*changes, "Delete"] if ended and not removed else changes
