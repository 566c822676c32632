"""The rules (黄/红 behind plan) and the maintained figures (ADR 0008) of key projects.

Rules — `project_light` is a pure function of a project's dates, its monthly plan and the program's thresholds:
- a tracked phase whose planned date has passed without the fact: 黄灯, and 红灯 after `phase_red_days`;
- investment to date (the months of this year before the current one) below `invest_yellow`% of the plan: 黄灯,
  below `invest_red`%: 红灯; the worse of the two counts, and every reason is said.

Figures — rows of ProjectTally per (dimension, key, month, figure):
- dimensions: all · "", district · unit id, area · unit id, street · unit id, type · code, leader · person id, and
  unit · id for every unit the project concerns and every unit above it (a 镇街's, a function area's or a
  department's figures: the projects its people see);
- month 0 (now): `projects`, `yellow`, `red`;
- month yyyymm, for phase p in start and produce: `p_due` (planned in that month), `p_met` (done, counted in the
  month of the later of plan and fact: Σ_{m≤E} p_met is the number planned by E and done by E), `p_new` (done in
  that month); `plan` and `actual` investment of the month (万元).
So for a period [S, E]: 开工率 = Σ_{m≤E} start_met ÷ Σ_{m≤E} start_due; 新开工 = Σ_{S≤m≤E} start_new; 投资完成率 =
Σ actual ÷ Σ plan over the months of E's year up to E. Each write applies the difference of one project's
contribution in its transaction; `luoshi projects recount --check` compares every row with a fresh count.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils.translation import gettext as _, gettext_noop

from luoshi.core.formats import day_text
from luoshi.core.tallies import counter_rows_apply, counter_rows_replace
from luoshi.core.reasons import reason_templates_register

from .models import Light, Project, ProjectConfig, ProjectMonth, ProjectTally, ProjectUnit

ROW_KEYS = ("dim", "key", "month", "figure")  # the fields that name a figure row (core.tallies)

ZERO = Decimal(0)
DIMS = ("all", "district", "area", "street", "type", "leader", "unit")
RATE_PHASES = ("start", "produce")
Key = tuple[str, str, int, str]  # dim, key, month, figure


def month_key(d: dt.date) -> int:
    return d.year * 100 + d.month


# ---- periods ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    code: str          # 2026-03, 2026Q1, 2026
    label: str
    start: dt.date
    end: dt.date

    @property
    def first(self) -> int:
        return month_key(self.start)

    @property
    def last(self) -> int:
        return month_key(self.end)

    @property
    def year_first(self) -> int:
        return self.end.year * 100 + 1


def period_parse(text: str | None, *, today: dt.date) -> Period:
    """"2026-03" (a month), "2026Q1" (a quarter), "2026" (a year); empty: the quarter of today. ValueError
    with a Chinese message otherwise."""
    text = (text or "").strip().upper()
    if not text:
        text = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        y, mo = int(m[1]), int(m[2])
        if 1 <= mo <= 12:
            return Period(f"{y}-{mo:02d}", _("%(y)s年%(m)s月") % {"y": y, "m": mo}, dt.date(y, mo, 1),
                          dt.date(y, mo, calendar.monthrange(y, mo)[1]))
    elif m := re.fullmatch(r"(\d{4})Q([1-4])", text):
        y, q = int(m[1]), int(m[2])
        end_month = q * 3
        return Period(f"{y}Q{q}", _("%(y)s年第%(q)s季度") % {"y": y, "q": q}, dt.date(y, end_month - 2, 1),
                      dt.date(y, end_month, calendar.monthrange(y, end_month)[1]))
    elif m := re.fullmatch(r"(\d{4})", text):
        y = int(m[1])
        return Period(str(y), _("%(y)s年") % {"y": y}, dt.date(y, 1, 1), dt.date(y, 12, 31))
    raise ValueError(_("期间“%(text)s”无法识别，应写作 2026-03（月）、2026Q1（季度）或 2026（年）。") % {"text": text})


def quarter_of(d: dt.date) -> str:
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


# ---- the rule ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LightResult:
    light: str
    reason: str
    plan_to_date: Decimal
    actual_to_date: Decimal
    actual_year: Decimal


# A project's light reason is stored in Chinese (as the record, the bulletins and the search read it) and shown in the
# reader's language by core.reasons.
R_PHASE_LATE = gettext_noop("计划%(phase)s日期%(date)s已过 %(days)s 天")
R_INVEST_BEHIND = gettext_noop("投资完成 %(ratio)s%%，低于计划的 %(limit)s%%")
reason_templates_register(R_PHASE_LATE, R_INVEST_BEHIND)


def project_light(project: Project, config: ProjectConfig, months: list[tuple[dt.date, Decimal, Decimal | None]],
                  *, today: dt.date) -> LightResult:
    this_month = today.replace(day=1)
    plan_to_date = sum((p for m, p, _a in months if m.year == today.year and m < this_month), ZERO)
    actual_to_date = sum((a or ZERO for m, _p, a in months if m.year == today.year and m < this_month), ZERO)
    actual_year = sum((a or ZERO for m, _p, a in months if m.year == today.year), ZERO)
    phases = config.phase_codes()
    if all(project.actual(p) for p in phases):
        return LightResult(Light.DONE, "", plan_to_date, actual_to_date, actual_year)
    level, reasons = 0, []
    for p in phases:
        planned = project.planned(p)
        if planned and not project.actual(p) and today > planned:
            days = (today - planned).days
            level = max(level, 2 if days > config.phase_red_days else 1)
            reasons.append(R_PHASE_LATE % {
                "phase": config.phase_name(p), "date": day_text(planned), "days": days})
    if plan_to_date > 0:
        ratio = actual_to_date / plan_to_date * 100
        if ratio < config.invest_yellow:
            level = max(level, 2 if ratio < config.invest_red else 1)
            reasons.append(R_INVEST_BEHIND % {
                "ratio": ratio.quantize(Decimal("0.1"), ROUND_HALF_UP),
                "limit": (config.invest_red if ratio < config.invest_red else config.invest_yellow).normalize()})
    light = (Light.GREEN, Light.YELLOW, Light.RED)[level]
    return LightResult(light, "；".join(reasons)[:300], plan_to_date, actual_to_date, actual_year)


# ---- contributions ----------------------------------------------------------------------------------------

Months = list[tuple[dt.date, Decimal, Decimal | None]]


@dataclass(frozen=True)
class Share:
    """What one project adds to the figures: the same facts {(month, figure): value} under each of its keys
    {(dim, key)}. Kept apart so that a write whose keys did not change applies only the facts that did."""

    keys: frozenset[tuple[str, str]] = frozenset()
    facts: Counter = field(default_factory=Counter)

    def expand(self) -> Counter:
        out: Counter = Counter()
        for dim, key in self.keys:
            for (month, figure), value in self.facts.items():
                out[(dim, key, month, figure)] += value
        return out


def unit_ids(path: str) -> list[str]:
    """"/1/5/9/" → ["1", "5", "9"]: the unit and every unit above it."""
    return [x for x in path.split("/") if x]


def dim_keys(p: Project, unit_paths: list[str] = ()) -> frozenset[tuple[str, str]]:
    """The dimensions a project counts in. `unit` · id: every unit the project concerns (ProjectUnit) and every
    unit above it, once — so a 镇街, a function area, a department or a district reads its subtree's projects in one
    row, which is the list its people see (Project.objects.visible_to)."""
    out = {("all", ""), ("district", str(p.district_id)), ("type", p.type)}
    if p.area_id:
        out.add(("area", str(p.area_id)))
    if p.street_id:
        out.add(("street", str(p.street_id)))
    if p.leader_id:
        out.add(("leader", str(p.leader_id)))
    for path in unit_paths:
        out.update(("unit", uid) for uid in unit_ids(path))
    return frozenset(out)


def share(p: Project, months: Months, unit_paths: list[str] = ()) -> Share:
    if p.is_archived:
        return Share()
    facts: Counter = Counter({(0, "projects"): Decimal(1)})
    if p.light in (Light.YELLOW, Light.RED):
        facts[(0, p.light)] += 1
    for phase in RATE_PHASES:
        planned, actual = p.planned(phase), p.actual(phase)
        if planned:
            facts[(month_key(planned), f"{phase}_due")] += 1
            if actual:
                facts[(month_key(max(planned, actual)), f"{phase}_met")] += 1
        if actual:
            facts[(month_key(actual), f"{phase}_new")] += 1
    for m, planned_amount, actual_amount in months:
        if planned_amount:
            facts[(month_key(m), "plan")] += planned_amount
        if actual_amount:
            facts[(month_key(m), "actual")] += actual_amount
    return Share(dim_keys(p, unit_paths), facts)


def contribution(p: Project, months: Months, unit_paths: list[str] = ()) -> Counter:
    return share(p, months, unit_paths).expand()


def difference(before: Share | None, after: Share, out: Counter | None = None) -> Counter:
    """after − before as rows (added to `out` when given): under the keys both have, only the facts that changed."""
    out = Counter() if out is None else out
    before = before or Share()
    changed = Counter(after.facts)
    changed.subtract(before.facts)
    changed = Counter({k: v for k, v in changed.items() if v})
    for keys, facts, sign in ((after.keys & before.keys, changed, 1), (after.keys - before.keys, after.facts, 1),
                              (before.keys - after.keys, before.facts, -1)):
        for dim, key in keys:
            for (month, figure), value in facts.items():
                out[(dim, key, month, figure)] += sign * value
    return out


def months_of(project_ids) -> dict[int, Months]:
    out: dict[int, list] = defaultdict(list)
    for pid, m, planned, actual in ProjectMonth.objects.filter(project_id__in=list(project_ids)).values_list(
            "project_id", "month", "planned", "actual").order_by("project_id", "month"):
        out[pid].append((m, planned, actual))
    return out


def units_of(project_ids) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for pid, path in ProjectUnit.objects.filter(project_id__in=list(project_ids)).values_list("project_id", "unit_path"):
        out[pid].append(path)
    return out


def state(p: Project) -> Share:
    """The project's share now, read from the database (call before a write; `apply` after it)."""
    if not p.pk:
        return Share()
    return share(p, months_of([p.pk]).get(p.pk, []), units_of([p.pk]).get(p.pk, []))


