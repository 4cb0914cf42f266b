"""Strict order rules against the catalog and the customer's installed base."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.catalog.hashes import CatalogHashes
from core.catalog.lifecycle import LifecyclePolicy
from core.catalog.model import CatalogEntity
from core.catalog.prices import OfferedPrice, offered
from core.inventory.model import InstalledProduct
from core.ordering.items import OrderItem
from core.ordering.model import OfferingChange


@dataclass
class OrderContext:
    """Everything the rules read, loaded once per order with a few batch queries."""

    offerings: dict[str, CatalogEntity]
    specs: dict[str, CatalogEntity]
    prices: dict[str, CatalogEntity]
    products: dict[str, InstalledProduct]  # products the items name
    installed: list[InstalledProduct]  # the customer's live products the rules are about
    lifecycle: LifecyclePolicy
    on: str  # the order date, canonical UTC
    strict: bool
    customer_id: str | None
    hashes: CatalogHashes  # content hashes of catalog versions, shared between captures
    generation: int | None  # the catalog generation read: what the shared caches are keyed by
    channels: frozenset[str] = field(default_factory=frozenset)
    # What the customer's other open orders will add or remove, of the same offerings.
    pending: list[OfferingChange] = field(default_factory=list)
    # Offering -> the offerings that replace it (``replaces`` read the other way round), for
    # the offerings of the products this order modifies.
    replaced_by: dict[str, set[str]] = field(default_factory=dict)

    def spec_of(self, offering: CatalogEntity) -> CatalogEntity | None:
        ref = offering.document.get("productSpecification") or {}
        return self.specs.get(str(ref.get("id")))

    def prices_of(self, offering: CatalogEntity) -> list[OfferedPrice]:
        """The offering's prices, by reference and by value (``core.catalog.prices``)."""
        return list(offered(offering.document, self.prices, (offering.id, offering.version)))

    @property
    def price_lifecycle(self) -> LifecyclePolicy | None:
        """The lifecycle prices are checked against: none in lenient (its gates skip prices)."""
        return self.lifecycle if self.strict else None


def offering_problems(item: OrderItem, offering: CatalogEntity, ctx: OrderContext) -> list[str]:
    """Can this offering be sold on this order: lifecycle, isSellable, validFor, channel, spec."""
    where, doc = f"item {item.id!r}", offering.document
    name = f"productOffering {offering.id!r}"
    problems = []
    status = offering.lifecycle_status
    if status not in ctx.lifecycle.sellable:
        sellable = ", ".join(sorted(ctx.lifecycle.sellable))
        problems.append(f"{where}: {name} is {status} and cannot be ordered (sellable: {sellable})")
    if item.top_level and doc.get("isSellable") is False:
        problems.append(f"{where}: {name} is sold only inside a bundle")
    start, end = offering.valid_for
    if (start and start > ctx.on) or (end and end < ctx.on):
        problems.append(
            f"{where}: {name} is not valid on {ctx.on} (valid from {start or 'any time'} "
            f"to {end or 'no end'})"
        )
    sold_through = {str(c.get("id")) for c in doc.get("channel") or [] if isinstance(c, dict)}
    if ctx.channels and sold_through and not ctx.channels & sold_through:
        problems.append(
            f"{where}: {name} is not sold through channel {', '.join(sorted(ctx.channels))}"
        )
    if item.spec_ref is not None:
        spec = ctx.spec_of(offering)
        asked_id, asked_version = item.spec_ref
        if spec is None or asked_id != spec.id or asked_version not in (None, spec.version):
            have = f"{spec.id} version {spec.version}" if spec else "none"
            problems.append(
                f"{where}: product.productSpecification {asked_id!r}"
                f"{' version ' + repr(asked_version) if asked_version else ''} is not the "
                f"specification of {name} ({have})"
            )
    return problems


