"""Assessment pages (考核测评). Thin: parse, authorize through the selectors, call a service, render.

A refused or invalid post shows the page again with what was typed still in the form (status 400) and the
reason next to the field; a successful one redirects with a message. The scoring page posts one leaf at a
time with htmx: the leaf's card is swapped on success, and on an error only the error lines are filled in,
so the value, the note and the chosen files all stay where they were.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.excel import CellError, ImportFailed
from luoshi.core.http import DOCX, PDF, XLSX, download
from luoshi.org.models import Role, Unit
from luoshi.org.scopes import scope_for
from luoshi.tasks.forms import uploaded_files

from . import permissions as perms
from . import selectors, services
from .forms import (AppealDecideForm, AppealForm, BonusForm, ConsequenceForm, DeductionForm, EvaluatorForm,
                    ExcludeForm, MaterialForm, PublishForm, ReturnForm, RoundForm, SchemeForm, ScoreForm)
from .models import (ROUND_FLOW, Adjustment, Appeal, AppealState, Consequence, Indicator, RoundState, RoundUnit, Scheme, Score,
                     ScoreStatus)
from .scheme import PassFailRule, RubricRule, scheme_parse

MAX_FILES = 10
REVIEW_PAGE = 100
NEXT_STATE = {RoundState.DRAFT: RoundState.COLLECTING, RoundState.COLLECTING: RoundState.SCORING,
              RoundState.SCORING: RoundState.REVIEW}


def _errors_text(form) -> str:
    return "；".join(str(m) for msgs in form.errors.values() for m in msgs)


def _int(text) -> int | None:
    return int(text) if isinstance(text, str) and text.isdigit() else None


def _files(request, name="files"):
    return uploaded_files(request, name, limit=MAX_FILES)


# ---- schemes ----------------------------------------------------------------------------------------------

@login_required
def index(request):
    schemes = list(selectors.schemes_visible(request.user))
    rounds = selectors.rounds_listed(request.user, schemes)
    rows = [{"scheme": s, "rounds": rounds.get(s.pk, []), "can_manage": perms.can_manage(request.user, s)}
            for s in schemes]
    can_create = scope_for(request.user).has_role(Role.OFFICE)
    return render(request, "assessment/index.html", {"rows": rows, "can_create": can_create})


def _version_of(scheme, request):
    versions = list(scheme.versions.order_by("-number").select_related("created_by"))
    number = request.GET.get("version", "")
    chosen = next((v for v in versions if str(v.number) == number), versions[0] if versions else None)
    if chosen is None:
        raise Http404
    return versions, chosen


def _scheme_ctx(request, scheme, **extra):
    versions, version = _version_of(scheme, request)
    definition = version.definition()
    rounds = selectors.rounds_listed(request.user, [scheme])[scheme.pk]
    can_manage = perms.can_manage(request.user, scheme)
    ctx = {"scheme": scheme, "versions": versions, "version": version, "definition": definition,
           "tree": selectors.scheme_tree(version), "rounds": rounds, "can_manage": can_manage,
           "is_latest": version == versions[0]}
    if can_manage and "round_form" not in extra:
        ctx["round_form"] = RoundForm(rounds=rounds, metric=definition.type == "metric",
                                      initial={"period_start": clock.today().replace(day=1)})
    return ctx | extra


@login_required
def scheme_detail(request, pk):
    scheme = selectors.scheme_get(request.user, pk)
    return render(request, "assessment/scheme.html", _scheme_ctx(request, scheme))


@login_required
def scheme_yaml(request, pk):
    scheme = selectors.scheme_get(request.user, pk)
    _versions, version = _version_of(scheme, request)
    response = HttpResponse(version.source, content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{scheme.code}-v{version.number}.yaml"'
    return response


def _save_scheme(request, form, *, scheme=None):
    """(scheme, version, new) or None with the errors put on the form / returned as line errors."""
    if not form.is_valid():
        return None, []
    text, note = form.cleaned_data["text"], form.cleaned_data["note"]
    if form.cleaned_data.get("upload") is not None:
        # The uploaded text goes into the text box, so a refused file can be corrected on the page.
        form.data = form.data.copy()
        form.data["text"] = text
    source = f"{scheme.code}.yaml" if scheme else "scheme.yaml"
    try:
        definition = scheme_parse(text, source=source)
        if scheme is not None and definition.code != scheme.code:
            from luoshi.programs.presets import _line_of

            raise ImportFailed([CellError(source, _line_of(text, ("code",)), "code",
                                          _("代码须为“%(code)s”：修改已有指标体系不能改代码，新体系请用“新建指标体系”。")
                                          % {"code": scheme.code})])
        if scheme is None and Scheme.objects.filter(code=definition.code).exists():
            from luoshi.programs.presets import _line_of

            raise ImportFailed([CellError(source, _line_of(text, ("code",)), "code",
                                          _("代码“%(code)s”已被另一个指标体系使用，请换一个代码，或到该体系的页面修改。")
                                          % {"code": definition.code})])
        return services.scheme_save(by=request.user, text=text, note=note, source=source), []
    except ImportFailed as e:
        return None, e.errors
    except ServiceError as e:
        return None, [CellError("", None, None, e.message)]


@login_required
def scheme_create(request):
    if not scope_for(request.user).has_role(Role.OFFICE):
        raise Http404
    form = SchemeForm(request.POST or None, request.FILES or None)
    ctx = {"form": form, "creating": True}
    if request.method == "POST":
        saved, errors = _save_scheme(request, form)
        if saved:
            scheme, version, _new = saved
            messages.success(request, _("已建立指标体系“%(name)s”（第%(n)s版）。") % {"name": scheme.name, "n": version.number})
            return HttpResponseRedirect(reverse("assess_scheme", args=[scheme.pk]))
        ctx["line_errors"] = errors
        return render(request, "assessment/scheme_edit.html", ctx, status=400)
    return render(request, "assessment/scheme_edit.html", ctx)


@login_required
def scheme_edit(request, pk):
    scheme = selectors.scheme_get(request.user, pk)
    if not perms.can_manage(request.user, scheme):
        raise Http404
    latest = scheme.current_version
    form = SchemeForm(request.POST or None, request.FILES or None, initial={"text": latest.source})
    ctx = {"form": form, "scheme": scheme, "latest": latest, "in_use": latest.rounds.exists()}
    if request.method == "POST":
        saved, errors = _save_scheme(request, form, scheme=scheme)
        if saved:
            _scheme, version, new = saved
            if new:
                messages.success(request, _("已保存为第%(n)s版；已有期次仍按原版本计分。") % {"n": version.number})
            elif version.pk == latest.pk and version.source == latest.source:
                messages.info(request, _("内容没有变化。"))
            else:
                messages.success(request, _("已更新第%(n)s版（尚无期次使用该版本）。") % {"n": version.number})
            return HttpResponseRedirect(reverse("assess_scheme", args=[scheme.pk]))
        ctx["line_errors"] = errors
        return render(request, "assessment/scheme_edit.html", ctx, status=400)
    return render(request, "assessment/scheme_edit.html", ctx)


@require_POST
@login_required
def round_create(request, pk):
    scheme = selectors.scheme_get(request.user, pk)
    if not perms.can_manage(request.user, scheme):
        raise Http404
    definition = scheme.current_version.definition()
    rounds = selectors.rounds_listed(request.user, [scheme])[scheme.pk]
    form = RoundForm(request.POST, rounds=rounds, metric=definition.type == "metric")
    if form.is_valid():
        d = form.cleaned_data
        compare = next((r for r in rounds if r.pk == d.get("compare_to")), None)
        try:
            rnd = services.round_create(by=request.user, scheme=scheme, name=d["name"], period_start=d["period_start"],
                                        period_end=d["period_end"], compare_to=compare)
        except ServiceError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, _("已建立考核期次“%(name)s”，共 %(n)s 个参评单位。")
                             % {"name": rnd.name, "n": rnd.participants.count()})
            return HttpResponseRedirect(reverse("assess_round", args=[rnd.pk]))
    return render(request, "assessment/scheme.html", _scheme_ctx(request, scheme, round_form=form), status=400)


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
        ctx["candidates"] = selectors.evaluator_candidates(rnd)
        ctx["decide_form"] = ConsequenceForm()
    ctx["next_label"] = dict(RoundState.choices).get(ctx["next_state"], "") if ctx["next_state"] else ""
    return ctx | extra


def _round_for_manager(request, pk):
    rnd = selectors.round_get(request.user, pk)
    if not perms.can_manage(request.user, rnd.scheme):
        raise Http404
    return rnd


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
    rnd = _round_for_manager(request, pk)
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
                raise ServiceError(_errors_text(form))
            publication = services.round_publish(by=request.user, round=rnd, note=note)
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


def _resolve_person(text: str):
    """A person by username, or by full name when exactly one person has it."""
    Person = get_user_model()
    text = text.strip()
    person = Person.objects.filter(username=text, is_active=True).first()
    if person is not None:
        return person, None
    matches = list(Person.objects.filter(full_name=text, is_active=True)[:2])
    if len(matches) == 1:
        return matches[0], None
    if matches:
        return None, _("姓名“%(name)s”有重名，请填写用户名。") % {"name": text}
    return None, _("找不到用户“%(name)s”。") % {"name": text}


@require_POST
@login_required
def evaluator_assign(request, pk):
    rnd = _round_for_manager(request, pk)
    participants = list(RoundUnit.objects.filter(round=rnd).select_related("unit").order_by("unit__path"))
    leaves = list(Indicator.objects.filter(version=rnd.version_id, is_leaf=True).order_by("position"))
    form = EvaluatorForm(request.POST, units=[ru.unit for ru in participants], leaves=leaves)
    if form.is_valid():
        person, problem = _resolve_person(form.cleaned_data["person"])
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
    rnd = _round_for_manager(request, pk)
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
    c = Consequence.objects.select_related("round").filter(pk=pk).first()
    if c is None:
        raise Http404
    rnd = _round_for_manager(request, c.round_id)
    form = ConsequenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors_text(form))
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


def _leaf_kind(definition, indicator):
    leaf = definition.leaf(indicator.code) if definition.type == "points" else None
    rule = leaf.rule if leaf is not None else None
    if isinstance(rule, RubricRule):
        return "rubric", [(lv.name, f"{lv.name}（{format(lv.points.normalize(), 'f')}）") for lv in rule.levels]
    if isinstance(rule, PassFailRule) or indicator.rule_type == "pass_fail":
        return "pass_fail", [("达标", _("达标")), ("不达标", _("不达标"))]
    return "number", []


def _rule_text(definition, indicator):
    from . import engine

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
    kind, levels = _leaf_kind(definition, indicator)
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
                                  note=form.cleaned_data["note"], files=_files(request))
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
    rnd = _round_for_manager(request, pk)
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
            kinds[s.indicator_id] = _leaf_kind(definition, s.indicator)[0]
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
    rnd = _round_for_manager(request, pk)
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
    rnd = _round_for_manager(request, score.round_id)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("退回“%(code)s”：%(error)s") % {"code": score.indicator.code, "error": _errors_text(form)})
    else:
        try:
            services.score_return(by=request.user, score=score, reason=form.cleaned_data["reason"])
        except ServiceError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, _("已退回 %(unit)s “%(code)s”的评分。") % {"unit": score.unit.name, "code": score.indicator.code})
    return HttpResponseRedirect(reverse("assess_review", args=[rnd.pk]))


# ---- the score card -------------------------------------------------------------------------------------------

def _card_unit(request, pk, unit_pk):
    rnd = selectors.round_get(request.user, pk)
    unit = Unit.objects.filter(pk=unit_pk).first()
    if unit is None or not perms.reads_unit(request.user, rnd, unit):
        raise Http404(_("没有找到该单位的评分卡，或您无权查看。"))
    return rnd, unit


def _appeal_open(rnd) -> bool:
    return rnd.state == RoundState.PUBLISHED and (rnd.appeal_deadline is None or clock.today() <= rnd.appeal_deadline)


def _card_ctx(request, rnd, unit, **extra):
    user = request.user
    try:
        card = selectors.score_card(user, rnd, unit)
    except PermissionDeniedError:
        raise Http404(_("没有找到该单位的评分卡，或您无权查看。"))
    definition = rnd.version.definition()
    can_manage = perms.can_manage(user, rnd.scheme)
    appeals_by_leaf: dict[int, list[Appeal]] = {}
    for a in card.appeals:
        appeals_by_leaf.setdefault(a.indicator_id, []).append(a)
    kinds = {line.indicator.pk: _leaf_kind(definition, line.indicator) for line in card.lines if line.is_leaf}
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
        "can_manage": can_manage, "is_evaluator": perms.is_evaluator(user, rnd),
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
    return ctx | extra


@login_required
def score_card(request, pk, unit_pk):
    rnd, unit = _card_unit(request, pk, unit_pk)
    return render(request, "assessment/card.html", _card_ctx(request, rnd, unit))


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
                                 reason=form.cleaned_data["reason"], files=_files(request))
        except PermissionDeniedError:
            raise Http404(_("只能为本单位提出申诉。"))
        except ServiceError as e:
            form.add_error(e.field if e.field in ("reason",) else None, e.message)
        else:
            messages.success(request, _("已提出申诉：“%(code)s %(name)s”，等待复核。") % {"code": leaf.code, "name": leaf.name})
            return HttpResponseRedirect(_card_url(rnd, unit, f"leaf-{leaf.pk}"))
    return _card_again(request, rnd, unit, _("申诉未提交：%(error)s") % {"error": _errors_text(form)},
                       appeal_form=form, appeal_leaf=_int(form.data.get("indicator")))


@require_POST
@login_required
def appeal_decide(request, pk):
    appeal = Appeal.objects.select_related("round", "unit", "indicator").filter(pk=pk).first()
    if appeal is None:
        raise Http404
    rnd = _round_for_manager(request, appeal.round_id)
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
    return _card_again(request, rnd, unit, _("复核未保存：%(error)s") % {"error": _errors_text(form)},
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
                                    note=d["note"], files=_files(request) if bonus else ())
        except PermissionDeniedError:
            raise Http404
        except ServiceError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, _("已登记加分。") if bonus else _("已登记减分。"))
            return HttpResponseRedirect(_card_url(rnd, unit, "adjustments"))
    extra = {"bonus_form": form} if bonus else {"deduction_form": form}
    return _card_again(request, rnd, unit, _("未登记：%(error)s") % {"error": _errors_text(form)}, **extra)


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
                                     text=form.cleaned_data["text"], files=_files(request))
        except PermissionDeniedError:
            raise Http404
        except ServiceError as e:
            form.add_error("text" if e.field in ("text", "files") else None, e.message)
        else:
            messages.success(request, _("材料已报送。"))
            return HttpResponseRedirect(_card_url(rnd, unit, f"leaf-{leaf.pk}" if leaf else "materials"))
    return _card_again(request, rnd, unit, _("材料未报送：%(error)s") % {"error": _errors_text(form)},
                       material_form=form, material_leaf=_int(form.data.get("indicator")))


@login_required
def evidence(request, pk, unit_pk, file_pk):
    """An evidence file of a unit's card, for those who may read the card."""
    rnd, unit = _card_unit(request, pk, unit_pk)
    att = selectors.round_evidence(request.user, rnd, unit, file_pk)
    if att is None:
        raise Http404(_("没有找到该附件，或您无权查看。"))
    inline = att.content_type.startswith("image/") or att.content_type == "application/pdf"
    return FileResponse(att.file.open("rb"), as_attachment=not inline, filename=att.original_name,
                        content_type=att.content_type)


