"""Building .xlsx bytes for import tests, laid out the way offices really write their sheets.

``office_sheet(rows)`` gives a title row merged across, a subtitle row, the header row and then the
rows: a plain string is a category row ("一、助企服务") merged across all columns; a list is a task row
by position (序号, 任务内容, 具体措施/目标, 牵头单位, 配合单位, 责任领导, 完成时限, 备注); a dict is a task row
by header text. Values are written as they are, so a ``datetime`` makes a date-typed cell.

Sheet row numbers: title = 1, subtitle = 2, header = 3, first data row = 4 (one less without a subtitle).
"""
from __future__ import annotations

import io
from typing import Iterable

from openpyxl import Workbook

HEADER = ["序号", "任务内容", "具体措施/目标", "牵头单位", "配合单位", "责任领导", "完成时限", "备注"]
TITLE = "2026年崂山区助企服务工作要点任务分解表"
SUBTITLE = "区委办公室 2026年1月"


def task(number="", title="", measures="", lead="", coop="", leaders="", deadline="", note="") -> list:
    """A task row by name, in the order of HEADER."""
    return [number, title, measures, lead, coop, leaders, deadline, note]


def office_sheet(rows: Iterable, *, title: str | None = TITLE, subtitle: str | None = SUBTITLE,
                 header: list[str] | None = None, merge_categories: bool = True,
                 merge_number_rows: Iterable[tuple[int, int]] | None = None, sheet_title: str = "Sheet1") -> bytes:
    """The bytes of an office task sheet. ``merge_number_rows``: (first_row, last_row) sheet-row ranges whose
    序号 cells are merged vertically (a task with sub-items in the rows under it)."""
    header = list(HEADER if header is None else header)
    width = len(header)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    if title is not None:
        ws.append([title])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
    if subtitle is not None:
        ws.append([subtitle])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
    ws.append(header)
    for row in rows:
        if isinstance(row, str):
            ws.append([row])
            if merge_categories:
                ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
        elif isinstance(row, dict):
            ws.append([row.get(h, None) for h in header])
        else:
            values = list(row) + [None] * (width - len(row))
            r = ws.max_row + 1
            for c, v in enumerate(values[:width], 1):
                if v is not None and v != "":
                    ws.cell(row=r, column=c, value=v)
            if not any(v not in (None, "") for v in values):
                ws.cell(row=r, column=1, value=None)
    number_col = header.index("序号") + 1 if "序号" in header else 1
    for first, last in merge_number_rows or ():
        ws.merge_cells(start_row=first, start_column=number_col, end_row=last, end_column=number_col)
    return save(wb)


def plain_sheet(rows: Iterable[Iterable], *, sheet_title: str = "Sheet1") -> bytes:
    """A workbook with the rows written as they are (e.g. a units sheet)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    for row in rows:
        ws.append(list(row))
    return save(wb)


def empty_workbook() -> bytes:
    return save(Workbook())


def save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def load(data: bytes):
    """The first worksheet of the bytes, for checking exported files."""
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(data)).worksheets[0]
