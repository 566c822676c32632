"""惠企政策兑现情况 as a Word 公文 (GB/T 9704 layout from gongwen): the totals of 免申即享 payouts per
clause, theme, district or year, over the batches the user may see."""
from __future__ import annotations

from decimal import Decimal

from django.utils import translation
from docx.enum.text import WD_ALIGN_PARAGRAPH

from luoshi.core import clock
from luoshi.policies import selectors

from .gongwen import TITLE_PT, XIAOBIAOSONG, add_para, chinese_date, finish, grid_table, new_document, signature

LABELS = {"clause": "政策条款", "theme": "政策主题", "district": "区域", "year": "年度"}


def payout_totals_docx(*, user, by: str, year: int | None, office: str = "") -> bytes:
    rows = selectors.payout_totals(user=user, by=by, year=year)
    total = sum((r["total"] for r in rows), Decimal(0))
    today = clock.today()
    with translation.override(None):
        doc = new_document(title="惠企政策免申即享兑现情况", author=office)
        add_para(doc, "惠企政策免申即享兑现情况", font=XIAOBIAOSONG, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER,
                 indent=False)
        add_para(doc, indent=False)
        scope_text = f"{year}年" if year else "截至" + chinese_date(today)
        add_para(doc, f"{scope_text}，通过免申即享方式兑现惠企政策资金{total:,.2f}元，涉及"
                      f"{sum(r['payouts'] for r in rows)}笔。按{LABELS.get(by, '政策条款')}汇总如下。")
        columns = (("序号", 14), (LABELS.get(by, "政策条款"), 70), ("批次数", 20), ("兑付笔数", 20), ("金额（元）", 32))
        table = [(i, r["label"], r["batches"], r["payouts"], f"{r['total']:,.2f}") for i, r in enumerate(rows, 1)]
        table.append(("", "合计", "", sum(r["payouts"] for r in rows), f"{total:,.2f}"))
        grid_table(doc, columns, table, left=(1,))
        add_para(doc, indent=False)
        signature(doc, office or "惠企政策兑现工作专班", chinese_date(today))
        return finish(doc)