# ---- downloads and the score import (luoshi.assessment.excel, luoshi.documents.assessment_docs) --------------

def _download_refused(request, e: ServiceError):
    """No results yet (400), or no Chinese font on this server for the chart or the PDF (503)."""
    from luoshi.documents.charts import CJKFontMissing

    return render(request, "400.html", {"message": e.message}, status=503 if isinstance(e, CJKFontMissing) else 400)


def _table_readable(request, rnd) -> bool:
    """The league table goes out as a file to those who read every unit's row, or to anyone once published."""
    return rnd.is_published or perms.reads_all(request.user, rnd.scheme) or perms.is_evaluator(request.user, rnd)


@login_required
def league_download(request, pk, fmt):
    from .excel import league_json, league_xlsx

    rnd = selectors.round_get(request.user, pk)
    if fmt not in ("xlsx", "json") or not _table_readable(request, rnd):
        raise Http404
    try:
        if fmt == "xlsx":
            return download(league_xlsx(user=request.user, round=rnd), f"{rnd.scheme.name}-{rnd.name}-排名表.xlsx", XLSX)
        return download(league_json(user=request.user, round=rnd).encode(), f"{rnd.scheme.name}-{rnd.name}-排名表.json",
                        "application/json")
    except ServiceError as e:
        return _download_refused(request, e)


