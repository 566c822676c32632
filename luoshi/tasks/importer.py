"""Importing task lists (清单) from real office Excel sheets and from YAML presets.

Both paths produce the same list of TaskSpec rows, validated as a whole, then written in one
transaction — or not at all. Errors name the sheet, row and column, in Chinese.

What a real sheet looks like: a title row and a subtitle row above the header; category rows
("一、助企服务") merged across the table; 序号 written as "1", "（1）", "(一)", "1.2"; several units in one
cell separated by "、"; group phrases ("各街道、区直各部门"); deadline phrases ("6月底前", "长期坚持").
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from luoshi.core import clock, numerals
from luoshi.core.bulk import import_size_check
from luoshi.core.excel import CellError, ImportFailed, cell_text, column_letter, open_workbook
from luoshi.core.journal import journal_entry, journal_record, journal_record_many
from luoshi.core.models import JournalEntry
from luoshi.core.validation import too_long
from luoshi.org.models import Unit
from luoshi.org.resolve import LeaderResolver, UnitResolver, region_of
from luoshi.programs.models import Program

from . import services
from .deadlines import DeadlineError, ParsedDeadline, parse_deadline
from .models import AssignmentRole, Milestone, Tag, Task, TaskAssignment

# Column key → header texts offices use. Matched exactly first, then by containment.
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号", "序"),
    "category": ("类别", "分类", "领域", "板块"),
    "measures": ("具体措施/目标", "具体措施", "工作措施", "主要措施", "具体目标", "工作目标", "目标任务", "目标要求",
                 "完成标准", "具体内容", "工作举措"),
    "lead": ("牵头单位", "责任单位", "牵头部门", "主责单位", "责任部门", "牵头责任单位"),
    "coop": ("配合单位", "配合部门", "协同单位", "参与单位", "协办单位"),
    "leaders": ("责任领导", "分管领导", "牵头领导", "包联领导", "区级责任领导", "市级责任领导"),
    "deadline": ("完成时限", "完成时间", "时限要求", "完成期限", "时间节点", "时限"),
    "tags": ("标签",),
    "note": ("备注",),
    "title": ("任务内容", "工作任务", "工作要点", "重点任务", "主要任务", "改革任务", "工作内容", "任务名称", "任务",
              "事项", "工作事项"),
}
# The export's own figures (exporter.COLUMNS): worked out by the system, so an import of an export does not set
# them and does not call them unread.
COMPUTED_HEADERS = frozenset({"当前状态", "进度"})
HEADER_LABEL = {"number": "序号", "category": "类别", "title": "任务内容", "measures": "具体措施/目标", "lead": "牵头单位",
                "coop": "配合单位", "leaders": "责任领导", "deadline": "完成时限", "tags": "标签", "note": "备注"}

FULLWIDTH = str.maketrans("０１２３４５６７８９．（）", "0123456789.()")
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


NUMBER_STYLES: list[tuple[re.Pattern[str], int, Callable[[str], int | None]]] = [  # (pattern, level, to-int); level follows 公文 order 一、>（一）> 1. >（1）> ①
    (re.compile(r"^([一二三四五六七八九十]+)[、.]?$"), 0, numerals.parse_int),
    (re.compile(r"^\(([一二三四五六七八九十]+)\)[、.]?$"), 1, numerals.parse_int),
    (re.compile(r"^(\d+)[、.]?$"), 2, int),
    (re.compile(r"^\((\d+)\)[、.]?$"), 3, int),
    (re.compile(r"^([①-⑳])$"), 4, lambda c: CIRCLED.index(c) + 1),
]
DOTTED = re.compile(r"^\d+(?:\.\d+)+$")
CATEGORY_TEXT = re.compile(r"^[一二三四五六七八九十]+、")


def parse_number(raw: str) -> tuple[int, str] | None:
    """(level, normalized) for a 序号, or None when it is not a number we know."""
    text = raw.translate(FULLWIDTH).replace(" ", "")
    if DOTTED.match(text):
        return 2 + text.count("."), text
    for pattern, level, to_int in NUMBER_STYLES:
        m = pattern.match(text)
        if m:
            n = to_int(m.group(1))
            return None if n is None else (level, str(n))  # 十十、 is not a number
    return None


def number_for(level: int, n: int) -> str:
    """The 序号 an office would write for the n-th item at a level (the reverse of parse_number)."""
    if level == 3:
        return f"（{n}）"
    if level == 4 and n <= len(CIRCLED):
        return CIRCLED[n - 1]
    return str(n)


@dataclass
class TaskSpec:
    row: int | None
    label: str  # "第12行" or "第3项任务"
    number: str = ""
    level: int = 2
    category: str = ""
    title: str = ""
    measures: str = ""
    lead_text: str = ""
    coop_text: str = ""
    leaders_text: str = ""
    deadline_raw: object = None
    tags: list[str] = field(default_factory=list)
    note: str = ""
    parent: int | None = None  # index into the spec list
    key: str = ""  # normalized number used for the code
    milestones: list[tuple[str, object]] = field(default_factory=list)
    code: str = ""
    inherit_from_parent: bool = False
    tags_given: bool = True  # False for a sheet without a 标签 column: leave stored tags alone
    # filled by validation
    deadline: ParsedDeadline | None = None
    lead_units: list[Unit] = field(default_factory=list)
    coop_units: list[Unit] = field(default_factory=list)
    leaders: list = field(default_factory=list)


@dataclass
class SheetPlan:
    sheet: str
    title: str = ""
    subtitle: str = ""
    specs: list[TaskSpec] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # key → header text as written
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    program: Program | None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    new_leaders: list[str] = field(default_factory=list)  # 责任领导 created (or, on a dry run, to create) without login


# ---- reading a sheet -------------------------------------------------------------------------------

def _match_header(texts: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    norm = [re.sub(r"\s+", "", t) for t in texts]
    for exact in (True, False):
        for key, names in COLUMNS.items():
            if key in found:
                continue
            for idx, t in enumerate(norm):
                if not t or idx in found.values():
                    continue
                if any((t == n) if exact else (n in t and len(n) >= 2) for n in names):
                    found[key] = idx
                    break
    return found


def read_sheet(data: bytes) -> SheetPlan:
    wb = open_workbook(data)
    errors: list[CellError] = []
    for ws in wb.worksheets:
        rows = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        header_at = None
        for i, texts in enumerate(rows[:15]):
            cols = _match_header(texts)
            if "title" in cols and len(cols) >= 3:
                header_at, columns = i, cols
                break
        if header_at is None:
            if any(any(t for t in r) for r in rows):
                errors.append(CellError(ws.title, None, None, _("没有找到表头行：需要“序号”“任务内容”“牵头单位”“完成时限”等列。")))
            continue
        plan = _plan_from_rows(ws, rows, header_at, columns)
        # nothing the user entered is dropped silently: a later sheet with rows of its own (a second list, with
        # or without the header) is refused, not ignored; a sheet of notes before the list is skipped as before
        later = wb.worksheets[wb.worksheets.index(ws) + 1:]
        others = [o.title for o in later if o.sheet_state == "visible" and _has_tasks(o)]
        if others:
            raise ImportFailed([CellError(title, None, None, _(
                "这个工作表也有任务行，但一次只导入一个工作表的任务（已读取工作表“%(sheet)s”）。请把任务合并到一个工作表，"
                "或把这个工作表移到另一个文件。") % {"sheet": ws.title}) for title in others])
        return plan
    if not errors:
        errors.append(CellError(wb.worksheets[0].title if wb.worksheets else "", None, None, _("工作表是空的，没有任务数据。")))
    raise ImportFailed(errors)


def _has_tasks(ws) -> bool:
    """Whether a sheet holds task rows: a task header, or a row with two or more filled cells (a
    list without the header); a sheet of notes (one column of text) does not."""
    rows = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True, max_row=2000)]
    if any("title" in (cols := _match_header(texts)) and len(cols) >= 3 for texts in rows[:15]):
        return True
    return any(sum(1 for t in r if t) >= 2 for r in rows)


def _merged_continuations(ws, col_idx: int) -> dict[int, int]:
    """Rows whose cell in column `col_idx` is merged from a row above: {row_number: first_row}."""
    out = {}
    for rng in ws.merged_cells.ranges:
        if rng.min_col <= col_idx + 1 <= rng.max_col and rng.max_row > rng.min_row and rng.min_col == rng.max_col:
            for r in range(rng.min_row + 1, rng.max_row + 1):
                out[r] = rng.min_row
    return out


def _plan_from_rows(ws, rows: list[list[str]], header_at: int, columns: dict[str, int]) -> SheetPlan:
    header = rows[header_at]
    plan = SheetPlan(sheet=ws.title, columns={k: re.sub(r"\s+", "", header[i]) for k, i in columns.items()})
    above = [next((t for t in r if t), "") for r in rows[:header_at]]
    above = [t for t in above if t]
    plan.title = above[0] if above else ""
    plan.subtitle = above[1] if len(above) > 1 else ""
    merged_number = _merged_continuations(ws, columns["number"]) if "number" in columns else {}
    category = ""
    stack: list[int] = []  # indexes of open parents, by level
    row_of_spec: dict[int, int] = {}
    auto_next: dict[int | None, int] = defaultdict(int)

    def get(texts, key):
        i = columns.get(key)
        return texts[i] if i is not None and i < len(texts) else ""

    for r_idx in range(header_at + 1, len(rows)):
        texts = rows[r_idx]
        row_no = r_idx + 1
        filled = [t for t in texts if t]
        if not filled:
            continue
        number_raw, title = get(texts, "number"), get(texts, "title")
        has_task_fields = any(get(texts, k) for k in ("lead", "deadline", "coop", "leaders", "measures"))
        # A category row: one text across the row ("一、助企服务"), or a Chinese 序号 with a short title and no task fields.
        if len(set(filled)) == 1 and not has_task_fields and (CATEGORY_TEXT.match(filled[0]) or not parse_number(filled[0])):
            category, stack = filled[0], []
            continue
        parsed = parse_number(number_raw) if number_raw else None
        if parsed and parsed[0] == 0 and not has_task_fields:
            category, stack = f"{number_raw.rstrip('、.')}、{title}".strip("、"), []
            continue
        if get(texts, "category"):
            category = get(texts, "category")
        spec = TaskSpec(row=row_no, label=_("第%(row)s行") % {"row": row_no}, number=number_raw, category=category,
                        title=title,
                        measures=get(texts, "measures"), lead_text=get(texts, "lead"), coop_text=get(texts, "coop"),
                        leaders_text=get(texts, "leaders"), deadline_raw=_raw_cell(ws, row_no, columns.get("deadline")),
                        tags=[t for t in re.split(r"[、,，;；\s]+", get(texts, "tags")) if t], note=get(texts, "note"),
                        tags_given="tags" in columns)
        index = len(plan.specs)
        if not number_raw and row_no in merged_number and merged_number[row_no] in row_of_spec.values():
            # A row under a 序号 cell merged from above: a sub-item of that task.
            parent_idx = next(i for i, r in row_of_spec.items() if r == merged_number[row_no])
            spec.parent, spec.level, spec.inherit_from_parent = parent_idx, plan.specs[parent_idx].level + 1, True
            auto_next[parent_idx] += 1
            spec.key = str(auto_next[parent_idx])
            spec.number = number_for(spec.level, auto_next[parent_idx])
            spec.title = spec.title or spec.measures
        else:
            if parsed is None:
                if number_raw:
                    plan.specs.append(spec)
                    spec.key = f"?{number_raw}"
                    row_of_spec[index] = row_no
                    continue
                level = plan.specs[stack[-1]].level if stack else 2
                while stack and plan.specs[stack[-1]].level >= level:
                    stack.pop()
                parent = stack[-1] if stack else None
                auto_next[parent] += 1
                spec.level, spec.key = level, str(auto_next[parent])
                spec.number = number_for(level, auto_next[parent])  # stored, so an export round-trips
                plan.warnings.append(_("工作表“%(sheet)s”第%(row)s行：序号为空，已按顺序编为 %(number)s。")
                                     % {"sheet": ws.title, "row": row_no, "number": spec.key})
            else:
                spec.level, spec.key = parsed
                while stack and plan.specs[stack[-1]].level >= spec.level:
                    stack.pop()
                parent = stack[-1] if stack else None
                if spec.key.isdigit():
                    auto_next[parent] = max(auto_next[parent], int(spec.key))
            spec.parent = stack[-1] if stack else None
            stack.append(index)
        plan.specs.append(spec)
        row_of_spec[index] = row_no
    # a column the list has no place for is not imported: say which, so that nobody believes it was
    task_rows = [rows[n - 1] for n in row_of_spec.values()]
    unread = []
    for i in range(max(map(len, task_rows), default=0)):
        name = re.sub(r"\s+", "", header[i]) if i < len(header) else ""
        if i in columns.values() or name in COMPUTED_HEADERS or not any(i < len(r) and r[i] for r in task_rows):
            continue
        unread.append(name or _("第%(col)s列") % {"col": column_letter(i + 1)})
    if unread:
        plan.warnings.append(_("工作表“%(sheet)s”的列“%(columns)s”不是任务清单的列，其内容没有导入（需要保留的请写进“备注”列）。")
                             % {"sheet": ws.title, "columns": "”“".join(unread)})
    return plan


def _raw_cell(ws, row_no: int, col_idx: int | None):
    """The deadline cell as openpyxl typed it (a date cell stays a date)."""
    if col_idx is None:
        return None
    value = ws.cell(row=row_no, column=col_idx + 1).value
    return value.strip() if isinstance(value, str) else value


# ---- from YAML -------------------------------------------------------------------------------------

def specs_from_yaml(tasks: list[dict]) -> list[TaskSpec]:
    specs: list[TaskSpec] = []

    def walk(items, parent, level, path):
        for i, item in enumerate(items, 1):
            label = _("第%(number)s项任务") % {"number": "-".join(map(str, path + [i]))}
            number = str(item.get("number", ""))
            parsed = parse_number(number) if number else None
            spec = TaskSpec(row=None, label=label, number=number or str(i), level=parsed[0] if parsed else level,
                            category=item.get("category") or (specs[parent].category if parent is not None else ""),
                            title=item.get("title", ""), measures=item.get("measures", "") or "",
                            lead_text=item.get("lead_units", "") or "", coop_text=item.get("coop_units", "") or "",
                            leaders_text=item.get("leaders", "") or "", deadline_raw=item.get("deadline"),
                            tags=list(item.get("tags") or []), note=item.get("note", "") or "", parent=parent,
                            key=parsed[1] if parsed else str(i),
                            milestones=[(m.get("title", ""), m.get("deadline")) for m in item.get("milestones") or []],
                            inherit_from_parent=parent is not None)
            specs.append(spec)
            walk(item.get("children") or [], len(specs) - 1, level + 1, path + [i])

    walk(tasks, None, 2, [])
    return specs


# ---- validation ------------------------------------------------------------------------------------

def _assign_codes(specs: list[TaskSpec], sheet: str, columns: dict[str, str]) -> list[CellError]:
    errors = []
    col = columns.get("number", "序号")
    for s in specs:
        if s.key.startswith("?"):
            errors.append(CellError(sheet, s.row, col, _("无法识别的序号“%(number)s”（可用格式：1、（1）、(一)、1.2、①）。")
                                    % {"number": s.number}))

    def build(prefix_by_category: bool):
        ordinals: dict[str, int] = {}
        for s in specs:
            ordinals.setdefault(s.category, len(ordinals) + 1)
        codes = []
        for s in specs:
            if s.parent is None:
                codes.append(f"{ordinals[s.category]}-{s.key}" if prefix_by_category else s.key)
            elif DOTTED.match(s.key):
                codes.append(f"{codes[s.parent]}.{s.key.rsplit('.', 1)[1]}")  # "1.2" under "2-1" → "2-1.2"
            else:
                codes.append(f"{codes[s.parent]}.{s.key}")
        return codes

    codes = build(False)
    top = [(c, s.category) for c, s in zip(codes, specs) if s.parent is None]
    if len({c for c, _ in top}) < len(top) and len(set(top)) == len(top):
        codes = build(True)  # numbering restarts in each category
    seen: dict[str, TaskSpec] = {}
    for code, s in zip(codes, specs):
        s.code = code
        if s.key.startswith("?"):
            continue
        if code in seen:
            errors.append(CellError(sheet, s.row, col, _("序号“%(number)s”重复（与%(other)s相同）。")
                                    % {"number": s.number, "other": seen[code].label}))
        else:
            seen[code] = s
    return errors


def _located(s: TaskSpec, on_sheet: str, in_yaml: str) -> str:
    """A sheet error is located by its row; a YAML item's message names the item (“第3项任务”)."""
    return on_sheet if s.row is not None else in_yaml % {"label": s.label}


