"""The preset registry: the kinds of YAML file under presets/ (`kind: units`, `kind: program`, `kind: scheme` …)
and, for each, how to check it and how to load it. Each app registers its kinds in its AppConfig.ready():

    from luoshi.core.presets import preset_kind_register

    preset_kind_register("ledger", title=gettext_lazy("问题台账"), model=LedgerPreset, load=ledger_preset_load,
                         summary=ledger_preset_summary)

so `luoshi preset load NAME` and `luoshi presets check` dispatch on the file's `kind:` without `core` (or any
app) importing the apps that own the kinds.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from .specs import SpecError, SpecProblem, parse_yaml, read_yaml

PRESET_DIR = Path(settings.BASE_DIR) / "presets"


@dataclass(frozen=True)
class PresetKind:
    """One kind of preset file.

    - `parse(text, source)` validates the text and returns its spec, or raises SpecError (located problems);
      by default `parse_yaml(text, model, source=source)`.
    - `load(by=, text=, spec=, source=, year=)` writes it and returns a result dict; None when the kind is
      not loaded on its own (`hint` then says how it is used).
    - `summary(result)` is the one line the command prints after loading."""

    kind: str
    title: Any
    parse: Callable[[str, str], Any]
    load: Callable[..., dict] | None = None
    summary: Callable[[dict], str] | None = None
    hint: Any = ""


_KINDS: dict[str, PresetKind] = {}


def preset_kind_register(kind: str, *, title, model=None, parse: Callable[[str, str], Any] | None = None,
                         load: Callable[..., dict] | None = None, summary: Callable[[dict], str] | None = None,
                         hint="") -> PresetKind:
    """Register a kind of preset (once, from the owning app's ready()). Give a pydantic `model`, or a `parse`
    function for a file read some other way."""
    if (model is None) == (parse is None):
        raise TypeError("preset_kind_register: give a model or a parse function, not both")
    if parse is None:
        def parse(text: str, source: str, model=model):
            return parse_yaml(text, model, source=source)
    entry = PresetKind(kind=kind, title=title, parse=parse, load=load, summary=summary, hint=hint)
    _KINDS[kind] = entry
    return entry


def preset_kinds() -> dict[str, PresetKind]:
    return dict(_KINDS)


# ---- finding files --------------------------------------------------------------------------------------

def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.rglob("*.yaml"))


def preset_files() -> list[Path]:
    return sorted(PRESET_DIR.rglob("*.yaml"))


def preset_path(name: str) -> Path:
    """A preset by file path or by name under presets/ (e.g. "qingdao", "laoshan-innovation")."""
    p = Path(name)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return p
    for candidate in PRESET_DIR.rglob("*.yaml"):
        if candidate.stem == name.removesuffix(".yaml"):
            return candidate
    raise SpecError([SpecProblem("", None, None, _("找不到预置方案“%(name)s”。可用：%(names)s")
                                 % {"name": name, "names": ", ".join(preset_names())})])


# ---- reading, checking, loading -------------------------------------------------------------------------

def preset_kind_of(text: str, source: str) -> PresetKind:
    """The registered kind the text declares (`kind: …`), or SpecError naming the kinds there are."""
    raw = read_yaml(text, source=source)
    kind = raw.get("kind") if isinstance(raw, dict) else None
    entry = _KINDS.get(kind) if isinstance(kind, str) else None
    if entry is None:
        kinds = "、".join(f"kind: {k}（{v.title}）" for k, v in sorted(_KINDS.items()))
        raise SpecError([SpecProblem(source, 1, "kind" if kind is not None else None,
                                     _("预置文件须以 kind 开头，写明是哪一种：%(kinds)s。") % {"kinds": kinds})])
    return entry


def preset_read_text(text: str, *, source: str) -> tuple[PresetKind, Any]:
    """(kind, validated spec) of a preset's text, or SpecError."""
    entry = preset_kind_of(text, source)
    return entry, entry.parse(text, source)


def read_preset(path: Path):
    """The validated spec of the preset file at `path` (raises SpecError with located problems)."""
    return preset_read_text(path.read_text(encoding="utf-8"), source=path.name)[1]


def preset_check(path: Path) -> list[SpecProblem]:
    """Every problem of one preset file; [] when it is valid. Nothing is written."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return [SpecProblem(path.name, None, None, _("无法读取：%(error)s") % {"error": e})]
    try:
        preset_read_text(text, source=path.name)
    except SpecError as e:
        return list(e.errors)
    return []


def preset_load(*, by, name: str, year: int | None = None) -> dict:
    """Load the preset `name` (a name under presets/ or a file path) with the loader of its kind; returns what
    that loader returns. `year` overrides a program's year where the kind has one."""
    return preset_load_and_describe(by=by, name=name, year=year)[0]


def preset_load_and_describe(*, by, name: str, year: int | None = None) -> tuple[dict, str]:
    """(result, one line saying what was loaded) — for commands."""
    path = preset_path(name)
    text = path.read_text(encoding="utf-8")
    entry, spec = preset_read_text(text, source=path.name)
    if entry.load is None:
        raise SpecError([SpecProblem(path.name, None, None, _("“%(name)s”是%(title)s，不能单独加载。%(hint)s")
                                     % {"name": path.stem, "title": entry.title, "hint": entry.hint})])
    result = entry.load(by=by, text=text, spec=spec, source=path.name, year=year)
    said = entry.summary(result) if entry.summary is not None else _("已加载%(title)s“%(name)s”。") % {
        "title": entry.title, "name": path.stem}
    return result, said


# ---- core's own kind: the holiday calendar (presets/calendar/) -------------------------------------------

def calendar_preset_parse(text: str, source: str):
    from .workdays import calendar_parse

    return calendar_parse(text, source=source)


def calendar_preset_load(*, text: str, spec, by=None, source: str = "", **_kw) -> dict:
    from .workdays import calendar_load

    return calendar_load(text, by=by, source=source, parsed=spec)


def calendar_preset_summary(result: dict) -> str:
    return _("已导入 %(years)s 个年度，%(days)s 个调整日。") % result
