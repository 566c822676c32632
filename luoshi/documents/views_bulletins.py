"""Pages of the scheduled bulletins: the series an office publishes, one series with its issues, one issue
(downloads; for a draft the 按语, the sections of a 工作动态 and 签发). Thin: parse, call a selector or a
service, render; a refusal re-renders the page with the message next to its field."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.http import DOCX, PDF, XLSX, download
from luoshi.core.journal import journal_for
from luoshi.core.journal_text import journal_rows
from luoshi.org.models import Role
from luoshi.org.scopes import scope_for

from . import compile as sections, selectors, services
from .charts import CJKFontMissing
from .forms import SectionForm, SubscriptionForm
from .issue_files import issue_file, issue_filename
from .models import KIND_FORMATS, IssueState, SeriesKind
from .schedule import issue_day, parse_schedule

CONTENT_TYPES = {"docx": DOCX, "xlsx": XLSX, "pdf": PDF}


def _apply_error(form, e: ServiceError) -> None:
    if isinstance(e, PermissionDeniedError):
        raise PermissionDenied(e.message)
    form.add_error(e.field if e.field in form.fields else None, e.message)


@login_required
def index(request):
    return render(request, "bulletins/index.html", {
        "subscriptions": selectors.subscription_list(user=request.user),
        "recent": selectors.issue_list(user=request.user).filter(state=IssueState.ISSUED)[:20],
        "can_create": scope_for(request.user).has_role(Role.OFFICE)})


def _input(form) -> services.SubscriptionInput:
    d = form.cleaned_data
    return services.SubscriptionInput(name=d["name"], kind=d["kind"], owner_unit=d["owner_unit"], program=d["program"],
                                      scheme=d["scheme"],
                                      schedule=d["schedule"], workday_rule=d["workday_rule"], formats=d["formats"],
                                      review_required=d["review_required"], recipients=list(d["recipients"]))


@login_required
def subscription_new(request):
    if not scope_for(request.user).has_role(Role.OFFICE):
        raise PermissionDenied(_("只有督查室/办公室可以新建定期通报。"))
    form = SubscriptionForm(request.POST or None, user=request.user,
                            initial={"formats": ["docx"], "kind": SeriesKind.PROGRAM})
    if request.method == "POST" and form.is_valid():
        try:
            sub = services.subscription_create(by=request.user, data=_input(form))
        except ServiceError as e:
            _apply_error(form, e)
        else:
            messages.success(request, _("已创建定期通报“%(name)s”。") % {"name": sub.name})
            return redirect("bulletin_subscription", sub.pk)
    return render(request, "bulletins/subscription_form.html", {"form": form})


@login_required
def subscription_detail(request, pk):
    sub = selectors.subscription_get(user=request.user, pk=pk)
    manage = selectors.can_manage(request.user, sub)
    form = None
    if manage:
        form = SubscriptionForm(request.POST or None, user=request.user, initial={
            "name": sub.name, "kind": sub.kind, "program": sub.program_id, "scheme": sub.scheme_id, "owner_unit": sub.owner_unit_id,
            "schedule": sub.schedule, "workday_rule": sub.workday_rule, "formats": sub.formats,
            "review_required": sub.review_required, "recipients": list(sub.recipients.values_list("pk", flat=True))})
        if request.method == "POST" and form.is_valid():
            try:
                services.subscription_update(by=request.user, subscription=sub, data=_input(form))
            except ServiceError as e:
                _apply_error(form, e)
            else:
                messages.success(request, _("已保存。"))
                return redirect("bulletin_subscription", sub.pk)
    next_slot = None
    if sub.schedule and sub.is_active:
        sched = parse_schedule(sub.schedule)
        today = clock.today()
        nominal = sched.nominal_on_or_before(today)
        while issue_day(nominal, sub.workday_rule) <= today:
            nominal = _next_nominal(sched, nominal)
        next_slot = issue_day(nominal, sub.workday_rule)
    return render(request, "bulletins/subscription.html", {
        "sub": sub, "issues": selectors.issue_list(user=request.user, subscription=sub), "manage": manage,
        "form": form, "next_slot": next_slot, "journal": journal_rows(journal_for(sub).order_by("-at")[:20])})


def _next_nominal(sched, nominal):
    """The nominal day after `nominal` (searching forward a day at a time, at most a year and a day)."""
    day = nominal + dt.timedelta(days=1)
    for _i in range(367):
        if sched.nominal_on_or_before(day) > nominal:
            return sched.nominal_on_or_before(day)
        day += dt.timedelta(days=1)
    return day


@login_required
@require_POST
def subscription_action(request, pk, action):
    sub = selectors.subscription_get(user=request.user, pk=pk)
    try:
        if action == "issue":
            issue = services.issue_create_now(by=request.user, subscription=sub)
            messages.success(request, _("已生成%(title)s。") % {"title": issue.title})
            return redirect("bulletin_issue", issue.pk)
        if action in ("pause", "resume"):
            services.subscription_set_active(by=request.user, subscription=sub, active=action == "resume")
        else:
            raise Http404
    except PermissionDeniedError as e:
        raise PermissionDenied(e.message)
    except ServiceError as e:
        messages.error(request, e.message)
    return redirect("bulletin_subscription", sub.pk)


@login_required
def issue_detail(request, pk):
    issue = selectors.issue_get(user=request.user, pk=pk)
    sub = issue.subscription
    manage = selectors.can_manage(request.user, sub) and issue.state == IssueState.DRAFT
    section_form = SectionForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        if not manage:
            raise PermissionDenied(_("只有编发单位的督查室/办公室可以修改待签发的期次。"))
        action = request.POST.get("action")
        try:
            if action == "add":
                if section_form.is_valid():
                    d = section_form.cleaned_data
                    section = _section(request, d)
                    if d["heading"].strip():
                        section["heading"] = d["heading"].strip()
                    services.issue_add_section(by=request.user, issue=issue, section=section)
                    return redirect("bulletin_issue", issue.pk)
            elif action == "save":
                edited = None
                if sub.kind == SeriesKind.COMPILED:
                    edited = [{"heading": request.POST.get(f"heading_{i}", ""), "body": request.POST.get(f"body_{i}", "")}
                              for i in range(1, len(issue.snapshot.get("sections", [])) + 1)]
                services.issue_edit(by=request.user, issue=issue, note=request.POST.get("note", ""), sections=edited)
                messages.success(request, _("已保存。"))
                return redirect("bulletin_issue", issue.pk)
            elif action == "remove":
                services.issue_remove_section(by=request.user, issue=issue, index=int(request.POST.get("index", -1)))
                return redirect("bulletin_issue", issue.pk)
            elif action == "publish":
                services.issue_publish(by=request.user, issue=issue)
                messages.success(request, _("已签发，已通知接收人。"))
                return redirect("bulletin_issue", issue.pk)
        except PermissionDeniedError as e:
            raise PermissionDenied(e.message)
        except ServiceError as e:
            if action == "add":
                _apply_error(section_form, e)
            else:
                messages.error(request, e.message)
        except ValueError:
            messages.error(request, _("没有这个栏目，请刷新页面后重试。"))
    snap = issue.snapshot
    return render(request, "bulletins/issue.html", {
        "issue": issue, "sub": sub, "manage": manage, "snap": snap, "section_form": section_form,
        "sections": list(enumerate(snap.get("sections", []), 1)) if sub.kind == SeriesKind.COMPILED else [],
        "formats": [f for f in KIND_FORMATS[SeriesKind(sub.kind)] if f in (sub.formats or []) or f == "docx"],
        "journal": journal_rows(journal_for(issue).order_by("-at")[:20])})


def _section(request, d) -> dict:
    kind, ref = d["type"], (d["ref"] or "").strip()
    if kind == "text":
        if not d["heading"].strip():
            raise ServiceError(_("请填写栏目标题。"), field="heading")
        return sections.text_section(d["heading"], d["body"])
    if kind == "figures":
        if not ref:
            raise ServiceError(_("请填写专项工作代码。"), field="ref")
        try:
            return sections.figures_section(user=request.user, code=ref, as_of=clock.today())
        except Http404:
            raise ServiceError(_("没有找到代码为“%(code)s”的专项工作，或您无权查看。") % {"code": ref}, field="ref")
    if not ref.isdigit():
        raise ServiceError(_("请填写数字编号。"), field="ref")
    if kind == "case":
        return sections.case_section(user=request.user, pk=int(ref))
    return sections.report_section(user=request.user, pk=int(ref))


@login_required
def issue_download(request, pk, fmt):
    issue = selectors.issue_get(user=request.user, pk=pk)
    if fmt not in KIND_FORMATS[SeriesKind(issue.subscription.kind)] or issue.state == IssueState.PENDING:
        raise Http404
    try:
        data = issue_file(issue, fmt)
    except CJKFontMissing as e:
        return render(request, "400.html", {"message": e.message}, status=503)
    return download(data, issue_filename(issue, fmt), CONTENT_TYPES[fmt])


@login_required
def case_compilation(request):
    """案例汇编 of the cases the list shows (same filters), accepted ones only, at most 200."""
    from luoshi.cases import selectors as case_selectors
    from luoshi.cases.models import CaseState

    from .case_docs import compilation_docx

    year = request.GET.get("year", "")
    filters = case_selectors.CaseFilters(q=request.GET.get("q", "").strip(), state=CaseState.ACCEPTED,
                                         level=request.GET.get("level", ""), tag=request.GET.get("tag", "").strip(),
                                         year=int(year) if year.isdigit() else None)
    cases = list(case_selectors.case_list(user=request.user, filters=filters).prefetch_related("recognitions")[:200])
    title = f"{filters.year}年典型案例汇编" if filters.year else "典型案例汇编"
    office = request.user.unit.name if request.user.unit_id else ""
    data = compilation_docx(cases=cases, title=title, office=office, day=clock.today())
    return download(data, f"{title}-{clock.today():%Y%m%d}.docx", DOCX)
