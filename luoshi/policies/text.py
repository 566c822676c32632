"""Chinese search text of clauses (jieba): the words of a clause, space separated, stored on the row; a query
is cut the same way and every word must appear."""
from __future__ import annotations

import re

from luoshi.core.chinese import jieba_ready
_PUNCT = re.compile(r"[\s，。、；：:;,.（）()《》“”\"'！？!?【】\[\]—\-·/]+")


def words_of(text: str) -> list[str]:
    jieba = jieba_ready()
    return [w for w in (x.strip() for x in jieba.cut_for_search(_PUNCT.sub(" ", text or ""))) if w]


def search_text_of(text: str) -> str:
    return " ".join(dict.fromkeys(words_of(text)))


def query_words(query: str) -> list[str]:
    """The words a query must match: jieba's words, longest first, dropping a word contained in another."""
    words = sorted(set(w for w in words_of(query[:100]) if len(w) > 1 or not w.isascii()), key=len, reverse=True)
    out: list[str] = []
    for w in words:
        if not any(w in o for o in out):
            out.append(w)
    return out[:8]
