"""Importing real office task sheets (luoshi.tasks.importer.tasks_import_xlsx and the upload page):
layout, numbering, units, deadlines and leaders; every error located by sheet, row and column; all or
nothing; dry runs; re-import by code."""
from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile

import pytest

from luoshi.core.excel import ImportFailed
from luoshi.core.models import JournalEntry
from luoshi.org.services import unit_create
from luoshi.programs.models import Program
from luoshi.tasks import services
from luoshi.tasks.importer import parse_number, tasks_import_xlsx
from luoshi.tasks.models import Milestone, Task, TaskAssignment
from luoshi.tasks.tests.sheets import SUBTITLE, TITLE, empty_workbook, office_sheet, plain_sheet, task

D = dt.date
SHEET = "任务清单"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")


def counts():
    return {m.__name__: m.objects.count() for m in (Task, TaskAssignment, Program, JournalEntry, Milestone)}


def run(city, cast, rows, *, code="p1", dry_run=False, program=None, by="office", **sheet_kwargs):
    sheet_kwargs.setdefault("sheet_title", SHEET)
    data = rows if isinstance(rows, bytes) else office_sheet(rows, **sheet_kwargs)
    kwargs = {"program": program} if program is not None else {"program_code": code, "owner_unit": city["office_unit"],
                                                               "year": 2026}
    return tasks_import_xlsx(by=cast[by] if by else None, data=data, filename="清单.xlsx", dry_run=dry_run, **kwargs)


def units_of(t: Task, role: str) -> list[str]:
    return [a.unit.name for a in t.assignments.filter(role=role).select_related("unit").order_by("id")]


def by_code(program) -> dict[str, Task]:
    return {t.code: t for t in Task.objects.filter(program=program).select_related("parent")}


# The realistic sheet: data rows start at sheet row 4 (title 1, subtitle 2, header 3).
REAL_ROWS = [
    "一、助企服务",                                                                                   # row 4
    task("1", "建设助企服务“一张网”", "整合涉企服务事项，建成统一平台", "区审批局", "各街道、区直各部门", "王立新",
         "6月底前完成方案，年底前全面完成", "纳入年度考核"),                                          # row 5
    task("（1）", "制定平台建设方案", "完成企业需求调研", "崂山区行政审批服务局", "", "", "三季度"),     # row 6
    task("（2）", "平台上线试运行", "", "中韩街道、沙子口街道", "区委办公室", "王立新、刘晓燕",
         dt.datetime(2026, 9, 15)),                                                                    # row 7
    task("1.3", "开展企业满意度评价", "", "区委办公室", "", "", "每月"),                                # row 8
    "二、优化营商环境",                                                                               # row 9
    task(2, "政策兑现“免申即享”", "", "区直各部门", "各街道", "", "长期坚持"),                         # row 10
    task("３", "企业诉求限时办结", "", "区审批局、中韩街道", "", "刘晓燕", "11月15日前"),              # row 11
    task("", "营商环境评价", "", "区委办公室", "", "", "年底前"),                                      # row 12
]


def import_real(city, cast, **kw):
    return run(city, cast, REAL_ROWS, **kw)


# ---- a real sheet ----------------------------------------------------------------------------------

CODES = ["1", "1.1", "1.2", "1.3", "2", "3", "4"]


def test_real_sheet_imports_every_row(city, cast, travel):
    with travel("2026-02-01"):
        report = import_real(city, cast)
    program = Program.objects.get(code="p1")
    assert report.program == program and not report.dry_run
    assert (report.created, report.updated, report.unchanged, report.rows) == (7, 0, 0, 7)
    assert program.owner_unit == city["office_unit"] and program.year == 2026
    assert program.sheet_title == TITLE and program.sheet_subtitle == SUBTITLE and program.name == TITLE
    assert list(Task.objects.filter(program=program).order_by("sort_order").values_list("code", flat=True)) == CODES
    # each assignment copies its task's program (the partial readers' task list reads them by program)
    assert {(a.program_id, a.task.program_id) for a in TaskAssignment.objects.select_related("task")} == \
        {(program.pk, program.pk)}
    tasks = by_code(program)
    # categories follow the merged category rows
    assert {c: t.category for c, t in tasks.items()} == {
        "1": "一、助企服务", "1.1": "一、助企服务", "1.2": "一、助企服务", "1.3": "一、助企服务",
        "2": "二、优化营商环境", "3": "二、优化营商环境", "4": "二、优化营商环境"}
    # "1" then "（1）": children with codes 1.1, 1.2; "1.3" is a child of 1 as written
    assert {c: (t.parent.code if t.parent else None) for c, t in tasks.items()} == {
        "1": None, "1.1": "1", "1.2": "1", "1.3": "1", "2": None, "3": None, "4": None}
    assert [tasks[c].number for c in CODES] == ["1", "（1）", "（2）", "1.3", "2", "３", "4"]  # the blank 序号 is numbered
    t1 = tasks["1"]
    assert t1.title == "建设助企服务“一张网”" and t1.measures == "整合涉企服务事项，建成统一平台"
    assert t1.note == "纳入年度考核"
    assert (t1.lead_units_text, t1.coop_units_text, t1.leaders_text) == ("区审批局", "各街道、区直各部门", "王立新")


