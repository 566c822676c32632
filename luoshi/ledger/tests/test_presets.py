"""Ledger presets (presets/ledger/*.yaml) on top of the 青岛 units preset: 创城督导 reproduces the seed's 4 daily
督导组 over the 7 districts and 7 专项督导组 (weekly, twice) each over one district; 大气 has the four departments'
groups. Ladders parse; loading twice changes nothing; a broken file is refused with the line of the problem."""
from __future__ import annotations

import textwrap
from collections import Counter

import pytest

from luoshi.core.excel import ImportFailed
from luoshi.ledger.ladder import ladder_parse
from luoshi.ledger.models import InspectionGroup, LedgerConfig, ProblemCategory
from luoshi.org.models import Unit
from luoshi.programs.models import Program
from luoshi.core.presets import preset_load, read_preset

SEVEN = {"市南区", "市北区", "李沧区", "崂山区", "城阳区", "即墨区", "西海岸新区"}


@pytest.fixture
def qingdao(db, travel):
    with travel("2021-03-01"):
        preset_load(by=None, name="qingdao")
    return Unit.objects.get(name="青岛市", kind="city")


def load(travel, name, **kw):
    with travel("2021-03-01"):
        return preset_load(by=None, name=name, **kw)


def state():
    return (Program.objects.count(), LedgerConfig.objects.count(),
            sorted(ProblemCategory.objects.values_list("program__code", "name", "indicator_code", "sort_order")),
            sorted((g.program.code, g.name, g.kind, g.cadence, g.times,
                    tuple(sorted(g.units.values_list("pk", flat=True)))) for g in InspectionGroup.objects.all()),
            sorted(LedgerConfig.objects.values_list("program__code", "sheet_prefix")),
            [c.ladder for c in LedgerConfig.objects.order_by("program__code")])


def units_of(group) -> set[str]:
    return set(group.units.values_list("name", flat=True))


def test_chuangcheng_reproduces_the_seed_setup(qingdao, travel):
    result = load(travel, "chuangcheng")
    program = result["program"]
    assert result["created_program"] and (program.code, program.year) == ("chuangcheng", 2021)
    assert program.owner_unit.name == "市精神文明建设委员会办公室" and program.owner_unit.parent == qingdao
    config = program.ledger
    assert config.sheet_prefix == "创城督办"
    assert config.deadline_days == {"general": 7, "major": 5, "severe": 3}
    assert (config.days_for("general"), config.days_for("major"), config.days_for("severe")) == (7, 5, 3)
    assert ProblemCategory.objects.filter(program=program).count() == 10

    groups = InspectionGroup.objects.filter(program=program)
    daily = [g for g in groups if g.kind == "supervision"]
    assert len(daily) == 4
    assert {(g.cadence, g.cadence_label) for g in daily} == {("daily", "每日")}
    covered = [u for g in daily for u in units_of(g)]
    assert set(covered) == SEVEN and len(covered) == 7  # together the 7 districts, each once
    special = [g for g in groups if g.kind == "special"]
    assert len(special) == 7
    assert {(g.cadence, g.times, g.cadence_label) for g in special} == {("weekly", 2, "每周2次")}
    assert all(len(units_of(g)) == 1 for g in special)
    assert Counter(u for g in special for u in units_of(g)) == Counter(SEVEN)
    assert all(Unit.objects.get(name=n).kind == "district" for n in SEVEN)

    ladder = ladder_parse(config.ladder)
    assert [s.key for s in ladder.steps] == ["warning", "interview", "criticism", "accountability"]
    interview = ladder.steps[1]
    assert interview.record and [c.overdue_days for c in interview.when] == [7, None]
    assert interview.when[1].repeat_within_days == 30
    criticism = ladder.steps[2]
    assert criticism.bulletin and criticism.when[0].after_step == "interview"
    assert criticism.when[1].unit_prior.model_dump() == {"step": "interview", "count": 2, "within_days": 90}


def test_daqi_has_the_four_departments_groups(qingdao, travel):
    program = load(travel, "daqi")["program"]
    assert program.owner_unit.name == "市生态环境局"
    assert program.ledger.sheet_prefix == "大气督办"
    groups = list(InspectionGroup.objects.filter(program=program).order_by("id"))
    assert [g.name for g in groups] == ["市住房城乡建设局检查组", "市城市管理局检查组", "市公安局检查组", "市生态环境局检查组"]
    assert {(g.kind, g.cadence, g.times) for g in groups} == {("special", "weekly", 1)}
    districts = set(Unit.objects.filter(kind="district", parent=qingdao).values_list("name", flat=True))
    assert all(units_of(g) == districts for g in groups) and SEVEN < districts
    ladder = ladder_parse(program.ledger.ladder)
    assert [s.key for s in ladder.steps] == ["warning", "interview", "accountability", "onsite_help"]
    assert ladder.steps[0].when[1].returned_times == 1


def test_loading_twice_changes_nothing(qingdao, travel):
    first = (load(travel, "chuangcheng"), load(travel, "daqi"))
    before = state()
    again = (load(travel, "chuangcheng"), load(travel, "daqi"))
    assert state() == before
    assert [r["created_program"] for r in first] == [True, True]
    assert [(r["created_program"], r["categories"], r["groups"]) for r in again] == [(False, 0, 0), (False, 0, 0)]
    assert [r["program"].pk for r in again] == [r["program"].pk for r in first]


