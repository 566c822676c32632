"""The spec reader (core.specs.parse_yaml): every kind of problem is located at the line (and column) of the
key it is about, with the key's path, and said in Chinese — or in English when the language is en."""
from __future__ import annotations

from typing import Literal

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from luoshi.core.excel import ImportFailed
from luoshi.core.specs import Spec, SpecError, SpecFieldError, parse_yaml, pydantic_message, spec_problem


class Step(Spec):
    key: str = Field(pattern=r"^[a-z]+$")
    days: int = Field(ge=1)


class Ladder(Spec):
    kind: Literal["ladder"]
    name: str
    steps: list[Step]
    mode: str | list[str] = "any"

    @model_validator(mode="after")
    def _keys_unique(self):
        seen: set[str] = set()
        for i, step in enumerate(self.steps):
            if step.key in seen:  # a message the app writes, in gettext, located at the key it is about
                raise SpecFieldError(("steps", i, "key"), _("措施代码 %(key)s 重复") % {"key": step.key})
            seen.add(step.key)
        return self


GOOD = """\
kind: ladder
name: 督办
steps:
  - key: warn
    days: 3
  - {key: talk, days: 7}
"""

# (what, text, [(line, column, path, Chinese, English)])
CASES = [
    ("syntax error", GOOD.replace("{key: talk, days: 7}", "{key: talk, days: 7"),
     [(7, 1, None, "YAML 格式错误：花括号 { } 没有配对", "YAML syntax error: unbalanced braces { }")]),
    ("syntax error: tab", GOOD.replace("    days: 3", "\tdays: 3"),
     [(5, 1, None, "YAML 格式错误：缩进只能用空格，不能用 Tab", "YAML syntax error: indent with spaces, not tabs")]),
    ("a date that does not exist", GOOD + "since: 2026-02-30\n",
     [(7, 8, None, "“2026-02-30”不是有效的日期", "“2026-02-30” is not a valid date")]),
    ("key written twice", GOOD.replace("name: 督办\n", "name: 督办\nname: 催办\n"),
     [(3, 1, "name", "键“name”重复（第2行已写过）", "The key “name” is written twice (first on line 2)")]),
    ("wrong type", GOOD.replace("days: 3", "days: 三天"),
     [(5, 5, "steps.0.days", "须为整数", "Must be a whole number")]),
    ("missing field", GOOD.replace("    days: 3\n", ""),
     [(4, 5, "steps.0.days", "缺少必填项", "Required, but missing")]),
    ("extra field", GOOD.replace("    days: 3\n", "    days: 3\n    colour: red\n"),
     [(6, 5, "steps.0.colour", "不认识的键（拼写有误？）", "Unknown key (misspelt?)")]),
    ("custom validator", GOOD.replace("key: talk", "key: warn"),
     [(6, 6, "steps.1.key", "措施代码 warn 重复", "Step key warn is used twice")]),
    ("nested list item", GOOD.replace("days: 7", "days: 0"),
     [(6, 17, "steps.1.days", "须不小于 1", "Must be at least 1")]),
    ("pattern", GOOD.replace("key: talk", "key: Talk"),
     [(6, 6, "steps.1.key", "格式不符（须符合 ^[a-z]+$）", "Wrong format (must match ^[a-z]+$)")]),
    ("either of two types", GOOD + "mode: 3\n",
     [(7, 1, "mode", "须为文字；或须为列表", "Must be text; or Must be a list")]),
    ("wrong kind", GOOD.replace("kind: ladder", "kind: scheme"),
     [(1, 1, "kind", "文件须以 kind: ladder 开头。", "The file must begin with kind: ladder.")]),
    ("two problems at once", GOOD.replace("days: 3", "days: -1").replace("name: 督办\n", ""),
     [(None, None, "name", "缺少必填项", "Required, but missing"),
      (4, 5, "steps.0.days", "须不小于 1", "Must be at least 1")]),
]


def _problems(text):
    with pytest.raises(SpecError) as info:
        parse_yaml(text, Ladder, source="ladder.yaml")
    return info.value.errors


@pytest.mark.parametrize("what,text,expected", CASES, ids=[c[0] for c in CASES])
def test_each_problem_is_located_and_said_in_chinese(what, text, expected):
    problems = _problems(text)
    assert [(p.row, p.column, p.message) for p in problems] == [(line, path, zh) for line, _c, path, zh, _e in expected]
    for p, (_line, col, *_rest) in zip(problems, expected):
        if col is not None:
            assert p.col == col, (what, p)
        assert p.sheet == "ladder.yaml"


@pytest.mark.parametrize("what,text,expected", CASES, ids=[c[0] for c in CASES])
def test_each_problem_is_said_in_english_under_en(what, text, expected):
    with translation.override("en"):
        problems = _problems(text)
    assert [(p.row, p.column, p.message) for p in problems] == [(line, path, en) for line, _c, path, _z, en in expected]


def test_the_good_text_gives_the_model():
    ladder = parse_yaml(GOOD, Ladder, source="ladder.yaml")
    assert [(s.key, s.days) for s in ladder.steps] == [("warn", 3), ("talk", 7)]


def test_a_problem_reads_as_file_line_key_message():
    [problem] = _problems(GOOD.replace("days: 3", "days: 三天"))
    assert str(problem) == "ladder.yaml第5行（steps.0.days）：须为整数"
    with translation.override("en"):
        assert str(problem) == "ladder.yaml, line 5 (steps.0.days): 须为整数"  # the message was said when read
        [problem] = _problems(GOOD.replace("days: 3", "days: 三天"))
        assert str(problem) == "ladder.yaml, line 5 (steps.0.days): Must be a whole number"


def test_a_spec_error_is_an_import_failure_listing_every_problem():
    with pytest.raises(ImportFailed) as info:
        parse_yaml(GOOD.replace("days: 3", "days: 0").replace("days: 7", "days: 0"), Ladder, source="l.yaml")
    assert "l.yaml第5行（steps.0.days）：须不小于 1\nl.yaml第6行（steps.1.days）：须不小于 1" == str(info.value)


@pytest.mark.parametrize("text", ["", "just text\n", "- a\n- b\n"])
def test_a_file_that_is_not_a_mapping(text):
    [problem] = _problems(text)
    assert problem.row == 1 and problem.message == "文件须以 kind: ladder 开头。"


def test_a_model_without_kind_wants_a_mapping():
    with pytest.raises(SpecError) as info:
        parse_yaml("- a\n", Step, source="s.yaml")
    assert [(p.row, p.message) for p in info.value.errors] == [(1, "文件须写成“键: 值”的形式。")]


def test_a_problem_found_after_validation_is_located_too():
    problem = spec_problem(GOOD, ("steps", 1, "key"), "找不到", source="ladder.yaml")
    assert (problem.row, problem.col, problem.column) == (6, 6, "steps.1.key")
    # a key that is not written: the line of the mapping it would be in; a broken text: no line
    assert spec_problem(GOOD, ("steps", 0, "note"), "x").row == 4
    assert spec_problem("a: [", ("a",), "x", source="s.yaml").row is None


def test_pydantic_types_we_do_not_know_are_not_shown_in_english():
    err = {"type": "url_parsing", "loc": ("x",), "msg": "Input should be a valid URL", "ctx": {}}
    assert pydantic_message(err) == "写法不符合要求"
    with translation.override("en"):
        assert pydantic_message(err) == "Not written as expected"
