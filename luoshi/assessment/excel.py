"""Assessment scores from Excel, and the league table (排名表) to Excel and JSON.

Score import — the layout (one matrix per sheet):

- In the first 10 rows a header row has a unit column (“单位名称”, or 单位/被考核单位/参评单位) and,
  optionally, a “单位编码” column. Every other header names a leaf of the round's scheme: its code
  (“A1”), its code and name (“A1 组织领导”, a points note such as “（20分）” may follow), or its name
  alone when no other leaf has that name. For a metric league (type: metric) the leaves are the metrics
  (“pm25” or “PM2.5”). Columns headed 序号, 备注, 合计, 小计, 总分, 得分, 得分率, 名次, 排名, 等次 or 说明 are
  ignored; any other header is an error.
- One row per unit: its name (full or short name) or its 单位编码. Rows whose unit cell says 合计, 小计,
  总计, 平均 or 平均分 are skipped, and so are empty rows.
- Values are read as the scoring form reads them (services.parse_value): numbers, the rubric's level
  names (优/良…), 达标/不达标 (or 是/否, 1/0) for pass/fail leaves, counts for deduction leaves. A blank
  cell is no score, unless the import is asked to require a complete matrix.

Who scored — decided per sheet, first match wins:
  1. a cell above the header row saying “评估员：张三” (or “评估员” with the name in the cell to its right);
  2. the evaluator the importer names (`evaluator=`, `--evaluator`);
  3. in a workbook with several score sheets, the sheet's name (one sheet per evaluator);
  4. the importing office person.
A name is a username or a full name (unique among active people). The evaluator must be the office or
assigned to the round for those units and leaves. Sheets without a header row (a 填表说明 sheet) are
skipped and reported.

The import checks the whole file first; any error raises ImportFailed with every problem located (sheet,
row, column) and nothing is written. Otherwise it writes in one transaction: a cell equal to the
evaluator's current score (value and level, not returned) is left alone; otherwise the current score is
kept but no longer current (its evidence carries over, as with the form) and the new score is submitted
(it needs approval by someone other than the evaluator). One journal entry summarises the import. Reads
and writes are in bulk, never one query per cell.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from luoshi.core.excel import workbook_new
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.excel import CellError, ImportFailed, cell_text, open_workbook
from luoshi.core.journal import journal_record
from luoshi.core.permissions import require
from luoshi.org.models import Person, Role, RoleGrant, Unit
from luoshi.org.scopes import ancestor_paths

from . import engine, maintained, selectors
from .models import (EvaluatorAssignment, Indicator, Publication, Result, Round, RoundState, RoundUnit, Score,
                     ScoreStatus)
from .permissions import can_manage
from .scheme import RubricRule, item_points
from .services import SCORING_STATES, parse_value, peer_points_outdated

__all__ = ["LeagueTable", "league_json", "league_table_data", "league_xlsx", "scheme_office_person",
           "score_template_xlsx", "scores_import_xlsx"]

HEADER_ROWS = 10
MAX_ERRORS = 200
UNIT_HEADERS = ("单位名称", "单位", "被考核单位", "参评单位", "被评估单位", "被考评单位")
CODE_HEADERS = ("单位编码", "单位代码")
IGNORED_HEADERS = {"序号", "备注", "合计", "小计", "总分", "得分", "得分率", "名次", "排名", "等次", "说明"}
SUMMARY_ROWS = {"合计", "小计", "总计", "平均", "平均分"}
EVALUATOR_WORDS = ("评估员", "评分人", "打分人")
EVALUATOR_CELL = re.compile(r"^(?:评估员|评分人|打分人)\s*[:：]\s*(\S.*)$")
POINTS_SUFFIX = re.compile(r"[（(]\s*[\d.]+\s*分\s*[）)]$")
TRAILING_NOTE = re.compile(r"[（(][^（()）]*[）)]$")     # “PM10（微克/立方米）”
NOISE = re.compile(r"[\s*＊]")


def _norm(text: str) -> str:
    return NOISE.sub("", text)


def scheme_office_person(owner_unit: Unit) -> Person | None:
    """Someone of the 督查室/办公室 over the scheme's owner unit (the nearest grant first): who a command
    acts as when the operator names nobody."""
    grant = (RoleGrant.objects.filter(role=Role.OFFICE, person__is_active=True,
                                      unit__path__in=ancestor_paths(owner_unit.path))
             .select_related("person").order_by("-unit__depth", "person_id").first())
    return grant.person if grant else None


# ---- import -------------------------------------------------------------------------------------------

class _Errors(list):
    """CellErrors, the list cut at MAX_ERRORS with a count of the rest."""

    def __init__(self):
        super().__init__()
        self.more = 0

    def add(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        if len(self) < MAX_ERRORS:
            self.append(CellError(sheet, row, column, message))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if self:
            errors = list(self)
            if self.more:
                errors.append(CellError("", None, None, _("……另有 %(n)s 处错误未列出。") % {"n": self.more}))
            raise ImportFailed(errors)


@dataclass
class _Sheet:
    title: str
    header_row: int
    unit_col: int
    unit_header: str
    code_col: int | None
    leaf_cols: list[tuple[int, Indicator, str]]     # (0-based column, leaf, header as written)
    evaluator_name: str = ""                        # from a 评估员 cell
    evaluator_row: int | None = None
    rows: list = field(default_factory=list)        # the cells under the header, as read


def _find_header(cells) -> tuple[int, int | None] | None:
    unit_col = code_col = None
    for i, value in enumerate(cells):
        text = _norm(cell_text(value))
        if unit_col is None and text in UNIT_HEADERS:
            unit_col = i
        elif code_col is None and text in CODE_HEADERS:
            code_col = i
    if unit_col is None:
        return None
    return unit_col, code_col


def _evaluator_in(cells) -> str:
    texts = [cell_text(v) for v in cells]
    for i, text in enumerate(texts):
        m = EVALUATOR_CELL.match(text)
        if m:
            return m.group(1).strip()
        if text.rstrip(":：").strip() in EVALUATOR_WORDS and i + 1 < len(texts) and texts[i + 1]:
            return texts[i + 1]
    return ""


class _LeafHeaders:
    """Which leaf a header names: its code, code and name, or its unique name."""

    def __init__(self, leaves: list[Indicator], items: list[Indicator]):
        self.by_code = {leaf.code: leaf for leaf in leaves}
        self.by_name: dict[str, list[Indicator]] = {}
        for leaf in leaves:
            self.by_name.setdefault(_norm(leaf.name), []).append(leaf)
        self.item_codes = {i.code: i for i in items}
        self.item_names = {_norm(i.name): i for i in items}
        self.codes_longest_first = sorted(self.by_code, key=len, reverse=True)

    def match(self, header: str) -> tuple[Indicator | None, str]:
        text = " ".join(header.split())
        if text in self.by_code:
            return self.by_code[text], ""
        head, _sep, rest = text.partition(" ")
        if head in self.by_code:
            leaf = self.by_code[head]
            if rest and not _norm(rest).startswith(_norm(leaf.name)):
                return None, _("编码 %(code)s 是“%(name)s”，与表头中的名称不符") % {"code": head, "name": leaf.name}
            return leaf, ""
        compact = _norm(text)
        for code in self.codes_longest_first:          # “A1组织领导”: a code written against its name
            if compact.startswith(code) and compact[len(code):] and \
                    _norm(POINTS_SUFFIX.sub("", compact[len(code):])) == _norm(self.by_code[code].name):
                return self.by_code[code], ""
        name = _norm(POINTS_SUFFIX.sub("", compact))
        found = self.by_name.get(name, []) or self.by_name.get(TRAILING_NOTE.sub("", name), [])
        if len(found) == 1:
            return found[0], ""
        if len(found) > 1:
            return None, _("名称“%(name)s”对应多个末级标准（%(codes)s），请在表头写明编码") % {
                "name": text, "codes": "、".join(f.code for f in found)}
        if head in self.item_codes or name in self.item_names:
            return None, _("“%(text)s”是评价项目而不是末级标准，请按末级标准逐列填写") % {"text": text}
        return None, _("“%(text)s”不是本期次指标体系中的末级标准（可写编码、“编码 名称”或名称）") % {"text": text}


class _People:
    """Evaluators named in a file: a username, else a unique full name among active people."""

    def __init__(self):
        self.cache: dict[str, tuple[Person | None, str]] = {}

    def find(self, name: str) -> tuple[Person | None, str]:
        if name not in self.cache:
            people = list(Person.objects.filter(is_active=True).filter(Q(username=name) | Q(full_name=name)))
            by_username = [p for p in people if p.username == name]
            if by_username:
                self.cache[name] = (by_username[0], "")
            elif len(people) == 1:
                self.cache[name] = (people[0], "")
            elif people:
                self.cache[name] = (None, _("姓名“%(name)s”对应多个用户，请写用户名") % {"name": name})
            else:
                self.cache[name] = (None, _("系统中没有用户“%(name)s”") % {"name": name})
        return self.cache[name]


class _Allowed:
    """May this evaluator score (unit, leaf) in the round? The office may score everything; an evaluator
    what their assignments cover (None in an assignment: every unit / every leaf)."""

    def __init__(self, rnd: Round):
        self.rnd = rnd
        self.cache: dict[int, set | None] = {}

    def pairs(self, person) -> set | None:
        if person.pk not in self.cache:
            if can_manage(person, self.rnd.scheme):
                self.cache[person.pk] = None
            else:
                pairs = set(EvaluatorAssignment.objects.filter(round=self.rnd, person=person)
                            .values_list("unit_id", "indicator_id"))
                self.cache[person.pk] = None if (None, None) in pairs else pairs
        return self.cache[person.pk]

    def assigned(self, person) -> bool:
        pairs = self.pairs(person)
        return pairs is None or bool(pairs)


    def may(self, person, unit_id: int, indicator_id: int) -> bool:
        pairs = self.pairs(person)
        return pairs is None or any(p in pairs for p in ((unit_id, indicator_id), (None, indicator_id),
                                                          (unit_id, None), (None, None)))


def _read_sheets(wb, leaf_headers: _LeafHeaders, errors: _Errors) -> tuple[list[_Sheet], list[str]]:
    sheets, skipped = [], []
    for ws in wb.worksheets:
        title = ws.title
        rows = ws.iter_rows(values_only=True)
        before: list[tuple] = []
        found = None
        header_cells = None
        for r, cells in enumerate(rows, 1):
            found = _find_header(cells)
            if found:
                header_cells = cells
                header_row = r
                break
            before.append(cells)
            if r >= HEADER_ROWS:
                break
        if not found:
            if any(cell_text(v) for cells in before for v in cells):
                skipped.append(title)
            continue
        unit_col, code_col = found
        evaluator_name, evaluator_row = "", None
        for r, cells in enumerate(before, 1):
            name = _evaluator_in(cells)
            if name:
                evaluator_name, evaluator_row = name, r
        leaf_cols: list[tuple[int, Indicator, str]] = []
        seen: dict[int, str] = {}
        for i, value in enumerate(header_cells):
            if i in (unit_col, code_col):
                continue
            header = cell_text(value)
            if not header or _norm(header) in IGNORED_HEADERS:
                continue
            leaf, message = leaf_headers.match(header)
            if leaf is None:
                errors.add(title, header_row, header, message)
                continue
            if leaf.pk in seen:
                errors.add(title, header_row, header, _("与“%(other)s”列是同一项末级标准（%(code)s），只能有一列")
                           % {"other": seen[leaf.pk], "code": leaf.code})
                continue
            seen[leaf.pk] = header
            leaf_cols.append((i, leaf, header))
        sheet = _Sheet(title=title, header_row=header_row, unit_col=unit_col,
                       unit_header=cell_text(header_cells[unit_col]), code_col=code_col, leaf_cols=leaf_cols,
                       evaluator_name=evaluator_name, evaluator_row=evaluator_row)
        sheet.rows = list(rows)        # the rest of the sheet, streamed once
        if not leaf_cols and not any(e.sheet == title for e in errors):
            errors.add(title, header_row, None, _("表头中没有末级标准列"))
        sheets.append(sheet)
    return sheets, skipped


class _Units:
    """The round's participants by name, short name and code; why a name is not one of them."""

    def __init__(self, rnd: Round):
        self.by_name: dict[str, set[int]] = {}
        self.by_code: dict[str, int] = {}
        self.names: dict[int, str] = {}
        self.order: list[int] = []
        for uid, name, short, code in (RoundUnit.objects.filter(round=rnd).order_by("unit__sort_order", "unit__path")
                                       .values_list("unit_id", "unit__name", "unit__short_name", "unit__code")):
            self.names[uid] = name
            self.order.append(uid)
            for key in {name, short} - {""}:
                self.by_name.setdefault(_norm(key), set()).add(uid)
            if code:
                self.by_code[code] = uid

    def find(self, name: str, code: str) -> tuple[int | None, str, bool]:
        """(unit id, error, unknown-name) — unknown names are checked against all units later in one query."""
        uid = None
        if code:
            uid = self.by_code.get(code)
            if uid is None:
                return None, _("单位编码“%(code)s”不是本期次参评单位的编码") % {"code": code}, False
            if name and uid not in self.by_name.get(_norm(name), ()):
                return None, _("单位编码“%(code)s”是“%(unit)s”，与单位名称“%(name)s”不符") % {
                    "code": code, "unit": self.names[uid], "name": name}, False
            return uid, "", False
        found = self.by_name.get(_norm(name), set())
        if len(found) == 1:
            return next(iter(found)), "", False
        if len(found) > 1:
            return None, _("“%(name)s”对应多个参评单位，请写全称或单位编码") % {"name": name}, False
        return None, "", True


