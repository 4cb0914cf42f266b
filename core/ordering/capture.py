"""Order capture: check every item against the catalog and installed base, price, snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.canonical import JCS_SHA256, NotCanonical
from core.catalog import prices
from core.catalog.hashes import key_of
from core.catalog.model import CatalogEntity
from core.errors import InvalidRequest
from core.inventory.model import Characteristic, InstalledProduct
from core.ordering import characteristics
from core.ordering.bundles import child_problems
from core.ordering.items import OrderItem
from core.ordering.model import JsonObject
from core.ordering.validation import (
    OrderContext,
    bundle_problems,
    installed_problems,
    offering_problems,
    path_problems,
    relationship_problems,
    status_change,
)
from core.pricing import discounts, engine
from core.pricing.snapshot import (
    describe,
    fingerprint,
    line_record,
    order_price,
    signature,
    total_price,
)

CHANGES = ("modify", "delete", "noChange")


@dataclass
class ItemOutcome:
    """What one item ends up as: its offering, configuration and computed prices."""

    item: OrderItem
    offering: CatalogEntity | None = None
    spec: CatalogEntity | None = None
    product: InstalledProduct | None = None
    configuration: list[Characteristic] = field(default_factory=list)
    lines: list[engine.PriceLine] = field(default_factory=list)
    totals: list[engine.PriceTotal] = field(default_factory=list)
    status_change: str | None = None  # "suspend" or "resume"


@dataclass
class Capture:
    problems: list[str]
    outcomes: list[ItemOutcome]
    order_totals: list[engine.PriceTotal]
    snapshot: JsonObject
    # Catalog versions priced against that were not released: a delete must know of them.
    unreleased: list[tuple[str, str, str]] = field(default_factory=list)


def capture(document: JsonObject, items: list[OrderItem], ctx: OrderContext) -> Capture:
    """Every problem of the order together, or its prices and the snapshot of the promise."""
    problems: list[str] = []
    outcomes = [ItemOutcome(item) for item in items]
    by_id = {o.item.id: o for o in outcomes}
    by_item = {i.id: i for i in items}
    new_offering: dict[str, str] = {}
    changed_products: dict[str, list[str]] = {}
    for outcome in outcomes:
        item = outcome.item
        if item.action == "add":
            problems.extend(
                _add(outcome, ctx, [by_id[c].item for c in item.children if c in by_id])
            )
        elif item.action in CHANGES:
            problems.extend(_change(outcome, ctx))
            if outcome.product is not None:
                problems.extend(child_problems(item, outcome.product, by_item))
            if item.product_id:
                changed_products.setdefault(item.product_id, []).append(item.id)
        if outcome.offering is not None and item.action in ("add", "modify"):
            new_offering[item.id] = outcome.offering.id
    for product_id, item_ids in changed_products.items():
        if len(item_ids) > 1:
            problems.append(
                f"product {product_id!r} is changed by several items: {', '.join(item_ids)}"
            )
    problems.extend(relationship_problems(items, ctx, new_offering))
    order_totals = _price(outcomes, by_id, ctx, problems)
    if ctx.strict:
        problems.extend(_client_price_problems(document, outcomes, order_totals))
    versions = _catalog_versions(outcomes, ctx)
    hashes = {key_of(v.kind, v.id, v.version): ctx.hashes.of(v, ctx.generation) for v in versions}
    snapshot = _snapshot(outcomes, order_totals, ctx.on, dict(sorted(hashes.items())))
    unreleased = [
        (v.kind, v.id, v.version)
        for v in versions
        if not ctx.lifecycle.is_released(v.lifecycle_status)
    ]
    return Capture(problems, outcomes, order_totals, snapshot, unreleased)


def _add(outcome: ItemOutcome, ctx: OrderContext, children: list[OrderItem]) -> list[str]:
    item = outcome.item
    offering = ctx.offerings.get(item.offering_id or "")
    if offering is None:
        if ctx.strict and item.offering_id:
            return [f"item {item.id!r}: productOffering {item.offering_id!r} does not exist"]
        return []  # lenient: a reference to another system, accepted unpriced
    outcome.offering, outcome.spec = offering, ctx.spec_of(offering)
    problems = offering_problems(item, offering, ctx)
    rules = characteristics.rules(
        outcome.spec.document if outcome.spec else None, offering.document
    )
    outcome.configuration, found = characteristics.configure(
        f"item {item.id!r}", item.characteristics, rules, outcome.spec.id if outcome.spec else None
    )
    problems.extend(found)
    problems.extend(bundle_problems(item, offering, children))
    return problems


def _change(outcome: ItemOutcome, ctx: OrderContext) -> list[str]:
    """A modify, delete or noChange item, computed against the product as it is now."""
    item = outcome.item
    product = ctx.products.get(item.product_id or "")
    if product is None and not ctx.strict:
        return []
    problems = installed_problems(item, product, ctx)
    if product is None or problems:
        return problems
    outcome.product = product
    outcome.configuration = product.characteristics
    if item.action != "modify":
        return problems
    outcome.status_change, problems = status_change(item, product)
    if outcome.status_change is not None or problems:
        outcome.offering = ctx.offerings.get(product.offering_id or "")
        outcome.spec = ctx.spec_of(outcome.offering) if outcome.offering else None
        return problems
    problems.extend(_end_of_life(item, product, ctx))
    offering_id = item.offering_id or product.offering_id
    offering = ctx.offerings.get(offering_id or "")
    if offering is None:
        return [f"item {item.id!r}: productOffering {offering_id!r} does not exist"]
    outcome.offering, outcome.spec = offering, ctx.spec_of(offering)
    if offering.id != product.offering_id:
        problems.extend(offering_problems(item, offering, ctx))
        problems.extend(path_problems(item, product, offering, ctx))
    rules = characteristics.rules(
        outcome.spec.document if outcome.spec else None, offering.document
    )
    outcome.configuration, found = characteristics.configure(
        f"item {item.id!r}",
        item.characteristics,
        rules,
        outcome.spec.id if outcome.spec else None,
        current=product.characteristics,
        moved=offering.id != product.offering_id,
    )
    problems.extend(found)
    return problems


def _end_of_life(item: OrderItem, product: InstalledProduct, ctx: OrderContext) -> list[str]:
    """A product whose offering reached end of life may be deleted or moved to another
    offering, not modified where it is (the lifecycle policy says which states those are)."""
    current = ctx.offerings.get(product.offering_id or "")
    if not ctx.strict or current is None or item.offering_id not in (None, current.id):
        return []
    status = current.lifecycle_status
    if not ctx.lifecycle.is_end_of_life(status):
        return []
    return [
        f"item {item.id!r}: product {product.id!r} is of productOffering {current.id!r}, which "
        f"is {status} (end of life): it can be deleted or moved to another offering, not "
        "modified"
    ]


def _price(
    outcomes: list[ItemOutcome],
    by_id: dict[str, ItemOutcome],
    ctx: OrderContext,
    problems: list[str],
) -> list[engine.PriceTotal]:
    """Prices per item, less the discounts it asks for; a bundle with its own charges includes
    its children's."""
    lifecycle = ctx.price_lifecycle
    offered = {o.item.id: ctx.prices_of(o.offering) if o.offering else [] for o in outcomes}
    for outcome in outcomes:
        item = outcome.item
        if outcome.offering is not None and item.action in ("add", "modify"):
            outcome.lines = engine.price_lines(
                offered[item.id], item.quantity, outcome.configuration, ctx.on, lifecycle
            )
            if ctx.strict and not outcome.lines and _sells(outcome):
                problems.append(
                    f"item {item.id!r}: productOffering {outcome.offering.id!r} has no price "
                    f"that can be charged on {ctx.on}: "
                    f"{prices.reasons(offered[item.id], lifecycle, ctx.on)}"
                )
    for outcome in outcomes:
        if any(line.price_type in prices.CHARGED for line in outcome.lines):
            for child in _descendants(outcome, by_id):
                child.lines = []
    for outcome in outcomes:
        where = f"item {outcome.item.id!r}"
        catalog = discounts.catalog_discounts(
            offered[outcome.item.id], outcome.configuration, ctx.on, lifecycle
        )
        asked, found = discounts.requested(where, outcome.item.document, catalog)
        problems.extend(found)
        if asked:
            outcome.lines, found = discounts.apply(where, outcome.lines, asked)
            problems.extend(found)
    for outcome in outcomes:
        lines = [line for o in [outcome, *_descendants(outcome, by_id)] for line in o.lines]
        outcome.totals = engine.totals(lines)
    return engine.totals(line for o in outcomes for line in o.lines)