def test_unnumbered_row_gets_a_number_and_a_warning(city, cast, travel):
    with travel("2026-02-01"):
        report = import_real(city, cast)
    unnumbered = Task.objects.get(program__code="p1", title="营商环境评价")
    assert unnumbered.code == "4" and unnumbered.parent is None and unnumbered.category == "二、优化营商环境"
    assert len(report.warnings) == 1
    assert "第12行" in report.warnings[0] and "序号为空" in report.warnings[0] and "4" in report.warnings[0]


def test_units_are_resolved(city, cast, travel):
    with travel("2026-02-01"):
        import_real(city, cast)
    tasks = by_code(Program.objects.get(code="p1"))
    # short name; group phrases expand (各街道 → both streets, 区直各部门 → departments directly under the district)
    assert units_of(tasks["1"], "lead") == ["区行政审批服务局"]
    assert sorted(units_of(tasks["1"], "coop")) == sorted(["中韩街道", "沙子口街道", "区委办公室"])
    # full name with the district prefix
    assert units_of(tasks["1.1"], "lead") == ["区行政审批服务局"]
    # several units in one cell split on 、
    assert units_of(tasks["1.2"], "lead") == ["中韩街道", "沙子口街道"]
    assert units_of(tasks["1.2"], "coop") == ["区委办公室"]
    assert sorted(units_of(tasks["2"], "lead")) == sorted(["区委办公室", "区行政审批服务局"])
    assert sorted(units_of(tasks["2"], "coop")) == sorted(["中韩街道", "沙子口街道"])
    assert units_of(tasks["3"], "lead") == ["区行政审批服务局", "中韩街道"]
    # 市南区 is a district, not a department under 崂山区; the street's own units are not departments of the district
    assert not TaskAssignment.objects.filter(unit=city["other_district"]).exists()
    # every task has a lead unit with the unit path copied
    for t in tasks.values():
        assert t.assignments.filter(role="lead").exists()
        assert all(a.unit_path == a.unit.path for a in t.assignments.all())


def test_deadlines_and_leaders(city, cast, travel):
    with travel("2026-02-01"):
        import_real(city, cast)
    tasks = by_code(Program.objects.get(code="p1"))
    t = tasks["1"]
    assert (t.deadline_kind, t.deadline, t.deadline_phrase) == ("date", D(2026, 12, 31), "6月底前完成方案，年底前全面完成")
    assert list(t.milestones.values_list("title", "due")) == [("6月底前完成方案", D(2026, 6, 30))]
    assert (tasks["1.1"].deadline_kind, tasks["1.1"].deadline) == ("date", D(2026, 9, 30))
    # a date-typed cell is taken as it is
    assert (tasks["1.2"].deadline_kind, tasks["1.2"].deadline, tasks["1.2"].deadline_phrase) == \
        ("date", D(2026, 9, 15), "2026-09-15")
    t13 = tasks["1.3"]
    assert (t13.deadline_kind, t13.deadline, t13.recurrence) == ("recurring", None, "monthly")
    assert (tasks["2"].deadline_kind, tasks["2"].deadline) == ("open", None)
    assert tasks["3"].deadline == D(2026, 11, 15)
    assert tasks["4"].deadline == D(2026, 12, 31)
    # leaders by full name, several in one cell
    assert list(tasks["1"].leaders.all()) == [cast["leader"]]
    assert set(tasks["1.2"].leaders.all()) == {cast["leader"], cast["office"]}
    assert list(tasks["3"].leaders.all()) == [cast["office"]]
    assert not tasks["2"].leaders.exists()


