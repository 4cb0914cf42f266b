"""What a plan is made from: the catalog versions that priced the orders, and the installed
products their items change, read once for a batch of orders."""

from __future__ import annotations

from core.catalog.model import CatalogEntity
from core.fulfillment.decomposition import CatalogFacts, snapshot_items
from core.ordering.model import ProductOrder
from core.persistence.uow import UnitOfWork


def load_facts(uow: UnitOfWork, orders: list[ProductOrder]) -> CatalogFacts:
    """The offering and specification versions that priced these orders, and their products."""
    facts = CatalogFacts()
    found: dict[tuple[str, str, str | None], CatalogEntity | None] = {}

    def entity(kind: str, ref: object) -> CatalogEntity | None:
        if not isinstance(ref, dict) or ref.get("id") is None:
            return None
        key = (kind, str(ref["id"]), ref.get("version"))
        if key not in found:
            version = str(key[2]) if key[2] else None
            found[key] = uow.catalog.get(kind, key[1], version) or uow.catalog.get(kind, key[1])
        return found[key]

    products: set[str] = set()

    def add(offering_ref: object, spec_ref: object) -> None:
        offering = entity("productOffering", offering_ref)
        if offering is not None:
            facts.offerings[offering.id] = offering
            spec = entity(
                "productSpecification",
                spec_ref or offering.document.get("productSpecification"),
            )
            if spec is not None:
                facts.specifications[spec.id] = spec

    for order in orders:
        for item in snapshot_items(order):
            add(item.get("productOffering"), item.get("productSpecification"))
            if (item.get("product") or {}).get("id"):
                products.add(str(item["product"]["id"]))
    facts.installed = uow.inventory.by_ids(products)
    for product in facts.installed.values():  # what a delete or noChange item is about
        if product.offering_id and product.offering_id not in facts.offerings:
            add({"id": product.offering_id}, None)
    return facts
