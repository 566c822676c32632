"""Pages of procedures: the procedures and the steps waiting for me, a procedure's cases (filters, Excel export and
import), starting a case, one case with its steps, documents, amounts and the forms of the step I act on, the
office's overview (where cases wait, figures per 镇街), the institutions register, and the documents' downloads.
Thin: parse, call a selector or a service, render."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.http import XLSX, attachment_response, download
from luoshi.core.journal import journal_for
from luoshi.core.journal_text import journal_rows
from luoshi.core.paging import Pager
from luoshi.core.workdays import Calendar
from luoshi.org.models import Role, Unit
from luoshi.org.scopes import scope_for

from . import selectors, services
from .calc import money_text
from .excel_io import cases_import_xlsx, cases_xlsx, institutions_import_xlsx
from .models import Case, CaseDocument, CaseState, CaseStep, Light, StepState

PAGE_SIZE = 50


def _definition(code: str):
    d = selectors.definition_get(code)
    if d is None:
        raise Http404(_("程序不存在。"))
    return d


def _case(request, pk: int) -> Case:
    case = selectors.case_get(request.user, pk)
    if case is None:
        raise Http404(_("办件不存在或无权查看。"))
    return case


def _display(f, value) -> str:
    if value in (None, ""):
        return ""
    if f.type == "choice":
        return f.choices.get(value, value)
    if f.type == "money":
        return money_text(Decimal(value))
    return str(value)


def _step_rows(steps) -> list[dict]:
    case_prefix = reverse("procedures_case", args=[0]).removesuffix("0/")
    rows = []
    for s in steps:
        rows.append({"pk": s.pk, "case_url": f"{case_prefix}{s.case_id}/", "number": s.case.number, "title": s.case.title,
                     "step": s.name, "unit": s.actor_unit.name, "definition": s.case.definition.name,
                     "due": timezone.localtime(s.due_at - dt.timedelta(seconds=1)).date(), "light": s.light,
                     "light_label": Light(s.light).label})
    return rows


@login_required
def index(request):
    counts = selectors.counts_by_definition(request.user)
    scope = scope_for(request.user)
    rows = []
    prefix = reverse("procedures_cases", args=["x"]).removesuffix("x/")
    for d in selectors.definitions_current():
        c = counts.get(d.code, {})
        rows.append({"url": f"{prefix}{d.code}/", "overview_url": f"{prefix}{d.code}/overview/", "code": d.code, "name": d.name, "version": d.version, "owner": d.owner_unit.name,
                     "subject": d.subject, "running": c.get("running", 0), "done": c.get("done", 0),
                     "rejected": c.get("rejected", 0), "office": scope.covers(d.owner_path, Role.OFFICE)})
    waiting = list(selectors.steps_waiting(request.user)[:100])
    return render(request, "procedures/index.html", {
        "rows": rows, "waiting": _step_rows(waiting), "nav_section": "procedures"})


class CaseFilter(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=50)
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(CaseState.choices))
    light = forms.ChoiceField(label=_("预警"), required=False,
                              choices=[("", _("全部")), ("yellow", _("临期")), ("red", _("逾期"))])
    town = forms.IntegerField(label=_("镇街"), required=False, widget=forms.HiddenInput)


@login_required
def case_list(request, code: str):
    definition = _definition(code)
    form = CaseFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.cases_for(request.user, code=code, state=filters.get("state") or "", town=filters.get("town"),
                             q=filters.get("q") or "", light=filters.get("light") or "")
    if request.GET.get("format") == "xlsx":
        return download(cases_xlsx(definition=definition, cases=qs), f"{definition.name}办件.xlsx", XLSX)
    page = Pager(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    scope = scope_for(request.user)
    units = [u for u in _startable_units(request.user, definition)[:1]]
    return render(request, "procedures/cases.html", {
        "definition": definition, "form": form, "page": page, "rows": selectors.case_rows(page.object_list),
        "query": query, "case_prefix": reverse("procedures_case", args=[0]).removesuffix("0/"),
        "can_start": bool(units), "is_office": scope.covers(definition.owner_path, Role.OFFICE),
        "export_query": query.urlencode(), "nav_section": "procedures"})


def _startable_units(user, definition) -> list[Unit]:
    """The units the user may start a case for: where they hold the first step's role (or office), inside the
    definition's owner unit; villages first."""
    scope = scope_for(user)
    first = definition.parsed().steps[0]
    paths = scope.paths_for(first.actor.role, Role.OFFICE)
    if scope.is_admin:
        paths = (definition.owner_path,)
    qs = Unit.objects.filter(path__within=paths, is_active=True).filter(path__within=[definition.owner_path])
    if definition.subject == "parcel":
        qs = qs.filter(kind="community")
    return list(qs.order_by("path")[:500])


class StartForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=200)
    unit = forms.TypedChoiceField(label=_("申请单位"), coerce=int)

    def __init__(self, *args, units, spec, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        for f in spec.start_fields():
            if f.type == "choice":
                field = forms.ChoiceField(label=f.label, required=f.required,
                                          choices=[("", "—")] + list(f.choices.items()))
            elif f.type == "date":
                field = forms.CharField(label=f.label, required=f.required,
                                        widget=forms.DateInput(attrs={"type": "date"}))
            else:
                field = forms.CharField(label=f.label, required=f.required, max_length=200)
            self.fields[f"f_{f.code}"] = field


@login_required
def case_new(request, code: str):
    definition = _definition(code)
    units = _startable_units(request.user, definition)
    if not units:
        raise PermissionDenied(_("您不能发起“%(name)s”。") % {"name": definition.name})
    spec = definition.parsed()
    form = StartForm(request.POST or None, units=units, spec=spec)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            unit = next(u for u in units if u.pk == d["unit"])
            fields = {k[2:]: v for k, v in d.items() if k.startswith("f_")}
            try:
                case = services.case_start(by=request.user, definition=definition, unit=unit, title=d["title"],
                                           fields=fields)
            except PermissionDeniedError as e:
                raise PermissionDenied(e.message)
            except ServiceError as e:
                form.add_error(f"f_{e.field}" if f"f_{e.field}" in form.fields else
                               (e.field if e.field in form.fields else None), e.message)
            else:
                messages.success(request, _("已发起 %(number)s。") % {"number": case.number})
                return redirect("procedures_case", case.pk)
        status = 400
    return render(request, "procedures/case_new.html", {"definition": definition, "form": form,
                                                        "nav_section": "procedures"}, status=status)


@login_required
def case_detail(request, pk: int):
    case = _case(request, pk)
    definition = case.definition
    spec = definition.parsed()
    steps = list(case.steps.select_related("actor_unit", "closed_by").order_by("opened_at", "id"))
    docs: dict[int, list] = {}
    for d in CaseDocument.objects.filter(step__case=case).select_related("attachment").order_by("added_at", "id"):
        docs.setdefault(d.step_id, []).append({"pk": d.pk, "name": d.name, "file": d.attachment.original_name,
                                               "generated": d.generated})
    cal_today = clock.today()
    cal = Calendar.current()
    step_rows, actions = [], []
    for s in steps:
        opened = timezone.localtime(s.opened_at).date()
        end = timezone.localtime(s.closed_at).date() if s.closed_at else cal_today
        row = {"pk": s.pk, "name": s.name, "unit": s.actor_unit.name, "role": Role(s.actor_role).label,
               "state": s.state, "state_label": StepState(s.state).label, "light": s.light,
               "light_label": Light(s.light).label, "opened": timezone.localtime(s.opened_at),
               "due": timezone.localtime(s.due_at - dt.timedelta(seconds=1)).date(),
               "closed": timezone.localtime(s.closed_at) if s.closed_at else None,
               "by": s.closed_by.display_name if s.closed_by_id else "", "decision": s.decision_label,
               "comment": s.comment, "docs": docs.get(s.pk, []), "workdays": cal.workdays_between(opened, end)}
        step_rows.append(row)
        if services.can_act(request.user, s):
            st = spec.step(s.code)
            have = {d["name"] for d in docs.get(s.pk, [])}
            uploads = [{"code": d.code, "name": d.name, "have": d.name in have, "required": d.required}
                       for d in st.documents if not d.form]
            first_missing = next((d["code"] for d in uploads if not d["have"]), "")
            for d in uploads:
                d["selected"] = d["code"] == first_missing
            actions.append({
                "pk": s.pk, "name": s.name, "note": st.note, "documents": uploads,
                "forms": [d.name for d in st.documents if d.form],
                "decisions": [{"code": d.code, "label": d.label, "kind": d.kind} for d in spec.decisions_of(s.code)],
                "fields": [{"code": c, "label": spec.field(c).label, "type": spec.field(c).type,  # type: ignore[union-attr]
                            "value": case.fields.get(c, "")} for c in st.fields],
                "compute": st.compute})
    fields = [{"label": f.label, "value": _display(f, case.fields.get(f.code))} for f in spec.fields
              if case.fields.get(f.code) not in (None, "")]
    amounts = [{"label": a["label"], "value": f"{(Decimal(a['value']) * 100).normalize():f}%" if a.get("percent")
                else money_text(Decimal(a["value"])), "trace": a["trace"]} for a in case.amounts]
    steps_by_code = {s.code: s.name for s in spec.steps}
    journal = journal_rows(journal_for(case)[:50], values={"step": steps_by_code})
    return render(request, "procedures/case.html", {
        "case": case, "definition": definition, "steps": step_rows, "actions": actions, "fields": fields,
        "amounts": amounts, "journal": journal, "notices": list(case.notices.all()),
        "file_prefix": reverse("procedures_file", args=[0]).removesuffix("0/"), "nav_section": "procedures"})


def _step_for(request, pk: int, step_pk: int) -> CaseStep:
    case = _case(request, pk)
    step = CaseStep.objects.filter(case=case, pk=step_pk).first()
    if step is None:
        raise Http404(_("环节不存在。"))
    return step


@login_required
@require_POST
def step_upload(request, pk: int, step_pk: int):
    step = _step_for(request, pk, step_pk)
    files = request.FILES.getlist("files")
    if not files:
        messages.error(request, _("请选择要上传的文件。"))
        return redirect("procedures_case", pk)
    try:
        for f in files:
            services.step_upload(by=request.user, step=step, document=request.POST.get("document", ""), name=f.name,
                                 data=f.read())
    except PermissionDeniedError as e:
        raise PermissionDenied(e.message)
    except ServiceError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("已上传 %(n)s 个文件。") % {"n": len(files)})
    return redirect("procedures_case", pk)


