"""Ledger pages. Thin: parse, call a selector or service, render. Forms that carry photos are sent by
static/js/draft-form.js with XMLHttpRequest and answered in JSON, so a failed upload on a slow network
loses nothing (the page keeps the text and photos, and a draft is kept on the phone)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.http import XLSX, download, query_date
from luoshi.core.paging import CappedPaginator
from luoshi.core.paging import Paginator as LeanPaginator
from luoshi.org.models import Unit
from luoshi.org.resolve import UnitResolver, region_of
from luoshi.org.scopes import scope_for
from luoshi.tasks.forms import uploaded_files

from . import permissions as perms
from . import selectors, services
from .display import cut, pill_of, status_labels
from .filters import FindingFilterSet
from .forms import DecideForm, FindingForm, IssueForm, ReopenForm, RoundForm, SubmitForm, VerifyForm
from .models import (
    Escalation, EscalationState, Finding, FindingPhoto, FindingStatus, InspectionGroup, InspectionRound,
    Severity, Source,
)

PAGE_SIZE = 50
SEARCH_COUNT_CAP = 1000
# A unit filter with at least this many matches walks the found_on index for its first WALK_MAX_PAGE pages.
WALK_MIN_MATCHES = 10_000
WALK_MAX_PAGE = 10


def _int_or_none(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None
EXPORT_WEB_LIMIT = 50_000


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _form_errors(form) -> dict[str, list[str]]:
    return {field: [str(e) for e in errs] for field, errs in form.errors.items()}


def _field_name(field: str) -> str:
    """core.files reports upload problems under "files"; the ledger's forms call the field "photos"."""
    return "photos" if field == "files" else field


def _fail(request, message: str, errors: dict | None = None, status: int = 400):
    return JsonResponse({"ok": False, "message": message, "errors": errors or {}}, status=status)


def _program_ctx(request, program, *, nav: bool = False, access: selectors.LedgerAccess | None = None) -> dict:
    """`nav`: the page shows the ledger's tabs (ledger/_nav.html), which read their links from `ledger_links`.
    `access`: what `selectors.ledger_access` decided already (no permission asked again)."""
    manage, inspector = (access.manage, access.inspector) if access else perms.roles(request.user, program)
    ctx = {"program": program, "can_manage": manage, "is_inspector": inspector}
    return ctx | {"ledger_links": ledger_links(program)} if nav else ctx


LINKED_PAGES = {"findings": "ledger_findings", "create": "ledger_finding_create", "issue": "ledger_sheets_issue",
                "sheets": "ledger_sheets", "figures": "ledger_figures", "escalations": "ledger_escalations",
                "groups": "ledger_groups", "bulletin": "ledger_bulletin", "export": "ledger_export",
                "import": "ledger_import"}


def ledger_links(program) -> dict[str, str]:
    """The links of a program's ledger pages (tabs, forms), reversed in Python: a `{% url %}` in the template costs
    about four times a reverse() (ADR 0021)."""
    code = program.code
    return {"index": reverse("ledger_index")} | {k: reverse(name, args=[code]) for k, name in LINKED_PAGES.items()}


@login_required
def ledger_index(request):
    programs = selectors.ledger_programs(user=request.user)
    return render(request, "ledger/index.html", {"programs": programs})


# ---- findings ---------------------------------------------------------------------------------------

def _filters(request, program) -> tuple[FindingFilterSet, selectors.FindingFilters]:
    """The list's query parameters, checked (ledger.filters); the refused ones are left out and
    `filterset.messages()` says why."""
    filterset = FindingFilterSet(request.GET or None, categories=selectors.category_choices(program))
    values = filterset.values()
    if "category" in values:
        values["category"] = int(values["category"])
    if "unit" in values:
        # one row by its key: no `first()`, which would sort by path
        values["unit"] = next(iter(Unit.objects.filter(pk=values["unit"])[:1]), None)
    return filterset, selectors.FindingFilters(**values)


ROW_FIELDS = ("id", "code", "description", "category__name", "address", "repeat_count", "unit__name", "source",
              "severity", "found_on", "deadline", "status")


