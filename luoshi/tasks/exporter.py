"""Writing a task list back to Excel in the layout offices use, so a sheet can be round-tripped:
title and subtitle rows, a header row, category rows merged across, tasks with their 序号 as written."""
from __future__ import annotations

import io

from luoshi.core.excel import workbook_new
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from luoshi.programs.models import Program

from .models import Task

COLUMNS = [("序号", 7), ("任务内容", 36), ("具体措施/目标", 44), ("牵头单位", 18), ("配合单位", 22), ("责任领导", 11),
           ("完成时限", 14), ("备注", 12), ("标签", 12), ("当前状态", 9), ("进度", 7)]
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")


def tasks_export_xlsx(*, program: Program, tasks) -> bytes:
    """`tasks` is already scoped by the caller (selectors.task_list)."""
    wb = workbook_new()
    ws = wb.active
    ws.title = "任务清单"
    width = len(COLUMNS)
    ws.append([program.sheet_title or program.name])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(name="方正小标宋简体", size=18)
    ws["A1"].alignment = CENTER
    ws.row_dimensions[1].height = 36
    row = 2
    if program.sheet_subtitle:
        ws.append([program.sheet_subtitle])
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
        ws["A2"].font = Font(name="楷体_GB2312", size=12)
        ws["A2"].alignment = CENTER
        row = 3
    ws.append([name for name, _ in COLUMNS])
    header_row = row
    for col, (_, w) in enumerate(COLUMNS, 1):
        cell = ws.cell(row=header_row, column=col)
        cell.font = Font(name="黑体", size=11, bold=True)
        cell.alignment = CENTER
        cell.border = BORDER
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        ws.column_dimensions[get_column_letter(col)].width = w
    category = None
    for task in tasks.order_by("sort_order", "id").prefetch_related("tags"):
        if task.category != category and task.parent_id is None:
            category = task.category
            if category:
                ws.append([category])
                r = ws.max_row
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
                ws.cell(row=r, column=1).font = Font(name="黑体", size=11, bold=True)
                ws.cell(row=r, column=1).alignment = Alignment(vertical="center")
                for col in range(1, width + 1):
                    ws.cell(row=r, column=col).border = BORDER
        ws.append([task.number or task.code, task.title, task.measures, task.lead_units_text, task.coop_units_text,
                   task.leaders_text, task.deadline_phrase, task.note, "、".join(sorted(t.name for t in task.tags.all())),
                   task.get_status_display(), f"{task.progress}%"])
        r = ws.max_row
        for col in range(1, width + 1):
            cell = ws.cell(row=r, column=col)
            cell.border = BORDER
            cell.alignment = CENTER if col in (1, 6, 7, 10, 11) else WRAP
            cell.font = Font(name="仿宋_GB2312", size=11)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


__all__ = ["tasks_export_xlsx", "Task"]
