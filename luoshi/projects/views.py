"""Pages of key projects and 揭榜挂帅: parse → call a selector or a service → render. Thin."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from luoshi.core import clock, verification
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.cockpit.selectors import chart_option
from luoshi.core.paging import Pager
from luoshi.ledger.models import Severity
from luoshi.org.models import Unit
from luoshi.org.scopes import scope_for

from . import challenges as ch
from . import figures, selectors, services
from .excel import projects_import_xlsx, projects_xlsx
from .models import ChallengeState, Flag, IssueKind, Light, ProjectIssue

PER_PAGE = 50


def _files(request, name: str = "files") -> list[tuple[str, bytes]]:
    return [(f.name, f.read()) for f in request.FILES.getlist(name)]


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal((text or "").replace(",", "").strip())
    except InvalidOperation:
        return None


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _refused(request, e: ServiceError) -> None:
    if isinstance(e, PermissionDeniedError):
        raise PermissionDenied(e.message)
    messages.error(request, e.message)


@login_required
def index(request):
    programs = list(selectors.programs_for(request.user))
    if len(programs) == 1 and not request.GET.get("all"):
        return redirect("projects_list", programs[0].code)
    return render(request, "projects/index.html", {
        "programs": programs, "challenges_url": reverse("projects_challenges")})


def _filter(request, program, config) -> tuple[selectors.ListFilter, str]:
    error = ""
    period = None
    if request.GET.get("period") or request.GET.get("figure"):
        try:
            period = figures.period_parse(request.GET.get("period"), today=clock.today())
        except ValueError as e:
            error = str(e)
    figure = request.GET.get("figure", "")
    if figure and figure not in selectors.LIST_FIGURES:
        error, figure = _("未知的统计项“%(f)s”，已忽略。") % {"f": figure}, ""
    light = request.GET.get("light", "")
    if light and light not in Light.values:
        error, light = _("未知的状态“%(f)s”，已忽略。") % {"f": light}, ""
    dim = request.GET.get("dim", "")
    return selectors.ListFilter(dim=dim if dim in selectors.LIST_DIMS else "", key=request.GET.get("key", "")[:40],
                                figure=figure, period=period, light=light, q=request.GET.get("q", "")[:50]), error


@login_required
def project_list(request, code):
    program, config = selectors.program_get(request.user, code)
    f, error = _filter(request, program, config)
    qs = selectors.project_list(request.user, program, f)
    if request.GET.get("format") == "xlsx":
        data = projects_xlsx(list(qs), config, year=program.year)
        response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{program.code}-projects.xlsx"
        return response
    page = Pager(qs, PER_PAGE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    names = selectors.unit_names({x for p in items for x in (p.district_id, p.area_id)})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "projects/list.html", {
        "program": program, "config": config, "page": page, "query": query,
        "rows": selectors.project_rows(items, config, names, reverse("projects_index") + "p/"),
        "filter": f, "filter_error": error, "lights": Light.choices,
        "can_manage": services.can_manage(request.user, program),
        "figure_label": dict(_figure_labels()).get(f.figure, ""), "export_query": query.urlencode()})


def _figure_labels():
    return [("start_due", _("计划开工")), ("start_met", _("已开工（计划内）")), ("start_new", _("新开工")),
            ("produce_due", _("计划投产")), ("produce_met", _("已投产（计划内）")), ("produce_new", _("新投产")),
            ("yellow", _("黄灯")), ("red", _("红灯"))]


@login_required
def figures_page(request, code):
    program, config = selectors.program_get(request.user, code)
    error = ""
    try:
        period = figures.period_parse(request.GET.get("period"), today=clock.today())
    except ValueError as e:
        error = str(e)
        period = figures.period_parse("", today=clock.today())
    dim = request.GET.get("by", "district")
    if dim not in selectors.DIM_LABELS:
        dim = "district"
    table = selectors.figure_table(request.user, program, config, dim, period)
    can_manage = services.can_manage(request.user, program)
    charts = [{"id": f"chart-{c.key}", "chart": c, "option": chart_option(c), "rows": _chart_rows(c),
               # a horizontal bar per category: the canvas grows with the rows so each label stays readable
               "height": max(220, 34 * len(c.categories) + 70) if c.kind == "hbar" else 0}
              for c in selectors.figure_charts(table)]
    return render(request, "projects/figures.html", {
        "charts": charts, "whole": table["whole"],
        "can_manage": can_manage, "feed_rounds": _feed_rounds(program, config) if can_manage else [],
        "quarter": figures.quarter_of(clock.today()),
        "program": program, "period": period, "error": error, "table": table, "by": table["dim"],
        "dims": list(selectors.DIM_LABELS.items()), "list_url": reverse("projects_list", args=[program.code])})


def _chart_rows(chart) -> list[dict]:
    """A chart's numbers as the rows of the table under it (category, one value per series)."""
    def cell(v):
        return "—" if v is None else f"{v:g}{chart.suffix}" if isinstance(v, float) else f"{v}{chart.suffix}"

    return [{"label": cat, "values": [cell(s.values[i]) for s in chart.series]} for i, cat in enumerate(chart.categories)]


