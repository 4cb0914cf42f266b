"""The order aggregate: a TMF order document, its states, its timeline and its price snapshot."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from core.errors import Conflict
from core.ordering import states
from core.requests import Deletion, version_tag

JsonObject = dict[str, Any]

# What only the server sets on a productOrder: sent on create, or changed by a PATCH (merge or
# JSON Patch), each is a 400 naming it. ``pricingSnapshot`` is the promise itself: a client
# can read it, never write it.
SERVER_OWNED = (
    "id",
    "href",
    "orderDate",
    "completionDate",
    "expectedCompletionDate",
    "state",
    "pricingSnapshot",
)
# Also the server's, but a create may state them (prices are checked against the computed
# ones; the standard's create carries a cancellation date): never changed by a PATCH.
SET_ON_CREATE = ("orderTotalPrice", "cancellationDate")
CUSTOMER_ROLES = frozenset({"customer"})


@dataclass(frozen=True)
class TimelineEntry:
    """One state transition of an order (``item_id`` None) or of one of its items."""

    order_id: str
    item_id: str | None
    at: str
    from_state: str | None
    to_state: str
    reason: str | None = None
    actor: str | None = None
    correlation_id: str | None = None

    def view(self) -> dict[str, str | None]:
        """As operators and evidence read it."""
        return {
            "at": self.at,
            "item": self.item_id,
            "from": self.from_state,
            "to": self.to_state,
            "reason": self.reason,
            "actor": self.actor,
            "correlationId": self.correlation_id,
        }


@dataclass(frozen=True)
class Stamp:
    """When, why and by whom a transition happens; shared by the moves of one change."""

    at: str
    reason: str | None = None
    actor: str | None = None
    correlation_id: str | None = None


def iter_items(items: list[JsonObject] | None) -> Iterator[JsonObject]:
    """Every item of an order, depth first, bundle children after their parent."""
    for item in items or []:
        if isinstance(item, dict):
            yield item
            yield from iter_items(item.get("productOrderItem"))


def customer_of(document: JsonObject) -> str | None:
    """The id of the party with role Customer, the one the order is for."""
    for party in document.get("relatedParty") or []:
        if isinstance(party, dict) and str(party.get("role", "")).lower() in CUSTOMER_ROLES:
            party_id = party.get("id")
            return str(party_id) if party_id is not None else None
    return None


def names_other_parties(document: JsonObject) -> bool:
    """True when a related party of the order is not its customer (or is not plain text): only
    then can a filter on ``relatedParty.id`` match an order whose customer is someone else."""
    customer = customer_of(document)
    for party in document.get("relatedParty") or []:
        if not isinstance(party, dict) or "id" not in party:
            continue
        if not isinstance(party["id"], str) or party["id"] != customer:
            return True
    return False


@dataclass(frozen=True)
class OfferingChange:
    """An offering one item of an order adds to the customer, or removes (with its product)."""

    order_id: str
    item_id: str
    effect: str  # "add" or "remove"
    offering_id: str
    product_id: str | None = None


@dataclass
class ProductOrder:
    """A product order; every state change goes through ``move`` so it is checked and recorded."""

    id: str
    document: JsonObject
    snapshot: JsonObject | None = None
    row_version: int = 1
    correlation_id: str | None = None  # of the request that placed it
    timeline: list[TimelineEntry] = field(default_factory=list)  # new entries, not yet stored
    state_changes: list[JsonObject] = field(default_factory=list)  # order after each move
    deleted: Deletion | None = None
    traceparent: str | None = None  # of the request that placed it, when traced

    @property
    def state(self) -> str:
        return str(self.document["state"])

    @property
    def customer_id(self) -> str | None:
        return customer_of(self.document)

    @property
    def external_id(self) -> str | None:
        value = self.document.get("externalId")
        return str(value) if value is not None else None

    @property
    def etag(self) -> str:
        """Changes with every stored change; opaque and header-safe."""
        return version_tag(self.id, self.row_version)

    def items(self) -> Iterator[JsonObject]:
        return iter_items(self.document.get("productOrderItem"))

    def item(self, item_id: str) -> JsonObject:
        for item in self.items():
            if item.get("id") == item_id:
                return item
        raise KeyError(item_id)

    def start(self, state: str, stamp: Stamp) -> None:
        """Give a new order and its items their first state (recorded, no transition check)."""
        self.document["state"] = state
        self._record(None, None, state, stamp)
        for item in self.items():
            item["state"] = state
            self._record(str(item["id"]), None, state, stamp)

    def move(self, new: str, stamp: Stamp) -> None:
        """Move the order to ``new`` if the v4 table allows it (409 otherwise)."""
        old = self.state
        states.check(states.ORDER_TRANSITIONS, f"productOrder {self.id!r}", old, new)
        self.document["state"] = new
        self._record(None, old, new, stamp)
        self.state_changes.append(copy.deepcopy(self.document))

    def move_item(self, item_id: str, new: str, stamp: Stamp) -> None:
        item = self.item(item_id)
        old = str(item["state"])
        what = f"productOrderItem {item_id!r} of productOrder {self.id!r}"
        states.check(states.ITEM_TRANSITIONS, what, old, new)
        item["state"] = new
        self._record(item_id, old, new, stamp)

    def move_items(self, new: str, stamp: Stamp) -> None:
        """Move every item that can move to ``new``; items already final stay as they are."""
        for item in self.items():
            if new in states.ITEM_TRANSITIONS.get(str(item["state"]), frozenset()):
                self.move_item(str(item["id"]), new, stamp)

    def _record(self, item_id: str | None, old: str | None, new: str, stamp: Stamp) -> None:
        self.timeline.append(
            TimelineEntry(
                self.id,
                item_id,
                stamp.at,
                old,
                new,
                stamp.reason,
                stamp.actor,
                stamp.correlation_id,
            )
        )


def duplicate_external_id(order: ProductOrder) -> Conflict:
    """The 409 for an externalId the customer already used on another order."""
    return Conflict(
        f"externalId {order.external_id!r} is already used by another order of "
        f"customer {order.customer_id!r}",
        "Duplicate externalId",
    )


@dataclass
class CancelRequest:
    """A cancelProductOrder: asks to cancel one order; its state says how that went."""

    id: str
    order_id: str
    document: JsonObject
    row_version: int = 1
    state_changes: list[JsonObject] = field(default_factory=list)
    deleted: Deletion | None = None

    @property
    def state(self) -> str:
        return str(self.document["state"])

    def move(self, new: str) -> None:
        states.check(states.CANCEL_TRANSITIONS, f"cancelProductOrder {self.id!r}", self.state, new)
        self.document["state"] = new
        self.state_changes.append(copy.deepcopy(self.document))
