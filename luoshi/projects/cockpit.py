"""Key projects on the leaders' cockpit (core.cockpit) and as a 批示 target (core.targets).

The panel reads `selectors.cockpit_figures` — the maintained project counts, per program the user reads — for the
cockpit's period (本月 / 本季度 / 本年 map to the projects app's 2026-03 / 2026Q1 / 2026), for the scope unit when it is
a district and for everything the user reads at the city. Every count links to the project list behind it."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy, pgettext

from luoshi.core.cockpit import Figure, PanelData, Period
from luoshi.org.lookups import covers_everything
from luoshi.org.models import Unit
from luoshi.org.scopes import scope_for

from .models import Project
from .selectors import cockpit_figures


def period_code(period: Period) -> str:
    end = period.end
    if period.key == "month":
        return f"{end.year}-{end.month:02d}"
    if period.key == "quarter":
        return f"{end.year}Q{(end.month - 1) // 3 + 1}"
    return str(end.year)


def _state(rate, good: int = 90, warn: int = 70) -> str:
    if rate is None:
        return ""
    return "good" if rate >= good else ("warn" if rate >= warn else "bad")


def projects_cockpit(user, unit: Unit, period: Period) -> PanelData | None:
    """Figures of the first program with projects (most cities run one 重点项目 list a year); the others are listed
    with their 投资完成率 as a table."""
    if covers_everything(unit):
        data = cockpit_figures(user, None, period_code(period))
    else:  # a district, a 镇街, a function area: the figures of its subtree (the `unit` rows, ADR 0025)
        data = cockpit_figures(user, unit, period_code(period))
    programs = [p for p in data["programs"] if p["projects"]]
    if not programs:
        return None
    first = programs[0]
    urls = first["urls"]
    projects = pgettext("count of projects", "个")  # the unit after a number of projects: " projects" in English
    figures = [
        Figure("start_rate", _("开工率"), first["start_rate"], "%", url=urls.get("start_met", ""),
               state=_state(first["start_rate"]), note=_("%(met)s / %(due)s 个") % {
                   "met": first["start_met"], "due": first["start_due"]}),
        Figure("produce_rate", _("投产率"), first["produce_rate"], "%", url=urls.get("produce_met", ""),
               state=_state(first["produce_rate"]), note=_("%(met)s / %(due)s 个") % {
                   "met": first["produce_met"], "due": first["produce_due"]}),
        Figure("invest_rate", _("投资完成率"), first["invest_rate"], "%", url=first["figures_url"],
               state=_state(first["invest_rate"])),
        Figure("start_new", _("新开工"), first["start_new"], projects, url=urls.get("start_new", "")),
        Figure("produce_new", _("新投产"), first["produce_new"], projects, url=urls.get("produce_new", "")),
        Figure("red", _("红灯项目"), first["red"], projects, url=urls.get("red", ""), state="bad" if first["red"] else ""),
        Figure("yellow", _("黄灯项目"), first["yellow"], projects, url=urls.get("yellow", ""),
               state="warn" if first["yellow"] else ""),
    ]
    note = _("%(name)s · %(period)s") % {"name": first["name"], "period": first["period_label"]}
    return PanelData(figures=figures, note=note, link=first["figures_url"])


def project_target_get(user, pk: int) -> Project | None:
    return Project.objects.visible_to(scope_for(user)).select_related("lead_unit").filter(pk=pk).first()


def register() -> None:
    """Called from ProjectsConfig.ready()."""
    from luoshi.core.cockpit import register_panel
    from luoshi.core.targets import register_target

    register_panel("projects", title=gettext_lazy("重点项目"), order=25, figures=projects_cockpit)
    register_target("projects.project", label=gettext_lazy("重点项目"), get=project_target_get,
                    unit_path=lambda p: p.lead_unit.path, units=lambda p: [p.lead_unit],
                    url=lambda p: reverse("projects_detail", args=[p.pk]), title=lambda p: f"{p.code} {p.name[:50]}")
