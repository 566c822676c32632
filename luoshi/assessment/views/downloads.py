"""Downloads (league table, score sheet) and the score import; the bulletin and the score card PDF are in
luoshi.documents.views."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.http import XLSX, download

from .. import permissions as perms
from .. import selectors, services
from .common import resolve_person, round_for_manager

# ---- downloads and the score import (luoshi.assessment.excel) ---------------------------------------------------

def _download_refused(request, e: ServiceError):
    """No results yet: 400. (The bulletin and the score card PDF are luoshi.documents.views.)"""
    return render(request, "400.html", {"message": e.message}, status=400)


def _table_readable(request, rnd) -> bool:
    """The league table goes out as a file to those who read every unit's row, or to anyone once published."""
    return rnd.is_published or perms.reads_all(request.user, rnd.scheme) or perms.is_evaluator(request.user, rnd)


@login_required
def league_download(request, pk, fmt):
    from ..excel import league_json, league_xlsx

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
def score_template(request, pk):
    from ..excel import score_template_xlsx

    rnd = round_for_manager(request, pk)
    evaluator = None
    name = request.GET.get("evaluator", "").strip()
    if name:
        evaluator, problem = resolve_person(name)
        if problem:
            return render(request, "400.html", {"message": problem}, status=400)
    data = score_template_xlsx(user=request.user, round=rnd, evaluator=evaluator)
    return download(data, f"{rnd.scheme.name}-{rnd.name}-评分表.xlsx", XLSX)


@login_required
def score_import(request, pk):
    """评分导入: the whole file is checked first; any error lists every located problem and writes nothing."""
    from ..excel import scores_import_xlsx

    rnd = round_for_manager(request, pk)
    ctx = {"rnd": rnd, "scheme": rnd.scheme, "can_manage": True, "is_evaluator": perms.is_evaluator(request.user, rnd),
           "can_import": rnd.state in services.SCORING_STATES, "evaluator": request.POST.get("evaluator", ""),
           "dry_run": request.method != "POST" or request.POST.get("dry_run") == "1"}
    if request.method != "POST":
        return render(request, "assessment/import.html", ctx)
    upload = request.FILES.get("file")
    evaluator = None
    if ctx["evaluator"].strip():
        evaluator, problem = resolve_person(ctx["evaluator"])
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
