"""Chinese search for the case library: the texts are cut into words with jieba when a case is saved
(`index_text`), and a query is cut the same way (`query_words`): a case matches when it holds every word
of the query, in any order, so “加装电梯 老旧小区” finds “老旧小区加装电梯……”."""
from __future__ import annotations

import re

from luoshi.core.chinese import jieba_ready

STOP = set("的 了 和 与 及 在 是 对 把 为 等 中 将 也 或 并 如何 怎么 怎样 什么 哪些 一个 我们".split())
_PUNCT = re.compile(r"[\s，。、；：？！“”‘’（）《》【】,.;:?!()\[\]\"'/\\-]+")


def index_text(*parts: str) -> str:
    """The raw texts followed by their jieba words, space separated (lower case for Latin letters)."""
    raw = " ".join(p for p in parts if p)
    words = {w for w in jieba_ready().cut_for_search(raw) if w.strip() and not _PUNCT.fullmatch(w)}
    return (" ".join(_PUNCT.sub(" ", raw).split()) + " | " + " ".join(sorted(words))).lower()


def query_words(q: str) -> list[str]:
    """The words a case must contain: jieba's cut of each part of the query, without stop words."""
    out: list[str] = []
    for part in _PUNCT.split(q or ""):
        if not part:
            continue
        for w in jieba_ready().cut(part):
            w = w.strip().lower()
            if w and w not in STOP and w not in out and not _PUNCT.fullmatch(w):
                out.append(w)
    return out[:10]
