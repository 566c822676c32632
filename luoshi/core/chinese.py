"""Chinese word cutting (jieba) for every app that searches or counts words: one dictionary load per process."""
from __future__ import annotations

import logging
import threading
from typing import Any

_lock = threading.Lock()
_ready = False


def jieba_ready() -> Any:
    """jieba with its dictionary loaded (once per process, thread-safe) and its log quiet; `jieba.analyse` (TF-IDF
    keywords) is imported with it."""
    global _ready
    import jieba
    import jieba.analyse  # noqa: F401

    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _ready = True
    return jieba