@login_required
def bulletin_download(request, pk):
    from luoshi.documents.assessment_docs import ranking_bulletin_docx

    rnd = selectors.round_get(request.user, pk)
    if not perms.reads_all(request.user, rnd.scheme):
        raise Http404
    issue = request.GET.get("issue", "")
    try:
        data = ranking_bulletin_docx(user=request.user, round=rnd, issue_no=int(issue) if issue.isdigit() else None)
    except ServiceError as e:
        return _download_refused(request, e)
    return download(data, f"{rnd.scheme.name}-{rnd.name}-排名通报.docx", DOCX)


@login_required
def card_pdf(request, pk, unit_pk):
    from luoshi.documents.assessment_docs import scorecard_pdf

    rnd, unit = _card_unit(request, pk, unit_pk)
    try:
        data = scorecard_pdf(user=request.user, round=rnd, units=[unit])
    except PermissionDeniedError:
        raise Http404
    except ServiceError as e:
        return _download_refused(request, e)
    return download(data, f"{unit.name}-{rnd.name}-评分卡.pdf", PDF)


@login_required
def score_template(request, pk):
    from .excel import score_template_xlsx

    rnd = _round_for_manager(request, pk)
    evaluator = None
    name = request.GET.get("evaluator", "").strip()
    if name:
        evaluator, problem = _resolve_person(name)
        if problem:
            return render(request, "400.html", {"message": problem}, status=400)
    data = score_template_xlsx(user=request.user, round=rnd, evaluator=evaluator)
    return download(data, f"{rnd.scheme.name}-{rnd.name}-评分表.xlsx", XLSX)


