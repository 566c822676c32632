"""The 问题台账 in Excel: the exported layout and content, the import of an office's own ledger (all or
nothing, errors located), the round trip into another program, and the ledger_import / ledger_export
commands. Files are written and opened back with openpyxl."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.journal import JournalEntry
from luoshi.ledger.excel import COLUMNS, ledger_export_xlsx, ledger_import_xlsx, parse_date
from luoshi.ledger.models import (
    EventKind, Finding, FindingEvent, FindingStatus, LedgerConfig, ProblemCategory, Severity, Source,
)
from luoshi.ledger.selectors import FindingFilters

pytestmark = pytest.mark.django_db

HEADER = [name for name, _w in COLUMNS]
SUBMITTED_TEXT = "已清理完毕，并建立日常巡查机制。"


# ---- helpers ---------------------------------------------------------------------------------------

def open_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def data_rows(ws, first: int = 4) -> list[dict]:
    header = [c.value for c in ws[first - 1]]
    return [dict(zip(header, row)) for row in ws.iter_rows(min_row=first, values_only=True)]


def office_ledger(rows, *, header=None, title="崂山区创城问题整改台账", sheet_title="台账") -> bytes:
    """An office's own ledger: a title row (merged), then the header, then `rows` (dicts by header or lists)."""
    header = list(header or ["序号", "发现日期", "问题来源", "问题类别", "问题描述", "地点", "责任单位", "严重程度",
                             "整改时限", "状态", "销号日期", "整改情况"])
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for i, row in enumerate(rows, 1):
        if isinstance(row, dict):
            row = [row.get(h, i if h == "序号" else None) for h in header]
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def counts() -> dict:
    return {"findings": Finding.objects.count(), "events": FindingEvent.objects.count(),
            "journal": JournalEntry.objects.count()}


@pytest.fixture
def ledger(findings, travel, city, cast):
    """Four findings recorded by the office on 2026-03-02 (a, b, c on one sheet each), as on 2026-03-20:
    a  中韩街道 环境卫生 一般 — acknowledged, submitted and closed by the inspector 3-3
    b  沙子口街道 占道经营 较重 群众反映 — submitted 3-4, returned 3-5 (deadline 3-7: overdue)
    c  区行政审批服务局 — 严重, no category, with an address — never acknowledged (deadline 3-5: overdue)
    d  中韩街道 交通秩序 — recorded only
    """
    with travel("2026-03-02"):
        a = findings.record("street_a", "小区门口垃圾堆放未及时清运")
        b = findings.record("street_b", "早市占道经营，影响通行", category="占道经营", severity="major",
                            source="public")
        c = findings.record("dept", "政务大厅窗口无人值守", category=None, severity="severe",
                            address="区政务服务中心二楼")
        d = findings.record("street_a", "路口非机动车乱停放", category="交通秩序")
        sheets = findings.issue([a, b, c])
    with travel("2026-03-03"):
        findings.acknowledge(next(s for s in sheets if s.unit_id == city["street_a"].pk))
        findings.submit(a, SUBMITTED_TEXT)
        findings.close(a)
    with travel("2026-03-04"):
        findings.submit(b, "已劝离摊贩")
    with travel("2026-03-05"):
        findings.send_back(b)
    for f in (a, b, c, d):
        f.refresh_from_db()
    return {"a": a, "b": b, "c": c, "d": d, "sheets": sheets}


# ---- export ----------------------------------------------------------------------------------------

def test_export_layout(ledger, ledger_program, cast, travel):
    with travel("2026-03-20"):
        wb = open_xlsx(ledger_export_xlsx(user=cast["office"], program=ledger_program))
    ws = wb["问题台账"]
    assert ws["A1"].value == "2026年鼓励创新工作要点问题台账"
    assert "A1:P1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].value == "导出日期：2026年3月20日　共 4 条"
    assert [c.value for c in ws[3]] == HEADER
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws["A3"].font.b and ws["F4"].border.left.style == "thin" and ws["P7"].border.bottom.style == "thin"
    assert ws.column_dimensions["F"].width == 40
    assert ws.max_row == 3 + 4


