"""Ledger presets (presets/ledger/*.yaml): a program with its problem categories, inspection groups,
assignment-sheet numbering, deadlines by severity and escalation ladder, validated before anything is
written. Loading a preset twice changes nothing that is already there."""
from __future__ import annotations

from typing import Literal

from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import Field, field_validator

from luoshi.core.excel import CellError, ImportFailed
from luoshi.core.journal import journal_record
from luoshi.core.specs import Spec, SpecFieldError
from luoshi.org.models import Unit
from luoshi.org.resolve import UnitResolver
from luoshi.programs.presets import Cadence, ProgramSettings, region_and_owner

from .ladder import Step, check_steps
from .models import GroupCadence, GroupKind, InspectionGroup, LedgerConfig, ProblemCategory, Severity


class CategorySpec(Spec):
    name: str = Field(min_length=1, max_length=100)
    indicator: str = ""   # the code of the assessment indicator the category counts against

    @field_validator("indicator")
    @classmethod
    def _real_code(cls, v: str):
        # an example placeholder ("示例-项目3") would be copied onto every finding and shown as if it were a code
        if "示例" in v:
            raise SpecFieldError((), _("“%(code)s”是示例占位，不是测评体系的指标编号：请填写本地指标编号，或删去 indicator")
                                 % {"code": v})
        return v


class GroupSpec(Spec):
    name: str = Field(min_length=1, max_length=100)
    kind: Literal[tuple(GroupKind.values)] = GroupKind.SUPERVISION  # type: ignore[valid-type]
    cadence: Literal[tuple(GroupCadence.values)] = GroupCadence.WEEKLY  # type: ignore[valid-type]
    times: int = Field(1, ge=1, le=31)
    units: str = ""   # as in a task sheet: "市南区、市北区" or a group phrase
    note: str = ""


class LedgerPreset(Spec):
    kind: Literal["ledger"]
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    year: int = Field(ge=2000, le=2100)
    region: str
    owner_unit: str
    description: str = ""
    cadence: Cadence = Cadence(kind="weekly", weekday=4)
    settings: ProgramSettings = ProgramSettings()
    sheet_prefix: str = Field(min_length=1, max_length=30)
    deadline_days: dict[Literal[tuple(Severity.values)], int]  # type: ignore[valid-type]
    requirements: str = ""
    categories: list[CategorySpec] = Field(min_length=1)
    groups: list[GroupSpec] = []
    ladder: list[Step] = []

    @field_validator("deadline_days")
    @classmethod
    def _days(cls, v):
        for sev, days in v.items():
            if not 0 < days <= 365:
                raise SpecFieldError((sev,), _("%(severity)s 的整改时限应在 1–365 天之间") % {"severity": sev})
        return v

    @field_validator("ladder")
    @classmethod
    def _ladder(cls, v):
        return check_steps(v)


def ledger_preset_summary(result: dict) -> str:
    return _("问题台账“%(name)s”：新建问题类别 %(categories)s 个，督导组 %(groups)s 个。") % {
        "name": result["program"].name, "categories": result["categories"], "groups": result["groups"]}


def load_ledger(*, by, spec: LedgerPreset, source: str, year: int | None = None, **_kw) -> dict:
    from luoshi.tasks import services as task_services
    from luoshi.programs.models import Program

    preset = spec
    year = year or preset.year
    code = preset.code if year == preset.year else f"{preset.code}-{year}"
    region, owner = region_and_owner(preset, source)
    resolver = UnitResolver(region)
    group_units: list[list[Unit]] = []
    errors = []
    for i, g in enumerate(preset.groups):
        units, problems = resolver.resolve(g.units) if g.units else ([], [])
        errors += [CellError(source, None, f"groups.{i}.units", p) for p in problems]
        group_units.append(units)
    if errors:
        raise ImportFailed(errors)
    with transaction.atomic():
        program = Program.objects.filter(code=code).first()
        created = program is None
        if created:
            c = preset.cadence
            program = task_services.program_create(
                by=None, code=code, name=preset.name.replace("{year}", str(year)), year=year, owner_unit=owner,
                cadence_kind=c.kind, cadence_weekday=c.weekday, cadence_day=c.day,
                cadence_dates=[d.isoformat() for d in c.dates], description=preset.description,
                **preset.settings.model_dump())
        config, _new = LedgerConfig.objects.update_or_create(program=program, defaults=dict(
            sheet_prefix=preset.sheet_prefix, deadline_days=dict(preset.deadline_days),
            requirements=preset.requirements, ladder=[s.model_dump(exclude_defaults=False) for s in preset.ladder]))
        n_categories = 0
        for order, c in enumerate(preset.categories):
            _cat, made = ProblemCategory.objects.get_or_create(program=program, name=c.name, defaults=dict(
                indicator_code=c.indicator, sort_order=order))
            n_categories += made
        n_groups = 0
        for g, units in zip(preset.groups, group_units):
            group, made = InspectionGroup.objects.get_or_create(program=program, name=g.name, defaults=dict(
                kind=g.kind, cadence=g.cadence, times=g.times))
            if made:
                group.units.set(units)
                n_groups += 1
        journal_record(actor=by, verb="ledger.preset_load", obj=program, scope_path=owner.path,
                       changes={"source": source, "categories": n_categories, "groups": n_groups,
                                "ladder": [s.name for s in preset.ladder]})
    return {"program": program, "created_program": created, "categories": n_categories, "groups": n_groups,
            "config": config}
