"""Staff and enterprise pages of 惠企政策: the dictionary, a clause (its versions, the enterprises that
qualify, 免申即享 batches), enterprises with their profile and matches, batches, totals, imports. Thin:
parse, call a selector or a service, render."""
from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.http import XLSX, download, query_id, year_in_range
from luoshi.core.paging import Pager
from luoshi.org.models import Unit
from luoshi.org.scopes import scope_for

from . import selectors, services
from .attributes import ATTRIBUTES
from .forms import BatchForm, ClauseForm, ImportForm
from .matching import rules_of
from .models import DEPT_ROLES, BatchState, Payout, Policy
from .reports import batch_xlsx, clauses_template_xlsx, enterprises_template_xlsx, totals_xlsx

PAGE_SIZE = 50


def _refuse(e: ServiceError):
    if isinstance(e, PermissionDeniedError):
        raise PermissionDenied(e.message)


def _filters(request) -> selectors.ClauseFilters:
    return selectors.ClauseFilters(q=request.GET.get("q", "").strip()[:100], theme=query_id(request, "theme"),
                                   tag=query_id(request, "tag"), policy=query_id(request, "policy"),
                                   declare_type=request.GET.get("type", "")[:30])


@login_required
def index(request):
    own = selectors.own_enterprise_id(request.user)
    if own and not scope_for(request.user).all_paths and not scope_for(request.user).is_admin:
        return redirect("policies_enterprise", own)
    f = _filters(request)
    page = Pager(selectors.clause_list(user=request.user, filters=f), PAGE_SIZE).get_page(request.GET.get("page"))
    vocab, types = selectors.vocabulary()
    scope = scope_for(request.user)
    return render(request, "policies/index.html", {
        "page": page, "f": f, "vocab": vocab, "types": types, "theme_counts": selectors.clause_counts_by_theme(),
        "can_manage": scope.is_admin or bool(scope.paths_for(*DEPT_ROLES)), "own": own, "today": clock.today()})


def _depts(user):
    scope = scope_for(user)
    if scope.is_admin:
        return Unit.objects.filter(is_active=True)
    return Unit.objects.filter(path__within=scope.paths_for(*DEPT_ROLES), is_active=True)


def _clause_input(cd) -> services.ClauseInput:
    return services.ClauseInput(
        title=cd["title"], theme=cd["theme"], tags=list(cd["tags"]), declare_type=cd["declare_type"],
        beneficiary=cd["beneficiary"], condition_text=cd["condition_text"], rules=cd["rules"],
        amount_rule=cd["amount_rule"], procedure=cd["procedure"], dept=cd["dept"],
        contact_person=cd["contact_person"], contact_phone=cd["contact_phone"], start_date=cd["start_date"],
        end_date=cd["end_date"], no_application=cd["no_application"], is_published=cd["is_published"])


@login_required
def clause_detail(request, pk):
    clause = selectors.clause_get(user=request.user, pk=pk)
    can_manage = services.can_manage_clause(request.user, clause)
    matches = selectors.clause_matches(user=request.user, clause=clause)
    rules = rules_of(clause)
    return render(request, "policies/clause.html", {
        "clause": clause, "can_manage": can_manage, "versions": selectors.clause_versions(clause=clause),
        "matches": matches[:200], "match_count": len(matches), "rules": rules,
        "batches": clause.batches.order_by("-created_at")[:20], "batch_form": BatchForm(initial={"period": f"{clock.today().year}年度"}),
        "tags": list(clause.tags.all())})