@login_required
def score_import(request, pk):
    """评分导入: the whole file is checked first; any error lists every located problem and writes nothing."""
    from .excel import scores_import_xlsx

    rnd = _round_for_manager(request, pk)
    ctx = {"rnd": rnd, "scheme": rnd.scheme, "can_manage": True, "is_evaluator": perms.is_evaluator(request.user, rnd),
           "can_import": rnd.state in services.SCORING_STATES, "evaluator": request.POST.get("evaluator", ""),
           "dry_run": request.method != "POST" or request.POST.get("dry_run") == "1"}
    if request.method != "POST":
        return render(request, "assessment/import.html", ctx)
    upload = request.FILES.get("file")
    evaluator = None
    if ctx["evaluator"].strip():
        evaluator, problem = _resolve_person(ctx["evaluator"])
        if problem:
            ctx["errors"] = [problem]
            return render(request, "assessment/import.html", ctx, status=400)
    if upload is None:
        ctx["errors"] = [_("请选择要导入的 Excel 文件。")]
        return render(request, "assessment/import.html", ctx, status=400)
    try:
        report = scores_import_xlsx(by=request.user, round=rnd, data=upload.read(), filename=upload.name,
                                    dry_run=ctx["dry_run"], evaluator=evaluator)
    except ImportFailed as e:
        ctx["errors"] = e.errors
        return render(request, "assessment/import.html", ctx, status=400)
    except ServiceError as e:
        ctx["errors"] = [e.message]
        return render(request, "assessment/import.html", ctx, status=403 if isinstance(e, PermissionDeniedError) else 400)
    if ctx["dry_run"]:
        ctx["report"] = report
        return render(request, "assessment/import.html", ctx)
    messages.success(request, _("导入完成：%(n)s 个分值（其中 %(r)s 个替换了原评分），待审核。")
                     % {"n": report["created"], "r": report["replaced"]})
    return HttpResponseRedirect(reverse("assess_round", args=[rnd.pk]))
