"""The 调度通报's third chart (近几个月任务新增与办结, with its figures as a table) and the cost of drawing a bulletin:
the number of queries does not grow with the number of lead units (see conftest for the city)."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document
from lxml import etree
from PIL import Image

from luoshi.documents.bulletin import bulletin_data, bulletin_snapshot, bulletin_xlsx, snapshot_docx
from luoshi.documents.gongwen import KAITI, TABLE_PT, add_para, add_paras, new_document
from luoshi.documents.issue_files import docx_to_pdf
from luoshi.org import services as org_services
from luoshi.tasks import selectors, services
from luoshi.tasks.services import TaskInput
from luoshi.tasks.warnings import warnings_run

from .conftest import at

pytestmark = pytest.mark.django_db


def month(y, m, added, closed, total, closed_total):
    return {"year": y, "month": m, "added": added, "closed": closed, "total": total, "closed_total": closed_total}


def test_trend_counts_tasks_added_and_closed_by_month(city):
    rows = selectors.program_monthly_trend(user=city.office, program=city.program, as_of=city.as_of)
    # 2021-02 is left out: the program had no task yet
    assert rows == [month(2021, 3, 4, 0, 4, 0), month(2021, 4, 0, 0, 4, 0), month(2021, 5, 0, 1, 4, 1),
                    month(2021, 6, 0, 0, 4, 1), month(2021, 7, 0, 0, 4, 1)]
    # the last month's cumulative rate is the bulletin's 办结率 (as of today)
    data = bulletin_data(user=city.office, program=city.program, as_of=city.as_of)
    assert rows[-1]["closed_total"] / rows[-1]["total"] * 100 == data["closure_rate"] == 25.0
    assert data["trend"] == rows
    # a bulletin dated before the closure counts it in no month
    before = selectors.program_monthly_trend(user=city.office, program=city.program, as_of=dt.date(2021, 5, 20))
    assert [r["closed"] for r in before] == [0, 0, 0] and before[-1] == month(2021, 5, 0, 0, 4, 0)


def test_trend_months_are_local_and_scoped(city):
    # 2021-07-01 00:30 in Shanghai is still June in UTC: the task is added in July
    with time_machine.travel(at(2021, 7, 1, 0) + dt.timedelta(minutes=30), tick=False):
        services.task_create(by=city.office, program=city.program,
                             data=TaskInput(title="新建停车场一处", lead_units=[city.west], deadline_phrase="12月底前"))
    rows = selectors.program_monthly_trend(user=city.office, program=city.program, as_of=city.as_of)
    assert rows[-2] == month(2021, 6, 0, 0, 4, 1) and rows[-1] == month(2021, 7, 1, 0, 5, 1)
    # a street liaison's bulletin counts that street's tasks only
    west = selectors.program_monthly_trend(user=city.liaison_west, program=city.program, as_of=city.as_of)
    assert west[0] == month(2021, 3, 2, 0, 2, 0) and west[-1] == month(2021, 7, 1, 0, 3, 0)
    assert selectors.program_monthly_trend(user=city.liaison_east, program=city.program,
                                           as_of=city.as_of)[-1] == month(2021, 7, 0, 0, 2, 1)


def test_three_charts_in_the_word_file_and_the_trend_as_a_table(city):
    snap = bulletin_snapshot(user=city.office, program=city.program, as_of=city.as_of, issue_no=2)
    doc = Document(io.BytesIO(snapshot_docx(snap, office_name="示例区督查室")))
    assert len(doc.inline_shapes) == 3
    pictures = [rel.target_part.blob for rel in doc.part.rels.values() if "image" in rel.reltype]
    sizes = sorted(Image.open(io.BytesIO(png)).size for png in pictures)
    assert sizes == [(1600, 480), (1600, 700), (1600, 700)]  # units chart: 300 + 90 × 2 units high
    captions = [p.text for p in doc.paragraphs if p.text.startswith("图")]
    assert captions == ["图1　任务状态分布（截至2021年7月5日）",
                        "图2　近5个月任务新增与办结情况（按月，截至2021年7月5日）",
                        "图3　各牵头单位任务办理情况（截至2021年7月5日）"]
    # the pictures sit before their captions, in that order
    body = [p for p in doc.paragraphs if p.text.startswith("图") or p._p.xpath(".//a:blip")]
    assert [("pic" if p._p.xpath(".//a:blip") else p.text[:2]) for p in body] == ["pic", "图1", "pic", "图2", "pic",
                                                                                  "图3"]
    trend = doc.tables[0]
    assert [[c.text for c in r.cells] for r in trend.rows] == [
        ["月份", "新增任务", "办结任务", "累计任务", "累计办结", "累计办结率"],
        ["2021年3月", "4", "0", "4", "0", "0.0%"], ["2021年4月", "0", "0", "4", "0", "0.0%"],
        ["2021年5月", "0", "1", "4", "1", "25.0%"], ["2021年6月", "0", "0", "4", "1", "25.0%"],
        ["2021年7月", "0", "0", "4", "1", "25.0%"]]
    pdf = docx_to_pdf(snapshot_docx(snap))
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Subtype /Image") == 3


def test_the_trend_in_the_workbook(city):
    wb = openpyxl.load_workbook(io.BytesIO(bulletin_xlsx(user=city.office, program=city.program, as_of=city.as_of)))
    ws = wb["汇总"]
    values = [[c.value for c in r][:6] for r in ws.iter_rows()]
    start = next(i for i, r in enumerate(values) if r[0] == "近5个月任务新增与办结")
    assert values[start + 1] == ["月份", "新增任务", "办结任务", "累计任务", "累计办结", "累计办结率"]
    assert values[start + 2:start + 7] == [["2021年3月", 4, 0, 4, 0, 0], ["2021年4月", 0, 0, 4, 0, 0],
                                           ["2021年5月", 0, 1, 4, 1, 0.25], ["2021年6月", 0, 0, 4, 1, 0.25],
                                           ["2021年7月", 0, 0, 4, 1, 0.25]]
    assert ws.cell(row=start + 3, column=6).number_format == "0.0%"


def test_drawing_a_bulletin_costs_the_same_queries_for_more_units(city):
    """bulletin_snapshot reads grouped rows: 2 lead units or 10, the same statements (no query per unit or per
    task); the documents then read nothing."""
    def queries(as_of: dt.date) -> int:
        with CaptureQueriesContext(connection) as ctx:
            snap = bulletin_snapshot(user=city.office, program=city.program, as_of=as_of)
        with CaptureQueriesContext(connection) as none:
            snapshot_docx(snap)
        assert len(none) == 0
        return len(ctx), len(snap["league"]), len(snap["red_tasks"])

    # today (the league read from the maintained rows) and a past day (counted from the tasks)
    small = [queries(city.as_of), queries(dt.date(2021, 6, 30))]
    assert [s[1] for s in small] == [2, 2]
    for i in range(8):
        street = org_services.unit_create(by=None, name=f"第{i}街道", kind="street", parent=city.district)
        services.task_create(by=city.office, program=city.program,
                             data=TaskInput(title=f"整治任务{i}", lead_units=[street], deadline_phrase="6月底前"))
    warnings_run(notify=False)  # never acknowledged and past 6月底: red, as in the city
    large = [queries(city.as_of), queries(dt.date(2021, 6, 30))]
    assert [s[1] for s in large] == [10, 10] and large[0][2] > small[0][2]  # more units, more red tasks
    assert [s[0] for s in large] == [s[0] for s in small]


def test_add_paras_copies_the_first_paragraph():
    """gongwen.add_paras: the same paragraphs as add_para one by one (text, font, size, indent), in order; a text with
    a line break is built by add_para (a w:br, not a copied run)."""
    lines = ["1 第一项 — 东街道（已逾期5天）", "2 第二项", "3 换行\n之后", " 4 前有空格", "5 最后"]
    doc = new_document()
    add_paras(doc, lines, font=KAITI, size=TABLE_PT)
    one_by_one = new_document()
    for text in lines:
        add_para(one_by_one, text, font=KAITI, size=TABLE_PT)
    assert [p.text for p in doc.paragraphs] == [p.text for p in one_by_one.paragraphs] == lines
    for p, q in zip(doc.paragraphs, one_by_one.paragraphs):
        assert etree.tostring(p._p) == etree.tostring(q._p)
