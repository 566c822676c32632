"""Projects into assessment: the program's `assessment` preset section says which figure feeds which standard
(leaf) of a scheme; `assessment_feed` writes, for every district taking part in a round of that scheme, one score
per fed leaf through the assessment engine's own service (score_record, source "projects"), with a note that
names the figure, the quarter and the projects behind it — so the score card shows where the points came from.
The link is data: change the preset, not the code."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from luoshi.assessment import services as assess
from luoshi.assessment.models import Indicator, Round, RoundUnit
from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.journal import journal_record
from luoshi.core.permissions import require
from luoshi.programs.models import Program

from . import figures
from .models import Flag, Light, ProjectRating
from .services import can_manage, config_of
from .spec import FEED_FIGURES


def feed_values(program: Program, quarter: str, district_ids: list[int]) -> dict[int, dict[str, tuple[Decimal, str]]]:
    """{district id: {figure: (value, where it came from)}} for the quarter."""
    period = figures.period_parse(quarter, today=clock.today())
    rates = figures.figures_by_key(program.pk, "district", period, [str(d) for d in district_ids])
    ratings = defaultdict(list)
    for district_id, code, flag, light in ProjectRating.objects.filter(
            project__program=program, quarter=period.code, project__district_id__in=district_ids,
            project__is_archived=False).values_list("project__district_id", "project__code", "flag", "light"):
        ratings[district_id].append((code, flag, light))
    out: dict[int, dict[str, tuple[Decimal, str]]] = {}
    for d in district_ids:
        f = rates.get(str(d), figures.Figures())
        rows = ratings.get(d, [])

        def codes(pred) -> tuple[Decimal, str]:
            hit = [c for c, flag, light in rows if pred(flag, light)]
            return Decimal(len(hit)), "、".join(hit) or _("无")

        values = {
            "start_rate": (f.start_rate or Decimal(0), _("计划开工 %(due)s 个，已开工 %(met)s 个") % {"due": f.start_due, "met": f.start_met}),
            "produce_rate": (f.produce_rate or Decimal(0), _("计划投产 %(due)s 个，已投产 %(met)s 个") % {"due": f.produce_due, "met": f.produce_met}),
            "invest_rate": (f.invest_rate or Decimal(0), _("计划投资 %(plan)s 万元，完成 %(actual)s 万元") % {"plan": f.plan, "actual": f.actual}),
            "red_flags": codes(lambda flag, light: flag == Flag.RED),
            "yellow_flags": codes(lambda flag, light: flag == Flag.YELLOW),
            "green_flags": codes(lambda flag, light: flag == Flag.GREEN),
            "behind": codes(lambda flag, light: light in (Light.YELLOW, Light.RED)),
            "behind_red": codes(lambda flag, light: light == Light.RED),
        }
        out[d] = values
    return out


def assessment_feed(*, by, program: Program, round: Round, quarter: str) -> int:
    """Write the fed figures of `quarter` as scores of the round's district participants. Returns how many."""
    config = config_of(program)
    require(can_manage(by, program), _("只有该专项工作的督查室/办公室可以把项目数据计入考核。"))
    feeds = config.feeds or {}
    if not feeds.get("items"):
        raise ServiceError(_("本专项工作没有设置计入考核的统计项（预置文件的 assessment 部分）。"))
    if round.scheme.code != feeds["scheme"]:
        raise ServiceError(_("考核期次“%(round)s”不属于指标体系“%(scheme)s”。") % {"round": round.name,
                                                                          "scheme": feeds["scheme"]})
    leaves = {i.code: i for i in Indicator.objects.filter(version=round.version, is_leaf=True)}
    missing = [f["leaf"] for f in feeds["items"] if f["leaf"] not in leaves]
    if missing:
        raise ServiceError(_("指标体系中没有末级标准：%(codes)s") % {"codes": "、".join(missing)})
    participants = list(RoundUnit.objects.filter(round=round, unit__kind="district").select_related("unit"))
    values = feed_values(program, quarter, [p.unit_id for p in participants])
    n = 0
    with transaction.atomic():
        for part in participants:
            for feed in feeds["items"]:
                value, where = values[part.unit_id][feed["figure"]]
                note = _("来自重点项目“%(program)s”%(quarter)s：%(figure)s = %(value)s（%(where)s）") % {
                    "program": program.name, "quarter": quarter, "figure": FEED_FIGURES[feed["figure"]],
                    "value": value.normalize(), "where": where}
                assess.score_record(by=by, round=round, unit=part.unit, indicator=leaves[feed["leaf"]],
                                    value=str(value), note=note, source="projects")
                n += 1
        journal_record(actor=by, verb="projects.assessment_feed", obj=program, scope_path=program.owner_unit.path,
                       changes={"round": round.pk, "quarter": quarter, "scores": n})
    return n

