"""Exporting a task list to Excel (luoshi.tasks.exporter and /programs/<code>/tasks/export.xlsx) in the office
layout, and the round trip: an exported sheet imports back to the same tasks."""
from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

import pytest

from luoshi.core.models import JournalEntry
from luoshi.programs.models import Program
from luoshi.tasks.exporter import COLUMNS, tasks_export_xlsx
from luoshi.tasks.importer import tasks_import_xlsx
from luoshi.tasks.models import Milestone, Task, TaskAssignment
from luoshi.tasks.tests.sheets import HEADER, load, office_sheet, task

D = dt.date
TITLE, SUBTITLE = "2026年崂山区鼓励创新工作要点任务分解表", "区委鼓励创新工作领导小组办公室"
ROWS = [
    "一、鼓励政府创新",
    task("1", "建设助企服务“一张网”", "整合涉企服务事项", "区审批局", "各街道、区直各部门", "王立新",
         "6月底前完成方案，年底前全面完成", "加分项"),
    task("（1）", "制定平台建设方案", "", "崂山区行政审批服务局", "", "", "三季度"),
    task("（2）", "平台上线试运行", "", "中韩街道、沙子口街道", "区委办公室", "王立新、刘晓燕", dt.datetime(2026, 9, 15)),
    task("2", "完善制度创新清单", "", "区委办公室", "", "刘晓燕", "每月"),
    "二、鼓励企业创新",
    task("1", "政策兑现“免申即享”", "", "区直各部门", "各街道", "", "长期坚持"),
    task("2", "企业诉求限时办结", "", "区审批局、中韩街道", "", "", "11月15日前"),
    task("（1）", "建立诉求台账", "", "中韩街道", "", "", "3月底前"),
]
# numbering restarts in each category, so codes carry the category ordinal
CODES = ["1-1", "1-1.1", "1-1.2", "1-2", "2-1", "2-2", "2-2.1"]
NUMBERS = ["1", "（1）", "（2）", "2", "1", "2", "（1）"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def imported(city, cast, travel):
    with travel("2026-02-01"):
        report = tasks_import_xlsx(by=cast["office"], data=office_sheet(ROWS, title=TITLE, subtitle=SUBTITLE),
                                   program_code="p1", owner_unit=city["office_unit"], year=2026)
    assert report.created == len(CODES)
    return report.program


def export(program) -> bytes:
    return tasks_export_xlsx(program=program, tasks=Task.objects.filter(program=program))


def rows_of(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def merged(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def fields(program) -> list[tuple]:
    return [(t.code, t.number, t.title, t.measures, t.category, t.parent.code if t.parent else None, t.lead_units_text,
             t.coop_units_text, t.leaders_text, t.deadline_phrase, t.deadline_kind, t.deadline, t.recurrence, t.note)
            for t in Task.objects.filter(program=program).select_related("parent").order_by("sort_order")]


def links(program) -> list[tuple]:
    out = []
    for t in Task.objects.filter(program=program).order_by("sort_order"):
        out.append((t.code, sorted((a.unit.name, a.role) for a in t.assignments.select_related("unit")),
                    sorted(p.username for p in t.leaders.all()), list(t.milestones.values_list("title", "due"))))
    return out


def test_export_layout(imported):
    ws = load(export(imported))
    rows = rows_of(ws)
    width = len(COLUMNS)
    assert ws.title == "任务清单"
    assert rows[0][0] == TITLE and rows[1][0] == SUBTITLE
    assert rows[2] == [name for name, _ in COLUMNS]
    assert rows[2][:len(HEADER)] == HEADER
    assert {"A1:K1", "A2:K2"} <= merged(ws) and width == 11
    # category rows merged across, then the tasks with the numbers as written
    assert rows[3][0] == "一、鼓励政府创新" and "A4:K4" in merged(ws)
    assert rows[8][0] == "二、鼓励企业创新" and "A9:K9" in merged(ws)
    task_rows = [r for i, r in enumerate(rows[3:], 4) if f"A{i}:K{i}" not in merged(ws)]
    assert [r[0] for r in task_rows] == NUMBERS
    assert len(rows) == 3 + 2 + len(CODES)
    first = task_rows[0]
    assert first[1:8] == ["建设助企服务“一张网”", "整合涉企服务事项", "区审批局", "各街道、区直各部门", "王立新",
                          "6月底前完成方案，年底前全面完成", "加分项"]
    assert first[8] is None  # 标签: none given
    assert first[9] == "正常" and first[10] == "0%"
    assert task_rows[2][6] == "2026-09-15"  # a date cell keeps its date as the phrase
    assert ws.freeze_panes == "A4"


def test_export_without_subtitle_uses_program_name(city, cast, travel):
    from luoshi.tasks import services

    with travel("2026-02-01"):
        p = services.program_create(by=cast["office"], code="bare", name="无副标题", year=2026,
                                    owner_unit=city["office_unit"])
        services.task_create(by=cast["office"], program=p, data=services.TaskInput(
            title="唯一任务", lead_units=[city["dept"]], deadline_phrase="6月底前"))
    rows = rows_of(load(export(p)))
    assert rows[0][0] == "无副标题"
    assert rows[1][:3] == ["序号", "任务内容", "具体措施/目标"]
    assert rows[2][:2] == ["1", "唯一任务"] and rows[2][3] == "区行政审批服务局"


def test_export_view(imported, cast, client_for, travel):
    with travel("2026-02-02"):
        resp = client_for(cast["office"]).get(f"/programs/{imported.code}/tasks/export.xlsx")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = load(resp.content)
    rows = rows_of(ws)
    assert rows[0][0] == TITLE and rows[2][0] == "序号"
    assert [r[0] for r in rows[3:]] == ["一、鼓励政府创新", *NUMBERS[:4], "二、鼓励企业创新", *NUMBERS[4:]]


def test_export_view_filename_header(imported, cast, client_for, travel):
    with travel("2026-02-02"):
        resp = client_for(cast["office"]).get(f"/programs/{imported.code}/tasks/export.xlsx")
    header = resp["Content-Disposition"]
    assert header.isascii() and header.startswith("attachment; ")
    assert "filename*=utf-8''" in header.lower()  # RFC 5987: the charset name is case-insensitive
    assert unquote(header[header.lower().index("filename*=utf-8''") + 17:]) == f"{imported.name}-任务清单.xlsx"


def test_export_view_is_scoped(program, cast, client_for, travel):
    with travel("2026-02-02"):
        resp = client_for(cast["liaison_b"]).get(f"/programs/{program['program'].code}/tasks/export.xlsx")
        assert resp.status_code == 200
        titles = [r[1] for r in rows_of(load(resp.content))[2:]]
        assert titles == ["沙子口街道渔港整治"]
        outsider = client_for(cast["outsider"])
        assert outsider.get(f"/programs/{program['program'].code}/tasks/export.xlsx").status_code == 404


def test_round_trip_into_the_same_program_changes_nothing(imported, cast, travel):
    before_fields, before_links = fields(imported), links(imported)
    counts = (Task.objects.count(), TaskAssignment.objects.count(), Milestone.objects.count())
    data = export(imported)
    with travel("2026-03-01"):
        report = tasks_import_xlsx(by=cast["office"], data=data, program=imported, filename="导出.xlsx")
    assert (report.created, report.updated, report.unchanged) == (0, 0, len(CODES))
    assert report.warnings == []
    assert not JournalEntry.objects.filter(verb="task.import_update").exists()
    assert fields(imported) == before_fields and links(imported) == before_links
    assert (Task.objects.count(), TaskAssignment.objects.count(), Milestone.objects.count()) == counts
    # the program keeps its sheet title
    imported.refresh_from_db()
    assert (imported.sheet_title, imported.sheet_subtitle) == (TITLE, SUBTITLE)


def test_round_trip_into_a_new_program_reproduces_the_list(imported, city, cast, travel):
    data = export(imported)
    with travel("2026-03-01"):
        report = tasks_import_xlsx(by=cast["office"], data=data, program_code="p2", owner_unit=city["office_unit"],
                                   year=2026)
    p2 = Program.objects.get(code="p2")
    assert report.created == len(CODES)
    assert [f[0] for f in fields(p2)] == CODES
    assert fields(p2) == fields(imported)
    assert links(p2) == links(imported)
    assert (p2.sheet_title, p2.sheet_subtitle, p2.name) == (TITLE, SUBTITLE, TITLE)


def test_round_trip_of_auto_numbered_rows(city, cast, travel):
    rows = [task("1", "甲", "", "区委办公室", "", "", "6月底前"), task("", "乙", "", "区审批局", "", "", "9月底前")]
    with travel("2026-02-01"):
        report = tasks_import_xlsx(by=cast["office"], data=office_sheet(rows), program_code="p1",
                                   owner_unit=city["office_unit"], year=2026)
        assert [t.code for t in Task.objects.filter(program=report.program).order_by("sort_order")] == ["1", "2"]
        again = tasks_import_xlsx(by=cast["office"], data=export(report.program), program=report.program)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_round_trip_keeps_tags(city, cast, travel):
    header = HEADER + ["标签"]
    rows = [task("1", "甲", "", "区委办公室", "", "", "6月底前") + ["营商环境、数字化"]]
    with travel("2026-02-01"):
        report = tasks_import_xlsx(by=cast["office"], data=office_sheet(rows, header=header), program_code="p1",
                                   owner_unit=city["office_unit"], year=2026)
        t = Task.objects.get(program=report.program)
        assert sorted(t.tags.values_list("name", flat=True)) == ["数字化", "营商环境"]
        tasks_import_xlsx(by=cast["office"], data=export(report.program), program=report.program)
    assert sorted(t.tags.values_list("name", flat=True)) == ["数字化", "营商环境"]
