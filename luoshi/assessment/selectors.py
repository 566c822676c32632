"""Every read in assessment, filtered by who asks.

Scope rules (the querysets in models.py — Scheme/Round/RoundUnit….objects.visible_to — decide; permissions.py
holds the same rules in Python for an object already loaded):
- schemes_visible: schemes whose region or owner unit the user's office/leader/evaluator roles cover,
  schemes the user evaluates in, and — for liaisons — schemes whose region contains their unit.
- league_table: before publication only people who read the whole scheme see every row; a liaison sees
  only their own unit's row. After publication every signed-in person with the round sees the table.
- score_card: the unit's own people, readers of the whole scheme and the round's evaluators.
- public_rounds / public_table: published, public rounds only, from the publication snapshot
  (no personal data: unit names and numbers only).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, Q
from django.http import Http404
from django.utils.translation import gettext, gettext as _

from luoshi.core.compiled import CompiledRead
from luoshi.core.permissions import require
from luoshi.org.models import Role, Unit
from luoshi.org.scopes import scope_for

from . import card_lists, engine
from .card import card_preview
from .models import (UNIT_ROLES, Adjustment, Appeal, Consequence, EvaluatorAssignment, Indicator, Material, Publication,
                     Result, Round, RoundState, RoundUnit, Scheme, Score, ScoreStatus)
from .permissions import (assignments_none, assignments_of, can_manage, is_evaluator, reads_all, reads_card,
                          reads_unit)

PUBLISHED = (RoundState.PUBLISHED, RoundState.FINAL)


def schemes_visible(user):
    return (Scheme.objects.visible_to(scope_for(user)).select_related("owner_unit", "region")
            .filter(is_archived=False))


def scheme_get(user, pk: int) -> Scheme:
    scheme = schemes_visible(user).filter(pk=pk).first()
    if scheme is None:
        raise Http404
    return scheme


def rounds_of(user, scheme: Scheme):
    return (Round.objects.visible_to(scope_for(user)).filter(scheme=scheme).select_related("version")
            .annotate(n_units=Count("participants", distinct=True)))


def round_get(user, pk: int) -> Round:
    rnd = (Round.objects.visible_to(scope_for(user)).select_related("scheme__owner_unit", "scheme__region", "version")
           .filter(pk=pk).first())
    if rnd is None:
        raise Http404
    return rnd


def round_unit_get(user, pk: int, unit_pk: int) -> tuple[Round, Unit]:
    """A round and one of its units whose score card `user` may read (the card pages and the card PDF)."""
    rnd = round_get(user, pk)
    unit = Unit.objects.filter(pk=unit_pk).first()
    if unit is None or not reads_unit(user, rnd, unit):
        raise Http404(_("没有找到该单位的评分卡，或您无权查看。"))
    return rnd, unit


# a unit's (group, excluded, short lists with rows, stored result if any) in a round
Participant = tuple[str, str, set[str], Result | None]


def _participant(row: RoundUnit) -> Participant:
    """The participant row read with its result (select_related("result"): one statement for both)."""
    return row.group, row.excluded, card_lists.of(getattr(row, field) for field in card_lists.FIELDS), row.result


def _card_row(round_id: int, unit_id: int):
    return (RoundUnit.objects.filter(round_id=round_id, unit_id=unit_id)   # unique: no first()
            .select_related("round__scheme__owner_unit", "round__scheme__region", "round__version", "unit", "result")
            .order_by())


# The score card's reads have the same SQL on every request, only other ids: the ORM writes each once per process
# (core.compiled, ADR 0061). A person with no office role also gets whether they evaluate in the round.
CARD_ROW = CompiledRead("luoshi_card_row", RoundUnit, _card_row, (int, int))
CARD_ROW_ASKING = CompiledRead(
    "luoshi_card_row_asking", RoundUnit,
    lambda round_id, unit_id, person_id: _card_row(round_id, unit_id).annotate(
        evaluates=Exists(assignments_of(person_id, round_id))),
    (int, int, int))
CARD_INDICATORS = CompiledRead(
    "luoshi_card_indicators", Indicator,
    lambda version_id: Indicator.objects.filter(version_id=version_id).order_by("position").values_list(
        "pk", "code", "name", "parent_id", "depth", "is_leaf", "points", "method", "rule_type"),
    (int,))
CARD_SCORES = CompiledRead(
    "luoshi_card_scores", Score,
    lambda round_id, unit_id: Score.objects.filter(round_id=round_id, unit_id=unit_id, is_current=True)
    .order_by("scored_at", "pk").values_list(
        "pk", "indicator_id", "value", "level", "note", "status", "source", "scored_at", "evaluator_id",
        "evaluator__full_name", "evaluator__username", "approved_by_id", "approved_by__full_name",
        "approved_by__username"),
    (int, int))


def card_get(user, pk: int, unit_pk: int) -> tuple[Round, Unit, Participant]:
    """The round, the unit and its participation (group, excluded, which short lists have rows, its stored result)
    of a score card `user` may read, in one query: the participant row with its round, scheme, unit and result. Who
    may read it is `RoundUnit.objects.visible_to` for that row, decided in Python (permissions.reads_card); for
    people with no office role it also tells whether they evaluate in the round (permissions.assignments_none).
    Anything else takes `round_unit_get`'s way, so a refusal is the same 404 with the same message as before."""
    # Whether someone with no office role evaluates in the round is asked here too (the card's tabs, reads_card and
    # may_score need it; a manager's is never read): one statement less on a liaison's card when they do not.
    ask = bool(getattr(user, "pk", None)) and not scope_for(user).has_role(Role.OFFICE)
    rows = CARD_ROW_ASKING.objects(pk, unit_pk, user.pk) if ask else CARD_ROW.objects(pk, unit_pk)
    row = rows[0] if rows else None
    if row is not None and ask and not row.evaluates:
        assignments_none(user, row.round)
    if row is not None and reads_card(user, row.round, row.unit):
        return row.round, row.unit, _participant(row)
    rnd, unit = round_unit_get(user, pk, unit_pk)
    if row is None:
        raise Http404
    return rnd, unit, _participant(row)


