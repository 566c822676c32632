"""The score card: leaves, evidence, materials, appeals, bonuses and deductions."""
from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.http import attachment_response
from luoshi.org.scopes import scope_for

from .. import permissions as perms
from .. import selectors, services
from ..forms import AppealDecideForm, AppealForm, BonusForm, DeductionForm, MaterialForm, plain_fields
from ..models import Adjustment, Appeal, AppealState, Indicator, RoundState, ScoreStatus
from ..jinja import num
from .common import errors_text, request_files, int_or_none, round_for_manager
from .scoring import leaf_kind

# ---- the score card -------------------------------------------------------------------------------------------

def _card_unit(request, pk, unit_pk):
    return selectors.round_unit_get(request.user, pk, unit_pk)


def _appeal_open(rnd) -> bool:
    return rnd.state == RoundState.PUBLISHED and (rnd.appeal_deadline is None or clock.today() <= rnd.appeal_deadline)


def _card_ctx(request, rnd, unit, participant=None, **extra):
    user = request.user
    try:
        card = selectors.score_card(user, rnd, unit, participant)
    except PermissionDeniedError:
        raise Http404(_("没有找到该单位的评分卡，或您无权查看。"))
    definition = rnd.version.definition()
    can_manage = perms.can_manage(user, rnd.scheme)
    appeals_by_leaf: dict[int, list[Appeal]] = {}
    for a in card.appeals:
        appeals_by_leaf.setdefault(a.indicator_id, []).append(a)
    # how a reviewer enters the revised value, for the leaves with an appeal (the rows tell pass/fail by rule_type)
    kinds = {a.indicator_id: leaf_kind(definition, a.indicator) for a in card.appeals}
    bonus_names = {k.code: k.name for k in (definition.bonuses.kinds if definition.bonuses else [])}
    deduction_names = {d.code: d.name for d in definition.deductions}
    in_scoring = rnd.state in services.SCORING_STATES
    can_adjust = in_scoring and (can_manage or perms.may_score(user, rnd, unit.pk, -1))
    result = card.result
    totals = None
    if result is not None:
        totals = {"total": result.total, "rate": result.rate, "rank": result.rank, "group_size": result.group_size,
                  "grade": result.grade, "stars": result.stars, "bonus": result.bonus, "deduction": result.deduction,
                  "excluded": result.excluded, "vetoed": result.vetoed, "movement": result.movement,
                  "stored": True, "figures": result.figures}
    elif card.preview is not None:
        p = card.preview
        totals = {"total": p.total, "rate": p.rate, "rank": None, "grade": p.grade, "stars": p.stars, "bonus": p.bonus,
                  "deduction": p.deduction, "excluded": p.excluded, "vetoed": p.vetoed, "stored": False}
    ctx = {
        "rnd": rnd, "scheme": rnd.scheme, "unit": unit, "card": card, "definition": definition, "totals": totals,
        "metric": definition.type == "metric", "kinds": kinds, "appeals_by_leaf": appeals_by_leaf,
        "bonus_names": bonus_names, "deduction_names": deduction_names,
        # the round's tabs show 评分 to managers and evaluators: whether a manager evaluates is not read
        "can_manage": can_manage, "is_evaluator": not can_manage and perms.is_evaluator(user, rnd),
        # the unit appeals (the office that runs the assessment reviews appeals rather than files them)
        "can_appeal": _appeal_open(rnd) and perms.acts_for_unit(user, unit) and not can_manage,
        "open_appeals": {a.indicator_id for a in card.appeals if a.state == AppealState.FILED},
        "can_decide": can_manage and rnd.state == RoundState.PUBLISHED,
        "can_adjust": can_adjust, "can_submit": rnd.state in services.MATERIAL_STATES and perms.acts_for_unit(user, unit),
        "round_materials": card.materials.get(None, []),
        "today": clock.today(),
    }
    if can_adjust:
        ctx["bonus_form"] = extra.pop("bonus_form", None) or BonusForm(definition=definition)
        ctx["deduction_form"] = extra.pop("deduction_form", None) or DeductionForm(definition=definition)
        # their widgets are written by the card's template from plain values, not by Django's form templates
        ctx["bonus_fields"] = plain_fields(ctx["bonus_form"])
        ctx["deduction_fields"] = plain_fields(ctx["deduction_form"])
    ctx |= extra
    ctx["card_rows"] = _card_rows(ctx)
    ctx["appeal_url"] = reverse("assess_appeal_file", args=[rnd.pk, unit.pk]) if ctx["can_appeal"] else ""
    return ctx


