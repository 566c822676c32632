"""Reading uploaded Excel files safely: size and type checked, errors located and in Chinese."""
from __future__ import annotations

import io
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
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=read_only)
    except Exception:  # openpyxl raises many kinds of errors for damaged files
        raise ImportFailed([CellError("", None, None, _("无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式。"))])


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").strip()


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)
