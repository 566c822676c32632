"""Specs: rules written as YAML (presets, indicator schemes, review schemes, the intake catalogue) read into
typed pydantic models, with every problem located — file, line, column, key path — and said in the user's
language (Chinese by default, English when the active language is en).

    from luoshi.core.specs import Spec, SpecError, SpecFieldError, parse_yaml

    class Criterion(Spec):           # Spec: unknown keys are refused
        code: str
        max: Decimal = Field(gt=0)

    try:
        spec = parse_yaml(text, MyScheme, source="x.yaml")
    except SpecError as e:
        for p in e.errors:           # SpecProblem: p.sheet (file), p.row (line), p.col, p.column (key path), p.message
            ...

A validator that knows which key it is about raises `SpecFieldError(("items", 0, "points"), message)` so the
problem names that key's line; any other `ValueError` raised by a validator is located at the model it checks.
Messages written by validators are gettext strings (`_("…")`), so they follow the active language too.
`SpecError` is an `ImportFailed`, so whatever shows Excel import errors shows these the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, Mapping, Sequence, TypeVar, get_args, get_origin

import yaml
from django.utils.translation import gettext as _, pgettext
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from .excel import CellError, ImportFailed

M = TypeVar("M", bound=BaseModel)
Loc = tuple  # a key path as pydantic writes it: ("items", 0, "children", 2, "points")


class Spec(BaseModel):
    """Base of every spec model: a key the model does not know is an error (a misspelt key is not ignored)."""

    model_config = ConfigDict(extra="forbid")


class SpecFieldError(ValueError):
    """Raised by a validator to name the key(s) a problem is about, relative to the model (or field) the
    validator checks — e.g. ("rules", 2, "group") — so each problem is shown at that key's line."""

    def __init__(self, loc: Loc, message: str, *more: tuple[Loc, str]):
        super().__init__(message)
        self.problems: list[tuple[Loc, str]] = [(tuple(loc), str(message)), *((tuple(lo), str(m)) for lo, m in more)]


@dataclass(frozen=True)
class SpecProblem(CellError):
    """One problem in a spec file, shaped like an Excel import error so the same pages and commands show it:
    `sheet` is the file, `row` the line, `column` the key's path (items.0.points), and `col` the character
    column of that key on its line (1-based) when known."""

    col: int | None = None

    def __str__(self) -> str:
        where = [self.sheet] if self.sheet else []
        if self.row:
            where.append(pgettext("spec location", "第%(line)s行") % {"line": self.row})
        if self.column:
            where.append(pgettext("spec location", "（%(path)s）") % {"path": self.column})
        if not where:
            return str(self.message)
        return pgettext("error location", "%(where)s：%(message)s") % {
            "where": "".join(where).lstrip(", "), "message": self.message}


class SpecError(ImportFailed):
    """A spec was refused: `errors` lists every problem found (a `SpecProblem` each). Nothing was written."""

    errors: list[SpecProblem]


# ---- reading the YAML ----------------------------------------------------------------------------------

if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:  # libyaml's loader when present; it has SafeLoader's interface
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):
    """The safe loader (libyaml when present), where a date that does not exist (2026-13-01) is a located
    error instead of a bare ValueError."""


class _BadDate(yaml.YAMLError):
    def __init__(self, node):
        self.problem_mark, self.value = node.start_mark, node.value


def _timestamp(loader, node):
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise _BadDate(node) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


_YAML_PROBLEMS = (  # pyyaml's English problem → what to say (the line is given separately)
    ("mapping values are not allowed", lambda: _("这里不能出现“键: 值”：冒号后要有空格，值里的冒号要加引号")),
    ("could not find expected ':'", lambda: _("缺少冒号“:”")),
    ("expected ',' or ']'", lambda: _("方括号 [ ] 没有配对")),
    ("expected ',' or '}'", lambda: _("花括号 { } 没有配对")),
    ("tab character", lambda: _("缩进只能用空格，不能用 Tab")),
    ("cannot start any token", lambda: _("有不能出现在这里的字符（缩进只能用空格，不能用 Tab）")),
    ("found unexpected end of stream", lambda: _("引号没有配对")),
    ("did not find expected '-' indicator", lambda: _("列表项的缩进没有对齐")),
    ("did not find expected key", lambda: _("缩进没有对齐")),
    ("expected <block end>", lambda: _("缩进没有对齐")),
    ("found undefined alias", lambda: _("引用了没有定义的锚点（*名称）")),
)


