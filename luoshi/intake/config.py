"""The intake preset (`kind: intake`, presets/intake/): channels, the 派单目录 (categories with their time
limits and Open311 attributes), dispatch rules and the workflow settings, validated with errors that give
the line, and loaded in one transaction."""
from __future__ import annotations

from typing import Literal

from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from luoshi.core import clock
from luoshi.core.excel import ImportFailed
from luoshi.core.journal import journal_record
from luoshi.core.permissions import require
from luoshi.core.specs import Spec, SpecError, SpecFieldError, parse_yaml, spec_problem
from luoshi.org.models import Unit
from luoshi.org.resolve import unit_named
from luoshi.org.scopes import scope_for

from .models import (Channel, ChannelKind, DispatchRule, DispatchTarget, IntakeSettings, RequestKind, RevisitRule,
                     ServiceCategory)


class ChannelSpec(Spec):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)
    name: str = Field(min_length=1, max_length=50)
    kind: Literal[tuple(ChannelKind.values)] = "other"  # type: ignore[valid-type]


class AttributeValue(Spec):
    key: str
    name: str


class AttributeSpec(Spec):
    code: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    description: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"] = "string"
    required: bool = False
    variable: bool = True
    datatype_description: str = ""
    order: int = Field(ge=1)
    values: list[AttributeValue] = []

    @model_validator(mode="after")
    def _lists_have_values(self):
        if self.datatype.endswith("valuelist") and not self.values:
            raise ValueError(_("列表型附加项须列出 values。"))
        return self


class CategorySpec(Spec):
    code: str = Field(pattern=r"^[A-Za-z0-9_-]{1,20}$")
    group: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=60)
    description: str = ""
    kind: Literal[tuple(RequestKind.values)] = "complaint"  # type: ignore[valid-type]
    keywords: str = ""
    limit_days: int = Field(7, ge=1, le=60)
    dispatch_hours: int = Field(24, ge=1, le=240)
    sign_hours: int = Field(24, ge=1, le=240)
    public: bool = True
    attributes: list[AttributeSpec] = []

    @model_validator(mode="after")
    def _orders_unique(self):
        orders = [a.order for a in self.attributes]
        if len(orders) != len(set(orders)):
            raise ValueError(_("附加项的 order 不能重复。"))
        return self


class RuleSpec(Spec):
    category: str | list[str] | None = None
    group: str | None = None
    area: str | None = None
    to: str = "area"
    assist: list[str] = []
    note: str = ""


class SettingsSpec(Spec):
    revisit_days: int = Field(3, ge=1, le=30)
    no_answer: Literal[tuple(RevisitRule.values)] = "close_unrated"  # type: ignore[valid-type]
    max_reopen: int = Field(2, ge=0, le=5)
    satisfied_from: int = Field(3, ge=1, le=5)
    return_hours: int = Field(24, ge=1, le=240)
    retention_days: int = Field(365, ge=30, le=3650)


class MetricWeights(Spec):
    """Weights of the composite score (综合得分) of the monthly unit ranking; any non-negative numbers,
    normalised over the rates a unit has (a unit with no rated request is scored on the others)."""

    response: float = Field(0.2, ge=0)   # 响应率
    on_time: float = Field(0.3, ge=0)    # 按时办结率
    resolved: float = Field(0.25, ge=0)  # 解决率
    satisfied: float = Field(0.25, ge=0)  # 满意率

    @model_validator(mode="after")
    def _some_weight(self):
        if self.response + self.on_time + self.resolved + self.satisfied <= 0:
            raise ValueError(_("综合得分的权重不能全为 0。"))
        return self


class MetricsSpec(Spec):
    """The unit figures (luoshi.intake.metrics): composite-score weights, the fewest dispatched requests a
    unit needs in the period to be ranked, and how many keywords the hot-topic page lists."""

    weights: MetricWeights = MetricWeights()
    min_dispatched: int = Field(5, ge=1, le=1000)
    hot_keywords: int = Field(30, ge=5, le=200)


class IntakePreset(Spec):
    kind: Literal["intake"]
    name: str
    region: str
    settings: SettingsSpec = SettingsSpec()
    metrics: MetricsSpec = MetricsSpec()
    channels: list[ChannelSpec]
    categories: list[CategorySpec]
    rules: list[RuleSpec] = []

    @model_validator(mode="after")
    def _codes_unique(self):
        """Duplicate codes, each named at the line of its second writing."""
        problems = []
        for key, label in (("channels", _("渠道")), ("categories", _("类别"))):
            seen: set[str] = set()
            for i, item in enumerate(getattr(self, key)):
                if item.code in seen:
                    problems.append(((key, i, "code"),
                                     _("%(what)s编码“%(code)s”重复。") % {"what": label, "code": item.code}))
                seen.add(item.code)
        if problems:
            raise SpecFieldError(*problems[0], *problems[1:])
        return self


def intake_parse(text: str, source: str = "intake.yaml") -> IntakePreset:
    return parse_yaml(text, IntakePreset, source=source)


def _unit(name: str, region: Unit, text: str, source: str, loc: tuple) -> Unit:
    """The unit a rule names, or SpecError at that key's line."""
    unit = unit_named(name, region)
    if unit is None:
        raise SpecError([spec_problem(text, loc, _("在%(region)s下找不到单位“%(name)s”。")
                                      % {"region": region.name, "name": name}, source=source)])
    return unit


