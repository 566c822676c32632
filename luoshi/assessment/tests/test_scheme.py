"""Scheme validation (scheme_parse): every refusal is an ImportFailed whose errors are in Chinese and name
the line (and the key path) of what is wrong, so an office can fix its YAML."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from luoshi.assessment.scheme import scheme_parse
from luoshi.core.excel import ImportFailed

CHINESE = re.compile(r"[\u4e00-\u9fff]")

GOOD = """\
kind: scheme
code: t-scheme
name: 测试考核
region: 崂山区
owner_unit: 区委办公室
full_marks: 100
peer_groups:
  - {code: street, name: 街道, unit_kinds: [street]}
grades:
  - {name: 好, min: 90}
  - {name: 一般, min: 0}
items:
  - code: A
    name: 基础工作
    points: 40
    children:
      - {code: A1, name: 组织领导, points: 20, method: 查阅档案}
      - {code: A2, name: 制度建立, points: 20, method: 实地核验, rule: {type: pass_fail}}
  - code: B
    name: 重点任务
    points: 60
    children:
      - {code: B1, name: 任务落实, points: 60, rule: {type: deduction, per: 0.5}}
rules:
  - code: bottom
    name: 连续两期末位
    when: {type: rank_bottom, k: 1}
    consecutive: 2
    group: street
    actions: [通报批评]
"""


def line_of(text: str, needle: str) -> int:
    """The (1-based) line of the first line containing `needle`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def refused(text: str) -> list:
    with pytest.raises(ImportFailed) as info:
        scheme_parse(text, source="t.yaml")
    errors = info.value.errors
    assert errors
    for e in errors:
        assert e.sheet == "t.yaml"
        assert CHINESE.search(e.message), e.message
    return errors


def test_the_good_scheme_parses():
    s = scheme_parse(GOOD)
    assert [leaf.code for leaf in s.leaves()] == ["A1", "A2", "B1"]
    assert s.max_points() == Decimal(100)
    assert s.leaf("A2").rule.type == "pass_fail" and s.leaf("A") is None


def test_children_that_do_not_add_up_to_the_parent():
    text = GOOD.replace("{code: A1, name: 组织领导, points: 20", "{code: A1, name: 组织领导, points: 25")
    [e] = refused(text)
    assert "40" in e.message and "45" in e.message and "基础工作" in e.message
    assert e.row == line_of(text, "points: 40")


def test_items_that_do_not_add_up_to_full_marks():
    text = GOOD.replace("full_marks: 100", "full_marks: 120")
    [e] = refused(text)
    assert "120" in e.message and "100" in e.message
    assert e.row == line_of(text, "full_marks")


def test_duplicate_codes():
    text = GOOD.replace("{code: B1,", "{code: A1,")
    [e] = refused(text)
    assert "A1" in e.message and "重复" in e.message
    assert e.row == line_of(text, "name: 任务落实")


def test_unknown_method():
    text = GOOD.replace("method: 实地核验", "method: 拍脑袋")
    [e] = refused(text)
    assert "拍脑袋" in e.message and "A2" in e.message
    assert e.row == line_of(text, "拍脑袋")


def test_unknown_rule_type():
    text = GOOD.replace("type: pass_fail", "type: magic")
    errors = refused(text)
    assert any(e.row == line_of(text, "type: magic") for e in errors)


def test_rule_on_an_item_with_children():
    text = GOOD.replace("    name: 重点任务\n", "    name: 重点任务\n    rule: {type: pass_fail}\n")
    [e] = refused(text)
    assert "B" in e.message and "末级" in e.message
    assert e.row == line_of(text, "code: B")


def test_leaf_without_points():
    text = GOOD.replace("{code: A1, name: 组织领导, points: 20, method: 查阅档案}", "{code: A1, name: 组织领导}")
    errors = refused(text)
    assert any("A1" in e.message and "points" in e.message and e.row == line_of(text, "code: A1") for e in errors)


def test_grades_not_descending():
    text = GOOD.replace("{name: 一般, min: 0}", "{name: 一般, min: 95}")
    [e] = refused(text)
    assert "从高到低" in e.message
    assert e.row == line_of(text, "grades:")