def test_export_content(ledger, ledger_program, cast, travel):
    with travel("2026-03-20"):
        rows = data_rows(open_xlsx(ledger_export_xlsx(user=cast["office"], program=ledger_program))["问题台账"])
    by_code = {r["问题编号"]: r for r in rows}
    assert [r["序号"] for r in rows] == [1, 2, 3, 4]
    assert [r["问题编号"] for r in rows] == ["2026-00001", "2026-00002", "2026-00003", "2026-00004"]
    a, b, c, d = (by_code[ledger[k].code] for k in "abcd")
    assert a == {
        "序号": 1, "问题编号": "2026-00001", "发现日期": dt.datetime(2026, 3, 2), "问题来源": "督导检查",
        "问题类别": "环境卫生", "问题描述": "小区门口垃圾堆放未及时清运", "地点": None, "责任单位": "中韩街道",
        "严重程度": "一般", "交办单号": ledger["a"].sheet.number, "整改时限": dt.datetime(2026, 3, 9), "状态": "已销号",
        "整改情况": SUBMITTED_TEXT, "销号日期": dt.datetime(2026, 3, 3), "复发次数": 0, "退回次数": 0}
    assert ledger["a"].sheet.number.startswith("测试督办〔2026〕第")
    assert (b["问题来源"], b["严重程度"], b["状态"], b["整改情况"], b["退回次数"]) == (
        "群众反映", "较重", "整改中", "已劝离摊贩", 1)
    assert (c["问题类别"], c["地点"], c["严重程度"], c["状态"], c["整改时限"], c["整改情况"], c["销号日期"]) == (
        None, "区政务服务中心二楼", "严重", "待签收", dt.datetime(2026, 3, 5), None, None)
    assert (d["状态"], d["交办单号"], d["整改时限"]) == ("待交办", None, None)


def test_export_date_cells_are_dates_in_chinese_format(ledger, ledger_program, cast, travel):
    with travel("2026-03-20"):
        ws = open_xlsx(ledger_export_xlsx(user=cast["office"], program=ledger_program))["问题台账"]
    assert ws["C4"].is_date and ws["C4"].number_format == "yyyy-mm-dd"


def test_export_is_scoped_and_filtered(ledger, ledger_program, cast, travel):
    with travel("2026-03-20"):
        mine = data_rows(open_xlsx(ledger_export_xlsx(user=cast["liaison_a"], program=ledger_program))["问题台账"])
        overdue = data_rows(open_xlsx(ledger_export_xlsx(user=cast["office"], program=ledger_program,
                                                         filters=FindingFilters(overdue=True)))["问题台账"])
        closed = data_rows(open_xlsx(ledger_export_xlsx(user=cast["office"], program=ledger_program,
                                                        filters=FindingFilters(status="closed")))["问题台账"])
    assert {r["责任单位"] for r in mine} == {"中韩街道"} and len(mine) == 2
    assert {r["问题编号"] for r in overdue} == {ledger["b"].code, ledger["c"].code}
    assert [r["问题编号"] for r in closed] == [ledger["a"].code]


def test_export_reads_latest_submission_in_a_fixed_number_of_queries(ledger, findings, ledger_program, cast, travel,
                                                                     django_assert_max_num_queries):
    with travel("2026-03-06"):
        findings.submit(ledger["b"], "再次整改：摊贩已全部入市经营")
    with travel("2026-03-07"):
        for i in range(20):
            findings.record("street_b", f"问题{i}")
    with django_assert_max_num_queries(6):
        rows = data_rows(open_xlsx(ledger_export_xlsx(user=cast["office"], program=ledger_program))["问题台账"])
    assert len(rows) == 24
    b = next(r for r in rows if r["问题编号"] == ledger["b"].code)
    assert (b["整改情况"], b["状态"]) == ("再次整改：摊贩已全部入市经营", "待核验")


