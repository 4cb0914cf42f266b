"""Cached list totals: exact, because each is keyed by the catalog generation it was counted at.

Counting every match of a broad filter (``X-Total-Count``) costs far more than reading one page,
and catalogs are read far more often than written. Every committed catalog write increments the
generation, so a cached total is only reused while nothing in the catalog has changed.
"""

from __future__ import annotations

from core.lru import GenerationCache


class CountCache(GenerationCache[int]):
    """List totals by (kind, conditions)."""

    def __init__(self, size: int = 4096) -> None:
        super().__init__(size)