def own_units(user, rnd: Round) -> list[Unit]:
    """The participants this user acts for (liaison/leader/office over the unit)."""
    paths = scope_for(user).paths_for(*UNIT_ROLES)
    if not paths:
        return []
    return [ru.unit for ru in RoundUnit.objects.filter(round=rnd, unit__path__within=paths).select_related("unit")]


@dataclass
class TableRow:
    unit_id: int
    unit: str
    group: str
    group_name: str
    total: Decimal
    rate: Decimal | None
    rank: Decimal | None
    grade: str
    stars: int | None
    movement: int | None
    excluded: str
    is_top: bool
    is_bottom: bool
    subtotals: list[Decimal]
    bonus: Decimal
    deduction: Decimal
    figures: dict = field(default_factory=dict)


def league_table(user, rnd: Round) -> list[TableRow]:
    """The round's stored results as rows, ordered by group then rank (excluded units last)."""
    qs = Result.objects.filter(round=rnd).select_related("unit")
    if not (reads_all(user, rnd.scheme) or is_evaluator(user, rnd)) and not rnd.is_published:
        qs = qs.filter(unit__in=[u.pk for u in own_units(user, rnd)])
    groups = {g.code: g.name for g in rnd.version.definition().peer_groups}
    rows = [TableRow(unit_id=r.unit_id, unit=r.unit.name, group=r.group, group_name=groups.get(r.group, r.group),
                     total=r.total, rate=r.rate, rank=r.rank, grade=r.grade, stars=r.stars, movement=r.movement,
                     excluded=r.excluded, is_top=r.is_top, is_bottom=r.is_bottom,
                     subtotals=[Decimal(s) for s in r.subtotals], bonus=r.bonus, deduction=r.deduction,
                     figures=r.figures)
            for r in qs.order_by("group", "unit__sort_order", "unit__path")]
    big = Decimal(10 ** 9)
    group_order = {code: i for i, code in enumerate(groups)}   # the scheme's order (区市 before 街道 …)
    rows.sort(key=lambda r: (group_order.get(r.group, len(group_order)), r.group, r.rank is None,
                             r.rank if r.rank is not None else big))
    return rows