def test_import_journals(city, cast, travel):
    before = JournalEntry.objects.count()
    with travel("2026-02-01"):
        report = import_real(city, cast)
    created = JournalEntry.objects.filter(verb="task.import_create")
    assert created.count() == 7
    assert set(created.values_list("actor", flat=True)) == {cast["office"].pk}
    summary = JournalEntry.objects.get(verb="program.import")
    assert summary.changes["created"] == 7 and "清单.xlsx" in summary.changes["source"]
    assert JournalEntry.objects.count() == before + 7 + 2  # + program.create + program.import
    assert report.created == 7


def test_chinese_parenthesised_numbers(city, cast, travel):
    rows = [
        "一、重点任务",
        task("(一)", "推进科技创新", "", "区委办公室", "", "", "年底前"),
        task("1", "建设创新平台", "", "区审批局", "", "", "6月底前"),
        task("2", "培育创新主体", "", "中韩街道", "", "", "9月底前"),
        task("（二）", "深化改革", "", "区委办公室", "", "", "年底前"),
        task("1", "推进审批改革", "", "区审批局", "", "", "10月底前"),
    ]
    with travel("2026-02-01"):
        run(city, cast, rows)
    tasks = by_code(Program.objects.get(code="p1"))
    assert {c: (t.parent.code if t.parent else None) for c, t in tasks.items()} == {
        "1": None, "1.1": "1", "1.2": "1", "2": None, "2.1": "2"}
    assert tasks["2"].number == "（二）" and tasks["2.1"].title == "推进审批改革"


def test_numbering_restarting_in_each_category_gets_category_prefixed_codes(city, cast, travel):
    rows = [
        "一、鼓励政府创新",
        task("1", "甲", "", "区委办公室", "", "", "6月底前"),
        task("（1）", "甲的子任务", "", "中韩街道", "", "", "5月底前"),
        task("2", "乙", "", "区审批局", "", "", "9月底前"),
        "二、鼓励企业创新",
        task("1", "丙", "", "沙子口街道", "", "", "年底前"),
        task("2", "丁", "", "中韩街道", "", "", "年底前"),
    ]
    with travel("2026-02-01"):
        report = run(city, cast, rows)
    assert report.created == 5
    tasks = by_code(Program.objects.get(code="p1"))
    assert {c: t.title for c, t in tasks.items()} == {"1-1": "甲", "1-1.1": "甲的子任务", "1-2": "乙", "2-1": "丙",
                                                       "2-2": "丁"}
    assert tasks["1-1.1"].parent == tasks["1-1"]
    assert [tasks[c].number for c in ("1-1", "1-2", "2-1", "2-2")] == ["1", "2", "1", "2"]


def test_dotted_numbers_in_categories_that_restart(city, cast, travel):
    rows = [
        "一、鼓励政府创新",
        task("1", "甲", "", "区委办公室", "", "", "6月底前"),
        task("1.1", "甲一", "", "中韩街道", "", "", "5月底前"),
        "二、鼓励企业创新",
        task("1", "丙", "", "沙子口街道", "", "", "年底前"),
        task("1.1", "丙一", "", "中韩街道", "", "", "年底前"),
    ]
    with travel("2026-02-01"):
        run(city, cast, rows)
    tasks = by_code(Program.objects.get(code="p1"))
    assert {c: t.title for c, t in tasks.items()} == {"1-1": "甲", "1-1.1": "甲一", "2-1": "丙", "2-1.1": "丙一"}


def test_category_written_as_number_and_title_cells(city, cast, travel):
    """Some offices write the category as 序号 "一" and 任务内容 "助企服务", not merged."""
    rows = [
        task("一", "助企服务"),
        task("1", "甲", "", "区委办公室", "", "", "6月底前"),
        task("二", "营商环境"),
        task("2", "乙", "", "区审批局", "", "", "9月底前"),
    ]
    with travel("2026-02-01"):
        run(city, cast, rows, merge_categories=False)
    tasks = by_code(Program.objects.get(code="p1"))
    assert {c: t.category for c, t in tasks.items()} == {"1": "一、助企服务", "2": "二、营商环境"}


