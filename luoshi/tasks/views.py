"""Pages for programs and tasks. Each view: parse → authorize (selectors/services) → render."""
from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _, gettext_noop
from django.views.decorators.http import require_POST

from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.http import XLSX, download
from luoshi.core.paging import Pager
from luoshi.core.formats import day_text
from luoshi.core.reasons import reason_text
from luoshi.core.jinja_filters import LABELS
from luoshi.org.lookups import path_unit_id
from luoshi.org.models import Person, Role, Unit
from luoshi.org.resolve import LeaderResolver, UnitResolver, region_of
from luoshi.org.scopes import scope_for
from luoshi.programs.models import Program

from . import selectors, services
from .exporter import tasks_export_xlsx
from .forms import (
    STATUS_CHOICES, ClosureForm, DecisionForm, ExtensionForm, ImportForm, MilestoneDoneForm, MilestoneUndoForm,
    ProgramForm, ProgramPublicationForm, ReportForm, TaskFilterForm, TaskForm, uploaded_files,
)
from .importer import tasks_import_xlsx
from .models import ClosureRequest, ExtensionRequest, Milestone, Task, TaskStatus


# what a program page reads with its program: the nav's 问题台账 link asks whether the program has a ledger (a reverse
# one-to-one, read in the same query instead of one of its own)
PROGRAM_PAGE_RELATED = ("ledger",)


def program_nav(request, program: Program, *, can_manage: bool) -> dict:
    """What tasks/_program_nav.html shows besides the program's own fields, as plain values: the tabs' links (reversed
    here, cheaper than {% url %} in the template) and which tab is the current page."""
    code = [program.code]
    nav = {"current": request.resolver_match.url_name if request.resolver_match else "",
           "overview": reverse("program_overview", args=code), "tasks": reverse("task_list", args=code),
           "league": reverse("program_league", args=code),
           "docx": reverse("program_bulletin", args=[program.code, "docx"]),
           "xlsx": reverse("program_bulletin", args=[program.code, "xlsx"]),
           "ledger": reverse("ledger_findings", args=code) if hasattr(program, "ledger") else ""}
    if can_manage:
        nav.update(task_import=reverse("task_import", args=code), task_create=reverse("task_create", args=code))
    return nav


@login_required
def workbench(request):
    data = selectors.workbench(user=request.user)
    if not any(data["counts"].values()) and "board" not in request.GET:
        # no task to read at all (an inspector, evaluator, expert, dispatcher …): their day starts on 待办
        return HttpResponseRedirect(reverse("inbox"))
    return render(request, "tasks/workbench.html", workbench_rows(data))



# the 工作台's short lists: (key in selectors.workbench, title length); assignment rows name their fields task__…
WORKBENCH_LISTS = (("to_acknowledge", 40), ("my_red", 36), ("my_due_soon", 36), ("my_tasks", 36),
                   ("red_tasks", 36), ("due_soon", 36), ("led_tasks", 36), ("pending_closures", 36),
                   ("pending_extensions", 36))


def workbench_rows(data: dict) -> dict:
    """The 工作台's lists as the rows tasks/workbench.html shows (ADR 0009): links from one reversed URL, titles
    cut, the status label translated once, dates formatted — the same markup the template used to build with
    {% url %}, truncatechars, {% status_pill %} and |date per row."""
    detail = reverse("task_detail", args=[0])[:-2]
    labels = {status: str(label) for status, label in LABELS.items()}
    month_day = _("n月j日")
    # the requests' days, each formatted once (the office's 40 pending requests fall on a few days; date_format
    # reads the format and the translations anew each time)
    days: dict[dt.date, str] = {}

    def requested(at) -> str:
        day = clock.localtime(at).date()
        text = days.get(day)
        if text is None:
            text = days[day] = date_format(day, month_day)
        return text

    for key, length in WORKBENCH_LISTS:
        rows = data.get(key)
        if rows is None:
            continue
        out = []
        for r in rows:
            if "task_id" in r:  # an assignment or a request: the task's fields are task__…
                task_id, code, title = r["task_id"], r["task__code"], r["task__title"]
                status, reason = r.get("task__status", ""), reason_text(r.get("task__status_reason", ""))
                row = {"unit": r["unit__name"], "role_label": r.get("role_label", ""),
                       "deadline": r.get("task__deadline_phrase", ""), "progress": str(r.get("task__progress", ""))}
                if "requested_at" in r:
                    row["requested"] = requested(r["requested_at"])
                if r.get("new_deadline") is not None:
                    row["new_deadline"] = _("· 申请延至%(date)s") % {"date": day_text(r["new_deadline"])}
            else:
                task_id, code, title, status = r["id"], r["code"], r["title"], r["status"]
                reason = reason_text(r["status_reason"])
                row = {"units": _cut(r["lead_units_text"], 20), "progress": str(r["progress"])}
            row.update(id=task_id, task_id=task_id, url=f"{detail}{task_id}/", code=code, title=_cut(title, length), status=status,
                       label=labels.get(status, status), reason=reason)
            out.append(row)
        data[key] = out
    return data


