"""Unwrapped person keys kept in memory for a while: a bounded LRU with a time to live.

A tap needs its person's key, and unwrapping it means a read of the keyring and a Fernet
decryption; the cache makes that once per person per few minutes. It is bounded, so a
million people never means a million keys in memory, and each entry expires, so a key
destroyed by another replica stops being used here soon after.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from store.sealing import PersonKey


class KeyCache:
    """Up to `size` keys, each for `ttl` seconds after it was put."""

    def __init__(
        self, size: int = 4096, ttl: float = 600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._size = size
        self._ttl = ttl
        self._clock = clock
        self._keys: OrderedDict[str, tuple[float, PersonKey]] = OrderedDict()

    def get(self, key_id: str) -> PersonKey | None:
        """The key, if cached and not expired."""
        found = self._keys.get(key_id)
        if found is None:
            return None
        if self._clock() >= found[0]:
            del self._keys[key_id]
            return None
        self._keys.move_to_end(key_id)
        return found[1]

    def put(self, key: PersonKey) -> None:
        """Keep `key`, dropping the least recently used one when full."""
        self._keys[key.key_id] = (self._clock() + self._ttl, key)
        self._keys.move_to_end(key.key_id)
        while len(self._keys) > self._size:
            self._keys.popitem(last=False)

    def evict(self, key_id: str) -> None:
        """Forget a key (destroyed)."""
        self._keys.pop(key_id, None)

    def clear(self) -> None:
        """Forget every key (ATTUNE_DATA_KEY changed under them)."""
        self._keys.clear()

    def __len__(self) -> int:
        return len(self._keys)