def finding_rows(findings, today) -> list[dict]:
    """What a list row shows, as plain values (from `.values(*ROW_FIELDS)` rows), with labels translated and
    the detail URL built once per page rather than once per row; small texts that sit side by side in a cell are
    joined here (the template still escapes them), so a row has fewer template variables."""
    labels = status_labels()
    sources, severities = ({k: str(v) for k, v in choices} for choices in (Source.choices, Severity.choices))
    pick, repeat = _("选择"), _("复发次数")
    detail = reverse("ledger_finding", args=[0]).removesuffix("0/")
    rows = []
    for f in findings:
        css, text, overdue = pill_of(f["status"], f["deadline"], today, labels)
        category, address = f["category__name"] or "", cut(f["address"], 30)
        rows.append({"pk": f["id"], "code": f["code"], "url": f"{detail}{f['id']}/",
                     "description": cut(f["description"], 60),
                     "place": f"{category} · {address}" if address else category,
                     "repeats": f"{repeat} {f['repeat_count']}" if f["repeat_count"] else "",
                     "unit": f["unit__name"], "source": sources.get(f["source"], f["source"]),
                     "severity": severities.get(f["severity"], f["severity"]), "found_on": f"{f['found_on']:%m-%d}",
                     "deadline": f"{f['deadline']:%m-%d}" if f["deadline"] else "—", "overdue": overdue,
                     "pill_css": css, "pill_text": text,
                     # the check box of a finding a sheet can be issued for (待交办), and its label
                     "pick": f"{pick} {f['code']}" if f["status"] == FindingStatus.RECORDED else ""})
    return rows


FILTER_SELECTS = ("status", "category", "source", "severity")
FILTER_FLAGS = ("overdue", "repeat")
FILTER_INPUTS = ("found_from", "found_to", "q")


def filter_controls(form) -> dict:
    """The list's filter form as plain values for ledger/finding_list.html, which writes the controls by hand
    (ADR 0009 rule 5: Django renders a select option by option through templates): the same markup and the
    same bound values as the form's widgets would give."""
    def bound(name):
        return form[name].value()

    def invalid(name):  # the widget then marks the control aria-invalid
        return name in form.errors

    selects = []
    for name in FILTER_SELECTS:
        value = bound(name)
        current = "" if value is None else str(value)
        selects.append({"name": name, "label": str(form.fields[name].label), "invalid": invalid(name),
                        "options": [(str(v), str(text), str(v) == current) for v, text in form.fields[name].choices]})
    flags = []
    for name in FILTER_FLAGS:
        widget, value = form.fields[name].widget, bound(name)
        flags.append({"name": name, "label": str(form.fields[name].label), "invalid": invalid(name),
                      "checked": widget.check_test(value),
                      "value": widget.format_value(value)})
    inputs = {name: {"label": str(form.fields[name].label), "invalid": invalid(name),
                     "value": form.fields[name].widget.format_value(bound(name))} for name in FILTER_INPUTS}
    return {"selects": selects, "flags": flags, "inputs": inputs}