def _not_participants(names: set[str]) -> set[str]:
    """Of these names, those that are units in the system (but not in the round)."""
    if not names:
        return set()
    rows = Unit.objects.filter(Q(name__in=names) | Q(short_name__in=names)).values_list("name", "short_name")
    return {n for pair in rows for n in pair if n in names}


@dataclass
class _Plan:
    sheets: list[dict]
    skipped: list[str]
    cells: list[tuple[int, int, int, Decimal, str]]     # (unit, leaf, evaluator, value, level)
    blank: int


def _validate(*, rnd: Round, by, data: bytes, filename: str, evaluator: Person | None,
              require_complete: bool) -> _Plan:
    definition = rnd.version.definition()
    indicators = list(Indicator.objects.filter(version=rnd.version_id).order_by("position"))
    leaves = [i for i in indicators if i.is_leaf]
    leaf_headers = _LeafHeaders(leaves, [i for i in indicators if not i.is_leaf])
    errors = _Errors()
    wb = open_workbook(data, name=filename, read_only=True)
    try:
        sheets, skipped = _read_sheets(wb, leaf_headers, errors)
    except ImportFailed:
        raise
    except Exception:  # a damaged sheet shows only when it is streamed
        raise ImportFailed([CellError("", None, None, _("无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式。"))])
    finally:
        wb.close()
    if not sheets:
        errors.add(skipped[0] if skipped else "", None, None,
                   _("找不到评分表：前%(n)s行中须有“单位名称”表头，其右各列为末级标准（编码或名称）。") % {"n": HEADER_ROWS})
        errors.raise_if_any()

    units = _Units(rnd)
    people = _People()
    allowed = _Allowed(rnd)
    several = len(sheets) > 1
    out: list[tuple[int, int, int, Decimal, str]] = []
    seen_rows: dict[tuple[int, int], tuple[str, int]] = {}       # (evaluator, unit) → (sheet, row)
    unknown: list[tuple[str, int, str, str]] = []                # (sheet, row, column, name)
    blank = 0
    summaries = []
    for sheet in sheets:
        title = sheet.title
        # who scored this sheet
        person, where_row, message = None, None, ""
        if sheet.evaluator_name:
            person, message = people.find(sheet.evaluator_name)
            where_row = sheet.evaluator_row
        elif evaluator is not None:
            person = evaluator
        elif several:
            person, message = people.find(title)
            if person is None:
                message = _("工作簿中有多张评分表，须用工作表名称或表头上方的“评估员：姓名”写明每张表的评估员（%(why)s）") % {
                    "why": message}
        else:
            person = by
        if person is None:
            errors.add(title, where_row, None, message)
            continue
        if not allowed.assigned(person):
            errors.add(title, where_row, None, _("“%(name)s”不是本期次的评估员，不能以其名义导入评分") % {
                "name": person.display_name})
            continue

        unit_header = sheet.unit_header
        pid = person.pk
        everything = allowed.pairs(person) is None      # the office, or assigned every unit and leaf
        cache: dict[int, dict] = {col: {} for col, _leaf, _h in sheet.leaf_cols}
        columns = [(col, leaf, leaf.pk, header) for col, leaf, header in sheet.leaf_cols]
        n_rows = n_lines = n_cells = 0
        rows_seen: set[int] = set()
        for offset, cells in enumerate(sheet.rows, 1):
            r = sheet.header_row + offset
            width = len(cells)
            name = cell_text(cells[sheet.unit_col]) if sheet.unit_col < width else ""
            code = cell_text(cells[sheet.code_col]) if sheet.code_col is not None and sheet.code_col < width else ""
            values = [(col, leaf, lid, header, cells[col] if col < width else None)
                      for col, leaf, lid, header in columns]
            if not name and not code:
                if any(v is not None and cell_text(v) for *_x, v in values):
                    errors.add(title, r, unit_header, _("有分值但没有填写单位名称"))
                continue
            if _norm(name) in SUMMARY_ROWS:
                continue
            n_lines += 1
            uid, message, is_unknown = units.find(name, code)
            if uid is None:
                if is_unknown:
                    unknown.append((title, r, unit_header, name))
                else:
                    errors.add(title, r, unit_header if not code or name else "单位编码", message)
                continue
            key = (pid, uid)
            if key in seen_rows:
                other_sheet, other_row = seen_rows[key]
                where = (_("第%(row)s行") % {"row": other_row} if other_sheet == title
                         else _("工作表“%(sheet)s”第%(row)s行") % {"sheet": other_sheet, "row": other_row})
                errors.add(title, r, unit_header, _("单位“%(unit)s”重复（与%(where)s相同，评估员均为%(person)s）") % {
                    "unit": units.names[uid], "where": where, "person": person.display_name})
                continue
            seen_rows[key] = (title, r)
            rows_seen.add(uid)
            n_rows += 1
            for col, leaf, lid, header, raw in values:
                if raw is None or (isinstance(raw, str) and not raw.strip()):
                    if require_complete and (everything or allowed.may(person, uid, lid)):
                        errors.add(title, r, header, _("没有填写分值"))
                    blank += 1
                    continue
                if isinstance(raw, bool):
                    raw = str(raw)
                parsed = cache[col].get(raw)
                if parsed is None:
                    try:
                        parsed = parse_value(cell_text(raw), indicator=leaf, definition=definition)
                    except ValueError as e:
                        parsed = str(e)
                    cache[col][raw] = parsed
                if isinstance(parsed, str):
                    errors.add(title, r, header, parsed)
                    continue
                if not everything and not allowed.may(person, uid, lid):
                    errors.add(title, r, header, _("%(person)s未被指派评“%(unit)s”的该项指标") % {
                        "person": person.display_name, "unit": units.names[uid]})
                    continue
                out.append((uid, lid, pid, parsed[0], parsed[1]))
                n_cells += 1
        if require_complete:
            missing_units = [units.names[u] for u in units.order if u not in rows_seen
                             and any(allowed.may(person, u, leaf.pk) for leaf in leaves)]
            if missing_units:
                errors.add(title, None, None, _("缺少参评单位：%(names)s") % {"names": "、".join(missing_units[:20])
                                                                        + ("等" if len(missing_units) > 20 else "")})
            present = {leaf.pk for _c, leaf, _h in sheet.leaf_cols}
            missing_leaves = [leaf.code for leaf in leaves if leaf.pk not in present
                              and any(allowed.may(person, u, leaf.pk) for u in units.order)]
            if missing_leaves:
                errors.add(title, sheet.header_row, None, _("缺少末级标准列：%(codes)s") % {"codes": "、".join(missing_leaves)})
        if n_lines == 0:
            errors.add(title, None, None, _("表头下面没有单位行"))
        summaries.append({"sheet": title, "evaluator": person.display_name, "evaluator_id": person.pk,
                          "units": n_rows, "cells": n_cells})
    if unknown:
        known = _not_participants({name for *_x, name in unknown})
        for title, r, column, name in unknown:
            if name in known:
                errors.add(title, r, column, _("“%(name)s”不是本期次的参评单位") % {"name": name})
            else:
                errors.add(title, r, column, _("找不到单位“%(name)s”") % {"name": name})
    order = {s.title: i for i, s in enumerate(sheets)}
    errors.sort(key=lambda e: (order.get(e.sheet, -1), e.row or 0))
    errors.raise_if_any()
    if not out:
        raise ImportFailed([CellError(sheets[0].title, None, None, _("文件中没有任何分值。"))])
    return _Plan(sheets=summaries, skipped=skipped, cells=out, blank=blank)