@login_required
def program_list(request):
    programs = list(selectors.program_list(user=request.user))
    can_create = scope_for(request.user).has_role(Role.OFFICE)
    return render(request, "tasks/program_list.html", {"programs": programs, "can_create": can_create})


@login_required
def program_create(request):
    scope = scope_for(request.user)
    if not scope.has_role(Role.OFFICE):
        return render(request, "403.html", {"message": _("只有督查室/办公室人员可以新建专项工作。")}, status=403)
    office_units = Unit.objects.all() if scope.is_admin else \
        Unit.objects.filter(pk__in=[int(path_unit_id(p)) for p in scope.paths_for(Role.OFFICE)])
    form = ProgramForm(request.POST or None, initial={"year": clock.today().year})
    form.fields["owner_unit"].choices = [  # type: ignore[attr-defined]  # a ModelChoiceField
        (u.pk, u.name) for u in office_units.order_by("path")[:500]]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            program = services.program_create(by=request.user, owner_unit=Unit.objects.get(pk=d.pop("owner_unit")), **d)
        except ServiceError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, _("已新建专项工作“%(name)s”。可以导入任务清单或逐项添加任务。") % {"name": program.name})
            return HttpResponseRedirect(reverse("program_overview", args=[program.code]))
    return render(request, "tasks/program_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def program_overview(request, code, unit_id=None):
    """The overview; with `unit_id` (the ▸ of a unit row) the unit table opens at that unit: an htmx request
    gets the rows of its children, any other the page with the table opened there."""
    program = selectors.program_get(user=request.user, code=code, related=PROGRAM_PAGE_RELATED)
    under = get_object_or_404(Unit, pk=unit_id) if unit_id else None
    urls = {"list_url": reverse("task_list", args=[program.code]),
            "overview_url": reverse("program_overview", args=[program.code])}
    if under and request.htmx and not request.htmx.boosted:
        rows = selectors.program_unit_rows(user=request.user, program=program, unit=under)
        return render(request, "tasks/_unit_rows.html", {"rows": rows, **urls})
    data = selectors.program_overview(user=request.user, program=program, under=under)
    can_manage = selectors.program_can_manage(user=request.user, program=program)
    data.update(program=program, can_manage=can_manage, under_given=under is not None,
                program_nav=program_nav(request, program, can_manage=can_manage), **urls)
    if data["can_manage"]:
        data["publication_form"] = ProgramPublicationForm(initial={"is_public": program.is_public,
                                                                   "is_shishi": program.is_shishi,
                                                                   "public_review": program.public_review})
    return render(request, "tasks/program_overview.html", data)


@login_required
@require_POST
def program_publish(request, code):
    """阳光公开: the office publishes the program (公开通报) and/or marks it 民生实事."""
    program = selectors.program_get(user=request.user, code=code)
    form = ProgramPublicationForm(request.POST)
    if form.is_valid():
        try:
            services.program_update(by=request.user, program=program, **form.cleaned_data)
        except PermissionDeniedError as e:
            return render(request, "403.html", {"message": e.message}, status=403)
        messages.success(request, _("已保存公开设置。"))
    return HttpResponseRedirect(reverse("program_overview", args=[program.code]))


@login_required
def task_list(request, code):
    program = selectors.program_get(user=request.user, code=code, related=PROGRAM_PAGE_RELATED)
    form = TaskFilterForm(request.GET or None)
    filters = selectors.TaskFilters(program=program)
    if form.is_valid():
        d = form.cleaned_data
        filters.status, filters.q, filters.category, filters.mine = d["status"], d["q"], d["category"], d["mine"]
        filters.lead_only, filters.top_level = d["role"] in ("lead", "own"), d["top"]
        filters.own_unit = d["role"] == "own"
        if d["unit"]:
            filters.unit = Unit.objects.filter(pk=d["unit"]).first()
        if d["leader"]:
            filters.leader = Person.objects.filter(pk=d["leader"]).first()
    # the total, when the tallies keep it, is known already or comes with the rows (no statement of its own)
    listed, total = selectors.task_list_page_rows(user=request.user, filters=filters)
    page = Pager(listed, 50, count=total, count_key=selectors.LISTED_TOTAL).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = task_table_rows(page.object_list, selectors.children_rollup(r["id"] for r in page.object_list))
    ctx = {"program": program, "page": page, "tasks": rows, "filters": filters, "query": query,
           "can_manage": selectors.program_can_manage(user=request.user, program=program)}
    if request.htmx and not request.htmx.boosted:
        return render(request, "tasks/_task_table.html", ctx)
    # the filter form's fields as plain values (the widgets' own templates cost more than the rows around them)
    status = form["status"].value() or ""
    ctx.update(program_nav=program_nav(request, program, can_manage=ctx["can_manage"]),
               status_options=[(value, label, value == status) for value, label in STATUS_CHOICES],
               q=form["q"].value() or "", mine=form["mine"].value(),
               show_mine=bool(scope_for(request.user).paths_for(Role.LIAISON)))
    return render(request, "tasks/task_list.html", ctx)


# (status, css class, the "n 红灯" text) in the order a roll-up of subtasks lists them (as tasks/_rollup.html)
ROLLUP_PARTS = (("red", "r", gettext_noop("%(n)s 红灯")), ("yellow", "y", gettext_noop("%(n)s 黄灯")),
                ("normal", "", gettext_noop("%(n)s 正常")), ("extended", "", gettext_noop("%(n)s 已延期")),
                ("closed", "", gettext_noop("%(n)s 已办结")))


def _cut(text: str, length: int) -> str:
    """truncatechars: most texts are short enough already, and then this costs a len()."""
    return text if len(text) <= length else Truncator(text).chars(length)


def task_table_rows(rows: list[dict], rollups: dict[int, dict]) -> list[dict]:
    """What tasks/_task_table.html shows of each task (rows of selectors.task_list_rows, `rollups` from
    selectors.children_rollup), as plain values: texts cut and translated, numbers as text (a number costs the
    template a localisation each time it is shown), the link built from one reversed URL, the subtasks' counts as
    (css class, text) pairs."""
    detail = reverse("task_detail", args=[0])[:-2]  # ".../tasks/" + id + "/"
    labels = {status: str(label) for status, label in LABELS.items()}
    out = []
    for r in rows:
        child = r["parent_id"] is not None
        rollup = rollups.get(r["id"])
        reason = reason_text(r["status_reason"])
        out.append({
            "id": r["id"], "code": r["code"], "url": f"{detail}{r['id']}/", "child": child,
            "title": _cut(r["title"], 60), "category": "" if child else r["category"],
            "rollup": rollup and [(css, _(text) % {"n": rollup["counts"][status]}) for status, css, text in ROLLUP_PARTS
                                  if rollup["counts"].get(status)],
            "units": _cut(r["lead_units_text"], 24), "leaders": r["leaders_text"], "deadline": r["deadline_phrase"],
            "extended": _("延至%(date)s") % {"date": day_text(r["extended_deadline"])} if r["extended_deadline"] else "",
            "progress": str(r["progress"]), "status": r["status"], "label": labels.get(r["status"], r["status"]),
            "reason": reason, "note": reason if r["status"] != "closed" else "",
        })
    return out


@login_required
def task_export(request, code):
    program = selectors.program_get(user=request.user, code=code)
    tasks = selectors.task_list(user=request.user, filters=selectors.TaskFilters(program=program))
    return download(tasks_export_xlsx(program=program, tasks=tasks), f"{program.name}-任务清单.xlsx", XLSX)


def _pending_imports() -> Path:
    """Checked-but-unconfirmed uploads wait here; read at call time so MEDIA_ROOT overrides apply.
    Files older than a day are abandoned checks and are removed on the next upload."""
    folder = Path(settings.MEDIA_ROOT) / "pending-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _clean_pending_imports(folder: Path) -> None:
    cutoff = time.time() - 86400
    for f in folder.glob("*.xlsx"):
        try:
            if f.stat().st_mtime < cutoff:
                f.unlink()
        except OSError:  # removed by a concurrent request
            pass


@login_required
def task_import(request, code):
    """Upload → check (dry run) → confirm. The checked file waits under a random token until confirmed."""
    program = selectors.program_get(user=request.user, code=code, related=PROGRAM_PAGE_RELATED)
    if not selectors.program_can_manage(user=request.user, program=program):
        return render(request, "403.html", {"message": _("只有主办单位可以导入任务清单。")}, status=403)
    form = ImportForm(request.POST or None, request.FILES or None)
    # the import page's tabs have never offered 导入清单/添加任务 (it is the page, and did not pass can_manage): as it was
    ctx = {"program": program, "form": form, "program_nav": program_nav(request, program, can_manage=False)}
    status = 200
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        upload = form.cleaned_data["file"]
        pending = _pending_imports()
        if upload:
            data, name = upload.read(), upload.name
            token = uuid.uuid4().hex
            _clean_pending_imports(pending)
            request.session[f"import:{token}"] = name  # the file waits only once its check has passed
        elif token and request.session.get(f"import:{token}") and (pending / f"{token}.xlsx").exists():
            data, name = (pending / f"{token}.xlsx").read_bytes(), request.session[f"import:{token}"]
        else:
            form.add_error("file", _("请选择要导入的 Excel 文件。"))
            return render(request, "tasks/import.html", ctx, status=400)
        dry_run = bool(upload) and form.cleaned_data["dry_run"]
        # The check lists the 责任领导 that have no account; writing creates them only when confirmed.
        create_leaders = dry_run or form.cleaned_data["create_leaders"]
        try:
            report = tasks_import_xlsx(by=request.user, data=data, program=program, filename=name, dry_run=dry_run,
                                       create_leaders=create_leaders)
        except ImportFailed as e:
            ctx["errors"] = e.errors
            status = 400
        except ServiceError as e:
            ctx["errors"] = [e.message]
            status = 403 if isinstance(e, PermissionDeniedError) else 400
        else:
            ctx["report"] = report
            if dry_run:
                (pending / f"{token}.xlsx").write_bytes(data)
                ctx["token"], ctx["filename"] = token, name
            else:
                (pending / f"{token}.xlsx").unlink(missing_ok=True)
                messages.success(request, _("导入完成：新建 %(created)s 项，更新 %(updated)s 项，未变 %(unchanged)s 项。")
                                 % {"created": report.created, "updated": report.updated,
                                    "unchanged": report.unchanged})
                if report.new_leaders:
                    messages.info(request, _("已创建责任领导（无登录账号）：%(names)s。") % {"names": "、".join(report.new_leaders)})
                return HttpResponseRedirect(reverse("task_list", args=[program.code]))
    elif request.method == "POST":  # the form refused the upload (an empty file, …): say so, above the form
        ctx["errors"] = [f"{form.fields[name].label}：{'；'.join(str(e) for e in errs)}" if name in form.fields
                         else "；".join(str(e) for e in errs) for name, errs in form.errors.items()]
        status = 400
    return render(request, "tasks/import.html", ctx, status=status)


@login_required
def program_league(request, code):
    program = selectors.program_get(user=request.user, code=code, related=PROGRAM_PAGE_RELATED)
    rows = selectors.unit_league(user=request.user, program=program)
    # the league's tabs have never offered 导入清单/添加任务 (the page did not ask can_manage): kept as it was
    return render(request, "tasks/league.html", {"program": program, "rows": rows,
                                                 "program_nav": program_nav(request, program, can_manage=False),
                                                 "as_of": selectors.league_day(program),
                                                 "list_url": reverse("task_list", args=[program.code])})


# ---- one task ----------------------------------------------------------------------------------------

@login_required
def task_detail(request, pk):
    task = selectors.task_get(user=request.user, pk=pk)
    ctx = selectors.task_detail(user=request.user, task=task)
    ctx["rollup"] = selectors.children_rollup([task.pk]).get(task.pk)
    acting = selectors.units_user_acts_for(user=request.user, task=task)
    ctx.update(task=task, program=task.program, acting=acting,
               is_lead_liaison=any(a.role == "lead" for a in acting),
               can_manage=selectors.program_can_manage(user=request.user, program=task.program),
               report_form=ReportForm(), extension_form=ExtensionForm(), closure_form=ClosureForm(),
               decision_form=DecisionForm(), status_choices=TaskStatus, today=clock.today(),
               milestone_url=reverse("milestone_done", args=[0]).removesuffix("0/done/"))
    return render(request, "tasks/task_detail.html", ctx)


def _task_action(request, pk, action):
    """Run a task service from a POST; on refusal show the message on the task page."""
    task = selectors.task_get(user=request.user, pk=pk)
    try:
        action(task)
    except ServiceError as e:
        messages.error(request, e.message)
        if request.htmx:
            return HttpResponse(status=204, headers={"HX-Redirect": reverse("task_detail", args=[pk])})
        return HttpResponseRedirect(reverse("task_detail", args=[pk]))
    return HttpResponseRedirect(reverse("task_detail", args=[pk]))


def _warn_past_deadline(request, task: Task) -> None:
    """A deadline phrase that resolves to a day already past (三季度 written in December) makes the task red from
    the start: say so at once, with the date it was read as, instead of letting the list show a new red task."""
    deadline = task.effective_deadline
    if task.deadline_kind == "date" and deadline and deadline < clock.today() and not task.is_closed:
        messages.warning(request, _("完成时限“%(phrase)s”按 %(year)s 年理解为 %(date)s，已经过去，任务一建立就是红灯。"
                                    "如应为明年，请在时限中写明年份（如“%(next)s年三季度”）。")
                         % {"phrase": task.deadline_phrase or "—", "year": task.program.year, "date": day_text(deadline),
                            "next": clock.today().year + 1})


def _form_errors(form) -> str:
    def one(f, errs):
        label = form.fields[f].label if f in form.fields else ""
        # Translators: separates the error messages of one form field.
        text = _("，").join(errs)
        return (_("%(label)s：%(errors)s") % {"label": label, "errors": text} if label != "" else text).lstrip("：")
    # Translators: separates the errors of different form fields.
    return _("；").join(one(f, errs) for f, errs in form.errors.items())


@require_POST
@login_required
def task_acknowledge(request, pk):
    unit = Unit.objects.filter(pk=request.POST.get("unit")).first() if request.POST.get("unit") else None

    def act(task):
        a = services.task_acknowledge(by=request.user, task=task, unit=unit)
        messages.success(request, _("%(unit)s已签收。") % {"unit": a.unit.name})
    return _task_action(request, pk, act)


@require_POST
@login_required
def task_report(request, pk):
    form = ReportForm(request.POST)
    unit = Unit.objects.filter(pk=request.POST.get("unit")).first() if request.POST.get("unit") else None

    def act(task):
        if not form.is_valid():
            raise ServiceError(_form_errors(form))
        services.task_report_progress(by=request.user, task=task, text=form.cleaned_data["text"],
                                      percent=form.cleaned_data["percent"], files=uploaded_files(request), unit=unit)
        messages.success(request, _("进展已报送。"))
    return _task_action(request, pk, act)


@require_POST
@login_required
def report_release(request, pk):
    """阳光公开 review of one lead report: 公开 or 不予公开 (with a reason), by the program's office."""
    report = get_object_or_404(selectors.reports_visible(user=request.user), pk=pk)
    release = request.POST.get("decision") == "release"

    def act(task):
        services.report_release(by=request.user, report=report, release=release, note=request.POST.get("note", ""))
        messages.success(request, _("进展已公开。") if release else _("已决定不予公开。"))
    return _task_action(request, report.task_id, act)


@require_POST
@login_required
def task_extension(request, pk):
    form = ExtensionForm(request.POST)

    def act(task):
        if not form.is_valid():
            raise ServiceError(_form_errors(form))
        services.task_request_extension(by=request.user, task=task, **form.cleaned_data)
        messages.success(request, _("延期申请已提交，等待督查室审核。"))
    return _task_action(request, pk, act)


@require_POST
@login_required
def task_closure(request, pk):
    form = ClosureForm(request.POST)

    def act(task):
        if not form.is_valid():
            raise ServiceError(_form_errors(form))
        services.task_request_closure(by=request.user, task=task, summary=form.cleaned_data["summary"],
                                      files=uploaded_files(request))
        messages.success(request, _("办结申请已提交，等待督查室审核。"))
    return _task_action(request, pk, act)


def _milestone_action(request, pk, action):
    """A milestone's task must be readable by the user (else 404), then as _task_action."""
    task_id = get_object_or_404(Milestone.objects.only("task_id"), pk=pk).task_id
    selectors.task_get(user=request.user, pk=task_id)
    return _task_action(request, task_id, lambda task: action(Milestone.objects.select_related("task__program")
                                                              .get(pk=pk)))


@require_POST
@login_required
def milestone_done(request, pk):
    form = MilestoneDoneForm(request.POST)

    def act(milestone):
        if not form.is_valid():
            raise ServiceError(_form_errors(form))
        services.milestone_mark_done(by=request.user, milestone=milestone, done_on=form.cleaned_data["done_on"],
                                     evidence=form.cleaned_data["evidence"])
        messages.success(request, _("时间节点“%(t)s”已标记完成。") % {"t": milestone.title})
    return _milestone_action(request, pk, act)


@require_POST
@login_required
def milestone_undo(request, pk):
    form = MilestoneUndoForm(request.POST)

    def act(milestone):
        if not form.is_valid():
            raise ServiceError(_form_errors(form))
        services.milestone_undo(by=request.user, milestone=milestone, reason=form.cleaned_data["reason"])
        messages.success(request, _("已撤销时间节点“%(t)s”的完成标记。") % {"t": milestone.title})
    return _milestone_action(request, pk, act)


@require_POST
@login_required
def extension_decide(request, pk):
    req = get_object_or_404(ExtensionRequest.objects.visible_to(scope_for(request.user))
                            .select_related("task__program__owner_unit"), pk=pk)
    form = DecisionForm(request.POST)

    def act(task):
        if not form.is_valid():
            raise ServiceError(_form_errors(form))
        approve = form.cleaned_data["decision"] == "approve"
        services.task_decide_extension(by=request.user, request=req, approve=approve, note=form.cleaned_data["note"])
        messages.success(request, _("已同意延期。") if approve else _("已退回延期申请。"))
    return _task_action(request, req.task_id, act)


@require_POST
@login_required
def closure_decide(request, pk):
    req = get_object_or_404(ClosureRequest.objects.visible_to(scope_for(request.user))
                            .select_related("task__program__owner_unit"), pk=pk)
    form = DecisionForm(request.POST)

    def act(task):
        if not form.is_valid():
            raise ServiceError(_form_errors(form))
        accept = form.cleaned_data["decision"] == "approve"
        services.task_decide_closure(by=request.user, request=req, accept=accept, note=form.cleaned_data["note"])
        messages.success(request, _("已确认办结。") if accept else _("已退回办结申请。"))
    return _task_action(request, req.task_id, act)


def _task_input(program: Program, d: dict, form) -> services.TaskInput | None:
    """Resolve the names typed in the form the same way the Excel import does."""
    resolver = UnitResolver(region_of(program.owner_unit))
    lead, lead_err = resolver.resolve(d["lead_units"])
    coop, coop_err = resolver.resolve(d["coop_units"])
    leaders, leader_err = LeaderResolver().resolve(d["leaders"])
    for field, errs in (("lead_units", lead_err), ("coop_units", coop_err), ("leaders", leader_err)):
        for e in errs:
            form.add_error(field, _("%(error)s。") % {"error": e})
    if form.errors:
        return None
    parent = Task.objects.filter(program=program, pk=d["parent"]).first() if d.get("parent") else None
    return services.TaskInput(
        title=d["title"], number=d["number"], category=d["category"], measures=d["measures"], lead_units=lead,
        coop_units=coop, lead_units_text=d["lead_units"], coop_units_text=d["coop_units"], leaders=leaders,
        leaders_text=d["leaders"], deadline_phrase=d["deadline_phrase"], parent=parent, note=d["note"],
        tags=[t for t in d["tags"].replace("，", "、").split("、") if t.strip()],
        code=_code_for(parent, d["number"]))


def _code_for(parent: Task | None, number: str) -> str:
    """"（1）" under task 3 → "3.1"; empty → next free number (decided by the service)."""
    from .importer import parse_number

    if not number:
        return ""
    parsed = parse_number(number)
    key = parsed[1] if parsed else number
    return f"{parent.code}.{key}" if parent else key


def _task_form(program, data=None, initial=None):
    form = TaskForm(data, initial=initial)
    form.fields["parent"].choices = [("", _("（无）"))] + [  # type: ignore[attr-defined]  # a ChoiceField
        (t.pk, f"{t.code} {t.title[:30]}") for t in Task.objects.filter(program=program, parent=None).order_by("sort_order")[:300]]
    return form


@login_required
def task_create(request, code):
    program = selectors.program_get(user=request.user, code=code)
    if not selectors.program_can_manage(user=request.user, program=program):
        return render(request, "403.html", {"message": _("只有主办单位可以添加任务。")}, status=403)
    form = _task_form(program, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = _task_input(program, form.cleaned_data, form)
        if data:
            try:
                task = services.task_create(by=request.user, program=program, data=data)
            except ServiceError as e:
                form.add_error(e.field if e.field in form.fields else None, e.message)
            else:
                messages.success(request, _("已添加任务 %(code)s。") % {"code": task.code})
                _warn_past_deadline(request, task)
                return HttpResponseRedirect(reverse("task_detail", args=[task.pk]))
    return render(request, "tasks/task_form.html", {"form": form, "program": program},
                  status=400 if form.errors else 200)


@login_required
def task_edit(request, pk):
    task = selectors.task_get(user=request.user, pk=pk)
    if not selectors.program_can_manage(user=request.user, program=task.program):
        return render(request, "403.html", {"message": _("只有主办单位可以修改任务。")}, status=403)
    initial = {"number": task.number, "category": task.category, "title": task.title, "measures": task.measures,
               "lead_units": task.lead_units_text, "coop_units": task.coop_units_text, "leaders": task.leaders_text,
               "deadline_phrase": task.deadline_phrase, "parent": task.parent_id, "note": task.note,
               "tags": "、".join(t.name for t in task.tags.all())}
    form = _task_form(task.program, request.POST or None, initial=initial)
    form.fields["number"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = _task_input(task.program, form.cleaned_data, form)
        if data:
            try:
                task = services.task_update(by=request.user, task=task, data=data, reason=form.cleaned_data["reason"])
            except ServiceError as e:
                form.add_error(e.field if e.field in form.fields else None, e.message)
            else:
                messages.success(request, _("任务已保存。"))
                _warn_past_deadline(request, task)
                return HttpResponseRedirect(reverse("task_detail", args=[task.pk]))
    return render(request, "tasks/task_form.html", {"form": form, "program": task.program, "task": task},
                  status=400 if form.errors else 200)