@login_required
def finding_list(request, code):
    access = selectors.ledger_access(user=request.user, code=code)
    program, whole = access.program, access.whole
    filterset, filters = _filters(request, program)
    qs = selectors.finding_list(user=request.user, program=program, filters=filters, whole=whole)
    # The page's ids sorted and cut to the page on the finding table alone, in a subquery of the statement that reads
    # the shown columns of those 50 as plain values (no model instances) with the joins they need; the count
    # without joins.
    # A text search cannot use an index: count up to SEARCH_COUNT_CAP matches and say "more than".
    ids, count_rows = qs.values_list("id", flat=True), qs.order_by().select_related(None)
    paginator = (CappedPaginator(ids, PAGE_SIZE, cap=SEARCH_COUNT_CAP, count_rows=count_rows) if filters.q
                 else LeanPaginator(ids, PAGE_SIZE, count_rows=count_rows))
    total = None if filters.q else selectors.finding_list_total(user=request.user, program=program, filters=filters,
                                                                whole=whole)
    # a search for one or two Chinese characters: how many findings contain them is a maintained figure too
    counted = selectors.finding_search_count(user=request.user, program=program, filters=filters,
                                             whole=whole) if filters.q else None
    page_rows = None
    if total is not None:
        paginator.count = total  # the maintained figure (ledger.tallies) instead of a COUNT over the findings
    elif (filters.unit is None or filters.q) and _int_or_none(request.GET.get("page")) in (None, 1):
        # the first page (what Paginator.get_page shows for no number, 1, or not a number) needs no count to be
        # cut: its rows and the count in one statement
        page_rows, paginator.count = selectors.finding_first_page(
            ids, count_rows, order_by=qs.query.order_by, fields=ROW_FIELDS, size=PAGE_SIZE,
            cap=SEARCH_COUNT_CAP if filters.q else None, counted=counted)
    elif counted is not None:  # as CappedPaginator counts: at most the cap + 1
        paginator.count = selectors.search_count_read(counted, SEARCH_COUNT_CAP)
    if filters.unit is not None and not filters.q and paginator.count >= WALK_MIN_MATCHES and \
            _int_or_none(request.GET.get("page")) in (None, *range(1, WALK_MAX_PAGE + 1)):
        # Many matches in a unit's subtree: the first pages come quicker walking the list's order than sorting
        # every match (see selectors.finding_list); the count above stays the same query.
        paginator.object_list = selectors.finding_list(user=request.user, program=program, filters=filters,
                                                        walk_found_on=True, whole=whole).values_list("id", flat=True)
    page = paginator.get_page(request.GET.get("page"))
    if page_rows is None:
        page_rows = Finding.objects.filter(pk__in=page.object_list).order_by(*qs.query.order_by).values(*ROW_FIELDS)
    query = request.GET.copy()
    query.pop("page", None)
    ctx = _program_ctx(request, program, nav=True, access=access) | {
        "form": filterset.form, "filter_errors": filterset.messages(), "filters": filters, "page": page,
        "rows": finding_rows(page_rows, clock.today()),
        "query": query.urlencode(),
        # how many filters are set: the folded filter box says so on a phone
        "filters_active": sum(1 for v in query.values() if v)}
    if request.htmx and not request.htmx.boosted:
        return render(request, "ledger/_finding_table.html", ctx)
    return render(request, "ledger/finding_list.html", ctx | filter_controls(filterset.form))


@login_required
def finding_create(request, code):
    program = selectors.ledger_program_get(user=request.user, code=code)
    if not perms.is_inspector(request.user, program):
        raise Http404
    categories = selectors.categories(program)
    groups = list(InspectionGroup.objects.filter(program=program, is_active=True))
    mine = set(InspectionGroup.objects.filter(program=program, members=request.user).values_list("pk", flat=True))
    my_groups = [g for g in groups if g.pk in mine] or groups
    form = FindingForm(request.POST or None, categories=categories, groups=my_groups)
    ctx = _program_ctx(request, program) | {"form": form}
    if request.method != "POST":
        if len(my_groups) == 1:
            form.fields["group"].initial = my_groups[0].pk
        return render(request, "ledger/finding_form.html", ctx)
    error, errors = None, {}
    if form.is_valid():
        d = form.cleaned_data
        units, problems = UnitResolver(region_of(program.owner_unit)).resolve(d["unit"])
        if problems or len(units) != 1:
            errors["unit"] = problems or [_("请只填写一个责任单位。")]
        else:
            by_pk = {c.pk: c for c in categories}
            group = next((g for g in groups if g.pk == d["group"]), None)
            data = services.FindingInput(unit=units[0], description=d["description"], category=by_pk.get(d["category"]),
                                         severity=d["severity"], source=d["source"], address=d["address"],
                                         latitude=d["latitude"], longitude=d["longitude"], group=group,
                                         found_on=d["found_on"])
            try:
                finding = services.finding_record(by=request.user, program=program, data=data,
                                                  photos=uploaded_files(request, "photos", limit=None))
            except ServiceError as e:
                error = e.message
                if e.field:
                    errors[_field_name(e.field)] = [e.message]
            else:
                url = reverse("ledger_finding", args=[finding.pk])
                messages.success(request, _("问题 %(code)s 已登记。") % {"code": finding.code})
                if _wants_json(request):
                    return JsonResponse({"ok": True, "url": url, "code": finding.code})
                return HttpResponseRedirect(url)
    else:
        errors = _form_errors(form)
    error = error or _("请检查标红的内容。")
    for field, msgs in errors.items():
        if field in form.fields and field not in form.errors:
            form.add_error(field, msgs)
    if _wants_json(request):
        return _fail(request, error, errors)
    ctx["error"] = error
    if request.FILES:
        ctx["photos_lost"] = True
    return render(request, "ledger/finding_form.html", ctx, status=400)


