"""The least-recently-used cache that keeps read pages in a worker process."""

from __future__ import annotations

import pytest

from factcheck.crossref.cache import LRUCache


def test_a_value_is_made_once_and_then_served():
    cache: LRUCache[str, int] = LRUCache(2)
    made = []

    def make(value: int):
        return lambda: made.append(value) or value

    assert cache.get_or_make("a", make(1)) == 1
    assert cache.get_or_make("a", make(2)) == 1
    assert made == [1]


def test_the_least_recently_used_entry_goes_first_when_full():
    cache: LRUCache[str, str] = LRUCache(2)
    cache.get_or_make("a", lambda: "A")
    cache.get_or_make("b", lambda: "B")
    cache.get_or_make("a", lambda: "unused")  # "a" is now the most recent
    cache.get_or_make("c", lambda: "C")
    assert len(cache) == 2
    assert cache.get_or_make("a", lambda: "again") == "A"
    assert cache.get_or_make("b", lambda: "B again") == "B again"


def test_a_cache_holds_at_least_one_entry():
    with pytest.raises(ValueError):
        LRUCache(0)


def test_entries_are_weighed_and_the_newest_is_kept_even_when_heavy():
    cache: LRUCache[str, str] = LRUCache(10, weigh=len)
    cache.get_or_make("a", lambda: "aaaa")
    cache.get_or_make("b", lambda: "bbbb")
    assert (len(cache), cache.weight) == (2, 8)
    cache.get_or_make("c", lambda: "cccc")  # 12 > 10: "a" goes
    assert (len(cache), cache.weight) == (2, 8)
    assert cache.get_or_make("a", lambda: "new") == "new"
    cache.get_or_make("huge", lambda: "h" * 50)
    assert (len(cache), cache.weight) == (1, 50)