def test_merged_number_cell_makes_sub_items(city, cast, travel):
    """A 序号 cell merged down over the rows below: those rows are sub-items inheriting the units and deadline."""
    rows = [
        task("1", "建设创新平台", "", "区委办公室", "", "王立新", "年底前"),   # row 4
        task("", "", "完成平台方案", "", "", "", "6月底前"),                 # row 5
        task("", "", "平台上线运行", "中韩街道", "", "", ""),                # row 6
        task("2", "乙", "", "区审批局", "", "", "9月底前"),                  # row 7
    ]
    with travel("2026-02-01"):
        report = run(city, cast, rows, merge_number_rows=[(4, 6)])
    assert report.warnings == []
    tasks = by_code(Program.objects.get(code="p1"))
    assert {c: (t.parent.code if t.parent else None) for c, t in tasks.items()} == {
        "1": None, "1.1": "1", "1.2": "1", "2": None}
    assert tasks["1.1"].title == "完成平台方案" and tasks["1.1"].deadline == D(2026, 6, 30)
    assert units_of(tasks["1.1"], "lead") == ["区委办公室"] and list(tasks["1.1"].leaders.all()) == [cast["leader"]]
    assert units_of(tasks["1.2"], "lead") == ["中韩街道"] and tasks["1.2"].deadline == D(2026, 12, 31)


def test_instructions_sheet_before_the_list_is_skipped(city, cast, travel):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(office_sheet(REAL_ROWS, sheet_title=SHEET)))
    notes = wb.create_sheet("填表说明", 0)
    notes.append(["请按要求填写，不要改动表头。"])
    out = io.BytesIO()
    wb.save(out)
    with travel("2026-02-01"):
        report = run(city, cast, out.getvalue())
    assert report.created == 7 and wb.sheetnames[0] == "填表说明"
    assert SHEET in JournalEntry.objects.get(verb="program.import").changes["source"]


def test_unit_cells_with_notes_and_other_separators(city, cast, travel):
    rows = [task("1", "甲", "", "区审批局（牵头）", "中韩街道，沙子口街道; 区委办公室", "王立新 刘晓燕", "6月底前")]
    with travel("2026-02-01"):
        report = run(city, cast, rows)
    t = Task.objects.get(program=report.program)
    assert units_of(t, "lead") == ["区行政审批服务局"]
    assert units_of(t, "coop") == ["中韩街道", "沙子口街道", "区委办公室"]
    assert set(t.leaders.all()) == {cast["leader"], cast["office"]}


def test_category_column_instead_of_category_rows(city, cast, travel):
    header = ["序号", "类别", "任务内容", "牵头单位", "完成时限"]
    rows = [["1", "政府创新", "甲", "区委办公室", "6月底前"], ["2", "", "乙", "区审批局", "9月底前"],
            ["3", "企业创新", "丙", "中韩街道", "年底前"]]
    with travel("2026-02-01"):
        report = run(city, cast, rows, header=header)
    assert {t.code: t.category for t in Task.objects.filter(program=report.program)} == {
        "1": "政府创新", "2": "政府创新", "3": "企业创新"}


def test_sheet_without_title_rows_and_other_header_words(city, cast, travel):
    header = ["编号", "重点任务", "工作措施", "责任单位", "配合部门", "分管领导", "完成时间", "备注"]
    rows = [task("1", "甲", "措施", "区委办公室", "中韩街道", "王立新", "6月底前")]
    with travel("2026-02-01"):
        report = run(city, cast, rows, title=None, subtitle=None, header=header)
    t = Task.objects.get(program=report.program)
    assert (t.code, t.title, t.measures, t.deadline) == ("1", "甲", "措施", D(2026, 6, 30))
    assert units_of(t, "coop") == ["中韩街道"] and list(t.leaders.all()) == [cast["leader"]]
    assert report.program.sheet_title == "" and report.program.name == "p1"


@pytest.mark.parametrize("raw, expected", [
    ("1", (2, "1")), ("12、", (2, "12")), ("１", (2, "1")), ("（1）", (3, "1")), ("(2)", (3, "2")),
    ("(一)", (1, "1")), ("（十二）", (1, "12")), ("一", (0, "1")), ("二十三、", (0, "23")), ("1.2", (3, "1.2")),
    ("1.2.3", (4, "1.2.3")), ("③", (4, "3")), ("甲", None), ("1a", None), ("", None),
])
def test_parse_number(raw, expected):
    assert parse_number(raw) == expected


# ---- errors: located, complete, nothing written -----------------------------------------------------

GOOD = task("1", "好任务", "", "区审批局", "", "", "6月底前")  # row 5 under the category row 4


def bad_sheet(bad_row: list) -> list:
    return ["一、助企服务", GOOD, bad_row]  # the bad row is sheet row 6


@pytest.fixture
def twins(city):
    """Two units with the same name inside the district: ambiguous without the parent."""
    return [unit_create(by=None, name="综合执法中队", kind="department", parent=city[s]) for s in ("street_a", "street_b")]


