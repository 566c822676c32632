"""Single flight: work that many requests may ask for at the same moment (the ledger figures after a change) is
done once, by whoever takes the key first, and the others wait for its cached result instead of computing the
same thing side by side.

`key_lock` is per process (threads); `shared_once` holds across processes and servers: the lock is a cache
entry added atomically (`cache.add`: an INSERT on the database cache, SET NX on Redis) in the shared cache, so
two app servers on one PostgreSQL compute a result once between them."""
from __future__ import annotations

import threading
import time
import uuid
from typing import Any, Callable

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


def shared_once(key: str, compute: Callable[[], Any], *, timeout: int, wait: float = 30.0,
                poll: float = 0.05) -> Any:
    """The cached value of `key`, computing it with `compute()` and caching it for `timeout` seconds when it is
    missing; at most one process computes a key at a time, the others wait (up to `wait` seconds, then compute
    themselves rather than fail)."""
    from django.core.cache import cache

    value = cache.get(key)
    if value is not None:
        return value
    with key_lock(key):  # threads of this process queue here first: one cache round trip per process
        value = cache.get(key)
        if value is not None:
            return value
        lock_key, token = f"lock:{key}", uuid.uuid4().hex
        deadline = time.monotonic() + wait
        while not cache.add(lock_key, token, timeout=max(1, int(wait))):
            time.sleep(poll)
            value = cache.get(key)
            if value is not None:
                return value
            if time.monotonic() > deadline:
                break  # the holder died or is very slow: compute rather than keep the user waiting
        try:
            value = compute()
            cache.set(key, value, timeout)
        finally:
            if cache.get(lock_key) == token:
                cache.delete(lock_key)
        return value
