"""The journal in human words: one renderer for every app's history (issue #12 §4).

A journal entry stores what changed as plain JSON (ids, codes, ISO dates). `journal_rows(entries)` turns a page of
entries into what a reader wants: the verb as words (迟报 → "报送进展"), each field by its verbose name, foreign keys
as names (units by their full path), choices as their labels, yes/no, dates and times in the one format
(core.formats). Names are looked up once per related model for the whole page, not once per entry.

Field labels come from the object's model when the key is one of its fields; keys that are not fields (the units a
task gained, a report's percent) and verbs are registered by the apps that write them (`journal_keys_register`,
`journal_verbs_register`, in their AppConfig.ready). Core sits below every app, so names of another app's rows are
found through `journal_names_register` (org registers units: their path of names)."""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext as _, gettext_lazy

from . import formats

# kinds of value: how a stored value is written
TEXT, BOOL, DAY, MOMENT, PERCENT, NUMBER, HIDDEN = "text", "bool", "day", "moment", "percent", "number", "hidden"


@dataclass(frozen=True)
class JournalKey:
    """How a key of `changes` that is not a model field is shown: its label, and either a kind, a related model
    ("org.unit": an id, or a list of ids when `many`), or `choices` (code → label)."""

    label: Any
    kind: str = TEXT
    model: str = ""
    many: bool = False
    choices: dict[str, Any] = field(default_factory=dict)


_VERBS: dict[str, Any] = {}
_KEYS: dict[str, dict[str, JournalKey]] = defaultdict(dict)   # object type ("tasks.task", "*" for any) → key → how
_NAMES: dict[str, Callable[[set[int]], dict[int, str]]] = {}


# The verbs of the first apps (tasks, intake, ideas, portal, instructions); later apps register theirs.
_VERBS.update({
    "task.create": gettext_lazy("新建任务"), "task.update": gettext_lazy("修改任务"),
    "task.import_create": gettext_lazy("导入新建"), "task.import_update": gettext_lazy("导入更新"),
    "task.acknowledge": gettext_lazy("签收"), "task.report": gettext_lazy("报送进展"),
    "task.status": gettext_lazy("状态变化"), "task.extension_request": gettext_lazy("申请延期"),
    "task.extension_decide": gettext_lazy("审核延期"), "task.closure_request": gettext_lazy("申请办结"),
    "task.closure_decide": gettext_lazy("审核办结"), "task.report_release": gettext_lazy("公开进展"),
    "task.report_withhold": gettext_lazy("不予公开进展"),
    "task.milestone_done": gettext_lazy("时间节点完成"), "task.milestone_undo": gettext_lazy("撤销时间节点完成"),
    "request.submit": gettext_lazy("受理"), "request.import": gettext_lazy("批量导入"),
    "request.dispatch": gettext_lazy("派单"), "request.close_invalid": gettext_lazy("不予受理/重复"),
    "request.sign": gettext_lazy("签收"), "request.return": gettext_lazy("退单"), "request.note": gettext_lazy("办理记录"),
    "request.reply": gettext_lazy("回复"), "request.rate": gettext_lazy("回访评价"),
    "request.close_unrated": gettext_lazy("逾期未评价办结"), "request.extension_ask": gettext_lazy("申请延期"),
    "request.extension_decide": gettext_lazy("延期审批"), "request.urge": gettext_lazy("催办"),
    "request.supervise": gettext_lazy("督办"), "request.purge_personal": gettext_lazy("清除个人信息"),
    "intake.configure": gettext_lazy("导入派单目录"), "intake.topic_promote": gettext_lazy("热点转实事"),
    "intake.topic_recommend": gettext_lazy("推荐热点转实事"),
    "idea.submit": gettext_lazy("提交建议"), "idea.screen": gettext_lazy("初审"), "idea.score": gettext_lazy("专家评分"),
    "idea.decide": gettext_lazy("处理答复"), "idea.award": gettext_lazy("评奖"), "idea.task": gettext_lazy("转化为任务"),
    "idea.campaign_create": gettext_lazy("发起征集"), "idea.campaign_update": gettext_lazy("修改征集活动"),
    "idea.expert_add": gettext_lazy("增加评审专家"), "idea.expert_remove": gettext_lazy("移出评审专家"),
    "portal.rating": gettext_lazy("群众评价"), "program.create": gettext_lazy("新建专项工作"),
    "program.update": gettext_lazy("修改专项工作"),
    "instruction.create": gettext_lazy("领导批示"), "instruction.reply": gettext_lazy("回复批示"),
    "instruction.read": gettext_lazy("批示已阅"), "instruction.close": gettext_lazy("批示办结"),
    "calendar.set": gettext_lazy("设定工作日历"), "calendar.remove": gettext_lazy("移除工作日历"),
})


