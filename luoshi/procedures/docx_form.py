"""The Word form a step generates (the 成交确认书): the case's fields, the amounts with their traceable
calculation, and signature lines. Written here with python-docx in the 公文 fonts (仿宋 body, 小标宋 title):
documents.gongwen sits in a layer above the domain apps, so procedures cannot import it (see ADR)."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .calc import money_text

BODY, TITLE, TABLE = "仿宋_GB2312", "方正小标宋简体", "仿宋_GB2312"


def _run(paragraph, text: str, *, font: str = BODY, size: float = 16, bold: bool = False):
    run = paragraph.add_run(text)
    run.font.name, run.font.size, run.font.bold = font, Pt(size), bold
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def _para(doc, text: str = "", *, size: float = 16, bold: bool = False, center: bool = False, font: str = BODY):
    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if text:
        _run(p, text, size=size, bold=bold, font=font)
    return p


def _cell(cell, text: str, *, bold: bool = False) -> None:
    cell.text = ""
    _run(cell.paragraphs[0], text, font=TABLE, size=12, bold=bold)


def case_form_docx(*, case, spec, title: str, day: dt.date) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _para(doc, title, size=22, center=True, font=TITLE)
    _para(doc, f"编号：{case.number}", size=12, center=True)
    _para(doc, f"{case.unit.name}（出让人）与受让人就“{case.title}”集体经营性建设用地使用权，确认如下：", size=16)
    rows = [("宗地名称", case.title), ("出让人", case.unit.name)]
    if case.town_id:
        rows.append(("所在镇街", case.town.name))
    for f in spec.fields:
        value = case.fields.get(f.code)
        if value in (None, ""):
            continue
        if f.type == "choice":
            value = f.choices.get(value, value)
        elif f.type == "money":
            value = money_text(Decimal(value)) + ("" if "元" in f.label else " 元")  # 成交价款（元）: once
        rows.append((f.label, str(value)))
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        _cell(cells[0], label, bold=True)
        _cell(cells[1], value)
    if case.amounts:
        _para(doc, "土地增值收益调节金计算", size=16, bold=True)
        calc = doc.add_table(rows=1, cols=3)
        calc.style = "Table Grid"
        for cell, text in zip(calc.rows[0].cells, ("项目", "金额/比例", "计算过程")):
            _cell(cell, text, bold=True)
        for a in case.amounts:
            cells = calc.add_row().cells
            value = Decimal(a["value"])
            _cell(cells[0], a["label"])
            _cell(cells[1], f"{(value * 100).normalize():f}%" if a.get("percent") else money_text(value) + " 元")
            _cell(cells[2], a["trace"])
        _para(doc, "金额单位为元，每项金额计算后保留两位小数（四舍五入）。", size=12)
    _para(doc)
    _para(doc, "出让人（盖章）：　　　　　　　受让人（盖章）：", size=16)
    _para(doc, f"{day.year}年{day.month}月{day.day}日", size=16)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