def bundle_problems(
    item: OrderItem, offering: CatalogEntity, children: list[OrderItem]
) -> list[str]:
    """Child items of a bundle item must fit the bundle's options and their limits."""
    where, doc = f"item {item.id!r}", offering.document
    options = [b for b in doc.get("bundledProductOffering") or [] if isinstance(b, dict)]
    if not options:
        if children:
            return [f"{where}: productOffering {offering.id!r} is not a bundle, it has no children"]
        return []
    counts: dict[str | None, int] = {}
    for child in children:
        counts[child.offering_id] = counts.get(child.offering_id, 0) + 1
    allowed = {str(b.get("id")) for b in options}
    problems = [
        f"{where}: item {child.id!r} offers {child.offering_id!r}, which bundle "
        f"{offering.id!r} does not contain (it contains {', '.join(sorted(allowed))})"
        for child in children
        if child.offering_id not in allowed
    ]
    for option in options:
        limits = option.get("bundledProductOfferingOption") or {}
        low = int(limits.get("numberRelOfferLowerLimit") or 0)
        high = limits.get("numberRelOfferUpperLimit")
        got = counts.get(str(option.get("id")), 0)
        label = f"{option.get('id')!r}" + (f" ({option['name']})" if option.get("name") else "")
        if got < low:
            problems.append(
                f"{where}: bundle {offering.id!r} needs at least {low} of {label}, got {got}"
            )
        if high is not None and got > int(high):
            problems.append(
                f"{where}: bundle {offering.id!r} takes at most {high} of {label}, got {got}"
            )
    return problems


def installed_problems(
    item: OrderItem, product: InstalledProduct | None, ctx: OrderContext
) -> list[str]:
    """A modify, delete or noChange item names a live product of this order's customer."""
    where = f"item {item.id!r}"
    if product is None:
        return [f"{where}: product {item.product_id!r} is not in the installed base"]
    if ctx.customer_id is None:
        return [f"{where}: the order names no customer (relatedParty with role Customer)"]
    if product.customer_id != ctx.customer_id:
        return [f"{where}: product {product.id!r} belongs to another customer"]
    if not product.is_live:
        return [f"{where}: product {product.id!r} is {product.status} and cannot be changed"]
    return []


# A modify that changes only the product's status: suspend it (active -> suspended) or resume it
# (suspended -> active). Any other status is the work of the server (created, pendingActive) or
# of a delete (terminated).
SUSPEND, RESUME = "suspend", "resume"
STATUS_CHANGES = {("active", "suspended"): SUSPEND, ("suspended", "active"): RESUME}


def status_change(item: OrderItem, product: InstalledProduct) -> tuple[str | None, list[str]]:
    """What a modify does to the product's status (``suspend``, ``resume`` or nothing), and
    why it cannot: a suspended product is only resumed or deleted; a suspend or resume changes
    nothing else."""
    where, asked, now = f"item {item.id!r}", item.status, product.status
    name = f"product {product.id!r}"
    change = STATUS_CHANGES.get((now, asked or now))
    if change is None and asked not in (None, now):
        if asked in ("suspended", "active"):
            return None, [
                f"{where}: {name} is {now}; only an active product can be suspended "
                "and only a suspended one resumed"
            ]
        return None, [
            f"{where}: product.status {asked!r} cannot be ordered; a modify suspends "
            "(status 'suspended') or resumes (status 'active'), a delete terminates"
        ]
    others = bool(item.characteristics) or item.offering_id not in (None, product.offering_id)
    if now == "suspended" and change != RESUME:
        return None, [
            f"{where}: {name} is suspended: resume it (a modify with product.status "
            "'active' and nothing else) or delete it"
        ]
    if change is not None and others:
        return None, [
            f"{where}: a {change} changes only product.status; send the other "
            "changes in a modify of their own"
        ]
    if change is None and asked == now == "active" and not others:
        return None, [f"{where}: {name} is active already: there is nothing to resume"]
    return change, []


@dataclass(frozen=True)
class Holding:
    """One offering the customer has or gets: through a product or through an order item.

    A firm one can satisfy a ``requires``; one that an open order only promises to add, or a
    product an open order removes, still counts for ``excludes`` but satisfies nothing."""

    offering_id: str
    source: str  # "product 'p'", "item 'i' of this order", "item 'i' of open productOrder 'o'"
    firm: bool = True
    note: str | None = None  # why it is not firm


