"""Loading presets: YAML files in presets/ validated against a schema, with errors that name the line.

A units preset is a nested tree; a program preset is a program, its leaders and its task list,
loaded through the same validated import path as an Excel sheet.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import yaml
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from luoshi.core.excel import CellError, ImportFailed
from luoshi.org.models import Person, Role, Unit, UnitKind
from luoshi.org.resolve import UnitResolver

PRESET_DIR = Path(settings.BASE_DIR) / "presets"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitNode(Strict):
    name: str = Field(min_length=1, max_length=100)
    kind: Literal[tuple(UnitKind.values)]  # type: ignore[valid-type]
    code: str | None = None
    short_name: str = ""
    children: list["UnitNode"] = []


class UnitsPreset(Strict):
    kind: Literal["units"]
    name: str
    title: str = ""
    units: list[UnitNode]


class Cadence(Strict):
    kind: Literal["weekly", "semimonthly", "monthly", "quarterly", "semiannual", "custom"]
    weekday: int = Field(0, ge=0, le=6)
    day: int = Field(25, ge=1, le=31)
    dates: list[dt.date] = []


class ProgramSettings(Strict):
    warn_days: int = Field(7, ge=0, le=90)
    lag_points: int = Field(20, ge=1, le=100)
    ack_days: int = Field(3, ge=1, le=30)


class Leader(Strict):
    username: str
    full_name: str
    title: str = ""
    unit: str


class MilestoneSpec(Strict):
    title: str
    deadline: str


class TaskItem(Strict):
    number: str | int | None = None
    category: str = ""
    title: str
    measures: str = ""
    lead_units: str = ""
    coop_units: str = ""
    leaders: str = ""
    deadline: str | dt.date | None = None
    tags: list[str] = []
    note: str = ""
    milestones: list[MilestoneSpec] = []
    children: list["TaskItem"] = []


class ProgramPreset(Strict):
    kind: Literal["program"]
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    sheet_title: str = ""
    sheet_subtitle: str = ""
    year: int = Field(ge=2000, le=2100)
    region: str
    owner_unit: str
    description: str = ""
    cadence: Cadence
    settings: ProgramSettings = ProgramSettings()
    leaders: list[Leader] = []
    tasks: list[TaskItem]


def preset_path(name: str) -> Path:
    """A preset by file path or by name under presets/ (e.g. "qingdao", "laoshan-innovation")."""
    p = Path(name)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return p
    for candidate in PRESET_DIR.rglob("*.yaml"):
        if candidate.stem == name:
            return candidate
    raise ImportFailed([CellError("", None, None, _("找不到预置方案“%(name)s”。可用：%(names)s")
                                  % {"name": name, "names": ", ".join(preset_names())})])


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.rglob("*.yaml"))


def _line_of(text: str, loc: tuple) -> int | None:
    """Best effort: the line where the key at `loc` is written, found by walking the YAML node tree."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == key), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


def read_preset(path: Path):
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise ImportFailed([CellError(path.name, mark.line + 1 if mark else None, None,
                                      _("YAML 格式错误：%(error)s") % {"error": e})])
    from luoshi.ledger.presets import LedgerPreset

    kind = (raw or {}).get("kind") if isinstance(raw, dict) else None
    if kind == "scheme":  # an indicator scheme (presets/assessment/): its own schema and line-numbered errors
        from luoshi.assessment.scheme import scheme_parse

        return scheme_parse(text, source=path.name)
    model = {"units": UnitsPreset, "program": ProgramPreset, "ledger": LedgerPreset}.get(kind)
    if model is None:
        raise ImportFailed([CellError(path.name, 1, None, _(
            "预置文件须以 kind: units、kind: program 或 kind: ledger 开头（指标体系为 kind: scheme）。"))])
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        errors = []
        for err in e.errors():
            where = ".".join(str(x) for x in err["loc"])
            errors.append(CellError(path.name, _line_of(text, err["loc"]), where, err["msg"]))
        raise ImportFailed(errors)


