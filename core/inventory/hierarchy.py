"""A bundle's products: the bundle's product lists its children (``bundled``), each child names
its bundle (``isBundled``), in TMF's ``productRelationship``."""

from __future__ import annotations

from typing import Any

from core.inventory.model import InstalledProduct

BUNDLED = "bundled"  # bundle -> child: the product is a bundle of these
IS_BUNDLED = "isBundled"  # child -> bundle: the product is part of that bundle


def related(document: dict[str, Any], relationship_type: str) -> list[str]:
    """Ids of the products ``document`` relates to with ``relationship_type``."""
    return [
        str(r["product"]["id"])
        for r in document.get("productRelationship") or []
        if isinstance(r, dict)
        and r.get("relationshipType") == relationship_type
        and isinstance(r.get("product"), dict)
        and r["product"].get("id") is not None
    ]


def bundle_of(product: InstalledProduct) -> str | None:
    """The bundle product this one is part of, if any."""
    found = related(product.document, IS_BUNDLED)
    return found[0] if found else None


def children_of(product: InstalledProduct) -> list[str]:
    return related(product.document, BUNDLED)


def relate(document: dict[str, Any], relationship_type: str, product_id: str) -> None:
    """Add a relationship to ``product_id`` unless the document has it already."""
    if product_id in related(document, relationship_type):
        return
    document["productRelationship"] = [
        *(document.get("productRelationship") or []),
        {
            "relationshipType": relationship_type,
            "product": {"id": product_id, "@referredType": "Product"},
            "@type": "ProductRelationship",
        },
    ]
