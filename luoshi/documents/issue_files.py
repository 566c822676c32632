"""An issue's files, drawn from its stored snapshot: the Word document (公文 layout), the Excel workbook
(调度通报 only) and a PDF made from the Word document's own paragraphs, tables and pictures (so the two
always say the same). Nothing here reads the database beyond the issue and its series."""
from __future__ import annotations

import base64
import datetime as dt
import html
import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from .assessment_docs import ranking_snapshot_docx
from .bulletin import snapshot_docx, snapshot_xlsx
from .charts import bar_chart_png
from .gongwen import HEITI, KAITI, add_para, caption, chinese_date, finish, grid_table, masthead, picture, signature
from .ledger_docs import ledger_snapshot_docx
from .models import Issue, SeriesKind

__all__ = ["compiled_docx", "docx_to_pdf", "issue_file", "issue_filename"]


def _office(issue: Issue) -> str:
    return issue.subscription.owner_unit.name


def compiled_docx(*, title: str, issue_no: int, year: int, office: str, day: dt.date, note: str,
                  sections: list[dict]) -> bytes:
    """工作动态/工作专刊: the masthead, the 按语, then each section (heading, text, figures with a chart)."""
    doc = masthead(title=title, issue_text=f"{year}年第{issue_no}期", office=office, date_text=chinese_date(day))
    for line in filter(None, (x.strip() for x in note.splitlines())):
        add_para(doc, line)
    figure = 0
    for i, s in enumerate(sections, 1):
        add_para(doc, s["heading"], font=HEITI if len(sections) > 1 else KAITI, outline=0,
                 align=WD_ALIGN_PARAGRAPH.CENTER if s["type"] == "case" else None, indent=s["type"] != "case")
        if s.get("source"):
            add_para(doc, s["source"], font=KAITI, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        for line in filter(None, (x.strip() for x in (s.get("body") or "").splitlines())):
            add_para(doc, line)
        rows = s.get("rows") or []
        if rows:
            grid_table(doc, (("项目", 96), ("数值", 60)), [(r[0], r[1]) for r in rows], left=(0,))
            numeric = [(r[0], r[2]) for r in rows if len(r) > 2 and isinstance(r[2], int)]
            if numeric:
                figure += 1
                png = bar_chart_png(title=s["heading"], categories=[n for n, _v in numeric],
                                    series=[("数量", [v for _n, v in numeric])], width_px=1600, height_px=700,
                                    horizontal=False)
                picture(doc, png, width_mm=120)
                caption(doc, f"图{figure}　{s['heading']}")
    signature(doc, office, chinese_date(day))
    return finish(doc)


def issue_docx(issue: Issue) -> bytes:
    snap = issue.snapshot
    sub = issue.subscription
    if sub.kind == SeriesKind.PROGRAM:
        return snapshot_docx(snap, office_name=_office(issue), issue_no=issue.number, note=issue.note)
    if sub.kind == SeriesKind.LEDGER:
        return ledger_snapshot_docx(snap, office_name=_office(issue), issue_no=issue.number, note=issue.note)
    if sub.kind == SeriesKind.ASSESSMENT:
        return ranking_snapshot_docx(snap, office_name=_office(issue), issue_no=issue.number, note=issue.note)
    return compiled_docx(title=sub.name, issue_no=issue.number, year=issue.year, office=_office(issue),
                         day=dt.date.fromisoformat(snap["date"]), note=issue.note, sections=snap.get("sections", []))


def issue_file(issue: Issue, fmt: str) -> bytes:
    if fmt == "docx":
        return issue_docx(issue)
    if fmt == "xlsx" and issue.subscription.kind == SeriesKind.PROGRAM:
        return snapshot_xlsx(issue.snapshot, issue_no=issue.number)
    if fmt == "pdf":
        return docx_to_pdf(issue_docx(issue), title=issue.title)
    raise ValueError(fmt)


def issue_filename(issue: Issue, fmt: str) -> str:
    return f"{issue.subscription.name}-{issue.year}年第{issue.number}期.{fmt}"


# ---- PDF from the Word document -------------------------------------------------------------------

PDF_CSS = """
@font-face { font-family: cjk; src: url("%(font)s"); }
@page { size: A4; margin: 37mm 26mm 35mm 28mm; @bottom-center { content: "— " counter(page) " —"; font-family: cjk; } }
body { font-family: cjk; font-size: 16pt; line-height: 28.95pt; }
p { margin: 0; text-indent: 2em; }
p.center { text-align: center; text-indent: 0; }
p.right { text-align: right; text-indent: 0; }
p.title { font-size: 22pt; line-height: 36pt; }
p.head { font-weight: bold; }
p.rule { border-bottom: 1.5pt solid #f00; padding-bottom: 4pt; margin-bottom: 8pt; text-indent: 0; }
p.small { font-size: 12pt; line-height: 18pt; }
table { border-collapse: collapse; width: 100%%; font-size: 12pt; line-height: 16pt; margin: 4pt 0; }
table.fixed { table-layout: fixed; }
td, th { border: 0.75pt solid #000; padding: 2pt 4pt; text-align: center; }
th { font-weight: bold; }
img { width: 100%%; }
"""


def _paragraph_html(p, images: dict[str, bytes]) -> str:
    classes = []
    if p.alignment == WD_ALIGN_PARAGRAPH.CENTER:
        classes.append("center")
    elif p.alignment == WD_ALIGN_PARAGRAPH.RIGHT:
        classes.append("right")
    ppr = p._p.pPr
    if ppr is not None and ppr.find(qn("w:outlineLvl")) is not None:
        classes.append("head")
    if ppr is not None and ppr.find(qn("w:pBdr")) is not None:
        classes.append("rule")
    sizes = [r.font.size.pt for r in p.runs if r.font.size is not None]
    if sizes and max(sizes) >= 22:
        classes.append("title")
    elif sizes and max(sizes) <= 12:
        classes.append("small")
    parts = []
    for blip in p._p.iter(qn("a:blip")):
        rid = blip.get(qn("r:embed"))
        data = images.get(rid)
        if data:
            parts.append(f'<img alt="" src="data:image/png;base64,{base64.b64encode(data).decode()}">')
    text = html.escape(p.text).replace("\t", "　　")
    return f'<p class="{" ".join(classes)}">{text}{"".join(parts)}</p>'


def _table_html(table) -> str:
    """A Word table as HTML with the Word table's column widths (`table-layout: fixed`: WeasyPrint need not measure
    every cell to size the columns, which was a third of a long table's layout time) and its first row as the
    header repeated on every page."""
    widths = [int(w) for w in table._tbl.xpath("./w:tblGrid/w:gridCol/@w:w")]
    total = sum(widths)
    cols = ("<colgroup>" + "".join(f'<col style="width:{w / total * 100:.2f}%">' for w in widths) + "</colgroup>"
            if total else "")
    rows = [[html.escape(c.text) for c in row.cells] for row in table.rows]
    if not rows:
        return ""
    head = "<thead><tr>" + "".join(f"<th>{t}</th>" for t in rows[0]) + "</tr></thead>"
    body = "".join("<tr>" + "".join(f"<td>{t}</td>" for t in r) + "</tr>" for r in rows[1:])
    return f'<table class="{"fixed" if cols else ""}">{cols}{head}<tbody>{body}</tbody></table>'


def docx_to_pdf(data: bytes, *, title: str = "") -> bytes:
    """The Word document's body as an A4 PDF (paragraphs, tables and pictures in order). Only the server's
    CJK font is read: every other URL is refused, so the PDF never reaches the network."""
    from weasyprint import HTML, default_url_fetcher

    from .assessment_docs import font_url as cjk_font_url

    font_url = cjk_font_url()
    doc = Document(io.BytesIO(data))
    images = {rid: rel.target_part.blob for rid, rel in doc.part.rels.items() if "image" in rel.reltype}
    body = []
    tables = iter(doc.tables)
    paragraphs = iter(doc.paragraphs)
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            body.append(_paragraph_html(next(paragraphs), images))
        elif child.tag == qn("w:tbl"):
            body.append(_table_html(next(tables)))
    page = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{PDF_CSS % {'font': font_url}}</style></head><body>{''.join(body)}</body></html>")

    def fetch(url: str, *args, **kwargs):
        if url == font_url or url.startswith("data:image/png;base64,"):
            return default_url_fetcher(url, *args, **kwargs)
        raise ValueError(f"blocked: {url}")

    return HTML(string=page, url_fetcher=fetch).write_pdf()