@login_required
def finding_edit(request, pk):
    """Correct a finding (the office, or its reporter before 销号). Every change is journaled with a reason."""
    finding = selectors.finding_get(user=request.user, pk=pk)
    program = finding.program
    ctx = selectors.finding_detail(user=request.user, finding=finding)
    if not ctx["can_edit"]:
        raise Http404
    categories = selectors.categories(program)
    groups = list(InspectionGroup.objects.filter(program=program, is_active=True))
    initial = {"unit": finding.unit.name, "category": finding.category_id, "description": finding.description,
               "address": finding.address, "latitude": finding.latitude, "longitude": finding.longitude,
               "severity": finding.severity, "source": finding.source, "group": finding.group_id,
               "found_on": finding.found_on}
    form = FindingForm(request.POST or None, initial=initial, categories=categories, groups=groups)
    ctx.update(program=program, form=form, editing=True)  # finding_detail gave can_manage and is_inspector
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            units, problems = UnitResolver(region_of(program.owner_unit)).resolve(d["unit"])
            if problems or len(units) != 1:
                form.add_error("unit", problems or [_("请只填写一个责任单位。")])
            else:
                changes = dict(category=next((c for c in categories if c.pk == d["category"]), None),
                               description=d["description"], address=d["address"], latitude=d["latitude"],
                               longitude=d["longitude"], severity=d["severity"], source=d["source"],
                               found_on=d["found_on"] or finding.found_on)
                if units[0].pk != finding.unit_id:
                    changes["unit"] = units[0]
                try:
                    services.finding_update(by=request.user, finding=finding, reason=request.POST.get("reason", ""),
                                            **changes)
                except ServiceError as e:
                    ctx["error"] = e.message
                else:
                    messages.success(request, _("问题已修改。"))
                    return HttpResponseRedirect(reverse("ledger_finding", args=[pk]))
        ctx.setdefault("error", _("请检查标红的内容。"))
        return render(request, "ledger/finding_edit.html", ctx, status=400)
    return render(request, "ledger/finding_edit.html", ctx)


@login_required
def finding_detail(request, pk):
    finding = selectors.finding_get(user=request.user, pk=pk)
    ctx = selectors.finding_detail(user=request.user, finding=finding)  # with can_manage and is_inspector
    ctx.update(program=finding.program)
    ctx.update(submit_form=SubmitForm(), verify_form=VerifyForm(initial={"method": "on_site"}), reopen_form=ReopenForm(),
               today=clock.today())
    return render(request, "ledger/finding_detail.html", ctx)


def _finding_action(request, pk, action, form_class=None):
    """Run a service on a finding from a POST. JSON for draft-form.js, a redirect with a message otherwise;
    a refused or invalid form keeps what was typed (JSON) or shows the reason on the page."""
    finding = selectors.finding_get(user=request.user, pk=pk)
    url = reverse("ledger_finding", args=[pk])
    form = form_class(request.POST) if form_class else None
    try:
        if form is not None and not form.is_valid():
            raise ServiceError(_("请检查填写的内容。"))
        message = action(finding, form.cleaned_data if form is not None else None)
    except ServiceError as e:
        errors = _form_errors(form) if form is not None and form.errors else (
            {_field_name(e.field): [e.message]} if e.field else {})
        if _wants_json(request):
            return _fail(request, e.message, errors, status=403 if isinstance(e, PermissionDeniedError) else 400)
        detail = "；".join(m for msgs in errors.values() for m in msgs)
        messages.error(request, f"{e.message}{'（' + detail + '）' if detail and detail != e.message else ''}")
        return HttpResponseRedirect(url)
    messages.success(request, message)
    if _wants_json(request):
        return JsonResponse({"ok": True, "url": url})
    return HttpResponseRedirect(url)