def _feed_rounds(program, config):
    from luoshi.assessment.models import Round, RoundState

    scheme = (config.feeds or {}).get("scheme")
    if not scheme:
        return []
    return list(Round.objects.filter(scheme__code=scheme, state__in=[RoundState.SCORING, RoundState.REVIEW])
                .order_by("-period_end"))


@login_required
@require_POST
def assessment_feed(request, code):
    from .feed import assessment_feed as feed

    program, config = selectors.program_get(request.user, code)
    rnd = next((r for r in _feed_rounds(program, config) if str(r.pk) == request.POST.get("round")), None)
    try:
        if rnd is None:
            raise ServiceError(_("请选择正在评分的考核期次。"), field="round")
        n = feed(by=request.user, program=program, round=rnd, quarter=request.POST.get("quarter", "").strip().upper())
        messages.success(request, _("已把%(q)s的项目统计计入“%(round)s”：%(n)s 项评分。") % {
            "q": request.POST.get("quarter"), "round": rnd.name, "n": n})
    except ServiceError as e:
        _refused(request, e)
    return redirect("projects_figures", program.code)


@login_required
def project_import(request, code):
    program, config = selectors.program_get(request.user, code)
    if not services.can_manage(request.user, program):
        raise PermissionDenied(_("只有该专项工作的督查室/办公室可以导入项目清单。"))
    errors, report = [], None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            report = projects_import_xlsx(by=request.user, program=program, data=upload.read() if upload else b"",
                                          dry_run=bool(request.POST.get("dry_run")), source=upload.name if upload else "")
            if not request.POST.get("dry_run"):
                messages.success(request, _("已导入：新建 %(c)s 个项目，更新 %(u)s 个，未变 %(n)s 个。") % {
                    "c": report.created, "u": report.updated, "n": report.unchanged})
                return redirect("projects_list", program.code)
        except ImportFailed as e:
            errors = [str(x) for x in e.errors]
    return render(request, "projects/import.html", {"program": program, "errors": errors, "report": report})


# ---- one project ----------------------------------------------------------------------------------------------

def _detail_context(request, project) -> dict:
    program = project.program
    config = program.projects_config
    months = selectors.project_months(project)
    issues = list(project.issues.select_related("finding", "raised_by"))
    scope = scope_for(request.user)
    return {
        "project": project, "program": program, "config": config,
        "phases": [{"code": c, "name": config.phase_name(c), "planned": project.planned(c), "actual": project.actual(c)}
                   for c in config.phase_codes()],
        "months": months, "events": selectors.project_events(project), "issues": issues,
        "ratings": list(project.ratings.all()), "units": list(project.units.select_related("unit")),
        "approval_units": list(project.approval_units.all()), "team": list(project.team.all()),
        "can_report": services.can_report(request.user, project),
        "can_manage": services.can_manage(request.user, program),
        "can_rate": services.can_rate(request.user, program),
        "issue_kinds": IssueKind.choices, "severities": Severity.choices,
        "assign_units": sorted({u.unit.pk: u.unit for u in project.units.select_related("unit")}.values(), key=lambda u: u.path),
        "today": clock.today(), "report_month": selectors.month_of_report(clock.today()),
        "quarter": figures.quarter_of(clock.today()), "invest_rate": figures.Figures.rate(project.actual_to_date, project.plan_to_date),
        "shows_note": program.wholly_visible_to(scope) or services.can_report(request.user, project),
    }


