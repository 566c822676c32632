"""The public site (阳光公开): no login. Reads only published records, through the apps' public selectors,
and never shows a person: no reporter, verifier or handler names, no coordinates, and phone and ID
numbers masked in any text."""
from __future__ import annotations

from decimal import Decimal
from itertools import groupby

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from luoshi.assessment import selectors as assessment
from luoshi.core.errors import ServiceError
from luoshi.ledger import selectors as ledger
from luoshi.ledger.models import FindingPhoto, FindingStatus
from luoshi.tasks.models import TaskStatus

from . import selectors, services, visitor
from .models import Score

PAGE_SIZE = 20
# 群众批题: at most this many rating attempts per address per hour; 办理查询: lookups per address per 10 minutes
RATE_LIMIT, RATE_WINDOW = 20, 3600
TRACK_LIMIT, TRACK_WINDOW = 30, 600


def home(request):
    rounds = assessment.public_rounds().order_by("-published_at", "-pk")[:5]
    programs = list(selectors.public_programs()[:5])
    shishi = list(selectors.shishi_tasks()[:6])
    return render(request, "portal/home.html", {"recent": ledger.exposure_list()[:6], "rounds": list(rounds),
                                                "programs": programs, "shishi": shishi})


def exposure_list(request):
    status = request.GET.get("status", "")
    qs = ledger.exposure_list(status=status if status in ("open", "closed") else "")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    photos = ledger.public_photos([f.pk for f in page])
    rows = [(f, photos.get(f.pk, {"before": [], "after": []})) for f in page]
    return render(request, "portal/exposure_list.html", {"page": page, "rows": rows, "status": status,
                                                         "closed": FindingStatus.CLOSED})


def exposure_detail(request, pk):
    finding = ledger.exposure_get(pk)
    photos = ledger.public_photos([finding.pk]).get(finding.pk, {"before": [], "after": []})
    return render(request, "portal/exposure_detail.html", {"f": finding, "photos": photos,
                                                           "closed": FindingStatus.CLOSED})


@cache_control(public=True, max_age=3600)
def photo(request, pk, variant):
    """Only the processed copy (resized, no EXIF/GPS) of a photo of a published finding."""
    p = FindingPhoto.objects.filter(pk=pk, finding__is_public=True, finding__program__is_archived=False,
                                    processed_at__isnull=False,
                                    process_error="").first()
    if p is None or variant not in ("display", "thumb"):
        raise Http404
    f = p.display if variant == "display" else p.thumb
    if not f:
        raise Http404
    return FileResponse(f.open("rb"), content_type="image/jpeg")


# ---- 考核排名: published public rounds, from the publication snapshot (units and numbers only) ----------------

def assess_list(request):
    """Published public rounds, grouped by scheme, newest first within each."""
    rounds = list(assessment.public_rounds())
    schemes = [(scheme, list(group)) for scheme, group in groupby(rounds, key=lambda r: r.scheme)]
    return render(request, "portal/assess_list.html", {"schemes": schemes})


def _number(text, places: int | None = None) -> str:
    """A snapshot number for the page: a total at the scheme's precision ("90.50"), a rank as written
    ("2", "2.5")."""
    if text in (None, ""):
        return "—"
    d = Decimal(str(text))
    if places is not None:
        return str(d.quantize(Decimal(1).scaleb(-places)))
    out = format(d.normalize(), "f")
    return "0" if out == "-0" else out