@require_POST
@login_required
def finding_submit(request, pk):
    def act(finding, d):
        services.finding_submit(by=request.user, finding=finding, text=d["text"],
                                photos=uploaded_files(request, "photos", limit=None))
        return _("整改情况已报送，等待督导组核验。")
    return _finding_action(request, pk, act, SubmitForm)


@require_POST
@login_required
def finding_verify(request, pk):
    def act(finding, d):
        close = d["outcome"] == "close"
        services.finding_verify(by=request.user, finding=finding, close=close, method=d["method"], reason=d["reason"])
        return _("已核验销号。") if close else _("已退回责任单位重新整改。")
    return _finding_action(request, pk, act, VerifyForm)


@require_POST
@login_required
def finding_reopen(request, pk):
    def act(finding, d):
        services.finding_reopen(by=request.user, finding=finding, text=d["text"],
                                photos=uploaded_files(request, "photos", limit=None))
        return _("问题已复发重开，并通知责任单位。")
    return _finding_action(request, pk, act, ReopenForm)


@require_POST
@login_required
def finding_publish(request, pk):
    public = request.POST.get("public") == "1"

    def act(finding, d):
        services.finding_publish(by=request.user, finding=finding, public=public)
        return _("已在曝光台公开。") if public else _("已从曝光台撤回。")
    return _finding_action(request, pk, act)


@login_required
def photo(request, pk, variant):
    """A finding photo for signed-in readers of the finding. The original (with EXIF) only for staff who
    may read the finding; pages show the processed copy."""
    p = FindingPhoto.objects.select_related("finding", "original").filter(pk=pk).first()
    if p is None:
        raise Http404
    selectors.finding_get(user=request.user, pk=p.finding_id)  # 404 unless the user may read the finding
    if variant == "original" or not p.processed_at or p.process_error:
        f = p.original.file
        return FileResponse(f.open("rb"), content_type=p.original.content_type)
    f = p.display if variant == "display" else p.thumb
    return FileResponse(f.open("rb"), content_type="image/jpeg")


# ---- sheets -----------------------------------------------------------------------------------------

@require_POST
@login_required
def sheets_issue(request, code):
    program = selectors.ledger_program_get(user=request.user, code=code)
    form = IssueForm(request.POST)
    ids = [int(i) for i in request.POST.getlist("finding") if i.isdigit()]
    findings = list(selectors.findings_visible(user=request.user, program=program).filter(pk__in=ids))
    back = reverse("ledger_findings", args=[code]) + "?status=recorded"
    try:
        if not form.is_valid():
            raise ServiceError("；".join(m for msgs in _form_errors(form).values() for m in msgs))
        sheets = services.sheets_issue(by=request.user, program=program, findings=findings,
                                       requirements=form.cleaned_data["requirements"],
                                       deadline=form.cleaned_data["deadline"])
    except ServiceError as e:
        messages.error(request, e.message)
        return HttpResponseRedirect(back)
    messages.success(request, _("已生成交办单 %(numbers)s。") % {"numbers": "、".join(s.number for s in sheets)})
    if len(sheets) == 1:
        return HttpResponseRedirect(reverse("ledger_sheet", args=[sheets[0].pk]))
    return HttpResponseRedirect(reverse("ledger_sheets", args=[code]))


