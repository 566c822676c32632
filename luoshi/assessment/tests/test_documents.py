"""The assessment's documents opened back: the 排名通报 (Word, python-docx) and the 评分卡 (PDF: its bytes,
the embedded CJK font, and its text — pdftotext when poppler is installed, and always the text WeasyPrint
laid out on each page)."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import zlib
from decimal import Decimal

import pytest
from docx import Document

from luoshi.assessment import services
from luoshi.assessment.excel import scores_import_xlsx
from luoshi.assessment.models import Consequence, Result
from luoshi.assessment.tests.conftest import SCHEME_YAML, Assess
from luoshi.core.errors import PermissionDeniedError
from luoshi.documents import assessment_docs
from luoshi.documents.assessment_docs import ranking_bulletin_docx, scorecard_html, scorecard_pdf
from luoshi.documents.charts import CJKFontMissing, bar_chart_png
from luoshi.org.services import unit_create

from .fixtures_io import air_round, book  # noqa: F401  (air_round is a fixture)

pytestmark = pytest.mark.django_db


# ---- helpers -------------------------------------------------------------------------------------------

def paragraphs(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.text.strip()]


def table_rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def pdf_streams(data: bytes) -> list[bytes]:
    """Every Flate stream of the PDF, decompressed (object streams hold the font dictionaries)."""
    out = []
    for m in re.finditer(rb"stream\r?\n", data):
        start = m.end()
        end = data.find(b"endstream", start)
        try:
            out.append(zlib.decompress(data[start:end].rstrip(b"\r\n")))
        except zlib.error:
            pass
    return out


def pdftotext(data: bytes) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    out = subprocess.run(["pdftotext", "-raw", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return "".join(out.split())       # in the order drawn; lines break inside table cells


def laid_out_pages(html: str) -> list[str]:
    """The text WeasyPrint lays out on each page of the card's HTML (what the PDF is drawn from)."""
    from weasyprint import HTML

    doc = HTML(string=html, url_fetcher=lambda url, *a, **k: (_ for _ in ()).throw(ValueError(url))).render()
    # lines break inside table cells: compare without white space
    return ["".join("".join(b.text.split()) for b in page._page_box.descendants()
                    if isinstance(getattr(b, "text", None), str)) for page in doc.pages]


def published(assess, cast, city, travel):
    """Round 2026年1月: street_a appealed A1 (12 → 17, revision 2); a bonus and a deduction for street_a;
    the office's own unit excluded from ranking."""
    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {"A1": "12", "A3": "2"}, "street_b": {"B1": "良"}, "dept": {"A2": "不达标"}})
        a3 = assess.leaf(rnd, "A3")
        services.score_record(by=cast["evaluator"], round=rnd, unit=city["street_a"], indicator=a3, value="2",
                              note="台账缺2处", files=[("台账检查记录.jpg", _jpeg())])
        services.adjustment_add(by=cast["office"], round=rnd, unit=city["street_a"], kind="bonus", item="award",
                                level="国家级", award="国办发〔2026〕1号")
        services.adjustment_add(by=cast["office"], round=rnd, unit=city["street_a"], kind="deduction", item="N1",
                                count=Decimal(1), note="被市委通报一次")
        services.participant_exclude(by=cast["office"], round=rnd, unit=city["office_unit"], reason="牵头单位不参评")
        rnd = assess.publish(rnd)
    with travel("2026-02-04"):
        appeal = services.appeal_file(by=cast["liaison_a"], round=rnd, unit=city["street_a"],
                                      indicator=assess.leaf(rnd, "A1"), reason="组织领导材料已补充")
        services.appeal_decide(by=cast["office"], appeal=appeal, revise=True, value="17", decision="材料齐全，改为17分")
    rnd.refresh_from_db()
    return rnd


# ---- 排名通报 ----------------------------------------------------------------------------------------------