def assess_round(request, pk):
    """One round's published table (the latest revision) and, when it was revised, every revision's note.
    Only what the snapshot holds about units is shown; the reason a unit was not ranked is not."""
    rnd = assessment.public_round_get(pk)
    table, publications = assessment.public_table(rnd)
    definition = rnd.version.definition()
    names = {g.code: g.name for g in definition.peer_groups}
    order = {g.code: i for i, g in enumerate(definition.peer_groups)}     # groups in the scheme's order
    places = definition.precision
    metrics = definition.league.metrics if definition.type == "metric" else []
    metric_heads = [h for m in metrics for h in ((f"{m.name}（{m.unit}）" if m.unit else m.name,)
                                                 + ((_("%(m)s同比") % {"m": m.name},) if m.yoy else ()))]
    if metrics:
        metric_heads += [definition.league.composite_name, _("%(m)s同比") % {"m": definition.league.composite_name}]
    big = Decimal(10 ** 9)
    rows = sorted(table, key=lambda r: (order.get(r.get("group", ""), len(order)), r.get("group", ""),
                                        r.get("rank") is None,
                                        Decimal(r["rank"]) if r.get("rank") is not None else big))
    groups = []
    for code, members in groupby(rows, key=lambda r: r.get("group", "")):
        groups.append({"name": names.get(code, code), "rows": [{
            "rank": _number(r.get("rank")) if not r.get("excluded") else "",
            "unit": r["unit"], "total": _number(r.get("total"), places), "grade": r.get("grade", ""),
            "up": max(r.get("movement") or 0, 0), "down": max(-(r.get("movement") or 0), 0),
            "moved": r.get("movement") is not None, "ranked": not r.get("excluded") and r.get("rank") is not None,
            "top": bool(r.get("top")), "bottom": bool(r.get("bottom")),
            # a metric league: each measured value, then its 同比 where the scheme publishes one
            "cells": [v for m in metrics for v in ((_number((r.get("values") or {}).get(m.code)),)
                                                   + ((_change((r.get("changes") or {}).get(m.code)),) if m.yoy else ()))]
            + ([_number(r.get("index")), _change(r.get("change"))] if metrics else [])} for r in members]})
    n = definition.top_bottom
    labels = (_("十佳"), _("十差")) if n == 10 else (_("前%(n)s名") % {"n": n}, _("后%(n)s名") % {"n": n})
    return render(request, "portal/assess_round.html", {
        "round": rnd, "groups": groups, "first": publications[0] if publications else None,
        "revisions": [p for p in publications if p.revision > 1], "top_bottom": n, "top_label": labels[0],
        "bottom_label": labels[1], "final": rnd.state == "final", "metric_heads": metric_heads})


def _change(text) -> str:
    """A 同比 change as published: +3.2% / −1.5% / —."""
    if text is None or text == "":
        return "—"
    d = Decimal(str(text))
    return f"{'+' if d > 0 else ''}{d}%"


# ---- 公开通报: published programs and their tasks ------------------------------------------------------------

STATUS_TABS = [("", gettext_lazy("全部")), (TaskStatus.NORMAL, gettext_lazy("正常")),
               (TaskStatus.YELLOW, gettext_lazy("黄灯")), (TaskStatus.RED, gettext_lazy("红灯")),
               (TaskStatus.CLOSED, gettext_lazy("已办结")), (TaskStatus.EXTENDED, gettext_lazy("已延期"))]


def program_list(request):
    page = Paginator(selectors.public_programs(), PAGE_SIZE).get_page(request.GET.get("page"))
    figures = selectors.program_figures([p.pk for p in page])
    return render(request, "portal/program_list.html", {"page": page, "rows": [(p, figures[p.pk]) for p in page]})


def program_detail(request, pk):
    program = selectors.public_program_get(pk)
    status = request.GET.get("status", "")
    status = status if status in TaskStatus.values else ""
    tasks = selectors.public_program_tasks(program, status=status)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    tasks = list(page)
    selectors.attach_latest_reports(tasks)
    ratings = selectors.rating_summaries([t.pk for t in tasks])
    return render(request, "portal/program_detail.html", {
        "program": program, "page": page, "rows": [(t, ratings[t.pk]) for t in tasks], "status": status,
        "figures": selectors.program_figures([program.pk])[program.pk],
        "tabs": STATUS_TABS})


# ---- 民生实事 and one public task (timeline, 群众批题) -----------------------------------------------------------