def scores_import_xlsx(*, by, round: Round, data: bytes, filename: str = "", dry_run: bool = False,
                       evaluator: Person | None = None, require_complete: bool = False) -> dict:
    """Import a units × leaves score matrix (see the module's docstring). `by` is the office; `evaluator`
    names who scored when the sheets do not say. A cell whose value and level equal the evaluator's
    current (not returned) score is left as it is — re-importing a corrected file changes only the
    corrected cells and keeps the others' approval. Returns a report: sheets (title, evaluator, units,
    cells), cells, created (new scores), replaced (of them, replacing a current score), unchanged, blank,
    skipped (sheets without a header), dry_run."""
    rnd = Round.objects.select_related("scheme__owner_unit", "scheme__region", "version").get(pk=round.pk)
    require(can_manage(by, rnd.scheme), _("只有主办单位的督查室/办公室可以导入评分。"))
    if rnd.state not in SCORING_STATES:
        raise ServiceError(_("考核期次“%(state)s”，不能导入评分。") % {"state": rnd.get_state_display()})
    plan = _validate(rnd=rnd, by=by, data=data, filename=filename, evaluator=evaluator,
                     require_complete=require_complete)
    report = {"sheets": plan.sheets, "skipped": plan.skipped, "cells": len(plan.cells), "blank": plan.blank,
              "dry_run": dry_run}
    if dry_run:
        diff = _diff(rnd, plan)
        return {**report, "created": len(diff.new), "replaced": len(diff.replaced), "unchanged": diff.unchanged}
    with transaction.atomic():
        rnd = Round.objects.select_for_update().get(pk=rnd.pk)
        if rnd.state not in SCORING_STATES:
            raise ServiceError(_("考核期次“%(state)s”，不能导入评分。") % {"state": rnd.get_state_display()})
        diff = _diff(rnd, plan)
        _write(rnd, diff)
        if diff.new:
            peer_points_outdated(rnd)
            maintained.round_rebuild(rnd)      # the card flags too: the replaced scores' files carried over
        report.update(created=len(diff.new), replaced=len(diff.replaced), unchanged=diff.unchanged)
        journal_record(actor=by, verb="assessment.score.import", obj=rnd, scope_path=rnd.scheme.owner_unit.path,
                       changes={"source_file": filename or "Excel", "sheets": [
                           {k: s[k] for k in ("sheet", "evaluator", "units", "cells")} for s in plan.sheets],
                           "created": report["created"], "replaced": report["replaced"],
                           "unchanged": report["unchanged"]})
    return report