def test_the_file_is_chinese_whatever_the_language_of_the_request(ledger, ledger_program, city, cast, travel):
    from django.utils import translation

    other = other_program(city, cast, travel)
    with travel("2026-03-20"), translation.override("en"):
        data = ledger_export_xlsx(user=cast["office"], program=ledger_program)
        report = ledger_import_xlsx(by=cast["office"], program=other, data=data)
    rows = data_rows(open_xlsx(data)["问题台账"])
    assert {r["状态"] for r in rows} == {"已销号", "整改中", "待签收", "待交办"}
    assert {r["严重程度"] for r in rows} == {"一般", "较重", "严重"}
    assert report["by_status"] == {"closed": 1, "rectifying": 1, "assigned": 1, "recorded": 1}


def test_export_of_an_empty_ledger(ledger_program, cast, travel):
    with travel("2026-03-20"):
        ws = open_xlsx(ledger_export_xlsx(user=cast["office"], program=ledger_program))["问题台账"]
    assert [c.value for c in ws[3]] == HEADER and ws.max_row == 3
    assert ws["A2"].value.endswith("共 0 条")


# ---- import ----------------------------------------------------------------------------------------

GOOD_ROWS = [
    {"发现日期": dt.datetime(2025, 11, 3), "问题来源": "督导", "问题类别": "环境卫生", "问题描述": "垃圾桶满溢",
     "地点": "海尔路1号", "责任单位": "中韩街道", "严重程度": "一般", "整改时限": "2025-11-10", "状态": "已销号",
     "销号日期": "2025年11月8日", "整改情况": "已清运"},
    {"发现日期": "2025年11月5日", "问题来源": "12345", "问题类别": "占道经营", "问题描述": "店外经营",
     "责任单位": "沙子口街道", "严重程度": "较重", "整改时限": "2025.11.12", "状态": "已整改", "整改情况": "已规范"},
    {"发现日期": "2025.11.6", "问题来源": "问政", "问题描述": "窗口服务态度差", "责任单位": "区审批局",
     "状态": "未整改"},
    {"发现日期": "2025/11/7", "问题描述": "井盖缺失", "责任单位": "崂山区中韩街道"},
    {"问题描述": "共享单车乱停", "责任单位": "中韩街道", "问题来源": "群众反映", "严重程度": "严重", "状态": "待交办"},
]


def test_import_office_ledger(ledger_program, categories, cast, city, travel):
    before = counts()
    with travel("2026-01-10"):
        report = ledger_import_xlsx(by=cast["office"], program=ledger_program, data=office_ledger(GOOD_ROWS),
                                    filename="崂山台账.xlsx")
    assert report == {"rows": 5, "created": 5, "existing": 0, "existing_codes": [], "dry_run": False,
                      "by_status": {"closed": 1, "submitted": 1, "rectifying": 1, "recorded": 2}}
    assert Finding.objects.count() == before["findings"] + 5
    rows = list(Finding.objects.filter(program=ledger_program).order_by("seq"))
    assert [f.code for f in rows] == ["2026-00001", "2026-00002", "2026-00003", "2026-00004", "2026-00005"]
    a, b, c, d, e = rows
    assert (a.found_on, a.source, a.category, a.address, a.unit, a.severity, a.deadline, a.status) == (
        dt.date(2025, 11, 3), Source.INSPECTION, categories["环境卫生"], "海尔路1号", city["street_a"],
        Severity.GENERAL, dt.date(2025, 11, 10), FindingStatus.CLOSED)
    assert a.closed_by is None
    assert a.closed_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date() == dt.date(2025, 11, 8)
    assert a.reporter == cast["office"] and a.indicator_code == "T-1" and a.first_submitted_at is not None
    assert (b.source, b.severity, b.status, b.unit) == (Source.PUBLIC, Severity.MAJOR, FindingStatus.SUBMITTED,
                                                        city["street_b"])
    assert (c.source, c.unit, c.status, c.category) == (Source.INQUIRY, city["dept"], FindingStatus.RECTIFYING,
                                                        None)
    assert c.deadline == dt.date(2025, 11, 13)  # no 整改时限: the severity's 7 days from the finding
    assert (d.found_on, d.unit, d.status, d.deadline) == (dt.date(2025, 11, 7), city["street_a"],
                                                          FindingStatus.RECORDED, None)
    assert (e.found_on, e.severity, e.source) == (dt.date(2026, 1, 10), Severity.SEVERE, Source.PUBLIC)

    kinds = {f.code: [(ev.kind, ev.text, ev.data.get("imported")) for ev in f.events.order_by("at", "id")]
             for f in rows}
    assert kinds[a.code] == [(EventKind.RECORDED, "垃圾桶满溢", True), (EventKind.SUBMITTED, "已清运", True),
                             (EventKind.CLOSED, "", True)]
    assert kinds[b.code] == [(EventKind.RECORDED, "店外经营", True), (EventKind.SUBMITTED, "已规范", True)]
    assert kinds[d.code] == [(EventKind.RECORDED, "井盖缺失", True)]
    recorded = a.events.get(kind=EventKind.RECORDED)
    assert (recorded.data["source_file"], recorded.data["row"], recorded.by) == ("崂山台账.xlsx", 3, cast["office"])

    entries = list(JournalEntry.objects.filter(verb="ledger.import"))
    assert len(entries) == 1 and JournalEntry.objects.count() == before["journal"] + 1
    entry = entries[0]
    assert entry.actor == cast["office"] and entry.object_id == str(ledger_program.pk)
    assert entry.changes["rows"] == 5 and entry.changes["by_status"]["closed"] == 1
    assert entry.changes["source_file"] == "崂山台账.xlsx"