@dataclass(slots=True)
class CardIndicator:
    """What a score card shows of an indicator (read as plain values, not model objects: a card has ~175)."""
    pk: int
    code: str
    name: str
    parent_id: int | None
    depth: int
    is_leaf: bool
    points: Decimal | None
    method: str
    rule_type: str


@dataclass(slots=True)
class CardPerson:
    pk: int
    display_name: str

    def __str__(self) -> str:
        return self.display_name


@dataclass(slots=True)
class CardFile:
    pk: int
    original_name: str
    size: int


@dataclass(slots=True)
class CardScore:
    """One current score on a card, with who gave and approved it and its evidence files (plain values)."""
    pk: int
    unit_id: int
    indicator_id: int
    value: Decimal
    level: str
    note: str
    status: str
    source: str
    scored_at: object
    evaluator_id: int | None
    evaluator: CardPerson | None
    approved_by_id: int | None
    approved_by: CardPerson | None
    evidence: list[CardFile] = field(default_factory=list)


@dataclass
class CardLine:
    indicator: CardIndicator
    depth: int
    is_leaf: bool
    points: Decimal | None          # 应得分
    rule_text: str
    scores: list[CardScore]
    earned: Decimal | None          # points after the rule (leaves), subtotal (items)
    excluded: bool = False          # N/A: dropped from 应得分


@dataclass
class ScoreCard:
    round: Round
    unit: Unit
    lines: list[CardLine]
    result: Result | None
    preview: engine.UnitResult | None
    adjustments: list[Adjustment]
    appeals: list[Appeal]
    consequences: list[Consequence]
    materials: dict = field(default_factory=dict)    # indicator id (None: the whole round) → [Material]


def _card_person(pk: int | None, full_name: str | None, username: str | None) -> CardPerson | None:
    return None if pk is None else CardPerson(pk, full_name or username or "")


def card_scores(rnd: Round, unit: Unit, *, evidence: bool = True) -> dict[int, list[CardScore]]:
    """The unit's current scores by leaf id, oldest first, with evaluator, approver and evidence: two queries of
    plain values (model objects and a prefetch cost ~10 ms of Python for a 140-leaf card). `evidence` False: the
    caller knows no score of the unit has a file (card_lists), so they are not read."""
    scores: dict[int, list[CardScore]] = {}
    by_pk: dict[int, CardScore] = {}
    people: dict[int | None, CardPerson | None] = {None: None}    # a card has a few evaluators for 140 scores
    for (pk, indicator_id, value, level, note, status, source, scored_at, ev_id, ev_name, ev_user, ap_id, ap_name,
         ap_user) in CARD_SCORES.rows(rnd.pk, unit.pk):
        if ev_id not in people:
            people[ev_id] = _card_person(ev_id, ev_name, ev_user)
        if ap_id not in people:
            people[ap_id] = _card_person(ap_id, ap_name, ap_user)
        s = CardScore(pk=pk, unit_id=unit.pk, indicator_id=indicator_id, value=value, level=level, note=note,
                      status=status, source=source, scored_at=scored_at, evaluator_id=ev_id, evaluator=people[ev_id],
                      approved_by_id=ap_id, approved_by=people[ap_id])
        scores.setdefault(indicator_id, []).append(s)
        by_pk[pk] = s
    if by_pk and evidence:
        through = Score.evidence.through
        for score_id, file_pk, name, size in (through.objects.filter(score__round=rnd, score__unit=unit,
                                                                      score__is_current=True)
                                              .order_by("pk").values_list("score_id", "attachment_id",
                                                                          "attachment__original_name",
                                                                          "attachment__size")):
            if score_id in by_pk:
                by_pk[score_id].evidence.append(CardFile(file_pk, name, size))
    return scores