@dataclass
class _Diff:
    new: list[tuple]            # (unit, leaf, evaluator, value, level, id of the score it replaces or None)
    replaced: list[int]         # ids of current scores the new ones replace
    unchanged: int


def _diff(rnd: Round, plan: _Plan) -> _Diff:
    """Compare the file's cells with the evaluators' current scores (one query)."""
    evaluators = {e for *_x, e, _v, _l in plan.cells}
    previous: dict[tuple[int, int, int], tuple] = {}
    for pk, uid, iid, eid, value, level, status in (
            Score.objects.filter(round=rnd, is_current=True, evaluator_id__in=evaluators)
            .values_list("pk", "unit_id", "indicator_id", "evaluator_id", "value", "level", "status")
            .iterator(chunk_size=20000)):
        previous[(uid, iid, eid)] = (pk, value, level, status)
    returned = ScoreStatus.RETURNED.value
    new, replaced, unchanged = [], [], 0
    for u, i, e, v, lv in plan.cells:
        prev = previous.get((u, i, e))
        if prev is None:
            new.append((u, i, e, v, lv, None))
        elif prev[1] == v and prev[2] == lv and prev[3] != returned:
            unchanged += 1
        else:
            new.append((u, i, e, v, lv, prev[0]))
            replaced.append(prev[0])
    return _Diff(new=new, replaced=replaced, unchanged=unchanged)


