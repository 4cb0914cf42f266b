"""The syntax tree of a TMF630 query: conditions (ANDed), sort keys, projection, page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.schema import Attribute

Operator = Literal["eq", "ne", "gt", "gte", "lt", "lte"]
Scalar = str | int | float | bool


@dataclass(frozen=True)
class Condition:
    """``attribute op value``; several values mean "any of" for eq and "none of" for ne."""

    attribute: Attribute
    op: Operator
    values: tuple[Scalar, ...]


@dataclass(frozen=True)
class SortKey:
    attribute: Attribute
    descending: bool = False


@dataclass(frozen=True)
class Query:
    """One list request. ``fields`` None means every attribute; () means only id and href."""

    conditions: tuple[Condition, ...] = ()
    sort: tuple[SortKey, ...] = ()
    fields: tuple[tuple[str, ...], ...] | None = None
    offset: int = 0
    limit: int = 100

    def condition_on(self, *path: str) -> Condition | None:
        """The first condition on exactly this attribute path, if any."""
        return next((c for c in self.conditions if c.attribute.path == path), None)