@login_required
@require_POST
def step_decide(request, pk: int, step_pk: int):
    step = _step_for(request, pk, step_pk)
    fields = {k[2:]: v for k, v in request.POST.items() if k.startswith("f_")}
    try:
        services.step_decide(by=request.user, step=step, decision=request.POST.get("decision", ""),
                             comment=request.POST.get("comment", ""), fields=fields)
    except PermissionDeniedError as e:
        raise PermissionDenied(e.message)
    except ServiceError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("已办理“%(step)s”。") % {"step": step.name})
    return redirect("procedures_case", pk)


@login_required
def document_download(request, doc_pk: int):
    doc = CaseDocument.objects.select_related("attachment", "step").filter(pk=doc_pk).first()
    if doc is None or selectors.case_get(request.user, doc.step.case_id) is None:
        raise Http404(_("文件不存在或无权查看。"))
    return attachment_response(doc.attachment)


@login_required
def overview(request, code: str):
    definition = _definition(code)
    stats = selectors.step_stats(request.user, code)
    longest = sorted([s for s in stats if s["wait_mean"] is not None], key=lambda s: -s["wait_mean"])[:3]
    towns, total = ([], None)
    if definition.subject == "parcel":
        towns, total = selectors.town_figures(request.user, code)
    wan = Decimal(10000)

    def w(value):  # 元 → 万元, two places
        return f"{(value / wan).quantize(Decimal('0.01')):,}"

    town_rows = [{**t, "area": f"{t['area']:,}", "price_wan": w(t["price"]), "adjustment_wan": w(t["adjustment"]),
                  "collective_wan": w(t["collective"])} for t in towns]
    total_row = total and {**total, "area": f"{total['area']:,}", "price_wan": w(total["price"]),
                           "adjustment_wan": w(total["adjustment"]), "collective_wan": w(total["collective"])}
    return render(request, "procedures/overview.html", {
        "definition": definition, "stats": stats, "longest": longest, "towns": town_rows, "total": total_row,
        "list_url": reverse("procedures_cases", args=[code]), "nav_section": "procedures"})