def preset_load(*, by, name: str, year: int | None = None) -> dict:
    path = preset_path(name)
    preset = read_preset(path)
    if isinstance(preset, UnitsPreset):
        from luoshi.org.services import units_load_tree

        return units_load_tree(by=by, tree=[u.model_dump() for u in preset.units])
    if getattr(preset, "kind", None) == "ledger":
        from luoshi.ledger.presets import load_ledger

        return load_ledger(by=by, preset=preset, source=path.name, year=year)
    if getattr(preset, "kind", None) == "scheme":
        from luoshi.assessment.presets import load_scheme

        return load_scheme(by=by, text=path.read_text(encoding="utf-8"), source=path.name)
    return _load_program(by=by, preset=preset, source=path.name, year=year)


def _find_unit(text: str, region: Unit | None) -> Unit | None:
    """'崂山区/区委办公室' or a name looked up inside the region."""
    if "/" in text:
        unit = None
        for part in text.split("/"):
            unit = Unit.objects.filter(parent=unit, name=part).first() if unit else \
                Unit.objects.filter(name=part).order_by("depth").first()
            if unit is None:
                return None
        return unit
    if region is None:
        return Unit.objects.filter(name=text).order_by("depth").first()
    units, errors = UnitResolver(region).resolve(text)
    return units[0] if len(units) == 1 and not errors else None


def region_and_owner(preset, source: str) -> tuple[Unit, Unit]:
    """A preset's `region` and its `owner_unit` looked up inside it, or an error naming the field."""
    region = _find_unit(preset.region, None)
    if region is None:
        raise ImportFailed([CellError(source, None, "region", _("找不到区域单位“%(region)s”，请先加载单位预置。")
                                      % {"region": preset.region})])
    owner = _find_unit(preset.owner_unit, region)
    if owner is None:
        raise ImportFailed([CellError(source, None, "owner_unit", _("在%(region)s下找不到主办单位“%(unit)s”。")
                                      % {"region": region.name, "unit": preset.owner_unit})])
    return region, owner


def _load_program(*, by, preset: ProgramPreset, source: str, year: int | None) -> dict:
    from luoshi.org.services import grant_role, person_create
    from luoshi.tasks import services
    from luoshi.tasks.importer import import_specs, specs_from_yaml
    from luoshi.programs.models import Program

    year = year or preset.year
    fill = lambda s: s.replace("{year}", str(year))  # noqa: E731
    code = preset.code if year == preset.year else f"{preset.code}-{year}"
    region, owner = region_and_owner(preset, source)
    with transaction.atomic():
        for leader in preset.leaders:
            if Person.objects.filter(username=leader.username).exists():
                continue
            unit = _find_unit(leader.unit, region)
            if unit is None:
                raise ImportFailed([CellError(source, None, "leaders", _("领导“%(name)s”的单位“%(unit)s”不存在。")
                                                  % {"name": leader.full_name, "unit": leader.unit})])
            person = person_create(by=None, username=leader.username, full_name=leader.full_name, title=leader.title,
                                   unit=unit)
            grant_role(by=None, person=person, role=Role.LEADER, unit=region)
        program = Program.objects.filter(code=code).first()
        created = program is None
        if created:
            c = preset.cadence
            program = services.program_create(
                by=None, code=code, name=fill(preset.name), year=year, owner_unit=owner, cadence_kind=c.kind,
                cadence_weekday=c.weekday, cadence_day=c.day, cadence_dates=[d.isoformat() for d in c.dates],
                description=preset.description, sheet_title=fill(preset.sheet_title),
                sheet_subtitle=fill(preset.sheet_subtitle), **preset.settings.model_dump())
        specs = specs_from_yaml([t.model_dump() for t in preset.tasks])
        report = import_specs(by=by, program=program, specs=specs, sheet=source, source=source)
    return {"program": program, "created_program": created, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged}