_metrics_cache: dict[tuple, MetricsSpec] = {}


def metrics_spec(row: IntakeSettings | None = None) -> MetricsSpec:
    """The `metrics:` section of the loaded preset (defaults when none is loaded or it has none); the
    preset text is stored on the settings row, so this parses it once per revision and process."""
    row = row or intake_settings()
    key = (row.pk, row.revision)
    spec = _metrics_cache.get(key)
    if spec is None:
        spec = MetricsSpec()
        if row.source.strip():
            try:
                spec = intake_parse(row.source).metrics
            except ImportFailed:
                pass
        _metrics_cache.clear()
        _metrics_cache[key] = spec
    return spec


def intake_settings() -> IntakeSettings:
    row = IntakeSettings.objects.order_by("pk").first()
    return row or IntakeSettings.objects.create()


@transaction.atomic
def intake_load(*, by, text: str, source: str = "intake.yaml") -> dict[str, int]:
    """Upsert channels and categories by code, replace the dispatch rules, update the settings. Categories
    and channels missing from the file are deactivated, never deleted (requests refer to them)."""
    if by is not None:
        scope = scope_for(by)
        require(scope.is_admin or scope.is_office, _("只有系统管理员或办公室可以修改派单目录。"))
    preset = intake_parse(text, source)
    region = unit_named(preset.region, None)
    if region is None:
        raise SpecError([spec_problem(text, ("region",), _("找不到单位“%(name)s”。") % {"name": preset.region},
                                      source=source)])
    for i, c in enumerate(preset.channels):
        Channel.objects.update_or_create(code=c.code, defaults={"name": c.name, "kind": c.kind, "is_active": True,
                                                                "sort_order": i})
    Channel.objects.exclude(code__in=[c.code for c in preset.channels] + ["web", "open311"]).update(is_active=False)
    for code, name, kind in (("web", _("公开网站"), ChannelKind.ONLINE), ("open311", "Open311", ChannelKind.ONLINE)):
        Channel.objects.get_or_create(code=code, defaults={"name": name, "kind": kind, "sort_order": 999})
    categories = {}
    for i, c in enumerate(preset.categories):
        categories[c.code], _created = ServiceCategory.objects.update_or_create(code=c.code, defaults={
            "name": c.name, "group": c.group, "description": c.description, "kind": c.kind, "keywords": c.keywords,
            "limit_days": c.limit_days, "dispatch_hours": c.dispatch_hours, "sign_hours": c.sign_hours,
            "is_public": c.public, "is_active": True, "sort_order": i,
            "attributes": [a.model_dump() for a in c.attributes]})
    ServiceCategory.objects.exclude(code__in=list(categories)).update(is_active=False)
    groups = {c.group for c in preset.categories}
    DispatchRule.objects.all().delete()
    for i, r in enumerate(preset.rules):
        codes = [r.category] if isinstance(r.category, str) else (r.category or [])
        unknown = [c for c in codes if c not in categories]
        if unknown:
            raise SpecError([spec_problem(text, ("rules", i, "category"), _("类别编码“%(code)s”不在 categories 中。")
                                          % {"code": unknown[0]}, source=source)])
        if r.group and r.group not in groups:
            raise SpecError([spec_problem(text, ("rules", i, "group"), _("大类“%(group)s”不在 categories 中。")
                                          % {"group": r.group}, source=source)])
        area = _unit(r.area, region, text, source, ("rules", i, "area")) if r.area else None
        target_unit = None if r.to == "area" else _unit(r.to, region, text, source, ("rules", i, "to"))
        assists = [_unit(a, region, text, source, ("rules", i, "assist", k)) for k, a in enumerate(r.assist)]
        for code in codes or [None]:
            rule = DispatchRule.objects.create(
                sort_order=i, category=categories[code] if code else None, category_group=r.group or "", area=area,
                target=DispatchTarget.AREA if target_unit is None else DispatchTarget.UNIT, unit=target_unit,
                note=r.note)
            if assists:
                rule.assist_units.set(assists)
    row = intake_settings()
    s = preset.settings
    row.name, row.source, row.centre = preset.name, text, region
    row.revisit_days, row.no_answer, row.max_reopen = s.revisit_days, s.no_answer, s.max_reopen
    recount = row.satisfied_from != s.satisfied_from
    row.satisfied_from, row.return_hours, row.retention_days = s.satisfied_from, s.return_hours, s.retention_days
    row.revision += 1
    row.save()
    if recount:  # 满意 is counted from another rating on: the cockpit's monthly counts change
        from .tallies import rebuild

        rebuild()
    journal_record(actor=by, verb="intake.configure", obj=row, changes={"source": source,
                   "channels": len(preset.channels), "categories": len(preset.categories), "rules": len(preset.rules)},
                   scope_path=region.path)
    return {"channels": len(preset.channels), "categories": len(preset.categories), "rules": len(preset.rules),
            "region_id": region.pk, "at": clock.now().isoformat()}


def intake_preset_load(*, by, text: str, source: str, **_kw) -> dict:
    return intake_load(by=by, text=text, source=source)


def intake_preset_summary(result: dict) -> str:
    return _("已导入：渠道 %(channels)s 个，类别 %(categories)s 个，派单规则 %(rules)s 条。") % result