def test_import_numbers_after_existing_findings(findings, ledger_program, cast, travel):
    with travel("2026-03-02"):
        findings.record("street_a", "已有问题")
        ledger_import_xlsx(by=cast["office"], program=ledger_program, data=office_ledger(GOOD_ROWS[:2]))
    assert list(Finding.objects.filter(program=ledger_program).order_by("seq").values_list("code", flat=True)) == [
        "2026-00001", "2026-00002", "2026-00003"]


def test_import_errors_are_located_and_nothing_is_written(ledger_program, categories, cast, travel):
    rows = [
        GOOD_ROWS[0],                                                                          # row 3: fine
        {"问题描述": "", "责任单位": "中韩街道"},                                                  # row 4
        {"问题描述": "无主单位", "责任单位": "不存在的街道"},                                          # row 5
        {"问题描述": "日期错", "责任单位": "中韩街道", "发现日期": "2025-13-45", "问题来源": "路人"},     # row 6
        {"问题描述": "类别错", "责任单位": "中韩街道", "问题类别": "不存在的类别", "严重程度": "特别严重"},  # row 7
        {"问题描述": "销号缺日期", "责任单位": "中韩街道", "状态": "已销号"},                          # row 8
        {"问题描述": "状态错", "责任单位": "中韩街道", "状态": "办结了"},                              # row 9
        {"问题描述": "外区单位", "责任单位": "市南区"},                                              # row 10
        {"问题描述": "未来", "责任单位": "中韩街道", "发现日期": "2027-01-01"},                       # row 11
    ]
    before = counts()
    with travel("2026-03-02"), pytest.raises(ImportFailed) as exc:
        ledger_import_xlsx(by=cast["office"], program=ledger_program, data=office_ledger(rows))
    assert counts() == before
    located = {(e.sheet, e.row, e.column) for e in exc.value.errors}
    assert located == {
        ("台账", 4, "问题描述"), ("台账", 5, "责任单位"), ("台账", 6, "发现日期"), ("台账", 6, "问题来源"),
        ("台账", 7, "问题类别"), ("台账", 7, "严重程度"), ("台账", 8, "销号日期"), ("台账", 9, "状态"),
        ("台账", 10, "责任单位"), ("台账", 11, "发现日期"),
    }
    messages = {(e.row, e.column): e.message for e in exc.value.errors}
    assert "不存在的街道" in messages[(5, "责任单位")]
    assert "2021-06-03" in messages[(6, "发现日期")]
    assert "不存在的类别" in messages[(7, "问题类别")]
    assert "销号日期" in messages[(8, "销号日期")]
    assert "市南区" in messages[(10, "责任单位")]
    text = str(exc.value)
    assert "工作表“台账”第6行“发现日期”列" in text


