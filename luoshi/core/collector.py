"""Python's cyclic garbage collector, held off during one bounded computation.

A computation that builds hundreds of thousands of objects that live until it ends (an assessment round: a row of
points per unit, a column per leaf, 3,000 results) sets off the collector again and again while it runs — about a
hundred young-generation passes and a full pass over every object of the process — and none of them finds
garbage: the objects are still in use, and they are freed by reference counting when the computation returns.
On the bench round that is about a tenth of `round_compute` (bench/assessment.py; docs/benchmarks.md, issue #11
session 6). `collector_paused()` switches the collector off for the `with` block; what the block leaves in reference
cycles is collected as usual afterwards.

The collector's switch is one per process. The pause is counted, so threads that pause at the same time (gunicorn
threads) switch it back on when the last of them ends, and a collector that was already off is left off.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_guard = threading.Lock()
_paused = 0             # blocks inside collector_paused() now, over all threads
_restore = False        # whether the first of them found the collector on


@contextmanager
def collector_paused() -> Iterator[None]:
    global _paused, _restore
    with _guard:
        if _paused == 0:
            _restore = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _guard:
            _paused -= 1
            if _paused == 0 and _restore:
                gc.enable()
