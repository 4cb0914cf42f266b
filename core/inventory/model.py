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