@login_required
def clause_edit(request, pk=None):
    clause = selectors.clause_get(user=request.user, pk=pk) if pk else None
    if clause is not None and not services.can_manage_clause(request.user, clause):
        raise PermissionDenied(_("只有条款的责任单位可以修改此条款。"))
    if clause is None and not (scope_for(request.user).is_admin or scope_for(request.user).paths_for(*DEPT_ROLES)):
        raise PermissionDenied(_("只有部门可以录入政策条款。"))
    initial = {}
    if clause is not None:
        initial = {k: getattr(clause, k) for k in services.CLAUSE_FIELDS}
        initial.update(code=clause.code, tags=list(clause.tags.all()))
    form = ClauseForm(request.POST or None, initial=initial, depts=_depts(request.user))
    if clause is not None:
        form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            if clause is None:
                policy = _policy_for(request)
                clause = services.clause_create(by=request.user, policy=policy, code=cd["code"], data=_clause_input(cd))
            else:
                services.clause_update(by=request.user, clause=clause, data=_clause_input(cd), reason=cd["reason"])
            messages.success(request, _("条款已保存。"))
            return redirect("policies_clause", clause.pk)
        except ServiceError as e:
            _refuse(e)
            # the rules' problems (services.rules_check joins them) each on its own line under the field, as
            # the import lists them cell by cell
            messages_ = re.split(r"；(?=第\d+行)", e.message) if e.field in ("rules", "amount_rule") else [e.message]
            form.add_error(e.field if e.field in form.fields else None, messages_)
    return render(request, "policies/clause_edit.html", {"form": form, "clause": clause, "policy_choices": Policy.objects.order_by("title")})


def _policy_for(request):
    raw = request.POST.get("policy", "")
    policy = Policy.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if policy is None:
        raise ServiceError(_("请选择政策文件。"), field="policy")
    return policy


@login_required
def clause_history(request, pk):
    clause = selectors.clause_get(user=request.user, pk=pk)
    return render(request, "policies/history.html", {"clause": clause, "versions": selectors.clause_versions(clause=clause)})


# ---- enterprises ------------------------------------------------------------------------------------

@login_required
def enterprise_list(request):
    q = request.GET.get("q", "").strip()[:100]
    page = Pager(selectors.enterprise_list(user=request.user, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "policies/enterprises.html", {"page": page, "q": q})


@login_required
def enterprise_detail(request, pk):
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    own = selectors.own_enterprise_id(request.user) == enterprise.pk
    can_edit = own or services.can_manage_area(request.user, enterprise.unit_path)
    error = None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("只能更新本企业（或本单位负责区域内企业）的画像。"))
        values = {k: request.POST.get(k, "") for k in ATTRIBUTES if k in request.POST}
        try:
            services.enterprise_profile_update(by=request.user, enterprise=enterprise, values=values,
                                               reason=request.POST.get("reason", ""))
            messages.success(request, _("企业画像已更新。"))
            return redirect("policies_enterprise", enterprise.pk)
        except ServiceError as e:
            _refuse(e)
            error = e
    matches = selectors.enterprise_matches(enterprise=enterprise)
    return render(request, "policies/enterprise.html", {
        "enterprise": enterprise, "own": own, "can_edit": can_edit, "error": error, "posted": request.POST,
        "rows": selectors.enterprise_profile_rows(enterprise=enterprise),
        "qualifies": [m for m in matches if m[1].verdict in ("qualifies", "review")],
        "nearly": [m for m in matches if m[1].verdict == "nearly"],
        "payouts": selectors.enterprise_payouts(enterprise=enterprise)})


# ---- batches ----------------------------------------------------------------------------------------

@login_required
@require_POST
def batch_new(request, pk):
    clause = selectors.clause_get(user=request.user, pk=pk)
    form = BatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写兑现期间。"))
        return redirect("policies_clause", clause.pk)
    try:
        batch = services.batch_compute(by=request.user, clause=clause, period=form.cleaned_data["period"],
                                       note=form.cleaned_data["note"])
    except ServiceError as e:
        _refuse(e)
        messages.error(request, e.message)
        return redirect("policies_clause", clause.pk)
    return redirect("policies_batch", batch.pk)


@login_required
def batch_list(request):
    state = request.GET.get("state", "")
    page = Pager(selectors.batch_list(user=request.user, state=state), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "policies/batches.html", {"page": page, "state": state, "states": BatchState.choices})