SCORE_COLUMNS = ("round_id", "unit_id", "indicator_id", "evaluator_id", "value", "level", "note", "status",
                 "is_current", "replaces_id", "source", "scored_at")


def _insert_scores(rows: list[tuple]) -> None:
    """Insert plain tuples (SCORE_COLUMNS) into the score table: COPY on PostgreSQL, one prepared INSERT run
    with executemany on SQLite — Django's bulk_create would send hundreds of thousands of rows as thousands
    of statements (SQLite: 999 parameters each). Other databases: bulk_create."""
    fields = [Score._meta.get_field(c) for c in SCORE_COLUMNS]
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        sql = f"COPY {qn(Score._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) FROM STDIN"
        with connection.cursor() as cur, cur.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    elif connection.vendor == "sqlite":
        qn = connection.ops.quote_name
        sql = (f"INSERT INTO {qn(Score._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
               f"VALUES ({', '.join(['%s'] * len(fields))})")
        at = SCORE_COLUMNS.index("scored_at")
        value = SCORE_COLUMNS.index("value")
        adapt_at = connection.ops.adapt_datetimefield_value
        stamp = {}
        with connection.cursor() as cur:
            for start in range(0, len(rows), 20000):
                batch = []
                for row in rows[start:start + 20000]:
                    row = list(row)
                    t = row[at]
                    if t not in stamp:
                        stamp[t] = adapt_at(t)
                    row[at] = stamp[t]
                    row[value] = str(row[value])
                    batch.append(row)
                cur.executemany(sql, batch)
    else:
        names = [f.attname for f in fields]
        Score.objects.bulk_create([Score(**dict(zip(names, row))) for row in rows], batch_size=1000)