@login_required
def project_detail(request, pk):
    project = selectors.project_get(request.user, pk)
    return render(request, "projects/detail.html", _detail_context(request, project))


def _act(request, pk, fn):
    project = selectors.project_get(request.user, pk)
    try:
        message = fn(project)
        messages.success(request, message)
    except ServiceError as e:
        _refused(request, e)
    return redirect("projects_detail", project.pk)


@login_required
@require_POST
def month_report(request, pk):
    def do(project):
        month = _date((request.POST.get("month") or "") + "-01")
        amount = _decimal(request.POST.get("actual", ""))
        if month is None:
            raise ServiceError(_("请选择月份。"), field="month")
        if amount is None:
            raise ServiceError(_("完成投资须为数字（万元）。"), field="actual")
        services.month_report(by=request.user, project=project, month=month, actual=amount,
                              note=request.POST.get("note", ""), files=_files(request))
        return _("已报送 %(m)s 完成投资 %(a)s 万元。") % {"m": f"{month:%Y-%m}", "a": amount}
    return _act(request, pk, do)


@login_required
@require_POST
def phase_report(request, pk):
    def do(project):
        on = _date(request.POST.get("on", ""))
        if on is None:
            raise ServiceError(_("请填写日期。"), field="on")
        services.phase_report(by=request.user, project=project, phase=request.POST.get("phase", ""), on=on,
                              text=request.POST.get("text", ""), files=_files(request))
        return _("已报送阶段进展。")
    return _act(request, pk, do)


@login_required
@require_POST
def issue_raise(request, pk):
    def do(project):
        services.issue_raise(by=request.user, project=project, kind=request.POST.get("kind", ""),
                             description=request.POST.get("description", ""))
        return _("问题已提交，等待督查室交办。")
    return _act(request, pk, do)


@login_required
@require_POST
def issue_assign(request, pk, issue_pk):
    def do(project):
        issue = ProjectIssue.objects.filter(pk=issue_pk, project=project).first()
        if issue is None:
            raise Http404
        unit = Unit.objects.filter(pk=request.POST.get("unit") or 0).first()
        if unit is None:
            raise ServiceError(_("请选择责任单位。"), field="unit")
        finding = services.issue_assign(by=request.user, issue=issue, unit=unit,
                                        deadline=_date(request.POST.get("deadline", "")),
                                        severity=request.POST.get("severity") or Severity.GENERAL)
        return _("已交办：问题 %(code)s，交办单 %(sheet)s。") % {"code": finding.code, "sheet": finding.sheet.number}
    return _act(request, pk, do)


@login_required
@require_POST
def project_rate(request, pk):
    def do(project):
        score = _decimal(request.POST.get("score", ""))
        if score is None:
            raise ServiceError(_("核查得分须为数字。"), field="score")
        rating = services.project_rate(by=request.user, project=project, quarter=request.POST.get("quarter", ""),
                                       score=score, note=request.POST.get("note", ""))
        return _("已记录%(q)s督导核查：%(flag)s。") % {"q": rating.quarter, "flag": Flag(rating.flag).label}
    return _act(request, pk, do)


@login_required
@require_POST
def project_publish(request, pk):
    def do(project):
        if request.POST.get("update"):
            services.public_update(by=request.user, project=project, text=request.POST.get("update", ""))
            return _("已发布公开进展。")
        services.project_publish(by=request.user, project=project, public=request.POST.get("public") == "1",
                                 summary=request.POST.get("summary"))
        return _("已保存公开设置。")
    return _act(request, pk, do)


# ---- 揭榜挂帅 ------------------------------------------------------------------------------------------------

@login_required
def challenge_list(request):
    scope = scope_for(request.user)
    rows = list(ch.challenge_list(request.user))
    return render(request, "projects/challenges.html", {"challenges": rows, "can_create": scope.is_office})


