"""The program preset (`kind: program`, presets/programs/*.yaml): a program, its leaders and its task list,
loaded through the same validated import path as an Excel sheet."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import Field

from luoshi.core.excel import CellError, ImportFailed
from luoshi.core.specs import Spec
from luoshi.org.models import Person, Role
from luoshi.org.resolve import unit_named
from luoshi.programs.presets import Cadence, ProgramSettings, region_and_owner


class Leader(Spec):
    username: str
    full_name: str
    title: str = ""
    unit: str


class MilestoneSpec(Spec):
    title: str
    deadline: str


class TaskItem(Spec):
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


class ProgramPreset(Spec):
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


def program_preset_load(*, by, spec: ProgramPreset, source: str, year: int | None = None, **_kw) -> dict:
    """Create the program (once; named for `year` when it differs from the preset's), its leaders as people
    with the leader role over the region, and its tasks through the sheet importer — all or nothing."""
    from luoshi.org.services import grant_role, person_create
    from luoshi.programs.models import Program

    from . import services
    from .importer import import_specs, specs_from_yaml

    preset = spec
    year = year or preset.year
    fill = lambda s: s.replace("{year}", str(year))  # noqa: E731
    code = preset.code if year == preset.year else f"{preset.code}-{year}"
    region, owner = region_and_owner(preset, source)
    with transaction.atomic():
        for leader in preset.leaders:
            if Person.objects.filter(username=leader.username).exists():
                continue
            unit = unit_named(leader.unit, region)
            if unit is None:
                raise ImportFailed([CellError(source, None, "leaders", _("领导“%(name)s”的单位“%(unit)s”不存在。")
                                                  % {"name": leader.full_name, "unit": leader.unit})])
            person = person_create(by=None, username=leader.username, full_name=leader.full_name, title=leader.title,
                                   unit=unit)
            grant_role(by=None, person=person, role=Role.LEADER, unit=region)
        program = Program.objects.filter(code=code).first()
        created = program is None
        if program is None:
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


def program_preset_summary(result: dict) -> str:
    return _("专项工作“%(name)s”：新建任务 %(created)s 项，更新 %(updated)s 项。") % {
        "name": result["program"].name, "created": result["created"], "updated": result["updated"]}
