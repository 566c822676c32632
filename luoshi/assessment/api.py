"""Assessment endpoints of the REST API (mounted at /api/assessment). Same selectors and services as the
pages: the same scoping, refusals and journal. What a caller may not see is 404; what they see but may not
do is 403 (the service's words); a refused request is 400 with the Chinese message and the field.

Numbers (points, totals, 得分率, ranks) are strings in JSON, exactly as published: "90.50", "2.5". A total
carries the scheme's publication precision; points are written as people write them ("20", "0.5").

No `from __future__ import annotations` here: ninja resolves parameter types at import."""
import datetime as dt
from decimal import Decimal

from django.db.models import Max
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from luoshi.core.errors import ServiceError
from luoshi.core.params import BodyIn, Count, Day, Id, Points
from luoshi.org.models import Person, Unit
from luoshi.org.scopes import scope_for

from . import selectors, services
from .models import ROUND_FLOW, Appeal, Consequence, Indicator, Round, RoundState, RoundUnit, SchemeVersion
from .permissions import can_manage, is_evaluator, reads_all, reads_unit

router = Router(tags=["assessment"])


class Error(Schema):
    detail: str


class Refused(Schema):
    detail: str
    field: str | None = None


class Problem(Schema):
    field: str
    detail: str


class Malformed(Schema):
    """422: the body or a parameter does not fit the schema (where, in Chinese)."""
    detail: str
    field: str
    errors: list[Problem]


# What every write can answer besides its success: refused by the rules (400), not signed in (401), not
# allowed (403, the service's words), not visible (404), malformed (422).
WRITE_ERRORS = {400: Refused, 401: Error, 403: Error, 404: Error, 422: Malformed}


# ---- numbers -------------------------------------------------------------------------------------------------

def num(d) -> str | None:
    """Points as people write them: 20.0000 → "20", 0.5000 → "0.5"; None stays None."""
    if d is None:
        return None
    d = Decimal(d)
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def fixed(d, places: int) -> str | None:
    """A published number at the scheme's precision: 90.5000 → "90.50" (it was rounded once, at publication)."""
    if d is None:
        return None
    return str(Decimal(d).quantize(Decimal(1).scaleb(-places)))


# ---- schemas ----------------------------------------------------------------------------------------------------

class SchemeOut(Schema):
    id: int
    code: str
    name: str
    owner_unit_id: int
    owner_unit: str
    region_id: int
    region: str
    version: int | None


class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    points: str | None
    method: str
    rule_type: str
    rule_text: str
    missing: str
    is_leaf: bool
    children: list["IndicatorOut"]


IndicatorOut.model_rebuild()


class GradeOut(Schema):
    name: str
    min: str
    stars: int | None


class GroupOut(Schema):
    code: str
    name: str


class DeductionItemOut(Schema):
    code: str
    name: str
    points: str
    cap: str | None
    veto: bool


class RuleOut(Schema):
    code: str
    name: str
    when: str
    consecutive: int
    group: str
    actions: list[str]
    excluded: str


class SchemeDetailOut(SchemeOut):
    version_note: str
    type: str
    full_marks: str
    precision: int
    rounding: str
    rank_method: str
    rank_order: str
    multi_rater: str
    missing: str
    appeal_days: int
    cadence: str
    peer_groups: list[GroupOut]
    grades: list[GradeOut]
    deductions: list[DeductionItemOut]
    rules: list[RuleOut]
    indicators: list[IndicatorOut]


class ProgressOut(Schema):
    units: int
    leaves: int
    expected: int
    scored_cells: int
    submitted: int
    approved: int
    returned: int
    open_appeals: int


class PublicationOut(Schema):
    revision: int
    at: dt.datetime
    note: str


class RoundOut(Schema):
    id: int
    scheme: str
    name: str
    period_start: dt.date
    period_end: dt.date
    state: str
    state_display: str
    version: int
    revision: int
    appeal_deadline: dt.date | None
    published_at: dt.datetime | None
    is_public: bool
    units: int


