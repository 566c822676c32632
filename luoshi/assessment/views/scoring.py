"""Scoring (evaluators, one leaf at a time with htmx) and the office's review queue."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.core.errors import ServiceError

from .. import permissions as perms
from .. import selectors, services
from ..forms import ReturnForm, ScoreForm
from ..models import Indicator, Score
from ..scheme import PassFailRule, RubricRule
from .common import REVIEW_PAGE, errors_text, request_files, round_for_manager

# ---- scoring (evaluators) -----------------------------------------------------------------------------------

@dataclass
class LeafLine:
    indicator: Indicator
    rule_text: str
    kind: str                       # number / pass_fail / rubric
    levels: list = field(default_factory=list)
    mine: Score | None = None
    materials: list = field(default_factory=list)
    value: str = ""                 # what the form shows
    note: str = ""
    errors: dict = field(default_factory=dict)


def leaf_kind(definition, indicator):
    leaf = definition.leaf(indicator.code) if definition.type == "points" else None
    rule = leaf.rule if leaf is not None else None
    if isinstance(rule, RubricRule):
        return "rubric", [(lv.name, f"{lv.name}（{format(lv.points.normalize(), 'f')}）") for lv in rule.levels]
    if isinstance(rule, PassFailRule) or indicator.rule_type == "pass_fail":
        return "pass_fail", [("达标", _("达标")), ("不达标", _("不达标"))]
    return "number", []


def _rule_text(definition, indicator):
    from .. import engine

    leaf = definition.leaf(indicator.code) if definition.type == "points" else None
    if leaf is None:
        return engine.rule_text(None, indicator.points or 0) if definition.type == "points" else _("实测值")
    return engine.rule_text(leaf.rule, leaf.points or 0)


def _shown_value(score: Score | None, kind: str) -> str:
    if score is None:
        return ""
    if kind == "rubric":
        return score.level
    if kind == "pass_fail":
        return "达标" if score.value >= 1 else "不达标"
    return format(score.value.normalize(), "f")


def _leaf_line(definition, indicator, mine, materials, posted=None, errors=None) -> LeafLine:
    kind, levels = leaf_kind(definition, indicator)
    line = LeafLine(indicator=indicator, rule_text=_rule_text(definition, indicator), kind=kind, levels=levels,
                    mine=mine, materials=materials, value=_shown_value(mine, kind), note=mine.note if mine else "")
    if posted is not None:
        line.value, line.note = posted.get("value", ""), posted.get("note", "")
        line.errors = errors or {}
    return line


def _scoring_round(request, pk):
    rnd = selectors.round_get(request.user, pk)
    if not (perms.is_evaluator(request.user, rnd) or perms.can_manage(request.user, rnd.scheme)):
        raise Http404
    return rnd


def _score_ctx(request, rnd, unit_id=None, posted=None):
    units, leaves, done = selectors.worklist(request.user, rnd)
    unit = next((u for u in units if u.pk == unit_id), None) if unit_id else (units[0] if units else None)
    if unit_id and unit is None:
        raise Http404
    definition = rnd.version.definition()
    leaf_ids = {leaf.pk for leaf in leaves}
    per_unit = {u.pk: 0 for u in units}
    for uid, iid in done:
        if uid in per_unit and iid in leaf_ids:
            per_unit[uid] += 1
    lines = []
    if unit is not None:
        mine = selectors.my_scores(request.user, rnd, unit)
        materials = selectors.unit_materials(rnd, unit)
        for leaf in leaves:
            p = posted if posted and posted["indicator"] == leaf.pk else None
            lines.append(_leaf_line(definition, leaf, mine.get(leaf.pk), materials.get(leaf.pk, []),
                                    posted=p, errors=p and p["errors"]))
    return {"rnd": rnd, "scheme": rnd.scheme, "units": [(u, per_unit[u.pk]) for u in units], "unit": unit,
            "lines": lines, "n_leaves": len(leaves), "done_unit": per_unit.get(unit.pk, 0) if unit else 0,
            "done_all": sum(per_unit.values()), "total_all": len(units) * len(leaves),
            "can_score": rnd.state in services.SCORING_STATES, "can_manage": perms.can_manage(request.user, rnd.scheme),
            "is_evaluator": perms.is_evaluator(request.user, rnd)}


@login_required
def score_page(request, pk):
    rnd = _scoring_round(request, pk)
    unit_id = request.GET.get("unit", "")
    ctx = _score_ctx(request, rnd, int(unit_id) if unit_id.isdigit() else None)
    return render(request, "assessment/score.html", ctx)


FIELD_OF = {"value": "value", "note": "note", "files": "files"}


@require_POST
@login_required
def score_save(request, pk, unit_pk):
    """One leaf's score for one unit. htmx: the leaf's card comes back (or, on an error, only the error lines);
    without JavaScript: a redirect back to the unit, or the page again with what was typed."""
    rnd = _scoring_round(request, pk)
    units, leaves, _done = selectors.worklist(request.user, rnd)
    unit = next((u for u in units if u.pk == unit_pk), None)
    raw = request.POST.get("indicator", "")
    leaf = next((leaf for leaf in leaves if str(leaf.pk) == raw), None)
    if unit is None or leaf is None:
        raise Http404
    form = ScoreForm(request.POST)
    errors: dict[str, list[str]] = {}
    if form.is_valid():
        try:
            services.score_record(by=request.user, round=rnd, unit=unit, indicator=leaf, value=form.cleaned_data["value"],
                                  note=form.cleaned_data["note"], files=request_files(request))
        except ServiceError as e:
            errors[FIELD_OF.get(e.field or "", "")] = [e.message]
    else:
        errors = {k if k in FIELD_OF else "": [str(m) for m in v] for k, v in form.errors.items()}
    if not errors:
        message = _("已保存：%(unit)s “%(code)s %(name)s”。") % {"unit": unit.name, "code": leaf.code, "name": leaf.name}
        if request.htmx:
            ctx = _score_ctx(request, rnd, unit.pk)
            line = next(line for line in ctx["lines"] if line.indicator.pk == leaf.pk)
            return render(request, "assessment/_score_leaf.html", ctx | {"line": line, "saved": message, "oob": True})
        messages.success(request, message)
        return HttpResponseRedirect(reverse("assess_score", args=[rnd.pk]) + f"?unit={unit.pk}#leaf-{leaf.pk}")
    if request.htmx:
        # Only the error lines change: the form keeps the value, the note and the chosen files.
        html = render_to_string("assessment/_score_errors.html", {"leaf": leaf, "errors": errors}, request=request)
        response = HttpResponse(html)
        response["HX-Reswap"] = "none"
        return response
    posted = {"indicator": leaf.pk, "value": request.POST.get("value", ""), "note": request.POST.get("note", ""),
              "errors": errors}
    ctx = _score_ctx(request, rnd, unit.pk, posted=posted)
    ctx["error"] = _("“%(code)s %(name)s”未保存，请检查标红的内容。") % {"code": leaf.code, "name": leaf.name}
    if request.FILES:
        ctx["files_lost"] = leaf.pk
    return render(request, "assessment/score.html", ctx, status=400)


@login_required
def review_page(request, pk):
    """审核: the office's queue of submitted scores; nobody approves their own."""
    rnd = round_for_manager(request, pk)
    qs = selectors.review_queue(request.user, rnd).prefetch_related("evidence")
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        qs = qs.filter(unit_id=int(unit_id))
    page = Paginator(qs, REVIEW_PAGE).get_page(request.GET.get("page"))
    definition = rnd.version.definition()
    kinds = {}
    rows = []
    for s in page:
        if s.indicator_id not in kinds:
            kinds[s.indicator_id] = leaf_kind(definition, s.indicator)[0]
        value = _shown_value(s, kinds[s.indicator_id])
        rows.append({"score": s, "value": _(value) if kinds[s.indicator_id] == "pass_fail" else value,
                     "own": s.evaluator_id == request.user.pk})
    return render(request, "assessment/review.html", {
        "rnd": rnd, "scheme": rnd.scheme, "page": page, "rows": rows, "can_manage": True,
        "is_evaluator": perms.is_evaluator(request.user, rnd),
        "can_review": rnd.state in services.SCORING_STATES, "unit_filter": unit_id})


@require_POST
@login_required
def review_approve(request, pk):
    rnd = round_for_manager(request, pk)
    ids = [int(i) for i in request.POST.getlist("score") if i.isdigit()]
    back = HttpResponseRedirect(reverse("assess_review", args=[rnd.pk]))
    if not ids:
        messages.error(request, _("请勾选要审核通过的评分。"))
        return back
    try:
        n = services.scores_approve(by=request.user, round=rnd, score_ids=ids)
    except ServiceError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("已审核通过 %(n)s 条评分。") % {"n": n})
    return back


@require_POST
@login_required
def score_return(request, pk):
    score = Score.objects.select_related("round", "unit", "indicator").filter(pk=pk, is_current=True).first()
    if score is None:
        raise Http404
    rnd = round_for_manager(request, score.round_id)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("退回“%(code)s”：%(error)s") % {"code": score.indicator.code, "error": errors_text(form)})
    else:
        try:
            services.score_return(by=request.user, score=score, reason=form.cleaned_data["reason"])
        except ServiceError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, _("已退回 %(unit)s “%(code)s”的评分。") % {"unit": score.unit.name, "code": score.indicator.code})
    return HttpResponseRedirect(reverse("assess_review", args=[rnd.pk]))
