"""One small thread-safe LRU for the process-wide caches (compiled reads, list totals, rendered
lists, checked tokens, catalog hashes): each keeps at most ``size`` entries, and at most
``budget`` units of weight when it weighs them; the least recently used go first."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar, overload

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")


class LRU(Generic[K, V]):
    """A bounded mapping safe to share between threads."""

    def __init__(
        self, size: int, budget: int | None = None, weigh: Callable[[V], int] | None = None
    ) -> None:
        self._size = size
        self._budget = budget
        self._weigh = weigh
        self._weight = 0
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    @overload
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: D) -> V | D: ...
    def get(self, key: K, default: object = None) -> object:
        """The value for ``key`` (now the most recently used), or ``default``."""
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    @overload
    def peek(self, key: K) -> V | None: ...
    @overload
    def peek(self, key: K, default: D) -> V | D: ...
    def peek(self, key: K, default: object = None) -> object:
        """The value for ``key`` without counting it as used, or ``default``."""
        with self._lock:
            return self._items.get(key, default)

    def put(self, key: K, value: V) -> None:
        """Keep ``value``; a value heavier than the whole budget is not kept at all."""
        weight = self._weigh(value) if self._weigh else 0
        if self._budget is not None and weight > self._budget:
            self.pop(key)
            return
        with self._lock:
            self._drop(key)
            self._items[key] = value
            self._weight += weight
            while len(self._items) > self._size or (
                self._budget is not None and self._weight > self._budget
            ):
                self._drop(next(iter(self._items)))

    def _drop(self, key: K) -> None:
        """Forget ``key`` and its weight (the lock is held)."""
        if key in self._items:
            value = self._items.pop(key)
            self._weight -= self._weigh(value) if self._weigh else 0

    def pop(self, key: K) -> None:
        with self._lock:
            self._drop(key)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weight = 0

    def __len__(self) -> int:
        return len(self._items)


class GenerationCache(Generic[V]):
    """``key -> (generation, value)``: a value is served only at the catalog generation it was
    made at (every committed catalog write moves the generation on), so it is exact, not merely
    recent."""

    def __init__(
        self, size: int, budget: int | None = None, weigh: Callable[[V], int] | None = None
    ) -> None:
        measure = (lambda item: weigh(item[1])) if weigh else None
        self._items: LRU[Hashable, tuple[int, V]] = LRU(size, budget, measure)

    def get(self, key: Hashable, generation: int) -> V | None:
        """The value kept for ``key`` if it was made at ``generation``."""
        item = self._items.peek(key)
        if item is None or item[0] != generation:
            return None
        self._items.get(key)  # used: kept longer
        return item[1]

    def put(self, key: Hashable, generation: int, value: V) -> None:
        self._items.put(key, (generation, value))