@login_required
def case_import(request, code: str):
    definition = _definition(code)
    if not scope_for(request.user).covers(definition.owner_path, Role.OFFICE):
        raise PermissionDenied(_("只有主管单位的办公室可以导入办件。"))
    errors, status = [], 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ImportFailed([])
            created = cases_import_xlsx(by=request.user, definition=definition, data=upload.read(), name=upload.name)
        except ImportFailed as e:
            errors, status = [str(x) for x in e.errors] or [_("请选择文件。")], 400
        else:
            messages.success(request, _("已导入 %(n)s 件。") % {"n": len(created)})
            return redirect("procedures_cases", code)
    spec = definition.parsed()
    columns = [_("名称"), _("申请单位")] + [f.label for f in spec.start_fields()]
    optional = [_("当前环节")] + [f.label for f in spec.fields if f.at is not None]
    return render(request, "procedures/import.html", {
        "definition": definition, "errors": errors, "columns": columns, "optional": optional,
        "nav_section": "procedures"}, status=status)


# ---- institutions -------------------------------------------------------------------------------------------

class InstitutionForm(forms.Form):
    name = forms.CharField(label=_lazy("机构名称"), max_length=100)
    field = forms.CharField(label=_lazy("领域"), max_length=30, required=False)
    unit = forms.CharField(label=_lazy("举办单位"), max_length=100)
    authority = forms.TypedChoiceField(label=_lazy("登记管理机关"), coerce=int)
    cert_number = forms.CharField(label=_lazy("法人证书号"), max_length=40, required=False)
    cert_issued = forms.DateField(label=_lazy("证书起始日"), widget=forms.DateInput(attrs={"type": "date"}))
    cert_expires = forms.DateField(label=_lazy("证书到期日"), widget=forms.DateInput(attrs={"type": "date"}))
    last_operation_on = forms.DateField(label=_lazy("最近运行日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, authorities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].choices = [(u.pk, u.name) for u in authorities]


def _authorities(user) -> list[Unit]:
    """The departments where the user may register institutions (office or liaison of the 登记管理机关)."""
    scope = scope_for(user)
    qs = Unit.objects.filter(kind="department", is_active=True)
    if not scope.is_admin:
        qs = qs.filter(path__within=scope.paths_for(Role.OFFICE, Role.LIAISON))
    return list(qs.order_by("path")[:50])


@login_required
def institutions(request):
    authorities = _authorities(request.user)
    form = InstitutionForm(request.POST or None, authorities=authorities) if authorities else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("只有登记管理机关可以登记新型研发机构。"))
        if form.is_valid():
            d = form.cleaned_data
            authority = next(u for u in authorities if u.pk == d["authority"])
            unit = services.unit_for_institution(d["unit"], authority)
            if unit is None:
                form.add_error("unit", _("找不到单位“%(name)s”。") % {"name": d["unit"]})
            else:
                try:
                    inst = services.institution_create(
                        by=request.user, name=d["name"], unit=unit, authority=authority, cert_issued=d["cert_issued"],
                        cert_expires=d["cert_expires"], last_operation_on=d["last_operation_on"],
                        cert_number=d["cert_number"], field=d["field"])
                except PermissionDeniedError as e:
                    raise PermissionDenied(e.message)
                except ServiceError as e:
                    form.add_error(e.field if e.field in form.fields else None, e.message)
                else:
                    messages.success(request, _("已登记“%(name)s”。") % {"name": inst.name})
                    return redirect("procedures_institution", inst.pk)
        status = 400
    qs = selectors.institutions_visible(request.user).order_by("cert_expires", "name")
    today = clock.today()
    rows = []
    running = dict(Case.objects.filter(institution__in=qs, state=CaseState.RUNNING)
                   .values_list("institution_id", "title"))
    page = Pager(qs, 100).get_page(request.GET.get("page"))
    prefix = reverse("procedures_institution", args=[0]).removesuffix("0/")
    for i in page.object_list:
        exit_day = services.add_months(i.cert_expires, -6)
        rows.append({"url": f"{prefix}{i.pk}/", "name": i.name, "field": i.field, "unit": i.unit.name,
                     "expires": i.cert_expires, "last": i.last_operation_on, "state": i.get_state_display(),
                     "dissolved": i.state == "dissolved", "review_from": exit_day,
                     "idle_years": (today - i.last_operation_on).days // 365, "running": running.get(i.pk, "")})
    scope = scope_for(request.user)
    return render(request, "procedures/institutions.html", {
        "rows": rows, "page": page, "can_import": bool(authorities) and (scope.is_admin or scope.has_role(
            Role.OFFICE, Role.LIAISON)), "form": form, "open_form": status == 400,
        "nav_section": "procedures"}, status=status)


@login_required
def institution_detail(request, pk: int):
    inst = selectors.institution_get(request.user, pk)
    if inst is None:
        raise Http404(_("机构不存在或无权查看。"))
    if request.method == "POST":
        try:
            on = dt.date.fromisoformat(request.POST.get("on", ""))
        except ValueError:
            messages.error(request, _("请填写运行日期（如 2026-06-30）。"))
        else:
            try:
                services.institution_record_operation(by=request.user, institution=inst, on=on,
                                                      note=request.POST.get("note", ""))
            except PermissionDeniedError as e:
                raise PermissionDenied(e.message)
            except ServiceError as e:
                messages.error(request, e.message)
            else:
                messages.success(request, _("已登记运行情况。"))
                return redirect("procedures_institution", pk)
    cases = selectors.case_rows(selectors.cases_visible(request.user).filter(institution=inst)
                                .select_related("definition", "unit", "town"))
    return render(request, "procedures/institution.html", {
        "inst": inst, "can_record": services.can_record_operation(request.user, inst), "operations": list(inst.operations.all()[:20]), "cases": cases,
        "case_prefix": reverse("procedures_case", args=[0]).removesuffix("0/"),
        "review_from": services.add_months(inst.cert_expires, -6),
        "renewal_due": services.add_months(inst.cert_expires, -3),
        "dynamic_from": services.add_months(inst.last_operation_on, 24), "nav_section": "procedures"})


@login_required
def institution_import(request):
    scope = scope_for(request.user)
    region = Unit.objects.filter(path__within=scope.paths_for(Role.OFFICE, Role.LIAISON)).order_by("depth").first()
    if region is None and not scope.is_admin:
        raise PermissionDenied(_("只有登记管理机关可以导入新型研发机构。"))
    region = region or Unit.objects.filter(parent=None).first()
    errors, status = [], 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ImportFailed([])
            created = institutions_import_xlsx(by=request.user, data=upload.read(), name=upload.name,
                                               region=_root_of(region))
        except ImportFailed as e:
            errors, status = [str(x) for x in e.errors] or [_("请选择文件。")], 400
        else:
            messages.success(request, _("已导入 %(n)s 家机构。") % {"n": len(created)})
            return redirect("procedures_institutions")
    from .excel_io import INSTITUTION_COLUMNS

    return render(request, "procedures/import.html", {"errors": errors, "columns": INSTITUTION_COLUMNS,
                                                      "institutions": True, "nav_section": "procedures"}, status=status)


def _root_of(unit: Unit) -> Unit:
    ids = unit.ancestor_ids()
    return Unit.objects.get(pk=ids[0]) if ids else unit

