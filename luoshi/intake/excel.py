"""Batch import of requests received through other channels (12319, 市长信箱, 110 非警务 …) from an .xlsx,
and the empty template for it.

Columns (found by their header in the first rows, in any order): 渠道 (code or name), 外部编号 (the channel's
own number), 受理时间, 类别 (code or name), 诉求内容, 地址, 属地 (the 镇街), 诉求人, 联系电话, 匿名 (是/否).
Any other column whose header is the name (or code) of an 附加项 of the row's category fills it, e.g.
小区名称 for 物业服务.

Every row goes through services.request_check (the same checks as a request typed in by an operator) with
its own 受理时间, outside any transaction; then the rows are built (services.request_rows_prepare) and the whole
file is written set-based in one short transaction (services.request_write_many, ADR 0028), or nothing when any
row is wrong — then ImportFailed lists every problem with its sheet, row and column. A (渠道, 外部编号) pair already imported,
or twice in the file, is refused, so importing the same file twice creates nothing the second time.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from luoshi.core.excel import workbook_new
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.datetime import from_excel

from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.bulk import import_size_check
from luoshi.core.excel import CellError, ImportFailed, cell_text, open_workbook
from luoshi.core.journal import journal_record
from luoshi.core.permissions import require
from luoshi.org.models import Role, Unit
from luoshi.org.scopes import scope_for

from . import services
from .config import intake_settings
from .models import Channel, Request, ServiceCategory

__all__ = ["COLUMNS", "intake_import_xlsx", "intake_template_xlsx"]

# (header, width, note shown in the template)
COLUMNS = (
    ("渠道", 14, "渠道编码或名称，如 12319 或“12319 城建热线”"),
    ("外部编号", 18, "该渠道自己的工单编号；同一渠道内不能重复"),
    ("受理时间", 18, "如 2026-03-02 09:30；只写日期时按当天 0 时"),
    ("类别", 14, "派单目录的编码或名称，如 0101 或“路灯损坏”"),
    ("诉求内容", 50, "必填，最多 4000 字"),
    ("地址", 30, "可不填"),
    ("属地", 14, "镇街名称；不填时按地址中的镇街名判断"),
    ("诉求人", 10, "可不填"),
    ("联系电话", 16, "手机号或座机号，可不填"),
    ("匿名", 8, "是 / 否，不填为否"),
)
HEADERS = {
    "channel": ("渠道", "受理渠道", "来源渠道"),
    "external_id": ("外部编号", "原工单号", "原编号", "来源编号"),
    "received_at": ("受理时间", "来电时间", "来件时间", "登记时间"),
    "category": ("类别", "诉求类别", "问题类别", "派单目录"),
    "description": ("诉求内容", "来电内容", "问题描述", "内容"),
    "address": ("地址", "事发地址", "诉求地址"),
    "area": ("属地", "所属镇街", "镇街", "属地镇街"),
    "name": ("诉求人", "来电人", "姓名", "联系人"),
    "phone": ("联系电话", "电话", "手机号"),
    "anonymous": ("匿名", "是否匿名"),
}
REQUIRED = ("channel", "external_id", "received_at", "category", "description")
HEADER_ROWS = 10
HEADER_NOISE = re.compile(r"[\s*＊]|[（(]必填[）)]")
DATETIME_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                           r"(?:\s*T?\s*(\d{1,2})\s*[:：时点]\s*(\d{1,2})\s*分?(?:\s*[:：]?\s*(\d{1,2})\s*秒?)?)?$")
YES = {"是", "匿名", "y", "yes", "1", "true", "√"}
NO = {"", "否", "n", "no", "0", "false", "实名"}
# a service error's field → the column it is about
FIELD_COLUMN = {"description": "description", "address": "address", "name": "name", "phone": "phone",
                "email": "phone", "category": "category", "channel": "channel", "received_at": "received_at",
                "external_id": "external_id", "lat": "address", "kind": "category", "photos": "description"}


def _norm(value) -> str:
    return HEADER_NOISE.sub("", cell_text(value))


def _header_map(cells) -> tuple[dict[str, tuple[int, str]], dict[int, str]]:
    """(field → (0-based column, header as written), extra columns {index: header})."""
    lookup = {h: f for f, names in HEADERS.items() for h in names}
    found: dict[str, tuple[int, str]] = {}
    extra: dict[int, str] = {}
    for i, value in enumerate(cells):
        header = _norm(value)
        field = lookup.get(header)
        if field and field not in found:
            found[field] = (i, cell_text(value))
        elif header:
            extra[i] = header
    return found, extra


def _find_header(wb):
    for ws in wb.worksheets:
        for r, cells in enumerate(ws.iter_rows(min_row=1, max_row=HEADER_ROWS, values_only=True), 1):
            columns, extra = _header_map(cells)
            if all(f in columns for f in REQUIRED):
                return ws, r, columns, extra
    ws = wb.worksheets[0]
    best: dict = {}
    for cells in ws.iter_rows(min_row=1, max_row=HEADER_ROWS, values_only=True):
        columns, _extra = _header_map(cells)
        if len(columns) > len(best):
            best = columns
    missing = "、".join(f"“{HEADERS[f][0]}”" for f in REQUIRED if f not in best)
    raise ImportFailed([CellError(ws.title, None, None, _("前%(n)s行中找不到表头：表头须有%(missing)s列。")
                                  % {"n": HEADER_ROWS, "missing": missing})])


def parse_moment(value) -> dt.datetime | None:
    """A date/time cell, an Excel serial number, or text like 2026-03-02 09:30 / 2026年3月2日 9时30分 /
    2026/3/2; a date alone is 0:00 of that day (server time zone). Raises ValueError with the message."""
    if value is None or cell_text(value) == "":
        return None
    tz = timezone.get_current_timezone()
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, tz)
    if isinstance(value, dt.date):
        return timezone.make_aware(dt.datetime.combine(value, dt.time()), tz)
    if isinstance(value, (int, float)) and 20000 < value < 80000:
        return timezone.make_aware(from_excel(value), tz)
    text = cell_text(value)
    m = DATETIME_TEXT.match(text)
    if m:
        y, mo, d, h, mi, sec = (int(g) if g else 0 for g in m.groups())
        try:
            return timezone.make_aware(dt.datetime(y, mo, d, h, mi, sec), tz)
        except ValueError:
            pass
    raise ValueError(_("“%(v)s”不是有效的时间，请写成 2026-03-02 09:30") % {"v": text})


class _Lookup:
    """Channels, categories and 镇街 by code or name (one query each for the whole file)."""

    def __init__(self, centre: Unit | None):
        self.channels: dict[str, list[Channel]] = {}
        for c in Channel.objects.all():
            for key in {c.code, c.name}:
                self.channels.setdefault(key, []).append(c)
        self.categories: dict[str, list[ServiceCategory]] = {}
        for c in ServiceCategory.objects.all():
            for key in {c.code, c.name, f"{c.group}/{c.name}"}:
                self.categories.setdefault(key, []).append(c)
        self.areas: dict[str, list[Unit]] = {}
        units = Unit.objects.filter(is_active=True)
        if centre is not None:
            units = units.filter(path__within=[centre.path]).exclude(pk=centre.pk)
        for u in units.only("id", "name", "short_name", "path", "kind"):
            for key in {u.name, u.short_name}:
                if key:
                    self.areas.setdefault(key, []).append(u)

    @staticmethod
    def _one(table: dict, text: str):
        found = table.get(text) or []
        if not found and text.isdigit():  # Excel turned "0101" into 101
            found = [v for k, vs in table.items() if k.isdigit() and k.lstrip("0") == text.lstrip("0") for v in vs]
        unique = list({v.pk: v for v in found}.values())
        return unique

    def channel(self, text: str):
        found = self._one(self.channels, text)
        if not found:
            raise ValueError(_("没有渠道“%(v)s”（填渠道编码或名称）") % {"v": text})
        if len(found) > 1:
            raise ValueError(_("渠道“%(v)s”不唯一，请填渠道编码") % {"v": text})
        return found[0]

    def category(self, text: str):
        found = self._one(self.categories, text.replace(" / ", "/"))
        if not found:
            raise ValueError(_("派单目录中没有类别“%(v)s”（填类别编码或名称）") % {"v": text})
        if len(found) > 1:
            raise ValueError(_("类别“%(v)s”不唯一，请填类别编码") % {"v": text})
        return found[0]

    def area(self, text: str):
        found = self.areas.get(text) or []
        if len(found) != 1:
            for suffix in ("街道", "镇"):  # "夏庄" for 夏庄街道
                found = found or self.areas.get(text + suffix) or []
        if not found:
            raise ValueError(_("受理中心辖区内没有镇街“%(v)s”") % {"v": text})
        if len(found) > 1:
            raise ValueError(_("“%(v)s”对应多个单位，请写全称") % {"v": text})
        return found[0]


def _check_importer(by) -> None:
    if by is None:
        return  # the operator at the server's command line
    scope = scope_for(by)
    centre = intake_settings().centre
    require(scope.is_admin or (centre is not None and scope.covers(centre.path, Role.DISPATCHER)),
            _("只有受理中心的受理派单员可以批量导入诉求。"))


def intake_import_xlsx(*, by, data: bytes, dry_run: bool = False, filename: str = "") -> dict:
    """Import the requests of an .xlsx; all rows or none. Returns {"rows", "created", "dry_run",
    "by_channel", "ids"}; raises ImportFailed listing every problem."""
    _check_importer(by)
    wb = open_workbook(data, name=filename)
    ws, header_row, columns, extra = _find_header(wb)
    centre = intake_settings().centre
    lookup = _Lookup(centre)
    now = clock.now()
    errors: list[CellError] = []
    checked: list = []
    seen: dict[tuple[int, str], int] = {}

    def err(row: int, field: str | None, message: str) -> None:
        errors.append(CellError(ws.title, row, columns[field][1] if field in columns else None, message))

    # 1. every row is checked outside any transaction (no write lock is held meanwhile; a web write beside a
    #    10,000-row import does not wait for the checking) …
    rows = 0
    for r, cells in enumerate(ws.iter_rows(min_row=header_row + 1, values_only=True), header_row + 1):
        raw = {f: (cells[i] if i < len(cells) else None) for f, (i, _h) in columns.items()}
        text = {f: cell_text(v) for f, v in raw.items()}
        extras = {h: cell_text(cells[i]) for i, h in extra.items() if i < len(cells) and cell_text(cells[i])}
        if not any(text.values()) and not extras:
            continue
        rows += 1
        before = len(errors)
        channel = category = area = received = None
        for field, label in (("channel", _("渠道")), ("external_id", _("外部编号")),
                             ("received_at", _("受理时间")), ("category", _("类别")),
                             ("description", _("诉求内容"))):
            if not text.get(field):
                err(r, field, _("请填写%(label)s") % {"label": label})
        if text.get("channel"):
            try:
                channel = lookup.channel(text["channel"])
            except ValueError as e:
                err(r, "channel", str(e))
        if text.get("category"):
            try:
                category = lookup.category(text["category"])
            except ValueError as e:
                err(r, "category", str(e))
        if text.get("area"):
            try:
                area = lookup.area(text["area"])
            except ValueError as e:
                err(r, "area", str(e))
        try:
            received = parse_moment(raw.get("received_at"))
        except ValueError as e:
            err(r, "received_at", str(e))
        anonymous = text.get("anonymous", "").lower()
        if anonymous not in YES | NO:
            err(r, "anonymous", _("“%(v)s”应为“是”或“否”") % {"v": text["anonymous"]})
        external_id = text.get("external_id", "")
        if channel is not None and external_id:
            key = (channel.pk, external_id)
            if key in seen:
                err(r, "external_id", _("%(channel)s的外部编号“%(id)s”与第%(row)s行重复")
                    % {"channel": channel.name, "id": external_id, "row": seen[key]})
            seen.setdefault(key, r)
        if len(errors) > before:
            continue
        attributes = {}
        for attr in category.attributes or []:
            value = extras.get(_norm(attr.get("description"))) or extras.get(attr["code"])
            if value:
                attributes[attr["code"]] = value
        item = services.RequestInput(
            category=category, channel=channel, description=text.get("description", ""),
            address=text.get("address", ""), area=area, name=text.get("name", ""),
            phone=text.get("phone", ""), anonymous=anonymous in YES, attributes=attributes,
            external_id=external_id, received_at=received)
        try:
            checked.append(services.request_check(data=item))
        except PermissionDeniedError:
            raise
        except ServiceError as e:
            field = e.field or ""
            if field.startswith("attribute"):
                err(r, "category", e.message.rstrip("。"))
            else:
                err(r, FIELD_COLUMN.get(field, "description"), e.message.rstrip("。"))
    # (渠道, 外部编号) already imported: one query per 500 numbers rather than one per row
    channels = {c.pk: c for c in Channel.objects.filter(pk__in={k[0] for k in seen})}
    for channel_id in channels:
        numbers = sorted(k[1] for k in seen if k[0] == channel_id)
        for i in range(0, len(numbers), 500):
            for external_id in (Request.objects.filter(channel_id=channel_id, external_id__in=numbers[i:i + 500])
                                .values_list("external_id", flat=True).distinct()):
                err(seen[(channel_id, external_id)], "external_id", _("%(channel)s的外部编号“%(id)s”已导入过")
                    % {"channel": channels[channel_id].name, "id": external_id})
    errors.sort(key=lambda e: e.row or 0)  # stable: a row's problems stay in column order
    if not rows and not errors:
        errors.append(CellError(ws.title, None, None, _("表头下面没有诉求行。")))
    import_size_check(rows, sheet=ws.title)
    if errors:
        raise ImportFailed(errors)
    by_channel = dict(Counter(c.data.channel.code for c in checked))
    if dry_run:
        return {"rows": len(checked), "created": 0, "dry_run": True, "by_channel": by_channel, "ids": []}
    # 2. … then written set-based in one short transaction, all rows or none (ADR 0028)
    prepared = services.request_rows_prepare(checked=checked, by=by)
    with transaction.atomic():
        created = services.request_write_many(prepared=prepared)
        journal_record(actor=by, verb="request.import", obj=intake_settings(),
                       changes={"source_file": filename or "Excel", "sheet": ws.title, "rows": len(created),
                                "by_channel": by_channel, "at": now},
                       scope_path=centre.path if centre else "")
    return {"rows": len(created), "created": len(created), "dry_run": False, "by_channel": by_channel,
            "ids": created}


def intake_template_xlsx() -> bytes:
    """The empty import sheet (headers, each with a note on how to fill it) and a second sheet listing the channels and
    the categories with their codes, for a page to offer as a download."""
    from openpyxl.comments import Comment

    wb = workbook_new()
    ws = wb.active
    ws.title = "诉求导入"
    head_font, fill = Font(name="黑体", size=11, bold=True), PatternFill("solid", fgColor="D9E1F2")
    for i, (name, width, note) in enumerate(COLUMNS, 1):
        cell = ws.cell(row=1, column=i, value=name)
        cell.font, cell.fill = head_font, fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.comment = Comment(note, "luoshi")  # how to fill the column, on the header itself
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"
    ref = wb.create_sheet("代码表")
    ref.append(["渠道编码", "渠道名称", "", "类别编码", "大类", "类别名称", "办理时限（工作日）", "附加项（可加列填写）"])
    channels = list(Channel.objects.filter(is_active=True).values_list("code", "name"))
    categories = list(ServiceCategory.objects.filter(is_active=True).values_list(
        "code", "group", "name", "limit_days", "attributes"))
    for i in range(max(len(channels), len(categories))):
        ch = channels[i] if i < len(channels) else ("", "")
        cat = categories[i] if i < len(categories) else ("", "", "", None, [])
        attrs = "、".join(a["description"] + ("（必填）" if a.get("required") else "") for a in cat[4] or [])
        ref.append([ch[0], ch[1], "", cat[0], cat[1], cat[2], cat[3], attrs])
    for col, width in zip("ABCDEFGH", (12, 18, 2, 10, 12, 14, 10, 30)):
        ref.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