@login_required
def challenge_new(request):
    """发榜: a draft challenge of one of the units where the user is office; published from its page."""
    from luoshi.core.presets import PRESET_DIR
    from luoshi.org.models import Person, Role

    scope = scope_for(request.user)
    units = list(Unit.objects.filter(path__in=scope.paths_for(Role.OFFICE)).order_by("path"))
    if not units:
        raise PermissionDenied(_("只有督查室/改革办可以发布榜单。"))
    schemes = {p.stem: p.read_text(encoding="utf-8") for p in sorted((PRESET_DIR / "projects").glob("jiebang-*.yaml"))}
    programs = list(selectors.programs_for(request.user).filter(pk__in=[p.pk for p in selectors.programs_for(request.user)
                                                                         if services.can_manage(request.user, p)]))
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            unit = next((u for u in units if str(u.pk) == request.POST.get("owner_unit")), None)
            if unit is None:
                raise ServiceError(_("请选择发榜单位。"), field="owner_unit")
            names = [n.strip() for n in request.POST.get("experts", "").replace("，", ",").split(",") if n.strip()]
            experts = list(Person.objects.filter(username__in=names))
            unknown = sorted(set(names) - {p.username for p in experts})
            if unknown:
                raise ServiceError(_("找不到评审专家账号：%(names)s") % {"names": "、".join(unknown)}, field="experts")
            apply_until, review_until = _date(request.POST.get("apply_until", "")), _date(request.POST.get("review_until", ""))
            if apply_until is None or review_until is None:
                raise ServiceError(_("请填写揭榜截止和评审截止日期。"), field="apply_until")
            program = next((p for p in programs if p.code == request.POST.get("program")), None)
            c = ch.challenge_create(
                by=request.user, owner_unit=unit, title=request.POST.get("title", ""), problem=request.POST.get("problem", ""),
                goals=request.POST.get("goals", ""), conditions=request.POST.get("conditions", ""),
                funding=_decimal(request.POST.get("funding") or "0") or Decimal(0), category=request.POST.get("category", ""),
                apply_until=apply_until, review_until=review_until, program=program, experts=experts,
                scheme_text=request.POST.get("scheme_text") or schemes.get(request.POST.get("scheme", ""), ""))
            messages.success(request, _("榜单已保存为草稿，确认后发布。"))
            return redirect("projects_challenge", c.pk)
        except ImportFailed as e:
            messages.error(request, "；".join(str(x) for x in e.errors))
        except ServiceError as e:
            _refused(request, e)
    return render(request, "projects/challenge_new.html", {"units": units, "schemes": list(schemes), "programs": programs,
                                                           "v": values})


@login_required
def challenge_detail(request, pk):
    c = ch.challenge_get(request.user, pk)
    manage, expert = ch.can_manage(request.user, c), ch.is_expert(request.user, c)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "publish":
                ch.challenge_publish(by=request.user, challenge=c)
                messages.success(request, _("榜单已发布。"))
            elif action == "review":
                ch.challenge_review(by=request.user, challenge=c)
                messages.success(request, _("已截止揭榜，进入评审。"))
            elif action == "apply":
                commitments = [{"title": t, "due": d} for t, d in zip(request.POST.getlist("c_title"),
                                                                       request.POST.getlist("c_due")) if t.strip() or d]
                ch.challenge_apply(by=request.user, challenge=c, team_name=request.POST.get("team_name", ""),
                                   contact_name=request.POST.get("contact_name", ""),
                                   contact_phone=request.POST.get("contact_phone", ""), plan=request.POST.get("plan", ""),
                                   commitments=commitments, unit=request.user.unit if request.POST.get("as_unit") else None)
                messages.success(request, _("已揭榜，等待评审。"))
            elif action == "score":
                app = c.applications.filter(pk=request.POST.get("application") or 0).first()
                if app is None:
                    raise Http404
                ch.application_score(by=request.user, application=app,
                                     values={k["code"]: request.POST.get(k["code"], "") for k in c.scheme["criteria"]})
                messages.success(request, _("评分已提交。"))
            elif action == "select":
                app = c.applications.filter(pk=request.POST.get("application") or 0).first()
                if app is None:
                    raise Http404
                ch.challenge_select(by=request.user, challenge=c, application=app,
                                    result_text=request.POST.get("result_text", ""))
                messages.success(request, _("已确定挂帅并公布结果。"))
        except ServiceError as e:
            _refused(request, e)
        return redirect("projects_challenge", c.pk)
    apps = list(ch.applications_for(request.user, c))
    mine = {s.application_id for s in ch.ChallengeScore.objects.filter(application__challenge=c, expert=request.user.pk)}
    return render(request, "projects/challenge.html", {
        "c": c, "apps": apps, "can_manage": manage, "is_expert": expert, "scored": mine,
        "can_apply": c.state == ChallengeState.OPEN and clock.today() <= c.apply_until,
        "today": clock.today(), "states": ChallengeState})


