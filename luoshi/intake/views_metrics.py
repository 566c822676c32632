"""Pages of the request metrics (/requests/metrics/): the monthly unit table and its Excel export, a unit's
12-month trend, hot topics with the 转为实事 form, and the promotions. Thin: parse, read through
metrics/hot, call the service, render."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_POST

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.http import XLSX, download
from luoshi.org.models import Role, Unit, UnitKind
from luoshi.org.scopes import scope_for

from . import hot, metrics
from .config import metrics_spec
from .models import ServiceCategory

SORTS = {"rank": None, "dispatched": "dispatched", "response": "response", "on_time": "on_time", "closed": "closed",
         "resolved": "resolved", "satisfied": "satisfied", "unsatisfied": "unsatisfied", "reopened": "reopened",
         "overdue": "overdue", "supervised": "supervised", "score": "score", "name": "name"}
KINDS = [("", gettext_lazy("全部")), (UnitKind.STREET, gettext_lazy("镇街")), (UnitKind.DEPARTMENT, gettext_lazy("部门"))]


def _period(request) -> metrics.Period:
    g = request.GET if request.method == "GET" else request.POST
    return metrics.period_from(g.get("month", ""), g.get("start", ""), g.get("end", ""))


def _sorted(rows, key: str, desc: bool):
    if key in ("", "rank"):
        return rows
    if key == "name":
        return sorted(rows, key=lambda r: r.name, reverse=desc)

    def value(r):
        if key == "score":
            return r.score
        return r.rates[key] if key in r.rates else r.counts.get(key)
    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    return sorted(present, key=value, reverse=desc) + missing


@login_required
def metrics_table(request):
    if not metrics.can_view_metrics(request.user):
        raise Http404(_("您没有可以查看的诉求指标。"))
    period = _period(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in UnitKind.values else ""
    sort = request.GET.get("sort", "rank")
    sort = sort if sort in SORTS else "rank"
    desc = request.GET.get("dir", "desc") != "asc"
    rows = _sorted(metrics.unit_metrics(request.user, period, kind=kind), sort, desc)
    spec = metrics_spec()
    return render(request, "intake/metrics.html", {
        "period": period, "prev": period.previous(), "next": period.next(), "rows": rows, "kind": kind, "kinds": KINDS,
        "sort": sort, "desc": desc, "definitions": metrics.definitions(), "spec": spec,
        "region_viewer": metrics.is_region_viewer(request.user),
        "columns": [("dispatched", _("派单数")), ("response", _("响应率")), ("on_time", _("按时办结率")),
                    ("closed", _("办结率")), ("resolved", _("解决率")), ("satisfied", _("满意率")),
                    ("unsatisfied", _("不满意数")), ("reopened", _("重办数")), ("overdue", _("超期数")),
                    ("supervised", _("督办数")), ("score", _("综合得分"))],
    })


@login_required
def metrics_export(request):
    if not metrics.can_view_metrics(request.user):
        raise Http404
    period = _period(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in UnitKind.values else ""
    data = metrics.metrics_xlsx(request.user, period, kind=kind)
    return download(data, f"诉求办理单位指标-{period.key}.xlsx", XLSX)


@login_required
def metrics_unit(request, pk):
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None or not metrics.can_view_unit(request.user, unit):
        raise Http404(_("没有找到该单位的指标，或您无权查看。"))
    g = request.GET
    last = metrics.period_from(g.get("month", ""))
    trend = metrics.unit_trend(request.user, unit, months=12, last=last)
    return render(request, "intake/metrics_unit.html", {"unit": unit, "trend": trend, "last": last,
                                                        "definitions": metrics.definitions()})


def _hot_ctx(request, period, form=None, errors=None):
    spec = metrics_spec()
    scope = scope_for(request.user)
    programs = list(hot.promotable_programs(request.user))
    units = []
    if programs:
        paths = scope.paths_for(Role.OFFICE)
        qs = Unit.objects.filter(is_active=True, kind__in=[UnitKind.STREET, UnitKind.DEPARTMENT, UnitKind.DISTRICT])
        if not scope.is_admin:
            qs = qs.filter(path__within=paths)
        units = list(qs.only("id", "name", "kind", "path").order_by("path"))
    return {"period": period, "prev": period.previous(), "next": period.next(),
            "categories": hot.hot_categories(request.user, period),
            "keywords": hot.hot_keywords(request.user, period, spec.hot_keywords),
            "programs": programs, "units": units, "form": form or {}, "errors": errors or {},
            "can_promote": bool(programs),
            "promote_contacts": [] if programs else hot.promote_contacts(request.user),
            "recommend_programs": [] if programs else list(hot.recommendable_programs(request.user)[:50])}


@login_required
def hot_topics(request):
    if not metrics.is_region_viewer(request.user):
        raise Http404(_("热点诉求只对受理中心、办公室和领导开放。"))
    period = _period(request)
    form = {"label": request.GET.get("label", ""), "keywords": request.GET.get("keywords", ""),
            "category": request.GET.get("category", ""), "title": request.GET.get("label", "")}
    return render(request, "intake/metrics_hot.html", _hot_ctx(request, period, form))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def topic_promote(request):
    if not metrics.is_region_viewer(request.user):
        raise Http404
    period = _period(request)
    p = request.POST
    form = {k: p.get(k, "") for k in ("label", "keywords", "category", "program", "lead_unit", "title", "measures",
                                      "deadline", "note")}
    from luoshi.programs.models import Program

    category = ServiceCategory.objects.filter(pk=_int(form["category"])).first() if form["category"] else None
    program = Program.objects.select_related("owner_unit").filter(pk=_int(form["program"])).first()
    lead_unit = Unit.objects.filter(pk=_int(form["lead_unit"])).first()
    try:
        promotion = hot.topic_promote(by=request.user, label=form["label"], category=category,
                                      keywords=form["keywords"],
                                      period=period, program=program, lead_unit=lead_unit, title=form["title"],
                                      measures=form["measures"], deadline=form["deadline"], note=form["note"])
    except PermissionDeniedError as e:
        return render(request, "intake/metrics_hot.html",
                      _hot_ctx(request, period, form, {"general": e.message}),
                      status=403)
    except ServiceError as e:
        return render(request, "intake/metrics_hot.html",
                      _hot_ctx(request, period, form, {e.field or "general": e.message}), status=400)
    messages.success(request, _("已将热点“%(label)s”转为实事任务“%(title)s”。") % {
        "label": promotion.label, "title": promotion.task.title})
    return HttpResponseRedirect(reverse("intake_promotions"))


@login_required
@require_POST
def topic_recommend(request):
    """推荐转为实事: for a dispatcher or leader who may not create the task (hot.topic_recommend)."""
    if not metrics.is_region_viewer(request.user):
        raise Http404
    period = _period(request)
    p = request.POST
    form = {k: p.get(k, "") for k in ("label", "keywords", "category", "program", "note")}
    from luoshi.programs.models import Program

    category = ServiceCategory.objects.filter(pk=_int(form["category"])).first() if form["category"] else None
    program = Program.objects.select_related("owner_unit").filter(pk=_int(form["program"])).first()
    try:
        told = hot.topic_recommend(by=request.user, label=form["label"], category=category, keywords=form["keywords"],
                                   period=period, program=program, note=form["note"])
    except PermissionDeniedError as e:
        return render(request, "intake/metrics_hot.html", _hot_ctx(request, period, form, {"general": e.message}),
                      status=403)
    except ServiceError as e:
        return render(request, "intake/metrics_hot.html",
                      _hot_ctx(request, period, form, {e.field or "general": e.message}), status=400)
    messages.success(request, _("已把热点“%(label)s”推荐给“%(program)s”的督查室/办公室（%(n)s 人），由他们转为实事。") % {
        "label": form["label"].strip(), "program": program.name, "n": told})
    return HttpResponseRedirect(f"{reverse('intake_hot')}?{period.query}")


@login_required
def promotions(request):
    if not metrics.is_region_viewer(request.user):
        raise Http404
    rows = list(hot.promotions_for(request.user)[:500])
    return render(request, "intake/metrics_promotions.html", {"rows": rows})