@pytest.mark.parametrize("row, column, message", [
    (task("2", "甲", "", "区不存在局", "", "", "6月底前"), "牵头单位", "找不到单位“区不存在局”"),
    (task("2", "甲", "", "区审批局", "综合执法中队", "", "6月底前"), "配合单位", "单位“综合执法中队”有2个同名单位"),
    (task("2", "甲", "", "区审批局", "有关部门", "", "6月底前"), "配合单位", "“有关部门”不明确"),
    (task("2", "甲", "", "区审批局", "", "", "尽快"), "完成时限", "无法识别的完成时限“尽快”"),
    (task("2", "甲", "", "区审批局", "", "", "2月30日前"), "完成时限", "不是有效日期"),
    (task("1", "甲", "", "区审批局", "", "", "6月底前"), "序号", "序号“1”重复（与第5行相同）"),
    (task("2", "", "措施", "区审批局", "", "", "6月底前"), "任务内容", "任务内容为空"),
    (task("2", "甲", "", "", "", "", "6月底前"), "牵头单位", "牵头单位为空"),
    (task("2", "甲", "", "区审批局", "", "李四", "6月底前"), "责任领导", "找不到责任领导“李四”"),
    (task("2", "甲", "", "区审批局", "", "", ""), "完成时限", "完成时限为空"),
    (task("甲", "甲", "", "区审批局", "", "", "6月底前"), "序号", "无法识别的序号“甲”"),
    (task("2", "甲", "", "区审批局", "", "", "6月底前完成" + "方案" * 50), "完成时限", "最多 100 字，现有 106 字"),
], ids=["unknown-unit", "ambiguous-unit", "vague-unit", "deadline-unparseable", "deadline-impossible",
        "duplicate-number", "empty-title", "empty-lead", "unknown-leader", "empty-deadline", "bad-number",
        "deadline-too-long"])
@pytest.mark.parametrize("target", ["new", "existing"])
def test_error_is_located_and_nothing_written(city, cast, travel, twins, row, column, message, target):
    with travel("2026-02-01"):
        existing = None
        if target == "existing":
            existing = services.program_create(by=cast["office"], code="p-existing", name="已有", year=2026,
                                               owner_unit=city["office_unit"])
        before = counts()
        with pytest.raises(ImportFailed) as exc:
            run(city, cast, bad_sheet(row), program=existing)
    assert counts() == before
    assert not Program.objects.filter(code="p1").exists()
    errors = exc.value.errors
    assert len(errors) == 1, [str(e) for e in errors]
    text = str(errors[0])
    assert (errors[0].sheet, errors[0].row, errors[0].column) == (SHEET, 6, column)
    assert f"工作表“{SHEET}”" in text and "第6行" in text and f"“{column}”列" in text
    assert message in text
    assert message in str(exc.value)


def test_error_names_the_column_as_written(city, cast, travel):
    header = ["序号", "重点任务", "工作措施", "责任单位", "协同单位", "包联领导", "时间节点", "备注"]
    rows = [task("1", "甲", "", "区不存在局", "有关单位", "李四", "尽快")]
    with travel("2026-02-01"), pytest.raises(ImportFailed) as exc:
        run(city, cast, rows, header=header, subtitle=None)
    texts = [str(e) for e in exc.value.errors]
    assert len(texts) == 4
    assert all("第3行" in t for t in texts)
    for column in ("责任单位", "协同单位", "包联领导", "时间节点"):
        assert any(f"“{column}”列" in t for t in texts), (column, texts)