class RoundDetailOut(RoundOut):
    progress: ProgressOut | None
    publications: list[PublicationOut]
    own_unit_ids: list[int]
    manages: bool
    evaluates: bool


class RowOut(Schema):
    unit_id: int
    unit: str
    group: str
    group_name: str
    total: str
    rate: str | None
    rank: str | None
    grade: str
    stars: int | None
    movement: int | None
    excluded: str
    is_top: bool
    is_bottom: bool
    subtotals: list[str]
    bonus: str
    deduction: str
    figures: dict


class EvidenceOut(Schema):
    id: int
    name: str
    size: int


class ScoreOut(Schema):
    id: int
    unit_id: int
    indicator: str
    evaluator: str | None
    value: str
    level: str
    note: str
    status: str
    source: str
    scored_at: dt.datetime
    approved_by: str | None
    evidence: list[EvidenceOut]


class CardLineOut(Schema):
    code: str
    name: str
    depth: int
    is_leaf: bool
    points: str | None
    rule_text: str
    earned: str | None
    excluded: bool
    scores: list[ScoreOut]


class AdjustmentOut(Schema):
    kind: str
    item: str
    level: str
    award: str
    count: str
    note: str


class AppealOut(Schema):
    id: int
    round_id: int
    unit_id: int
    indicator: str
    reason: str
    state: str
    filed_at: dt.datetime
    original_value: str | None
    original_points: str | None
    revised_value: str | None
    revised_points: str | None
    decided_at: dt.datetime | None
    decision: str


class ConsequenceOut(Schema):
    rule_code: str
    rule_name: str
    action: str
    occurrence: int
    state: str
    detail: str
    payment_share: str | None


class CardOut(Schema):
    round_id: int
    unit_id: int
    unit: str
    published: bool
    total: str | None
    rate: str | None
    rank: str | None
    group_size: int | None
    grade: str
    bonus: str | None
    deduction: str | None
    excluded: str
    lines: list[CardLineOut]
    adjustments: list[AdjustmentOut]
    appeals: list[AppealOut]
    consequences: list[ConsequenceOut]


class ScoreIn(BodyIn):
    unit_id: Id
    indicator: str                     # the leaf's code, e.g. "A1"
    value: str | Points         # points, 达标/不达标, occurrences, a rubric level's name …
    note: str = ""


class ApproveIn(BodyIn):
    score_ids: list[Id] | None = None   # none: every submitted score someone else gave


class ApprovedOut(Schema):
    approved: int


class NoteIn(BodyIn):
    note: str = ""


class AppealIn(BodyIn):
    unit_id: Id
    indicator: str
    reason: str


class DecisionIn(BodyIn):
    revise: bool
    value: str | Points | None = None
    decision: str


# ---- helpers ------------------------------------------------------------------------------------------------------

def _round(request, round_id: Id) -> Round:
    return selectors.round_get(request.user, round_id)


def _participant(rnd: Round, unit_id: int, field: str = "unit_id") -> Unit:
    ru = RoundUnit.objects.filter(round=rnd, unit_id=unit_id).select_related("unit").first()
    if ru is None:
        raise ServiceError(_("单位 id %(id)s 不是本期次的参评单位。") % {"id": unit_id}, field=field)
    return ru.unit


def _leaf(rnd: Round, code: str) -> Indicator:
    leaf = Indicator.objects.filter(version=rnd.version_id, code=code, is_leaf=True).first()
    if leaf is None:
        raise ServiceError(_("“%(code)s”不是本期次指标体系的末级标准。") % {"code": code}, field="indicator")
    return leaf


def _precision(rnd: Round) -> int:
    return rnd.version.definition().precision


def _versions(scheme_ids) -> dict[int, int]:
    return dict(SchemeVersion.objects.filter(scheme__in=scheme_ids).values("scheme")
                .annotate(n=Max("number")).values_list("scheme", "n"))