def test_another_year_is_another_program(qingdao, travel):
    load(travel, "chuangcheng")
    result = load(travel, "chuangcheng", year=2022)
    assert result["program"].code == "chuangcheng-2022" and result["created_program"]
    assert LedgerConfig.objects.count() == 2


def test_the_units_preset_comes_first(db, travel):
    with pytest.raises(ImportFailed) as e:
        load(travel, "chuangcheng")
    assert "请先加载单位预置" in str(e.value.errors[0])
    assert not Program.objects.exists()


# ---- broken files ---------------------------------------------------------------------------------

GOOD = """\
kind: ledger
code: test-ledger
name: 测试台账
year: 2021
region: 青岛市
owner_unit: 市精神文明建设委员会办公室
sheet_prefix: 测试督办
deadline_days: {general: 7}
categories:
  - {name: 环境卫生}
groups:
  - {name: 第一组, units: 市南区}
ladder:
  - key: warning
    name: 预警提醒
    when: [{overdue_days: 3}]
  - key: interview
    name: 约谈
    when: [{after_step: warning, overdue_days: 7}]
"""


def write(tmp_path, text: str):
    path = tmp_path / "broken.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def errors_of(tmp_path, text):
    with pytest.raises(ImportFailed) as e:
        read_preset(write(tmp_path, text))
    return e.value.errors


def test_the_good_file_is_good(qingdao, tmp_path, travel):
    result = load(travel, str(write(tmp_path, GOOD)))
    assert result["program"].code == "test-ledger"
    assert [g.name for g in InspectionGroup.objects.filter(program=result["program"])] == ["第一组"]


def test_an_unknown_key_is_named_with_its_line(tmp_path):
    text = GOOD.replace("    name: 约谈\n", "    name: 约谈\n    notfy: [unit]\n")
    [error] = errors_of(tmp_path, text)
    assert error.row == 19 and error.column == "ladder.1.notfy" and error.message == "不认识的键（拼写有误？）"
    assert "broken.yaml" in str(error) and "第19行" in str(error)


def test_an_unknown_top_level_key_and_a_bad_group_cadence(tmp_path):
    text = GOOD.replace("sheet_prefix: 测试督办\n", "sheet_prefix: 测试督办\nsheet_prefx: 错字\n").replace(
        "{name: 第一组, units: 市南区}", "{name: 第一组, cadence: hourly, units: 市南区}")
    errors = errors_of(tmp_path, text)
    by_column = {e.column: e.row for e in errors}
    assert by_column == {"sheet_prefx": 8, "groups.0.cadence": 13}


def test_a_bad_step_reference_is_refused_at_the_ladder(tmp_path):
    text = GOOD.replace("after_step: warning", "after_step: intervew")
    [error] = errors_of(tmp_path, text)
    assert "措施 interview 引用的 intervew 须是它之前（或它自己）的措施" in error.message
    assert error.column == "ladder.1.when.0.after_step" and error.row == 19  # the line of the reference


def test_a_bad_unit_prior_reference_and_a_duplicate_step(tmp_path):
    text = GOOD.replace("when: [{after_step: warning, overdue_days: 7}]",
                        "when: [{unit_prior: {step: criticism, count: 2, within_days: 90}}]")
    [error] = errors_of(tmp_path, text)
    assert "引用的 criticism" in error.message and error.row == 19
    assert error.column == "ladder.1.when.0.unit_prior.step"
    text = GOOD.replace("key: interview", "key: warning")
    [error] = errors_of(tmp_path, text)
    assert "措施代码 warning 重复" in error.message and (error.column, error.row) == ("ladder.1.key", 17)


def test_a_deadline_out_of_range_and_bad_yaml(tmp_path):
    [error] = errors_of(tmp_path, GOOD.replace("{general: 7}", "{general: 400}"))
    assert "1–365" in error.message and error.row == 8
    [error] = errors_of(tmp_path, GOOD.replace("  - {name: 环境卫生}", "  - {name: 环境卫生"))
    assert "YAML 格式错误" in error.message and error.row is not None


def test_unknown_units_in_groups_are_refused_and_nothing_is_written(qingdao, tmp_path, travel):
    path = write(tmp_path, GOOD.replace("units: 市南区", "units: 市东区"))
    before = state()
    with pytest.raises(ImportFailed) as e:
        load(travel, str(path))
    assert "市东区" in str(e.value.errors[0]) and e.value.errors[0].column == "groups.0.units"
    assert state() == before


def test_an_example_placeholder_is_not_taken_for_an_indicator_code():
    """"示例-项目3" in a preset was copied onto every finding and shown as if it were a category code (issue #12)."""
    from luoshi.core.specs import SpecError, parse_yaml
    from luoshi.ledger.presets import LedgerPreset

    text = ("kind: ledger\ncode: x\nname: x\nyear: 2021\nregion: 青岛市\nowner_unit: 市文明办\nsheet_prefix: 督办\n"
            "deadline_days: {general: 7}\ncategories:\n  - {name: 老旧小区环境, indicator: 示例-项目3}\n")
    with pytest.raises(SpecError) as caught:
        parse_yaml(text, LedgerPreset, source="x.yaml")
    [problem] = caught.value.errors
    assert problem.row == 10 and "示例占位" in problem.message