def test_several_errors_are_all_reported(city, cast, travel, twins):
    rows = [
        "一、助企服务",                                                     # row 4
        task("1", "甲", "", "区不存在局", "", "", "6月底前"),                # row 5: unit
        task("2", "乙", "", "区审批局", "", "李四", "尽快"),                 # row 6: leader + deadline
        task("3", "", "", "中韩街道", "有关部门", "", "6月底前"),             # row 7: title + vague
        task("4", "丁", "", "区委办公室", "", "", "6月底前"),                # row 8: fine
        task("4", "戊", "", "", "", "", "2月30日前"),                        # row 9: duplicate + lead + date
    ]
    with travel("2026-02-01"):
        before = counts()
        with pytest.raises(ImportFailed) as exc:
            run(city, cast, rows)
    assert counts() == before
    located = {(e.row, e.column) for e in exc.value.errors}
    assert located == {(5, "牵头单位"), (6, "责任领导"), (6, "完成时限"), (7, "任务内容"), (7, "配合单位"),
                       (9, "序号"), (9, "牵头单位"), (9, "完成时限")}
    assert [e.row for e in exc.value.errors] == sorted(e.row for e in exc.value.errors)
    message = str(exc.value)
    for n in (5, 6, 7, 9):
        assert f"第{n}行" in message
    assert 8 not in {e.row for e in exc.value.errors}
    assert "序号“4”重复（与第8行相同）" in message


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                          'package/2006/content-types"/>')
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize("data, message", [
    (random.Random(1).randbytes(4096), "不是 Excel（.xlsx）格式"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(2).randbytes(4096), "旧版 Excel（.xls）"),
    (_docx(), "无法读取该 Excel 文件"),
    (b"", "是空的"),
    (empty_workbook(), "工作表是空的"),
    (office_sheet([]), "表头下面没有任务行"),
    (plain_sheet([["2026年工作要点"], ["张三", "李四", "王五"], ["甲", "乙"]]), "没有找到表头行"),
], ids=["random-bytes", "xls", "docx", "zero-bytes", "empty-workbook", "header-only", "no-header"])
def test_unreadable_files_are_refused(city, cast, travel, data, message):
    with travel("2026-02-01"):
        before = counts()
        with pytest.raises(ImportFailed) as exc:
            run(city, cast, data)
    assert counts() == before
    assert not Program.objects.filter(code="p1").exists()
    assert message in str(exc.value)


def test_missing_program_without_owner_is_refused(city, cast, travel):
    with travel("2026-02-01"), pytest.raises(ImportFailed, match="不存在"):
        tasks_import_xlsx(by=cast["office"], data=office_sheet(REAL_ROWS), program_code="nope")
    assert not Program.objects.filter(code="nope").exists()


def test_liaison_cannot_import(city, cast, travel, program):
    from luoshi.core.errors import ServiceError

    before = counts()
    with travel("2026-02-01"), pytest.raises(ServiceError):
        run(city, cast, REAL_ROWS, program=program["program"], by="liaison_a")
    assert counts() == before


# ---- dry run and re-import ---------------------------------------------------------------------------

def test_dry_run_writes_nothing_even_for_a_new_program(city, cast, travel):
    before = counts()
    with travel("2026-02-01"):
        report = import_real(city, cast, dry_run=True)
    assert report.dry_run and (report.created, report.updated, report.rows) == (7, 0, 7)
    assert len(report.warnings) == 1
    assert counts() == before
    assert not Program.objects.filter(code="p1").exists()


def test_dry_run_on_an_existing_program_writes_nothing(city, cast, travel):
    with travel("2026-02-01"):
        import_real(city, cast)
        before = counts()
        rows = REAL_ROWS + [task("5", "新任务", "", "区委办公室", "", "", "年底前")]
        report = run(city, cast, rows, program=Program.objects.get(code="p1"), dry_run=True)
    assert report.dry_run and report.created == 1 and report.rows == 8
    assert report.created + report.updated + report.unchanged == 8
    assert counts() == before
    assert not Task.objects.filter(code="5").exists()


def test_dry_run_report_matches_the_real_import(city, cast, travel):
    with travel("2026-02-01"):
        import_real(city, cast)
        program = Program.objects.get(code="p1")
        rows = list(REAL_ROWS)
        rows[7] = task("３", "企业诉求限时办结", "", "区审批局、中韩街道", "", "刘晓燕", "10月底前")
        rows.append(task("5", "新任务", "", "区委办公室", "", "", "年底前"))
        checked = run(city, cast, rows, program=program, dry_run=True)
        done = run(city, cast, rows, program=program)
    assert (done.created, done.updated, done.unchanged) == (1, 1, 6)
    assert (checked.created, checked.updated, checked.unchanged) == (done.created, done.updated, done.unchanged)


def test_reimport_same_sheet_changes_nothing(city, cast, travel):
    with travel("2026-02-01"):
        import_real(city, cast)
    program = Program.objects.get(code="p1")
    snapshot = list(Task.objects.filter(program=program).order_by("code").values())
    assignments = list(TaskAssignment.objects.order_by("task__code", "unit__name").values_list(
        "task__code", "unit__name", "role"))
    with travel("2026-03-01"):
        report = import_real(city, cast, program=program)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 7)
    assert not JournalEntry.objects.filter(verb="task.import_update").exists()
    after = list(Task.objects.filter(program=program).order_by("code").values())
    strip = lambda rows: [{k: v for k, v in r.items() if k != "updated_at"} for r in rows]  # noqa: E731
    assert strip(after) == strip(snapshot)
    assert list(TaskAssignment.objects.order_by("task__code", "unit__name").values_list(
        "task__code", "unit__name", "role")) == assignments
    assert Milestone.objects.filter(task__program=program).count() == 1


