"""Chinese text of requests: keywords for hot topics and for finding similar open requests (jieba)."""
from __future__ import annotations

import logging
import re
import threading

_lock = threading.Lock()
_ready = False

# words that say nothing about the problem itself
STOPWORDS = frozenset("""希望 问题 反映 要求 解决 处理 尽快 已经 现在 一直 没有 不能 可以 这个 那个 我们 他们 你们 情况 相关
部门 市民 居民 来电 来信 诉求 请求 建议 投诉 咨询 目前 最近 每天 晚上 白天 今天 昨天 时间 严重 影响 附近 门口 导致 造成
非常 很多 多次 几天 一下 有关 进行 工作 存在 是否 能否 怎么 为什么 什么 如何 谢谢 麻烦""".split())
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _jieba():
    global _ready
    import jieba
    import jieba.analyse

    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _ready = True
    return jieba


def keywords_of(text: str, k: int = 6) -> list[str]:
    """Up to k keywords (TF-IDF over jieba's dictionary), Chinese words of two or more characters only."""
    if not text:
        return []
    jieba = _jieba()
    words = jieba.analyse.extract_tags(text[:1000], topK=k * 3)
    out = [w for w in words if len(w) >= 2 and _HAN.search(w) and w not in STOPWORDS]
    return out[:k]


def similarity(a: set[str], b: set[str]) -> float:
    """Jaccard overlap of two keyword sets (0–1)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
