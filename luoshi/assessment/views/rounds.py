"""A round's page and the office's actions on it: the flow, evaluators, participants, consequences."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.org.scopes import scope_for

from .. import permissions as perms
from .. import selectors, services
from ..forms import ConsequenceForm, EvaluatorForm, ExcludeForm, PublishForm
from ..models import ROUND_FLOW, Consequence, Indicator, RoundState, RoundUnit, Score, ScoreStatus
from .common import NEXT_STATE, errors_text, resolve_person, round_for_manager

# ---- a round ------------------------------------------------------------------------------------------------

def _flow(rnd):
    order = [s.value for s in ROUND_FLOW]
    here = order.index(rnd.state)
    steps = []
    for i, s in enumerate(ROUND_FLOW):
        label = s.label
        if s == RoundState.PUBLISHED and rnd.appeal_deadline:
            label = _("已公布（申诉期至%(date)s）") % {"date": f"{rnd.appeal_deadline:%Y-%m-%d}"}
        steps.append({"label": label, "done": i < here, "current": i == here})
    return steps


def _round_ctx(request, rnd, **extra):
    user = request.user
    scheme = rnd.scheme
    definition = rnd.version.definition()
    can_manage = perms.can_manage(user, scheme)
    reads_all = perms.reads_all(user, scheme)
    rows = selectors.league_table(user, rnd)
    participants = selectors.round_participants(user, rnd)
    ctx = {
        "rnd": rnd, "scheme": scheme, "definition": definition, "flow": _flow(rnd), "can_manage": can_manage,
        "reads_all": reads_all, "is_evaluator": perms.is_evaluator(user, rnd),
        "metric": definition.type == "metric",
        "items": [i.name for i in definition.items] if definition.type == "points" else [],
        "metrics": definition.league.metrics if definition.type == "metric" else [],
        "league_name": definition.league.composite_name if definition.type == "metric" else "",
        "groups": {g.code: g.name for g in definition.peer_groups},
        "ranked": [r for r in rows if not r.excluded],
        "excluded": [r for r in rows if r.excluded],
        "participants": participants,
        # a liaison's way to their unit's card (readers of every unit reach the cards from the table)
        "own_units": [] if reads_all or perms.is_evaluator(user, rnd) else selectors.own_units(user, rnd),
        "publications": selectors.publications(rnd) if (rnd.is_published or reads_all) else [],
        "consequences": selectors.round_consequences(user, rnd),
        "appeals": selectors.round_appeals(user, rnd),
        "next_state": NEXT_STATE.get(rnd.state),
        "today": clock.today(),
    }
    if reads_all or ctx["is_evaluator"]:
        ctx["progress"] = selectors.round_progress(rnd)
        ctx["card_ids"] = {r.unit_id for r in rows} | {p.unit_id for p in participants}
    else:
        ctx["card_ids"] = {u.pk for u in ctx["own_units"]}
    ctx["table_files"] = rnd.is_published or reads_all or ctx["is_evaluator"]
    n = definition.top_bottom
    ctx["top_label"] = _("十佳") if n == 10 else _("前%(n)s名") % {"n": n}
    ctx["bottom_label"] = _("十差") if n == 10 else _("后%(n)s名") % {"n": n}
    if reads_all:
        ctx["evaluators"] = selectors.round_evaluators(user, rnd)
    if can_manage:
        leaves = list(Indicator.objects.filter(version=rnd.version_id, is_leaf=True).order_by("position"))
        units = [ru.unit for ru in participants]
        ctx["evaluator_form"] = extra.pop("evaluator_form", None) or EvaluatorForm(units=units, leaves=leaves)
        ctx["exclude_form"] = extra.pop("exclude_form", None) or ExcludeForm(units=units)
        ctx["publish_form"] = extra.pop("publish_form", None) or PublishForm()
        if rnd.state == RoundState.REVIEW:  # what publication would leave unscored (services.round_publish refuses)
            missing = services.round_missing(rnd)
            ctx["missing"] = {"text": services.missing_text(missing), "cells": sum(n for _u, n in missing),
                              "units": len(missing)} if missing else None
        ctx["candidates"] = selectors.evaluator_candidates(rnd)
        ctx["decide_form"] = ConsequenceForm()
    ctx["next_label"] = dict(RoundState.choices).get(ctx["next_state"], "") if ctx["next_state"] else ""
    return ctx | extra




@login_required
def round_detail(request, pk):
    rnd = selectors.round_get(request.user, pk)
    return render(request, "assessment/round.html", _round_ctx(request, rnd))


ROUND_ACTIONS = ("advance", "compute", "approve", "publish", "finalize")


@require_POST
@login_required
def round_action(request, pk, action):
    """The office's buttons on the round page."""
    if action not in ROUND_ACTIONS:
        raise Http404
    rnd = round_for_manager(request, pk)
    back = HttpResponseRedirect(reverse("assess_round", args=[rnd.pk]))
    form = PublishForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if action == "advance":
            to = NEXT_STATE.get(rnd.state)
            if to is None or request.POST.get("to") != to:
                raise ServiceError(_("考核期次的状态已变化，请刷新页面后再操作。"))
            rnd = services.round_advance(by=request.user, round=rnd, to=to, note=note)
            message = _("考核期次已进入“%(state)s”。") % {"state": rnd.get_state_display()}
        elif action == "compute":
            n = services.round_compute(by=request.user, round=rnd)
            message = _("已试算 %(n)s 个单位的结果（含未审核评分，仅供预览，尚未公布）。") % {"n": n}
        elif action == "approve":
            n = services.scores_approve(by=request.user, round=rnd)
            left = Score.objects.filter(round=rnd, is_current=True, status=ScoreStatus.SUBMITTED).count()
            message = _("已审核通过 %(n)s 条评分。") % {"n": n}
            if left:
                message += _("另有 %(left)s 条是您本人的评分，须由其他人审核。") % {"left": left}
        elif action == "publish":
            if not form.is_valid():
                raise ServiceError(errors_text(form))
            publication = services.round_publish(by=request.user, round=rnd, note=note,
                                                 allow_incomplete=form.cleaned_data["allow_incomplete"])
            rnd.refresh_from_db()
            message = _("已公布第%(rev)s版结果，申诉期至%(date)s。") % {
                "rev": publication.revision, "date": f"{rnd.appeal_deadline:%Y-%m-%d}" if rnd.appeal_deadline else "—"}
        else:
            services.round_finalize(by=request.user, round=rnd, note=note)
            message = _("考核结果已定稿。")
    except ServiceError as e:
        messages.error(request, e.message)
        if action == "publish":  # keep the note that was typed
            return render(request, "assessment/round.html", _round_ctx(request, rnd, publish_form=form), status=400)
        return back
    messages.success(request, message)
    return back




