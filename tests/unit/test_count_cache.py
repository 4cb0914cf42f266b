"""Generation caches answer only for the generation a value was made at, within their bounds."""

from __future__ import annotations

from core.lru import GenerationCache
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


def test_weighed_values_stay_within_the_budget() -> None:
    cache: GenerationCache[bytes] = GenerationCache(size=10, budget=10, weigh=len)
    cache.put("a", 1, b"xxxx")
    cache.put("b", 1, b"yyyy")
    cache.put("c", 1, b"zzzz")  # 12 bytes: the least recently used goes
    assert (cache.get("a", 1), cache.get("b", 1), cache.get("c", 1)) == (None, b"yyyy", b"zzzz")
    cache.put("b", 1, b"y")  # a new value replaces the old one's weight
    cache.put("d", 1, b"dddd")
    assert cache.get("b", 1) == b"y" and cache.get("d", 1) == b"dddd"
    cache.put("huge", 1, b"h" * 11)  # heavier than the whole budget: not kept, nothing dropped
    assert cache.get("huge", 1) is None
    assert (cache.get("b", 1), cache.get("c", 1), cache.get("d", 1)) == (b"y", b"zzzz", b"dddd")
