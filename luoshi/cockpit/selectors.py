"""Reads of the cockpit: which scopes a person may open, the panels' figures for one scope, the trend lines from
the stored snapshots, and the rows behind a figure (drill).

Who opens which scope: a person with the office, leader or liaison role opens the cockpit of each unit where
they hold it and of every unit below (a liaison's cockpit is their own unit's); an administrator every unit.
The panels filter by the user's visibility themselves (core.cockpit), the cockpit decides only the scope."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from luoshi.core import clock
from luoshi.core.cockpit import Chart, Drill, Panel, Period, Series, panel, panel_data, panels
from luoshi.org.models import Role, Unit, UnitKind
from luoshi.org.scopes import scope_for

from .models import FigureSnapshot

COCKPIT_ROLES = (Role.OFFICE, Role.LEADER, Role.LIAISON)
# the units a cockpit is drawn for (and a trend kept of): not communities and grids
SCOPE_KINDS = (UnitKind.CITY, UnitKind.DISTRICT, UnitKind.STREET, UnitKind.DEPARTMENT, UnitKind.ZONE, UnitKind.SOE)
TREND_DAYS = 91
TREND_POINTS = 13


def can_open_cockpit(user) -> bool:
    scope = scope_for(user)
    return scope.is_admin or bool(scope.paths_for(*COCKPIT_ROLES))


def cockpit_roots(user) -> list[Unit]:
    """The outermost units whose cockpit the user opens (their starting screens)."""
    scope = scope_for(user)
    if scope.is_admin:
        return list(Unit.objects.filter(parent=None, is_active=True).order_by("sort_order", "path"))
    return list(Unit.objects.filter(path__in=scope.paths_for(*COCKPIT_ROLES)).order_by("path"))


def may_open(user, unit: Unit) -> bool:
    return scope_for(user).covers(unit.path, *COCKPIT_ROLES)


def cockpit_unit(user, unit_id: int | None) -> Unit:
    """The scope to show: `unit_id` when the user may open it (else PermissionDenied), their first root when none."""
    if not can_open_cockpit(user):
        raise PermissionDenied
    if unit_id is None:
        roots = cockpit_roots(user)
        if not roots:
            raise Http404
        return roots[0]
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    if not may_open(user, unit):
        raise PermissionDenied
    return unit


def cockpit_children(unit: Unit) -> list[Unit]:
    """The scopes one level down (districts and departments of a city, streets of a district …)."""
    return list(Unit.objects.filter(parent=unit, is_active=True, kind__in=SCOPE_KINDS).order_by("sort_order", "path"))


def cockpit_crumbs(user, unit: Unit) -> list[Unit]:
    """The scopes above `unit` that the user may open too, outermost first (the breadcrumb)."""
    ids = unit.ancestor_ids()[:-1]
    above = {u.pk: u for u in Unit.objects.filter(pk__in=ids)}
    return [above[i] for i in ids if i in above and may_open(user, above[i])]


def snapshot_units():
    return Unit.objects.filter(is_active=True, kind__in=SCOPE_KINDS).only("id", "path", "kind")


def _downsample(days: list[dt.date], n: int) -> list[dt.date]:
    if len(days) <= n:
        return days
    step = (len(days) - 1) / (n - 1)
    return sorted({days[round(i * step)] for i in range(n)})


def trend_chart(unit: Unit, p: Panel, *, today: dt.date | None = None) -> Chart | None:
    """The panel's trend lines for the unit from the stored snapshots of the last three months (one query)."""
    if not p.trend:
        return None
    today = today or clock.today()
    keys = [k for k, _label, _state in p.trend]
    values: dict[dt.date, dict[str, float]] = defaultdict(dict)
    for day, key, value in (FigureSnapshot.objects.filter(unit=unit, panel=p.key, key__in=keys,
                                                          day__gt=today - dt.timedelta(days=TREND_DAYS), day__lte=today)
                            .values_list("day", "key", "value")):
        values[day][key] = float(value)
    days = _downsample(sorted(values), TREND_POINTS)
    if len(days) < 2:
        return None
    series = [Series(name=str(label), values=[values[d].get(k) for d in days], state=state)
              for k, label, state in p.trend]
    return Chart(key=f"{p.key}-trend", title=_("%(panel)s趋势") % {"panel": p.title}, kind="line",
                 categories=[f"{d.month}月{d.day}日" for d in days], series=series)


def compare_chart(unit: Unit, p: Panel, children: list[Unit], *, today: dt.date | None = None) -> Chart | None:
    """One snapshot figure of each unit one level down, from the latest snapshot day within a week (two queries),
    best first; each bar links to that unit's cockpit."""
    if p.compare is None or not children:
        return None
    key, title, suffix = p.compare
    today = today or clock.today()
    rows = FigureSnapshot.objects.filter(unit__in=[c.pk for c in children], panel=p.key, key=key,
                                         day__gt=today - dt.timedelta(days=7), day__lte=today)
    day = rows.order_by("-day").values_list("day", flat=True).first()
    if day is None:
        return None
    values = dict(rows.filter(day=day).values_list("unit_id", "value"))
    shown = sorted((c for c in children if c.pk in values), key=lambda c: (-values[c.pk], c.name))[:15]
    if not shown:
        return None
    base = reverse("cockpit")
    return Chart(key=f"{p.key}-compare", title=_("%(title)s · 截至%(day)s") % {"title": title,
                                                                             "day": f"{day.month}月{day.day}日"},
                 kind="hbar", suffix=suffix, categories=[c.name for c in shown],
                 urls=[base + "?" + urlencode({"unit": c.pk}) for c in shown],
                 series=[Series(name=str(title), values=[float(values[c.pk]) for c in shown])])


def drill_url(p: Panel, key: str, unit: Unit, period: Period) -> str:
    return reverse("cockpit_drill", args=[p.key, key]) + "?" + urlencode({"unit": unit.pk, "period": period.key})


def cockpit_panels(user, unit: Unit, period: Period) -> list[dict]:
    """Every registered panel's data for the scope (hidden when it returns None), with the trend chart and each
    figure's link resolved: its own url, or the cockpit's drill page when the panel has a drill."""
    out = []
    children = cockpit_children(unit)
    for p in panels():
        data = panel_data(p.figures(user, unit, period))
        if data is None:
            continue
        figures = []
        for f in data.figures:
            url = f.url or (drill_url(p, f.key, unit, period) if p.drill is not None else "")
            figures.append({"f": f, "url": url})
        charts = list(data.charts)
        for extra in (compare_chart(unit, p, children), trend_chart(unit, p)):
            if extra is not None:
                charts.append(extra)
        out.append({"key": p.key, "title": p.title, "figures": figures, "charts": charts, "tables": data.tables,
                    "note": data.note, "link": data.link})
    return out


def drill_get(user, unit: Unit, period: Period, panel_key: str, figure_key: str) -> Drill:
    p = panel(panel_key)
    if p is None or p.drill is None:
        raise Http404
    drill = p.drill(user, unit, period, figure_key)
    if drill is None:
        raise Http404
    return drill


def chart_option(chart: Chart) -> dict:
    """The plain values the page's script turns into an ECharts option (static/js/cockpit.js)."""
    return {"kind": chart.kind, "title": chart.title, "categories": chart.categories, "suffix": chart.suffix,
            "urls": chart.urls, "series": [{"name": s.name, "values": s.values, "state": s.state}
                                           for s in chart.series]}
