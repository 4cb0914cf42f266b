"""The count cache answers only for the generation a total was counted at."""

from __future__ import annotations

from core.persistence.counts import CountCache


def test_a_total_is_reused_only_at_its_generation() -> None:
    cache = CountCache()
    cache.put("k", 7, 42)
    assert cache.get("k", 7) == 42
    assert cache.get("k", 8) is None
    assert cache.get("other", 7) is None


def test_least_recently_used_totals_are_dropped() -> None:
    cache = CountCache(size=2)
    cache.put("a", 1, 1)
    cache.put("b", 1, 2)
    assert cache.get("a", 1) == 1  # a is now the most recent
    cache.put("c", 1, 3)
    assert cache.get("b", 1) is None
    assert (cache.get("a", 1), cache.get("c", 1)) == (1, 3)