def test_bulletin_reads_the_published_table(assess, cast, city, travel):
    rnd = published(assess, cast, city, travel)
    with travel("2026-02-05"):
        doc = Document(io.BytesIO(ranking_bulletin_docx(user=cast["office"], round=rnd, issue_no=3)))
    lines = paragraphs(doc)
    assert lines[:2] == ["测试考核排名通报", "第3期"]
    assert lines[2] == "区委办公室\t2026年2月4日"          # the date of the latest published revision
    assert "（审核稿，未公布）" not in lines
    assert "第2版：根据中韩街道的申诉，复核调整“A1 组织领导”得分：12 → 17。" in lines
    headings = [t for t in lines if re.match(r"^[一二三四五六七八九十]+、", t)]
    assert headings == ["一、总体情况", "二、排名情况", "三、不参与排名单位", "四、工作要求"]
    assert "区委办公室：牵头单位不参评。" in lines
    assert any(t.startswith("本期共有4个单位参加考核（街道2个、部门2个），其中1个单位不参与排名。") for t in lines)
    street, dept = doc.tables
    stored = {r.unit.name: r for r in Result.objects.filter(round=rnd).select_related("unit")}
    assert table_rows(street)[0] == ["名次", "单位", "总分", "得分率", "等次", "升降位次"]
    for rank, unit, total, rate, grade, _move in table_rows(street)[1:] + table_rows(dept)[1:]:
        r = stored[unit]
        assert (total, grade) == (f"{r.total:.2f}", r.grade)
        assert rank == (str(int(r.rank)) if r.rank is not None else "—")
        assert rate == (f"{r.rate:.2f}%" if r.rate is not None else "—")
    # street_a: 17+10+9 | 30+30 = 96, +3 国家级, −2 = 97 after the appeal; street_b 40 + 24 + 30 = 94
    assert [row[:3] for row in table_rows(street)[1:]] == [["1", "中韩街道", "97.00"], ["2", "沙子口街道", "94.00"]]
    assert table_rows(dept)[2][:2] == ["—", "区委办公室"]
    assert len(doc.inline_shapes) == 2                      # a chart per peer group
    assert "图1\u3000街道总分排名" in lines


def test_bulletin_of_an_unpublished_round_says_so(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {}, "street_b": {"A1": "10"}, "dept": {}})
        services.round_compute(by=cast["office"], round=rnd)
        doc = Document(io.BytesIO(ranking_bulletin_docx(user=cast["office"], round=rnd)))
    lines = paragraphs(doc)
    # no issue number yet: the 期号 line is left out (not printed empty as 第　期)
    assert "（审核稿，未公布）" in lines and lines[1].startswith("区委办公室") and "第\u3000期" not in lines
    assert not any(t.startswith("第2版") for t in lines)


def test_bulletin_lists_top_and_bottom_and_confirmed_consequences(cast, city, travel):
    text = (SCHEME_YAML.replace("code: test-scheme", "code: test-ten").replace("name: 测试考核", "name: 十佳测评")
            .replace("top_bottom: 0", "top_bottom: 10").replace("consecutive: 2", "consecutive: 1"))
    with travel("2026-01-05"):
        scheme, _v, _n = services.scheme_save(by=cast["office"], text=text)
        for i in range(1, 13):
            unit_create(by=None, name=f"第{i:02d}街道", kind="street", parent=city["district"])
    assess = Assess(scheme, city, cast)
    with travel("2026-02-02"):
        rnd = assess.round()
        rows = [["单位名称", "A1"]] + [[f"第{i:02d}街道", 20 - i] for i in range(1, 13)] + [["中韩街道", 20], ["沙子口街道", 0]]
        scores_import_xlsx(by=cast["office"], round=rnd, data=book({"S": rows}), evaluator=cast["evaluator"])
        rnd = assess.publish(rnd)
        proposal = Consequence.objects.get(round=rnd, unit=city["street_b"])
        services.consequence_decide(by=cast["office"], consequence=proposal, confirm=True, note="同意")
        doc = Document(io.BytesIO(ranking_bulletin_docx(user=cast["office"], round=rnd)))
    lines = paragraphs(doc)
    assert "三、十佳和十差单位" in lines
    top = next(t for t in lines if t.startswith("（一）十佳单位："))
    bottom = next(t for t in lines if t.startswith("（二）十差单位："))
    assert top.startswith("（一）十佳单位：中韩街道、第01街道、第02街道") and "第10街道" not in top
    assert "沙子口街道" in bottom and "中韩街道" not in bottom
    assert "（一）沙子口街道：通报批评（连续两期街道末位）。" in lines
    street = doc.tables[0]
    assert len(street.rows) == 1 + 14
    assert len(doc.inline_shapes) == 2


def test_bulletin_of_a_metric_league(air_round, cast, travel):
    with travel("2026-01-08"):
        data = book({"S": [["单位名称", "pm25", "pm10"], ["中韩街道", 30, 60], ["沙子口街道", 42, 77], ["王哥庄街道", 28, 50]]})
        scores_import_xlsx(by=cast["office"], round=air_round, data=data)
        services.round_compute(by=cast["office"], round=air_round)
        doc = Document(io.BytesIO(ranking_bulletin_docx(user=cast["office"], round=air_round)))
    rows = table_rows(doc.tables[0])
    assert rows[0] == ["名次", "单位", "综合指数", "同比变化率", "综合得分", "升降位次"]
    assert rows[1][:3] == ["1", "王哥庄街道", "1.51"] and rows[3][:3] == ["3", "沙子口街道", "2.30"]
    assert any("综合指数最低（最好）的是王哥庄街道（1.51）" in t for t in paragraphs(doc))


