"""The ledger's Word documents — 交办单 and 督查通报 — and the chart pictures in them. Each document is
opened back with python-docx and read: numbers, sections, tables, the picture, the 公文 layout."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from PIL import Image

from luoshi.documents import charts
from luoshi.documents.gongwen import FANGSONG, HEITI, XIAOBIAOSONG, chinese_date, format_rate
from luoshi.documents.charts import CJKFontMissing, bar_chart_png
from luoshi.documents.ledger_docs import ledger_bulletin_docx, sheet_docx
from luoshi.ledger import services
from luoshi.ledger.models import Escalation, EscalationState
from luoshi.ledger.selectors import ledger_figures

pytestmark = pytest.mark.django_db

SECTIONS = ["一、总体情况", "二、各单位情况", "三、通报批评", "四、逾期问题", "五、下步要求"]
START, END = dt.date(2026, 3, 16), dt.date(2026, 3, 22)


# ---- helpers ---------------------------------------------------------------------------------------

def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def section(doc, heading: str) -> list[str]:
    """The non-empty paragraphs under `heading`, up to the next section heading."""
    lines = texts(doc)
    i = lines.index(heading)
    j = next((k for k in range(i + 1, len(lines)) if lines[k] in SECTIONS), len(lines))
    return [t for t in lines[i + 1:j] if t.strip()]


def table_rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def east_asia_font(run) -> str | None:
    rfonts = run._r.rPr.find(qn("w:rFonts"))
    return None if rfonts is None else rfonts.get(qn("w:eastAsia"))


def paragraph(doc, text: str):
    return next(p for p in doc.paragraphs if p.text == text)


def has_page_field(footer) -> bool:
    return any(" PAGE " in (el.text or "") for el in footer._element.iter(qn("w:instrText")))


def images(doc) -> list[Image.Image]:
    out = []
    for shape in doc.inline_shapes:
        rid = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        out.append(Image.open(io.BytesIO(doc.part.related_parts[rid].blob)))
    return out


def assert_a4_gbt9704(doc) -> None:
    s = doc.sections[0]
    mm = [round(x.mm) for x in (s.page_width, s.page_height, s.top_margin, s.bottom_margin, s.left_margin,
                                s.right_margin)]
    assert mm == [210, 297, 37, 35, 28, 26]  # A4; GB/T 9704 margins
    normal = doc.styles["Normal"]
    assert normal.font.size.pt == 16  # 三号
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == FANGSONG
    assert has_page_field(s.footer) and has_page_field(s.even_page_footer)


# ---- 交办单 ---------------------------------------------------------------------------------------

@pytest.fixture
def sheets(findings, travel, city):
    with travel("2026-03-02"):
        a1 = findings.record("street_a", "小区门口垃圾堆放\n未及时清运", address="海尔路1号")
        a2 = findings.record("street_a", "路口非机动车乱停放", category="交通秩序", severity="major")
        b1 = findings.record("street_b", "早市占道经营", category="占道经营")
        issued = findings.issue([a1, a2, b1])
    sheet = next(s for s in issued if s.unit_id == city["street_a"].pk)
    return {"sheet": sheet, "findings": [a1, a2], "other": b1}


def test_sheet_docx_content(sheets, city):
    sheet = sheets["sheet"]
    doc = open_docx(sheet_docx(sheet=sheet))
    lines = texts(doc)
    assert lines[0] == "区委办公室"
    assert sheet.number in lines and sheet.number.startswith("测试督办〔2026〕第")
    assert "问题交办单" in lines
    assert "中韩街道：" in lines
    assert any("存在以下问题2个" in t for t in lines)
    (table,) = doc.tables
    rows = table_rows(table)
    assert rows[0] == ["序号", "问题编号", "问题类别", "问题描述", "地点", "严重程度", "整改时限"]
    a1, a2 = sheets["findings"]
    for f in (a1, a2):
        f.refresh_from_db()
    assert rows[1:] == [
        ["1", a1.code, "环境卫生", "小区门口垃圾堆放 未及时清运", "海尔路1号", "一般", "2026年3月9日"],  # one line
        ["2", a2.code, "交通秩序", "路口非机动车乱停放", "—", "较重", "2026年3月7日"],
    ]
    assert sheets["other"].code not in "\n".join(c for r in rows for c in r)
    assert "请于整改时限内完成整改并报送整改前后对比照片。" in lines
    assert "签收人：＿＿＿＿＿＿　签收时间：　　年　　月　　日" in lines
    assert lines[-1] == "2026年3月2日" and lines[-2] == "区委办公室"


def test_sheet_docx_is_chinese_whatever_the_language_of_the_request(sheets):
    from django.utils import translation

    with translation.override("en"):
        doc = open_docx(sheet_docx(sheet=sheets["sheet"]))
    assert [r[5] for r in table_rows(doc.tables[0])[1:]] == ["一般", "较重"]


def test_sheet_docx_layout(sheets):
    doc = open_docx(sheet_docx(sheet=sheets["sheet"]))
    assert_a4_gbt9704(doc)
    title = paragraph(doc, "问题交办单").runs[0]
    assert east_asia_font(title) == XIAOBIAOSONG and title.font.size.pt == 22  # 二号
    office = doc.paragraphs[0].runs[0]
    assert east_asia_font(office) == XIAOBIAOSONG and str(office.font.color.rgb) == "FF0000"
    body = paragraph(doc, "中韩街道：").runs[0]
    assert east_asia_font(body) == FANGSONG and body.font.size.pt == 16
    assert east_asia_font(paragraph(doc, "整改要求").runs[0]) == HEITI
    cell_run = doc.tables[0].rows[1].cells[3].paragraphs[0].runs[0]
    assert east_asia_font(cell_run) == FANGSONG
    assert doc.tables[0].rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # header repeats on each page


def test_sheet_docx_shows_who_signed(sheets, findings, travel):
    sheet = sheets["sheet"]
    with travel("2026-03-03T10:05:00+08:00"):
        findings.acknowledge(sheet)
    sheet.refresh_from_db()
    lines = texts(open_docx(sheet_docx(sheet=sheet)))
    assert "签收人：周强　　签收时间：2026年3月3日 10:05" in lines


# ---- 督查通报 -------------------------------------------------------------------------------------

@pytest.fixture
def ledger(findings, travel, cast):
    """Findings of 2026-03-02 (a closed 3-3; b 较重 and c 严重 never acknowledged) and e of 3-17 (in the
    bulletin's week 3-16…3-22). On 3-20 the ladder proposes steps for b and c; the office confirms
    通报批评 for c (in the bulletin) and 约谈 for b (not in it); only the highest earned step is proposed."""
    with travel("2026-03-02"):
        a = findings.record("street_a", "小区门口垃圾堆放未及时清运")
        b = findings.record("street_b", "早市占道经营，影响通行", category="占道经营", severity="major")
        c = findings.record("dept", "政务大厅窗口无人值守" * 6, category=None, severity="severe")
        d = findings.record("street_a", "路口非机动车乱停放", category="交通秩序")
        findings.issue([a, b, c])
    with travel("2026-03-03"):
        findings.submit(a)
        findings.close(a)
    with travel("2026-03-17"):
        e = findings.record("street_b", "公交站台小广告", category="环境卫生")
    with travel("2026-03-20"):
        services.escalations_run(today=dt.date(2026, 3, 20), notify=False)
        esc = {(x.finding_id, x.step): x for x in Escalation.objects.all()}
        services.escalation_decide(by=cast["office"], escalation=esc[(c.pk, "criticism")], confirm=True)
        services.escalation_decide(by=cast["office"], escalation=esc[(b.pk, "interview")], confirm=True,
                                   held_on=dt.date(2026, 3, 20), attendees="吴芳", minutes="约谈记录")
    for f in (a, b, c, d, e):
        f.refresh_from_db()
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def bulletin(user, program, travel, start=START, end=END, **kw):
    with travel("2026-03-22"):
        return open_docx(ledger_bulletin_docx(user=user, program=program, start=start, end=end, **kw))


def test_bulletin_sections_and_overview(ledger, ledger_program, cast, travel):
    doc = bulletin(cast["office"], ledger_program, travel, issue_no=12)
    lines = texts(doc)
    assert lines[0] == "2026年鼓励创新工作要点督查通报" and lines[1] == "第12期"
    assert lines[2] == "区委办公室\t2026年3月22日"
    assert [t for t in lines if t in SECTIONS] == SECTIONS
    overview = section(doc, "一、总体情况")
    assert overview[0] == ("本期（2026年3月16日至2026年3月22日）共发现问题1个，已报送整改0个，已核验销号0个，"
                           "逾期未整改0个，整改率0.0%，销号率0.0%。")
    assert overview[1].startswith("截至2026年3月22日，累计发现问题5个，已报送整改1个，已核验销号1个，逾期未整改2个，"
                                  "整改率20.0%，销号率20.0%，问题从登记到销号平均用时1.0天")
    assert section(doc, "五、下步要求")[0].startswith("（一）各责任单位要切实履行整改主体责任")


def test_bulletin_unit_table_matches_ledger_figures(ledger, ledger_program, cast, travel):
    doc = bulletin(cast["office"], ledger_program, travel)
    with travel("2026-03-22"):
        to_date = ledger_figures(user=cast["office"], program=ledger_program, found_to=END)
        period = ledger_figures(user=cast["office"], program=ledger_program, found_from=START, found_to=END)
    period_found = {r.label: r.found for r in period["rows"]}
    rows = table_rows(doc.tables[0])
    assert rows[0] == ["名次", "单位", "本期发现", "累计发现", "累计销号", "逾期", "整改率", "销号率"]
    assert rows[1:] == [[str(r.rank), r.label, str(period_found.get(r.label, 0)), str(r.found), str(r.closed),
                         str(r.overdue), format_rate(r.rectify_rate), format_rate(r.close_rate)]
                        for r in to_date["rows"]]
    assert [r[1] for r in rows[1:]] == ["中韩街道", "区行政审批服务局", "沙子口街道"]
    assert rows[1][:6] == ["1", "中韩街道", "0", "2", "1", "0"]
    assert rows[2][:6] == ["2", "区行政审批服务局", "0", "1", "0", "1"]
    assert rows[3][:6] == ["2", "沙子口街道", "1", "2", "0", "1"]  # same 销号率 and overdue: same rank


def test_bulletin_has_the_chart(ledger, ledger_program, cast, travel):
    doc = bulletin(cast["office"], ledger_program, travel)
    (picture,) = images(doc)
    assert picture.format == "PNG" and picture.size[0] == 1600
    assert doc.inline_shapes[0].width == Mm(150)
    assert "图1　各单位发现、销号、逾期问题数（截至2026年3月22日）" in texts(doc)
    # the three series are drawn in their colours
    colours = {c for _n, c in picture.convert("RGB").getcolors(1_000_000)}
    assert {(0x54, 0x70, 0xC6), (0x91, 0xCC, 0x75), (0xEE, 0x66, 0x66)} <= colours


def test_bulletin_lists_confirmed_criticism_of_the_period(ledger, ledger_program, cast, travel):
    doc = bulletin(cast["office"], ledger_program, travel)
    lines = section(doc, "三、通报批评")
    assert lines[0] == "经督查室研究确认，对以下单位予以通报批评："
    c = ledger["c"]
    assert len(lines) == 2
    assert lines[1].startswith(f"（一）区行政审批服务局。问题{c.code}（政务大厅窗口无人值守")
    assert "逾期15天" in lines[1] and lines[1].endswith("予以通报批评。")
    assert "约谈" not in "".join(lines) and "预警" not in "".join(lines)
    # a week before the decision: nothing to criticise
    earlier = bulletin(cast["office"], ledger_program, travel, start=dt.date(2026, 3, 9), end=dt.date(2026, 3, 15))
    assert section(earlier, "三、通报批评") == ["本期无通报批评事项。"]
    assert Escalation.objects.filter(state=EscalationState.CONFIRMED).count() == 2


def test_bulletin_lists_overdue_findings_longest_first(ledger, ledger_program, cast, travel):
    doc = bulletin(cast["office"], ledger_program, travel)
    assert section(doc, "四、逾期问题")[0] == "截至2026年3月22日，共有逾期未整改问题2个，具体如下："
    rows = table_rows(doc.tables[1])
    b, c = ledger["b"], ledger["c"]
    assert rows[0] == ["序号", "问题编号", "责任单位", "问题描述", "整改时限", "逾期天数"]
    assert rows[1] == ["1", c.code, "区行政审批服务局", ("政务大厅窗口无人值守" * 4)[:39] + "…", "2026年3月5日", "17"]
    assert rows[2] == ["2", b.code, "沙子口街道", "早市占道经营，影响通行", "2026年3月7日", "15"]


def test_bulletin_overdue_list_is_capped_at_twenty(findings, ledger_program, cast, travel):
    with travel("2026-03-02"):
        found = [findings.record("street_a", f"问题{i}") for i in range(23)]
        findings.issue(found)
    doc = bulletin(cast["office"], ledger_program, travel)
    assert section(doc, "四、逾期问题")[0] == "截至2026年3月22日，共有逾期未整改问题23个，逾期时间最长的20个如下："
    assert len(doc.tables[1].rows) == 21


def test_bulletin_of_an_empty_ledger(ledger_program, cast, travel):
    doc = bulletin(cast["office"], ledger_program, travel)
    assert [t for t in texts(doc) if t in SECTIONS] == SECTIONS
    assert section(doc, "一、总体情况") == ["本期（2026年3月16日至2026年3月22日）未发现新问题。",
                                        "截至2026年3月22日，问题台账中暂无问题。"]
    assert section(doc, "二、各单位情况") == ["本期无各单位问题数据。"]
    assert section(doc, "三、通报批评") == ["本期无通报批评事项。"]
    assert section(doc, "四、逾期问题") == ["本期无逾期未整改问题。"]
    assert len(doc.inline_shapes) == 0 and len(doc.tables) == 0
    assert lines_without_number(doc)


def lines_without_number(doc) -> bool:
    """No number: the 期号 line is left out (not an empty 第　期), the office and date line follows the title."""
    return "第　期" not in texts(doc) and not texts(doc)[1].startswith("第")


def test_bulletin_is_scoped_to_the_reader(ledger, ledger_program, cast, travel):
    doc = bulletin(cast["liaison_b"], ledger_program, travel)
    assert [r[1] for r in table_rows(doc.tables[0])[1:]] == ["沙子口街道"]
    assert section(doc, "三、通报批评") == ["本期无通报批评事项。"]
    assert [r[2] for r in table_rows(doc.tables[1])[1:]] == ["沙子口街道"]


def test_bulletin_layout(ledger, ledger_program, cast, travel):
    doc = bulletin(cast["office"], ledger_program, travel)
    assert_a4_gbt9704(doc)
    title = doc.paragraphs[0].runs[0]
    assert east_asia_font(title) == XIAOBIAOSONG and title.font.size.pt == 22
    assert east_asia_font(paragraph(doc, "一、总体情况").runs[0]) == HEITI


def test_bulletin_queries_do_not_grow_with_the_ledger(findings, ledger_program, cast, travel, city):
    def count_queries() -> int:
        with travel("2026-03-22"), CaptureQueriesContext(connection) as ctx:
            ledger_bulletin_docx(user=cast["office"], program=ledger_program, start=START, end=END)
        return len(ctx.captured_queries)

    with travel("2026-03-17"):
        few = [findings.record(u, "问题") for u in ("street_a", "street_b", "dept")]
        findings.issue(few)
    small = count_queries()
    with travel("2026-03-18"):
        many = [findings.record(u, f"问题{i}") for i in range(15) for u in ("street_a", "street_b", "dept")]
        findings.issue(many)
    assert count_queries() == small


# ---- charts ---------------------------------------------------------------------------------------

def test_chart_png_size_and_content():
    png = bar_chart_png(title="各单位问题数", categories=["中韩街道", "沙子口街道", "区行政审批服务局"],
                        series=[("发现", [12, 5, 0]), ("销号", [10, 2, 0])], width_px=1200, height_px=700)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1200, 700)
    colours = {c for _n, c in image.convert("RGB").getcolors(1_000_000)}
    assert {(0x54, 0x70, 0xC6), (0x91, 0xCC, 0x75)} <= colours


@pytest.mark.parametrize("horizontal", [True, False])
def test_chart_orientations(horizontal):
    png = bar_chart_png(title="按严重程度", categories=["一般", "较重", "严重"], series=[("发现", [120, 40, 5])],
                        horizontal=horizontal)
    assert Image.open(io.BytesIO(png)).size == (1600, 900)


def test_chart_without_data():
    png = bar_chart_png(title="无数据", categories=[], series=[])
    assert Image.open(io.BytesIO(png)).size == (1600, 900)


def test_chart_refuses_mismatched_series():
    with pytest.raises(ValueError):
        bar_chart_png(title="x", categories=["a", "b"], series=[("s", [1])])


def test_chart_finds_a_cjk_font():
    path = charts.cjk_font_path()
    assert path is not None and charts._draws_chinese(path)


def test_chart_without_a_cjk_font_says_what_to_install(monkeypatch):
    monkeypatch.setattr(charts, "cjk_font_path", lambda: None)
    with pytest.raises(CJKFontMissing) as exc:
        bar_chart_png(title="x", categories=["a"], series=[("s", [1])])
    assert "fonts-wqy-microhei" in exc.value.message and "中文字体" in exc.value.message


def test_chinese_date_in_documents():
    assert chinese_date(dt.date(2026, 3, 5)) == "2026年3月5日"