def _sells(outcome: ItemOutcome) -> bool:
    """Whether the item sells its offering: an add, or a modify that moves the product to
    another offering (then it must be charged for, or be explicitly free: a price of 0)."""
    if outcome.item.action == "add":
        return True
    return (
        outcome.product is not None
        and outcome.offering is not None
        and (outcome.offering.id != outcome.product.offering_id)
    )


def _descendants(outcome: ItemOutcome, by_id: dict[str, ItemOutcome]) -> list[ItemOutcome]:
    found, stack, seen = [], list(outcome.item.children), {outcome.item.id}
    while stack:
        child = by_id.get(stack.pop(0))
        if child is None or child.item.id in seen:
            continue
        seen.add(child.item.id)
        found.append(child)
        stack.extend(child.item.children)
    return found


def _client_price_problems(
    document: JsonObject, outcomes: list[ItemOutcome], order_totals: list[engine.PriceTotal]
) -> list[str]:
    """A client may send prices; in strict mode they must be the ones the catalog gives."""
    problems = []
    for outcome in outcomes:
        sent = outcome.item.document
        for name, ours in (
            ("itemPrice", [order_price(line) for line in outcome.lines]),
            ("itemTotalPrice", [total_price(t) for t in outcome.totals]),
        ):
            given = _given(sent.get(name))
            if name in sent and given is not None and signature(given) != signature(ours):
                problems.append(
                    f"item {outcome.item.id!r}: {name} ({describe(sent[name])}) disagrees with "
                    f"the catalog ({describe(ours)})"
                )
    if "orderTotalPrice" in document:
        ours = [total_price(t) for t in order_totals]
        if signature(document["orderTotalPrice"]) != signature(ours):
            problems.append(
                f"orderTotalPrice ({describe(document['orderTotalPrice'])}) disagrees with the "
                f"catalog ({describe(ours)})"
            )
    return problems