class _Document:
    """The YAML text once composed: the node tree (for lines and columns) and the data built from it."""

    def __init__(self, text: str, source: str):
        self.text, self.source = text, source
        loader = _Loader(text)
        try:
            self.node = loader.get_single_node()
            self.data = loader.construct_document(self.node) if self.node is not None else None
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
            if isinstance(e, _BadDate):
                message = _("“%(value)s”不是有效的日期") % {"value": e.value}
            else:
                problem = str(getattr(e, "problem", "") or e)
                said = next((say() for english, say in _YAML_PROBLEMS if english in problem),
                            _("请检查这一行及上一行的缩进、冒号、括号和引号"))
                message = _("YAML 格式错误：%(error)s") % {"error": said}
            raise SpecError([SpecProblem(source, mark.line + 1 if mark else None, None, message,
                                         mark.column + 1 if mark else None)]) from None
        finally:
            loader.dispose()
        duplicates = list(_duplicate_keys(self.node))
        if duplicates:
            raise SpecError([SpecProblem(source, key.start_mark.line + 1, path, _(
                "键“%(key)s”重复（第%(first)s行已写过）") % {"key": key.value, "first": first.start_mark.line + 1},
                key.start_mark.column + 1) for path, key, first in duplicates])

    def locate(self, loc: Loc, *, missing: bool = False) -> tuple[list, int | None, int | None]:
        """(keys of the path, line, column) of `loc`. Elements pydantic adds that are not keys of the file (a union
        member's tag or type, "[key]") are left out of the path; a missing key (`missing`) is named in the path
        and located at the mapping it should be in."""
        node, path, line, col = self.node, [], None, None
        for n, key in enumerate(loc):
            if isinstance(node, yaml.MappingNode):
                match = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(key)),
                             None)
                if match is not None:
                    path.append(key)
                    key_node, node = match
                    line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                    continue
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
                path.append(key)
                node = node.value[key]
                line, col = node.start_mark.line + 1, node.start_mark.column + 1
                continue
            if missing and n == len(loc) - 1:
                path.append(key)
        return path, line, col

    def problem(self, loc: Loc, message: str, *, missing: bool = False) -> SpecProblem:
        path, line, col = self.locate(loc, missing=missing)
        return SpecProblem(self.source, line, ".".join(str(x) for x in path) or None, message, col)

    def validate(self, model: type[M]) -> M:
        expected = _literal_kind(model)
        if expected is not None:
            kind = self.data.get("kind") if isinstance(self.data, dict) else None
            if kind != expected:
                path, line, col = self.locate(("kind",))
                raise SpecError([SpecProblem(self.source, line or 1, "kind" if path else None,
                                             _("文件须以 kind: %(kind)s 开头。") % {"kind": expected}, col)])
        elif not isinstance(self.data, dict):
            raise SpecError([SpecProblem(self.source, 1, None, _("文件须写成“键: 值”的形式。"))])
        try:
            return model.model_validate(self.data)
        except ValidationError as e:
            raise SpecError(self._problems(e.errors())) from None

    def _problems(self, errors: Sequence[ErrorDetails]) -> list[SpecProblem]:
        problems: list[SpecProblem] = []
        alternatives: dict[tuple, int] = {}  # a union's members each complain about the same key: "…；或…"
        for err in errors:
            cause = (err.get("ctx") or {}).get("error")
            if isinstance(cause, SpecFieldError):
                pairs = [(tuple(err["loc"]) + loc, message) for loc, message in cause.problems]
            else:
                pairs = [(tuple(err["loc"]), pydantic_message(err))]
            for loc, message in pairs:
                missing = err["type"] == "missing"
                path, line, col = self.locate(loc, missing=missing)
                p = SpecProblem(self.source, line, ".".join(str(x) for x in path) or None, message, col)
                member = not missing and len(path) < len(loc)
                key = (p.column, p.row)
                if member and key in alternatives:
                    i = alternatives[key]
                    if message not in problems[i].message:
                        problems[i] = replace(problems[i], message=_("%(first)s；或%(second)s")
                                              % {"first": problems[i].message, "second": message})
                    continue
                if member:
                    alternatives[key] = len(problems)
                problems.append(p)
        return problems


