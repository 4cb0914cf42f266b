"""What was promised, frozen: prices rendered for the order, a snapshot and its fingerprint."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.canonical import SORTED_JSON_SHA256, digest
from core.pricing.discounts import Applied
from core.pricing.engine import PriceLine, PriceTotal, money

JsonObject = dict[str, Any]


def order_price(line: PriceLine) -> JsonObject:
    """A TMF OrderPrice for one computed line."""
    exact = line.price_type == "usage"
    price: JsonObject = {"dutyFreeAmount": money(line.amount, line.currency, exact)}
    if line.tax_rate is not None and line.tax_included is not None:
        price["taxRate"] = float(line.tax_rate)
        price["taxIncludedAmount"] = money(line.tax_included, line.currency, exact)
    out: JsonObject = {"priceType": line.price_type}
    if line.name:
        out["name"] = line.name
    if line.period:
        out["recurringChargePeriod"] = line.period
    if line.unit_of_measure:
        out["unitOfMeasure"] = line.unit_of_measure
    out["price"] = price
    if line.applied:
        out["priceAlteration"] = [_alteration(line, applied) for applied in line.applied]
    if line.pop_id:
        out["productOfferingPrice"] = {"id": line.pop_id}
    out["@type"] = "OrderPrice"
    return out


def _alteration(line: PriceLine, applied: Applied) -> JsonObject:
    """A TMF PriceAlteration: what was asked (percentage or amount) and what it took off."""
    alteration = applied.alteration
    price: JsonObject = {}
    if alteration.percentage is not None:
        price["percentage"] = float(alteration.percentage)
    price["dutyFreeAmount"] = money(applied.reduction, line.currency)
    out: JsonObject = {"priceType": line.price_type}
    if alteration.name:
        out["name"] = str(alteration.name)
    if line.period:
        out["recurringChargePeriod"] = line.period
    if alteration.duration is not None:
        out["applicationDuration"] = alteration.duration
    out["price"] = price
    if alteration.pop_id:
        out["productOfferingPrice"] = {"id": alteration.pop_id}
    out["@type"] = "PriceAlteration"
    return out


def total_price(total: PriceTotal) -> JsonObject:
    """A TMF OrderPrice for one total (item or order)."""
    price: JsonObject = {"dutyFreeAmount": money(total.amount, total.currency)}
    if total.tax_included is not None:
        price["taxIncludedAmount"] = money(total.tax_included, total.currency)
    out: JsonObject = {
        "name": f"Total {total.price_type}" + (f" per {total.period}" if total.period else ""),
        "priceType": total.price_type,
    }
    if total.period:
        out["recurringChargePeriod"] = total.period
    out["price"] = price
    out["@type"] = "OrderPrice"
    return out


def signature(prices: Any) -> list[tuple[str, str, str, str, str]]:
    """The comparable facts of OrderPrice entries (type, period, currency, amounts), sorted.

    A client that sends prices is held to these; names and references may differ.
    """
    found = []
    for entry in prices or []:
        if not isinstance(entry, dict):
            continue
        price = entry.get("price") or {}
        duty_free = price.get("dutyFreeAmount") or {}
        taxed = price.get("taxIncludedAmount") or {}
        found.append(
            (
                str(entry.get("priceType") or ""),
                str(entry.get("recurringChargePeriod") or ""),
                str(duty_free.get("unit") or taxed.get("unit") or ""),
                _amount(duty_free.get("value")),
                _amount(taxed.get("value")),
            )
        )
    return sorted(found)


def _amount(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    try:
        return format(Decimal(str(value)).normalize(), "f")
    except ArithmeticError:
        return str(value)


def describe(prices: Any) -> str:
    """Short text of prices for error messages, e.g. ``recurring/month 15 EUR``."""
    parts = []
    for price_type, period, currency, duty_free, _ in signature(prices):
        parts.append(f"{price_type}{'/' + period if period else ''} {duty_free} {currency}".strip())
    return ", ".join(parts) or "none"


def line_record(line: PriceLine) -> JsonObject:
    """A price line in the snapshot: exact decimal strings, every catalog reference versioned."""
    record: JsonObject = {
        "priceType": line.price_type,
        "currency": line.currency,
        "amount": str(line.amount),
    }
    if line.within is None:
        record["productOfferingPrice"] = {"id": line.pop_id, "version": line.pop_version}
    else:  # given by value: the offering version holds it (and is hashed with the snapshot)
        offering_id, version, position = line.within
        record["byValue"] = {
            "productOffering": {"id": offering_id, "version": version},
            "position": position,
            "id": line.pop_id,
        }
    if line.period:
        record["recurringChargePeriod"] = line.period
    if line.unit_of_measure:
        record["unitOfMeasure"] = line.unit_of_measure
    if line.tax_rate is not None:
        record["taxRate"] = str(line.tax_rate)
    if line.applied:
        record["netAmount"] = str(line.net_amount)
        record["alterations"] = [_alteration_record(applied) for applied in line.applied]
    return record


def _alteration_record(applied: Applied) -> JsonObject:
    """A discount in the snapshot: what was asked, by whom (catalog or manual), what it took."""
    alteration = applied.alteration
    record: JsonObject = {
        "kind": "manual" if alteration.is_manual else "catalog",
        "reduction": str(applied.reduction),
    }
    if alteration.name:
        record["name"] = str(alteration.name)
    if alteration.percentage is not None:
        record["percentage"] = str(alteration.percentage)
    if alteration.amount is not None:
        record["amount"] = str(alteration.amount)
    if alteration.duration is not None:
        record["applicationDuration"] = alteration.duration
    if alteration.pop_id:  # a catalog discount given by value has no version of its own
        record["productOfferingPrice"] = {
            "id": alteration.pop_id,
            "version": alteration.pop_version,
        }
    return record


def fingerprint(snapshot: JsonObject) -> str:
    """The fingerprint of a snapshot (without its ``fingerprint``) under the scheme it names in
    ``fingerprintScheme``; a snapshot that names none was made under the sorted-JSON scheme."""
    unsigned = {k: v for k, v in snapshot.items() if k != "fingerprint"}
    return "sha256:" + digest(unsigned, str(snapshot.get("fingerprintScheme", SORTED_JSON_SHA256)))
