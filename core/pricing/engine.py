"""Compute item prices from catalog offering prices; sum them into item and order totals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from core.catalog.lifecycle import LifecyclePolicy
from core.catalog.prices import CHARGED, OfferedPrice, decimal_of, unusable
from core.inventory.model import Characteristic

if TYPE_CHECKING:
    from core.pricing.discounts import Applied

CENT = Decimal("0.01")


@dataclass(frozen=True)
class PriceLine:
    """One computed price of one item: a catalog price times the quantity, with its tax."""

    name: str | None
    price_type: str
    period: str | None  # recurring charge period, e.g. "month" or "3 month"
    unit_of_measure: str | None  # for usage rates, e.g. "1 MB"
    currency: str
    amount: Decimal  # duty free; for usage, the rate per unit
    tax_rate: Decimal | None
    pop_id: str | None  # the catalog price; a price given by value may have no id
    pop_version: str | None  # None for a price given by value: its offering is versioned
    applied: tuple[Applied, ...] = ()  # discounts taken off this line
    # A price given by value: its offering's id and version, and its place in the offering.
    within: tuple[str, str, int] | None = None

    @property
    def net_amount(self) -> Decimal:
        """What is charged: the amount less every discount applied to it."""
        return self.amount - sum((a.reduction for a in self.applied), Decimal(0))

    @property
    def tax_included(self) -> Decimal | None:
        if self.tax_rate is None:
            return None
        return self.net_amount * (1 + self.tax_rate / 100)

    @property
    def key(self) -> tuple[str, str | None, str]:
        return (self.price_type, self.period, self.currency)


@dataclass(frozen=True)
class PriceTotal:
    """The sum of charged lines of one price type, period and currency."""

    price_type: str
    period: str | None
    currency: str
    amount: Decimal
    tax_included: Decimal | None


def _period(pop: dict[str, Any]) -> str | None:
    kind = pop.get("recurringChargePeriodType")
    if not kind:
        return None
    length = pop.get("recurringChargePeriodLength")
    return str(kind) if length in (None, 1) else f"{length} {kind}"


def _unit(pop: dict[str, Any]) -> str | None:
    unit = pop.get("unitOfMeasure")
    if not isinstance(unit, dict) or not unit.get("units"):
        return None
    return f"{unit.get('amount', 1)} {unit['units']}"


def _tax_rate(pop: dict[str, Any]) -> Decimal | None:
    rates = [decimal_of(t.get("taxRate")) for t in pop.get("tax") or [] if isinstance(t, dict)]
    known = [r for r in rates if r is not None]
    return sum(known, Decimal(0)) if known else None


def applies(pop: dict[str, Any], configuration: list[Characteristic]) -> bool:
    """A price applies when it fits the chosen configuration (its prodSpecCharValueUse)."""
    chosen = {(c.name, repr(c.value)) for c in configuration}
    for use in pop.get("prodSpecCharValueUse") or []:
        values = [v.get("value") for v in use.get("productSpecCharacteristicValue") or []]
        if values and not any((use.get("name"), repr(v)) in chosen for v in values):
            return False
    return True


def price_lines(
    prices: Iterable[OfferedPrice],
    quantity: int,
    configuration: list[Characteristic],
    on: str,
    lifecycle: LifecyclePolicy | None,
) -> list[PriceLine]:
    """The prices of one item: each usable price of its offering (by reference or by value,
    ``core.catalog.prices.unusable``) that fits the configuration; discounts come apart."""
    lines = []
    for price in prices:
        pop = price.document
        if unusable(price, lifecycle, on) is not None or not applies(pop, configuration):
            continue
        price_type = str(pop["priceType"])
        amount = decimal_of(pop["price"]["value"])
        assert amount is not None  # usable: it has one
        lines.append(
            PriceLine(
                name=pop.get("name"),
                price_type=price_type,
                period=_period(pop) if price_type == "recurring" else None,
                unit_of_measure=_unit(pop) if price_type == "usage" else None,
                currency=str(pop["price"]["unit"]),
                amount=amount if price_type == "usage" else amount * quantity,
                tax_rate=_tax_rate(pop),
                pop_id=price.id,
                pop_version=price.version,
                within=price.within,
            )
        )
    return lines


def totals(lines: Iterable[PriceLine]) -> list[PriceTotal]:
    """Charged lines summed per price type, period and currency, in first-seen order."""
    sums: dict[tuple[str, str | None, str], list[PriceLine]] = {}
    for line in lines:
        if line.price_type in CHARGED:
            sums.setdefault(line.key, []).append(line)
    result = []
    for (price_type, period, currency), group in sums.items():
        taxed = [t for t in (line.tax_included for line in group) if t is not None]
        result.append(
            PriceTotal(
                price_type,
                period,
                currency,
                sum((line.net_amount for line in group), Decimal(0)),
                sum(taxed, Decimal(0)) if len(taxed) == len(group) else None,
            )
        )
    return result


def money(amount: Decimal, currency: str, exact: bool = False) -> dict[str, Any]:
    """A TMF Money: cents for charges, the exact figure for rates."""
    value = amount if exact else amount.quantize(CENT)
    return {"unit": currency, "value": float(value)}
