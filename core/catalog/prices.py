"""An offering's prices and which of them can be charged: one rule for the publish gate and for
pricing, so an offering cannot go live with a price that pricing would then ignore."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from core.catalog.lifecycle import LifecyclePolicy
from core.catalog.model import CatalogEntity, JsonObject

CHARGED = ("oneTime", "recurring")  # summed into totals
PRICED = (*CHARGED, "usage")  # usage is a rate: shown per item, never summed
DISCOUNT = "discount"  # the priceType of a catalog discount
CURRENCY = re.compile(r"[A-Z]{3}")  # ISO 4217, as TMF Money.unit says


@dataclass(frozen=True)
class OfferedPrice:
    """One price of an offering: a stored productOfferingPrice it refers to, or one given by
    value inside the offering (then ``within`` is the offering's id and version, and where
    its productOfferingPrice list has it, 1-based)."""

    document: JsonObject
    id: str | None
    version: str | None
    lifecycle_status: str | None
    within: tuple[str, str, int] | None = None

    @property
    def label(self) -> str:
        if self.within is None:
            return f"productOfferingPrice {self.id!r}"
        return f"price {self.within[2]} (by value{', id ' + repr(self.id) if self.id else ''})"


def by_reference(entity: CatalogEntity) -> OfferedPrice:
    return OfferedPrice(entity.document, entity.id, entity.version, entity.lifecycle_status)


def referenced_ids(document: JsonObject) -> set[str]:
    """Ids of the stored prices an offering ``document`` refers to (entries without a
    ``priceType``; those with one are prices given by value)."""
    return {
        entry["id"]
        for entry in document.get("productOfferingPrice") or []
        if isinstance(entry, dict) and "priceType" not in entry and isinstance(entry.get("id"), str)
    }


def offered(
    document: JsonObject,
    stored: Mapping[str, CatalogEntity],
    offering: tuple[str, str],
) -> Iterator[OfferedPrice]:
    """The prices of the offering ``document`` (id and version ``offering``), in its order: an
    entry with a ``priceType`` is a price given by value (in the lifecycle of its offering
    unless it names its own); any other is a reference, resolved in ``stored`` (an unknown one
    is left out: the integrity check names it)."""
    for position, entry in enumerate(document.get("productOfferingPrice") or [], start=1):
        if not isinstance(entry, dict):
            continue
        ref = entry.get("id")
        if "priceType" not in entry:
            if isinstance(ref, str) and ref in stored:
                yield by_reference(stored[ref])
        else:
            status = entry.get("lifecycleStatus", document.get("lifecycleStatus"))
            yield OfferedPrice(
                entry,
                ref if isinstance(ref, str) and ref else None,
                None,
                status if isinstance(status, str) else None,
                (*offering, position),
            )


def lapsed(
    price: OfferedPrice, lifecycle: LifecyclePolicy | None, on: str, upcoming: bool = False
) -> str | None:
    """Why the price is not in force on ``on`` (lifecycle, validFor), or None. ``upcoming``
    counts a price that starts later (the publish gate); ``lifecycle`` None skips the
    lifecycle (the lenient profile, whose catalog gates skip prices)."""
    status = price.lifecycle_status
    if lifecycle is not None and status not in lifecycle.sellable:
        return f"is {status}" if status else "has no lifecycleStatus"
    period = price.document.get("validFor") or {}
    start, end = period.get("startDateTime"), period.get("endDateTime")
    if not upcoming and isinstance(start, str) and start > on:
        return f"is valid only from {start}"
    if isinstance(end, str) and end < on:
        return f"ended at {end}"
    return None


def unusable(
    price: OfferedPrice, lifecycle: LifecyclePolicy | None, on: str, upcoming: bool = False
) -> str | None:
    """Why the price cannot be charged on ``on``, or None: in force, a charge (oneTime,
    recurring, usage), with an amount and a currency. A price of 0 is a usable price: it is
    how an offering says it is free."""
    reason = lapsed(price, lifecycle, on, upcoming)
    if reason is not None:
        return reason
    price_type = price.document.get("priceType")
    if price_type == DISCOUNT:
        return "is a discount, not a charge"
    if price_type not in PRICED:
        return f"has priceType {price_type!r}, not one of {', '.join(PRICED)}"
    money = price.document.get("price")
    money = money if isinstance(money, dict) else {}
    if decimal_of(money.get("value")) is None:
        return "has no amount (price.value)"
    unit = money.get("unit")
    if not isinstance(unit, str) or not CURRENCY.fullmatch(unit):
        return f"has no ISO 4217 currency (price.unit {unit!r})"
    return None


def decimal_of(value: Any) -> Decimal | None:
    """A JSON number (or numeric text) as an exact Decimal; None when it is not a finite one."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def reasons(
    prices: list[OfferedPrice],
    lifecycle: LifecyclePolicy | None,
    on: str,
    upcoming: bool = False,
) -> str:
    """Why none of ``prices`` is charged, one clause per price, for a 400 (a usable price that
    was not charged fits another configuration than the one chosen)."""
    if not prices:
        return "it has no productOfferingPrice"
    return "; ".join(
        f"{p.label} {unusable(p, lifecycle, on, upcoming) or 'fits another configuration'}"
        for p in prices
    )