def _item_error(s: TaskSpec, error: str) -> str:
    """“找不到单位“X”” → “找不到单位“X”。” on a sheet, “第3项任务：找不到单位“X”。” in YAML."""
    if s.row is None:
        return _("%(label)s：%(error)s。") % {"label": s.label, "error": error}
    return _("%(error)s。") % {"error": error}


def validate_specs(specs: list[TaskSpec], *, region: Unit, year: int, sheet: str, columns: dict[str, str],
                   create_leaders: bool = False) -> list[str]:
    """Resolve units, leaders and deadlines in place; raise ImportFailed listing every problem. With
    `create_leaders`, a 责任领导 nobody has is not a problem: the names are returned (and stand as names in
    `spec.leaders` until import_specs creates them)."""
    errors = _assign_codes(specs, sheet, columns)
    units, leaders = UnitResolver(region), LeaderResolver(create_missing=create_leaders)
    col = lambda key: columns.get(key, HEADER_LABEL[key])  # noqa: E731
    for s in specs:
        parent = specs[s.parent] if s.parent is not None else None
        if parent and s.inherit_from_parent:
            s.lead_text = s.lead_text or parent.lead_text
            s.coop_text = s.coop_text or parent.coop_text
            s.leaders_text = s.leaders_text or parent.leaders_text
            if s.deadline_raw in (None, ""):
                s.deadline_raw = parent.deadline_raw
        if not s.title:
            errors.append(CellError(sheet, s.row, col("title"), _located(s, _("任务内容为空。"), _("%(label)s任务内容为空。"))))
        if len(s.title) > 2000:
            errors.append(CellError(sheet, s.row, col("title"), _("任务内容超过2000字。")))
        if not s.lead_text:
            errors.append(CellError(sheet, s.row, col("lead"), _located(s, _("牵头单位为空。"), _("%(label)s牵头单位为空。"))))
        s.lead_units, errs = units.resolve(s.lead_text)
        errors += [CellError(sheet, s.row, col("lead"), _item_error(s, e)) for e in errs]
        s.coop_units, errs = units.resolve(s.coop_text)
        errors += [CellError(sheet, s.row, col("coop"), _item_error(s, e)) for e in errs]
        s.leaders, errs = leaders.resolve(s.leaders_text)
        errors += [CellError(sheet, s.row, col("leaders"), _item_error(s, e)) for e in errs]
        try:
            s.deadline = parse_deadline(s.deadline_raw, year=year)
        except DeadlineError as e:
            errors.append(CellError(sheet, s.row, col("deadline"), _item_error(s, str(e))))
        for title, phrase in s.milestones:
            try:
                parsed = parse_deadline(phrase, year=year)
            except DeadlineError as e:
                errors.append(CellError(sheet, s.row, "时间节点", _("%(label)s“%(title)s”：%(error)s。")
                                        % {"label": s.label, "title": title, "error": e}))
                continue
            for model_field, value in (("title", title), ("phrase", parsed.phrase)):
                if message := too_long(Milestone, model_field, value):
                    errors.append(CellError(sheet, s.row, "时间节点", _("%(label)s“%(title)s”：%(error)s。")
                                            % {"label": s.label, "title": title[:20], "error": message.rstrip("。")}))
        # (the 完成时限's segments, which become 时间节点 too, are parts of it and so no longer)
        if s.deadline is not None:
            if message := too_long(Task, "deadline_phrase", s.deadline.phrase):
                errors.append(CellError(sheet, s.row, col("deadline"), _item_error(s, message.rstrip("。"))))
        if message := too_long(Task, "category", s.category):
            errors.append(CellError(sheet, s.row, col("category"), _item_error(s, message.rstrip("。"))))
        for field_name, text, limit in (("lead", s.lead_text, 500), ("coop", s.coop_text, 1000), ("leaders", s.leaders_text, 200)):
            if len(text) > limit:
                errors.append(CellError(sheet, s.row, col(field_name), _("内容超过%(limit)s字。") % {"limit": limit}))
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: (e.row or 0, e.column or "")))
    return leaders.missing