def apply(program_id: int, before: Share | None, p: Project) -> None:
    apply_delta(program_id, difference(before, state(p)))


def apply_delta(program_id: int, delta: Counter) -> None:
    """Add `delta` {(dim, key, month, figure): change} to the program's rows in the caller's transaction
    (core.tallies: missing rows created at 0, every row locked in primary-key order, one UPDATE)."""
    counter_rows_apply(model=ProjectTally, keys=ROW_KEYS, value="value", delta=delta, program_id=program_id)


def fresh_counts(program_id: int) -> Counter:
    total: Counter = Counter()
    projects = list(Project.objects.filter(program_id=program_id, is_archived=False))
    months = months_of(p.pk for p in projects)
    units = units_of(p.pk for p in projects)
    by_key: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for p in projects:
        s = share(p, months.get(p.pk, []), units.get(p.pk, []))
        for dim_key in s.keys:
            by_key[dim_key].update(s.facts)
    for (dim, key), facts in by_key.items():
        for (month, figure), value in facts.items():
            total[(dim, key, month, figure)] += value
    return Counter({k: v for k, v in total.items() if v})


def program_rebuild(program_id: int) -> int:
    """Store a fresh count of the program's figures (rows that differ updated, missing ones created, zeros deleted);
    returns how many rows changed."""
    counts = fresh_counts(program_id)
    with transaction.atomic():
        return counter_rows_replace(model=ProjectTally, keys=ROW_KEYS, value="value", counted=counts,
                                    program_id=program_id)


