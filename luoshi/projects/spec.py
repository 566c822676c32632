"""Project presets (`kind: projects`, presets/projects/*.yaml): a program of key projects with its project types,
the phases it tracks, the behind-plan thresholds (黄/红), the 督导核查 flag rules (计分挂旗), which figures feed which
standard of an assessment scheme, and the ledger settings its problems are handed on with (交办单 numbering and
deadlines). Validated with located errors before anything is written; loading twice changes nothing that exists."""
from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from luoshi.core.journal import journal_record
from luoshi.core.specs import Spec, SpecFieldError
from luoshi.ledger.presets import CategorySpec, LedgerPreset, load_ledger
from luoshi.programs.presets import Cadence, ProgramSettings

from .models import PHASES, Flag, IssueKind, Light, ProjectConfig

# The figures a program can feed into an assessment scheme, per unit (a district) and quarter.
FEED_FIGURES = {
    "start_rate": "开工率（%）",
    "produce_rate": "投产率（%）",
    "invest_rate": "投资完成率（%）",
    "red_flags": "红旗项目数",
    "yellow_flags": "黄旗项目数",
    "green_flags": "绿旗项目数",
    "behind": "滞后项目数（核查时黄灯或红灯）",
    "behind_red": "严重滞后项目数（核查时红灯）",
}


class TypeSpec(Spec):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=30)
    name: str = Field(min_length=1, max_length=30)


class PhaseSpec(Spec):
    code: Literal[PHASES]  # type: ignore[valid-type]
    name: str = Field(min_length=1, max_length=10)


class Thresholds(Spec):
    phase_red_days: int = Field(30, ge=1, le=365)
    invest_yellow: Decimal = Field(Decimal(90), gt=0, le=100)
    invest_red: Decimal = Field(Decimal(70), gt=0, le=100)
    report_day: int = Field(5, ge=1, le=28)

    @model_validator(mode="after")
    def _order(self):
        if self.invest_red > self.invest_yellow:
            raise SpecFieldError(("invest_red",), _("红灯比例（%(red)s%%）不能高于黄灯比例（%(yellow)s%%）")
                                 % {"red": self.invest_red, "yellow": self.invest_yellow})
        return self


class FlagRule(Spec):
    """The first rule that matches gives the flag: a score range and/or the project's light at the rating."""
    flag: Literal[tuple(Flag.values)]  # type: ignore[valid-type]
    min_score: Decimal | None = Field(None, ge=0, le=100)
    max_score: Decimal | None = Field(None, ge=0, le=100)
    light: Literal[tuple(Light.values)] | None = None  # type: ignore[valid-type]
    name: str = ""


class Feed(Spec):
    figure: str
    leaf: str = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _known(self):
        if self.figure not in FEED_FIGURES:
            raise SpecFieldError(("figure",), _("未知的统计项“%(figure)s”，可用：%(known)s")
                                 % {"figure": self.figure, "known": "、".join(FEED_FIGURES)})
        return self


class Feeds(Spec):
    scheme: str = Field(min_length=1)
    items: list[Feed] = Field(min_length=1)


class LedgerPart(Spec):
    sheet_prefix: str = Field(min_length=1, max_length=30)
    deadline_days: dict[Literal["general", "major", "severe"], int] = {"general": 15, "major": 10, "severe": 7}
    requirements: str = ""


class ProjectsPreset(Spec):
    kind: Literal["projects"]
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    year: int = Field(ge=2000, le=2100)
    region: str
    owner_unit: str
    description: str = ""
    cadence: Cadence = Cadence(kind="monthly", day=25)
    settings: ProgramSettings = ProgramSettings()
    types: list[TypeSpec] = Field(min_length=1)
    phases: list[PhaseSpec] = Field(min_length=2)
    thresholds: Thresholds = Thresholds()
    flags: list[FlagRule] = []
    assessment: Feeds | None = None
    ledger: LedgerPart

    @model_validator(mode="after")
    def _consistent(self):
        for key, values in (("types", [t.code for t in self.types]), ("phases", [p.code for p in self.phases])):
            seen: set[str] = set()
            for i, v in enumerate(values):
                if v in seen:
                    raise SpecFieldError((key, i, "code"), _("编码“%(code)s”重复") % {"code": v})
                seen.add(v)
        order = [PHASES.index(p.code) for p in self.phases]
        if order != sorted(order):
            raise SpecFieldError(("phases",), _("阶段须按 签约 → 落地 → 开工 → 投产 → 达产 的顺序排列"))
        for needed in ("start", "produce"):
            if needed not in {p.code for p in self.phases}:
                raise SpecFieldError(("phases",), _("须跟踪“%(phase)s”阶段（开工率、投产率由它计算）")
                                     % {"phase": needed})
        for i, rule in enumerate(self.flags):
            if rule.min_score is not None and rule.max_score is not None and rule.min_score > rule.max_score:
                raise SpecFieldError(("flags", i, "min_score"), _("min_score 不能大于 max_score"))
        return self


def flag_for(rules: list[dict], *, score: Decimal, light: str) -> str:
    """The flag the first matching rule gives (绿旗 when none matches)."""
    for rule in rules:
        if rule.get("light") and rule["light"] != light:
            continue
        if rule.get("min_score") is not None and score < Decimal(str(rule["min_score"])):
            continue
        if rule.get("max_score") is not None and score > Decimal(str(rule["max_score"])):
            continue
        return rule["flag"]
    return Flag.GREEN


def projects_preset_load(*, by, spec: ProjectsPreset, source: str, year: int | None = None, **_kw) -> dict:
    """The program (through the ledger's preset: its problems are handed on as ledger findings, one category per
    要素 kind) and its project settings."""
    ledger_spec = LedgerPreset(
        kind="ledger", code=spec.code, name=spec.name, year=spec.year, region=spec.region,
        owner_unit=spec.owner_unit, description=spec.description, cadence=spec.cadence, settings=spec.settings,
        sheet_prefix=spec.ledger.sheet_prefix, deadline_days=spec.ledger.deadline_days,
        requirements=spec.ledger.requirements, categories=[CategorySpec(name=str(k.label)) for k in IssueKind])
    with transaction.atomic():
        result = load_ledger(by=by, spec=ledger_spec, source=source, year=year)
        program = result["program"]
        t = spec.thresholds
        config, created = ProjectConfig.objects.update_or_create(program=program, defaults=dict(
            types=[x.model_dump() for x in spec.types], phases=[p.model_dump() for p in spec.phases],
            phase_red_days=t.phase_red_days, invest_yellow=t.invest_yellow, invest_red=t.invest_red,
            report_day=t.report_day, flag_rules=[r.model_dump(mode="json", exclude_none=True) for r in spec.flags],
            feeds=spec.assessment.model_dump(mode="json") if spec.assessment else {}))
        journal_record(actor=by, verb="projects.preset_load", obj=program, scope_path=program.owner_unit.path,
                       changes={"source": source, "types": [x.code for x in spec.types],
                                "phases": [p.code for p in spec.phases]})
    return {"program": program, "config": config, "created": created}


def projects_preset_summary(result: dict) -> str:
    return _("重点项目“%(name)s”：项目类型 %(types)s 个，跟踪阶段 %(phases)s 个。") % {
        "name": result["program"].name, "types": len(result["config"].types), "phases": len(result["config"].phases)}