def _scheme_out(s, version: int | None) -> dict:
    return {"id": s.pk, "code": s.code, "name": s.name, "owner_unit_id": s.owner_unit_id,
            "owner_unit": s.owner_unit.name, "region_id": s.region_id, "region": s.region.name, "version": version}


def _tree(version: SchemeVersion) -> list[dict]:
    roots: list[dict] = []
    nodes: dict[int, dict] = {}
    for line in selectors.scheme_tree(version):
        ind = line.indicator
        node = {"id": ind.pk, "code": ind.code, "name": ind.name, "points": num(ind.points), "method": ind.method,
                "rule_type": ind.rule_type, "rule_text": line.rule_text, "missing": line.missing,
                "is_leaf": ind.is_leaf, "children": []}
        nodes[ind.pk] = node
        (nodes[ind.parent_id]["children"] if ind.parent_id in nodes else roots).append(node)
    return roots


def _when(when) -> str:
    data = when.model_dump(mode="json")
    kind = data.pop("type")
    return kind + "(" + ", ".join(f"{k}={v}" for k, v in data.items()) + ")"


def _round_out(rnd: Round, n_units: int | None = None) -> dict:
    return {"id": rnd.pk, "scheme": rnd.scheme.code, "name": rnd.name, "period_start": rnd.period_start,
            "period_end": rnd.period_end, "state": rnd.state, "state_display": rnd.get_state_display(),
            "version": rnd.version.number, "revision": rnd.revision, "appeal_deadline": rnd.appeal_deadline,
            "published_at": rnd.published_at, "is_public": rnd.is_public,
            "units": n_units if n_units is not None else RoundUnit.objects.filter(round=rnd).count()}


def _score_out(s, code: str) -> dict:
    return {"id": s.pk, "unit_id": s.unit_id, "indicator": code,
            "evaluator": s.evaluator.display_name if s.evaluator_id else None, "value": num(s.value),
            "level": s.level, "note": s.note, "status": s.status, "source": s.source, "scored_at": s.scored_at,
            "approved_by": s.approved_by.display_name if s.approved_by_id else None,
            # a card's scores carry their files as a list (selectors.CardScore); a stored Score as a relation
            "evidence": [{"id": a.pk, "name": a.original_name, "size": a.size}
                         for a in (s.evidence if isinstance(s.evidence, list) else s.evidence.all())]}


def _appeal_out(a: Appeal) -> dict:
    return {"id": a.pk, "round_id": a.round_id, "unit_id": a.unit_id, "indicator": a.indicator.code,
            "reason": a.reason, "state": a.state, "filed_at": a.filed_at, "original_value": num(a.original_value),
            "original_points": num(a.original_points), "revised_value": num(a.revised_value),
            "revised_points": num(a.revised_points), "decided_at": a.decided_at, "decision": a.decision}


# ---- reads ----------------------------------------------------------------------------------------------------------

@router.get("/schemes", response=list[SchemeOut])
def list_schemes(request):
    schemes = list(selectors.schemes_visible(request.user))
    versions = _versions([s.pk for s in schemes])
    return [_scheme_out(s, versions.get(s.pk)) for s in schemes]


