"""Chinese text of requests: keywords for hot topics and for finding similar open requests (jieba)."""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from django.utils.translation import gettext as _
from pydantic import field_validator

from luoshi.core.chinese import jieba_ready
from luoshi.core.specs import Spec, SpecFieldError, parse_yaml

KEYWORD_NOISE_FILE = Path(__file__).parent / "data" / "keyword_noise.yaml"


class KeywordNoise(Spec):
    """Words that say nothing about the problem itself (客套话, times, numerals): data, in keyword_noise.yaml."""

    kind: Literal["keyword_noise"]
    words: list[str] = []
    patterns: list[str] = []

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns):
        for i, p in enumerate(patterns):
            try:
                re.compile(p)
            except re.error as e:
                raise SpecFieldError((i,), _("正则表达式 %(p)s 写法有误：%(e)s") % {"p": p, "e": e}) from e
        return patterns

    def matcher(self) -> Callable[[str], bool]:
        words = frozenset(self.words)
        pattern = re.compile("|".join(f"(?:{p})" for p in self.patterns)) if self.patterns else None
        return lambda w: w in words or (pattern is not None and pattern.fullmatch(w) is not None)


@functools.cache
def is_noise_word() -> Callable[[str], bool]:
    """The noise test of the shipped list (read once)."""
    text = KEYWORD_NOISE_FILE.read_text(encoding="utf-8")
    return parse_yaml(text, KeywordNoise, source=KEYWORD_NOISE_FILE.name).matcher()


def is_noise(word: str) -> bool:
    return is_noise_word()(word)


_HAN = re.compile(r"[\u4e00-\u9fff]")


def keywords_of(text: str, k: int = 6) -> list[str]:
    """Up to k keywords (TF-IDF over jieba's dictionary), Chinese words of two or more characters only."""
    if not text:
        return []
    jieba = jieba_ready()
    words = jieba.analyse.extract_tags(text[:1000], topK=k * 3)
    out = [w for w in words if len(w) >= 2 and _HAN.search(w) and not is_noise(w)]
    return out[:k]


def similarity(a: set[str], b: set[str]) -> float:
    """Jaccard overlap of two keyword sets (0–1)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
