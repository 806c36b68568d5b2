"""A small least-recently-used cache shared by the threads of a worker process."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _one(_value: object) -> int:
    return 1


class LRUCache(Generic[K, V]):
    """Entries up to a total weight of `size` (each weighs 1 unless `weigh` says more);
    the least recently used go first, though the newest entry is always kept. Values
    are made outside the lock, so two threads missing the same key at once may both make
    it (the results are equal; the cost is a little CPU, never a wrong value)."""

    def __init__(self, size: int, weigh: Callable[[V], int] = _one) -> None:
        if size < 1:
            raise ValueError("an LRU cache holds at least one entry")
        self.size = size
        self._weigh = weigh
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key][0]
        value = make()
        weight = self._weigh(value)
        with self._lock:
            if key in self._entries:
                self._weight -= self._entries.pop(key)[1]
            self._entries[key] = (value, weight)
            self._weight += weight
            while self._weight > self.size and len(self._entries) > 1:
                _old, (_value, old_weight) = self._entries.popitem(last=False)
                self._weight -= old_weight
        return value

    def get(self, key: K) -> V | None:
        """The value kept for `key` (now the most recently used), or None."""
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return self._entries[key][0]

    @property
    def weight(self) -> int:
        with self._lock:
            return self._weight

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weight = 0