@router.get("/schemes/{scheme_id}", response={200: SchemeDetailOut, 404: Error})
def get_scheme(request, scheme_id: Id, version: Count | None = None):
    """The scheme with its indicator tree (项目 → 指标 → 标准) of the latest version, or of `version`."""
    scheme = selectors.scheme_get(request.user, scheme_id)
    versions = scheme.versions.order_by("-number")
    v = (versions.filter(number=version) if version else versions).first()
    if v is None:
        raise Http404(_("指标体系没有第 %(n)s 版。") % {"n": version})
    d = v.definition()
    return {
        **_scheme_out(scheme, v.number), "version_note": v.note, "type": d.type, "full_marks": num(d.max_points()),
        "precision": d.precision, "rounding": d.rounding, "rank_method": d.rank_method, "rank_order": d.rank_order,
        "multi_rater": d.multi_rater, "missing": d.missing, "appeal_days": d.appeal_days, "cadence": d.cadence,
        "peer_groups": [{"code": g.code, "name": g.name} for g in d.peer_groups],
        "grades": [{"name": g.name, "min": num(g.min), "stars": g.stars} for g in d.grades],
        "deductions": [{"code": x.code, "name": x.name, "points": num(x.points), "cap": num(x.cap), "veto": x.veto}
                       for x in d.deductions],
        "rules": [{"code": r.code, "name": r.name, "when": _when(r.when), "consecutive": r.consecutive,
                   "group": r.group, "actions": r.actions, "excluded": r.excluded} for r in d.rules],
        "indicators": _tree(v),
    }


@router.get("/schemes/{scheme_id}/rounds", response={200: list[RoundOut], 404: Error})
def list_rounds(request, scheme_id: Id):
    scheme = selectors.scheme_get(request.user, scheme_id)
    rounds = selectors.rounds_listed(request.user, [scheme]).get(scheme.pk, [])
    for rnd in rounds:
        rnd.scheme = scheme
    return [_round_out(rnd, rnd.n_units) for rnd in rounds]


@router.get("/rounds/{round_id}", response={200: RoundDetailOut, 404: Error})
def get_round(request, round_id: Id):
    """The round, its progress (for those who read every unit or evaluate), its publications and what the
    caller may do in it."""
    rnd = _round(request, round_id)
    user = request.user
    whole = reads_all(user, rnd.scheme) or is_evaluator(user, rnd)
    return {**_round_out(rnd), "progress": selectors.round_progress(rnd) if whole else None,
            "publications": [{"revision": p.revision, "at": p.at, "note": p.note}
                             for p in selectors.publications(rnd)] if rnd.is_published else [],
            "own_unit_ids": [u.pk for u in selectors.own_units(user, rnd)],
            "manages": can_manage(user, rnd.scheme), "evaluates": is_evaluator(user, rnd)}


@router.get("/rounds/{round_id}/table", response={200: list[RowOut], 404: Error})
def league_table(request, round_id: Id):
    """排名表: by peer group then rank; units not ranked last. Before publication a unit's people see
    their own row only."""
    rnd = _round(request, round_id)
    places = _precision(rnd)
    return [{"unit_id": r.unit_id, "unit": r.unit, "group": r.group, "group_name": r.group_name,
             "total": fixed(r.total, places), "rate": fixed(r.rate, places), "rank": num(r.rank), "grade": r.grade,
             "stars": r.stars, "movement": r.movement, "excluded": r.excluded, "is_top": r.is_top,
             "is_bottom": r.is_bottom, "subtotals": [num(s) for s in r.subtotals], "bonus": num(r.bonus),
             "deduction": num(r.deduction), "figures": r.figures}
            for r in selectors.league_table(request.user, rnd)]