class CardRow(NamedTuple):
    """One row of the 逐项得分 table. assessment/_card_rows.html unpacks it in its loop: a name bound by the loop
    costs the template nothing to read, where `r.code` on a dict is a lookup call (~175 rows × ~12 values)."""
    leaf: bool
    depth: str
    pk: str                 # "" on a branch row
    code: str
    name: str
    rule: str
    materials: list         # [{"text", "files": [(url, name)]}]
    points: str
    scores: list            # [(shown, meta, note, files: [(url, name)])]
    excluded: bool
    earned: str
    appeals: list           # [{"pk", "state", "revised", "old", "new"}]
    appeal_form: bool       # the appeal form under the row
    form: object            # the refused appeal's form, when it was for this row


def _card_rows(ctx: dict) -> list[CardRow]:
    """The rows of the 逐项得分 table as plain values for assessment/_card_rows.html: numbers as people
    write them, names, dates and labels as text, file links as (url, name) with the URL built once. A card has
    ~175 rows, so each row's small texts are joined here (a template variable costs more than a join); they stay
    text, escaped by the template."""
    rnd, unit, card = ctx["rnd"], ctx["unit"], ctx["card"]
    appeals_by_leaf, open_appeals = ctx["appeals_by_leaf"], ctx["open_appeals"]
    can_appeal, appeal_leaf, appeal_form = ctx["can_appeal"], ctx.get("appeal_leaf"), ctx.get("appeal_form")
    files = reverse("assess_evidence", args=[rnd.pk, unit.pk, 0]).removesuffix("0/")   # + pk + "/"
    statuses = {k: str(v) for k, v in ScoreStatus.choices}
    appeal_states = {k: str(v) for k, v in AppealState.choices}
    t_pass, t_fail, t_revised = _("达标"), _("不达标"), _("复核改分")
    materials = card.materials
    # A card repeats a few numbers and scoring times many times: each is written once per request.
    numbers: dict = {}
    times: dict = {}

    def number(value) -> str:
        text = numbers.get(value)
        if text is None:
            text = numbers[value] = num(value)
        return text

    rows = []
    for line in card.lines:
        ind = line.indicator
        if not line.is_leaf:
            rows.append(CardRow(False, str(line.depth), "", ind.code, ind.name, "", [], number(line.points), [],
                                False, number(line.earned), [], False, None))
            continue
        # leaf_kind's pass/fail (a rubric leaf's rule_type is "rubric")
        pass_fail = ind.rule_type == "pass_fail"
        scores = []
        for s in line.scores:
            if s.level:
                shown = s.level
            elif pass_fail:
                shown = t_pass if s.value is not None and s.value >= 1 else t_fail
            else:
                shown = number(s.value)
            at = times.get(s.scored_at)
            if at is None:
                at = times[s.scored_at] = f"{timezone.localtime(s.scored_at):%m-%d %H:%M}"
            meta = f"{(s.evaluator.display_name if s.evaluator else '') or '—'} · {at} · {statuses[s.status]}"
            if s.approved_by:
                meta += f"（{s.approved_by.display_name}）"
            if s.source == "appeal":
                meta += f" · {t_revised}"
            scores.append((shown, meta, s.note, [(f"{files}{f.pk}/", f.original_name) for f in s.evidence]))
        appeals = [{"pk": a.pk, "state": appeal_states[a.state], "revised": a.state == AppealState.REVISED,
                    "old": num(a.original_points), "new": num(a.revised_points)}
                   for a in appeals_by_leaf.get(ind.pk, ())]
        rows.append(CardRow(
            True, str(line.depth), str(ind.pk), ind.code, ind.name,
            f"{ind.method} · {line.rule_text}" if ind.method else line.rule_text,
            [{"text": Truncator(m.text).chars(40),
              "files": [(f"{files}{f.pk}/", f.original_name) for f in m.files.all()]}
             for m in materials.get(ind.pk, ())],
            number(line.points), scores, line.excluded, number(line.earned), appeals,
            can_appeal and (ind.pk not in open_appeals or appeal_leaf == ind.pk),
            appeal_form if appeal_leaf == ind.pk else None))
    return rows


@login_required
def score_card(request, pk, unit_pk):
    rnd, unit, participant = selectors.card_get(request.user, pk, unit_pk)
    return render(request, "assessment/card.html", _card_ctx(request, rnd, unit, participant))


def _card_again(request, rnd, unit, message, **extra):
    ctx = _card_ctx(request, rnd, unit, **extra)
    ctx["error"] = message
    if request.FILES:
        ctx["files_lost"] = True
    return render(request, "assessment/card.html", ctx, status=400)


def _card_url(rnd, unit, anchor=""):
    return reverse("assess_card", args=[rnd.pk, unit.pk]) + (f"#{anchor}" if anchor else "")