@login_required
def batch_detail(request, pk):
    batch = selectors.batch_get(user=request.user, pk=pk)
    if request.GET.get("format") == "xlsx":
        return download(batch_xlsx(batch, list(selectors.batch_lines(batch=batch))),
                        f"免申即享名单-{batch.clause.code}-{batch.period}.xlsx", XLSX)
    can_manage = scope_for(request.user).covers(batch.dept_path, *DEPT_ROLES)
    return render(request, "policies/batch.html", {
        "batch": batch, "lines": selectors.batch_lines(batch=batch), "can_manage": can_manage,
        "figures": selectors.batch_draft_figures(batch=batch), "today": clock.today()})


@login_required
@require_POST
def batch_action(request, pk):
    batch = selectors.batch_get(user=request.user, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "confirm":
            raw = request.POST.get("paid_on", "")
            paid_on = dt.date.fromisoformat(raw) if raw else None
            services.batch_confirm(by=request.user, batch=batch, paid_on=paid_on)
            messages.success(request, _("名单已确认，兑付已记录，已通知企业。"))
        elif action == "cancel":
            services.batch_cancel(by=request.user, batch=batch, reason=request.POST.get("reason", ""))
            messages.success(request, _("批次已作废。"))
        elif action in ("include", "exclude"):
            line = Payout.objects.filter(batch=batch, pk=request.POST.get("line") or 0).first()
            if line is None:
                raise ServiceError(_("名单里没有这一行。"))
            services.batch_line_set(by=request.user, line=line, excluded=action == "exclude",
                                    reason=request.POST.get("reason", ""))
        else:
            raise ServiceError(_("未知操作。"))
    except ValueError:
        messages.error(request, _("兑付日期格式不正确。"))
    except ServiceError as e:
        _refuse(e)
        messages.error(request, e.message)
    return redirect("policies_batch", batch.pk)


# ---- totals and imports -----------------------------------------------------------------------------

@login_required
def report(request):
    by = request.GET.get("by", "clause")
    if by not in selectors.GROUPS:
        by = "clause"
    year = request.GET.get("year", "").strip()
    year_no = year_in_range(year)
    rows = selectors.payout_totals(user=request.user, by=by, year=year_no)
    if request.GET.get("format") == "xlsx":
        return download(totals_xlsx(rows, by), f"惠企政策兑现汇总-{by}.xlsx", XLSX)
    if year and year_no is None:  # refused and left out, like a list filter's refused value
        messages.error(request, f"{_('年度')}：{_('日期须在 1900 年至 2100 年之间。')}")
        year = ""
    total = sum((r["total"] for r in rows), 0)
    return render(request, "policies/report.html", {"rows": rows, "by": by, "year": year, "total": total,
                                                    "groups": [("clause", _("按条款")), ("theme", _("按主题")),
                                                               ("district", _("按区域")), ("year", _("按年度"))]})


@login_required
def import_page(request):
    scope = scope_for(request.user)
    if not (scope.is_admin or scope.paths_for(*DEPT_ROLES)):
        raise PermissionDenied(_("只有部门可以导入。"))
    kind = request.GET.get("template")
    if kind == "clauses":
        return download(clauses_template_xlsx(), "政策词典导入模板.xlsx", XLSX)
    if kind == "enterprises":
        return download(enterprises_template_xlsx(), "企业画像导入模板.xlsx", XLSX)
    errors = []
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            if request.POST.get("kind") == "enterprises":
                r = services.enterprises_import(by=request.user, data=f.read(), name=f.name)
                messages.success(request, _("企业画像已导入：新增 %(created)s 家，更新 %(updated)s 家。") % r)
            else:
                r = services.clauses_import(by=request.user, data=f.read(), name=f.name)
                messages.success(request, _("政策条款已导入：新增 %(created)s 条，修改 %(updated)s 条，未变 %(unchanged)s 条。") % r)
            return redirect("policies_import")
        except ImportFailed as e:
            errors = [str(x) for x in e.errors]
    return render(request, "policies/import.html", {"form": form, "errors": errors[:200], "more": max(0, len(errors) - 200)})

