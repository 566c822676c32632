"""The shipped presets (presets/*.yaml) load, load idempotently, and a broken preset is refused with the
line of each problem; the demo builds a program with warnings, open requests and accounts that sign in."""
from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from luoshi.core.excel import ImportFailed
from luoshi.org.models import Person, Unit
from luoshi.programs.models import Program, ReportingPeriod
from luoshi.core.presets import preset_load, preset_names, read_preset
from luoshi.tasks.models import ClosureRequest, ExtensionRequest, Milestone, Task, TaskAssignment

D = dt.date


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")


def state():
    return (sorted(Unit.objects.values_list("id", "path", "name")), Program.objects.count(),
            sorted(Task.objects.values_list("id", "code", "title", "deadline", "parent_id")),
            TaskAssignment.objects.count(), Milestone.objects.count(), Person.objects.count())


def test_preset_names():
    assert {"qingdao", "laoshan-innovation"} <= set(preset_names())


def test_shipped_presets_load(db, travel):
    with travel("2026-02-01"):
        units = preset_load(by=None, name="qingdao")
        assert units["created"] == Unit.objects.count() > 100
        assert Unit.objects.filter(kind="district").count() == 10
        assert Unit.objects.filter(kind="city").count() == 1
        laoshan = Unit.objects.get(name="崂山区")
        assert laoshan.parent.name == "青岛市" and laoshan.code == "370212"
        assert Unit.objects.filter(parent=laoshan, kind="street").count() >= 5

        result = preset_load(by=None, name="laoshan-innovation", year=2026)
    program = result["program"]
    assert result["created_program"] and program.code == "laoshan-innovation-2026" and program.year == 2026
    assert program.name == "2026年崂山区鼓励创新工作要点"
    assert program.sheet_title == "2026年崂山区鼓励创新工作要点任务分解表"
    assert program.owner_unit.name == "区委办公室" and program.owner_unit.parent == laoshan
    assert (program.cadence_kind, program.cadence_day, program.warn_days) == ("monthly", 25, 10)
    periods = list(ReportingPeriod.objects.filter(program=program).order_by("seq").values_list("start", "due"))
    assert periods[0] == (D(2026, 1, 1), D(2026, 1, 25)) and periods[-1] == (D(2026, 12, 26), D(2026, 12, 31))
    assert len(periods) == 13
    tasks = Task.objects.filter(program=program)
    top = tasks.filter(parent=None)
    assert top.count() == 23
    assert sorted(int(c) for c in top.values_list("code", flat=True)) == list(range(1, 24))
    children = tasks.exclude(parent=None)
    assert children.exists()
    assert all(c.code.startswith(c.parent.code + ".") for c in children.select_related("parent"))
    assert result["created"] == tasks.count()
    assert Milestone.objects.filter(task__program=program).exists()
    t1 = tasks.get(code="1")
    assert t1.deadline == D(2026, 12, 31) and t1.deadline_phrase == "6月底前完成方案，年底前全面完成"
    assert list(t1.milestones.order_by("sort_order").values_list("due", flat=True))[:1] == [D(2026, 6, 30)]
    assert t1.leaders.get().full_name == "陈建国"
    assert set(t1.tags.values_list("name", flat=True)) == {"营商环境", "政务服务", "数字化"}
    # every task, child or not, has a lead unit inside 崂山区
    for t in tasks.prefetch_related("assignments__unit"):
        leads = [a for a in t.assignments.all() if a.role == "lead"]
        assert leads, t.code
        assert all(a.unit.path.startswith(laoshan.path) for a in t.assignments.all()), t.code
    # the preset's leaders became people with the leader role over the district
    wang = Person.objects.get(username="leader")  # the preset leader is also the demo account
    assert wang.full_name == "王立新" and wang.grants.filter(role="leader", unit=laoshan).exists()


def test_loading_twice_changes_nothing(db, travel):
    with travel("2026-02-01"):
        preset_load(by=None, name="qingdao")
        first = preset_load(by=None, name="laoshan-innovation", year=2026)
        before = state()
        assert preset_load(by=None, name="qingdao") == {"created": 0}
        again = preset_load(by=None, name="laoshan-innovation", year=2026)
    assert not again["created_program"] and again["program"] == first["program"]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, first["created"])
    assert state() == before


def test_program_preset_needs_its_units(db):
    with pytest.raises(ImportFailed, match="找不到区域单位“崂山区”"):
        preset_load(by=None, name="laoshan-innovation", year=2026)
    assert not Program.objects.exists()


def test_unknown_preset_name(db):
    with pytest.raises(ImportFailed, match="找不到预置方案“nope”.*qingdao"):
        preset_load(by=None, name="nope")


# ---- broken presets ------------------------------------------------------------------------------------

