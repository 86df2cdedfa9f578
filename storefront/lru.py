"""A small bounded least-recently-used map, one per worker (no locking: readers and writers
only ever see a complete entry, and a lost race costs one extra computation)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from contextlib import suppress
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            # Not contextlib.suppress: on this hot path its context manager costs more than the
            # lookup itself.
            try:  # noqa: SIM105
                self._entries.move_to_end(key)
            except KeyError:  # evicted meanwhile by another thread
                pass
        return value

    def put(self, key: K, value: V) -> None:
        if self.size <= 0:
            return
        self._entries[key] = value
        while len(self._entries) > self.size:
            with suppress(KeyError):
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
