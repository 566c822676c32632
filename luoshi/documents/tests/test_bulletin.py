"""The 调度通报 in Word and Excel: numbers, GB/T 9704 layout, and scope (see conftest for the city)."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from luoshi.documents.bulletin import bulletin_data, bulletin_docx, bulletin_xlsx
from luoshi.documents.gongwen import chinese_date, format_rate
from luoshi.tasks import selectors
from luoshi.tasks import services

pytestmark = pytest.mark.django_db

OFFICE_NAME = "示例区督查室"


# ---- helpers ---------------------------------------------------------------------------------------

def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def open_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def all_text(doc) -> str:
    parts = texts(doc)
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def league_table(doc):
    """The 各单位推进情况 table (the trend table comes before it)."""
    return next(t for t in doc.tables if t.rows[0].cells[1].text == "单位")


def section_lines(doc, start: str, end: str) -> list[str]:
    """The non-empty paragraphs after the heading `start`, up to the heading `end`."""
    lines = texts(doc)
    i, j = lines.index(start), lines.index(end)
    return [t for t in lines[i + 1:j] if t.strip()]


def paragraph(doc, text: str):
    return next(p for p in doc.paragraphs if p.text == text)


def east_asia_font(run) -> str | None:
    rfonts = run._r.rPr.find(qn("w:rFonts"))
    return None if rfonts is None else rfonts.get(qn("w:eastAsia"))


def workbook_text(wb) -> str:
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


def close_mm(length, mm: float) -> bool:
    return abs(length - Mm(mm)) <= Mm(0.5)


def task_line(task) -> str:
    return f"{task.code} {task.title} — {task.lead_units_text}（{task.status_reason}）"


# ---- the numbers -------------------------------------------------------------------------------------

def test_data_counts_lists_and_period(city):
    data = bulletin_data(user=city.office, program=city.program, as_of=city.as_of)

    assert {k: data["counts"][k] for k in ("normal", "yellow", "red", "extended", "closed", "total")} == \
        {"normal": 1, "yellow": 1, "red": 1, "extended": 0, "closed": 1, "total": 4}
    assert data["closure_rate"] == pytest.approx(25.0)
    assert [r["label"] for r in data["count_rows"]] == ["正常", "黄灯", "红灯", "已延期", "已办结"]

    # monthly 调度 on the 25th: 2021-07-05 lies in slot 7 (6-26 … 7-25), which is also the default 期号
    assert (data["period"].seq, data["period"].start, data["period"].due) == (7, dt.date(2021, 6, 26), dt.date(2021, 7, 25))
    assert data["issue_no"] == 7
    assert bulletin_data(user=city.office, program=city.program, as_of=city.as_of, issue_no=3)["issue_no"] == 3

    [red] = data["red_tasks"]
    assert (red["code"], red["title"], red["lead_units_text"], red["deadline"], red["status_reason"]) == \
        (city.overdue.code, city.overdue.title, "东街道", dt.date(2021, 6, 30), "已逾期5天")
    assert [t["code"] for t in data["yellow_tasks"]] == [city.lagging.code]
    assert data["yellow_tasks"][0]["status_reason"].startswith("进度滞后")

    [leader] = data["by_leader"]
    assert (leader["name"], leader["red"], leader["total"]) == ("王分管", 1, 1)


def test_data_league_is_unit_league(city):
    data = bulletin_data(user=city.office, program=city.program, as_of=city.as_of)
    league = selectors.unit_league(user=city.office, program=city.program, as_of=city.as_of)

    keys = ("rank", "lead", "due", "closed_on_time", "overdue", "on_time_rate", "ack_rate")
    assert [(r["unit_id"], *(r[k] for k in keys)) for r in data["league"]] == \
        [(r["unit_id"], *(r[k] for k in keys)) for r in league]
    # 西街道: nothing due yet, both tasks signed for the next day; 东街道: 1 of 2 due closed on time, 1 overdue,
    # 1 of 2 signed for
    by_name = {r["unit_name"]: r for r in data["league"]}
    # a unit with nothing due has no rate and ranks after the units that have one
    assert (by_name["西街道"]["rank"], by_name["西街道"]["on_time_rate"], by_name["西街道"]["ack_rate"]) == (2, None, 100.0)
    east = by_name["东街道"]
    assert (east["rank"], east["lead"], east["closed"], east["on_time_rate"], east["overdue"], east["ack_rate"]) == \
        (1, 2, 1, 50.0, 1, 50.0)


def test_format_helpers():
    assert chinese_date(dt.date(2021, 6, 3)) == "2021年6月3日"
    assert format_rate(None) == "—"
    assert format_rate(200 / 3) == "66.7%"
    assert format_rate(100) == "100.0%"


# ---- Word: layout ------------------------------------------------------------------------------------

@pytest.fixture
def docx_doc(city):
    return open_docx(bulletin_docx(user=city.office, program=city.program, as_of=city.as_of, issue_no=3,
                                   office_name=OFFICE_NAME))


def test_docx_page_and_margins(docx_doc):
    s = docx_doc.sections[0]
    assert close_mm(s.page_width, 210) and close_mm(s.page_height, 297)
    assert close_mm(s.top_margin, 37) and close_mm(s.bottom_margin, 35)
    assert close_mm(s.left_margin, 28) and close_mm(s.right_margin, 26)


def test_docx_masthead(docx_doc):
    lines = texts(docx_doc)
    assert lines[0] == "城市更新攻坚调度通报"
    title = docx_doc.paragraphs[0]
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size == Pt(22)
    assert east_asia_font(title.runs[0]) == "方正小标宋简体"

    assert lines[1] == "第3期"
    head = docx_doc.paragraphs[2]
    assert head.text == f"{OFFICE_NAME}\t2021年7月5日"
    bottom = head._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert bottom.get(qn("w:val")) == "single" and bottom.get(qn("w:color")) == "FF0000"


def test_docx_body_fonts_spacing_and_indent(docx_doc):
    # Normal: 仿宋_GB2312 三号, East Asian font in rPr/rFonts, exact 28.95 pt
    normal = docx_doc.styles["Normal"]
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.font.size == Pt(16)
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert normal.element.pPr.find(qn("w:spacing")).get(qn("w:line")) == "579"  # 28.95 pt in twentieths
    defaults = docx_doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsiaTheme")) is None

    body = next(p for p in docx_doc.paragraphs if p.text.startswith("截至"))
    assert east_asia_font(body.runs[0]) == "仿宋_GB2312"
    assert body.runs[0].font.size == Pt(16)
    assert body.paragraph_format.first_line_indent == Pt(32)
    assert body._p.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"

    h1 = paragraph(docx_doc, "一、总体情况")
    assert east_asia_font(h1.runs[0]) == "黑体" and h1.runs[0].font.size == Pt(16)
    h2 = paragraph(docx_doc, "（一）红灯任务")
    assert east_asia_font(h2.runs[0]) == "楷体_GB2312" and h2.runs[0].font.size == Pt(16)
    headings = [t for t in texts(docx_doc) if t[:2] in ("一、", "二、", "三、", "四、")]
    assert headings == ["一、总体情况", "二、各单位推进情况", "三、逾期及预警任务", "四、下步工作要求"]


def test_docx_footer_page_numbers(docx_doc):
    s = docx_doc.sections[0]
    settings = docx_doc.settings.element
    assert settings.find(qn("w:evenAndOddHeaders")) is not None
    assert docx_doc.settings.odd_and_even_pages_header_footer

    for footer, align in ((s.footer, WD_ALIGN_PARAGRAPH.RIGHT), (s.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        assert not footer.is_linked_to_previous
        p = footer.paragraphs[0]
        assert p.alignment == align
        assert p.text == "— 1 —"
        instr = [el.text for el in p._p.iter(qn("w:instrText"))]
        assert [t.strip() for t in instr] == ["PAGE"]
        kinds = [el.get(qn("w:fldCharType")) for el in p._p.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        assert all(east_asia_font(r) == "宋体" and r.font.size == Pt(14) for r in p.runs)


# ---- Word: content -----------------------------------------------------------------------------------

def test_docx_overview_sentence(docx_doc):
    [sentence, chart_caption, trend, trend_caption, note] = section_lines(docx_doc, "一、总体情况", "二、各单位推进情况")
    assert chart_caption == "图1　任务状态分布（截至2021年7月5日）"
    assert trend == ("近5个月，共新增任务4项、办结任务1项；截至2021年7月5日，累计办结率25.0%"
                     "（按任务的登记时间和办结时间逐月统计，各月情况如下）。")
    assert trend_caption == "图2　近5个月任务新增与办结情况（按月，截至2021年7月5日）"
    assert note.startswith("注：累计任务")
    assert sentence.startswith("截至2021年7月5日，城市更新攻坚共有任务4项")
    assert "正常1项、黄灯1项、红灯1项、已延期0项、已办结1项" in sentence
    assert "办结率25.0%" in sentence


def test_docx_league_table_matches_unit_league(city, docx_doc):
    assert len(docx_doc.tables) == 2  # the trend's figures, then the league
    table = league_table(docx_doc)
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["名次", "单位", "牵头任务数", "已办结", "按期办结率", "逾期数", "及时签收率"]
    assert all(r.bold for c in table.rows[0].cells for r in c.paragraphs[0].runs)
    body_run = table.rows[1].cells[1].paragraphs[0].runs[0]
    assert body_run.font.size == Pt(12) and east_asia_font(body_run) == "仿宋_GB2312"

    league = selectors.unit_league(user=city.office, program=city.program, as_of=city.as_of)
    assert [(r[0], r[1], r[2], r[4], r[5], r[6]) for r in rows[1:]] == [
        (str(r["rank"]), r["unit_name"], str(r["lead"]), format_rate(r["on_time_rate"]), str(r["overdue"]),
         format_rate(r["ack_rate"])) for r in league]
    assert rows[1:] == [["1", "东街道", "2", "1", "50.0%", "1", "50.0%"],
                        ["2", "西街道", "2", "0", "—", "0", "100.0%"]]


def test_docx_red_and_yellow_sections(city, docx_doc):
    assert section_lines(docx_doc, "（一）红灯任务", "（二）黄灯任务") == [task_line(city.overdue)]
    assert section_lines(docx_doc, "（二）黄灯任务", "四、下步工作要求") == [task_line(city.lagging)]
    assert task_line(city.overdue) == "1 完成老旧小区加装电梯十二部 — 东街道（已逾期5天）"
    lines = texts(docx_doc)
    requirements = [t for t in lines[lines.index("四、下步工作要求") + 1:] if t.strip()]
    assert len(requirements) == 2
    assert "签收" in requirements[0] and "按期报送" in requirements[0] and "整改" in requirements[1]


def test_docx_default_issue_and_office(city):
    doc = open_docx(bulletin_docx(user=city.office, program=city.program, as_of=city.as_of))
    assert texts(doc)[1] == "第7期"  # the reporting period's seq
    assert texts(doc)[2] == "示例区\t2021年7月5日"  # no office name: the program's owner unit


# ---- Excel -------------------------------------------------------------------------------------------

@pytest.fixture
def workbook(city):
    return open_xlsx(bulletin_xlsx(user=city.office, program=city.program, as_of=city.as_of, issue_no=3))


def test_xlsx_summary(workbook):
    assert workbook.sheetnames == ["汇总", "单位排名", "预警任务"]
    ws = workbook["汇总"]
    assert ws["A1"].value == "城市更新攻坚调度通报"
    assert any(str(r) == "A1:G1" for r in ws.merged_cells.ranges)
    assert ws["A2"].value == "第3期"
    assert ws["A3"].value == "截至日期" and ws["B3"].value.date() == dt.date(2021, 7, 5)
    assert ws["B4"].value == "第7期（2021年6月26日—2021年7月25日）"
    counts = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2) for r in range(1, ws.max_row + 1)}
    assert {k: counts[k].value for k in ("正常", "黄灯", "红灯", "已延期", "已办结", "合计")} == \
        {"正常": 1, "黄灯": 1, "红灯": 1, "已延期": 0, "已办结": 1, "合计": 4}
    assert counts["办结率"].value == pytest.approx(0.25) and counts["办结率"].number_format == "0.0%"
    leader_row = counts["王分管"].row
    assert [ws.cell(row=leader_row, column=c).value for c in range(1, 8)] == ["王分管", 0, 0, 1, 0, 0, 1]
    assert int(ws.page_setup.paperSize) == 9  # A4


def test_xlsx_league_sheet(city, workbook):
    ws = workbook["单位排名"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == ["名次", "单位", "牵头任务数", "已办结", "按期办结率", "逾期数", "及时签收率"]
    league = selectors.unit_league(user=city.office, program=city.program, as_of=city.as_of)
    expected = []
    for r in league:
        rate = lambda v: "—" if v is None else pytest.approx(v / 100)  # noqa: E731
        expected.append([r["rank"], r["unit_name"], r["lead"], None, rate(r["on_time_rate"]), r["overdue"],
                         rate(r["ack_rate"])])
    assert [[v if i != 3 else None for i, v in enumerate(row)] for row in rows[1:]] == expected
    assert [row[3] for row in rows[1:]] == [1, 0]  # 已办结
    assert ws["E3"].number_format == "0.0%" and ws["G2"].number_format == "0.0%"
    assert ws.freeze_panes == "C2"
    assert ws.column_dimensions["B"].width >= 20
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"  # A4 landscape


def test_xlsx_warning_sheet(city, workbook):
    ws = workbook["预警任务"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == ["状态", "编号", "任务内容", "牵头单位", "完成时限", "原因"]
    assert rows[1][:4] == ["红灯", city.overdue.code, city.overdue.title, "东街道"]
    assert rows[1][4].date() == dt.date(2021, 6, 30) and rows[1][5] == "已逾期5天"
    assert rows[2][:4] == ["黄灯", city.lagging.code, city.lagging.title, "西街道"]
    assert len(rows) == 3
    assert ws.freeze_panes == "A2"
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"


# ---- scope -------------------------------------------------------------------------------------------

def test_liaison_sees_only_their_street(city):
    user = city.liaison_west
    data = bulletin_data(user=user, program=city.program, as_of=city.as_of)
    assert data["counts"]["total"] == 2 and data["counts"]["red"] == 0
    assert [r["unit_name"] for r in data["league"]] == ["西街道"]
    assert data["red_tasks"] == [] and data["by_leader"] == []

    doc = open_docx(bulletin_docx(user=user, program=city.program, as_of=city.as_of, office_name=OFFICE_NAME))
    text = all_text(doc)
    wb_text = workbook_text(open_xlsx(bulletin_xlsx(user=user, program=city.program, as_of=city.as_of)))
    for hidden in (city.overdue.title, city.closed.title, "东街道", "王分管"):
        assert hidden not in text
        assert hidden not in wb_text
    assert city.lagging.title in text and city.lagging.title in wb_text
    assert section_lines(doc, "（一）红灯任务", "（二）黄灯任务") == ["无。"]
    assert [[c.text for c in row.cells][1] for row in league_table(doc).rows] == ["单位", "西街道"]


def test_office_sees_other_street_task(city):
    # the contrast to the liaison test: the same task is in the office's bulletin
    doc = open_docx(bulletin_docx(user=city.office, program=city.program, as_of=city.as_of))
    assert city.overdue.title in all_text(doc)


# ---- an empty program ----------------------------------------------------------------------------------

def test_empty_program_and_date_outside_periods(city):
    program = services.program_create(by=None, code="empty-2021", name="空白专项", year=2021,
                                      owner_unit=city.district)
    as_of = dt.date(2022, 1, 10)
    data = bulletin_data(user=city.office, program=program, as_of=as_of)
    assert data["period"] is None and data["issue_no"] is None and data["closure_rate"] is None

    doc = open_docx(bulletin_docx(user=city.office, program=program, as_of=as_of))
    assert "第　期" not in texts(doc) and not texts(doc)[1].startswith("第")  # no number: no 期号 line
    assert "办结率—" in section_lines(doc, "一、总体情况", "二、各单位推进情况")[0]
    assert section_lines(doc, "二、各单位推进情况", "三、逾期及预警任务") == ["暂无牵头单位数据。"]
    assert section_lines(doc, "（一）红灯任务", "（二）黄灯任务") == ["无。"]
    assert section_lines(doc, "（二）黄灯任务", "四、下步工作要求") == ["无。"]
    assert doc.tables == []

    wb = open_xlsx(bulletin_xlsx(user=city.office, program=program, as_of=as_of))
    assert wb["汇总"]["B4"].value == "—"
    assert wb["单位排名"].max_row == 1 and wb["预警任务"].max_row == 1
