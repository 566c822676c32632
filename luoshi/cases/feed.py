"""Cases into assessment (改革创新加分): the library's review preset says, per assessment scheme, which standard
(leaf) recognised cases earn points in and how many per 复制推广 level (`assessment` in presets/cases/*.yaml).
`assessment_feed` writes, for every unit taking part in a round of that scheme, one score of that leaf through the
assessment engine's own service (score_record, source "cases"), as the projects app does (ADR 0019, 0026).

What counts: cases accepted into the library (入库; a case still nominated or returned earns nothing), of units in
the participant's subtree, with a recognition dated within the round's period; each case once, at the highest level
recognised in the period. The score's note names every case and its level, so the score card says where the points
came from; the leaf's own points cap the sum."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from luoshi.assessment import services as assess
from luoshi.assessment.models import Indicator, Round, RoundUnit
from luoshi.assessment.permissions import can_manage
from luoshi.core.errors import ServiceError
from luoshi.core.journal import journal_record
from luoshi.core.permissions import require
from luoshi.org.lookups import path_within

from .models import LEVEL_ORDER, CaseState, Level, Recognition
from .scheme import AssessmentFeed, CaseReviewScheme, review_scheme


@dataclass
class UnitBonus:
    points: Decimal = Decimal(0)
    cases: list[tuple[str, str]] = field(default_factory=list)  # (case title, level label)


def bonus_values(rnd: Round, feed: AssessmentFeed, units) -> dict[int, UnitBonus]:
    """{unit id: UnitBonus} for the units (each counts the cases of its subtree), before the leaf's cap."""
    best: dict[int, tuple[str, str, str]] = {}  # case id → (title, unit path, level)
    for case_id, title, path, level in (
            Recognition.objects.filter(case__state=CaseState.ACCEPTED, date__gte=rnd.period_start,
                                       date__lte=rnd.period_end, level__in=list(feed.points))
            .values_list("case_id", "case__title", "case__unit_path", "level").order_by("case_id", "id")):
        if case_id not in best or LEVEL_ORDER[Level(level)] > LEVEL_ORDER[Level(best[case_id][2])]:
            best[case_id] = (title, path, level)
    out: dict[int, UnitBonus] = {}
    for unit in units:
        bonus = UnitBonus()
        for _case_id, (title, path, level) in sorted(best.items()):
            if path_within(path, [unit.path]):
                bonus.points += feed.points[level]
                bonus.cases.append((title, str(Level(level).label)))
        out[unit.pk] = bonus
    return out


def assessment_feed(*, by, round: Round, library: CaseReviewScheme | None = None) -> int:
    """Write the cases' bonus of every participant of the round as its score of the fed leaf. Returns how many
    scores were written. `library` is the review preset (the default file when not given)."""
    library = library or review_scheme()
    rnd = round
    require(can_manage(by, rnd.scheme), _("只有该考核主办单位的督查室/办公室可以把典型案例计入考核。"))
    feed = library.feed_for(rnd.scheme.code)
    if feed is None:
        raise ServiceError(_("典型案例评审方案没有把案例计入指标体系“%(scheme)s”（预置文件的 assessment 部分）。")
                           % {"scheme": rnd.scheme.code})
    leaf = Indicator.objects.filter(version=rnd.version, code=feed.leaf, is_leaf=True).first()
    if leaf is None:
        raise ServiceError(_("指标体系中没有末级标准：%(codes)s") % {"codes": feed.leaf})
    participants = [p.unit for p in RoundUnit.objects.filter(round=rnd).select_related("unit").order_by("unit__path")]
    values = bonus_values(rnd, feed, participants)
    n = 0
    with transaction.atomic():
        for unit in participants:
            bonus = values[unit.pk]
            points = min(bonus.points, leaf.points) if leaf.points is not None else bonus.points
            if bonus.cases:
                cases = "；".join(_("“%(title)s”%(level)s") % {"title": t, "level": lv} for t, lv in bonus.cases)
                note = _("来自典型案例（%(start)s至%(end)s复制推广）：%(cases)s，计 %(points)s 分") % {
                    "start": rnd.period_start, "end": rnd.period_end, "cases": cases, "points": points.normalize()}
                if points < bonus.points:
                    note += _("（合计 %(sum)s 分，以本项分值为限）") % {"sum": bonus.points.normalize()}
            else:
                note = _("考核期内没有入库案例获复制推广，计 0 分")
            assess.score_record(by=by, round=rnd, unit=unit, indicator=leaf, value=str(points), note=note,
                                source="cases")
            n += 1
        journal_record(actor=by, verb="cases.assessment_feed", obj=rnd, scope_path=rnd.scheme.owner_unit.path,
                       changes={"leaf": feed.leaf, "scores": n})
    return n
