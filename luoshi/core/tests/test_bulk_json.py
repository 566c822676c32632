"""core.bulk.json_text writes a JSON column's value as the same text json.dumps (the ORM's JSONField) writes: its
plain-string shortcut for lists and dicts of strings and its fallback for everything else."""
from __future__ import annotations

import json

from hypothesis import given, strategies as st

from luoshi.core.bulk import json_text

texts = st.text(max_size=8)     # any characters: quotes, backslashes, control characters, 中文, astral planes
values = st.recursive(st.none() | st.booleans() | st.integers() | texts,
                      lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
                      max_leaves=12)


@given(st.one_of(st.lists(texts, max_size=8), st.dictionaries(texts, texts, max_size=8), values))
def test_json_text_is_json_dumps(value):
    assert json_text(value) == json.dumps(value)


def test_the_shortcut_and_the_fallback():
    assert json_text(["84.5185", "-0.8000"]) == '["84.5185", "-0.8000"]'
    assert json_text({"A1": "9.50", "引号": "“\\\""}) == json.dumps({"A1": "9.50", "引号": "“\\\""})
    assert json_text([]) == "[]" and json_text({}) == "{}"
    assert json_text(["a", 1]) == '["a", 1]' and json_text({1: "a"}) == '{"1": "a"}'
    assert json_text({"a": None}) == '{"a": null}'
