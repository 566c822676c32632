"""The cockpit (一屏观) page, its meeting-room mode (?screen=1, full screen, refreshes itself) and the list
behind each figure (drill)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy

from luoshi.core import clock
from luoshi.core.cockpit import PERIOD_KEYS, period_for
from luoshi.core.paging import Pager

from . import selectors

SCREEN_REFRESH_SECONDS = 300
DEFAULT_PERIOD = "month"  # what a leader opens first: this month (本季度 and 本年 one click away)
PERIOD_LABELS = {"month": gettext_lazy("本月"), "quarter": gettext_lazy("本季度"), "year": gettext_lazy("本年")}


def _unit_id(request) -> int | None:
    raw = request.GET.get("unit", "")
    return int(raw) if raw.isdigit() else None


def _period(request):
    key = request.GET.get("period", DEFAULT_PERIOD)
    return period_for(key if key in PERIOD_KEYS else DEFAULT_PERIOD, clock.today())


def _cell(value, suffix: str) -> str:
    if value is None:
        return "—"
    return f"{value:g}{suffix}" if isinstance(value, float) else f"{value}{suffix}"


def _rows(chart) -> list[dict]:
    """A chart's numbers as table rows (category, one value per series): the same figures without a canvas."""
    return [{"label": cat, "values": [_cell(s.values[i] if i < len(s.values) else None, chart.suffix)
                                      for s in chart.series]} for i, cat in enumerate(chart.categories)]


@login_required
def cockpit(request):
    unit = selectors.cockpit_unit(request.user, _unit_id(request))
    period = _period(request)
    screen = request.GET.get("screen") == "1"
    base = reverse("cockpit")
    panels = selectors.cockpit_panels(request.user, unit, period)
    for p in panels:
        p["chart_items"] = [{"id": f"chart-{p['key']}-{i}", "chart": c, "option": selectors.chart_option(c),
                             "rows": _rows(c)} for i, c in enumerate(p["charts"])]
    ctx = {
        "unit": unit, "period": period, "screen": screen, "panels": panels,
        "children": [{"name": u.name, "url": base + "?" + urlencode({"unit": u.pk, "period": period.key})}
                     for u in selectors.cockpit_children(unit)],
        "crumbs": [{"name": u.name, "url": base + "?" + urlencode({"unit": u.pk, "period": period.key})}
                   for u in selectors.cockpit_crumbs(request.user, unit)],
        "roots": [{"name": u.name, "url": base + "?" + urlencode({"unit": u.pk, "period": period.key}),
                   "current": u.pk == unit.pk} for u in selectors.cockpit_roots(request.user)],
        "periods": [{"key": k, "label": PERIOD_LABELS[k], "current": k == period.key,
                     "url": base + "?" + urlencode({"unit": unit.pk, "period": k})} for k in PERIOD_KEYS],
        "screen_url": base + "?" + urlencode({"unit": unit.pk, "period": period.key, "screen": 1}),
        "normal_url": base + "?" + urlencode({"unit": unit.pk, "period": period.key}),
        "refresh": SCREEN_REFRESH_SECONDS, "now": clock.now(), "nav_section": "cockpit",
    }
    return render(request, "cockpit/screen.html" if screen else "cockpit/cockpit.html", ctx)


@login_required
def cockpit_drill(request, panel: str, key: str):
    unit = selectors.cockpit_unit(request.user, _unit_id(request))
    period = _period(request)
    drill = selectors.drill_get(request.user, unit, period, panel, key)
    pager = Pager(drill.rows, 50)
    page = pager.get_page(request.GET.get("page"))
    rows = []
    for value in page.object_list:
        cells, url = drill.row(value)
        rows.append({"cells": cells, "url": url})
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {"unit": unit, "period": period, "drill": drill, "rows": rows, "page": page, "total": pager.count,
           "query": query, "nav_section": "cockpit",
           "back": reverse("cockpit") + "?" + urlencode({"unit": unit.pk, "period": period.key})}
    return render(request, "cockpit/drill.html", ctx)
