"""Excel out of 惠企政策: the import templates, a batch's list, the totals. (The Word 公文 of the totals is
in documents/policies_docs.py, the layer that owns 公文 layout.)"""
from __future__ import annotations

import io

from .services import CLAUSE_COLUMNS, ENTERPRISE_COLUMNS
from luoshi.core.excel import workbook_new

EXAMPLE_CLAUSE = {
    "条款编号": "CY-KJ-001", "文件名": "城阳区支持科技创新发展若干政策（示例）", "文号": "城政发〔2026〕1号",
    "发文单位": "城阳区人民政府", "适用区域": "城阳区", "有效期起": "2026-01-01", "有效期止": "2028-12-31",
    "条款名称": "研发投入奖励", "主题": "科技创新", "标签": "研发投入", "申报类型": "奖励类", "享受对象": "区内规上工业企业",
    "享受条件": "上年营业收入2000万元以上，研发投入占比3%以上，无失信记录", "条件规则": "注册地 = 城阳区\n上年营业收入 >= 2000万元\n研发投入占比 >= 3%\n失信 = 否",
    "金额规则": "比例 研发投入 10% 封顶 100万元", "申报流程": "免申即享：区科技局按统计数据计算名单，企业无需申报",
    "责任单位": "区发展和改革局", "责任人": "张敏", "联系电话": "0532-87860000", "受理开始": "", "受理截止": "", "免申即享": "是",
}


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet(title: str, header: list[str], rows: list[list]) -> bytes:
    from openpyxl.styles import Alignment, Font

    wb = workbook_new()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    for i, _h in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = 18
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    return _save(wb)


def clauses_template_xlsx() -> bytes:
    header = [h for _k, h, _r in CLAUSE_COLUMNS]
    return _sheet("政策条款", header, [[EXAMPLE_CLAUSE.get(h, "") for h in header]])


def enterprises_template_xlsx() -> bytes:
    header = [h for _k, h, _r in ENTERPRISE_COLUMNS]
    example = {"统一社会信用代码": "91370214MA3C00000X", "企业名称": "青岛示例科技有限公司", "所在区域": "城阳街道",
               "数据日期": "2026-01-31", "注册地": "城阳区", "行业": "高端装备", "企业规模": "小型", "上年营业收入": "3500万元",
               "研发投入": "150万元", "研发投入占比": "4.3%", "从业人数": 120, "资质": "专精特新、高新技术企业", "失信": "否"}
    return _sheet("企业画像", header, [[example.get(h, "") for h in header]])


def batch_xlsx(batch, lines) -> bytes:
    header = ["序号", "企业名称", "统一社会信用代码", "金额（元）", "计算依据", "是否兑付", "条件核对", "画像版本"]
    rows = []
    for i, x in enumerate(lines, 1):
        checks = "\n".join(f"{'✓' if o['status'] == 'pass' else '待审核' if o['status'] == 'review' else '✗'} {o['line']}"
                           f"{'（' + o['actual'] + '）' if o['actual'] else ''}" for o in x.explanation)
        rows.append([i, x.enterprise.name, x.enterprise.credit_code, float(x.amount), x.amount_why,
                     "否" if x.excluded else "是", checks, x.profile_version])
    return _sheet(f"{batch.clause.code}"[:31], header, rows)


def totals_xlsx(rows: list[dict], by: str) -> bytes:
    label = {"clause": "条款", "theme": "主题", "district": "区域", "year": "年度"}.get(by, "条款")
    data = [[r["label"], r["batches"], r["payouts"], float(r["total"])] for r in rows]
    data.append(["合计", "", sum(r["payouts"] for r in rows), float(sum((r["total"] for r in rows), 0))])
    return _sheet("兑现汇总", [label, "批次数", "兑付笔数", "兑付金额（元）"], data)