def test_import_refuses_a_file_without_the_header(ledger_program, cast):
    data = office_ledger([["1", "垃圾", "中韩街道"]], header=["序号", "内容", "单位"])
    with pytest.raises(ImportFailed) as exc:
        ledger_import_xlsx(by=cast["office"], program=ledger_program, data=data)
    (error,) = exc.value.errors
    assert error.sheet == "台账" and "问题描述" in error.message and "责任单位" in error.message


def test_import_refuses_what_is_not_excel(ledger_program, cast):
    before = counts()
    with pytest.raises(ImportFailed) as exc:
        ledger_import_xlsx(by=cast["office"], program=ledger_program, data=b"not a spreadsheet at all")
    assert ".xlsx" in exc.value.errors[0].message
    assert counts() == before


def test_import_of_a_sheet_without_rows(ledger_program, cast):
    with pytest.raises(ImportFailed) as exc:
        ledger_import_xlsx(by=cast["office"], program=ledger_program, data=office_ledger([]))
    assert "没有问题行" in exc.value.errors[0].message


@pytest.mark.parametrize("who", ["liaison_a", "leader", "evaluator"])
def test_import_is_for_the_office_only(ledger_program, categories, cast, who):
    before = counts()
    with pytest.raises(PermissionDeniedError):
        ledger_import_xlsx(by=cast[who], program=ledger_program, data=office_ledger(GOOD_ROWS))
    assert counts() == before


def test_import_dry_run_writes_nothing(ledger_program, categories, cast, travel):
    before = counts()
    with travel("2026-01-10"):
        report = ledger_import_xlsx(by=cast["office"], program=ledger_program, data=office_ledger(GOOD_ROWS),
                                    dry_run=True)
    assert report == {"rows": 5, "created": 5, "existing": 0, "existing_codes": [], "dry_run": True,
                      "by_status": {"closed": 1, "submitted": 1, "rectifying": 1, "recorded": 2}}
    assert counts() == before


def test_import_into_a_program_without_a_ledger(program, cast):
    with pytest.raises(ServiceError):
        ledger_import_xlsx(by=cast["office"], program=program["program"], data=office_ledger(GOOD_ROWS))


def test_import_reads_a_unit_merged_down_over_its_rows(ledger_program, cast, city, travel):
    header = ["序号", "责任单位", "问题描述"]
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    ws.append([1, "沙子口街道", "问题一"])
    ws.append([2, None, "问题二"])
    ws.append([3, "中韩街道", "问题三"])
    ws.merge_cells("B2:B3")
    out = io.BytesIO()
    wb.save(out)
    with travel("2026-03-02"):
        ledger_import_xlsx(by=cast["office"], program=ledger_program, data=out.getvalue())
    assert list(Finding.objects.order_by("seq").values_list("description", "unit__name")) == [
        ("问题一", "沙子口街道"), ("问题二", "沙子口街道"), ("问题三", "中韩街道")]


