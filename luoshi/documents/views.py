"""Downloads of the Word/PDF/Excel documents: 调度通报 (tasks), 交办单 and 督查通报 (ledger), 排名通报 and
评分卡 (assessment). Thin: read the request, find the object through its app's selectors (which check
scope), render the document, send it. The documents layer sits above the domain apps, so these views
live here rather than in the apps whose pages link to them."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from luoshi.assessment import permissions as assessment_perms
from luoshi.assessment import selectors as assessment_selectors
from luoshi.core import clock
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.http import DOCX, PDF, XLSX, download, query_date, year_in_range
from luoshi.ledger import selectors as ledger_selectors
from luoshi.projects import figures as project_figures, selectors as project_selectors
from luoshi.tasks import selectors as task_selectors

from .assessment_docs import ranking_bulletin_docx, scorecard_pdf
from .bulletin import bulletin_docx, bulletin_xlsx
from .charts import CJKFontMissing
from .ledger_docs import ledger_bulletin_docx, sheet_docx as render_sheet
from .projects_docs import bulletin_docx as projects_bulletin_docx, bulletin_xlsx as projects_bulletin_xlsx


# ---- tasks: 调度通报 -------------------------------------------------------------------------------------

def _bulletin_args(request):
    # a day from 1900 to 2100 (core.http.query_date): 0001-01-01 would overflow the trend's months and local times
    as_of = query_date(request, "date") if request.GET.get("date") else clock.today()
    try:
        issue = int(request.GET["issue"]) if request.GET.get("issue") else None
    except ValueError:
        issue = None
    return as_of, issue


@login_required
def program_bulletin(request, code, fmt):
    program = task_selectors.program_get(user=request.user, code=code)
    as_of, issue = _bulletin_args(request)
    if as_of is None:
        return render(request, "400.html", {"message": _("日期应为 1900 至 2100 年间的 YYYY-MM-DD，如 2026-06-30。")}, status=400)
    if fmt == "docx":
        try:
            data = bulletin_docx(user=request.user, program=program, as_of=as_of, issue_no=issue,
                                 office_name=program.owner_unit.name)
        except ServiceError as e:  # no Chinese font for the charts on this server
            return _download_refused(request, e)
        ctype = DOCX
    else:
        data = bulletin_xlsx(user=request.user, program=program, as_of=as_of, issue_no=issue)
        ctype = XLSX
    return download(data, f"{program.name}-调度通报-{as_of:%Y%m%d}.{fmt}", ctype)


# ---- ledger: 交办单, 督查通报 ----------------------------------------------------------------------------

@login_required
def sheet_docx(request, pk):
    sheet = ledger_selectors.sheet_get(user=request.user, pk=pk)
    return download(render_sheet(sheet=sheet), f"{sheet.number}.docx", DOCX)


@login_required
def ledger_bulletin(request, code):
    program = ledger_selectors.ledger_program_get(user=request.user, code=code)
    end = query_date(request, "to") or clock.today()
    start = query_date(request, "from") or end - dt.timedelta(days=6)
    if end < start:
        return render(request, "400.html", {"message": _("开始日期不能晚于结束日期。")}, status=400)
    issue = request.GET.get("issue")
    try:
        data = ledger_bulletin_docx(user=request.user, program=program, start=start, end=end,
                                    issue_no=int(issue) if issue and issue.isdigit() else None,
                                    office_name=program.owner_unit.name)
    except ServiceError as e:  # e.g. no Chinese font for the chart on this server
        return render(request, "400.html", {"message": e.message}, status=503)
    return download(data, f"{program.name}-督查通报-{end:%Y%m%d}.docx", DOCX)


# ---- assessment: 排名通报, 评分卡 ------------------------------------------------------------------------

def _download_refused(request, e: ServiceError):
    """No results yet (400), or no Chinese font on this server for the chart or the PDF (503)."""
    return render(request, "400.html", {"message": e.message}, status=503 if isinstance(e, CJKFontMissing) else 400)


@login_required
def assessment_bulletin(request, pk):
    rnd = assessment_selectors.round_get(request.user, pk)
    if not assessment_perms.reads_all(request.user, rnd.scheme):
        raise Http404
    issue = request.GET.get("issue", "")
    try:
        data = ranking_bulletin_docx(user=request.user, round=rnd, issue_no=int(issue) if issue.isdigit() else None)
    except ServiceError as e:
        return _download_refused(request, e)
    return download(data, f"{rnd.scheme.name}-{rnd.name}-排名通报.docx", DOCX)


@login_required
def scorecard(request, pk, unit_pk):
    rnd, unit = assessment_selectors.round_unit_get(request.user, pk, unit_pk)
    try:
        data = scorecard_pdf(user=request.user, round=rnd, units=[unit])
    except PermissionDeniedError:
        raise Http404
    except ServiceError as e:
        return _download_refused(request, e)
    return download(data, f"{unit.name}-{rnd.name}-评分卡.pdf", PDF)


@login_required
def projects_bulletin(request, code, fmt="docx"):
    """项目推进情况通报 (Word or Excel) of a period (?period=2026Q1, default this quarter), for what the user reads."""
    program, config = project_selectors.program_get(request.user, code)
    try:
        period = project_figures.period_parse(request.GET.get("period"), today=clock.today())
    except ValueError as e:
        raise Http404(str(e))
    if fmt == "xlsx":
        return download(projects_bulletin_xlsx(request.user, program, config, period),
                        f"{program.code}-{period.code}.xlsx", XLSX)
    if fmt != "docx":
        raise Http404(_("没有这种格式。"))
    return download(projects_bulletin_docx(request.user, program, config, period), f"{program.code}-{period.code}.docx",
                    DOCX)

# ---- 惠企政策: 兑现情况 ---------------------------------------------------------------------------------

@login_required
def policy_totals_docx(request):
    from .policies_docs import payout_totals_docx

    by = request.GET.get("by", "clause")
    year = request.GET.get("year", "")
    unit = getattr(request.user, "unit", None)
    data = payout_totals_docx(user=request.user, by=by if by in ("clause", "theme", "district", "year") else "clause",
                              year=year_in_range(year), office=unit.name if unit else "")
    return download(data, "惠企政策免申即享兑现情况.docx", DOCX)
