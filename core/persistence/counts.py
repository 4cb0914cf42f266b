"""Cached list totals: exact, because each is keyed by the catalog generation it was counted at.

Counting every match of a broad filter (``X-Total-Count``) costs far more than reading one page,
and catalogs are read far more often than written. Every committed catalog write increments the
generation, so a cached total is only reused while nothing in the catalog has changed.
"""

from __future__ import annotations

from collections.abc import Hashable

from core.lru import LRU


class CountCache:
    """A small thread-safe LRU of ``key -> (generation, total)``."""

    def __init__(self, size: int = 4096) -> None:
        self._items: LRU[Hashable, tuple[int, int]] = LRU(size)

    def get(self, key: Hashable, generation: int) -> int | None:
        item = self._items.peek(key)
        if item is None or item[0] != generation:
            return None
        self._items.get(key)  # used: kept longer
        return item[1]

    def put(self, key: Hashable, generation: int, total: int) -> None:
        self._items.put(key, (generation, total))