@require_POST
@login_required
def evaluator_assign(request, pk):
    rnd = round_for_manager(request, pk)
    participants = list(RoundUnit.objects.filter(round=rnd).select_related("unit").order_by("unit__path"))
    leaves = list(Indicator.objects.filter(version=rnd.version_id, is_leaf=True).order_by("position"))
    form = EvaluatorForm(request.POST, units=[ru.unit for ru in participants], leaves=leaves)
    if form.is_valid():
        person, problem = resolve_person(form.cleaned_data["person"])
        if problem:
            form.add_error("person", problem)
        else:
            units = [ru.unit for ru in participants if ru.unit_id in set(form.cleaned_data["units"])]
            chosen = [leaf for leaf in leaves if leaf.pk in set(form.cleaned_data["indicators"])]
            try:
                services.evaluator_assign(by=request.user, round=rnd, person=person, units=units or None,
                                          indicators=chosen or None)
            except ServiceError as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, _("已指派 %(name)s 为评估员。") % {"name": person.display_name})
                return HttpResponseRedirect(reverse("assess_round", args=[rnd.pk]) + "#evaluators")
    return render(request, "assessment/round.html", _round_ctx(request, rnd, evaluator_form=form), status=400)


@require_POST
@login_required
def participant_exclude(request, pk):
    rnd = round_for_manager(request, pk)
    participants = list(RoundUnit.objects.filter(round=rnd).select_related("unit").order_by("unit__path"))
    form = ExcludeForm(request.POST, units=[ru.unit for ru in participants])
    if form.is_valid():
        unit = next(ru.unit for ru in participants if ru.unit_id == form.cleaned_data["unit"])
        reason = form.cleaned_data["reason"]
        try:
            services.participant_exclude(by=request.user, round=rnd, unit=unit, reason=reason)
        except ServiceError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, (_("“%(unit)s”不参与本期排名：%(reason)s") if reason.strip() else
                                       _("“%(unit)s”恢复参与排名。")) % {"unit": unit.name, "reason": reason})
            return HttpResponseRedirect(reverse("assess_round", args=[rnd.pk]) + "#participants")
    return render(request, "assessment/round.html", _round_ctx(request, rnd, exclude_form=form), status=400)


@require_POST
@login_required
def consequence_decide(request, pk):
    c = Consequence.objects.visible_to(scope_for(request.user)).select_related("round").filter(pk=pk).first()
    if c is None:
        raise Http404
    rnd = round_for_manager(request, c.round_id)
    form = ConsequenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
    else:
        confirm = form.cleaned_data["decision"] == "confirm"
        try:
            services.consequence_decide(by=request.user, consequence=c, confirm=confirm, note=form.cleaned_data["note"])
        except ServiceError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, (_("已确认：%(unit)s %(action)s。") if confirm else _("不予采纳：%(unit)s %(action)s。"))
                             % {"unit": c.unit.name, "action": c.action})
    return HttpResponseRedirect(reverse("assess_round", args=[rnd.pk]) + "#consequences")