def _create_leaders(*, by, program: Program, specs: list[TaskSpec], names: list[str]) -> None:
    """Create the missing 责任领导 as people without login (org.services) and put them in the specs."""
    from luoshi.org.services import leaders_create

    people = dict(zip(names, leaders_create(by=by, names=names, unit=program.owner_unit)))
    for s in specs:
        s.leaders = [people[p] if isinstance(p, str) else p for p in s.leaders]


# ---- writing ---------------------------------------------------------------------------------------

def import_specs(*, by, program: Program, specs: list[TaskSpec], sheet: str, source: str,
                 columns: dict[str, str] | None = None, warnings: list[str] | None = None,
                 dry_run: bool = False, create_leaders: bool = False,
                 validated: list[str] | None = None) -> ImportReport:
    """Validate all specs, then create or update tasks by code — or, on a dry run, count exactly what
    would happen. The caller holds the transaction. With `create_leaders`, 责任领导 without an account are
    created as people without login (listed in `report.new_leaders`) instead of refusing the sheet.
    `validated`: the caller already ran validate_specs (outside its transaction) and passes what it returned."""
    if not specs:
        raise ImportFailed([CellError(sheet, None, None, _("没有任务数据。"))])
    new_leaders = validated if validated is not None else validate_specs(
        specs, region=region_of(program.owner_unit), year=program.year, sheet=sheet, columns=columns or {},
        create_leaders=create_leaders)
    report = ImportReport(program=program, rows=len(specs), warnings=list(warnings or []), dry_run=dry_run,
                          new_leaders=new_leaders)
    existing = {t.code: t for t in Task.objects.filter(program=program).prefetch_related("tags")} if program.pk else {}
    code_of: dict[int | None, str] = {t.pk: t.code for t in existing.values()}
    changes: dict[int, dict] = {}
    errors = []
    for i, spec in enumerate(specs):
        task = existing.get(spec.code)
        if task is None:
            report.created += 1
            continue
        changes[i] = _changes(task, spec, specs, code_of)
        if not changes[i]:
            report.unchanged += 1
        elif task.closed_at:
            errors.append(CellError(sheet, spec.row, None, _("%(label)s：任务“%(code)s”已办结，不能通过导入修改（改动：%(fields)s）。")
                                    % {"label": spec.label, "code": spec.code, "fields": "、".join(changes[i])}))
        else:
            report.updated += 1
    if errors:
        raise ImportFailed(errors)
    if not dry_run:
        if new_leaders:
            _create_leaders(by=by, program=program, specs=specs, names=new_leaders)
        _write(by=by, program=program, specs=specs, existing=existing, changes=changes, source=source)
    return report


