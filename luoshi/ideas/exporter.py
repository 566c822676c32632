"""The idea list as Excel (openpyxl): one row per idea with its expert scores per criterion and the outcome.
The submitter's name, phone, e-mail and organisation are written only when `personal` is true (the office
of the owner unit); anyone else gets the sheet without them."""
from __future__ import annotations

import io
from decimal import Decimal

from luoshi.core.excel import workbook_new
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from luoshi.core import clock

from .models import Campaign, Decision, ExpertScore, IdeaState, SourceKind

BASE = [("编号", 10), ("标题", 30), ("征集领域", 10), ("建议人类别", 10), ("省份", 10), ("城市", 10), ("提交时间", 17),
        ("状态", 10), ("得分", 8), ("评分专家数", 8), ("处理结果", 9), ("答复", 40), ("奖项", 8), ("转化任务", 24)]
PERSONAL = [("姓名", 10), ("联系电话", 14), ("电子邮箱", 20), ("工作单位", 20)]


def ideas_xlsx(*, campaign: Campaign, ideas, personal: bool) -> bytes:
    """`ideas` is already scoped by the caller (selectors.ideas_for)."""
    ideas = list(ideas.select_related("task"))
    criteria = campaign.criteria
    # mean per criterion over the experts' scores, for the office's own analysis
    sums: dict[int, dict[str, list[Decimal]]] = {}
    for s in ExpertScore.objects.filter(idea__in=[i.pk for i in ideas]).only("idea_id", "points"):
        for code, value in s.points.items():
            sums.setdefault(s.idea_id, {}).setdefault(code, []).append(Decimal(value))
    columns = BASE + [(f"{c['name']}（均分/{c['max']}）", 10) for c in criteria] + (PERSONAL if personal else [])
    wb = workbook_new()
    ws = wb.active
    ws.title = "金点子"
    ws.append([campaign.name + " · 建议汇总表"])
    ws["A1"].font = Font(size=14, bold=True)
    ws.append([f"导出时间：{clock.localtime(clock.now()):%Y-%m-%d %H:%M}" + ("" if personal else "（不含建议人个人信息）")])
    ws.append([name for name, _w in columns])
    for col, (_name, width) in enumerate(columns, 1):
        cell = ws.cell(row=3, column=col)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(col)].width = width
    states, decisions, sources = dict(IdeaState.choices), dict(Decision.choices), dict(SourceKind.choices)
    for i in ideas:
        means = []
        for c in criteria:
            values = sums.get(i.pk, {}).get(c["code"], [])
            means.append(float(sum(values) / len(values)) if values else None)
        row = [i.number, i.title, i.topic, str(sources.get(i.source_kind, i.source_kind)), i.province, i.city,
               clock.localtime(i.submitted_at).strftime("%Y-%m-%d %H:%M"), str(states.get(i.state, i.state)),
               float(i.score) if i.score is not None else None, i.score_count,
               str(decisions.get(i.decision, "")) if i.decision else "", i.reply,
               campaign.award_name(i.award) if i.award else "", f"{i.task.code} {i.task.title}" if i.task_id else ""]
        row += means
        if personal:
            row += [i.submitter_name, i.submitter_phone, i.submitter_email, i.submitter_org]
        ws.append(row)
    ws.freeze_panes = "C4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
