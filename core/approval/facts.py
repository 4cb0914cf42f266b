"""The facts of an order that approval rules test, taken from its price snapshot and catalog."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.ordering.model import iter_items

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ItemFacts:
    """One priced item: its offering, the offering's categories, and how much was taken off."""

    item_id: str
    offering: str | None
    categories: frozenset[str]
    discount_amount: Decimal  # every reduction on the item's charged prices
    base_amount: Decimal  # those prices before the reductions

    @property
    def discount_percent(self) -> Decimal:
        if self.base_amount <= 0:
            return Decimal(0)
        return self.discount_amount * HUNDRED / self.base_amount

    def value(self, dimension: str) -> Any:
        return {
            "discountPercent": self.discount_percent,
            "discountAmount": self.discount_amount,
            "offering": self.offering,
            "category": self.categories,
        }[dimension]


@dataclass(frozen=True)
class OrderFacts:
    """The order as approval sees it."""

    items: tuple[ItemFacts, ...]
    order_total: Decimal
    channels: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    market_segments: frozenset[str] = frozenset()
    requester_roles: frozenset[str] = field(default_factory=frozenset)

    def value(self, dimension: str) -> Any:
        return {
            "orderTotal": self.order_total,
            "channel": self.channels,
            "place": self.places,
            "marketSegment": self.market_segments,
            "requesterRole": self.requester_roles,
        }[dimension]


def from_snapshot(
    snapshot: dict[str, Any],
    document: dict[str, Any],
    categories: dict[str, frozenset[str]],
    requester_roles: Iterable[str] = (),
) -> OrderFacts:
    """Facts from a price snapshot (what was promised) and the order's own references."""
    items = []
    for item in snapshot.get("items") or []:
        base = reduction = Decimal(0)
        for line in item.get("price") or []:
            if line.get("priceType") not in ("oneTime", "recurring"):
                continue
            base += Decimal(line["amount"])
            reduction += sum(
                (Decimal(a["reduction"]) for a in line.get("alterations") or []), Decimal(0)
            )
        offering = (item.get("productOffering") or {}).get("id")
        items.append(
            ItemFacts(
                str(item["id"]),
                offering,
                categories.get(offering or "", frozenset()),
                reduction,
                base,
            )
        )
    total = sum((Decimal(t["amount"]) for t in snapshot.get("orderTotalPrice") or []), Decimal(0))
    return OrderFacts(
        tuple(items),
        total,
        channels=_ids(document.get("channel")),
        places=frozenset(
            p for item in iter_items(document.get("productOrderItem")) for p in _places(item)
        ),
        # TMF622 puts the business segment in the order's category (e.g. "business").
        market_segments=frozenset([document["category"]])
        if isinstance(document.get("category"), str)
        else frozenset(),
        requester_roles=frozenset(requester_roles),
    )


def _places(item: dict[str, Any]) -> frozenset[str]:
    product = item.get("product")
    return _ids(product.get("place")) if isinstance(product, dict) else frozenset()


def _ids(refs: Any) -> frozenset[str]:
    return frozenset(
        str(ref["id"]) for ref in refs or [] if isinstance(ref, dict) and ref.get("id") is not None
    )
