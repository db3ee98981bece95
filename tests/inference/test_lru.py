"""The result cache: least recently used goes first; capacity 0 caches nothing."""

from __future__ import annotations

from redheart_lit.inference.lru import LRUCache


def test_evicts_the_least_recently_used_and_counts() -> None:
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the oldest
    cache.put("c", 3)
    assert cache.get("b") is None
    assert cache.get("c") == 3
    assert cache.stats() == {"hits": 2, "misses": 1, "size": 2, "capacity": 2}


def test_capacity_zero_is_off() -> None:
    cache = LRUCache(0)
    cache.put("a", 1)
    assert cache.get("a") is None
    assert cache.stats()["size"] == 0