def _given(prices: Any) -> Any:
    """The client's prices that carry an amount: an entry with no price only asks for a
    discount (a client need not know the amount); None when there is nothing to compare."""
    if not isinstance(prices, list):
        return prices
    priced = [p for p in prices if not isinstance(p, dict) or "price" in p]
    return None if prices and not priced else priced


def _ref(entity: CatalogEntity | None) -> JsonObject | None:
    return {"id": entity.id, "version": entity.version} if entity else None


def _catalog_versions(outcomes: list[ItemOutcome], ctx: OrderContext) -> list[CatalogEntity]:
    """Each catalog version the order was checked and priced against, once."""
    found: dict[tuple[str, str, str], CatalogEntity] = {}
    for o in outcomes:
        entities = [o.offering, o.spec]
        for line in o.lines:  # a price given by value is hashed with its offering
            entities.append(ctx.prices.get(line.pop_id or "") if line.within is None else None)
            entities += [
                ctx.prices.get(a.alteration.pop_id or "")
                for a in line.applied
                if a.alteration.pop_version is not None
            ]
        for entity in entities:
            if entity is not None:
                found[(entity.kind, entity.id, entity.version)] = entity
    return list(found.values())


def _snapshot(
    outcomes: list[ItemOutcome],
    order_totals: list[engine.PriceTotal],
    on: str,
    catalog: dict[str, str],
) -> JsonObject:
    items: list[JsonObject] = []
    for o in outcomes:
        entry: dict[str, Any] = {
            "id": o.item.id,
            "action": o.item.action,
            "quantity": o.item.quantity,
            "productOffering": _ref(o.offering)
            or ({"id": o.item.offering_id, "version": None} if o.item.offering_id else None),
            "productSpecification": _ref(o.spec),
            "configuration": [{"name": c.name, "value": c.value} for c in o.configuration],
            "price": [line_record(line) for line in o.lines],
        }
        if o.item.product_id:
            entry["product"] = {"id": o.item.product_id}
        if o.status_change:
            entry["statusChange"] = o.status_change
        items.append(entry)
    snapshot: JsonObject = {
        "fingerprintScheme": JCS_SHA256,
        "orderDate": on,
        "items": items,
        "orderTotalPrice": [
            {
                "priceType": t.price_type,
                "recurringChargePeriod": t.period,
                "currency": t.currency,
                "amount": str(t.amount),
            }
            for t in order_totals
        ],
        "catalogHashes": catalog,
    }
    try:
        return {"fingerprint": fingerprint(snapshot), **snapshot}
    except NotCanonical as error:  # what JSON cannot carry exactly cannot be promised
        raise InvalidRequest(
            f"the order holds a value that has no exact JSON form ({error}); integers must lie "
            "within +/-(2**53 - 1)",
            "Invalid order",
        ) from None
