from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from luoshi.core.excel import ImportFailed
from luoshi.ideas.scheme import ideas_scheme_parse, provinces, scheme_presets

from .conftest import SCHEME


def errors_of(text):
    with pytest.raises(ImportFailed) as e:
        ideas_scheme_parse(text, source="s.yaml")
    return e.value.errors


def test_the_preset_is_valid():
    s = ideas_scheme_parse(scheme_presets()["gaige-jindianzi"], source="gaige-jindianzi.yaml")
    assert [(c.name, c.max) for c in s.criteria] == [("创新性", 30), ("可行性", 30), ("实效性", 40)]
    assert s.full_marks == Decimal(100) and s.trim_from == 5
    assert [(a.name, a.count) for a in s.awards] == [("一等奖", 1), ("二等奖", 3), ("三等奖", 5), ("优秀奖", 20)]
    assert "营商环境" in s.topics


def test_provinces_are_the_34_provincial_divisions():
    names = [n for _c, n in provinces()]
    assert len(names) == len(set(names)) == 34
    assert {"山东省", "北京市", "内蒙古自治区", "香港特别行政区", "澳门特别行政区", "台湾省"} <= set(names)


def test_errors_name_the_line_and_key():
    text = """kind: ideas_scheme
name: 测试方案
criteria:
  - {code: innovation, name: 创新性, max: 30}
  - code: feasibility
    name: 可行性
    max: -5
topics: [营商环境]
awards:
  - {code: first, name: 一等奖, count: 0}
"""
    errs = {e.column: e for e in errors_of(text)}
    assert errs["criteria.1.max"].row == 7 and "须大于 0" in errs["criteria.1.max"].message
    assert errs["awards.0.count"].row == 10
    assert "第7行" in str(errs["criteria.1.max"])


def test_unknown_keys_missing_keys_and_duplicates():
    errs = errors_of("kind: ideas_scheme\nname: x\ncriteria:\n  - {code: a, name: 甲, max: 10, weight: 2}\n")
    by_key = {e.column: e.message for e in errs}
    assert "不认识的键" in by_key["criteria.0.weight"] and "缺少必填项" in by_key["topics"]
    errs = errors_of(SCHEME.replace("code: feasibility", "code: innovation"))
    assert "评分项编码“innovation”重复" in errs[0].message


def test_bad_yaml_and_wrong_kind_name_the_line():
    errs = errors_of("kind: ideas_scheme\ncriteria: [\n  - a\n")
    assert errs[0].row and errs[0].row >= 2 and "YAML 格式错误" in errs[0].message
    errs = errors_of("kind: scheme\nname: x\n")
    assert errs[0].row == 1 and "kind: ideas_scheme" in errs[0].message


def test_command_checks_and_creates(city, tmp_path, capsys):
    call_command("ideas_campaign", "gaige-jindianzi", "--check")
    assert "无误" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text(SCHEME.replace("max: 30\n    note: 思路", "max: 300000\n    note: 思路"), encoding="utf-8")
    with pytest.raises(CommandError, match="第9行（criteria.0.max）：须不大于 1000"):
        call_command("ideas_campaign", str(bad), "--check")
    call_command("ideas_campaign", "gaige-jindianzi", "--owner", "青岛市/崂山区", "--name", "崂山金点子",
                 "--start", "2026-03-01", "--end", "2026-05-31")
    from luoshi.ideas.models import Campaign

    c = Campaign.objects.get(name="崂山金点子")
    assert c.owner_unit == city["district"] and c.created_by is None and len(c.criteria) == 3