def score_card(user, rnd: Round, unit: Unit, participant: Participant | None = None) -> ScoreCard:
    """Every leaf of the unit's card: 应得分, the rule, each evaluator's current score with evidence, the
    points the rule gives, subtotals; adjustments, appeals and consequences (only the short lists whose
    RoundUnit flags say they have rows are read, card_lists.py). Fixed number of queries.
    `participant`: the unit's (group, excluded, lists, result) in the round when the caller has read it (card_get)."""
    require(reads_unit(user, rnd, unit), None)
    if participant is None:
        row = next(iter(RoundUnit.objects.filter(round=rnd, unit=unit).select_related("result").order_by()), None)
        if row is None:
            raise Http404
        participant = _participant(row)
    lists, result = participant[2], participant[3]
    definition = rnd.version.definition()
    indicators = [CardIndicator(*row) for row in CARD_INDICATORS.rows(rnd.version_id)]
    scores = card_scores(rnd, unit, evidence="evidence" in lists)
    adjustments = (list(Adjustment.objects.filter(round=rnd, unit=unit, is_current=True).prefetch_related("evidence"))
                   if "adjustments" in lists else [])
    # The unit's leaf points come from the engine over the current scores read above; rank-rule leaves take the
    # points stored with its result while no score changed since (ADR 0022), else their rank in the peer group
    # is counted (card.card_preview). For a published round the stored result is the truth for totals; it was read
    # with the participant row.
    preview = card_preview(
        rnd, unit.pk, group=participant[0], excluded=participant[1],
        leaf_ids={i.code: i.pk for i in indicators if i.is_leaf},
        scores=[(s.indicator_id, s.value, s.status) for line in scores.values() for s in line],
        adjustments=[(a.kind, a.item, a.level, a.award, a.count) for a in adjustments],
        approved_only=rnd.is_published,
        peer_points=result.peer_points if result is not None and not rnd.peer_points_stale else None)
    leaf_defs = {leaf.code: leaf for leaf in definition.leaves()} if definition.type == "points" else {}
    leaf_index = {code: i for i, code in enumerate(leaf_defs)}
    subtotal: dict[int, Decimal] = {}
    lines: list[CardLine] = []
    by_id = {i.pk: i for i in indicators}
    translated: dict[str, str] = {}     # the rule texts' few wordings, each translated once for the card

    def translate(text: str) -> str:
        out = translated.get(text)
        if out is None:
            out = translated[text] = gettext(text)
        return out

    for ind in indicators:
        leaf_def = leaf_defs.get(ind.code) if ind.is_leaf else None
        earned = None
        excluded = False
        if ind.is_leaf and preview is not None:
            earned = preview.leaf_points.get(leaf_index.get(ind.code))
            excluded = earned is None
            if earned is not None:
                parent = ind.parent_id
                while parent is not None:
                    subtotal[parent] = subtotal.get(parent, Decimal(0)) + earned
                    parent = by_id[parent].parent_id
        lines.append(CardLine(indicator=ind, depth=ind.depth, is_leaf=ind.is_leaf, points=ind.points,
                              rule_text=engine.rule_text(leaf_def.rule, leaf_def.points or Decimal(0), translate)
                              if leaf_def else "",
                              scores=scores.get(ind.pk, []), earned=earned, excluded=excluded))
    for line in lines:
        if not line.is_leaf:
            line.earned = subtotal.get(line.indicator.pk, Decimal(0)) if preview is not None else None
    return ScoreCard(
        round=rnd, unit=unit, lines=lines, result=result, preview=preview,
        adjustments=adjustments,
        appeals=list(Appeal.objects.filter(round=rnd, unit=unit).select_related("indicator", "filed_by", "reviewer"))
        if "appeals" in lists else [],
        consequences=list(Consequence.objects.filter(round=rnd, unit=unit)) if "consequences" in lists else [],
        materials=unit_materials(rnd, unit) if "materials" in lists else {},
    )


def unit_materials(rnd: Round, unit: Unit) -> dict:
    """The unit's submitted materials by leaf id (None: for the round as a whole), oldest first."""
    out: dict = {}
    for m in (Material.objects.filter(round=rnd, unit=unit).select_related("submitted_by")
              .prefetch_related("files").order_by("submitted_at")):
        out.setdefault(m.indicator_id, []).append(m)
    return out


