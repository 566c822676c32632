"""项目推进情况通报 (Word, 公文 layout through documents.gongwen): the period's figures per district and the projects
behind plan. Read through the selectors, so a district office gets its own district's bulletin."""
from __future__ import annotations

from luoshi.core import clock
from luoshi.documents import gongwen

from luoshi.projects import figures, selectors
from luoshi.projects.models import Light
from luoshi.core.excel import workbook_new


def bulletin_docx(user, program, config, period: figures.Period) -> bytes:
    table = selectors.figure_table(user, program, config, "district", period)
    doc = gongwen.new_document(title=f"{program.name}推进情况通报")
    gongwen.add_para(doc, f"{program.name}推进情况通报（{period.label}）", font=gongwen.XIAOBIAOSONG, size=gongwen.TITLE_PT,
                     align=gongwen.WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    t = table["total"]

    def pct(v):
        return f"{v}%" if v is not None else "—"

    gongwen.add_para(doc, f"截至{period.label}末，纳入管理的重点项目 {t['projects']} 个。计划开工 {t['start_due']} 个，"
                          f"已开工 {t['start_met']} 个，开工率 {pct(t['start_rate'])}；计划投产 {t['produce_due']} 个，"
                          f"已投产 {t['produce_met']} 个，投产率 {pct(t['produce_rate'])}；本期新开工 {t['start_new']} 个、"
                          f"新投产 {t['produce_new']} 个；年度计划投资 {t['plan']} 万元，完成 {t['actual']} 万元，"
                          f"投资完成率 {pct(t['invest_rate'])}。黄灯项目 {t['yellow']} 个，红灯项目 {t['red']} 个。",
                     indent=True)
    rows = [(r["label"], r["projects"], r["start_due"], r["start_met"], pct(r["start_rate"]), r["produce_met"],
             pct(r["invest_rate"]), r["yellow"], r["red"]) for r in table["rows"]]
    widths = [30, 14, 16, 16, 16, 16, 18, 12, 12]  # mm
    names = ["区（市）", "项目数", "计划开工", "已开工", "开工率", "已投产", "投资完成率", "黄灯", "红灯"]
    gongwen.grid_table(doc, list(zip(names, widths)),
                       [tuple(str(x) for x in row) for row in rows], left=(0,))
    behind = list(selectors.project_list(user, program, selectors.ListFilter(light=Light.RED))[:50])
    if behind:
        gongwen.add_para(doc, "红灯项目（滞后于计划）", font=gongwen.HEITI, indent=True)
        for p in behind:
            gongwen.add_para(doc, f"{p.code} {p.name}：{p.light_reason}", indent=True)
    gongwen.signature(doc, program.owner_unit.name, gongwen.chinese_date(clock.today()))
    return gongwen.finish(doc)


def bulletin_xlsx(user, program, config, period: figures.Period) -> bytes:
    """The same bulletin as a workbook: the figures per district (and the total), then the projects behind plan."""
    import io

    from openpyxl.styles import Font

    table = selectors.figure_table(user, program, config, "district", period)
    wb = workbook_new()
    ws = wb.active
    ws.title = "分区市"
    ws.append([f"{program.name}推进情况通报（{period.label}）"])
    ws["A1"].font = Font(bold=True, size=14)
    head = ["区（市）", "项目数", "计划开工", "已开工", "开工率（%）", "新开工", "计划投产", "已投产", "投产率（%）", "新投产",
            "计划投资（万元）", "完成投资（万元）", "投资完成率（%）", "黄灯", "红灯"]
    ws.append(head)
    for c in ws[2]:
        c.font = Font(bold=True)

    def num(v):
        return float(v) if v is not None else None

    for r in table["rows"] + [table["total"]]:
        ws.append([r["label"], r["projects"], r["start_due"], r["start_met"], num(r["start_rate"]), r["start_new"],
                   r["produce_due"], r["produce_met"], num(r["produce_rate"]), r["produce_new"], num(r["plan"]),
                   num(r["actual"]), num(r["invest_rate"]), r["yellow"], r["red"]])
    behind = wb.create_sheet("滞后项目")
    behind.append(["项目编号", "项目名称", "状态", "原因"])
    for c in behind[1]:
        c.font = Font(bold=True)
    for p in selectors.project_list(user, program, selectors.ListFilter()).exclude(light__in=[Light.GREEN, Light.DONE]):
        behind.append([p.code, p.name, p.get_light_display(), p.light_reason])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