def test_changing_one_cell_updates_exactly_that_task(city, cast, travel):
    with travel("2026-02-01"):
        import_real(city, cast)
    program = Program.objects.get(code="p1")
    rows = list(REAL_ROWS)
    rows[7] = task("３", "企业诉求限时办结", "", "区审批局、中韩街道", "", "刘晓燕", "10月底前")  # was 11月15日前
    with travel("2026-03-01"):
        report = run(city, cast, rows, program=program)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 6)
    entries = list(JournalEntry.objects.filter(verb="task.import_update"))
    assert len(entries) == 1
    t = Task.objects.get(program=program, code="3")
    assert entries[0].object_id == str(t.pk) and entries[0].actor == cast["office"]
    assert entries[0].changes == {"deadline_phrase": ["11月15日前", "10月底前"], "deadline": ["2026-11-15", "2026-10-31"]}
    assert t.deadline == D(2026, 10, 31)


def test_reimport_changes_units_and_adds_new_tasks(city, cast, travel):
    with travel("2026-02-01"):
        import_real(city, cast)
    program = Program.objects.get(code="p1")
    rows = list(REAL_ROWS)
    rows[6] = task("2", "政策兑现“免申即享”", "", "区委办公室", "各街道", "", "长期坚持")
    rows.append(task("5", "新增任务", "", "沙子口街道", "", "", "12月20日前"))
    with travel("2026-03-01"):
        report = run(city, cast, rows, program=program)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 6)
    tasks = by_code(program)
    assert units_of(tasks["2"], "lead") == ["区委办公室"]
    assert tasks["5"].deadline == D(2026, 12, 20) and units_of(tasks["5"], "lead") == ["沙子口街道"]
    entry = JournalEntry.objects.get(verb="task.import_update")
    assert entry.changes == {"lead_units_text": ["区直各部门", "区委办公室"]}


# ---- through the web -----------------------------------------------------------------------------------

@pytest.fixture
def empty_program(city, cast, travel):
    with travel("2026-01-05"):
        return services.program_create(by=cast["office"], code="web-2026", name="网页导入", year=2026,
                                       owner_unit=city["office_unit"])


