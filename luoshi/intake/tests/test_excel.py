"""Batch import of requests from other channels (.xlsx built with openpyxl and read back): the header is
found under a title row, codes or names are accepted, each row keeps its own 受理时间, problems are listed
with sheet / row / column in Chinese and nothing is written, (渠道, 外部编号) is never imported twice; the
template and the `luoshi intake import` command."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from luoshi.core.errors import PermissionDeniedError
from luoshi.core.excel import ImportFailed
from luoshi.core.models import JournalEntry
from luoshi.intake.excel import COLUMNS, intake_import_xlsx, intake_template_xlsx
from luoshi.intake.models import Request, RequestEvent

CST = dt.timezone(dt.timedelta(hours=8))
NOW = "2026-03-10T09:00:00+08:00"
HEADER = [c[0] for c in COLUMNS]


def xlsx(rows, *, header=HEADER, title="城阳区12345转办诉求汇总表", sheet="Sheet1") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def good_rows():
    return [
        # 渠道, 外部编号, 受理时间, 类别, 诉求内容, 地址, 属地, 诉求人, 联系电话, 匿名
        [12345, "RX20260302001", dt.datetime(2026, 3, 2, 9, 30), "0101", "海尔路路灯不亮", "海尔路 18 号",
         "中韩街道", "李明", "13812345678", "否"],
        ["12345 热线", "RX20260302002", "2026年3月3日 14时05分", "噪声扰民", "工地夜间施工噪声扰民", "南姜码头",
         "沙子口", None, "0532-88886666", "是"],
        ["web", "W-0001", dt.date(2026, 3, 4), 101, "路灯不亮", "沙子口街道南姜社区", None, "王五", None, None],
    ]


def counts():
    return (Request.objects.count(), RequestEvent.objects.count(),
            JournalEntry.objects.filter(verb__startswith="request.").count())


def refused(data: bytes, by=None) -> list:
    before = counts()
    with pytest.raises(ImportFailed) as e:
        intake_import_xlsx(by=by, data=data, filename="t.xlsx")
    assert counts() == before
    return e.value.errors


# ---- the template ------------------------------------------------------------------------------------------------

def test_template_has_the_headers_and_the_codes(intake, travel):
    data = intake_template_xlsx()
    wb = load_workbook(io.BytesIO(data))
    ws = wb["诉求导入"]
    assert [c.value for c in ws[1]] == HEADER
    assert ws.max_row == 1 and ws["C1"].comment is not None
    ref = [[c.value for c in row] for row in wb["代码表"].iter_rows()]
    assert ["12345", "12345 热线"] == ref[1][:2]
    assert any(r[3] == "0401" and r[7] == "小区名称（必填）" for r in ref)
    with travel(NOW):
        (e,) = refused(data)
    assert str(e) == "工作表“诉求导入”：表头下面没有诉求行。"


# ---- a good file -----------------------------------------------------------------------------------------------

def test_import_creates_requests_with_their_own_received_time(intake, travel, city, dispatcher):
    with travel(NOW):
        report = intake_import_xlsx(by=dispatcher, data=xlsx(good_rows()), filename="转办.xlsx")
    assert report["rows"] == 3 and report["created"] == 3 and report["by_channel"] == {"12345": 2, "web": 1}
    a, b, c = (Request.objects.get(pk=pk) for pk in report["ids"])
    assert (a.channel.code, a.external_id, a.category.code, a.area, a.requester_name) == (
        "12345", "RX20260302001", "0101", city["street_a"], "李明")
    assert a.received_at == dt.datetime(2026, 3, 2, 9, 30, tzinfo=CST)
    assert a.dispatch_due == dt.datetime(2026, 3, 3, 9, 30, tzinfo=CST)
    assert a.number.startswith("20260302-")
    assert a.events.get().at == a.received_at
    assert (b.category.code, b.area, b.anonymous, b.requester_phone) == ("0201", city["street_b"], True, "053288886666")
    assert b.received_at == dt.datetime(2026, 3, 3, 14, 5, tzinfo=CST)
    # a date alone is 0:00 of that day; the category "101" (Excel dropped the 0) is 0101; the area from the address
    assert c.received_at == dt.datetime(2026, 3, 4, 0, 0, tzinfo=CST) and c.category.code == "0101"
    assert c.area == city["street_b"] and c.channel.code == "web"
    entry = JournalEntry.objects.get(verb="request.import")
    assert entry.actor == dispatcher and entry.changes["rows"] == 3 and entry.changes["source_file"] == "转办.xlsx"
    submits = JournalEntry.objects.filter(verb="request.submit")
    assert submits.count() == 3 and {e.actor_id for e in submits} == {dispatcher.pk}
    assert all(e.at == dt.datetime(2026, 3, 10, 9, 0, tzinfo=CST) for e in submits)  # the journal: when imported
    assert submits.get(object_id=str(a.pk)).changes["external_id"] == "RX20260302001"


def test_header_found_without_title_and_with_other_header_words(intake, travel):
    header = ["受理渠道", "原工单号", "来电时间", "诉求类别", "来电内容（必填）", "事发地址", "所属镇街", "来电人", "电话", "是否匿名"]
    with travel(NOW):
        report = intake_import_xlsx(by=None, data=xlsx(good_rows()[:1], header=header, title=None))
    assert report["rows"] == 1


def test_attribute_columns_fill_the_category_attributes(intake, travel):
    rows = [["12345", "P-1", "2026-03-05 10:00", "0401", "小区电梯经常停运", None, "中韩街道", None, None, None,
             "海尔绿城"]]
    with travel(NOW):
        report = intake_import_xlsx(by=None, data=xlsx(rows, header=HEADER + ["小区名称"]))
    assert Request.objects.get(pk=report["ids"][0]).attributes == {"community": "海尔绿城"}


def test_dry_run_writes_nothing(intake, travel):
    before = counts()
    with travel(NOW):
        report = intake_import_xlsx(by=None, data=xlsx(good_rows()), dry_run=True)
    assert report == {"rows": 3, "created": 0, "dry_run": True, "by_channel": {"12345": 2, "web": 1}, "ids": []}
    assert counts() == before and not JournalEntry.objects.filter(verb="request.import").exists()


# ---- problems: all listed, nothing written ------------------------------------------------------------------------

def test_every_problem_is_located_and_nothing_is_written(intake, travel):
    rows = good_rows() + [
        ["12319", "X-1", "2026-03-05 10:00", "0101", "路灯不亮", None, None, None, None, None],           # row 7
        ["12345", "X-2", "三月五日", "0101", "路灯不亮", None, None, None, None, None],                    # row 8
        ["12345", "X-3", "2026-03-11 10:00", "0101", "路灯不亮", None, None, None, None, None],            # row 9
        ["12345", "X-4", "2026-03-05 10:00", "0999", None, None, None, None, None, None],                 # row 10
        ["12345", "X-5", "2026-03-05 10:00", "0101", "路灯不亮", None, "仙境街道", None, "12345678901234", "也许"],  # 11
        ["12345", "RX20260302001", "2026-03-05 10:00", "0101", "路灯不亮", None, None, None, None, None],  # row 12
        ["12345", "X-6", "2026-03-05 10:00", "0401", "电梯停运", None, "中韩街道", None, None, None],       # row 13
        [None, None, None, None, "只有内容", None, None, None, None, None],                                # row 14
    ]
    with travel(NOW):
        errors = refused(xlsx(rows))
    got = [(e.sheet, e.row, e.column, e.message) for e in errors]
    assert got == [
        ("Sheet1", 7, "渠道", "没有渠道“12319”（填渠道编码或名称）"),
        ("Sheet1", 8, "受理时间", "“三月五日”不是有效的时间，请写成 2026-03-02 09:30"),
        ("Sheet1", 9, "受理时间", "受理时间不能晚于现在"),
        ("Sheet1", 10, "诉求内容", "请填写诉求内容"),
        ("Sheet1", 10, "类别", "派单目录中没有类别“0999”（填类别编码或名称）"),
        ("Sheet1", 11, "属地", "受理中心辖区内没有镇街“仙境街道”"),
        ("Sheet1", 11, "匿名", "“也许”应为“是”或“否”"),
        ("Sheet1", 12, "外部编号", "12345 热线的外部编号“RX20260302001”与第4行重复"),
        ("Sheet1", 13, "类别", "请填写“小区名称”"),
        ("Sheet1", 14, "渠道", "请填写渠道"),
        ("Sheet1", 14, "外部编号", "请填写外部编号"),
        ("Sheet1", 14, "受理时间", "请填写受理时间"),
        ("Sheet1", 14, "类别", "请填写类别"),
    ]
    assert str(errors[0]) == "工作表“Sheet1”第7行“渠道”列：没有渠道“12319”（填渠道编码或名称）"


def test_a_service_refusal_names_its_column(intake, travel):
    rows = [["12345", "Y-1", "2026-03-05 10:00", "0101", "路灯不亮", None, None, None, "12345678901234", None]]
    with travel(NOW):
        (e,) = refused(xlsx(rows))
    assert (e.row, e.column) == (4, "联系电话") and "格式不对" in e.message


def test_the_same_file_twice_is_refused(intake, travel):
    with travel(NOW):
        intake_import_xlsx(by=None, data=xlsx(good_rows()))
        errors = refused(xlsx(good_rows()))
    assert [e.row for e in errors] == [4, 5, 6]
    assert errors[0].message == "12345 热线的外部编号“RX20260302001”已导入过"


def test_headers_missing(intake, travel):
    with travel(NOW):
        (e,) = refused(xlsx([["x"]], header=["渠道", "类别", "诉求内容"]))
    assert e.message == "前10行中找不到表头：表头须有“外部编号”、“受理时间”列。"
    with travel(NOW):
        (e,) = refused(b"not an excel file")
    assert "不是 Excel" in e.message


def test_only_the_centres_dispatcher_may_import(intake, travel, cast, dispatcher):
    with travel(NOW), pytest.raises(PermissionDeniedError, match="受理派单员"):
        intake_import_xlsx(by=cast["liaison_a"], data=xlsx(good_rows()))
    with travel(NOW), pytest.raises(PermissionDeniedError):
        intake_import_xlsx(by=cast["office"], data=xlsx(good_rows()))
    assert not Request.objects.exists()


# ---- the command --------------------------------------------------------------------------------------------------

def test_command(intake, travel, tmp_path, capsys, dispatcher):
    path = tmp_path / "转办.xlsx"
    path.write_bytes(xlsx(good_rows()))
    with travel(NOW):
        call_command("intake_import", str(path), "--dry-run")
        assert "检查通过（未写入）：将导入诉求 3 件（12345 2 件、web 1 件）" in capsys.readouterr().out
        assert not Request.objects.exists()
        call_command("intake_import", str(path), "--as", "dispatcher")
        assert "导入完成：新增诉求 3 件" in capsys.readouterr().out
        with pytest.raises(CommandError) as e:
            call_command("intake_import", str(path))
    assert "导入失败，共3处错误" in str(e.value) and "第4行“外部编号”列" in str(e.value)
    assert Request.objects.count() == 3
    with pytest.raises(CommandError, match="不存在或已停用"):
        call_command("intake_import", str(path), "--as", "nobody")
    out = tmp_path / "模板.xlsx"
    call_command("intake_import", str(out), "--template")
    assert [c.value for c in load_workbook(out)["诉求导入"][1]] == HEADER


@pytest.mark.django_db(transaction=True)
def test_rows_are_checked_and_prepared_outside_the_write_transaction(intake, travel, monkeypatch):
    """A long import holds no write lock while it checks its rows and builds their values (on SQLite a web write
    beside a 10,000-row import waited 20 s and failed): both happen with no transaction open; inside the one
    transaction there are only the set-based INSERTs (ADR 0028)."""
    from django.db import connection

    from luoshi.intake import services

    during_check, during_prepare, during_write = [], [], []
    check, prepare, write = services.request_check, services.request_rows_prepare, services.request_write_many

    def watched(calls, fn):
        def run(**kw):
            calls.append(connection.in_atomic_block)
            return fn(**kw)
        return run

    monkeypatch.setattr(services, "request_check", watched(during_check, check))
    monkeypatch.setattr(services, "request_rows_prepare", watched(during_prepare, prepare))
    monkeypatch.setattr(services, "request_write_many", watched(during_write, write))
    with travel(NOW):
        report = intake_import_xlsx(by=None, data=xlsx(good_rows()))
    assert report["created"] == len(good_rows()) == len(during_check)
    assert not any(during_check) and during_prepare == [False] and during_write == [True]


@pytest.mark.django_db(transaction=True)
def test_a_late_error_in_the_write_leaves_nothing(intake, travel, monkeypatch):
    """The requests and their events are inserted, then the journal's INSERT fails (a full disk, a lost
    connection): the one transaction takes the requests and events back with it — committed on a real
    connection (transaction=True), then read back."""
    from django.db import OperationalError

    from luoshi.intake import services

    insert = services.insert_rows

    def failing_journal(model, columns, rows):
        if model is JournalEntry:
            assert Request.objects.filter(external_id="RX20260302001").exists()  # the requests are in by now
            raise OperationalError("disk I/O error")
        return insert(model, columns, rows)

    monkeypatch.setattr(services, "insert_rows", failing_journal)
    before = counts()
    with travel(NOW), pytest.raises(OperationalError):
        intake_import_xlsx(by=None, data=xlsx(good_rows()))
    assert counts() == before == (0, 0, 0)
    monkeypatch.setattr(services, "insert_rows", insert)
    with travel(NOW):
        assert intake_import_xlsx(by=None, data=xlsx(good_rows()))["created"] == 3  # the same file, once it can


def test_more_rows_than_the_limit_are_refused_whole(intake, travel, settings):
    settings.LUOSHI_IMPORT_MAX_ROWS = 2
    with travel(NOW):
        (e,) = refused(xlsx(good_rows()))
    assert str(e) == "工作表“Sheet1”：一次最多导入 2 行，这张表有 3 行：请拆成几个文件分别导入。"
