"""The cockpit's figures over REST (mounted at /api/cockpit): the same panels, scope rule and numbers as the page,
for a big-screen system or a report that wants them as data. 403 when the user may not open that scope.

No `from __future__ import annotations` here: ninja resolves the parameter types at import."""
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Router, Schema

from luoshi.core import clock
from luoshi.core.cockpit import PERIOD_KEYS, period_for
from luoshi.core.errors import PermissionDeniedError
from luoshi.core.params import Id

from . import selectors

router = Router(tags=["cockpit"])


class Error(Schema):
    detail: str


class FigureOut(Schema):
    key: str
    label: str
    value: float | None
    suffix: str
    state: str
    url: str


class PanelOut(Schema):
    key: str
    title: str
    figures: list[FigureOut]


class CockpitOut(Schema):
    unit_id: int
    unit: str
    period: str
    start: str
    end: str
    panels: list[PanelOut]


@router.get("/", response={200: CockpitOut, 403: Error, 404: Error})
def cockpit(request, unit: Id | None = None, period: str = "month"):
    """The figures of one scope (default: the user's first) for period month | quarter | year (the one containing
    today). Each figure's `url` is the list behind it (its count equals `value` unless `suffix` is "%")."""
    try:
        scope_unit = selectors.cockpit_unit(request.user, unit)
    except PermissionDenied:
        raise PermissionDeniedError(_("无权查看该单位的一屏观。"))
    p = period_for(period if period in PERIOD_KEYS else "month", clock.today())
    panels = selectors.cockpit_panels(request.user, scope_unit, p)
    return {"unit_id": scope_unit.pk, "unit": scope_unit.name, "period": p.label, "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "panels": [{"key": x["key"], "title": str(x["title"]), "figures": [
                {"key": i["f"].key, "label": str(i["f"].label),
                 "value": None if i["f"].value is None else float(i["f"].value), "suffix": i["f"].suffix,
                 "state": i["f"].state, "url": i["url"]} for i in x["figures"]]} for x in panels]}
