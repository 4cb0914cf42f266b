"""The five catalog resources and the references between them that integrity rules follow."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    """A path in a document whose values are ids of entities of ``target``."""

    path: tuple[str, ...]
    target: str
    acyclic: bool = False


@dataclass(frozen=True)
class CatalogKind:
    name: str
    schema: str
    references: tuple[Reference, ...] = ()

    @property
    def create_schema(self) -> str:
        return f"{self.schema}_Create"

    @property
    def update_schema(self) -> str:
        return f"{self.schema}_Update"


CATALOG = CatalogKind("catalog", "Catalog", (Reference(("category", "id"), "category"),))
CATEGORY = CatalogKind(
    "category",
    "Category",
    (
        Reference(("parentId",), "category", acyclic=True),
        Reference(("subCategory", "id"), "category", acyclic=True),
        Reference(("productOffering", "id"), "productOffering"),
    ),
)
PRODUCT_OFFERING = CatalogKind(
    "productOffering",
    "ProductOffering",
    (
        Reference(("productSpecification", "id"), "productSpecification"),
        Reference(("productOfferingPrice", "id"), "productOfferingPrice"),
        Reference(("bundledProductOffering", "id"), "productOffering", acyclic=True),
        Reference(("productOfferingRelationship", "id"), "productOffering", acyclic=True),
        Reference(("category", "id"), "category"),
    ),
)
PRODUCT_OFFERING_PRICE = CatalogKind(
    "productOfferingPrice",
    "ProductOfferingPrice",
    (
        Reference(("bundledPopRelationship", "id"), "productOfferingPrice", acyclic=True),
        Reference(("popRelationship", "id"), "productOfferingPrice"),
        Reference(("prodSpecCharValueUse", "productSpecification", "id"), "productSpecification"),
    ),
)
PRODUCT_SPECIFICATION = CatalogKind(
    "productSpecification",
    "ProductSpecification",
    (
        Reference(("bundledProductSpecification", "id"), "productSpecification", acyclic=True),
        Reference(("productSpecificationRelationship", "id"), "productSpecification"),
    ),
)

KINDS = {
    k.name: k
    for k in (CATALOG, CATEGORY, PRODUCT_OFFERING, PRODUCT_OFFERING_PRICE, PRODUCT_SPECIFICATION)
}

# Offering relationship types that must not loop back (an offering cannot require itself,
# even through others); "excludes" and "recommends" are naturally symmetric and may.
DIRECTED_RELATIONSHIPS = {"requires", "contains", "replaces", "upgradesTo", "dependsOn"}