def test_duplicate_grade_bounds():
    text = GOOD.replace("{name: 一般, min: 0}", "{name: 一般, min: 90}")
    [e] = refused(text)
    assert "不能重复" in e.message


def test_unknown_peer_group_in_a_rule():
    text = GOOD.replace("group: street", "group: town")
    [e] = refused(text)
    assert "town" in e.message and "bottom" in e.message
    assert e.row == line_of(text, "group: town")


def test_unknown_grade_in_a_rule():
    text = GOOD.replace("when: {type: rank_bottom, k: 1}", "when: {type: grade_in, grades: [差]}")
    [e] = refused(text)
    assert "差" in e.message
    assert e.row == line_of(text, "grade_in")


def test_bad_yaml_names_the_line():
    text = GOOD.replace("    name: 重点任务\n", "    name: [重点任务\n")
    [e] = refused(text)
    assert "YAML" in e.message
    assert e.row == line_of(text, "points: 60") or e.row == line_of(text, "[重点任务") + 1


def test_bad_yaml_indentation():
    text = GOOD.replace("  - code: B\n", "  - code: B\n   bad: 1\n")
    [e] = refused(text)
    assert e.row == line_of(text, "bad: 1")


def test_not_a_scheme():
    [e] = refused("kind: program\ncode: x\n")
    assert e.row == 1 and "kind: scheme" in e.message
    [e] = refused("- just\n- a list\n")
    assert e.row == 1


def test_negative_points_and_unknown_keys_name_their_line():
    text = GOOD.replace("{code: A1, name: 组织领导, points: 20", "{code: A1, name: 组织领导, points: -20")
    errors = refused(text)
    assert any(e.row == line_of(text, "points: -20") for e in errors)
    text = GOOD.replace("full_marks: 100", "full_marks: 100\nfull_mark: 100")
    errors = refused(text)
    assert any(e.row == line_of(text, "full_mark: 100") for e in errors)


def test_equal_efficacy_bounds_and_rubric_above_points():
    text = GOOD.replace("rule: {type: deduction, per: 0.5}", "rule: {type: linear, satisfactory: 5, allowed: 5}")
    [e] = refused(text)
    assert "满意值" in e.message and e.row == line_of(text, "type: linear")
    text = GOOD.replace("rule: {type: deduction, per: 0.5}",
                        "rule: {type: rubric, levels: [{name: 优, points: 70}, {name: 差, points: 10}]}")
    [e] = refused(text)
    assert "70" in e.message and e.row == line_of(text, "type: rubric")


def test_weighted_needs_a_weight_on_every_top_item():
    text = GOOD.replace("full_marks: 100", "aggregation: weighted")
    [e] = refused(text)
    assert "weight" in e.message


def test_metric_scheme_needs_a_league():
    text = "kind: scheme\ncode: aq\nname: 大气\nregion: 崂山区\nowner_unit: 区委办公室\ntype: metric\n"
    [e] = refused(text)
    assert "league" in e.message


def test_schema_errors_are_in_chinese_and_each_names_its_line():
    text = (GOOD.replace("code: t-scheme", "code: T Scheme")
            .replace("full_marks: 100", "full_marks: 100\nprecision: 9")
            .replace("consecutive: 2", "consecutive: 2\n    excluded: ignores")
            .replace("name: 测试考核", "name: 测试考核\nfoo: 1"))
    errors = {e.column: e for e in refused(text)}
    assert set(errors) == {"code", "precision", "rules.0.excluded", "foo"}
    assert errors["code"].row == line_of(text, "code: T Scheme") and "格式不符" in errors["code"].message
    assert errors["precision"].row == line_of(text, "precision: 9") and errors["precision"].message == "须不大于 4"
    assert errors["rules.0.excluded"].row == line_of(text, "excluded: ignores")
    assert errors["rules.0.excluded"].message == "须为 'skips'、'breaks' 之一"
    assert errors["foo"].row == line_of(text, "foo: 1") and "不认识的键" in errors["foo"].message
    # The message shown to the office names the line and the key.
    assert str(errors["foo"]) == f"t.yaml第{line_of(text, 'foo: 1')}行（foo）：不认识的键（拼写有误？）"