@router.get("/rounds/{round_id}/units/{unit_id}/card", response={200: CardOut, 404: Error})
def score_card(request, round_id: Id, unit_id: Id):
    """A unit's score card: every leaf with 应得分, the rule, each evaluator's score and evidence, the points
    the rule gives; adjustments, appeals and consequences."""
    rnd = _round(request, round_id)
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None or not reads_unit(request.user, rnd, unit):
        raise Http404(_("不存在或无权查看。"))
    card = selectors.score_card(request.user, rnd, unit)
    places = _precision(rnd)
    result, preview = card.result, card.preview
    if result is not None:
        head = {"total": fixed(result.total, places), "rate": fixed(result.rate, places), "rank": num(result.rank),
                "group_size": result.group_size, "grade": result.grade, "bonus": num(result.bonus),
                "deduction": num(result.deduction), "excluded": result.excluded}
    elif preview is not None:
        head = {"total": fixed(preview.total, places), "rate": fixed(preview.rate, places), "rank": None,
                "group_size": None, "grade": preview.grade, "bonus": num(preview.bonus),
                "deduction": num(preview.deduction), "excluded": preview.excluded}
    else:
        head = {"total": None, "rate": None, "rank": None, "group_size": None, "grade": "", "bonus": None,
                "deduction": None, "excluded": ""}
    return {
        "round_id": rnd.pk, "unit_id": unit.pk, "unit": unit.name, "published": rnd.is_published, **head,
        "lines": [{"code": line.indicator.code, "name": line.indicator.name, "depth": line.depth,
                   "is_leaf": line.is_leaf, "points": num(line.points), "rule_text": line.rule_text,
                   "earned": num(line.earned), "excluded": line.excluded,
                   "scores": [_score_out(s, line.indicator.code) for s in line.scores]} for line in card.lines],
        "adjustments": [{"kind": a.kind, "item": a.item, "level": a.level, "award": a.award, "count": num(a.count),
                         "note": a.note} for a in card.adjustments],
        "appeals": [_appeal_out(a) for a in card.appeals],
        "consequences": [{"rule_code": c.rule_code, "rule_name": c.rule_name, "action": c.action,
                          "occurrence": c.occurrence, "state": c.state, "detail": c.detail,
                          "payment_share": num(c.payment_share)} for c in card.consequences],
    }


# ---- writes -------------------------------------------------------------------------------------------------------

@router.post("/rounds/{round_id}/scores", response={201: ScoreOut, 400: Refused, 403: Error, 404: Error})
def record_score(request, round_id: Id, body: ScoreIn):
    """评分: one evaluator's value for one leaf of one unit (replaces, and keeps, their previous one)."""
    rnd = _round(request, round_id)
    unit = _participant(rnd, body.unit_id)
    leaf = _leaf(rnd, body.indicator)
    score = services.score_record(by=request.user, round=rnd, unit=unit, indicator=leaf, value=str(body.value),
                                  note=body.note, source="api")
    return 201, _score_out(score, leaf.code)


class ScoreFormIn(Schema):
    unit_id: Id
    indicator: str
    value: str
    note: str = ""


@router.post("/rounds/{round_id}/scores/evidence", response={201: ScoreOut, 400: Refused, 403: Error, 404: Error})
def record_score_with_evidence(request, round_id: Id, body: Form[ScoreFormIn],
                               files: File[list[UploadedFile]] = None):
    """评分 with evidence files (multipart/form-data: unit_id, indicator, value, note, files)."""
    rnd = _round(request, round_id)
    unit = _participant(rnd, body.unit_id)
    leaf = _leaf(rnd, body.indicator)
    score = services.score_record(by=request.user, round=rnd, unit=unit, indicator=leaf, value=body.value,
                                  note=body.note, files=[(f.name, f.read()) for f in files or []], source="api")
    return 201, _score_out(score, leaf.code)


@router.post("/rounds/{round_id}/approve", response={200: ApprovedOut, 400: Refused, 403: Error, 404: Error})
def approve(request, round_id: Id, body: ApproveIn):
    """审核: approve submitted scores (never one's own)."""
    rnd = _round(request, round_id)
    return {"approved": services.scores_approve(by=request.user, round=rnd, score_ids=body.score_ids)}


class PublishIn(BodyIn):
    note: str = ""
    allow_incomplete: bool = False


@router.post("/rounds/{round_id}/publish", response={200: PublicationOut, **WRITE_ERRORS})
def publish(request, round_id: Id, body: PublishIn):
    """公布: every current score must be approved, every ranked unit scored on every leaf (or `allow_incomplete`
    with a `note` giving the reason, journaled) and the round 审核中; results are computed, stored and published
    as a numbered revision, the appeal window opens and the consequence rules propose measures."""
    rnd = _round(request, round_id)
    return services.round_publish(by=request.user, round=rnd, note=body.note, allow_incomplete=body.allow_incomplete)


