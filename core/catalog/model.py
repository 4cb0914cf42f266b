"""The catalog entity: a versioned TMF document with the few attributes the core reasons about."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.requests import version_tag

JsonObject = dict[str, Any]


@dataclass
class CatalogEntity:
    """One version of a catalog, category, offering, price or specification."""

    kind: str
    id: str
    version: str
    document: JsonObject
    row_version: int = 1
    is_current: bool = True
    changed_by: str | None = None  # who wrote this state (kept with the row; not read back)

    @property
    def lifecycle_status(self) -> str | None:
        value = self.document.get("lifecycleStatus")
        return value if isinstance(value, str) else None

    @property
    def name(self) -> str | None:
        value = self.document.get("name")
        return value if isinstance(value, str) else None

    @property
    def last_update(self) -> str:
        return str(self.document.get("lastUpdate", ""))

    @property
    def valid_for(self) -> tuple[str | None, str | None]:
        period = self.document.get("validFor") or {}
        return period.get("startDateTime"), period.get("endDateTime")

    @property
    def etag(self) -> str:
        """Changes with every stored change, new versions included; opaque and header-safe."""
        return version_tag(self.version, self.row_version)


@dataclass
class Job:
    """An import or export job: its status lives in the document and in an indexed column."""

    kind: str
    id: str
    document: JsonObject = field(default_factory=dict)
    row_version: int = 1

    @property
    def status(self) -> str:
        return str(self.document.get("status", ""))
