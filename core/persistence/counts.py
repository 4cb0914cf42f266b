"""Cached list totals: exact, because each is keyed by the catalog generation it was counted at.

Counting every match of a broad filter (``X-Total-Count``) costs far more than reading one page,
and catalogs are read far more often than written. Every committed catalog write increments the
generation, so a cached total is only reused while nothing in the catalog has changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class CountCache:
    """A small thread-safe LRU of ``key -> (generation, total)``."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, tuple[int, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, generation: int) -> int | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != generation:
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: Hashable, generation: int, total: int) -> None:
        with self._lock:
            self._items[key] = (generation, total)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