def write(tmp_path, text: str):
    path = tmp_path / "broken.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_broken_units_preset_names_the_lines(db, tmp_path):
    path = write(tmp_path, """
        kind: units
        name: broken
        units:
          - name: 某市
            kind: city
            children:
              - name: 某区
                kind: county
                colour: red
              - name: 某街道
                kind: street
        """)
    before = state()
    with pytest.raises(ImportFailed) as exc:
        preset_load(by=None, name=str(path))
    assert state() == before
    errors = {e.column: e for e in exc.value.errors}
    assert set(errors) == {"units.0.children.0.kind", "units.0.children.0.colour"}
    assert errors["units.0.children.0.kind"].row == 8
    assert errors["units.0.children.0.colour"].row == 9
    assert all(e.sheet == "broken.yaml" for e in exc.value.errors)
    assert "第8行" in str(exc.value) and "第9行" in str(exc.value)


def test_broken_program_preset_names_the_lines(db, tmp_path):
    path = write(tmp_path, """
        kind: program
        code: broken
        name: 坏的方案
        year: 2026
        region: 崂山区
        owner_unit: 区委办公室
        cadence: {kind: daily}
        tasks:
          - number: "1"
            title: 甲
            lead_units: 区委办公室
            deadline: 6月底前
            owner: 某人
          - number: "2"
            lead_units: 区委办公室
        """)
    with pytest.raises(ImportFailed) as exc:
        read_preset(path)
    rows = {e.column: e.row for e in exc.value.errors}
    assert rows == {"cadence.kind": 7, "tasks.0.owner": 13, "tasks.1.title": 14}


def test_yaml_syntax_error_names_the_line(db, tmp_path):
    path = write(tmp_path, """
        kind: units
        name: broken
        units:
          - name: 某市
            kind: [city
        """)
    with pytest.raises(ImportFailed) as exc:
        read_preset(path)
    assert exc.value.errors[0].row in (5, 6) and "YAML 格式错误" in str(exc.value)


def test_preset_without_kind(db, tmp_path):
    with pytest.raises(ImportFailed, match="须以 kind 开头.*kind: ledger（问题台账）.*kind: units（组织架构）"):
        read_preset(write(tmp_path, "name: x\n"))


def test_program_preset_with_bad_task_rolls_back(db, tmp_path, travel):
    preset_load(by=None, name="qingdao")
    path = write(tmp_path, """
        kind: program
        code: half
        name: 半个方案
        year: 2026
        region: 崂山区
        owner_unit: 区委办公室
        cadence: {kind: quarterly, day: 20}
        leaders:
          - {username: lsh_new, full_name: 钱新, title: 副区长, unit: 区政府办公室}
        tasks:
          - {number: "1", title: 甲, lead_units: 区委办公室, deadline: 6月底前, leaders: 钱新}
          - {number: "2", title: 乙, lead_units: 区不存在局, deadline: 尽快}
        """)
    before = state()
    with travel("2026-02-01"), pytest.raises(ImportFailed) as exc:
        preset_load(by=None, name=str(path))
    assert state() == before
    assert not Person.objects.filter(username="lsh_new").exists()
    texts = [str(e) for e in exc.value.errors]
    assert len(texts) == 2
    assert all("第2项任务" in t for t in texts)
    assert any("找不到单位“区不存在局”" in t for t in texts) and any("尽快" in t for t in texts)


# ---- the demo ------------------------------------------------------------------------------------------

def test_demo_load(db, travel, client):
    from luoshi.demo.loader import DEMO_PASSWORD, demo_accounts, demo_load

    with travel("2026-11-23"):
        result = demo_load()
        program = result["program"]
        assert program.code == "laoshan-innovation-2026"
        tasks = Task.objects.filter(program=program)
        assert tasks.filter(status="red").exists()
        # the daily job covers every program of the demo (鼓励创新, 民生实事, 金点子落实)
        assert result["summary"]["red"] == Task.objects.filter(status="red", is_archived=False).count()
        assert tasks.filter(status="red").count() > 0
        assert tasks.filter(status="closed").exists()
        assert ExtensionRequest.objects.filter(task__program=program, state="pending").count() == 1
        assert ClosureRequest.objects.filter(task__program=program, state="pending").count() == 1
        for acc in demo_accounts():
            assert client.login(username=acc.username, password=DEMO_PASSWORD), acc.username
            client.logout()
        assert not client.login(username="office", password="wrong-password")
        # every lead unit has a liaison who can sign in
        lead_units = Unit.objects.filter(assignments__task__program=program, assignments__role="lead").distinct()
        for unit in lead_units:
            assert Person.objects.filter(grants__role="liaison", grants__unit=unit).exists(), unit.name


def test_demo_load_twice(db, travel):
    from luoshi.demo.loader import demo_load

    with travel("2026-11-23"):
        first = demo_load()
        before = state()
        again = demo_load()
    assert again["program"] == first["program"]
    assert state() == before
