"""Excel of procedures: the case list (one row per case: where it stands, its fields, its amounts) and the imports
of existing cases and of registered institutions — each file validated whole first, written all or nothing, every
problem named by sheet, row and column."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from luoshi.core.excel import workbook_new
from openpyxl.styles import Font, PatternFill

from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.excel import CellError, ImportFailed, cell_text, column_letter, open_workbook
from luoshi.org.models import Role, Unit
from luoshi.org.resolve import unit_named
from luoshi.org.scopes import scope_for

from .models import Definition
from .selectors import case_rows
from .calc import amounts_compute
from .services import DONE, can_manage_institutions, case_start, field_value, institution_create


def cases_xlsx(*, definition: Definition, cases) -> bytes:
    spec = definition.parsed()
    cases = list(cases)
    rows = {r["pk"]: r for r in case_rows(cases)}
    base = [_("编号"), _("名称"), _("申请单位"), _("镇街"), _("状态"), _("当前环节"), _("已等待（天）"), _("时限"), _("发起日期")]
    fields = [f for f in spec.fields]
    amounts = list(spec.amounts)
    wb = workbook_new()
    ws = wb.active
    ws.title = definition.name[:31]
    ws.append([f"{definition.name}（第{definition.version}版）办件表"])
    ws["A1"].font = Font(size=14, bold=True)
    ws.append([_("导出时间：%(t)s") % {"t": f"{clock.localtime(clock.now()):%Y-%m-%d %H:%M}"}])
    ws.append(base + [f.label for f in fields] + [a.label for a in amounts])
    for col in range(1, ws.max_column + 1):
        ws.cell(row=3, column=col).font = Font(bold=True)
        ws.cell(row=3, column=col).fill = PatternFill("solid", fgColor="D9E1F2")
    for c in cases:
        r = rows[c.pk]
        line = [c.number, c.title, r["unit"], r["town"], r["state_label"], r["position"], r["waited"], r["due"], r["started"]]
        for f in fields:
            v = c.fields.get(f.code)
            if v is not None and f.type in ("decimal", "money"):
                v = Decimal(v)
            elif v is not None and f.type == "choice":
                v = f.choices.get(v, v)
            line.append(v)
        got = {a["code"]: a for a in c.amounts}
        for a in amounts:
            line.append(Decimal(got[a.code]["value"]) if a.code in got else None)
        ws.append(line)
    ws.freeze_panes = "C4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rows(data: bytes, name: str, required: list[str]):
    wb = open_workbook(data, name=name)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        raise ImportFailed([CellError(ws.title, None, None, _("工作表是空的。"))])
    header = [cell_text(v) for v in rows[0]]
    missing = [h for h in required if h not in header]
    if missing:
        raise ImportFailed([CellError(ws.title, 1, None, _("缺少列：%(cols)s。") % {"cols": "、".join(missing)})])
    return ws.title, header, [(i, list(r)) for i, r in enumerate(rows[1:], start=2)
                              if any(cell_text(v) for v in r)]


def cases_import_xlsx(*, by, definition: Definition, data: bytes, name: str = "") -> list:
    """Each row a case: 名称, 申请单位 (the unit's name or path) and the start fields by label; an optional 当前环节
    (a step's name) for a case already under way. All rows or none."""
    require_office = scope_for(by).covers(definition.owner_path, Role.OFFICE)
    if not require_office:
        raise PermissionDeniedError(_("只有主管单位的办公室可以导入办件。"))
    spec = definition.parsed()
    start = spec.start_fields()
    sheet, header, rows = _rows(data, name, [_("名称"), _("申请单位")] + [f.label for f in start])
    col = {h: i for i, h in enumerate(header)}
    steps = {s.name: s.code for s in spec.steps} | {_("已办结"): DONE}
    codes = [s.code for s in spec.steps]
    later = [f for f in spec.fields if f.at is not None and f.label in col]  # e.g. 成交价款 of a parcel sold
    errors: list[CellError] = []
    planned = []
    for n, row in rows:
        def cell(label):
            i = col.get(label)
            return row[i] if i is not None and i < len(row) else None

        def err(label, message):
            errors.append(CellError(sheet, n, f"{column_letter(col[label] + 1)}（{label}）" if label in col else label,
                                    message))

        title = cell_text(cell(_("名称")))
        if not title:
            err(_("名称"), _("请填写名称。"))
        unit_text = cell_text(cell(_("申请单位")))
        unit = unit_named(unit_text, region=definition.owner_unit) if unit_text else None
        if unit is None:
            err(_("申请单位"), _("找不到单位“%(name)s”。") % {"name": unit_text})
        fields = {}
        for f in start:
            raw = cell(f.label)
            if isinstance(raw, float) and raw.is_integer():
                raw = int(raw)
            fields[f.code] = raw.date().isoformat() if isinstance(raw, dt.datetime) else raw
        for f in start:
            try:
                field_value(f, fields[f.code])
            except ServiceError as e:
                err(f.label, e.message)
        at_step = None
        step_name = cell_text(cell(_("当前环节"))) if _("当前环节") in col else ""
        if step_name:
            at_step = steps.get(step_name)
            if at_step is None:
                err(_("当前环节"), _("没有名为“%(s)s”的环节。可选：%(all)s") % {"s": step_name, "all": "、".join(steps)})
        reached = len(codes) if at_step == DONE else codes.index(spec.opened_with(at_step)[0]) if at_step else 0
        for f in later:
            raw = cell(f.label)
            if isinstance(raw, float) and raw.is_integer():
                raw = int(raw)
            if cell_text(raw) == "":
                continue
            if codes.index(f.at) >= reached:  # type: ignore[arg-type]
                err(f.label, _("办件尚未办到“%(step)s”，不能填写“%(label)s”。") % {"step": spec.step(f.at).name,  # type: ignore[arg-type]
                                                                             "label": f.label})
                continue
            fields[f.code] = raw.date().isoformat() if isinstance(raw, dt.datetime) else raw
            try:
                field_value(f, fields[f.code])
            except ServiceError as e:
                err(f.label, e.message)
        if title and unit is not None and at_step and not any(e.row == n for e in errors):
            try:  # the amounts of a sale imported past 成交确认: a missing price or negative share is this row's error
                passed = codes[:reached]
                if spec.amounts and any(spec.step(c).compute for c in passed):
                    amounts_compute(spec, {f.code: field_value(f, fields.get(f.code)) for f in spec.fields
                                           if f.code in fields and (f.at is None or f.at in passed)})
            except ServiceError as e:
                label = spec.field(e.field).label if e.field and spec.field(e.field) else _("当前环节")  # type: ignore[union-attr]
                err(label, e.message)
        planned.append((n, title, unit, fields, at_step))
    if errors:
        raise ImportFailed(errors)
    created = []
    with transaction.atomic():
        for n, title, unit, fields, at_step in planned:
            try:
                created.append(case_start(by=by, definition=definition, unit=unit, title=title, fields=fields,
                                          at_step=at_step))
            except ServiceError as e:
                raise ImportFailed([CellError(sheet, n, e.field, e.message)]) from None
    return created


INSTITUTION_LABELS = {"name": "机构名称", "field": "领域", "cert_number": "法人证书号", "cert_issued": "证书起始日",
                      "cert_expires": "证书到期日", "last_operation_on": "最近运行日期"}  # institution_create's fields
INSTITUTION_COLUMNS = ["机构名称", "领域", "举办单位", "登记管理机关", "法人证书号", "证书起始日", "证书到期日", "最近运行日期"]


def institutions_import_xlsx(*, by, data: bytes, name: str = "", region: Unit) -> list:
    sheet, header, rows = _rows(data, name, [c for c in INSTITUTION_COLUMNS if c not in ("领域", "法人证书号")])
    col = {h: i for i, h in enumerate(header)}
    errors: list[CellError] = []
    planned = []
    seen: dict[str, int] = {}
    for n, row in rows:
        def cell(label):
            i = col.get(label)
            return row[i] if i is not None and i < len(row) else None

        def err(label, message):
            errors.append(CellError(sheet, n, f"{column_letter(col[label] + 1)}（{label}）", message))

        values = {}
        name_ = cell_text(cell("机构名称"))
        if not name_:
            err("机构名称", _("请填写机构名称。"))
        elif name_ in seen:
            err("机构名称", _("与第 %(n)s 行重复。") % {"n": seen[name_]})
        seen[name_] = n
        for label in ("举办单位", "登记管理机关"):
            text = cell_text(cell(label))
            unit = unit_named(text, region=region) if text else None
            if unit is None:
                err(label, _("找不到单位“%(name)s”。") % {"name": text})
            values[label] = unit
        for label in ("证书起始日", "证书到期日", "最近运行日期"):
            raw = cell(label)
            if isinstance(raw, dt.datetime):
                values[label] = raw.date()
            else:
                try:
                    values[label] = dt.date.fromisoformat(cell_text(raw))
                except ValueError:
                    err(label, _("须为日期（如 2026-06-30），收到“%(v)s”。") % {"v": cell_text(raw)})
        if values.get("举办单位") and values.get("登记管理机关") and not can_manage_institutions(by, values["登记管理机关"]):
            err("登记管理机关", _("您不是“%(name)s”的人员，不能为其登记。") % {"name": values["登记管理机关"].name})
        planned.append((n, name_, cell_text(cell("领域")), cell_text(cell("法人证书号")), values))
    if errors:
        raise ImportFailed(errors)
    created = []
    with transaction.atomic():
        for n, name_, field, cert, v in planned:
            try:
                created.append(institution_create(by=by, name=name_, unit=v["举办单位"], authority=v["登记管理机关"],
                                                  cert_issued=v["证书起始日"], cert_expires=v["证书到期日"],
                                                  last_operation_on=v["最近运行日期"], cert_number=cert, field=field))
            except ServiceError as e:  # located at the column, as the checks above (not the service's field code)
                label = INSTITUTION_LABELS.get(e.field or "", "")
                column = f"{column_letter(col[label] + 1)}（{label}）" if label in col else None
                raise ImportFailed([CellError(sheet, n, column, e.message)]) from None
    return created
