"""Reading uploaded Excel files safely: size and type checked, errors located and in Chinese."""
from __future__ import annotations

import copy
import io
import re
import zipfile
from typing import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _, pgettext

from .files import human_size


@dataclass(frozen=True)
class CellError:
    """One problem in a file, located like an office worker would say it."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        # The location parts are joined without a separator (Chinese); a translation may begin a part
        # with ", " — the leading one is dropped.
        where = [pgettext("error location", "工作表“%(sheet)s”") % {"sheet": self.sheet}] if self.sheet else []
        if self.row:
            where.append(pgettext("error location", "第%(row)s行") % {"row": self.row})
        if self.column:
            where.append(pgettext("error location", "“%(column)s”列") % {"column": self.column})
        if not where:
            return str(self.message)
        return pgettext("error location", "%(where)s：%(message)s") % {
            "where": "".join(where).lstrip(", "), "message": self.message}


class ImportFailed(Exception):
    """The whole file was refused; nothing was written."""

    def __init__(self, errors: Sequence[CellError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors: Sequence[CellError] = errors


def open_workbook(data: bytes, *, name: str = "", read_only: bool = False):
    """Open an .xlsx from bytes or raise ImportFailed with a clear reason. `read_only` streams the rows
    (big matrices such as score imports); such a workbook has no merged-cell information."""
    import openpyxl

    if not data:
        raise ImportFailed([CellError("", None, None, _("文件%(name)s是空的。") % {"name": name})])
    if len(data) > settings.LUOSHI_IMPORT_MAX_BYTES:
        raise ImportFailed([CellError("", None, None, _("文件超过 %(limit)s，请拆分后再导入。")
                                      % {"limit": human_size(settings.LUOSHI_IMPORT_MAX_BYTES)})])
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFailed([CellError("", None, None, _("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入。"))])
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFailed([CellError("", None, None, _("文件不是 Excel（.xlsx）格式，或文件已损坏。"))])
    try:
        problems = unreadable_cells(data, merged=read_only)
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=read_only)
    except Exception:  # openpyxl raises many kinds of errors for damaged files
        raise ImportFailed([CellError("", None, None, _("无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式。"))])
    if problems:
        raise ImportFailed(problems)
    return wb


_SHEET = re.compile(rb'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]+)"')
_REL = re.compile(rb'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"|<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"')
_CELL = re.compile(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_MERGE = re.compile(rb'<mergeCell\b[^>]*?ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
MAX_CELL_PROBLEMS = 20


def unreadable_cells(data: bytes, *, merged: bool) -> list[CellError]:
    """Cells an import would read as blank although they are not: a formula whose result was never computed (a
    file written by a program, not saved by Excel), and with `merged`, merged cells below the title rows (only
    the top-left cell of a merged range holds the value; an import that reads cell by cell, such as a score
    matrix, would take the others as empty). Found in the sheets' XML, before openpyxl reads values."""
    out: list[CellError] = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        if "xl/workbook.xml" not in names:
            return out
        rels = {}
        if "xl/_rels/workbook.xml.rels" in names:
            for m in _REL.finditer(z.read("xl/_rels/workbook.xml.rels")):
                rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
                rels[rid] = target.decode().lstrip("/").removeprefix("xl/")
        for m in _SHEET.finditer(z.read("xl/workbook.xml")):
            sheet, path = m.group(1).decode("utf-8", "replace"), "xl/" + rels.get(m.group(2), "")
            if path not in names:
                continue
            xml = z.read(path)
            if b"<f" in xml:
                for cell in _CELL.finditer(xml):
                    body = cell.group(2) or b""
                    if b"<f" in body and not re.search(rb"<v>[^<]", body):
                        ref = _REF.search(cell.group(1))
                        if ref:
                            out.append(CellError(sheet, int(ref.group(2)), ref.group(1).decode(), _(
                                "这一格是公式，但文件里没有它的计算结果（文件不是由 Excel 保存的）。请用 Excel 打开并保存后再导入，"
                                "或把公式换成数值。")))
            if merged and b"<mergeCell" in xml:
                for mc in _MERGE.finditer(xml):
                    if int(mc.group(4)) > 2:  # a merged title in the first two rows is only a title
                        area = b"%s%s:%s%s" % (mc.group(1), mc.group(2), mc.group(3), mc.group(4))
                        out.append(CellError(sheet, int(mc.group(2)), mc.group(1).decode(), _(
                            "%(area)s 是合并单元格：导入逐格读取，合并后只有左上角一格有值。请取消合并，在每一格填写。")
                            % {"area": area.decode()}))
            if len(out) >= MAX_CELL_PROBLEMS:
                break
    return out[:MAX_CELL_PROBLEMS]


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").strip()


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


# ---- writing: every text is text --------------------------------------------------------------------------------
# A cell value that begins with "=" is written by openpyxl as a live formula, and Excel evaluates one beginning
# with "=", "+", "-" or "@" once someone edits it: text a citizen typed into the public form
# (=HYPERLINK("http://…")) would become a link or a calculation in the office's spreadsheet. Every workbook
# the project writes comes from `workbook_new`, whose sheets write every str value as a text cell (and mark
# the formula-looking ones with Excel's quote prefix, so editing them keeps them text); the value itself is
# unchanged, so the project's own import reads back exactly what was exported.
# `core/tests/test_excel_text.py` refuses a workbook created any other way.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(cell) -> None:
    """Make a cell holding a str a text cell (never a formula); other values are left as they are."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_START):
            cell._style = copy.copy(cell._style)  # a style array may be shared by a column's cells
            cell.quotePrefix = True


def _text_sheets():
    from openpyxl import Workbook
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
    from openpyxl.worksheet.worksheet import Worksheet

    class TextWorksheet(Worksheet):
        def cell(self, row, column, value=None):
            c = super().cell(row, column, value)
            if value is not None:
                as_text(c)
            return c

        def append(self, iterable):
            super().append(iterable)
            for c in self[self._current_row]:
                as_text(c)

    class TextWriteOnlyWorksheet(WriteOnlyWorksheet):
        def _values_to_row(self, values, row_idx):
            for c in super()._values_to_row(values, row_idx):
                as_text(c)
                yield c

    class TextWorkbook(Workbook):
        def __init__(self, write_only: bool = False):
            super().__init__(write_only=write_only)
            if not write_only:
                self._sheets = [TextWorksheet(self)]

        def create_sheet(self, title=None, index=None):
            ws = (TextWriteOnlyWorksheet if self.write_only else TextWorksheet)(parent=self, title=title)
            self._add_sheet(sheet=ws, index=index)
            return ws

    return TextWorkbook


_TextWorkbook = None


def workbook_new(*, write_only: bool = False):
    """A new openpyxl workbook whose sheets write every text as text (see above). The only way the project
    creates a workbook to write."""
    global _TextWorkbook
    if _TextWorkbook is None:
        _TextWorkbook = _text_sheets()
    return _TextWorkbook(write_only=write_only)


def text_cell(ws, value):
    """A styled cell for a write-only sheet (openpyxl's WriteOnlyCell), its text kept as text."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value)
    as_text(cell)
    return cell
