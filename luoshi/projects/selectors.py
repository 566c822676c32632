"""Reads of key projects. Every read starts from `Project.objects.visible_to(scope)`; figures come from the
maintained rows (figures.py), and each number links to the list behind it, which `project_list` reproduces with
the same definition (a test checks that each count equals its list)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy

from luoshi.core import clock
from luoshi.core.reasons import reason_text
from luoshi.org.models import Person, Role, Unit
from luoshi.org.scopes import scope_for
from luoshi.programs.models import Program

from . import figures
from .figures import Period, month_key
from .models import Light, Project, ProjectConfig, ProjectEvent, ProjectMonth, ProjectRating, ProjectUnit

DIM_LABELS = {"district": gettext_lazy("按区市"), "area": gettext_lazy("按功能区"), "street": gettext_lazy("按镇街"),
              "type": gettext_lazy("按项目类型"), "leader": gettext_lazy("按包联领导")}
# what a list can be narrowed to: the figures page's dimensions, and `unit` (a unit's subtree: the figures of
# someone who reads part of the program)
LIST_DIMS = (*DIM_LABELS, "unit")
# the figures a list can be narrowed to (the link behind each number)
LIST_FIGURES = ("start_due", "start_met", "start_new", "produce_due", "produce_met", "produce_new", "yellow", "red")


def programs_for(user) -> QuerySet[Program]:
    """Programs with key projects the user reads: whole (office, leaders, evaluators over the owner unit), or some of
    their projects (`Project.objects.visible_to` without the whole-program part, which the first term covers)."""
    scope = scope_for(user)
    base = Program.objects.filter(projects_config__isnull=False).order_by("-year", "code")
    if scope.is_admin:
        return base
    q = Q(pk__in=ProjectUnit.objects.filter(unit_path__within=scope.all_paths + scope.paired_unit_paths)
          .values("project__program_id"))
    if scope.person_id is not None:
        q |= Q(pk__in=Project.objects.filter(Q(leader_id=scope.person_id) | Q(
            pk__in=Project.team.through.objects.filter(person_id=scope.person_id).values("project_id")))
            .values("program_id"))
    return base.filter(Q(pk__in=Program.objects.wholly_visible_to(scope).values("pk")) | q)


def program_get(user, code: str) -> tuple[Program, ProjectConfig]:
    program = programs_for(user).filter(code=code).select_related("projects_config", "owner_unit").first()
    if program is None:
        raise Http404(_("没有这个重点项目专项工作，或您无权查看。"))
    return program, program.projects_config


def sees_whole_program(user, program: Program) -> bool:
    return program.wholly_visible_to(scope_for(user))


@dataclass(frozen=True)
class ListFilter:
    dim: str = ""
    key: str = ""
    figure: str = ""
    period: Period | None = None
    light: str = ""
    q: str = ""


def _narrow(qs: QuerySet[Project], f: ListFilter) -> QuerySet[Project]:
    if f.dim == "district" and f.key:
        qs = qs.filter(district_id=f.key)
    elif f.dim == "area" and f.key:
        qs = qs.filter(area_id=f.key)
    elif f.dim == "street" and f.key:
        qs = qs.filter(street_id=f.key)
    elif f.dim == "unit" and f.key:
        path = Unit.objects.filter(pk=f.key).values_list("path", flat=True).first() if f.key.isdigit() else None
        qs = qs.filter(pk__in=ProjectUnit.objects.filter(unit_path__within=[path] if path else []).values("project_id"))
    elif f.dim == "type" and f.key:
        qs = qs.filter(type=f.key)
    elif f.dim == "leader" and f.key:
        qs = qs.filter(leader_id=f.key)
    if f.light:
        qs = qs.filter(light=f.light)
    if f.q:
        qs = qs.filter(Q(name__icontains=f.q) | Q(code__icontains=f.q) | Q(builder_name__icontains=f.q))
    if f.figure in ("yellow", "red"):
        qs = qs.filter(light=f.figure)
    elif f.figure and f.period is not None:
        phase, what = f.figure.split("_")
        end, start = f.period.end, f.period.start
        plan, fact = f"plan_{phase}", f"{phase}_on"
        if what == "due":
            qs = qs.filter(**{f"{plan}__lte": end})
        elif what == "met":
            qs = qs.filter(**{f"{plan}__lte": end, f"{fact}__lte": end})
        elif what == "new":
            qs = qs.filter(**{f"{fact}__gte": start, f"{fact}__lte": end})
    return qs


def project_list(user, program: Program, f: ListFilter = ListFilter()) -> QuerySet[Project]:
    qs = Project.objects.visible_to(scope_for(user)).filter(program=program, is_archived=False)
    return _narrow(qs, f).order_by("code", "id")


def project_rows(projects: list[Project], config: ProjectConfig, names: dict[int, str], detail_prefix: str) -> list[dict]:
    """Plain rows for the list template (no ORM in the loop)."""
    rows = []
    for p in projects:
        rate = figures.Figures.rate(p.actual_to_date, p.plan_to_date)
        rows.append({
            "url": f"{detail_prefix}{p.pk}/", "code": p.code, "name": p.name, "type": config.type_name(p.type),
            "district": names.get(p.district_id, ""), "area": names.get(p.area_id, "") if p.area_id else "",
            "builder": p.builder_name, "phase": config.phase_name(p.phase) if p.phase else _("未签约"),
            "total": p.total_investment, "actual_year": p.actual_year, "invest_rate": rate,
            "light": p.light, "light_label": Light(p.light).label, "reason": reason_text(p.light_reason)})
    return rows


def unit_names(ids) -> dict[int, str]:
    return {pk: short or name for pk, name, short in Unit.objects.filter(pk__in={i for i in ids if i}).values_list(
        "pk", "name", "short_name")}


def project_get(user, pk: int) -> Project:
    project = Project.objects.visible_to(scope_for(user)).filter(pk=pk).select_related(
        "program__projects_config", "program__owner_unit", "district", "area", "street", "lead_unit", "builder_unit",
        "supervisor_unit", "leader").first()
    if project is None:
        raise Http404(_("没有这个项目，或您无权查看。"))
    return project


def project_months(project: Project) -> list[ProjectMonth]:
    return list(ProjectMonth.objects.filter(project=project).prefetch_related("evidence"))


def project_events(project: Project, limit: int = 50) -> list[ProjectEvent]:
    return list(ProjectEvent.objects.filter(project=project).select_related("by").prefetch_related("evidence")[:limit])


# ---- figures ----------------------------------------------------------------------------------------------

def figures_scope_keys(user, program: Program) -> list[str] | None:
    """None: the whole program; else the ids of the outermost units the user reads (their units' subtrees and the
    units paired with them, 包联), whose `unit` rows hold the figures of the projects they see."""
    scope = scope_for(user)
    if program.wholly_visible_to(scope):
        return None
    from luoshi.org.lookups import outermost

    return [figures.unit_ids(path)[-1] for path in outermost(scope.all_paths + scope.paired_unit_paths)]


def list_url(program: Program, **params) -> str:
    base = reverse("projects_list", args=[program.code])
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{base}?{urlencode(clean)}" if clean else base


def figure_table(user, program: Program, config: ProjectConfig, dim: str, period: Period) -> dict:
    """The figures page: the total and one row per key of `dim`, each number with the URL of its list."""
    keys = figures_scope_keys(user, program)
    if keys is None:
        total = figures.figures_by_key(program.pk, "all", period).get("", figures.Figures())
        by_key = figures.figures_by_key(program.pk, dim, period)
        total_row = _row(program, "", "", _("合计"), total, period)
        labels = _labels(dim, by_key.keys(), config)
    else:
        # someone who reads part of the program (a district, a 镇街, a department): one row per unit they read,
        # each the projects of its subtree — the list they see
        dim = "unit"
        found = figures.figures_by_key(program.pk, dim, period, keys)
        by_key = {key: found.get(key, figures.Figures()) for key in keys}
        labels = _labels(dim, keys, config)
        if len(keys) == 1:  # the total is that unit's row, and its numbers link to the same lists
            total_row = _row(program, dim, keys[0], labels.get(keys[0], keys[0]), by_key[keys[0]], period)
        else:  # a project two of the units share counts in both rows: the total is their sum, said as such
            total_row = _row(program, "", "", _("合计"), _sum(by_key.values()), period)
    rows = [_row(program, dim, key, labels.get(key, key), f, period) for key, f in by_key.items()]
    rows.sort(key=lambda r: (-(r["start_rate"] or 0), r["label"]))
    return {"total": total_row, "rows": rows, "dim": dim, "whole": keys is None}


def _sum(items) -> figures.Figures:
    out = figures.Figures()
    for f in items:
        for name in figures.Figures.__dataclass_fields__:
            setattr(out, name, getattr(out, name) + getattr(f, name))
    return out


def _labels(dim: str, keys, config: ProjectConfig) -> dict[str, str]:
    ids = [int(k) for k in keys if k.isdigit()]
    if dim in ("district", "area", "street", "unit"):
        return {str(k): v for k, v in Unit.objects.filter(pk__in=ids).values_list("pk", "name")}
    if dim == "leader":
        return {str(pk): (full or user) for pk, full, user in Person.objects.filter(pk__in=ids).values_list(
            "pk", "full_name", "username")}
    if dim == "type":
        return {t["code"]: t["name"] for t in config.types}
    return {}


def _row(program: Program, dim: str, key: str, label: str, f: figures.Figures, period: Period) -> dict:
    def url(figure: str = "") -> str:
        return list_url(program, dim=dim, key=key, figure=figure, period=period.code if figure else "")

    return {"key": key, "label": label, "url": url(), "projects": f.projects, "yellow": f.yellow, "red": f.red,
            "start_due": f.start_due, "start_met": f.start_met, "start_new": f.start_new,
            "produce_due": f.produce_due, "produce_met": f.produce_met, "produce_new": f.produce_new,
            "plan": f.plan, "actual": f.actual, "start_rate": f.start_rate, "produce_rate": f.produce_rate,
            "invest_rate": f.invest_rate,
            "urls": {name: url(name) for name in LIST_FIGURES}}


CHART_ROWS = 30  # a chart of more rows would not read on a phone; the table below it lists them all


def figure_charts(table: dict) -> list:
    """The figures page's charts (core.cockpit.Chart, drawn by the cockpit's script): the three rates, the projects by
    light and the investment, one category per row of the table (the first CHART_ROWS), each opening its list."""
    from luoshi.core.cockpit import Chart, Series

    rows = table["rows"][:CHART_ROWS] or [table["total"]]
    labels, urls = [str(r["label"]) for r in rows], [r["url"] for r in rows]

    def pct(v):
        return float(v) if v is not None else None

    return [
        Chart("rates", _("开工率、投产率、投资完成率"), "hbar", labels, [
            Series(_("开工率"), [pct(r["start_rate"]) for r in rows], "info"),
            Series(_("投产率"), [pct(r["produce_rate"]) for r in rows], "done"),
            Series(_("投资完成率"), [pct(r["invest_rate"]) for r in rows], "good")], urls=urls, suffix="%"),
        Chart("lights", _("项目状态（个）"), "stack", labels, [
            Series(_("正常"), [r["projects"] - r["yellow"] - r["red"] for r in rows], "good"),
            Series(_("黄灯"), [r["yellow"] for r in rows], "warn"),
            Series(_("红灯"), [r["red"] for r in rows], "bad")], urls=urls),
        Chart("investment", _("计划投资与完成投资（万元）"), "bar", labels, [
            Series(_("计划投资"), [float(r["plan"]) for r in rows], "done"),
            Series(_("完成投资"), [float(r["actual"]) for r in rows], "info")], urls=urls),
    ]


def cockpit_figures(user, unit: Unit | None = None, period: str | None = None) -> dict:
    """Plain values for the leaders' cockpit: per program the user reads, 开工率 / 投产率 / 投资完成率, the counts
    and the URLs of the lists behind them. `unit` narrows to a district (it must be one the user reads);
    `period` is 2026-03 / 2026Q1 / 2026 (default: this quarter)."""
    today = clock.today()
    p = figures.period_parse(period, today=today)
    out = []
    for program in programs_for(user).select_related("projects_config"):
        keys = figures_scope_keys(user, program)
        if unit is not None:
            if keys is not None and str(unit.pk) not in keys and not scope_for(user).covers(unit.path, *Role.values):
                continue
            f = figures.figures_by_key(program.pk, "unit", p, [str(unit.pk)]).get(str(unit.pk), figures.Figures())
            dim, key = "unit", str(unit.pk)
        elif keys is None:
            f = figures.figures_by_key(program.pk, "all", p).get("", figures.Figures())
            dim, key = "", ""
        elif len(keys) == 1:
            f = figures.figures_by_key(program.pk, "unit", p, keys).get(keys[0], figures.Figures())
            dim, key = "unit", keys[0]
        else:
            f = _sum(figures.figures_by_key(program.pk, "unit", p, keys).values())
            dim, key = "", ""
        row = _row(program, dim, key, program.name, f, p)
        out.append({"program": program.code, "name": program.name, "period": p.code, "period_label": p.label,
                    "figures_url": reverse("projects_figures", args=[program.code]) + f"?period={p.code}",
                    **{k: row[k] for k in ("projects", "yellow", "red", "start_due", "start_met", "start_new",
                                           "produce_due", "produce_met", "produce_new", "start_rate",
                                           "produce_rate", "invest_rate", "urls")},
                    "plan": row["plan"], "actual": row["actual"]})
    return {"period": p.code, "programs": out}


# ---- inbox ----------------------------------------------------------------------------------------------------

def months_due(user) -> QuerySet[Project]:
    """Projects a liaison reports for (their unit is one the project concerns) whose last month has no actual
    investment yet: started, or planned to start by now, and not finished."""
    scope = scope_for(user)
    if not scope.paths_for(Role.LIAISON):
        return Project.objects.none()
    today = clock.today()
    reported = ProjectMonth.objects.filter(month=month_of_report(today), actual__isnull=False).values("project_id")
    return (Project.objects.reportable_by(scope).filter(is_archived=False, program__is_archived=False)
            .exclude(light=Light.DONE).exclude(pk__in=reported)
            .filter(Q(start_on__isnull=False) | Q(plan_start__lte=today)).order_by("program_id", "code", "id"))


def issues_waiting(user) -> QuerySet:
    """Problems raised on projects of programs the user's office manages, not yet handed on (交办)."""
    from .models import ProjectIssue

    scope = scope_for(user)
    if not scope.is_admin and not scope.paths_for(Role.OFFICE):
        return ProjectIssue.objects.none()
    return (ProjectIssue.objects.filter(finding__isnull=True, project__program__in=Program.objects.manageable_by(scope)
                                        .values("pk")).select_related("project").order_by("raised_at", "id"))


