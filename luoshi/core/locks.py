"""One lock per key, for work that several threads of a process may ask for at the same moment (the ledger
figures): the first thread computes and caches the result, the others wait on the lock and then
find it in the cache, instead of all computing the same thing side by side."""
from __future__ import annotations

import threading

MAX_KEYS = 1000

_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def key_lock(key: str) -> threading.Lock:
    with _guard:
        lock = _locks.get(key)
        if lock is None:
            if len(_locks) >= MAX_KEYS:
                _locks.clear()  # a lock dropped while held only lets one more thread compute the same result
            lock = _locks[key] = threading.Lock()
        return lock