def test_chart_writes_decimals_through_the_given_format():
    seen = []

    def fmt(v):
        seen.append(v)
        return f"{v:.2f}"

    png = bar_chart_png(title="总分", categories=["中韩街道", "沙子口街道"], series=[("总分", [96.5, 94.25])],
                        horizontal=True, value_format=fmt)
    assert png.startswith(b"\x89PNG") and 96.5 in seen and 94.25 in seen


# ---- 评分卡 ------------------------------------------------------------------------------------------------

def test_score_card_pdf(assess, cast, city, travel, caplog):
    rnd = published(assess, cast, city, travel)
    with travel("2026-02-05"), caplog.at_level("WARNING", logger="weasyprint"):
        data = scorecard_pdf(user=cast["office"], round=rnd, units=[city["street_a"], city["street_b"]])
    # no CSS WeasyPrint ignores, no resource it could not (or was not allowed to) load
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
    with travel("2026-02-05"):
        html = scorecard_html(user=cast["office"], round=rnd, units=[city["street_a"], city["street_b"]])
    assert data.startswith(b"%PDF-")
    assert any(b"LuoshiCJK" in s and b"/FontFile2" in s for s in pdf_streams(data)), "the CJK font is embedded"
    pages = laid_out_pages(html)
    first = next(i for i, t in enumerate(pages) if "中韩街道" in t)
    second = next(i for i, t in enumerate(pages) if "沙子口街道" in t)
    assert first < second and "中韩街道" not in pages[second]       # each card on its own pages
    card = "".join(pages[:second])
    for words in ("评分卡", "测试考核", "2026年1月", "指标体系第1版", "中韩街道", "97.00", "1/2", "好",
                  "组织领导", "按实际情况评分，最高 20 分", "每发现一处扣 0.5 分，扣完为止", "郑洁", "已审核",
                  "台账检查记录.jpg", "台账缺2处", "2处", "表彰推广", "国家级", "+3", "被上级通报批评", "−2",
                  "已改分", "组织领导材料已补充", "材料齐全，改为17分", "刘晓燕"):
        assert "".join(words.split()) in card, words
    # the appeal keeps the original (12) and revised (17) points; the leaf shows the revised score
    assert re.search(r"已改分12录入值12(\d|\D)*?17录入值17", card)
    text = pdftotext(data)
    if text is not None:
        for words in ("中韩街道", "97.00", "组织领导", "台账检查记录.jpg", "沙子口街道", "94.00"):
            assert words in text, words


def test_score_card_before_publication_and_its_readers(assess, cast, city, travel):
    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {"B1": "中"}, "street_b": {}})
        services.round_compute(by=cast["office"], round=rnd)
        html = scorecard_html(user=cast["liaison_a"], round=rnd, units=[city["street_a"]])
        with pytest.raises(PermissionDeniedError):
            scorecard_pdf(user=cast["liaison_b"], round=rnd, units=[city["street_a"]])
    text = "".join(laid_out_pages(html))
    assert "审核稿，未公布" in text and "待审核" in text and "18.00" in text
    assert "http://" not in html and "https://" not in html
    assert re.search(r'src: url\("file:///[^"]+"\)', html)


def test_score_card_of_a_metric_league(air_round, cast, travel):
    with travel("2026-01-08"):
        data = book({"S": [["单位名称", "pm25", "pm10"], ["中韩街道", 30, 60], ["沙子口街道", 42, 77], ["王哥庄街道", 28, 50]]})
        scores_import_xlsx(by=cast["office"], round=air_round, data=data)
        services.round_compute(by=cast["office"], round=air_round)
        unit = air_round.participants.get(unit__name="沙子口街道").unit
        text = "".join(laid_out_pages(scorecard_html(user=cast["office"], round=air_round, units=[unit])))
    assert "监测数据" in text and "PM2.5" in text and "2.30" in text and "42" in text and "3/3" in text


def test_score_card_needs_a_cjk_font(assess, cast, city, travel, monkeypatch):
    with travel("2026-02-02"):
        rnd = assess.round()
    monkeypatch.setattr(assessment_docs, "cjk_font_path", lambda: None)
    with pytest.raises(CJKFontMissing, match="fonts-wqy-microhei"):
        scorecard_pdf(user=cast["office"], round=rnd, units=[city["street_a"]])


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()
