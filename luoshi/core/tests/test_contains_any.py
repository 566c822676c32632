"""core.filters.contains_any (issue #11 session 6, ADR 0040): a keyword without a character that has a case is
searched with `contains`, and finds exactly the rows `icontains` finds; any other keyword keeps `icontains`."""
from __future__ import annotations

import itertools

from django.db.models import Q
from hypothesis import given, strategies as st

from luoshi.core.filters import contains_any, is_caseless
from luoshi.org.models import Unit

NAMES = ["城区垃圾分类", "垃圾清运 A 组", "abc垃圾", "ABC 道路", "Straße 12 号", "STRASSE", "ǅemal", "ǄEMAL", "ǆ",
         "ⓐ 号楼", "Ⓐ 号楼", "İstanbul", "istanbul", "Σοφία", "ΣΟΦΊΑ", "100%完成", "a_b", "（临时）占道", "—"]
KEYWORDS = ["垃圾", "垃", "圾 A", "abc", "ABC", "straße", "STRASSE", "ǅ", "ǆ", "ⓐ", "Ⓐ", "İ", "i", "σοφία", "ΣΟΦΊΑ",
            "100%", "%", "_", "a_b", "（临时）", "—", "号楼", "12 号", " "]


def test_caseless_keywords():
    assert is_caseless("垃圾") and is_caseless("（临时）100%") and is_caseless("12 号—")
    assert not is_caseless("垃圾a") and not is_caseless("ⓐ") and not is_caseless("ǅ") and not is_caseless("Σ")
    assert Q(name__contains="垃圾") == contains_any("垃圾", ["name"])
    assert Q(name__icontains="abc") | Q(code__icontains="abc") == contains_any("abc", ["name", "code"])


@given(st.text(min_size=1, max_size=6))
def test_a_caseless_keyword_is_its_own_upper_and_lower_case(text):
    if is_caseless(text):
        assert text.upper() == text.lower() == text.casefold() == text


def test_the_same_rows_as_icontains(db):
    """Every keyword over names that mix Chinese, Latin, Greek, title-case and circled letters, % and _: the rows
    contains_any finds are the rows icontains finds (on PostgreSQL UPPER … LIKE UPPER …, on SQLite LIKE)."""
    for i, name in enumerate(NAMES):
        Unit.objects.create(name=name, kind="department", path=f"/{i + 1}/", depth=0)
    for keyword, fields in itertools.product(KEYWORDS, (["name"], ["name", "short_name"])):
        folded = Q()
        for f in fields:
            folded |= Q(**{f"{f}__icontains": keyword})
        expected = set(Unit.objects.filter(folded).values_list("name", flat=True))
        found = set(Unit.objects.filter(contains_any(keyword, fields)).values_list("name", flat=True))
        assert found == expected, keyword
