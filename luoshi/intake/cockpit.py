"""The requests' part of the cockpit (core.cockpit) and of 批示 targets (core.targets).

Figures of a scope unit: the requests dispatched in the period to units in its subtree (counted ones, as the
metrics page counts them, intake.metrics): 派单数, 响应率, 按时办结率, 满意率, 超期数, 不满意数, and the hot categories
of the requests received in the period in its area or dispatched to it. When the viewer holds a role over the whole subtree they are read from the
maintained monthly rows (intake.tallies; a quarter or a year is the sum of its months) plus one indexed count of the
open requests whose limit has passed since; otherwise counted over the requests the viewer may read. The counts
link to the same rows (drill)."""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy

from luoshi.core import clock
from luoshi.core.cockpit import Chart, Drill, Figure, PanelData, Period, Series, months_between, rate
from luoshi.org.lookups import covers_everything
from luoshi.org.models import Unit
from luoshi.org.scopes import scope_for

from . import tallies
from .config import intake_settings
from .models import Request, RequestState, ServiceCategory

KEYS = ("dispatched", "overdue", "unsatisfied")
HOT = 8


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    tz = clock.now().tzinfo
    return (dt.datetime.combine(period.start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def _sees_whole_subtree(user, unit: Unit) -> bool:
    scope = scope_for(user)
    return scope.is_admin or scope.covers(unit.path, *scope.paths)


def _base(user, unit: Unit):
    qs = Request.objects.all() if covers_everything(unit) else Request.objects.filter(unit_path__within=[unit.path])
    if _sees_whole_subtree(user, unit):
        return qs
    return qs.filter(pk__in=Request.objects.visible_to(scope_for(user)).values("pk"))


def _dispatched(user, unit: Unit, period: Period):
    start, end = _bounds(period)
    return _base(user, unit).filter(dispatched_at__gte=start, dispatched_at__lt=end, counted=True)


def _filter(qs, key: str, now: dt.datetime, satisfied_from: int):
    if key == "overdue":
        return qs.filter(Q(replied_on_time=False) | Q(replied_at__isnull=True, due_at__lt=now))
    if key == "unsatisfied":
        return qs.filter(state=RequestState.CLOSED, satisfaction__lt=satisfied_from)
    return qs


def _counts(user, unit: Unit, period: Period, now: dt.datetime, satisfied_from: int) -> dict[str, int]:
    """The panel's counts: from the monthly rows and the open requests past their limit when the user sees the
    whole subtree, else one conditional aggregate over the requests the user may read."""
    if _sees_whole_subtree(user, unit):
        m = tallies.month_figures(unit.pk, months_between(period.start, period.end))
        late = tallies.pending(_dispatched(user, unit, period), now=now)
        return {"dispatched": m["dispatched"], "sign_base": m["signed"] + late["sign"],
                "signed_on_time": m["signed_on_time"], "reply_base": m["replied"] + late["reply"],
                "replied_on_time": m["replied_on_time"], "rated": m["rated"], "satisfied": m["satisfied"],
                "unsatisfied": m["unsatisfied"], "overdue": m["replied_late"] + late["reply"]}
    return _counts_live(user, unit, period, now, satisfied_from)


def _counts_live(user, unit: Unit, period: Period, now: dt.datetime, satisfied_from: int) -> dict[str, int]:
    closed = Q(state=RequestState.CLOSED)
    aggregates = {
        "dispatched": Count("id"),
        "sign_base": Count("id", filter=Q(signed_at__isnull=False) | Q(sign_due__lt=now)),
        "signed_on_time": Count("id", filter=Q(signed_on_time=True)),
        "reply_base": Count("id", filter=Q(replied_at__isnull=False) | Q(due_at__lt=now)),
        "replied_on_time": Count("id", filter=Q(replied_on_time=True)),
        "rated": Count("id", filter=closed & Q(satisfaction__isnull=False)),
        "satisfied": Count("id", filter=closed & Q(satisfaction__gte=satisfied_from)),
        "unsatisfied": Count("id", filter=closed & Q(satisfaction__lt=satisfied_from)),
        "overdue": Count("id", filter=Q(replied_on_time=False) | Q(replied_at__isnull=True, due_at__lt=now)),
    }
    # prefixed: an aggregate named like a field ("replied_on_time") would shadow it in the other filters
    row = _dispatched(user, unit, period).aggregate(**{f"m_{k}": v for k, v in aggregates.items()})
    return {k[2:]: v for k, v in row.items()}


def _hot(user, unit: Unit, period: Period) -> list[tuple[int, int]]:
    if _sees_whole_subtree(user, unit):
        return tallies.hot_categories(unit.pk, months_between(period.start, period.end), HOT)
    return _hot_live(user, unit, period)


def _hot_live(user, unit: Unit, period: Period) -> list[tuple[int, int]]:
    """Requests received in the period in the unit's area (region_path: the 属地 it was filed for, dispatched or
    not) or dispatched to a unit of its subtree (unit_path), by category."""
    start, end = _bounds(period)
    qs = Request.objects.all() if covers_everything(unit) else Request.objects.filter(
        Q(region_path__within=[unit.path]) | Q(unit_path__within=[unit.path]))
    if not _sees_whole_subtree(user, unit):
        qs = qs.filter(pk__in=Request.objects.visible_to(scope_for(user)).values("pk"))
    return [(h["category_id"], h["n"]) for h in
            qs.filter(received_at__gte=start, received_at__lt=end).order_by()
            .values("category_id").annotate(n=Count("id")).order_by("-n", "category_id")[:HOT]]


def intake_cockpit(user, unit: Unit, period: Period) -> PanelData | None:
    now = clock.now()
    satisfied_from = intake_settings().satisfied_from
    c = _counts(user, unit, period, now, satisfied_from)
    if not c["dispatched"]:
        return None

    def state(value: float | None, good: float, warn: float) -> str:
        return "" if value is None else ("good" if value >= good else "warn" if value >= warn else "bad")

    response, on_time = rate(c["signed_on_time"], c["sign_base"]), rate(c["replied_on_time"], c["reply_base"])
    satisfied = rate(c["satisfied"], c["rated"])
    metrics_url = reverse("intake_metrics")
    figures = [
        Figure(key="dispatched", label=_("派单数"), value=c["dispatched"]),
        Figure(key="response", label=_("响应率"), value=response, suffix="%", state=state(response, 95, 85),
               url=metrics_url, note=_("按时签收 ÷ 应签收")),
        Figure(key="on_time", label=_("按时办结率"), value=on_time, suffix="%", state=state(on_time, 95, 85),
               url=metrics_url, note=_("按时回复 ÷ 应办结")),
        Figure(key="satisfied", label=_("满意率"), value=satisfied, suffix="%", state=state(satisfied, 90, 80),
               url=metrics_url, note=_("满意 ÷ 已评价")),
        Figure(key="overdue", label=_("超期"), value=c["overdue"], state="bad" if c["overdue"] else "good"),
        Figure(key="unsatisfied", label=_("不满意"), value=c["unsatisfied"], state="warn" if c["unsatisfied"] else ""),
    ]
    hot = _hot(user, unit, period)
    names = dict(ServiceCategory.objects.filter(pk__in=[c for c, _n in hot]).values_list("id", "name"))
    charts = []
    if hot:
        charts.append(Chart(key="hot", title=_("热点诉求类别"), kind="hbar",
                            categories=[names.get(c, "?") for c, _n in hot],
                            series=[Series(name=_("受理量"), values=[n for _c, n in hot])]))
    return PanelData(figures=figures, charts=charts, link=reverse("intake_index"),
                     note=_("按%(period)s派至本范围单位（承办）且纳入考评的工单计，口径同“办理指标”。")
                     % {"period": period.label})


FIELDS = ("id", "title", "category__name", "lead_unit__name", "dispatched_at", "state")


def intake_drill(user, unit: Unit, period: Period, key: str) -> Drill | None:
    if key not in KEYS:
        return None
    rows = (_filter(_dispatched(user, unit, period), key, clock.now(), intake_settings().satisfied_from)
            .order_by("-dispatched_at", "-id").values(*FIELDS))
    prefix = reverse("intake_detail", args=[0])[:-2]
    labels = dict(RequestState.choices)
    tz = clock.now().tzinfo

    def row(r: dict) -> tuple[list[str], str]:
        return ([str(r["id"]), r["title"], r["category__name"], r["lead_unit__name"] or "",
                 f"{r['dispatched_at'].astimezone(tz):%Y-%m-%d %H:%M}", str(labels.get(r["state"], r["state"]))],
                f"{prefix}{r['id']}/")

    titles = {"dispatched": _("派单"), "overdue": _("超期工单"), "unsatisfied": _("不满意工单")}
    return Drill(title=titles[key], columns=[_("编号"), _("标题"), _("类别"), _("承办单位"), _("派单时间"), _("状态")],
                 rows=rows, row=row)


def request_target_get(user, pk: int) -> Request | None:
    return Request.objects.visible_to(scope_for(user)).select_related("lead_unit").filter(pk=pk).first()


def register() -> None:
    """Called from IntakeConfig.ready(): the cockpit panel and the 批示 target."""
    from luoshi.core.cockpit import register_panel
    from luoshi.core.targets import register_target

    register_panel("intake", title=gettext_lazy("诉求办理"), order=40, figures=intake_cockpit, drill=intake_drill)
    register_target("intake.request", label=gettext_lazy("诉求工单"), get=request_target_get,
                    unit_path=lambda r: r.unit_path or r.region_path,
                    units=lambda r: [r.lead_unit] if r.lead_unit_id else [],
                    url=lambda r: reverse("intake_detail", args=[r.pk]), title=lambda r: f"{r.pk} {r.title}")