@router.post("/rounds/{round_id}/appeals", response={201: AppealOut, 400: Refused, 403: Error, 404: Error})
def file_appeal(request, round_id: Id, body: AppealIn):
    """申诉: the unit contests one leaf within the appeal window."""
    rnd = _round(request, round_id)
    unit = _participant(rnd, body.unit_id)
    appeal = services.appeal_file(by=request.user, round=rnd, unit=unit, indicator=_leaf(rnd, body.indicator),
                                  reason=body.reason)
    return 201, _appeal_out(appeal)


@router.post("/appeals/{appeal_id}/decision", response={200: AppealOut, 400: Refused, 403: Error, 404: Error})
def decide_appeal(request, appeal_id: Id, body: DecisionIn):
    """复核: uphold, or revise the leaf to `value`; a revision republishes the table with a note."""
    appeal = (Appeal.objects.visible_to(scope_for(request.user)).select_related("round", "unit", "indicator")
              .filter(pk=appeal_id).first())  # the rows the round's appeal list shows this person
    if appeal is None:
        raise Http404(_("不存在或无权查看。"))
    if body.revise and body.value is None:
        raise ServiceError(_("改分须给出复核分值。"), field="value")
    appeal = services.appeal_decide(by=request.user, appeal=appeal, revise=body.revise,
                                    value=None if body.value is None else str(body.value), decision=body.decision)
    return _appeal_out(appeal)


# ---- the office's round operations ----------------------------------------------------------------------------
# The same services as the round page; who may is decided there (403 with their words).

class RoundIn(BodyIn):
    name: str
    period_start: Day
    period_end: Day
    unit_ids: list[Id] | None = None     # none: every active unit of the region in one of the peer groups
    compare_to_id: Id | None = None      # the round the 升降位次 compare with


class AdvanceIn(BodyIn):
    to: str | None = None                 # collecting / scoring / review; none: the next state
    note: str = ""


class EvaluatorIn(BodyIn):
    username: str                         # the evaluator's account
    unit_ids: list[Id] | None = None     # none: every unit of the round
    indicators: list[str] | None = None   # leaf codes; none: every leaf


class EvaluatorOut(Schema):
    username: str
    name: str
    unit_id: int | None
    unit: str | None
    indicator: str | None


class AssignedOut(Schema):
    assigned: int


class ProposalOut(ConsequenceOut):
    id: int
    round_id: int
    unit_id: int
    unit: str
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str


class ProposalDecisionIn(BodyIn):
    confirm: bool                         # true: 确认; false: 不予采纳
    note: str = ""


def _proposal_out(c) -> dict:
    return {"id": c.pk, "round_id": c.round_id, "unit_id": c.unit_id, "unit": c.unit.name, "rule_code": c.rule_code,
            "rule_name": c.rule_name, "action": c.action, "occurrence": c.occurrence, "state": c.state,
            "detail": c.detail, "payment_share": num(c.payment_share),
            "decided_by": c.decided_by.display_name if c.decided_by_id else None, "decided_at": c.decided_at,
            "decision_note": c.decision_note}


@router.post("/schemes/{scheme_id}/rounds", response={201: RoundOut, **WRITE_ERRORS})
def create_round(request, scheme_id: Id, body: RoundIn):
    """新建考核期次 (草稿) under the scheme's current version."""
    scheme = selectors.scheme_get(request.user, scheme_id)
    units = None
    if body.unit_ids is not None:
        found = {u.pk: u for u in Unit.objects.filter(pk__in=body.unit_ids)}
        missing = [str(i) for i in body.unit_ids if i not in found]
        if missing:
            raise ServiceError(_("单位 id 不存在：%(ids)s") % {"ids": "、".join(missing)}, field="unit_ids")
        units = [found[i] for i in dict.fromkeys(body.unit_ids)]
    compare = None
    if body.compare_to_id is not None:
        compare = Round.objects.filter(pk=body.compare_to_id, scheme=scheme).first()
        if compare is None:
            raise ServiceError(_("对比期次 %(id)s 不是该指标体系的期次。") % {"id": body.compare_to_id},
                               field="compare_to_id")
    rnd = services.round_create(by=request.user, scheme=scheme, name=body.name, period_start=body.period_start,
                                period_end=body.period_end, units=units, compare_to=compare)
    return 201, _round_out(rnd)


