"""What order capture reads: a handful of batch queries, each through an index, and never the
customer's whole installed base (an enterprise customer has 100,000 lines)."""

from __future__ import annotations

from dataclasses import dataclass

from core.catalog.hashes import CatalogHashes
from core.catalog.lifecycle import LifecyclePolicy
from core.catalog.model import CatalogEntity
from core.catalog.prices import referenced_ids
from core.catalog.relationships import RelationshipCache
from core.inventory.model import InstalledProduct
from core.ordering.items import OrderItem
from core.ordering.model import JsonObject, OfferingChange, customer_of
from core.ordering.validation import OrderContext, relationships_of
from core.persistence.uow import UnitOfWork


def load_context(
    uow: UnitOfWork,
    document: JsonObject,
    items: list[OrderItem],
    on: str,
    strict: bool,
    lifecycle: LifecyclePolicy,
    hashes: CatalogHashes,
    relationships: RelationshipCache,
) -> OrderContext:
    """The catalog and installed products the order's rules need."""
    customer = customer_of(document)
    generation = uow.catalog.generation()
    products = uow.inventory.by_ids({i.product_id for i in items if i.product_id})
    offering_ids = {i.offering_id for i in items if i.offering_id}
    offering_ids |= {p.offering_id for p in products.values() if p.offering_id}
    offerings = uow.catalog.current_by_ids("productOffering", offering_ids, generation)
    spec_ids = {
        str((o.document.get("productSpecification") or {}).get("id")) for o in offerings.values()
    }
    price_ids = {i for o in offerings.values() for i in referenced_ids(o.document)}
    details = uow.catalog.current_of(
        {"productSpecification": spec_ids, "productOfferingPrice": price_ids}, generation
    )
    installed: list[InstalledProduct] = []
    pending: list[OfferingChange] = []
    moving = {
        p.offering_id
        for i in items
        if i.action == "modify" and i.offering_id
        for p in [products.get(i.product_id or "")]
        if p is not None and p.offering_id and p.offering_id != i.offering_id
    }
    replaced_by: dict[str, set[str]] = {}
    if moving:
        index = relationships.index(generation, uow.catalog)
        replaced_by = {o: index.sources("replaces", [o]) for o in moving}
    if customer is not None:
        related = _related_offerings(uow, items, products, offerings, relationships, generation)
        installed = uow.inventory.live_of_offerings(customer, related.products)
        keeping = {p.id for p in installed if p.offering_id in related.kept}
        pending = uow.offering_changes.pending(
            customer, related.promised, keeping, str(document.get("id") or "")
        )
        others = {p.offering_id for p in installed if p.offering_id}
        others |= {c.offering_id for c in pending}
        others -= offerings.keys()
        if others:  # their relationships are read too (does what she has exclude this?)
            theirs = uow.catalog.current_by_ids("productOffering", others, generation)
            offerings = {**offerings, **theirs}
    channels = frozenset(
        str(c.get("id")) for c in document.get("channel") or [] if isinstance(c, dict)
    )
    return OrderContext(
        offerings=offerings,
        specs=details["productSpecification"],
        prices=details["productOfferingPrice"],
        products=products,
        installed=installed,
        lifecycle=lifecycle,
        on=on,
        strict=strict,
        customer_id=customer,
        channels=channels,
        hashes=hashes,
        generation=generation,
        pending=pending,
        replaced_by=replaced_by,
    )


@dataclass(frozen=True)
class Related:
    """The offerings a requires/excludes rule of an order can be about, by what is read."""

    products: set[str]  # the customer's live products of these
    kept: set[str]  # ... of which whether an open order removes one matters (requires)
    promised: set[str]  # what open orders will add of these matters


def _related_offerings(
    uow: UnitOfWork,
    items: list[OrderItem],
    products: dict[str, InstalledProduct],
    offerings: dict[str, CatalogEntity],
    relationships: RelationshipCache,
    generation: int | None,
) -> Related:
    """Offerings that an ordered one requires or excludes, that exclude an ordered one, or
    that require (or are) the offering of a product being deleted."""
    ordered: set[str] = set()
    deleted: set[str] = set()
    for item in items:
        product = products.get(item.product_id or "")
        if item.action == "add" and item.offering_id:
            ordered.add(item.offering_id)
        elif item.action == "modify":
            target = item.offering_id or (product.offering_id if product else None)
            ordered |= {target} if target else set()
        elif item.action == "delete" and product is not None and product.offering_id:
            deleted.add(product.offering_id)
    if not ordered and not deleted:
        return Related(set(), set(), set())
    required: set[str] = set()
    excluded: set[str] = set()
    for offering_id in ordered:
        offering = offerings.get(offering_id)
        for rel_type, target in relationships_of(offering) if offering else ():
            if rel_type == "requires":
                required.add(target)
            elif rel_type == "excludes":
                excluded.add(target)
    index = relationships.index(generation, uow.catalog)
    excluded |= index.sources("excludes", ordered)
    requiring = index.sources("requires", deleted)
    return Related(
        products=required | excluded | requiring | deleted,
        kept=required | deleted,
        promised=excluded | requiring | required,
    )