def relationship_problems(
    items: list[OrderItem], ctx: OrderContext, new_offering: dict[str, str]
) -> list[str]:
    """``requires`` and ``excludes`` across this order and the customer's installed base.

    ``new_offering`` maps add and modify item ids to the offering they order.
    """
    removed = {i.product_id for i in items if i.action == "delete"}
    replaced = {i.product_id for i in items if i.action == "modify" and i.id in new_offering}
    leaving = {c.product_id: c for c in ctx.pending if c.effect == "remove" and c.product_id}
    holdings = [
        Holding(p.offering_id, f"product {p.id!r}")
        if p.id not in leaving
        else Holding(
            p.offering_id,
            f"product {p.id!r}",
            firm=False,
            note=f"open productOrder {leaving[p.id].order_id!r} removes product {p.id!r}",
        )
        for p in ctx.installed
        if p.offering_id and p.id not in removed and p.id not in replaced
    ]
    holdings += [
        Holding(
            c.offering_id,
            f"item {c.item_id!r} of open productOrder {c.order_id!r}",
            firm=False,
            note=f"open productOrder {c.order_id!r} adds it but is not final",
        )
        for c in ctx.pending
        if c.effect == "add"
    ]
    holdings += [Holding(o, f"item {i!r} of this order") for i, o in new_offering.items()]
    held = {h.offering_id for h in holdings if h.firm}
    problems: list[str] = []
    for item_id, offering_id in new_offering.items():
        offering = ctx.offerings.get(offering_id)
        if offering is None:
            continue
        mine = f"item {item_id!r} of this order"
        for rel_type, target in relationships_of(offering):
            if rel_type == "requires" and target not in held:
                notes = [h.note for h in holdings if h.offering_id == target and h.note]
                problems.append(
                    f"item {item_id!r}: productOffering {offering_id!r} requires {target!r}, "
                    "which is neither in this order nor among the customer's products"
                    + (f" ({'; '.join(notes)})" if notes else "")
                )
            if rel_type == "excludes":
                problems.extend(
                    f"item {item_id!r}: productOffering {offering_id!r} excludes {target!r}, "
                    f"which {_whose(h)}"
                    for h in holdings
                    if h.offering_id == target and h.source != mine
                )
        for h in holdings:
            other = ctx.offerings.get(h.offering_id)
            if other is None or h.source == mine or h.offering_id == offering_id:
                continue
            if ("excludes", offering_id) in relationships_of(other):
                problems.append(
                    f"item {item_id!r}: productOffering {offering_id!r} is excluded by "
                    f"{h.offering_id!r}, which {_whose(h)}"
                )
    problems.extend(_broken_requirements(items, ctx, holdings))
    return sorted(set(problems), key=problems.index)


def _broken_requirements(
    items: list[OrderItem], ctx: OrderContext, holdings: list[Holding]
) -> list[str]:
    """Deleting a product that something the customer keeps still requires."""
    held = {h.offering_id for h in holdings}
    problems = []
    for item in items:
        product = ctx.products.get(item.product_id or "")
        if item.action != "delete" or product is None or product.offering_id in held:
            continue
        for h in holdings:
            other = ctx.offerings.get(h.offering_id)
            if other is not None and ("requires", product.offering_id) in relationships_of(other):
                problems.append(
                    f"item {item.id!r}: deleting product {product.id!r} "
                    f"({product.offering_id}) breaks {h.offering_id!r} ({_whose(h)}), "
                    "which requires it"
                )
    return problems


# The catalog's paths from an offering to another for a product that switches (a modify that
# names another offering): along these from the current one, or to one that ``replaces`` it.
PATHS = ("upgradesTo", "downgradesTo")


def switch_targets(current: CatalogEntity, ctx: OrderContext) -> set[str]:
    """The offerings a product of ``current`` may move to."""
    paths = {target for rel_type, target in relationships_of(current) if rel_type in PATHS}
    return paths | ctx.replaced_by.get(current.id, set())


def path_problems(
    item: OrderItem, product: InstalledProduct, target: CatalogEntity, ctx: OrderContext
) -> list[str]:
    """Strict: a modify moves a product only along the catalog's upgrade, downgrade or
    replacement paths from the offering it is of."""
    current = ctx.offerings.get(product.offering_id or "")
    if not ctx.strict or current is None or target.id == current.id:
        return []
    allowed = switch_targets(current, ctx)
    if target.id in allowed:
        return []
    named = ", ".join(repr(t) for t in sorted(allowed)) or "none"
    return [
        f"item {item.id!r}: product {product.id!r} cannot move from productOffering "
        f"{current.id!r} to {target.id!r}: the catalog has no upgradesTo, downgradesTo or "
        f"replaces path between them (allowed targets: {named})"
    ]


def relationships_of(offering: CatalogEntity) -> set[tuple[str, str]]:
    """``(relationshipType, id)`` of each productOfferingRelationship of the offering."""
    return {
        (str(r.get("relationshipType")), str(r.get("id")))
        for r in offering.document.get("productOfferingRelationship") or []
        if isinstance(r, dict)
    }


def _whose(holding: Holding) -> str:
    if holding.source.startswith("product"):
        return f"the customer has ({holding.source})"
    return f"{holding.source} adds"
