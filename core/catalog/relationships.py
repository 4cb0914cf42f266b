"""Which offerings require, exclude or replace which: the catalog's productOfferingRelationship
read the other way round, kept per catalog generation, so that order capture asks the installed base
only about the offerings that take part in a rule with what is ordered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

# The relationships order capture enforces: requires and excludes, and replaces (a product of
# the replaced offering may move to the one that replaces it).
RULES = ("requires", "excludes", "replaces")


class RelationshipSource(Protocol):
    def related_offerings(self) -> list[tuple[str, Any]]: ...


@dataclass(frozen=True)
class RelationshipIndex:
    """``(type, target) -> offerings that have that relationship to target``."""

    pointing_at: dict[tuple[str, str], frozenset[str]]

    def sources(self, rel_type: str, targets: Iterable[str]) -> set[str]:
        """The offerings that ``rel_type`` one of ``targets`` (e.g. those that exclude it)."""
        found: set[str] = set()
        for target in targets:
            found |= self.pointing_at.get((rel_type, target), frozenset())
        return found


def build(rows: Iterable[tuple[str, Any]]) -> RelationshipIndex:
    pointing: dict[tuple[str, str], set[str]] = {}
    for source, relationships in rows:
        for r in relationships if isinstance(relationships, list) else []:
            if isinstance(r, dict) and r.get("relationshipType") in RULES and r.get("id"):
                pointing.setdefault((str(r["relationshipType"]), str(r["id"])), set()).add(source)
    return RelationshipIndex({k: frozenset(v) for k, v in pointing.items()})


class RelationshipCache:
    """The index of the current catalog: rebuilt when the catalog generation moves on."""

    def __init__(self) -> None:
        self._cached: tuple[int, RelationshipIndex] | None = None

    def index(self, generation: int | None, catalog: RelationshipSource) -> RelationshipIndex:
        """The index at ``generation``, read in the caller's transaction (no counter: read
        every time)."""
        cached = self._cached
        if generation is not None and cached is not None and cached[0] == generation:
            return cached[1]
        index = build(catalog.related_offerings())
        if generation is not None:
            self._cached = (generation, index)
        return index
