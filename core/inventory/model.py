"""An installed product: a TMF Product document of one customer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Characteristic:
    """One configured value of a product (TMF productCharacteristic)."""

    name: str
    value: Any
    value_type: str | None = None


# Products that exist for the customer (can be modified, deleted, or satisfy a "requires").
LIVE_STATUSES = frozenset({"created", "pendingActive", "active", "suspended"})


@dataclass
class InstalledProduct:
    id: str
    customer_id: str
    document: dict[str, Any]
    row_version: int = 1

    @property
    def status(self) -> str:
        return str(self.document.get("status", ""))

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def offering_id(self) -> str | None:
        ref = self.document.get("productOffering") or {}
        return str(ref["id"]) if ref.get("id") is not None else None

    @property
    def characteristics(self) -> list[Characteristic]:
        return [
            Characteristic(str(c["name"]), c.get("value"), c.get("valueType"))
            for c in self.document.get("productCharacteristic") or []
            if isinstance(c, dict) and "name" in c
        ]


# Where TMF637 serves products: the events of the worker (which has no request) link to it.
DOMAIN = "productInventory"
INVENTORY_PATH = "/tmf-api/productInventory/v4"
_ORDERING_PATH = "/tmf-api/productOrderingManagement/v4"


def product_href(base_url: str, product_id: str) -> str:
    """The product's address under TMF637, at ``base_url`` (an inventory or ordering base, or
    an order's own href: the host and prefix before the API path are kept)."""
    for path in (INVENTORY_PATH, _ORDERING_PATH):
        if path in base_url:
            base_url = base_url[: base_url.index(path)]
            break
    return f"{base_url.rstrip('/')}{INVENTORY_PATH}/product/{product_id}"


def rendered(product: InstalledProduct, base_url: str) -> dict[str, Any]:
    """The TMF637 ``Product`` as clients see it: the stored document with its href."""
    return {**product.document, "href": product_href(base_url, product.id)}