@login_required
def sheet_list(request, code):
    program = selectors.ledger_program_get(user=request.user, code=code)
    page = Paginator(selectors.sheet_list(user=request.user, program=program), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ledger/sheet_list.html", _program_ctx(request, program, nav=True) | {"page": page})


@login_required
def sheet_detail(request, pk):
    sheet = selectors.sheet_get(user=request.user, pk=pk)
    findings = list(sheet.findings.select_related("category").order_by("seq"))
    ctx = _program_ctx(request, sheet.program) | {
        "sheet": sheet, "findings": findings, "today": clock.today(),
        "can_acknowledge": not sheet.acknowledged_at and perms.acts_for_unit(request.user, sheet.unit_path)}
    return render(request, "ledger/sheet_detail.html", ctx)


@require_POST
@login_required
def sheet_acknowledge(request, pk):
    sheet = selectors.sheet_get(user=request.user, pk=pk)
    try:
        services.sheet_acknowledge(by=request.user, sheet=sheet)
        messages.success(request, _("交办单已签收，请按时限整改。"))
    except ServiceError as e:
        messages.error(request, e.message)
    return HttpResponseRedirect(reverse("ledger_sheet", args=[pk]))


# ---- figures, escalations, groups, outputs -------------------------------------------------------------

@login_required
def figures(request, code):
    access = selectors.ledger_access(user=request.user, code=code)  # the membership asked once
    program = access.program
    by = request.GET.get("by", "unit")
    found_from, found_to = query_date(request, "from"), query_date(request, "to")
    bad = [n for n in ("from", "to") if request.GET.get(n) and query_date(request, n) is None]
    data = selectors.ledger_figures(user=request.user, program=program, by=by, found_from=found_from, found_to=found_to,
                                    whole=access.whole)
    ctx = _program_ctx(request, program, nav=True, access=access) | data | {
        "bad_dates": bad, "list_url": reverse("ledger_findings", args=[code]),
        "groupings": [("unit", _("按单位")), ("category", _("按类别")), ("source", _("按来源")), ("severity", _("按严重程度"))]}
    return render(request, "ledger/figures.html", ctx)


@login_required
def escalations(request, code):
    program = selectors.ledger_program_get(user=request.user, code=code)
    state = request.GET.get("state", EscalationState.PROPOSED)
    if state not in EscalationState.values and state != "all":
        state = EscalationState.PROPOSED
    qs = selectors.escalation_list(user=request.user, program=program, state="" if state == "all" else state)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = dict(selectors.escalations_visible(user=request.user, program=program).order_by()
                  .values_list("state").annotate(n=Count("id")))
    return render(request, "ledger/escalations.html", _program_ctx(request, program, nav=True) | {
        "page": page, "state": state, "states": EscalationState.choices, "counts": counts, "decide_form": DecideForm()})


@require_POST
@login_required
def escalation_decide(request, pk):
    esc = (Escalation.objects.visible_to(scope_for(request.user)).select_related("program__owner_unit", "finding")
           .filter(pk=pk).first())
    if esc is None:
        raise Http404
    form = DecideForm(request.POST)
    back = reverse("ledger_escalations", args=[esc.program.code])
    if not form.is_valid():
        messages.error(request, "；".join(m for msgs in _form_errors(form).values() for m in msgs))
        return HttpResponseRedirect(back)
    d = form.cleaned_data
    upload = request.FILES.get("document")
    try:
        services.escalation_decide(by=request.user, escalation=esc, confirm=d["decision"] == "confirm",
                                   held_on=d["held_on"], attendees=d["attendees"], minutes=d["minutes"], note=d["note"],
                                   document=(upload.name, upload.read()) if upload else None)
    except ServiceError as e:
        messages.error(request, _("%(code)s %(step)s：%(message)s") % {"code": esc.finding.code, "step": esc.step_name,
                                                                      "message": e.message})
        return HttpResponseRedirect(back)
    messages.success(request, _("已处理：%(code)s %(step)s。") % {"code": esc.finding.code, "step": esc.step_name})
    return HttpResponseRedirect(back)


@login_required
def groups(request, code):
    program = selectors.ledger_program_get(user=request.user, code=code)
    visible = selectors.findings_visible(user=request.user, program=program)
    counts = dict(visible.exclude(group=None).order_by().values_list("group_id").annotate(n=Count("id")))
    group_list = list(InspectionGroup.objects.filter(program=program).prefetch_related("members", "units")
                      .select_related("leader"))
    for g in group_list:
        g.n_findings = counts.get(g.pk, 0)  # only the findings this user may read
    mine = [g for g in group_list if any(m.pk == request.user.pk for m in g.members.all())]
    can_plan = perms.can_manage(request.user, program) or bool(mine)
    form = RoundForm(request.POST or None, initial={"date": clock.today()})
    form.fields["group"].choices = [(g.pk, g.name) for g in (group_list if perms.can_manage(request.user, program) else mine)]
    if request.method == "POST" and request.POST.get("done"):
        done = request.POST["done"]
        rnd = InspectionRound.objects.filter(group__program=program, pk=int(done)).select_related("group").first() \
            if done.isdigit() else None
        if rnd is None:
            raise Http404
        try:
            services.round_done(by=request.user, round=rnd, note=request.POST.get("note", ""))
            messages.success(request, _("已记录督导完成：%(group)s %(date)s。") % {"group": rnd.group.name, "date": rnd.date})
        except ServiceError as e:
            messages.error(request, e.message)
        return HttpResponseRedirect(reverse("ledger_groups", args=[code]))
    if request.method == "POST":
        if not can_plan:
            raise Http404
        if form.is_valid():
            group = next(g for g in group_list if g.pk == form.cleaned_data["group"])
            try:
                services.round_create(by=request.user, group=group, date=form.cleaned_data["date"],
                                      note=form.cleaned_data["note"])
                messages.success(request, _("已安排督导：%(group)s %(date)s。") % {"group": group.name,
                                                                            "date": form.cleaned_data["date"]})
                return HttpResponseRedirect(reverse("ledger_groups", args=[code]))
            except ServiceError as e:
                messages.error(request, e.message)
    rounds = list(InspectionRound.objects.filter(group__program=program).select_related("group")
                  .order_by("-date", "-id")[:30])
    per_round = dict(visible.filter(round__in=rounds).order_by().values_list("round_id").annotate(n=Count("id")))
    for r in rounds:
        r.n = per_round.get(r.pk, 0)
    return render(request, "ledger/groups.html", _program_ctx(request, program, nav=True) | {
        "groups": group_list, "rounds": rounds, "form": form, "can_plan": can_plan})


@login_required
def ledger_export(request, code):
    from .excel import ledger_export_xlsx

    program = selectors.ledger_program_get(user=request.user, code=code)
    _filterset, filters = _filters(request, program)
    n = selectors.finding_list(user=request.user, program=program, filters=filters).count()
    if n > EXPORT_WEB_LIMIT:
        # ~4,000 rows a second: a whole city's ledger would hold a web worker for a minute
        messages.error(request, _("所选范围共有 %(n)s 个问题，超过网页导出上限 %(limit)s 个。请按日期、单位或状态缩小范围，"
                                  "或在服务器上运行 luoshi ledger export。") % {"n": n, "limit": EXPORT_WEB_LIMIT})
        return HttpResponseRedirect(reverse("ledger_findings", args=[code]) + "?" + request.GET.urlencode())
    data = ledger_export_xlsx(user=request.user, program=program, filters=filters)
    return download(data, f"{program.name}-问题台账-{clock.today():%Y%m%d}.xlsx", XLSX)


@login_required
def ledger_import(request, code):
    program = selectors.ledger_program_get(user=request.user, code=code)
    if not perms.can_manage(request.user, program):
        raise Http404
    ctx = _program_ctx(request, program, nav=True)
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            ctx["errors"] = [_("请选择要导入的 Excel 文件。")]
            status = 400
        else:
            from .excel import ledger_import_xlsx

            dry_run = request.POST.get("dry_run") == "1"
            try:
                report = ledger_import_xlsx(by=request.user, program=program, data=upload.read(), dry_run=dry_run,
                                            filename=upload.name)
            except ImportFailed as e:
                ctx["errors"], status = e.errors, 400
            except ServiceError as e:
                ctx["errors"], status = [e.message], 403 if isinstance(e, PermissionDeniedError) else 400
            else:
                if dry_run:
                    ctx["report"] = report
                else:
                    messages.success(request, _("导入完成：新增问题 %(n)s 个。") % {"n": report["created"]})
                    if report["existing"]:
                        messages.info(request, _("%(n)s 行的问题编号已在台账中，未重复导入：%(codes)s") % {
                            "n": report["existing"], "codes": "、".join(report["existing_codes"][:10])})
                    return HttpResponseRedirect(reverse("ledger_findings", args=[code]))
    return render(request, "ledger/import.html", ctx, status=status)