def journal_verbs_register(verbs: dict[str, Any]) -> None:
    _VERBS.update(verbs)


def journal_keys_register(keys: dict[str, JournalKey], *, object_type: str = "*") -> None:
    _KEYS[object_type].update(keys)


def journal_names_register(model_label: str, names: Callable[[set[int]], dict[int, str]]) -> None:
    """`names(ids) → {id: name}` for rows of `model_label` ("org.unit"), instead of str(row)."""
    _NAMES[model_label.lower()] = names


def verb_text(verb: str) -> str:
    return str(_VERBS.get(verb, verb))


def _chinese() -> bool:
    return (get_language() or "zh").startswith("zh")


@dataclass
class JournalChange:
    label: str
    old: str | None   # None: not a change from one value to another, `new` is the value
    new: str

    @property
    def text(self) -> str:
        colon = "：" if _chinese() else ": "
        return f"{self.label}{colon}{self.old} → {self.new}" if self.old is not None else f"{self.label}{colon}{self.new}"


@dataclass
class JournalRow:
    entry: Any
    at: dt.datetime
    at_text: str
    actor: str
    verb: str
    changes: list[JournalChange]
    reason: str

    @property
    def changes_text(self) -> str:
        return ("；" if _chinese() else "; ").join(c.text for c in self.changes)


@dataclass(frozen=True)
class _How:
    label: Any
    kind: str = TEXT
    model: str = ""
    many: bool = False
    choices: dict | None = None


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _registered(key: JournalKey) -> _How:
    return _How(key.label, key.kind, key.model.lower(), key.many, key.choices or None)


def _how(model: type[models.Model] | None, object_type: str, key: str) -> _How:
    """How to show `key`: registered for this object type, else the model's field, else registered for any type."""
    if key in _KEYS.get(object_type, {}):
        return _registered(_KEYS[object_type][key])
    if model is not None:
        try:
            f = model._meta.get_field(key.removesuffix("_id"))
        except FieldDoesNotExist:
            f = None
        if f is not None:
            label = getattr(f, "verbose_name", key)
            related = f.related_model if f.is_relation else None
            if related is not None and not isinstance(related, str):
                return _How(label, model=related._meta.label_lower, many=bool(f.many_to_many or f.one_to_many))
            if isinstance(f, models.Field) and f.choices:
                return _How(label, choices={str(k): v for k, v in f.flatchoices})
            if isinstance(f, models.BooleanField):
                return _How(label, BOOL)
            if isinstance(f, models.DateTimeField):
                return _How(label, MOMENT)
            if isinstance(f, models.DateField):
                return _How(label, DAY)
            if isinstance(f, (models.DecimalField, models.FloatField)):
                return _How(label, NUMBER)
            if key in _KEYS["*"]:  # a field without a verbose name of its own keeps the shared label's way
                return _How(label, _KEYS["*"][key].kind, _KEYS["*"][key].model.lower(), _KEYS["*"][key].many)
            return _How(label)
    if key in _KEYS["*"]:
        return _registered(_KEYS["*"][key])
    return _How(key)


def _is_pair(how: _How, value: Any) -> bool:
    """[old, new]? A list-valued key (units, files) is a pair only as two lists."""
    if not isinstance(value, list) or len(value) != 2:
        return False
    if how.many:
        return all(isinstance(v, list) or v is None for v in value)
    return True


