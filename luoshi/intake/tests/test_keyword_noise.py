"""Hot-topic keywords without noise: times (两点, 九点), numerals and filler words are data
(intake/data/keyword_noise.yaml), applied when a request's keywords are taken and when the hot page counts them."""
import re

import pytest

from luoshi.core.specs import SpecError, parse_yaml
from luoshi.intake import demo
from luoshi.intake.text import KEYWORD_NOISE_FILE, KeywordNoise, is_noise, keywords_of


@pytest.mark.parametrize("word", ["两点", "九点", "九点半", "10点", "三点钟", "二十分钟", "两天", "三个月", "一个多",
                                  "三个", "十五", "两万多元", "一家", "凌晨", "每天晚上", "希望", "星期"])
def test_times_numerals_and_filler_are_noise(word):
    assert is_noise(word)


@pytest.mark.parametrize("word", ["噪音", "路灯", "垃圾桶", "占道经营", "一楼", "号楼", "十字路口", "二手房", "夜间"])
def test_words_about_the_problem_are_kept(word):
    assert not is_noise(word)


def demo_texts() -> list[str]:
    return [t.format(road=demo.ROADS[i % len(demo.ROADS)], road2=demo.ROADS[(i + 1) % len(demo.ROADS)],
                     community=demo.COMMUNITIES[i % len(demo.COMMUNITIES)])
            for i, t in enumerate(t for texts in demo.TEXTS.values() for t in texts)]


def test_the_demo_requests_keywords_carry_no_noise():
    taken = {w for text in demo_texts() for w in keywords_of(text)}
    for noise in ("两点", "九点", "二十分钟", "两天", "一个多", "两万多元", "几天", "每天晚上"):
        assert noise not in taken
    assert not [w for w in taken if re.fullmatch(r"[零〇一二两三四五六七八九十\d]+点[半钟]?", w)]
    assert {"噪音", "路灯", "摊贩", "垃圾桶"} <= taken  # the topics themselves are still there


def test_the_shipped_list_is_valid():
    spec = parse_yaml(KEYWORD_NOISE_FILE.read_text(encoding="utf-8"), KeywordNoise, source="keyword_noise.yaml")
    assert len(spec.words) == len(set(spec.words))  # no word written twice
    assert spec.patterns


def test_a_broken_pattern_is_refused_at_its_line():
    text = "kind: keyword_noise\nwords: [希望]\npatterns:\n  - '^[一二三+点$'\n"
    with pytest.raises(SpecError) as e:
        parse_yaml(text, KeywordNoise, source="noise.yaml")
    [problem] = e.value.errors
    assert problem.row == 4 and "正则表达式" in problem.message


def test_an_unknown_key_is_refused():
    with pytest.raises(SpecError, match="stopwords"):
        parse_yaml("kind: keyword_noise\nstopwords: [希望]\n", KeywordNoise, source="noise.yaml")
