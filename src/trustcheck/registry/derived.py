"""One cache for what checks derive from a registry (matchers, indexes, views).

Registries are immutable, so anything computed from one stays valid as long as
that very registry object lives. Keys are the registry's identity; the object is
kept in the entry so a recycled ``id()`` never returns another registry's data.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["PerRegistry"]

R = TypeVar("R")
T = TypeVar("T")


class PerRegistry(Generic[R, T]):
    """``build(registry)`` computed once per registry, for the last ``size`` registries.

    Thread-safe; two threads missing at once may both build, and one result wins.

    >>> lengths = PerRegistry(len)
    >>> data = (1, 2, 3)
    >>> lengths(data), lengths(data)
    (3, 3)
    """

    def __init__(self, build: Callable[[R], T], *, size: int = 8) -> None:
        self._build = build
        self._size = size
        self._entries: dict[int, tuple[R, T]] = {}
        self._lock = threading.Lock()

    def __call__(self, registry: R) -> T:
        key = id(registry)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] is registry:
                return hit[1]
        value = self._build(registry)
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = (registry, value)
        return value