def _ids(value: Any) -> list[int]:
    out = []
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, list):
            out.extend(_ids(v))
        elif isinstance(v, int) or (isinstance(v, str) and v.isdigit()):
            out.append(int(v))
    return out


ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _text(how: _How, value: Any, names: dict[str, dict[int, str]]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if how.model and _ids(value):
        table = names.get(how.model, {})
        return "、".join(table.get(i, f"#{i}") for i in _ids(value)) or "—"
    if isinstance(value, list):
        return "、".join(_text(how, v, names) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{_text(_How(k), v, names)}" for k, v in value.items())
    if how.choices is not None:
        return str(how.choices.get(str(value), value))
    if isinstance(value, bool) or how.kind == BOOL:
        return _("是") if value else _("否")
    text = str(value)
    if how.kind == PERCENT:
        return formats.rate_text(value, 0)
    if how.kind == NUMBER:
        try:
            return format(Decimal(text).normalize(), "f")
        except InvalidOperation:
            return text
    if how.kind in (MOMENT, TEXT) and ISO_MOMENT.match(text):
        parsed = parse_datetime(text)
        if parsed is not None:
            return formats.moment_text(parsed)
    if how.kind in (DAY, TEXT) and ISO_DAY.match(text):
        parsed_day = parse_date(text)
        if parsed_day is not None:
            return formats.day_text(parsed_day)
    if how.kind == TEXT and text in _STATUS:
        return str(_STATUS[text])
    return Truncator(text).chars(60)


# task/ledger status codes found in free-form keys ("status": ["normal", "red"])
_STATUS = {"normal": gettext_lazy("正常"), "yellow": gettext_lazy("黄灯"), "red": gettext_lazy("红灯"),
           "extended": gettext_lazy("已延期"), "closed": gettext_lazy("已办结")}


def _names(wanted: dict[str, set[int]]) -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = {}
    for label, ids in wanted.items():
        if not ids:
            continue
        if label in _NAMES:
            out[label] = _NAMES[label](ids)
            continue
        model = _model(label)
        out[label] = {} if model is None else {pk: str(obj) for pk, obj in model._default_manager.in_bulk(ids).items()}
    return out


def journal_rows(entries: Iterable[Any], *, values: dict[str, dict[str, Any]] | None = None) -> list[JournalRow]:
    """Journal entries (with `actor` selected) as rows a reader understands; one query per related model named.

    `values` names codes that only the page knows, key → {stored code: text} (a procedure's step codes → the step
    names of its definition)."""
    values = values or {}
    entries = list(entries)
    plans = []
    wanted: dict[str, set[int]] = defaultdict(set)
    model_of: dict[str, type[models.Model] | None] = {}
    for e in entries:
        if e.object_type not in model_of:
            model_of[e.object_type] = _model(e.object_type)
        plan = []
        for key, value in (e.changes or {}).items():
            how = _how(model_of[e.object_type], e.object_type, key)
            if key in values:
                how = _How(how.label, how.kind, choices=values[key])
            if how.kind == HIDDEN:
                continue
            if how.model:
                wanted[how.model].update(_ids(value))
            plan.append((how, value))
        plans.append(plan)
    names = _names(wanted)
    rows = []
    for e, plan in zip(entries, plans):
        changes = []
        for how, value in plan:
            if _is_pair(how, value):
                changes.append(JournalChange(str(how.label), _text(how, value[0], names), _text(how, value[1], names)))
            else:
                changes.append(JournalChange(str(how.label), None, _text(how, value, names)))
        actor = getattr(e.actor, "display_name", "") if e.actor_id else ""
        rows.append(JournalRow(entry=e, at=e.at, at_text=formats.moment_text(e.at), actor=actor or _("系统"),
                               verb=verb_text(e.verb), changes=changes, reason=e.reason or ""))
    return rows


# Keys that several apps write with the same meaning.
journal_keys_register({
    "unit": JournalKey(gettext_lazy("单位"), model="org.unit"),
    "lead_units": JournalKey(gettext_lazy("牵头单位"), model="org.unit", many=True),
    "coop_units": JournalKey(gettext_lazy("配合单位"), model="org.unit", many=True),
    "units_added": JournalKey(gettext_lazy("增加单位"), model="org.unit", many=True),
    "units_removed": JournalKey(gettext_lazy("移除单位"), model="org.unit", many=True),
    "role_changed": JournalKey(gettext_lazy("改变牵头/配合的单位"), model="org.unit", many=True),
    "leaders": JournalKey(gettext_lazy("责任领导"), model="org.person", many=True),
    "percent": JournalKey(gettext_lazy("完成进度"), PERCENT),
    "new_deadline": JournalKey(gettext_lazy("申请时限"), DAY),
    "old_deadline": JournalKey(gettext_lazy("原时限"), DAY),
    "extended_deadline": JournalKey(gettext_lazy("延期后时限"), DAY),
    "closed_at": JournalKey(gettext_lazy("办结时间"), MOMENT),
    "closed_on_time": JournalKey(gettext_lazy("按期办结"), BOOL),
    "files": JournalKey(gettext_lazy("附件"), many=True),
    "tags": JournalKey(gettext_lazy("标签"), many=True),
    "source": JournalKey(gettext_lazy("来源")),
    "status": JournalKey(gettext_lazy("状态")),
    "report": JournalKey("", HIDDEN),   # the report's id: the entry is already about the report
    "created": JournalKey(gettext_lazy("新建")), "updated": JournalKey(gettext_lazy("更新")),
    "unchanged": JournalKey(gettext_lazy("未变")),
})