def shishi_list(request):
    page = Paginator(selectors.shishi_tasks(), PAGE_SIZE).get_page(request.GET.get("page"))
    tasks = list(page)
    selectors.attach_latest_reports(tasks)
    ratings = selectors.rating_summaries([t.pk for t in tasks])
    return render(request, "portal/shishi_list.html", {"page": page, "rows": [(t, ratings[t.pk]) for t in tasks]})


def _task_page(request, task, *, error: str = "", field: str = "", typed: dict | None = None, status: int = 200):
    timeline = selectors.public_timeline(task)
    key = visitor.rater_key(request)
    response = render(request, "portal/task_detail.html", {
        "task": task, **timeline, "rating": selectors.rating_summaries([task.pk])[task.pk],
        "rated": selectors.has_rated(task, key), "scores": Score.choices, "error": error, "error_field": field,
        "typed": typed or {}, "comment_max": services.COMMENT_MAX,
        "shishi": task.program.is_shishi}, status=status)
    visitor.ensure_visitor(request, response)
    return response


def _task_url(task) -> str:
    if task.program.is_shishi:
        return reverse("portal_shishi_detail", args=[task.pk])
    return reverse("portal_task", args=[task.program_id, task.pk])


def shishi_detail(request, pk):
    return _task_page(request, selectors.public_task_get(pk, shishi=True))


def task_detail(request, program_pk, pk):
    program = selectors.public_program_get(program_pk)
    task = selectors.public_task_get(pk)
    if task.program_id != program.pk:
        raise Http404
    if program.is_shishi:
        return HttpResponseRedirect(_task_url(task))
    return _task_page(request, task)


@require_POST
def rate(request, pk):
    """群众批题: one rating per visitor per task, at most RATE_LIMIT attempts per address per hour."""
    task = selectors.public_task_get(pk)          # 404 for anything not published
    typed = {"score": request.POST.get("score", ""), "comment": request.POST.get("comment", "")}
    if visitor.throttled(request, "rate", limit=RATE_LIMIT, seconds=RATE_WINDOW):
        return _task_page(request, task, error=_("评价过于频繁，请稍后（一小时后）再试。"), typed=typed, status=429)
    try:
        services.rating_submit(task_id=task.pk, score=typed["score"], comment=typed["comment"],
                               rater_key=visitor.rater_key(request), ip_hash=visitor.ip_hash(request))
    except ServiceError as e:
        return _task_page(request, task, error=e.message, field=e.field or "", typed=typed,
                          status=409 if e.field is None and selectors.has_rated(task, visitor.rater_key(request))
                          else 400)
    messages.success(request, _("感谢您的评价！"))
    return HttpResponseRedirect(_task_url(task) + "#rating", status=303)


# ---- 办理查询: a request or an idea by its 查询码 -----------------------------------------------------------------

def _idea_view(idea) -> dict:
    """The idea (ideas.selectors.PublicIdea: no personal fields) as the tracking page shows it."""
    return {"title": selectors.public_text(idea.title), "number": idea.number, "campaign": idea.campaign,
            "state": idea.state_label, "decision": idea.decision_label, "award": idea.award,
            "submitted_at": idea.submitted_on, "reply": selectors.public_text(idea.reply), "events": []}


def track(request):
    code = (request.GET.get("code") or "").strip()[:40]
    context = {"code": code, "found": None, "error": ""}
    status = 200
    if code:
        if visitor.throttled(request, "track", limit=TRACK_LIMIT, seconds=TRACK_WINDOW):
            context["error"] = _("查询过于频繁，请十分钟后再试。")
            status = 429
        else:
            found = selectors.tracked_request(code)
            if found is not None:
                context.update(found=found, kind="request")
            else:
                idea = selectors.tracked_idea(code)
                if idea is not None:
                    context.update(found=_idea_view(idea), kind="idea")
                else:
                    context["error"] = _("没有找到该查询码对应的诉求或建议，请核对后重新输入。")
                    status = 404
    response = render(request, "portal/track.html", context, status=status)
    if code:   # the code is the requester's key: keep the result out of shared caches and Referer headers
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
    return response