def worklist(user, rnd: Round):
    """What this evaluator is to score: (units, leaves, done) where done is {(unit_id, indicator_id)}."""
    leaves = list(Indicator.objects.filter(version=rnd.version_id, is_leaf=True).order_by("position"))
    participants = list(RoundUnit.objects.filter(round=rnd).select_related("unit").order_by("unit__sort_order", "unit__path"))
    if can_manage(user, rnd.scheme):
        units = [ru.unit for ru in participants]
        allowed_leaves = leaves
    else:
        mine = list(EvaluatorAssignment.objects.filter(round=rnd, person=user))
        unit_ids = {a.unit_id for a in mine}
        leaf_ids = {a.indicator_id for a in mine}
        units = [ru.unit for ru in participants if None in unit_ids or ru.unit_id in unit_ids]
        allowed_leaves = [leaf for leaf in leaves if None in leaf_ids or leaf.pk in leaf_ids]
    done = set(Score.objects.filter(round=rnd, evaluator=user, is_current=True)
               .values_list("unit_id", "indicator_id"))
    return units, allowed_leaves, done


def review_queue(user, rnd: Round):
    """Submitted scores waiting for approval, with who scored them (the approver's own are marked)."""
    require(can_manage(user, rnd.scheme), None)
    return (Score.objects.filter(round=rnd, is_current=True, status=ScoreStatus.SUBMITTED)
            .select_related("unit", "indicator", "evaluator").order_by("unit__path", "indicator__position"))


def round_progress(rnd: Round) -> dict:
    """Completeness: expected cells (participants × leaves), scored, approved, open appeals."""
    n_units = RoundUnit.objects.filter(round=rnd).count()
    n_leaves = Indicator.objects.filter(version=rnd.version_id, is_leaf=True).count()
    counts = dict(Score.objects.filter(round=rnd, is_current=True).values_list("status").annotate(n=Count("pk"))
                  .values_list("status", "n"))
    cells = Score.objects.filter(round=rnd, is_current=True).values("unit_id", "indicator_id").distinct().count()
    return {"units": n_units, "leaves": n_leaves, "expected": n_units * n_leaves, "scored_cells": cells,
            "submitted": counts.get(ScoreStatus.SUBMITTED, 0), "approved": counts.get(ScoreStatus.APPROVED, 0),
            "returned": counts.get(ScoreStatus.RETURNED, 0),
            "open_appeals": Appeal.objects.filter(round=rnd, state="filed").count()}


def publications(rnd: Round) -> list[Publication]:
    return list(rnd.publications.order_by("revision").select_related("by"))


def public_rounds():
    return (Round.objects.filter(state__in=PUBLISHED, is_public=True, scheme__is_archived=False)
            .select_related("scheme").order_by("scheme__code", "-period_end"))


def public_round_get(pk: int) -> Round:
    rnd = public_rounds().filter(pk=pk).first()
    if rnd is None:
        raise Http404
    return rnd


def public_table(rnd: Round) -> tuple[list[dict], list[Publication]]:
    """The latest published snapshot and every publication's note (the revision history)."""
    pubs = list(rnd.publications.order_by("revision"))
    return (pubs[-1].table if pubs else []), pubs


# ---- the web pages (views.py) ------------------------------------------------------------------------------
# The same scope rules as above: what a person reaches from the pages is never more than Round/RoundUnit
# .objects.visible_to allow; lists are filtered in the query.

def rounds_listed(user, schemes) -> dict[int, list[Round]]:
    """The rounds to list under each scheme, in one query: the rounds the user may open
    (`Round.objects.visible_to`: every round for readers of the whole scheme; for others the published ones,
    those they evaluate and those their own units take part in, once out of draft)."""
    schemes = list(schemes)
    if not schemes:
        return {}
    out: dict[int, list[Round]] = {s.pk: [] for s in schemes}
    for rnd in (Round.objects.visible_to(scope_for(user)).filter(scheme__in=[s.pk for s in schemes])
                .select_related("version").annotate(n_units=Count("participants", distinct=True))
                .order_by("scheme", "-period_end", "-pk")):
        out[rnd.scheme_id].append(rnd)
    return out


@dataclass
class TreeLine:
    indicator: Indicator
    depth: int
    is_leaf: bool
    points: Decimal | None
    rule_text: str
    missing: str = ""