def _fields(spec: TaskSpec) -> dict:
    d = spec.deadline
    assert d is not None  # a sheet row that passed validation has a deadline
    return dict(number=spec.number, category=spec.category, title=spec.title, measures=spec.measures,
                lead_units_text=spec.lead_text, coop_units_text=spec.coop_text, leaders_text=spec.leaders_text,
                deadline_phrase=d.phrase, deadline_kind=d.kind, deadline=d.date, recurrence=d.recurrence, note=spec.note)


def _changes(task: Task, spec: TaskSpec, specs: list[TaskSpec], code_of: dict[int | None, str]) -> dict[str, list]:
    """{field: [old, new]} between a stored task and a sheet row; the parent is compared by code."""
    out = {k: [_j(getattr(task, k)), _j(v)] for k, v in _fields(spec).items() if getattr(task, k) != v}
    parent_code = specs[spec.parent].code if spec.parent is not None else None
    if code_of.get(task.parent_id) != parent_code:
        out["parent"] = [code_of.get(task.parent_id), parent_code]
    if spec.tags_given and sorted(t.name for t in task.tags.all()) != sorted(set(spec.tags)):
        out["tags"] = [sorted(t.name for t in task.tags.all()), sorted(set(spec.tags))]
    return out


def _write(*, by, program: Program, specs: list[TaskSpec], existing: dict[str, Task], changes: dict[int, dict],
           source: str):
    now, today = clock.now(), clock.today()
    start = max(program.start_date, min(today, program.end_date))
    tag_names = {t for s in specs for t in s.tags}
    Tag.objects.bulk_create([Tag(name=n) for n in tag_names], ignore_conflicts=True)
    tags = {t.name: t for t in Tag.objects.filter(name__in=tag_names)}
    task_of: dict[int, Task] = {}
    journal: list[JournalEntry] = []
    max_depth = max(_depth(specs, i) for i in range(len(specs)))
    for depth in range(max_depth + 1):  # parents are written before their children
        batch_new, batch_idx = [], []
        for i, s in enumerate(specs):
            if _depth(specs, i) != depth:
                continue
            fields = dict(_fields(s), sort_order=i + 1, parent=task_of[s.parent] if s.parent is not None else None)
            task = existing.get(s.code)
            if task is None:
                task = Task(program=program, code=s.code, start_date=start, created_at=now, updated_at=now, **fields)
                batch_new.append(task)
                batch_idx.append(i)
            elif changes[i] or task.sort_order != i + 1:
                for k, v in fields.items():
                    setattr(task, k, v)
                task.updated_at = now
                task.save()
                if changes[i]:
                    journal.append(_journal(by, "task.import_update", task, changes[i], source, program, now))
            task_of[i] = task
        Task.objects.bulk_create(batch_new)
        for i, task in zip(batch_idx, batch_new):
            journal.append(_journal(by, "task.import_create", task, {"code": task.code, "title": task.title}, source,
                                    program, now))
    # assignments, leaders, tags, milestones
    assignments, leader_links, tag_links, milestones = [], [], [], []
    for i, task in task_of.items():
        s = specs[i]
        if s.code in existing:
            change = changes[i]
            if "lead_units_text" in change or "coop_units_text" in change:
                services._set_assignments(task, s.lead_units, s.coop_units, now)
            if "leaders_text" in change:
                task.leaders.set(s.leaders)
            if "tags" in change:
                task.tags.set([tags[n] for n in dict.fromkeys(s.tags)])
            continue
        lead_ids = {u.pk for u in s.lead_units}
        for u in s.lead_units + [u for u in s.coop_units if u.pk not in lead_ids]:
            assignments.append(TaskAssignment(task=task, program_id=task.program_id, unit=u, unit_path=u.path,
                                              assigned_at=now,
                                              role=AssignmentRole.LEAD if u.pk in lead_ids else AssignmentRole.COOP))
        leader_links += [Task.leaders.through(task_id=task.pk, person_id=p.pk) for p in s.leaders]
        tag_links += [Task.tags.through(task_id=task.pk, tag_id=tags[n].pk) for n in dict.fromkeys(s.tags)]
        assert s.deadline is not None  # validated
        # a segment of the 完成时限 is its own phrase; a listed 时间节点 keeps the deadline as written
        listed = [(t, parse_deadline(p, year=program.year)) for t, p in s.milestones]
        ms = [(t, t, d) for t, d in s.deadline.milestones] + [(t, parsed.phrase, parsed.date) for t, parsed in listed]
        milestones += [Milestone(task=task, title=t, phrase=phrase, due=d, sort_order=k)
                       for k, (t, phrase, d) in enumerate(ms)]
    TaskAssignment.objects.bulk_create(assignments, batch_size=2000)
    Task.leaders.through.objects.bulk_create(leader_links, batch_size=2000)
    Task.tags.through.objects.bulk_create(tag_links, batch_size=2000)
    Milestone.objects.bulk_create(milestones, batch_size=2000)
    journal_record_many(journal)
    from .status import program_recompute  # statuses, and the program's tallies counted again

    program_recompute(program=program, today=today, now=now)
    journal_record(actor=by, verb="program.import", obj=program, scope_path=program.owner_unit.path,
                   changes={"source": source, "created": len([i for i in task_of if specs[i].code not in existing]),
                            "updated": len([c for c in changes.values() if c])})