def _duplicate_keys(node):
    """(key path, key node, first key node) for each key written twice in the same mapping."""
    stack: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(node, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, yaml.Node] = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    if k.value in seen:
                        yield ".".join(str(x) for x in loc + (k.value,)), k, seen[k.value]
                    else:
                        seen[k.value] = k
                stack.append((v, loc + (k.value if isinstance(k, yaml.ScalarNode) else "?",)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, loc + (i,)) for i, v in enumerate(node.value))


def _literal_kind(model: type[BaseModel]) -> str | None:
    """The value a model's `kind: Literal["…"]` field requires, if it has one."""
    field = model.model_fields.get("kind")
    if field is None or get_origin(field.annotation) is not Literal:
        return None
    values = get_args(field.annotation)
    return values[0] if len(values) == 1 else None


# ---- the public readers ---------------------------------------------------------------------------------

def read_yaml(text: str, *, source: str = "") -> Any:
    """The data in a YAML text, or SpecError for a syntax error or a key written twice (with its line)."""
    return _Document(text, source).data


def parse_yaml(text: str, model: type[M], *, source: str = "") -> M:
    """The YAML text validated against `model`, or SpecError listing every problem with its line, column
    and key path, in the active language. A model with `kind: Literal["x"]` also requires the file to say
    `kind: x` (one clear error instead of many when the wrong kind of file is given)."""
    return _Document(text, source).validate(model)


def spec_problem(text: str, loc: Loc, message: str, *, source: str = "") -> SpecProblem:
    """A problem found after validation (a unit not found, a code already taken), located at the key `loc`
    of the text — e.g. spec_problem(text, ("rules", 3, "to"), _("找不到单位…"), source=name)."""
    try:
        return _Document(text, source).problem(loc, message)
    except SpecError:
        return SpecProblem(source, None, ".".join(str(x) for x in loc) or None, message)


def pydantic_message(err: Mapping[str, Any]) -> str:
    """One pydantic error (an item of `ValidationError.errors()`) said in the active language; pydantic's own
    messages are English. Used for spec files and for malformed API requests."""
    ctx = err.get("ctx") or {}
    kind = err["type"]
    if kind in ("value_error", "assertion_error") and ctx.get("error") is not None:
        return str(ctx["error"])
    template = _messages().get(kind)
    if template is None:
        return _("写法不符合要求")
    sep = _("、")
    values = {k: (v.replace(" or ", sep).replace(", ", sep) if isinstance(v, str) else v) for k, v in ctx.items()}
    try:
        return template % values
    except (KeyError, TypeError, ValueError):
        return _("写法不符合要求")


def _messages() -> dict[str, str]:
    number, whole, text = _("须为数字"), _("须为整数"), _("须为文字")
    date, boolean, mapping, listing = _("须为日期（如 2026-06-30）"), _("须为 true 或 false"), _("须为键值对"), _("须为列表")
    return {
        "missing": _("缺少必填项"),
        "extra_forbidden": _("不认识的键（拼写有误？）"),
        "union_tag_invalid": _("类型“%(tag)s”不存在，可选：%(expected_tags)s"),
        "union_tag_not_found": _("须写明类型 type"),
        "greater_than_equal": _("须不小于 %(ge)s"),
        "greater_than": _("须大于 %(gt)s"),
        "less_than_equal": _("须不大于 %(le)s"),
        "less_than": _("须小于 %(lt)s"),
        "multiple_of": _("须为 %(multiple_of)s 的倍数"),
        "decimal_parsing": number, "decimal_type": number, "float_parsing": number, "float_type": number,
        "finite_number": number,
        "decimal_max_digits": _("数字位数过多"), "decimal_max_places": _("小数位数过多"),
        "decimal_whole_digits": _("数字位数过多"),
        "int_parsing": whole, "int_type": whole, "int_from_float": whole, "int_parsing_size": whole,
        "bool_parsing": boolean, "bool_type": boolean,
        "string_type": text, "string_too_short": _("不能为空"),
        "string_too_long": _("不能超过 %(max_length)s 个字"),
        "string_pattern_mismatch": _("格式不符（须符合 %(pattern)s）"),
        "literal_error": _("须为 %(expected)s 之一"), "enum": _("须为 %(expected)s 之一"),
        "date_parsing": date, "date_type": date, "date_from_datetime_parsing": date,
        "date_from_datetime_inexact": date,
        "list_type": listing, "tuple_type": listing, "set_type": listing,
        "too_short": _("至少须有 %(min_length)s 项"), "too_long": _("最多 %(max_length)s 项"),
        "dict_type": mapping, "model_type": mapping, "model_attributes_type": mapping,
    }
