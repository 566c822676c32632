"""The ledger's part of the cockpit (core.cockpit) and of 批示 targets (core.targets).

Figures of a scope unit, over every ledger program, for the findings of units in its subtree: 发现 (found in the
period), 已销号 (of those, closed), 整改中 (of those, still open), 逾期 (open now, owing past the deadline, whenever
found) and 销号率. Read from the maintained rows of ledger.tallies (per unit subtree and month; a quarter or a year
is the sum of its months) when the viewer holds a role over the whole subtree; otherwise (a liaison seeing part
of it) and for 逾期 before the daily job has counted today, two indexed counts over the findings. The list behind
each figure is the same filter over the same rows (drill); the 销号率 trend comes from the nightly snapshots."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _, gettext_lazy

from luoshi.core import clock
from luoshi.core.cockpit import Drill, Figure, PanelData, Period, months_between, rate
from luoshi.org.lookups import covers_everything
from luoshi.org.models import Unit
from luoshi.org.scopes import scope_for

from .models import OPEN_STATUSES, OWING_STATUSES, Finding, FindingStatus, LedgerConfig
from .tallies import month_counts, overdue_count

KEYS = ("found", "closed", "open", "overdue")


def _sees_whole_subtree(user, unit: Unit) -> bool:
    scope = scope_for(user)
    return scope.is_admin or scope.covers(unit.path, *scope.paths)


def _base(user, unit: Unit):
    """Findings of units in the subtree that the user may read: all of them when the user holds a role over the
    subtree (the cockpit's rule), else through the ledger's visibility rule."""
    # the ledger programs named outright: with them SQLite reads the (program, found_on) and (program, status,
    # deadline) indexes instead of walking the unit-path index over every finding of the city (bench/cockpit.py)
    programs = list(LedgerConfig.objects.values_list("program_id", flat=True))
    qs = Finding.objects.filter(program_id__in=programs)
    if not covers_everything(unit):
        qs = qs.filter(unit_path__within=[unit.path])
    if _sees_whole_subtree(user, unit):
        return qs
    return qs.filter(pk__in=Finding.objects.visible_to(scope_for(user)).values("pk"))


def _counts(user, unit: Unit, period: Period, today: dt.date) -> tuple[int, int, int]:
    """(found, closed, overdue) of the subtree: the maintained monthly rows when the user sees the whole subtree,
    else counted over the findings the user may read."""
    overdue = None
    if _sees_whole_subtree(user, unit):
        programs = list(LedgerConfig.objects.values_list("program_id", flat=True))
        c = month_counts(programs, unit.pk, months_between(period.start, period.end))
        found, closed = c["found"], c["closed"]
        overdue = overdue_count(programs, unit.pk)
    else:
        base = _base(user, unit)
        c = base.filter(found_on__gte=period.start, found_on__lte=period.end).aggregate(
            found=Count("id"), closed=Count("id", filter=Q(status=FindingStatus.CLOSED)))
        found, closed = c["found"], c["closed"]
    if overdue is None:
        overdue = _filtered(_base(user, unit), "overdue", period, today).count()
    return found, closed, overdue


def _filtered(qs, key: str, period: Period, today: dt.date):
    if key == "overdue":
        return qs.filter(status__in=OWING_STATUSES, deadline__lt=today)
    qs = qs.filter(found_on__gte=period.start, found_on__lte=period.end)
    if key == "closed":
        return qs.filter(status=FindingStatus.CLOSED)
    if key == "open":
        return qs.filter(status__in=OPEN_STATUSES)
    return qs


def ledger_cockpit(user, unit: Unit, period: Period) -> PanelData | None:
    found, closed, overdue = _counts(user, unit, period, clock.today())
    if not found and not overdue:
        return None
    figures = [
        Figure(key="found", label=_("发现问题"), value=found),
        Figure(key="closed", label=_("已销号"), value=closed, state="good" if closed else ""),
        Figure(key="open", label=_("未销号"), value=found - closed, state="warn" if found - closed else ""),
        Figure(key="overdue", label=_("逾期未整改"), value=overdue, state="bad" if overdue else "good",
               note=_("当前逾期，不限发现日期")),
        Figure(key="close_rate", label=_("销号率"), value=rate(closed, found), suffix="%",
               url=_drill_url("closed", unit, period), note=_("已销号 ÷ 发现")),
    ]
    return PanelData(figures=figures, link=reverse("ledger_index"),
                     note=_("发现、销号按统计期内发现的问题计；逾期为当前仍逾期的问题。"))


def _drill_url(key: str, unit: Unit, period: Period) -> str:
    return reverse("cockpit_drill", args=["ledger", key]) + "?" + urlencode({"unit": unit.pk, "period": period.key})


FIELDS = ("id", "code", "description", "unit__name", "found_on", "deadline", "status", "program__name")


def ledger_drill(user, unit: Unit, period: Period, key: str) -> Drill | None:
    if key not in KEYS:
        return None
    rows = _filtered(_base(user, unit), key, period, clock.today()).order_by("-found_on", "-id").values(*FIELDS)
    prefix = reverse("ledger_finding", args=[0])[:-2]
    labels = dict(FindingStatus.choices)

    def row(f: dict) -> tuple[list[str], str]:
        return ([f["code"], f["description"][:80], f["unit__name"], f["program__name"], f"{f['found_on']:%Y-%m-%d}",
                 f"{f['deadline']:%Y-%m-%d}" if f["deadline"] else "—", str(labels.get(f["status"], f["status"]))],
                f"{prefix}{f['id']}/")

    titles = {"found": _("发现问题"), "closed": _("已销号"), "open": _("未销号"), "overdue": _("逾期未整改")}
    return Drill(title=titles[key], columns=[_("编号"), _("问题"), _("责任单位"), _("专项工作"), _("发现日期"),
                                              _("整改时限"), _("状态")], rows=rows, row=row)


def ledger_snapshot(units, day: dt.date) -> dict[int, dict[str, object]]:
    """As of `day`, per unit subtree, over the findings found since 1 January of its year: found, closed by then
    (closed_at on or before the day), overdue then (deadline passed, not closed by then), 销号率. One grouped query
    by unit path, rolled up to the units in Python (the paths' ancestors)."""
    start = dt.date(day.year, 1, 1)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=clock.now().tzinfo)
    qs = (Finding.objects.filter(found_on__gte=start, found_on__lte=day).order_by().values("unit_path")
          .annotate(found=Count("id"),
                    closed=Count("id", filter=Q(status=FindingStatus.CLOSED, closed_at__lt=end)),
                    overdue=Count("id", filter=Q(deadline__lt=day) & ~Q(status=FindingStatus.CLOSED, closed_at__lt=end)))
          .values_list("unit_path", "found", "closed", "overdue"))
    wanted = {str(u.pk): u.pk for u in units}
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for path, found, closed, overdue in qs:
        for part in path.strip("/").split("/"):
            uid = wanted.get(part)
            if uid is not None:
                s = sums[uid]
                s[0] += found
                s[1] += closed
                s[2] += overdue
    return {uid: {"found": s[0], "closed": s[1], "overdue": s[2], "close_rate": rate(s[1], s[0])}
            for uid, s in sums.items()}


LEDGER_TREND = (("close_rate", gettext_lazy("销号率（%）"), "good"), ("overdue", gettext_lazy("逾期"), "bad"))


# ---- 批示 targets -----------------------------------------------------------------------------------

def finding_target_get(user, pk: int) -> Finding | None:
    return Finding.objects.visible_to(scope_for(user)).select_related("unit").filter(pk=pk).first()


def register() -> None:
    """Called from LedgerConfig.ready(): the cockpit panel and the 批示 target."""
    from luoshi.core.cockpit import register_panel
    from luoshi.core.targets import register_target

    register_panel("ledger", title=gettext_lazy("问题台账"), order=20, figures=ledger_cockpit, drill=ledger_drill,
                   snapshot=ledger_snapshot, trend=LEDGER_TREND,
                   compare=("close_rate", gettext_lazy("下级单位销号率（本年）"), "%"))
    register_target("ledger.finding", label=gettext_lazy("问题"), get=finding_target_get,
                    unit_path=lambda f: f.unit_path, units=lambda f: [f.unit],
                    url=lambda f: reverse("ledger_finding", args=[f.pk]),
                    title=lambda f: f"{f.code} {f.description[:50]}")