def _depth(specs: list[TaskSpec], i: int) -> int:
    d = 0
    while (parent := specs[i].parent) is not None:
        i, d = parent, d + 1
    return d


def _j(v):
    if isinstance(v, Task):
        return v.pk
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def _journal(by, verb, task, changes, source, program, now) -> JournalEntry:
    return journal_entry(at=now, actor=by, verb=verb, obj=task, scope_path=program.owner_unit.path, changes=changes,
                         reason=source)


# ---- the entry points ------------------------------------------------------------------------------

def tasks_import_xlsx(*, by, data: bytes, program: Program | None = None, program_code: str = "",
                      owner_unit: Unit | None = None, year: int | None = None, filename: str = "",
                      dry_run: bool = False, create_leaders: bool = False) -> ImportReport:
    """Import a task-list sheet into `program`, or into a new program `program_code` owned by `owner_unit`."""
    plan = read_sheet(data)
    if not plan.specs:
        raise ImportFailed([CellError(plan.sheet, None, None, _("表头下面没有任务行。"))])
    import_size_check(len(plan.specs), sheet=plan.sheet)
    if program is None:
        program = Program.objects.filter(code=program_code).first()
    if program is not None:
        if by is not None:
            services._require_office(by, program)
        owner, year = program.owner_unit, program.year
    elif owner_unit is None:
        raise ImportFailed([CellError("", None, None, _("专项工作“%(code)s”不存在，请指定主办单位以新建。")
                                      % {"code": program_code})])
    else:
        owner, year = owner_unit, year or clock.today().year
    # every row is checked (units, leaders, deadlines resolved) before the write transaction opens: no write lock
    # is held meanwhile (ADR 0028)
    new_leaders = validate_specs(plan.specs, region=region_of(owner),
                                 year=year, sheet=plan.sheet, columns=plan.columns,
                                 create_leaders=create_leaders)
    with transaction.atomic():
        if program is None:
            program = services.program_create(by=by, code=program_code, name=plan.title or program_code, year=year,
                                              owner_unit=owner, sheet_title=plan.title, sheet_subtitle=plan.subtitle)
        report = import_specs(by=by, program=program, specs=plan.specs, sheet=plan.sheet, columns=plan.columns,
                              source=f"{filename or 'Excel'}（工作表“{plan.sheet}”）", warnings=plan.warnings,
                              dry_run=dry_run, create_leaders=create_leaders, validated=new_leaders)
        if dry_run:
            transaction.set_rollback(True)
    return report