@require_POST
@login_required
def appeal_file(request, pk, unit_pk):
    rnd, unit = _card_unit(request, pk, unit_pk)
    form = AppealForm(request.POST)
    leaf = None
    if form.is_valid():
        leaf = Indicator.objects.filter(pk=form.cleaned_data["indicator"], version=rnd.version_id, is_leaf=True).first()
        if leaf is None:
            raise Http404
        try:
            services.appeal_file(by=request.user, round=rnd, unit=unit, indicator=leaf,
                                 reason=form.cleaned_data["reason"], files=request_files(request))
        except PermissionDeniedError:
            raise Http404(_("只能为本单位提出申诉。"))
        except ServiceError as e:
            form.add_error(e.field if e.field in ("reason",) else None, e.message)
        else:
            messages.success(request, _("已提出申诉：“%(code)s %(name)s”，等待复核。") % {"code": leaf.code, "name": leaf.name})
            return HttpResponseRedirect(_card_url(rnd, unit, f"leaf-{leaf.pk}"))
    return _card_again(request, rnd, unit, _("申诉未提交：%(error)s") % {"error": errors_text(form)},
                       appeal_form=form, appeal_leaf=int_or_none(form.data.get("indicator")))


@require_POST
@login_required
def appeal_decide(request, pk):
    appeal = (Appeal.objects.visible_to(scope_for(request.user)).select_related("round", "unit", "indicator")
              .filter(pk=pk).first())
    if appeal is None:
        raise Http404
    rnd = round_for_manager(request, appeal.round_id)
    unit = appeal.unit
    form = AppealDecideForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        revise = d["outcome"] == "revise"
        try:
            services.appeal_decide(by=request.user, appeal=appeal, revise=revise, value=d["value"], decision=d["decision"])
        except ServiceError as e:
            form.add_error(e.field if e.field in ("value", "decision") else None, e.message)
        else:
            messages.success(request, _("已复核“%(code)s %(name)s”：%(outcome)s。") % {
                "code": appeal.indicator.code, "name": appeal.indicator.name,
                "outcome": _("改分，并已公布修订版") if revise else _("维持原分")})
            return HttpResponseRedirect(_card_url(rnd, unit, f"appeal-{appeal.pk}"))
    return _card_again(request, rnd, unit, _("复核未保存：%(error)s") % {"error": errors_text(form)},
                       decide_form=form, decide_appeal=appeal.pk)


@require_POST
@login_required
def adjustment_add(request, pk, unit_pk, kind):
    rnd, unit = _card_unit(request, pk, unit_pk)
    if kind not in (Adjustment.Kind.BONUS, Adjustment.Kind.DEDUCTION):
        raise Http404
    definition = rnd.version.definition()
    bonus = kind == Adjustment.Kind.BONUS
    form = (BonusForm if bonus else DeductionForm)(request.POST, definition=definition)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.adjustment_add(by=request.user, round=rnd, unit=unit, kind=kind, item=d["item"],
                                    level=d.get("level", ""), award=d.get("award", ""), count=d["count"] if "count" in d else Decimal(1),
                                    note=d["note"], files=request_files(request) if bonus else ())
        except PermissionDeniedError:
            raise Http404
        except ServiceError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, _("已登记加分。") if bonus else _("已登记减分。"))
            return HttpResponseRedirect(_card_url(rnd, unit, "adjustments"))
    extra = {"bonus_form": form} if bonus else {"deduction_form": form}
    return _card_again(request, rnd, unit, _("未登记：%(error)s") % {"error": errors_text(form)}, **extra)


@require_POST
@login_required
def material_submit(request, pk, unit_pk):
    rnd, unit = _card_unit(request, pk, unit_pk)
    form = MaterialForm(request.POST)
    if form.is_valid():
        leaf = None
        if form.cleaned_data["indicator"]:
            leaf = Indicator.objects.filter(pk=form.cleaned_data["indicator"], version=rnd.version_id, is_leaf=True).first()
            if leaf is None:
                raise Http404
        try:
            services.material_submit(by=request.user, round=rnd, unit=unit, indicator=leaf,
                                     text=form.cleaned_data["text"], files=request_files(request))
        except PermissionDeniedError:
            raise Http404
        except ServiceError as e:
            form.add_error("text" if e.field in ("text", "files") else None, e.message)
        else:
            messages.success(request, _("材料已报送。"))
            return HttpResponseRedirect(_card_url(rnd, unit, f"leaf-{leaf.pk}" if leaf else "materials"))
    return _card_again(request, rnd, unit, _("材料未报送：%(error)s") % {"error": errors_text(form)},
                       material_form=form, material_leaf=int_or_none(form.data.get("indicator")))


@login_required
def evidence(request, pk, unit_pk, file_pk):
    """An evidence file of a unit's card, for those who may read the card."""
    rnd, unit = _card_unit(request, pk, unit_pk)
    att = selectors.round_evidence(request.user, rnd, unit, file_pk)
    if att is None:
        raise Http404(_("没有找到该附件，或您无权查看。"))
    return attachment_response(att)