def _write(rnd: Round, diff: _Diff) -> None:
    """Add the new scores and mark the ones they replace no longer current, in bulk; the evidence of a
    replaced score stays with the score that replaces it (as with the form)."""
    through = Score.evidence.through
    evidence: dict[int, list[int]] = {}
    if diff.replaced:
        replaced = set(diff.replaced)
        evaluators = {e for _u, _i, e, *_x in diff.new}
        for sid, aid in through.objects.filter(score__round=rnd, score__is_current=True,
                                               score__evaluator_id__in=evaluators).values_list("score_id",
                                                                                              "attachment_id"):
            if sid in replaced:
                evidence.setdefault(sid, []).append(aid)
    now = clock.now()
    submitted = ScoreStatus.SUBMITTED.value
    _insert_scores([(rnd.pk, u, i, e, v, lv, "", submitted, True, old, "import", now)
                    for u, i, e, v, lv, old in diff.new])
    if not diff.replaced:
        return
    # The scores this import replaced are those its new rows point at: one UPDATE over a sub-select, not
    # hundreds of thousands of ids sent back to the database. (A replaced score is never current.)
    added = Score.objects.filter(round=rnd, is_current=True, source="import", scored_at=now, replaces__isnull=False)
    Score.objects.filter(pk__in=added.values("replaces_id")).update(is_current=False)
    if evidence:
        links = [through(score_id=new_id, attachment_id=aid)
                 for new_id, old_id in added.filter(replaces_id__in=list(evidence)).values_list("pk", "replaces_id")
                 for aid in evidence[old_id]]
        through.objects.bulk_create(links, batch_size=2000)


# ---- a blank (or filled) score sheet ------------------------------------------------------------------------

def _display_value(value: Decimal, level: str, leaf: Indicator):
    """A stored score as the import reads it back: the level name, 达标/不达标, or the number."""
    if level:
        return level
    if leaf.rule_type == "pass_fail":
        return "达标" if value >= 1 else "不达标"
    return int(value) if value == value.to_integral_value() else float(value)


def _num(d: Decimal | None) -> str:
    """2.50 → "2.5", 20.0000 → "20"."""
    return "" if d is None else format(d.normalize(), "f")


def _fill_hint(leaf: Indicator, definition) -> str:
    item = definition.leaf(leaf.code) if definition.type == "points" else None
    if item is not None and isinstance(item.rule, RubricRule):
        return "/".join(lv.name for lv in item.rule.levels)
    if leaf.rule_type == "pass_fail":
        return "达标/不达标"
    if leaf.rule_type == "deduction":
        return "问题处数"
    if leaf.rule_type in ("direct", "rubric") and leaf.points is not None:
        return f"0–{_num(leaf.points)}分"
    return "实际值"


def score_template_xlsx(*, user, round: Round, evaluator: Person | None = None) -> bytes:
    """The round's score sheet as the import reads it: one row per participant, one column per leaf
    (“code name”), a row of what to write above the header; with `evaluator`, headed “评估员：username”
    and filled with that evaluator's current scores (so it imports back unchanged)."""
    rnd = round
    require(can_manage(user, rnd.scheme), _("只有主办单位的督查室/办公室可以下载评分表。"))
    definition = rnd.version.definition()
    leaves = list(Indicator.objects.filter(version=rnd.version_id, is_leaf=True).order_by("position"))
    participants = list(RoundUnit.objects.filter(round=rnd).order_by("unit__sort_order", "unit__path")
                        .values_list("unit_id", "unit__name", "unit__code"))
    values: dict[tuple[int, int], object] = {}
    if evaluator is not None:
        by_id = {leaf.pk: leaf for leaf in leaves}
        for uid, iid, value, level in Score.objects.filter(round=rnd, evaluator=evaluator, is_current=True).values_list(
                "unit_id", "indicator_id", "value", "level").iterator(chunk_size=20000):
            if iid in by_id:
                values[(uid, iid)] = _display_value(value, level, by_id[iid])
    with_codes = any(code for _u, _n, code in participants)
    lead = 2 if with_codes else 1
    wb = workbook_new(write_only=True)
    ws = wb.create_sheet("评分表")
    ws.freeze_panes = f"{get_column_letter(lead + 1)}5"
    ws.column_dimensions["A"].width = 24
    ws.append([f"{rnd.scheme.name}（{rnd.name}）评分表"])
    ws.append([f"评估员：{evaluator.username}" if evaluator else "评估员："])
    ws.append(["填写说明（留空表示不评分）"] + [None] * (lead - 1) + [_fill_hint(leaf, definition) for leaf in leaves])
    ws.append(["单位名称"] + (["单位编码"] if with_codes else []) + [f"{leaf.code} {leaf.name}" for leaf in leaves])
    for uid, name, code in participants:
        ws.append([name] + ([code or None] if with_codes else []) + [values.get((uid, leaf.pk)) for leaf in leaves])
    wb.properties.title = f"{rnd.scheme.name}（{rnd.name}）评分表"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---- league table --------------------------------------------------------------------------------------------