@router.post("/rounds/{round_id}/advance", response={200: RoundOut, **WRITE_ERRORS})
def advance_round(request, round_id: Id, body: AdvanceIn):
    """推进: draft → collecting (材料报送) → scoring (评分中) → review (审核中), one step at a time. Publishing
    and finalising have their own endpoints."""
    rnd = _round(request, round_id)
    order = [s.value for s in ROUND_FLOW]
    to = body.to
    if to is None:
        to = order[order.index(rnd.state) + 1] if rnd.state != RoundState.FINAL else ""
    rnd = services.round_advance(by=request.user, round=rnd, to=to, note=body.note)
    return _round_out(rnd)


@router.post("/rounds/{round_id}/finalize", response={200: RoundOut, **WRITE_ERRORS})
def finalize_round(request, round_id: Id, body: NoteIn):
    """定稿: after the appeal window, with every appeal decided."""
    rnd = _round(request, round_id)
    return _round_out(services.round_finalize(by=request.user, round=rnd, note=body.note))


@router.get("/rounds/{round_id}/evaluators", response={200: list[EvaluatorOut], 401: Error, 404: Error})
def list_evaluators(request, round_id: Id):
    """Who evaluates what (for readers of the whole scheme; others get an empty list)."""
    rnd = _round(request, round_id)
    return [{"username": a.person.username, "name": a.person.display_name, "unit_id": a.unit_id,
             "unit": a.unit.name if a.unit_id else None, "indicator": a.indicator.code if a.indicator_id else None}
            for a in selectors.round_evaluators(request.user, rnd)]


@router.post("/rounds/{round_id}/evaluators", response={201: AssignedOut, **WRITE_ERRORS})
def assign_evaluator(request, round_id: Id, body: EvaluatorIn):
    """指派评估员: for the whole round, or some of its units and leaves."""
    rnd = _round(request, round_id)
    person = Person.objects.filter(username=body.username, is_active=True).first()
    if person is None:
        raise ServiceError(_("用户“%(username)s”不存在或已停用。") % {"username": body.username}, field="username")
    units = [_participant(rnd, uid, field="unit_ids") for uid in dict.fromkeys(body.unit_ids or [])]
    leaves = [_leaf(rnd, code) for code in dict.fromkeys(body.indicators or [])]
    n = services.evaluator_assign(by=request.user, round=rnd, person=person, units=units or None,
                                  indicators=leaves or None)
    return 201, {"assigned": n}


@router.get("/rounds/{round_id}/consequences", response={200: list[ProposalOut], 401: Error, 404: Error})
def list_consequences(request, round_id: Id, state: str | None = None):
    """后果措施 the rules proposed at publication (a unit's people see their own unit's); `state`: proposed,
    confirmed or dismissed."""
    rnd = _round(request, round_id)
    return [_proposal_out(c) for c in selectors.round_consequences(request.user, rnd) if not state or c.state == state]


@router.post("/consequences/{consequence_id}/decision", response={200: ProposalOut, **WRITE_ERRORS})
def decide_consequence(request, consequence_id: Id, body: ProposalDecisionIn):
    """确认 or 不予采纳 a proposed measure (once)."""
    c = (Consequence.objects.visible_to(scope_for(request.user)).select_related("round", "unit")
         .filter(pk=consequence_id).first())  # the rows the round's consequence list shows this person
    if c is None:
        raise Http404(_("不存在或无权查看。"))
    c = services.consequence_decide(by=request.user, consequence=c, confirm=body.confirm, note=body.note)
    return _proposal_out(c)


__all__ = ["router"]