def ratings_due(user) -> QuerySet[Project]:
    """督导核查 owed: for an evaluator (督导核查组) over a program's owner unit, the program's projects without a rating
    for the quarter that ended last."""
    scope = scope_for(user)
    paths = scope.paths_for(Role.EVALUATOR)
    if not paths:
        return Project.objects.none()
    quarter = figures.quarter_of(quarter_start(clock.today()) - dt.timedelta(days=1))
    programs = Program.objects.filter(owner_unit__path__within=paths, projects_config__isnull=False, is_archived=False)
    return (Project.objects.filter(program__in=programs.values("pk"), is_archived=False)
            .exclude(pk__in=ProjectRating.objects.filter(quarter=quarter).values("project_id"))
            .order_by("program_id", "code", "id"))


def quarter_start(d: dt.date) -> dt.date:
    return dt.date(d.year, (d.month - 1) // 3 * 3 + 1, 1)


def month_of_report(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def period_months(period: Period) -> list[int]:
    out, d = [], period.start
    while d <= period.end:
        out.append(month_key(d))
        d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


# ---- public -------------------------------------------------------------------------------------------------

def public_projects() -> list[dict]:
    """Published projects as plain values: what the portal may show (no internal notes, no people)."""
    qs = Project.objects.public().select_related("program__projects_config").order_by("program_id", "code")
    projects = list(qs)
    names = unit_names({p.district_id for p in projects})
    out = []
    for p in projects:
        config = p.program.projects_config
        out.append({"pk": p.pk, "code": p.code, "name": p.name, "type": config.type_name(p.type),
                    "district": names.get(p.district_id, ""), "phase": config.phase_name(p.phase) if p.phase else _("未签约"),
                    "total": p.total_investment, "actual_year": p.actual_year,
                    "invest_rate": figures.Figures.rate(p.actual_to_date, p.plan_to_date), "summary": p.public_summary,
                    "program": p.program.name})
    return out


def public_project(pk: int) -> dict:
    p = Project.objects.public().select_related("program__projects_config", "district").filter(pk=pk).first()
    if p is None:
        raise Http404(_("没有这个公开项目。"))
    config = p.program.projects_config
    updates = list(ProjectEvent.objects.filter(project=p, kind="public").values("at", "text", "data"))
    return {"p": {"code": p.code, "name": p.name, "type": config.type_name(p.type), "district": p.district.name,
                  "builder": p.builder_name, "summary": p.public_summary, "total": p.total_investment,
                  "annual_plan": p.annual_plan, "actual_year": p.actual_year,
                  "invest_rate": figures.Figures.rate(p.actual_to_date, p.plan_to_date),
                  "phase": config.phase_name(p.phase) if p.phase else _("未签约"), "program": p.program.name},
            "phases": [{"name": config.phase_name(c), "planned": p.planned(c), "actual": p.actual(c)}
                       for c in config.phase_codes()],
            "updates": [{"at": u["at"], "quarter": u["data"].get("quarter", ""), "text": u["text"]} for u in updates]}