# ---- public -------------------------------------------------------------------------------------------------

def public_projects(request):
    rows = selectors.public_projects()
    return render(request, "projects/public_list.html", {"rows": rows, "challenges": list(ch.challenge_public_list())})


def public_project(request, pk):
    info = selectors.public_project(pk)
    return render(request, "projects/public_detail.html", info)


def _code_refused(request, address: str) -> bool:
    if verification.sending_exceeded(request, address):
        messages.error(request, _("获取验证码过于频繁，请稍后再试。"))
        return True
    return False


def public_challenge(request, pk):
    """The published challenge; while it is open, anyone may apply with a mobile number (or e-mail address)
    confirmed by a code."""
    c = ch.challenge_public_list().filter(pk=pk).first()
    if c is None:
        raise Http404
    values = {}
    status = 200
    if request.method == "POST":
        values = request.POST
        channel = request.POST.get("channel", verification.SMS)
        address = verification.throttle_key(channel, request.POST.get(
            "contact_email" if channel == verification.EMAIL else "contact_phone", ""))
        commitments = [{"title": t, "due": d} for t, d in zip(request.POST.getlist("c_title"),
                                                               request.POST.getlist("c_due")) if t.strip() or d]
        if _code_refused(request, address):
            status = 429
        else:
            try:
                app = ch.challenge_apply_public(
                    challenge=c, team_name=request.POST.get("team_name", ""),
                    contact_name=request.POST.get("contact_name", ""),
                    contact_phone=request.POST.get("contact_phone", ""),
                    contact_email=request.POST.get("contact_email", ""), plan=request.POST.get("plan", ""),
                    commitments=commitments, channel=channel)
                verification.sending_count(request, address)
                request.session[f"challenge_app_{app.pk}"] = True  # only this browser may enter the code
                return redirect("projects_public_verify", c.pk, app.pk)
            except ServiceError as e:
                messages.error(request, e.message)
    return render(request, "projects/public_challenge.html", {
        "c": c, "winner": c.winner.team_name if c.winner else "", "v": values,
        "channel": values.get("channel", verification.SMS) if values else verification.SMS,
        "can_apply": c.state == ChallengeState.OPEN and clock.today() <= c.apply_until}, status=status)


def public_verify(request, pk, app_pk):
    app = ch.ChallengeApplication.objects.filter(pk=app_pk, challenge_id=pk, applicant__isnull=True).select_related(
        "challenge").first()
    if app is None or not request.session.get(f"challenge_app_{app.pk}"):
        raise Http404
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "resend":
                channel = app.verify_channel or verification.EMAIL  # applications before SMS were by e-mail
                address = verification.throttle_key(
                    channel, app.contact_email if channel == verification.EMAIL else app.contact_phone)
                if _code_refused(request, address):
                    status = 429
                else:
                    ch.application_code_resend(application=app)
                    verification.sending_count(request, address)
                    messages.success(request, _("新的验证码已发送，之前的验证码不再有效。"))
            else:
                ch.application_verify(application=app, code=request.POST.get("code", ""))
                messages.success(request, _("揭榜申请已确认提交，等待评审。"))
                return redirect("projects_public_challenge", pk)
        except ServiceError as e:
            messages.error(request, e.message)
    return render(request, "projects/public_verify.html", {
        "app": app, "c": app.challenge, "by_sms": app.verify_channel == verification.SMS,
        "phone_tail": app.contact_phone[-4:], "minutes": verification.code_minutes()}, status=status)