@dataclass
class Column:
    key: str
    header: str
    width: float
    number_format: str | None = None
    align: str = "center"


@dataclass
class LeagueTable:
    title: str
    subtitle: str
    columns: list[Column]
    rows: list[dict]            # column key → value (Decimals, ints, text)
    meta: dict
    notes: list[str]


def _movement_text(m: int | None) -> str:
    if m is None:
        return ""
    return "持平" if m == 0 else (f"↑{m}" if m > 0 else f"↓{-m}")


def _rank_value(rank: Decimal | None):
    if rank is None:
        return None
    return int(rank) if rank == rank.to_integral_value() else rank


def _places(n: int) -> str:
    return "0" if n == 0 else "0." + "0" * n


def _chinese_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _state_note(rnd: Round) -> str:
    if rnd.state == RoundState.FINAL:
        return "已定稿"
    if rnd.state == RoundState.PUBLISHED:
        deadline = f"，申诉截止{_chinese_date(rnd.appeal_deadline)}" if rnd.appeal_deadline else ""
        return f"已公布（申诉期{deadline}）"
    return "未公布，仅供内部审核"


def league_table_data(*, user, round: Round) -> LeagueTable:
    """The stored results (Result rows, as last computed or published; nothing is recomputed) in the office
    layout, ordered by peer group (scheme order), then rank; unranked units last."""
    rnd = round
    definition = rnd.version.definition()
    rows = selectors.league_table(user, rnd)
    if not Result.objects.filter(round=rnd).exists():
        raise ServiceError(_("“%(round)s”尚未计算结果，请先计算（luoshi assess compute）。") % {"round": rnd.name})
    group_order = {g.code: i for i, g in enumerate(definition.peer_groups)}
    big = Decimal(10 ** 9)
    rows.sort(key=lambda r: (group_order.get(r.group, len(group_order)), r.group, r.rank is None,
                             r.rank if r.rank is not None else big))
    vetoed = set(Result.objects.filter(round=rnd, vetoed=True).values_list("unit_id", flat=True))
    places = definition.precision
    total_fmt = _places(places)
    n = definition.top_bottom
    top_word, bottom_word = ("十佳", "十差") if n == 10 else (f"前{n}名", f"后{n}名")

    def remark(r) -> str:
        parts = []
        if r.excluded:
            parts.append(f"不参与排名：{r.excluded}")
        if r.unit_id in vetoed:
            parts.append("一票否决")
        if r.is_top:
            parts.append(top_word)
        if r.is_bottom:
            parts.append(bottom_word)
        return "；".join(parts)

    columns = [Column("no", "序号", 6), Column("unit", "单位", 24, align="left"), Column("group", "分组", 10)]
    out_rows: list[dict] = []
    if definition.type == "metric":
        league = definition.league
        for m in league.metrics:
            unit_text = f"（{m.unit}）" if m.unit else ""
            columns.append(Column(f"m:{m.code}", f"{m.name}{unit_text}", 12, _places(m.precision)))
            columns.append(Column(f"r:{m.code}", f"{m.name}排名", 8))
        columns += [Column("index", league.composite_name, 10, _places(league.composite_precision)),
                    Column("index_rank", f"{league.composite_name}排名", 8),
                    Column("change", "同比变化率", 11, _places(league.change_precision) + '"%"'),
                    Column("change_rank", "变化率排名", 8),
                    Column("total", "综合得分", 10, total_fmt)]
    else:
        for item in definition.items:
            columns.append(Column(f"s:{item.code}", f"{item.name}（{_num(item_points(item))}分）", 12, total_fmt))
        columns += [Column("bonus", "加分", 8, total_fmt), Column("deduction", "减分", 8, total_fmt),
                    Column("total", "总分", 10, total_fmt), Column("rate", "得分率", 10, total_fmt + '"%"')]
    columns += [Column("rank", "名次", 7), Column("grade", "等次", 8), Column("movement", "升降位次", 9),
                Column("remark", "备注", 24, align="left")]

    for no, r in enumerate(rows, 1):
        row = {"no": no, "unit": r.unit, "unit_id": r.unit_id, "group": r.group_name, "group_code": r.group,
               "total": engine.publish_round(r.total, places, definition.rounding), "rank": _rank_value(r.rank),
               "grade": r.grade, "movement": r.movement,
               "movement_text": _movement_text(r.movement), "remark": remark(r), "excluded": r.excluded,
               "vetoed": r.unit_id in vetoed, "top": r.is_top, "bottom": r.is_bottom}
        if definition.type == "metric":
            f = r.figures or {}
            for m in definition.league.metrics:
                value = (f.get("values") or {}).get(m.code)
                row[f"m:{m.code}"] = engine.publish_round(Decimal(value), m.precision, definition.rounding) \
                    if value is not None else None
                row[f"r:{m.code}"] = (f.get("ranks") or {}).get(m.code)
            row["index"] = Decimal(f["index"]) if f.get("index") is not None else None
            row["index_rank"] = f.get("index_rank")
            row["change"] = Decimal(f["change"]) if f.get("change") is not None else None
            row["change_rank"] = f.get("change_rank")
        else:
            for item, s in zip(definition.items, r.subtotals):
                row[f"s:{item.code}"] = engine.publish_round(s, places, definition.rounding)
            row["bonus"] = engine.publish_round(r.bonus, places, definition.rounding)
            row["deduction"] = engine.publish_round(r.deduction, places, definition.rounding)
            row["rate"] = engine.publish_round(r.rate, places, definition.rounding) if r.rate is not None else None
        out_rows.append(row)

    pubs = list(Publication.objects.filter(round=rnd).order_by("revision").values_list("revision", "note"))
    notes = [f"第{rev}版：{note}" for rev, note in pubs if rev > 1 and note]
    revision = f"　第{rnd.revision}版" if rnd.revision else ""
    subtitle = (f"考核期：{_chinese_date(rnd.period_start)}—{_chinese_date(rnd.period_end)}　"
                f"指标体系第{rnd.version.number}版　{_state_note(rnd)}{revision}")
    meta = {"scheme": {"code": rnd.scheme.code, "name": rnd.scheme.name, "version": rnd.version.number,
                       "type": definition.type},
            "round": {"id": rnd.pk, "name": rnd.name, "period_start": rnd.period_start.isoformat(),
                      "period_end": rnd.period_end.isoformat(), "state": rnd.state, "revision": rnd.revision,
                      "published": rnd.is_published,
                      "computed_at": rnd.computed_at.isoformat() if rnd.computed_at else None},
            "revisions": [{"revision": rev, "note": note} for rev, note in pubs]}
    return LeagueTable(title=f"{rnd.scheme.name}（{rnd.name}）排名表", subtitle=subtitle, columns=columns,
                       rows=out_rows, meta=meta, notes=notes)


THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


def league_xlsx(*, user, round: Round) -> bytes:
    """The league table (排名表) as the office prints it: title, subtitle, header, one row per unit, the
    revision notes under the table; A4 landscape, fitted to the page width, header repeated."""
    table = league_table_data(user=user, round=round)
    wb = workbook_new()
    ws = wb.active
    ws.title = "排名表"
    width = len(table.columns)
    last = get_column_letter(width)
    ws["A1"] = table.title
    ws["A1"].font = Font(name="方正小标宋简体", size=18)
    ws["A1"].alignment = CENTER
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 36
    ws["A2"] = table.subtitle
    ws["A2"].font = Font(name="楷体_GB2312", size=11)
    ws["A2"].alignment = Alignment(horizontal="right", vertical="center")
    ws.merge_cells(f"A2:{last}2")
    header_font, body_font = Font(name="黑体", size=11, bold=True), Font(name="宋体", size=11)
    fill = PatternFill("solid", fgColor="D9E1F2")
    for c, col in enumerate(table.columns, 1):
        cell = ws.cell(row=3, column=c, value=col.header)
        cell.font, cell.alignment, cell.border, cell.fill = header_font, CENTER, BORDER, fill
        ws.column_dimensions[get_column_letter(c)].width = col.width
    ws.row_dimensions[3].height = 32
    for r, row in enumerate(table.rows, 4):
        for c, col in enumerate(table.columns, 1):
            value = row["movement_text"] if col.key == "movement" else row.get(col.key)
            if value == "":
                value = None
            cell = ws.cell(row=r, column=c, value=value)
            cell.font, cell.border = body_font, BORDER
            cell.alignment = LEFT if col.align == "left" else CENTER
            if col.number_format and value is not None:
                cell.number_format = col.number_format
    r = 4 + len(table.rows)
    for note in ["修订说明：" + "；".join(table.notes)] if table.notes else []:
        ws.cell(row=r, column=1, value=note).alignment = LEFT
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        ws.row_dimensions[r].height = 15 * (1 + len(note) // 80)
        r += 1
    ws.freeze_panes = "C4"
    ws.print_title_rows = "3:3"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE if width > 9 else Worksheet.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    wb.properties.title = table.title
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def league_json(*, user, round: Round) -> str:
    """The same table as JSON: numbers as exact decimal strings, the columns with their Chinese headers."""
    table = league_table_data(user=user, round=round)
    payload = {
        **table.meta,
        "title": table.title,
        "columns": [{"key": c.key, "header": c.header} for c in table.columns],
        "rows": [{k: _plain(v) for k, v in row.items()} for row in table.rows],
        "notes": table.notes,
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)