def upload(client, program, data, *, dry_run=True, name="清单.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    post = {"file": SimpleUploadedFile(name, data)}
    if dry_run:
        post["dry_run"] = "on"
    return client.post(f"/programs/{program.code}/import/", post)


def test_web_upload_check_then_confirm(city, cast, travel, client_for, empty_program):
    c = client_for(cast["office"])
    with travel("2026-02-01"):
        assert c.get(f"/programs/{empty_program.code}/import/").status_code == 200
        before = counts()
        resp = upload(c, empty_program, office_sheet(REAL_ROWS))
        assert resp.status_code == 200
        html = resp.content.decode()
        assert "检查通过" in html and "将新建 7 项" in html and "第12行" in html  # the unnumbered-row warning
        token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
        assert counts() == before
        resp = c.post(f"/programs/{empty_program.code}/import/", {"token": token})
    assert resp.status_code == 302 and resp["Location"] == f"/programs/{empty_program.code}/tasks/"
    assert Task.objects.filter(program=empty_program).count() == 7
    assert JournalEntry.objects.filter(verb="task.import_create", actor=cast["office"]).count() == 7
    # the token is used up
    with travel("2026-02-01"):
        assert c.post(f"/programs/{empty_program.code}/import/", {"token": token}).status_code == 400
    assert Task.objects.filter(program=empty_program).count() == 7


def test_web_upload_without_check_imports_directly(city, cast, travel, client_for, empty_program):
    with travel("2026-02-01"):
        resp = upload(client_for(cast["office"]), empty_program, office_sheet(REAL_ROWS), dry_run=False)
    assert resp.status_code == 302
    assert Task.objects.filter(program=empty_program).count() == 7


def test_web_bad_sheet_lists_errors(city, cast, travel, client_for, empty_program):
    rows = ["一、助企服务", GOOD, task("2", "甲", "", "区不存在局", "", "李四", "尽快")]
    with travel("2026-02-01"):
        before = counts()
        resp = upload(client_for(cast["office"]), empty_program, office_sheet(rows, sheet_title=SHEET))
    assert resp.status_code == 400
    html = resp.content.decode()
    # a 责任领导 without an account is not a problem of the check: a sheet that passes lists such names and
    # offers to create them (test_import_leaders)
    assert "共 2 处问题" in html
    for text in ("第6行", "“牵头单位”列", "找不到单位“区不存在局”", "“完成时限”列"):
        assert text in html
    assert "“责任领导”列" not in html
    assert "name=\"token\" value=" not in html
    assert counts() == before


def test_web_corrupt_file_is_refused(city, cast, travel, client_for, empty_program):
    with travel("2026-02-01"):
        before = counts()
        resp = upload(client_for(cast["office"]), empty_program, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
                      name="清单.xls")
    assert resp.status_code == 400 and "另存为 .xlsx" in resp.content.decode()
    assert counts() == before


def test_web_liaison_gets_403(city, cast, travel, client_for, program):
    c = client_for(cast["liaison_a"])
    code = program["program"].code
    with travel("2026-02-01"):
        before = counts()
        assert c.get(f"/programs/{code}/import/").status_code == 403
        assert upload(c, program["program"], office_sheet(REAL_ROWS), dry_run=False).status_code == 403
    assert counts() == before


@pytest.mark.django_db(transaction=True)
def test_rows_are_checked_before_the_write_transaction(city, cast, monkeypatch):
    """Resolving units, leaders and deadlines holds no write lock (ADR 0028): validate_specs runs once, with no
    transaction open, and the write after it is all or nothing."""
    from django.db import connection

    from luoshi.tasks import importer

    during = []
    validate = importer.validate_specs

    def watched(*args, **kwargs):
        during.append(connection.in_atomic_block)
        return validate(*args, **kwargs)

    monkeypatch.setattr(importer, "validate_specs", watched)
    report = run(city, cast, REAL_ROWS)
    assert report.created == Task.objects.count() > 0 and during == [False]


def test_more_rows_than_the_limit_are_refused_whole(city, cast, settings):
    settings.LUOSHI_IMPORT_MAX_ROWS = 1
    before = counts()
    with pytest.raises(ImportFailed, match="一次最多导入 1 行"):
        run(city, cast, REAL_ROWS)
    assert counts() == before


def test_listed_milestones_keep_their_deadline_text_and_are_refused_when_too_long(city, cast, travel):
    """A 时间节点 listed in YAML keeps the deadline as written (not its title in its place); a title or deadline
    longer than the milestone holds is refused with the item named, not cut."""
    from luoshi.tasks.importer import import_specs, specs_from_yaml

    def item(milestones):
        return [{"number": "1", "title": "建设平台", "lead_units": "区审批局", "deadline": "年底前",
                 "milestones": milestones}]

    with travel("2026-02-01"):
        program = services.program_create(by=cast["office"], code="p-ms", name="节点", year=2026,
                                          owner_unit=city["office_unit"])
        before = counts()
        for milestones, message in (([{"title": "节" * 301, "deadline": "6月底前"}], "最多 300 字，现有 301 字"),
                                    ([{"title": "上线", "deadline": "6月底前" + "上线" * 50}], "最多 100 字，现有 104 字")):
            with pytest.raises(ImportFailed) as e:
                import_specs(by=cast["office"], program=program, specs=specs_from_yaml(item(milestones)),
                             sheet="p.yaml", source="p.yaml")
            assert "第1项任务" in str(e.value) and message in str(e.value)
        assert counts() == before
        import_specs(by=cast["office"], program=program, sheet="p.yaml", source="p.yaml", specs=specs_from_yaml(item(
            [{"title": "节" * 300, "deadline": "6月底前"}, {"title": "长效运行", "deadline": "长期坚持"}])))
    task = Task.objects.get(program=program)
    assert list(task.milestones.order_by("sort_order").values_list("title", "phrase", "due")) == [
        ("节" * 300, "6月底前", dt.date(2026, 6, 30)), ("长效运行", "长期坚持", None)]


def test_a_column_the_list_has_no_place_for_is_named_in_a_warning(city, cast, travel):
    """A 进展情况 or 联系人 column was dropped without a word; the import now says which columns it did not read
    (an empty extra column says nothing)."""
    header = ["序号", "任务内容", "牵头单位", "完成时限", "进展情况", "联系人", "空列", "进度"]  # 进度: the export's figure
    rows = [["1", "甲", "区委办公室", "6月底前", "已完成方案", "", "", "30%"],
            ["2", "乙", "区审批局", "9月底前", "", "张三", "", "0%"]]
    with travel("2026-02-01"):
        report = run(city, cast, rows, header=header)
    assert report.created == 2
    assert report.warnings == ["工作表“任务清单”的列“进展情况”“联系人”不是任务清单的列，其内容没有导入（需要保留的请写进“备注”列）。"]