def scheme_tree(version) -> list[TreeLine]:
    """A version's indicator tree in pre-order (项目/指标/标准) with 应得分, 评价方法 and the rule in words."""
    from .scheme import MeasuredRule

    definition = version.definition()
    lines = []
    for ind in Indicator.objects.filter(version=version).order_by("position"):
        leaf = definition.leaf(ind.code) if ind.is_leaf and definition.type == "points" else None
        text = engine.rule_text(leaf.rule, leaf.points or Decimal(0)) if leaf is not None else (
            engine.rule_text(MeasuredRule(type="measured"), Decimal(0)) if ind.is_leaf else "")
        lines.append(TreeLine(indicator=ind, depth=ind.depth, is_leaf=ind.is_leaf, points=ind.points, rule_text=text,
                              missing=(leaf.missing or "") if leaf is not None else ""))
    return lines


def _own_unit_filter(user, rnd: Round) -> Q | None:
    """None: the user reads every unit of the round; otherwise a filter on `unit` to their own units."""
    if reads_all(user, rnd.scheme) or is_evaluator(user, rnd):
        return None
    return Q(unit__in=[u.pk for u in own_units(user, rnd)])


def round_participants(user, rnd: Round) -> list[RoundUnit]:
    qs = RoundUnit.objects.filter(round=rnd).select_related("unit").order_by("group", "unit__sort_order", "unit__path")
    only = _own_unit_filter(user, rnd)
    return list(qs if only is None else qs.filter(only))


def round_evaluators(user, rnd: Round) -> list[EvaluatorAssignment]:
    """Who evaluates what (readers of the whole scheme only)."""
    if not reads_all(user, rnd.scheme):
        return []
    return list(EvaluatorAssignment.objects.filter(round=rnd).select_related("person", "unit", "indicator")
                .order_by("person__username", "unit__path", "indicator__position"))


def evaluator_candidates(rnd: Round):
    """People who may be assigned: evaluators and office staff over (or above) the scheme's region."""
    from django.contrib.auth import get_user_model

    region = rnd.scheme.region.path
    prefixes = [region[: i + 1] for i in range(len(region)) if region[i] == "/" and i > 0]
    q = Q(grants__unit__path__in=prefixes) | Q(grants__unit__path__within=[region])
    return (get_user_model().objects.filter(is_active=True, grants__role__in=(Role.EVALUATOR, Role.OFFICE))
            .filter(q).distinct().order_by("username")[:500])


def round_appeals(user, rnd: Round) -> list[Appeal]:
    qs = Appeal.objects.filter(round=rnd).select_related("unit", "indicator", "filed_by", "reviewer")
    only = _own_unit_filter(user, rnd)
    return list(qs if only is None else qs.filter(only))


def round_consequences(user, rnd: Round) -> list[Consequence]:
    qs = Consequence.objects.filter(round=rnd).select_related("unit", "decided_by").order_by("unit__path", "rule_code")
    only = _own_unit_filter(user, rnd)
    return list(qs if only is None else qs.filter(only))


def my_scores(user, rnd: Round, unit: Unit) -> dict[int, Score]:
    """This evaluator's current score per leaf of one unit, with its evidence."""
    return {s.indicator_id: s for s in Score.objects.filter(round=rnd, unit=unit, evaluator=user, is_current=True)
            .prefetch_related("evidence")}


def round_evidence(user, rnd: Round, unit: Unit, attachment_id: int):
    """An evidence file of this unit in this round (a score's, an appeal's, an adjustment's or a submitted
    material's), for those who read the unit's card; None otherwise."""
    from luoshi.core.models import Attachment

    if not reads_unit(user, rnd, unit):
        return None
    linked = (Score.objects.filter(round=rnd, unit=unit, evidence=attachment_id).exists()
              or Appeal.objects.filter(round=rnd, unit=unit, evidence=attachment_id).exists()
              or Adjustment.objects.filter(round=rnd, unit=unit, evidence=attachment_id).exists()
              or Material.objects.filter(round=rnd, unit=unit, files=attachment_id).exists())
    return Attachment.objects.filter(pk=attachment_id).first() if linked else None
