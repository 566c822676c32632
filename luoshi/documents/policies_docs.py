"""惠企政策免申即享兑现情况 as a Word 公文 (GB/T 9704, the 版头 with the red rule from gongwen.masthead, as the
other bulletins): the totals of confirmed 免申即享 payouts per clause, theme, district or year, over the batches
the user may see (the batches' maintained figures, as the page and the Excel file)."""
from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from luoshi.core import clock
from luoshi.policies import selectors

from .gongwen import HEITI, TABLE_PT, add_para, chinese_date, finish, grid_table, masthead, signature, single_spaced

LABELS = {"clause": "政策条款", "theme": "政策主题", "district": "区域", "year": "年度"}
DEFAULT_OFFICE = "惠企政策兑现工作专班"


def payout_totals_docx(*, user, by: str, year: int | None, office: str = "") -> bytes:
    rows = selectors.payout_totals(user=user, by=by, year=year)
    total = sum((r["total"] for r in rows), Decimal(0))
    payouts = sum(r["payouts"] for r in rows)
    batches = sum(r["batches"] for r in rows)
    enterprises = selectors.payout_enterprise_count(user=user, year=year)
    today = clock.today()
    office = office.strip() or DEFAULT_OFFICE
    label = LABELS.get(by, LABELS["clause"])
    with translation.override(None):
        doc = masthead(title="惠企政策免申即享兑现情况", issue_text=f"{year}年度" if year else f"截至{chinese_date(today)}",
                       office=office, date_text=chinese_date(today))
        add_para(doc, "一、总体情况", font=HEITI, outline=0)
        scope_text = f"{year}年" if year else f"截至{chinese_date(today)}"
        if payouts:
            add_para(doc, f"{scope_text}，通过免申即享方式兑现惠企政策资金{total:,.2f}元，共{batches}个批次、{payouts}笔，"
                          f"惠及企业{enterprises}家，企业无需申报。")
        else:
            add_para(doc, f"{scope_text}，尚无已确认的免申即享兑付。")
        add_para(doc, f"二、按{label}汇总", font=HEITI, outline=0)
        columns = (("序号", 14), (label, 70), ("批次数", 20), ("兑付笔数", 20), ("金额（元）", 32))
        table = [(i, r["label"], r["batches"], r["payouts"], f"{r['total']:,.2f}") for i, r in enumerate(rows, 1)]
        table.append(("", "合计", batches, payouts, f"{total:,.2f}"))
        grid_table(doc, columns, table, left=(1,))
        note = add_para(doc, "注：统计已确认的免申即享兑现批次；兑付金额按各批次确认时的条款版本和企业画像计算。",
                        size=TABLE_PT, indent=False)
        single_spaced(note)
        signature(doc, office, chinese_date(today))
        return finish(doc)