def program_check(program_id: int) -> list[str]:
    """Differences between the stored rows and a fresh count, as lines (empty: all equal)."""
    stored = Counter({(d, k, m, f): v for d, k, m, f, v in ProjectTally.objects.filter(program_id=program_id)
                     .values_list("dim", "key", "month", "figure", "value") if v})
    fresh = fresh_counts(program_id)
    return [f"{k}: 计数 {stored.get(k, ZERO)}，实际 {fresh.get(k, ZERO)}" for k in sorted(set(stored) | set(fresh))
            if stored.get(k, ZERO) != fresh.get(k, ZERO)]


# ---- reading figures ---------------------------------------------------------------------------------------

@dataclass
class Figures:
    projects: int = 0
    yellow: int = 0
    red: int = 0
    start_due: int = 0
    start_met: int = 0
    start_new: int = 0
    produce_due: int = 0
    produce_met: int = 0
    produce_new: int = 0
    plan: Decimal = ZERO
    actual: Decimal = ZERO

    @staticmethod
    def rate(a, b) -> Decimal | None:
        return (Decimal(a) / Decimal(b) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP) if b else None

    @property
    def start_rate(self) -> Decimal | None:
        return self.rate(self.start_met, self.start_due)

    @property
    def produce_rate(self) -> Decimal | None:
        return self.rate(self.produce_met, self.produce_due)

    @property
    def invest_rate(self) -> Decimal | None:
        return self.rate(self.actual, self.plan)


def figures_by_key(program_id: int, dim: str, period: Period, keys: list[str] | None = None) -> dict[str, Figures]:
    """{key: Figures} of one dimension for the period, summed in the database from the maintained rows (one query,
    one row per key and figure)."""
    from django.db.models import Q, Sum

    qs = ProjectTally.objects.filter(program_id=program_id, dim=dim, month__lte=period.last)
    if keys is not None:
        qs = qs.filter(key__in=keys)
    rows = qs.values("key", "figure").annotate(
        upto=Sum("value"), recent=Sum("value", filter=Q(month__gte=period.first)),
        year=Sum("value", filter=Q(month__gte=period.year_first)))
    out: dict[str, Figures] = defaultdict(Figures)
    for row in rows:
        f, figure = out[row["key"]], row["figure"]
        if figure in ("plan", "actual"):  # this year up to the period's end
            setattr(f, figure, Decimal(row["year"] or 0))
        elif figure.endswith("_new"):     # within the period
            setattr(f, figure, int(row["recent"] or 0))
        else:                             # due/met: everything up to the end; projects/yellow/red: month 0
            setattr(f, figure, int(row["upto"] or 0))
    return dict(out)
