"""Current catalog entities kept per process at the catalog generation they were read at, so
order capture takes an offering, its prices and its specification from memory while the
catalog is unchanged (any committed catalog write moves the generation, from any process).

Each is kept encoded: every reader decodes its own documents, free to change them, and the
cache cannot be changed through what it handed out.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from core import jsoncodec
from core.catalog.model import CatalogEntity
from core.lru import GenerationCache


@dataclass(frozen=True)
class _Kept:
    version: str
    row_version: int
    document: bytes


class EntityCache:
    """(kind, id) -> the current version, as read at one catalog generation."""

    def __init__(self, size: int = 4096, budget: int = 32 * 1024 * 1024) -> None:
        self._items: GenerationCache[_Kept] = GenerationCache(
            size, budget, lambda kept: len(kept.document)
        )

    def get(self, kind: str, entity_id: str, generation: int) -> CatalogEntity | None:
        kept = self._items.get((kind, entity_id), generation)
        if kept is None:
            return None
        document = jsoncodec.loads(kept.document)
        return CatalogEntity(kind, entity_id, kept.version, document, kept.row_version)

    def put(self, entity: CatalogEntity, generation: int) -> None:
        """Keep a current version read at ``generation`` (in the statement that read it)."""
        try:
            encoded = orjson.dumps(entity.document)
        except TypeError:  # an integer past 64 bits: read from the store each time instead
            return
        kept = _Kept(entity.version, entity.row_version, encoded)
        self._items.put((entity.kind, entity.id), generation, kept)
