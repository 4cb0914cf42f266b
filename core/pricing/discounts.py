"""Discounts: the price alterations an order item asks for, checked and applied to its prices."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from core.catalog.lifecycle import LifecyclePolicy
from core.catalog.prices import CHARGED, DISCOUNT, OfferedPrice, decimal_of, lapsed
from core.inventory.model import Characteristic
from core.pricing.engine import PriceLine, applies

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Alteration:
    """One discount on one item: a percentage or an amount off the prices of one type."""

    name: str | None
    price_type: str  # which of the item's prices it alters: oneTime or recurring
    period: str | None  # for recurring prices, e.g. "month"; None: any period
    percentage: Decimal | None
    amount: Decimal | None  # off the price
    currency: str | None  # of the amount off; None: the price's own
    duration: int | None  # applicationDuration: for how many periods (None: as long as it runs)
    pop_id: str | None = None  # a catalog discount, else a manual one
    pop_version: str | None = None

    @property
    def is_manual(self) -> bool:
        return self.pop_id is None


@dataclass(frozen=True)
class Applied:
    """An alteration as applied to one price line: what it took off."""

    alteration: Alteration
    reduction: Decimal


def requested(
    where: str, item: dict[str, Any], catalog: dict[str, OfferedPrice]
) -> tuple[list[Alteration], list[str]]:
    """The alterations an item's itemPrice entries carry, or what is wrong with them.

    A reference to a catalog discount takes its value from the catalog (``catalog`` holds the
    discount prices of the item's offering); one without is a manual discount.
    """
    found: list[Alteration] = []
    problems: list[str] = []
    for entry in item.get("itemPrice") or []:
        if not isinstance(entry, dict):
            continue
        for index, raw in enumerate(entry.get("priceAlteration") or []):
            if not isinstance(raw, dict):
                continue
            label = f"{where}: priceAlteration {raw.get('name') or index + 1!r}"
            alteration, problem = _read(label, entry, raw, catalog)
            if problem:
                problems.append(problem)
            elif alteration is not None:
                found.append(alteration)
    return found, problems


def _read(
    label: str, entry: dict[str, Any], raw: dict[str, Any], catalog: dict[str, OfferedPrice]
) -> tuple[Alteration | None, str | None]:
    price_type = str(entry.get("priceType") or raw.get("priceType") or "")
    if price_type not in CHARGED:
        return (
            None,
            f"{label}: only oneTime and recurring prices take a discount, not {price_type!r}",
        )
    period = entry.get("recurringChargePeriod") or raw.get("recurringChargePeriod")
    duration = raw.get("applicationDuration")
    if duration is not None and (not isinstance(duration, int) or duration < 1):
        return None, f"{label}: applicationDuration must be a whole number of periods, 1 or more"
    ref = raw.get("productOfferingPrice")
    if isinstance(ref, dict) and ref.get("id") is not None:
        pop = catalog.get(str(ref["id"]))
        if pop is None:
            return None, (
                f"{label}: productOfferingPrice {ref['id']!r} is not a discount this offering "
                "gives on this order"
            )
        value = pop.document
        percentage, amount = decimal_of(value.get("percentage")), _amount(value.get("price"))
        if percentage is None and amount is None:
            return None, f"{label}: catalog discount {pop.id!r} has neither percentage nor price"
        currency = (value.get("price") or {}).get("unit") if amount is not None else None
        alteration = Alteration(
            raw.get("name") or value.get("name"), price_type, period, percentage, amount,
            currency, duration, pop.id, pop.version,
        )  # fmt: skip
        return alteration, _limits(label, alteration)
    given = raw.get("price")
    price: dict[str, Any] = given if isinstance(given, dict) else {}
    percentage = decimal_of(price.get("percentage"))
    off = price.get("dutyFreeAmount")
    amount = None if percentage is not None else _amount(off)
    if percentage is None and amount is None:
        return None, f"{label}: give price.percentage or price.dutyFreeAmount"
    currency = off.get("unit") if amount is not None and isinstance(off, dict) else None
    alteration = Alteration(
        raw.get("name"), price_type, period, percentage, amount, currency, duration
    )
    return alteration, _limits(label, alteration)


def _limits(label: str, alteration: Alteration) -> str | None:
    if alteration.percentage is not None and not Decimal(0) < alteration.percentage <= HUNDRED:
        percentage = alteration.percentage
        return f"{label}: a percentage discount lies above 0 and at most 100, not {percentage}"
    if alteration.amount is not None and alteration.amount <= 0:
        return f"{label}: an amount off must be above 0, not {alteration.amount}"
    return None


def apply(
    where: str, lines: list[PriceLine], alterations: Iterable[Alteration]
) -> tuple[list[PriceLine], list[str]]:
    """The lines with each alteration applied to the lines of its type (and period)."""
    result = list(lines)
    problems: list[str] = []
    for alteration in alterations:
        targets = [
            i for i, line in enumerate(result)
            if line.price_type == alteration.price_type
            and (alteration.period is None or line.period == alteration.period)
        ]  # fmt: skip
        if not targets:
            kind = alteration.price_type + (
                f" per {alteration.period}" if alteration.period else ""
            )
            problems.append(f"{where}: there is no {kind} price to discount")
            continue
        for i in targets:
            line = result[i]
            if alteration.currency and alteration.currency != line.currency:
                problems.append(
                    f"{where}: a discount in {alteration.currency} cannot alter a price in "
                    f"{line.currency}"
                )
                continue
            reduction = (
                line.amount * alteration.percentage / HUNDRED
                if alteration.percentage is not None
                else alteration.amount or Decimal(0)
            )
            if reduction > line.net_amount:
                problems.append(
                    f"{where}: discount {alteration.name or ''!s} of {reduction} {line.currency} "
                    f"would make the price {line.name or line.price_type!r} negative".replace(
                        "  ", " "
                    )
                )
                continue
            result[i] = replace(line, applied=(*line.applied, Applied(alteration, reduction)))
    return result, problems


def requests_of(item_prices: Any) -> list[dict[str, Any]]:
    """The discount requests held in rendered itemPrice entries, without the computed amounts:
    what re-pricing an item starts from, so a discount survives a change of quantity."""
    kept = []
    for entry in item_prices if isinstance(item_prices, list) else []:
        if not isinstance(entry, dict) or not entry.get("priceAlteration"):
            continue
        asked = []
        for raw in entry["priceAlteration"]:
            if not isinstance(raw, dict):
                continue
            alteration = {k: v for k, v in raw.items() if k != "price"}
            given = raw.get("price")
            price: dict[str, Any] = given if isinstance(given, dict) else {}
            if "percentage" in price:
                alteration["price"] = {"percentage": price["percentage"]}
            elif "dutyFreeAmount" in price:
                alteration["price"] = {"dutyFreeAmount": price["dutyFreeAmount"]}
            asked.append(alteration)
        request = {k: entry[k] for k in ("priceType", "recurringChargePeriod") if k in entry}
        kept.append({**request, "priceAlteration": asked})
    return kept


def catalog_discounts(
    prices: Iterable[OfferedPrice],
    configuration: list[Characteristic],
    on: str,
    lifecycle: LifecyclePolicy | None,
) -> dict[str, OfferedPrice]:
    """The offering's discounts an item may ask for by id: in force on the order date (the
    same lifecycle and validFor rule as charges) and fitting the configuration."""
    return {
        p.id: p
        for p in prices
        if p.id is not None
        and p.document.get("priceType") == DISCOUNT
        and lapsed(p, lifecycle, on) is None
        and applies(p.document, configuration)
    }


def _amount(money: Any) -> Decimal | None:
    if not isinstance(money, dict):
        return None
    return decimal_of(money.get("value"))