@pytest.mark.parametrize("value, expected", [
    (dt.datetime(2021, 6, 3, 0, 0), dt.date(2021, 6, 3)), (dt.date(2021, 6, 3), dt.date(2021, 6, 3)),
    ("2021-06-03", dt.date(2021, 6, 3)), ("2021年6月3日", dt.date(2021, 6, 3)), ("2021.6.3", dt.date(2021, 6, 3)),
    ("2021/6/3", dt.date(2021, 6, 3)), (" 2021 年 6 月 3 日 ", dt.date(2021, 6, 3)), ("20210603", dt.date(2021, 6, 3)),
    (44350, dt.date(2021, 6, 3)), (None, None), ("", None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["2021-02-30", "6月3日", "明天", 12])
def test_parse_date_refuses(value):
    with pytest.raises(ValueError):
        parse_date(value)


# ---- round trip ------------------------------------------------------------------------------------

def other_program(city, cast, travel):
    from luoshi.tasks import services as task_services

    with travel("2026-03-01"):
        other = task_services.program_create(by=cast["office"], code="other-2026", name="另一项督导", year=2026,
                                             owner_unit=city["office_unit"])
    LedgerConfig.objects.create(program=other, sheet_prefix="另办", deadline_days={"general": 7})
    for i, name in enumerate(ProblemCategory.objects.filter(program__code="demo-2026").values_list("name", flat=True)):
        ProblemCategory.objects.create(program=other, name=name, sort_order=i)
    return other


def test_round_trip_into_another_program(ledger, ledger_program, city, cast, travel):
    other = other_program(city, cast, travel)
    with travel("2026-03-20"):
        exported = ledger_export_xlsx(user=cast["office"], program=ledger_program)
        report = ledger_import_xlsx(by=cast["office"], program=other, data=exported, filename="export.xlsx")
        again = ledger_export_xlsx(user=cast["office"], program=other)
    assert report["rows"] == 4
    compared = [h for h in HEADER if h not in ("交办单号",)]
    first = [{k: r[k] for k in compared} for r in data_rows(open_xlsx(exported)["问题台账"])]
    second = [{k: r[k] for k in compared} for r in data_rows(open_xlsx(again)["问题台账"])]
    assert second == first
    # the numbers follow the other program's numbering (here the same: it had none yet)
    assert [f.code for f in Finding.objects.filter(program=other).order_by("seq")] == [r["问题编号"] for r in first]


def test_round_trip_keeps_the_figures(ledger, ledger_program, city, cast, travel):
    from luoshi.ledger.selectors import ledger_figures

    other = other_program(city, cast, travel)
    with travel("2026-03-20"):
        ledger_import_xlsx(by=cast["office"], program=other,
                           data=ledger_export_xlsx(user=cast["office"], program=ledger_program))
        mine = ledger_figures(user=cast["office"], program=ledger_program)
        theirs = ledger_figures(user=cast["office"], program=other)
    keep = ("found", "rectified", "closed", "overdue", "repeats")
    assert [[getattr(r, k) for k in ("label",) + keep] for r in theirs["rows"]] == \
        [[getattr(r, k) for k in ("label",) + keep] for r in mine["rows"]]


# ---- commands --------------------------------------------------------------------------------------

def test_command_import_and_export(ledger_program, categories, cast, tmp_path, travel, capsys):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(office_ledger(GOOD_ROWS))
    with travel("2026-01-10"):
        call_command("ledger_import", str(path), "--program", "demo-2026", "--dry-run")
        assert Finding.objects.count() == 0
        call_command("ledger_import", str(path), "--program", "demo-2026", "--as", "office")
    out = capsys.readouterr().out
    assert "检查通过（未写入）" in out and "导入完成" in out and "5" in out
    assert Finding.objects.count() == 5
    assert JournalEntry.objects.get(verb="ledger.import").actor == cast["office"]

    target = tmp_path / "out.xlsx"
    with travel("2026-01-10"):
        call_command("ledger_export", "--program", "demo-2026", "-o", str(target), "--status", "closed")
    rows = data_rows(openpyxl.load_workbook(target)["问题台账"])
    assert [r["问题描述"] for r in rows] == ["垃圾桶满溢"]
    assert "已导出 1 个问题" in capsys.readouterr().out


def test_command_import_without_a_named_user_records_in_the_office_name(ledger_program, categories, cast, tmp_path,
                                                                         travel):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(office_ledger(GOOD_ROWS[:1]))
    with travel("2026-01-10"):
        call_command("ledger_import", str(path), "--program", "demo-2026")
    f = Finding.objects.get()
    assert f.reporter == cast["office"]
    assert JournalEntry.objects.get(verb="ledger.import").actor is None


def test_command_import_fails_on_a_bad_file(ledger_program, categories, cast, tmp_path, travel):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(office_ledger([{"问题描述": "无主单位", "责任单位": "不存在的街道"},
                                    {"问题描述": "", "责任单位": "中韩街道"}]))
    before = counts()
    with travel("2026-01-10"), pytest.raises(CommandError) as exc:
        call_command("ledger_import", str(path), "--program", "demo-2026", "--as", "office")
    assert exc.value.returncode != 0
    message = str(exc.value)
    assert "共2处错误" in message and "第3行“责任单位”列" in message and "第4行“问题描述”列" in message
    assert counts() == before


@pytest.mark.parametrize("args, words", [
    (["--program", "nope"], "nope"),
    (["--program", "demo-2026", "--as", "nobody"], "nobody"),
    (["--program", "demo-2026", "--as", "liaison_a"], "督查室"),
])
def test_command_import_refusals(ledger_program, categories, tmp_path, args, words):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(office_ledger(GOOD_ROWS))
    with pytest.raises(CommandError) as exc:
        call_command("ledger_import", str(path), *args)
    assert words in str(exc.value) and exc.value.returncode != 0
    assert Finding.objects.count() == 0


def test_command_import_of_a_missing_file(ledger_program, tmp_path):
    with pytest.raises(CommandError):
        call_command("ledger_import", str(tmp_path / "missing.xlsx"), "--program", "demo-2026")


def test_command_export_refusals(ledger_program, tmp_path):
    with pytest.raises(CommandError):
        call_command("ledger_export", "--program", "nope", "-o", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError):
        call_command("ledger_export", "--program", "demo-2026", "-o", str(tmp_path / "x.xlsx"), "--status", "done")


# ---- the import's key: 问题编号 ------------------------------------------------------------------------------

def test_reimporting_the_ledgers_own_export_adds_nothing(ledger, ledger_program, cast, travel):
    with travel("2026-05-01"):
        data = ledger_export_xlsx(user=cast["office"], program=ledger_program)
        before = (Finding.objects.count(), FindingEvent.objects.count(), JournalEntry.objects.count())
        report = ledger_import_xlsx(by=cast["office"], program=ledger_program, data=data)
    assert report["created"] == 0 and report["existing"] == before[0] > 0
    assert (Finding.objects.count(), FindingEvent.objects.count(), JournalEntry.objects.count()) == before


def test_the_same_sheet_imported_twice_adds_once(ledger_program, categories, cast, travel):
    rows = [["DC-001", "2026-03-02", "中韩街道", "背街小巷垃圾堆放"], ["DC-002", "2026-03-02", "沙子口街道", "占道经营"]]
    data = _sheet(["问题编号", "发现日期", "责任单位", "问题描述"], rows)
    with travel("2026-04-01"):
        assert ledger_import_xlsx(by=cast["office"], program=ledger_program, data=data)["created"] == 2
        again = ledger_import_xlsx(by=cast["office"], program=ledger_program, data=data)
    assert (again["created"], again["existing"], again["existing_codes"]) == (0, 2, ["DC-001", "DC-002"])
    assert Finding.objects.filter(program=ledger_program).count() == 2


def test_a_number_twice_in_one_sheet_is_refused_where_it_is(ledger_program, categories, cast, travel):
    rows = [["DC-001", "中韩街道", "垃圾堆放"], ["DC-001", "沙子口街道", "占道经营"]]
    with travel("2026-04-01"), pytest.raises(ImportFailed) as e:
        ledger_import_xlsx(by=cast["office"], program=ledger_program,
                           data=_sheet(["问题编号", "责任单位", "问题描述"], rows))
    err = e.value.errors[0]
    assert (err.row, err.column) == (3, "问题编号") and "第2行" in err.message
    assert not Finding.objects.filter(program=ledger_program).exists()


def _sheet(header: list[str], rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_formula_looking_text_round_trips_as_text(findings, ledger_program, city, cast, travel):
    """A description or address beginning with = + - @ is exported as text (never a live formula) and imported
    back unchanged."""
    hostile = '=HYPERLINK("http://evil.example","点击查看")'
    with travel("2026-03-02"):
        findings.record("street_a", hostile, address="+86 海尔路口")
        findings.record("street_b", "-1 号楼前垃圾堆放", category="占道经营")
    other = other_program(city, cast, travel)
    with travel("2026-03-20"):
        exported = ledger_export_xlsx(user=cast["office"], program=ledger_program)
        wb = openpyxl.load_workbook(io.BytesIO(exported))
        assert not [c.coordinate for row in wb["问题台账"].iter_rows() for c in row if c.data_type == "f"]
        ledger_import_xlsx(by=cast["office"], program=other, data=exported, filename="export.xlsx")
    assert set(Finding.objects.filter(program=other).values_list("description", "address")) == {
        (hostile, "+86 海尔路口"), ("-1 号楼前垃圾堆放", "")}
