"""The Word 公文 of the 免申即享 totals, opened back: the 版头 with its red rule (gongwen.masthead, as every
bulletin), the figures of the confirmed batches the user may see, the table and its total, the signature."""
import io

import docx
import pytest
from django.urls import reverse
from docx.oxml.ns import qn
from docx.shared import Pt

from luoshi.documents.policies_docs import payout_totals_docx
from luoshi.policies import services


@pytest.fixture
def paid(clause, cast, enterprises):
    batch = services.batch_compute(by=cast["liaison_dept"], clause=clause, period="2026年度")
    return services.batch_confirm(by=cast["liaison_dept"], batch=batch)


def east_asia(run) -> str:
    return run._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def test_the_totals_have_the_red_masthead_and_the_figures(paid, cast):
    doc = docx.Document(io.BytesIO(payout_totals_docx(user=cast["office"], by="theme", year=2026, office="崂山区政策办")))
    title = doc.paragraphs[0]
    assert title.text == "惠企政策免申即享兑现情况" and title.runs[0].font.size == Pt(22)
    assert east_asia(title.runs[0]) == "方正小标宋简体"
    assert doc.paragraphs[1].text == "2026年度"
    head = doc.paragraphs[2]
    assert head.text == "崂山区政策办\t2026年3月2日"
    bottom = head._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert bottom.get(qn("w:color")) == "FF0000" and bottom.get(qn("w:val")) == "single"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"{paid.total:,.2f}元" in text and f"{paid.count}笔" in text and f"惠及企业{paid.count}家" in text
    assert "二、按政策主题汇总" in text
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "政策主题", "批次数", "兑付笔数", "金额（元）"]
    assert [c.text for c in table.rows[1].cells] == ["1", "科技创新", "1", str(paid.count), f"{paid.total:,.2f}"]
    assert [c.text for c in table.rows[-1].cells][1:] == ["合计", "1", str(paid.count), f"{paid.total:,.2f}"]
    assert doc.paragraphs[-1].text == "2026年3月2日" and doc.paragraphs[-2].text == "崂山区政策办"


def test_other_units_get_an_empty_report_and_another_year_is_empty(paid, cast, client_for):
    r = client_for(cast["outsider"]).get(reverse("policies_report_docx"), {"by": "clause"})
    doc = docx.Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "尚无已确认的免申即享兑付" in text and paid.clause.title not in "\n".join(c.text for c in doc.tables[0]._cells)
    doc = docx.Document(io.BytesIO(payout_totals_docx(user=cast["office"], by="clause", year=2025)))
    assert "尚无已确认" in "\n".join(p.text for p in doc.paragraphs)


def test_the_download_signs_with_the_users_unit(paid, cast, client_for):
    r = client_for(cast["liaison_dept"]).get(reverse("policies_report_docx"), {"by": "clause", "year": "2026"})
    doc = docx.Document(io.BytesIO(r.content))
    assert doc.paragraphs[2].text.startswith("区行政审批服务局\t")
    assert doc.tables[0].rows[1].cells[1].text == f"{paid.clause.code} {paid.clause.title}"
