"""Staff pages of 金点子: campaigns, the idea list and ranking, one idea with its 初审 / 评分 / 处理 / 评奖 /
转任务 forms, the expert's queue, statistics and the Excel export. Thin: parse, call a selector or a
service, render; a refused or invalid form re-renders the page with what was typed and the error next to
the field."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.http import XLSX, download
from luoshi.core.journal import journal_for
from luoshi.org.models import Person, Role
from luoshi.org.scopes import scope_for
from luoshi.tasks.selectors import programs_managed

from . import permissions as perms
from . import selectors, services
from .exporter import ideas_xlsx
from .filters import IdeaFilterSet
from .forms import AwardForm, CampaignEditForm, CampaignForm, DecideForm, ExpertForm, ScreenForm, TaskForm
from .models import ADOPTED_DECISIONS, CampaignExpert, ExpertScore, IdeaState
from .scheme import scheme_presets

PAGE_SIZE = 50


def _refuse(e: ServiceError):
    if isinstance(e, PermissionDeniedError):
        raise PermissionDenied(e.message)


def _apply_error(form, e: ServiceError) -> None:
    _refuse(e)
    form.add_error(e.field if e.field in form.fields else None, e.message)


def _campaign(request, pk):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    if campaign is None:
        raise Http404(_("征集活动不存在或无权查看。"))
    return campaign


# ---- campaigns ----------------------------------------------------------------------------------------

@login_required
def index(request):
    return render(request, "ideas/index.html", {
        "rows": selectors.campaign_rows(user=request.user),
        "can_create": scope_for(request.user).has_role(Role.OFFICE),
        "queue": selectors.expert_queue(user=request.user).count(),
        "states": IdeaState})


@login_required
def campaign_new(request):
    units = list(selectors.campaign_owner_units(request.user))
    if not units:
        raise PermissionDenied(_("只有办公室可以发起征集活动。"))
    presets = scheme_presets()
    preset = request.GET.get("preset") or next(iter(presets), "")
    today = clock.today()
    initial = {"scheme_text": presets.get(preset, ""), "start_date": today, "end_date": today.replace(month=12, day=31),
               "owner_unit": units[0].pk, "name": _("%(y)s年改革创新金点子征集") % {"y": today.year}}
    form = CampaignForm(request.POST or None, units=units, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            unit = next(u for u in units if u.pk == d["owner_unit"])
            try:
                campaign = services.campaign_create(by=request.user, name=d["name"], owner_unit=unit,
                                                    start_date=d["start_date"], end_date=d["end_date"],
                                                    scheme_text=d["scheme_text"], description=d["description"])
            except ServiceError as e:
                _apply_error(form, e)
            else:
                messages.success(request, _("已发起征集活动“%(n)s”。") % {"n": campaign.name})
                return redirect("ideas_campaign", campaign.pk)
        status = 400
    return render(request, "ideas/campaign_form.html", {"form": form, "presets": list(presets), "preset": preset},
                  status=status)


@login_required
def campaign_edit(request, pk):
    campaign = _campaign(request, pk)
    if not perms.can_manage(scope_for(request.user), campaign):
        raise PermissionDenied(_("只有征集活动主办单位的办公室可以修改。"))
    initial = {"name": campaign.name, "start_date": campaign.start_date, "end_date": campaign.end_date,
               "description": campaign.description, "scheme_text": campaign.scheme_source, "is_closed": campaign.is_closed}
    form = CampaignEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.campaign_update(by=request.user, campaign=campaign, name=d["name"], start_date=d["start_date"],
                                         end_date=d["end_date"], description=d["description"],
                                         scheme_text=d["scheme_text"], is_closed=d["is_closed"])
            except ServiceError as e:
                _apply_error(form, e)
            else:
                messages.success(request, _("已保存。"))
                return redirect("ideas_campaign", campaign.pk)
        status = 400
    return render(request, "ideas/campaign_form.html", {"form": form, "campaign": campaign}, status=status)


@login_required
def campaign_detail(request, pk):
    campaign = _campaign(request, pk)
    # the query parameters, checked (ideas.filters); the refused ones are left out and said on the page
    filterset = IdeaFilterSet(request.GET or None, topics=campaign.topics)
    filters = selectors.IdeaFilters(**filterset.values())
    page = Paginator(selectors.ideas_for(user=request.user, campaign=campaign, filters=filters), PAGE_SIZE) \
        .get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    can_manage = perms.can_manage(scope_for(request.user), campaign)
    experts = list(CampaignExpert.objects.filter(campaign=campaign).select_related("person", "person__unit")
                   .order_by("added_at", "pk")) if can_manage or scope_for(request.user).covers(
                       campaign.owner_path, Role.LEADER) else []
    is_expert = perms.is_expert(request.user, campaign)
    scored = set(ExpertScore.objects.filter(idea__in=[i.pk for i in page], expert=request.user)
                 .values_list("idea_id", flat=True)) if is_expert else set()
    return render(request, "ideas/campaign.html", {
        "campaign": campaign, "form": filterset.form, "filter_errors": filterset.messages(), "page": page, "query": query.urlencode(), "can_manage": can_manage,
        "is_expert": is_expert, "experts": experts, "expert_form": ExpertForm(),
        "scored": scored, "ranking": filters.order == "score", "is_open": campaign.is_open_on(clock.today())})


@login_required
@require_POST
def campaign_experts(request, pk):
    campaign = _campaign(request, pk)
    username = (request.POST.get("username") or "").strip()
    person = Person.objects.filter(username=username).first()
    try:
        if person is None:
            raise ServiceError(_("找不到账号“%(u)s”。") % {"u": username}, field="username")
        if request.POST.get("remove"):
            services.expert_remove(by=request.user, campaign=campaign, person=person)
            messages.success(request, _("已移出评审专家 %(p)s。") % {"p": person.display_name})
        else:
            services.expert_assign(by=request.user, campaign=campaign, person=person)
            messages.success(request, _("已增加评审专家 %(p)s。") % {"p": person.display_name})
    except ServiceError as e:
        _refuse(e)
        messages.error(request, e.message)
    return redirect("ideas_campaign", campaign.pk)


@login_required
def campaign_stats(request, pk):
    campaign = _campaign(request, pk)
    if not scope_for(request.user).covers(campaign.owner_path, Role.OFFICE, Role.LEADER):
        raise PermissionDenied(_("统计只对主办单位开放。"))
    return render(request, "ideas/stats.html", {"campaign": campaign, "s": selectors.idea_stats(campaign=campaign)})


@login_required
def campaign_export(request, pk):
    campaign = _campaign(request, pk)
    if not scope_for(request.user).covers(campaign.owner_path, Role.OFFICE, Role.LEADER):
        raise PermissionDenied(_("导出只对主办单位开放。"))
    personal = perms.can_see_personal(request.user, campaign)
    data = ideas_xlsx(campaign=campaign, ideas=selectors.ideas_for(user=request.user, campaign=campaign), personal=personal)
    return download(data, f"{campaign.name}-建议汇总.xlsx", XLSX)


@login_required
def expert_queue(request):
    ideas = list(selectors.expert_queue(user=request.user)[:200])
    return render(request, "ideas/queue.html", {"ideas": ideas})


# ---- one idea -----------------------------------------------------------------------------------------

def _idea(request, pk):
    idea = selectors.idea_get(user=request.user, pk=pk)
    if idea is None:
        raise Http404(_("建议不存在或无权查看。"))
    return idea


def _idea_page(request, idea, status=200, **forms):
    campaign = idea.campaign
    scope = scope_for(request.user)
    can_manage = perms.can_manage(scope, campaign)
    staff = scope.covers(campaign.owner_path, Role.OFFICE, Role.LEADER)
    ctx = {"idea": idea, "campaign": campaign, "can_manage": can_manage, "staff": staff,
           "is_expert": perms.is_expert(request.user, campaign), "personal": can_manage,
           "scores": selectors.idea_scores(user=request.user, idea=idea), "criteria": campaign.criteria,
           "adopted": idea.decision in ADOPTED_DECISIONS}
    if staff:
        ctx["journal"] = list(journal_for(idea)[:100])
    if can_manage:
        if idea.state == IdeaState.SUBMITTED:
            ctx["screen_form"] = forms.get("screen_form") or ScreenForm(candidates=selectors.duplicate_candidates(idea))
        if idea.state in (IdeaState.REVIEWING, IdeaState.DECIDED):
            ctx["decide_form"] = forms.get("decide_form") or DecideForm(initial={
                "decision": idea.decision, "reply": idea.reply, "publish": idea.is_public or not idea.decided_at})
        if ctx["adopted"]:
            ctx["award_form"] = forms.get("award_form") or AwardForm(awards=campaign.awards, initial={"award": idea.award})
            if not idea.task_id:
                units = selectors.campaign_units(campaign)
                programs = programs_managed(user=request.user).order_by("-year", "name")
                ctx["task_form"] = forms.get("task_form") or TaskForm(
                    programs=programs, units=units, initial={"title": idea.title, "measures": idea.content})
    ctx["score_error"] = forms.get("score_error")
    ctx["score_values"] = forms.get("score_values") or (ctx["scores"].mine.points if ctx["scores"].mine else {})
    ctx["score_note"] = forms.get("score_note", ctx["scores"].mine.note if ctx["scores"].mine else "")
    return render(request, "ideas/idea.html", ctx, status=status)


@login_required
def idea_detail(request, pk):
    return _idea_page(request, _idea(request, pk))


@login_required
@require_POST
def idea_screen(request, pk):
    idea = _idea(request, pk)
    form = ScreenForm(request.POST, candidates=selectors.duplicate_candidates(idea))
    if form.is_valid():
        d = form.cleaned_data
        duplicate = None
        if d["action"] == "duplicate":
            duplicate = selectors.ideas_for(user=request.user, campaign=idea.campaign).filter(pk=d["duplicate_of"]).first() \
                if d["duplicate_of"] else None
            if duplicate is None:
                form.add_error("duplicate_of", _("请选择与之重复的建议。"))
        if form.is_valid():
            try:
                services.idea_screen(by=request.user, idea=idea, passed=d["action"] == "pass", reason=d["reason"],
                                     duplicate_of=duplicate)
            except ServiceError as e:
                _apply_error(form, e)
            else:
                messages.success(request, _("初审结果已保存。"))
                return redirect("ideas_idea", idea.pk)
    return _idea_page(request, idea, 400, screen_form=form)


@login_required
@require_POST
def idea_score(request, pk):
    idea = _idea(request, pk)
    points = {c["code"]: request.POST.get(f"points.{c['code']}", "") for c in idea.campaign.criteria}
    note = request.POST.get("note", "")
    try:
        services.idea_score(by=request.user, idea=idea, points=points, note=note)
    except ServiceError as e:
        _refuse(e)
        return _idea_page(request, idea, 400, score_error=e, score_values=points, score_note=note)
    messages.success(request, _("评分已提交。"))
    nxt = selectors.expert_queue(user=request.user).filter(campaign=idea.campaign).first()
    return redirect("ideas_idea", nxt.pk) if nxt and request.POST.get("next") else redirect("ideas_idea", idea.pk)


@login_required
@require_POST
def idea_decide(request, pk):
    idea = _idea(request, pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.idea_decide(by=request.user, idea=idea, decision=d["decision"], reply=d["reply"], publish=d["publish"])
        except ServiceError as e:
            _apply_error(form, e)
        else:
            messages.success(request, _("处理结果和答复已保存。"))
            return redirect("ideas_idea", idea.pk)
    else:
        _require_manage_or_403(request, idea)
    return _idea_page(request, idea, 400, decide_form=form)


def _require_manage_or_403(request, idea):
    if not perms.can_manage(scope_for(request.user), idea.campaign):
        raise PermissionDenied(_("只有征集活动主办单位的办公室可以进行此操作。"))


@login_required
@require_POST
def idea_award(request, pk):
    idea = _idea(request, pk)
    form = AwardForm(request.POST, awards=idea.campaign.awards)
    if form.is_valid():
        try:
            services.idea_award(by=request.user, idea=idea, award=form.cleaned_data["award"])
        except ServiceError as e:
            _apply_error(form, e)
        else:
            messages.success(request, _("评奖结果已保存。"))
            return redirect("ideas_idea", idea.pk)
    else:
        _require_manage_or_403(request, idea)
    return _idea_page(request, idea, 400, award_form=form)


@login_required
@require_POST
def idea_task(request, pk):
    idea = _idea(request, pk)
    _require_manage_or_403(request, idea)
    programs = list(programs_managed(user=request.user).order_by("-year", "name"))
    units = list(selectors.campaign_units(idea.campaign))
    form = TaskForm(request.POST, programs=programs, units=units)
    if form.is_valid():
        d = form.cleaned_data
        try:
            task = services.idea_make_task(by=request.user, idea=idea,
                                           program=next(p for p in programs if p.pk == d["program"]),
                                           lead_unit=next(u for u in units if u.pk == d["lead_unit"]),
                                           deadline_phrase=d["deadline_phrase"], title=d["title"],
                                           measures=d["measures"])
        except ServiceError as e:
            _apply_error(form, e)
        else:
            messages.success(request, _("已转化为任务 %(code)s。") % {"code": task.code})
            return redirect("ideas_idea", idea.pk)
    return _idea_page(request, idea, 400, task_form=form)
