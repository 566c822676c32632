"""Reads of the ledger. Each takes the acting user and filters by scope in the query: a unit's liaison
gets only the findings of units in their subtree; the office, leaders, evaluators over the program's
owner unit and the program's inspectors read all of it; the public reads only what was published."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Avg, Count, DurationField, ExpressionWrapper, F, FloatField, Func, IntegerField, Prefetch, Q, QuerySet, Sum,
)
from django.db.models.expressions import RawSQL
from django.http import Http404

from luoshi.core import clock
from luoshi.org.lookups import outermost, path_unit_id, path_within
from luoshi.org.models import Unit
from luoshi.org.resolve import region_of
from luoshi.org.scopes import scope_for
from luoshi.programs.models import Program
from luoshi.tasks.selectors import program_list

from . import permissions as perms
from . import tallies
from .filters import FindingFilterSet
from .models import (
    OWING_STATUSES, AssignmentSheet, Escalation, Finding, FindingPhoto, FindingStatus,
    InspectionGroup, LedgerConfig, ProblemCategory,
)


def ledger_programs(*, user) -> QuerySet[Program]:
    """Programs with a ledger that the user can read something of."""
    scope = scope_for(user)
    ledger_ids = LedgerConfig.objects.values("program_id")
    qs = Program.objects.filter(is_archived=False, pk__in=ledger_ids).select_related("owner_unit")
    if scope.is_admin:
        return qs
    visible = Q(pk__in=program_list(user=user).values("pk"))
    visible |= Q(pk__in=InspectionGroup.objects.filter(members=user).values("program_id"))
    visible |= Q(pk__in=Finding.objects.filter(unit_path__within=scope.all_paths + scope.paired_unit_paths)
                 .values("program_id"))
    return qs.filter(visible)


def ledger_program_get(*, user, code: str) -> Program:
    """The program with a ledger, when the user can read something of it. Checked for this one program,
    cheapest test first (every ledger page starts here)."""
    program = _ledger_program(code)
    if not _can_read_ledger(user, program):
        raise Http404("没有找到该问题台账，或您无权查看。")
    return program


def _ledger_program(code: str) -> Program:
    program = Program.objects.filter(is_archived=False, code=code, ledger__isnull=False).select_related(
        "owner_unit").first()
    if program is None:
        raise Http404("没有找到该问题台账，或您无权查看。")
    return program


def _can_read_ledger(user, program: Program, *, whole: bool | None = None) -> bool:
    scope = scope_for(user)
    if scope.is_admin or (whole if whole is not None else perms.reads_whole_program(user, program)):
        return True
    paths = scope.all_paths + scope.paired_unit_paths
    if paths and Finding.objects.filter(unit_path__within=paths, program=program).exists():
        return True
    return program_list(user=user).filter(pk=program.pk).exists()


@dataclass(frozen=True)
class LedgerAccess:
    """A program's ledger and what one person may do in it (ledger.permissions), decided once for a page that
    asks several times: the inspection-group membership is read at most once."""

    program: Program
    whole: bool  # perms.reads_whole_program: every finding, no row condition
    manage: bool  # perms.can_manage
    inspector: bool  # perms.is_inspector


def ledger_access(*, user, code: str) -> LedgerAccess:
    """`ledger_program_get` and the person's permissions in the program (404 as it)."""
    program = _ledger_program(code)
    manage, inspector = perms.roles(user, program)
    # the office of the owner unit and the inspection groups read the whole program (perms.reads_whole_program)
    whole = inspector or program.wholly_visible_to(scope_for(user))
    if not _can_read_ledger(user, program, whole=whole):
        raise Http404("没有找到该问题台账，或您无权查看。")
    return LedgerAccess(program=program, whole=whole, manage=manage, inspector=inspector)


def _in_scope(qs: QuerySet, *, user, program: Program, whole: bool | None = None) -> QuerySet:
    """`qs.visible_to(scope)` (models.LedgerRowQuerySet) for one program, decided cheaply: when the user reads
    the whole program, no row condition at all. `whole`: perms.reads_whole_program, when the caller knows it
    (LedgerAccess)."""
    qs = qs.filter(program=program)
    if whole if whole is not None else perms.reads_whole_program(user, program):
        return qs
    scope = scope_for(user)
    return qs.filter(unit_path__within=scope.all_paths + scope.paired_unit_paths)


def findings_visible(*, user, program: Program, whole: bool | None = None) -> QuerySet[Finding]:
    return _in_scope(Finding.objects.all(), user=user, program=program, whole=whole)


@dataclass
class FindingFilters:
    status: str = ""
    unit: Unit | None = None
    category: int | None = None
    source: str = ""
    severity: str = ""
    overdue: bool = False
    repeat: bool = False
    public: bool = False
    q: str = ""
    found_from: dt.date | None = None
    found_to: dt.date | None = None
    sheet: int | None = None
    round: int | None = None


def finding_list(*, user, program: Program, filters: FindingFilters, walk_found_on: bool = False,
                 whole: bool | None = None) -> QuerySet[Finding]:
    """`walk_found_on`: on SQLite, keep the unit filter off the unit-path index, so the list's order comes from
    the found_on index and the walk stops at the page (perf: a district's 20,000 findings are not all sorted
    for 50 of them). The rows are the same; for a small subtree the path index and a sort are faster.
    `whole`: as findings_visible."""
    qs = findings_visible(user=user, program=program, whole=whole)
    qs = FindingFilterSet.narrow(qs, filters, walk_found_on=walk_found_on)
    return qs.select_related("unit", "category", "sheet").order_by("-found_on", "-id")


def finding_list_total(*, user, program: Program, filters: FindingFilters, whole: bool | None = None) -> int | None:
    """How many findings `finding_list` returns, read from the maintained counts (ledger.tallies) when they hold
    that figure: filtered by status, a unit's subtree, source and/or 只看逾期 only (逾期 when the counts are
    today's). None otherwise (then the list counts).

    Someone who reads part of the program reads the findings of units in their subtrees (and of units paired with
    them): disjoint subtrees, each one unit's row of the counts — with a unit filter, that unit when it lies in
    one of them, or else the subtrees that lie under it."""
    others = (filters.category, filters.severity, filters.repeat, filters.public, filters.q, filters.found_from,
              filters.found_to, filters.sheet, filters.round)
    if any(v not in (None, "", False) for v in others):
        return None
    if whole if whole is not None else perms.reads_whole_program(user, program):
        if not filters.source and not filters.overdue:
            return tallies.status_count(program.pk, unit_id=filters.unit.pk if filters.unit else None,
                                        status=filters.status)
        return tallies.list_count(program.pk, unit_ids=[filters.unit.pk] if filters.unit else None,
                                  status=filters.status, source=filters.source, overdue=filters.overdue)
    scope = scope_for(user)
    roots = outermost(scope.all_paths + scope.paired_unit_paths)
    if filters.unit is not None:
        unit_path = filters.unit.path
        roots = (unit_path,) if path_within(unit_path, roots) else tuple(p for p in roots if path_within(p, [unit_path]))
    if not filters.source and not filters.overdue:
        return tallies.subtrees_status_count(program.pk, paths=roots, status=filters.status)
    return tallies.list_count(program.pk, unit_ids=[path_unit_id(p) for p in roots], status=filters.status,
                              source=filters.source, overdue=filters.overdue)


def finding_search_count(*, user, program: Program, filters: FindingFilters,
                         whole: bool | None = None) -> QuerySet | None:
    """The maintained count (ledger.tallies, the `gram` row: a one-value query) of the findings a keyword search
    finds, when it holds that figure: a keyword of one or two characters without a case (a Chinese word), no other
    filter, someone who reads the whole program. None otherwise (then the list counts its matches, up to a cap)."""
    gram = tallies.search_gram(filters.q)
    others = (filters.status, filters.unit, filters.category, filters.source, filters.severity, filters.overdue,
              filters.repeat, filters.public, filters.found_from, filters.found_to, filters.sheet, filters.round)
    if gram is None or any(v not in (None, "", False) for v in others):
        return None
    if not (whole if whole is not None else perms.reads_whole_program(user, program)):
        return None
    return tallies.gram_row(program.pk, gram)


def search_count_read(counted: QuerySet, cap: int) -> int:
    """The count a search's page shows from the maintained figure `counted` (finding_search_count) on a page other
    than the first (the first reads it with its rows, finding_first_page): as the capped count, at most `cap` + 1."""
    return min(next(iter(counted), {"n": 0})["n"], cap + 1)


def finding_first_page(ids: QuerySet, count_rows: QuerySet, *, order_by, fields, size: int,
                       cap: int | None = None, counted: QuerySet | None = None) -> tuple[list[dict], int]:
    """The list's first page and its count in one statement, when no maintained figure read on its own holds the
    count: `fields` of the first `size` of `ids` in `order_by`, each row with the number of `count_rows` (at most
    `cap` + 1) — a scalar subquery the database runs once —, or with the maintained count `counted` (a one-value
    query: finding_search_count) when given, then also at most `cap` + 1. Returns (rows, count); no row means
    nothing matches (count 0). On PostgreSQL a statement of its own costs a round trip, planning and Django's
    cursor work (ADR 0040, 0056)."""
    if counted is not None:
        sql, params = counted.query.sql_with_params()
    else:
        counted_rows = count_rows.order_by().values("pk")
        rows_sql, params = (counted_rows[:cap + 1] if cap is not None else counted_rows).query.sql_with_params()
        sql = f"SELECT COUNT(*) FROM ({rows_sql}) counted"
    count = RawSQL(sql, params, output_field=IntegerField())
    rows = list(Finding.objects.filter(pk__in=ids[:size]).order_by(*order_by).values(*fields, list_count=count))
    if not rows:
        return rows, 0
    n = rows[0]["list_count"] or 0  # no gram row: no finding has the text (but then there is no row either)
    return rows, min(n, cap + 1) if cap is not None else n


def finding_get(*, user, pk: int) -> Finding:
    finding = (Finding.objects.visible_to(scope_for(user))
               .select_related("program__owner_unit", "unit", "category", "sheet", "reporter", "closed_by", "group",
                               "task").filter(pk=pk).first())
    if finding is None:
        raise Http404("没有找到该问题，或您无权查看。")
    return finding


def finding_detail(*, user, finding: Finding) -> dict:
    program = finding.program
    events = list(finding.events.select_related("by").prefetch_related(
        Prefetch("photos", queryset=FindingPhoto.objects.order_by("id"))))
    photos = list(finding.photos.order_by("id"))
    today = clock.today()
    manage, inspector = perms.roles(user, program)
    return {
        "finding": finding,
        "events": events,
        "before": [p for p in photos if p.stage == "before"],
        "after": [p for p in photos if p.stage == "after"],
        "escalations": list(finding.escalations.select_related("decided_by", "document").order_by("proposed_at", "id")),
        "overdue_days": finding.overdue_days(today),
        "can_manage": manage,
        "is_inspector": inspector,
        "can_submit": perms.acts_for_unit(user, finding) and finding.status in OWING_STATUSES,
        "can_verify": (inspector and finding.status == FindingStatus.SUBMITTED
                       and finding.reporter_id != user.pk and not perms.is_unit_liaison(user, finding)),
        "reporter_cannot_verify": finding.status == FindingStatus.SUBMITTED and finding.reporter_id == user.pk,
        "can_reopen": inspector and finding.status == FindingStatus.CLOSED,
        "can_edit": finding.status != FindingStatus.CLOSED and (
            manage or (finding.reporter_id == user.pk and inspector)),
    }


def sheets_visible(*, user, program: Program) -> QuerySet[AssignmentSheet]:
    return _in_scope(AssignmentSheet.objects.all(), user=user, program=program)


def sheet_list(*, user, program: Program) -> QuerySet[AssignmentSheet]:
    return sheets_visible(user=user, program=program).select_related("unit", "issued_by", "acknowledged_by").annotate(
        n=Count("findings"), closed=Count("findings", filter=Q(findings__status=FindingStatus.CLOSED))
    ).order_by("-issued_at", "-id")


def sheet_get(*, user, pk: int) -> AssignmentSheet:
    sheet = (AssignmentSheet.objects.visible_to(scope_for(user)).select_related("program__owner_unit", "unit", "issued_by")
             .filter(pk=pk).first())
    if sheet is None:
        raise Http404("没有找到该交办单，或您无权查看。")
    return sheet


def escalations_visible(*, user, program: Program) -> QuerySet[Escalation]:
    return _in_scope(Escalation.objects.all(), user=user, program=program)


def escalation_list(*, user, program: Program, state: str = "") -> QuerySet[Escalation]:
    qs = escalations_visible(user=user, program=program)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("finding", "unit", "decided_by").order_by("-proposed_at", "level", "id")


def unit_suggestions(program: Program, user) -> list[str]:
    """Suggestions for a finding's unit field: the units the user's inspection groups cover and their children,
    or else the program region's districts, streets and departments."""
    groups = InspectionGroup.objects.filter(program=program, members=user)
    paths = list(Unit.objects.filter(inspection_groups__in=groups).values_list("path", flat=True))
    qs = Unit.objects.filter(is_active=True)
    if paths:
        qs = qs.filter(path__within=paths)
    else:
        region = region_of(program.owner_unit)
        qs = qs.filter(path__within=[region.path], depth__lte=region.depth + 2)
    return list(qs.order_by("path").values_list("name", flat=True).distinct()[:800])


def categories(program: Program) -> list[ProblemCategory]:
    return list(ProblemCategory.objects.filter(program=program))


def category_choices(program: Program) -> list[tuple[int, str]]:
    """(id, name) of the program's categories, in their order: the findings list's category filter."""
    return list(ProblemCategory.objects.filter(program=program).values_list("pk", "name"))


# ---- figures ---------------------------------------------------------------------------------------

def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _in_days(avg) -> Decimal | None:
    """An average duration as days: a timedelta (PostgreSQL) or a float of days (SQLite's julianday, rounded to
    about a tenth of a second so that 2.25 days stays 2.25)."""
    if avg is None:
        return None
    if isinstance(avg, dt.timedelta):
        return Decimal(avg.total_seconds()) / 86400
    return Decimal(str(round(avg, 6)))


def _days(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class FigureRow:
    key: object
    label: str
    found: int = 0
    rectified: int = 0
    closed: int = 0
    overdue: int = 0
    repeats: int = 0
    avg_days: Decimal | None = None
    rank: int | None = None
    rectify_rate: Decimal | None = field(default=None)
    close_rate: Decimal | None = field(default=None)

    @property
    def rectify_text(self) -> str:
        return "—" if self.rectify_rate is None else f"{self.rectify_rate}%"

    @property
    def close_text(self) -> str:
        return "—" if self.close_rate is None else f"{self.close_rate}%"

    @property
    def avg_text(self) -> str:
        return "—" if self.avg_days is None else str(self.avg_days)


GROUPINGS = {"unit": ("unit_id", "unit__name"), "category": ("category_id", "category__name"),
             "source": ("source", None), "severity": ("severity", None)}


def ledger_figures(*, user, program: Program, by: str = "unit", found_from: dt.date | None = None,
                   found_to: dt.date | None = None, as_of: dt.date | None = None, whole: bool | None = None) -> dict:
    """The figures page (ledger_figures_compute's result): read from the maintained counts (ledger.tallies) when
    they hold exactly what is asked — the whole program for someone who reads all of it, no found-date range,
    as of the day the counts are counted for — and otherwise computed from the findings the user may read.
    Nothing is kept across requests. `whole`: as findings_visible."""
    if by not in GROUPINGS:
        by = "unit"
    today = as_of or clock.today()
    if found_from is None and found_to is None \
            and (whole if whole is not None else perms.reads_whole_program(user, program)) \
            and tallies.tally_day(program.pk) == today:
        return _figures_from_tallies(program, by=by, today=today)
    return ledger_figures_compute(user=user, program=program, by=by, found_from=found_from, found_to=found_to,
                                  as_of=today, whole=whole)


def _figures_from_tallies(program: Program, *, by: str, today: dt.date) -> dict:
    """ledger_figures_compute over the whole program, from the rows of ledger.tallies: the same rows in the same
    order (the SQL groups by the key: ids as numbers, NULL category first on SQLite and last on PostgreSQL)."""
    counts = tallies.figure_rows(program.pk, by)
    key_field, label_field = GROUPINGS[by]
    keys: list = list(counts)
    if by in ("unit", "category"):
        ids = sorted(int(k) for k in keys if k)
        names = dict((Unit if by == "unit" else ProblemCategory).objects.filter(pk__in=ids)
                     .values_list("pk", "name"))
        nulls = [None] if "" in counts else []
        keys = (nulls + ids) if connection.vendor == "sqlite" else (ids + nulls)
        labels = {k: names.get(k) for k in ids}
    else:
        keys.sort()
        labels = {k: str(v) for k, v in (Finding._meta.get_field(key_field).choices or [])}
    rows = []
    for k in keys:
        c = counts["" if k is None else str(k)]
        close_n = c.get("close_n", 0)
        avg = (Decimal(c.get("close_us", 0)) / Decimal(close_n * 86_400_000_000)) if close_n else None
        label = labels.get(k, k) if label_field is None else labels.get(k)
        rows.append({key_field: k, "label": label, "found": c.get("found", 0), "rectified": c.get("rectified", 0),
                     "closed": c.get("closed", 0), "overdue": c.get("overdue", 0), "repeats": c.get("repeats", 0),
                     "avg": avg})
    return _figures(rows, by=by, key=key_field, today=today, found_from=None, found_to=None)


def ledger_figures_compute(*, user, program: Program, by: str = "unit", found_from: dt.date | None = None,
                           found_to: dt.date | None = None, as_of: dt.date | None = None,
                           whole: bool | None = None) -> dict:
    """Found, rectified (reported at least once), closed (销号), overdue (owing past the deadline), 整改率,
    销号率, average days from recording to 销号, repeats — per unit, category, source or severity, over
    the findings found in the period. Units are ranked by 销号率, then fewer overdue (1224 ties). `whole`: as
    findings_visible."""
    if by not in GROUPINGS:
        by = "unit"
    key, label_field = GROUPINGS[by]
    today = as_of or clock.today()
    qs = findings_visible(user=user, program=program, whole=whole)
    if found_from:
        qs = qs.filter(found_on__gte=found_from)
    if found_to:
        qs = qs.filter(found_on__lte=found_to)
    if connection.vendor == "sqlite":
        # SQLite has no interval type, so Django subtracts datetimes with a Python function called per row
        # (0.6 s over 200,000 findings); julianday() subtracts them in SQL, in days.
        duration = ExpressionWrapper(Func(F("closed_at"), function="julianday", output_field=FloatField())
                                     - Func(F("created_at"), function="julianday", output_field=FloatField()),
                                     output_field=FloatField())
    else:
        duration = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    values = [key] + ([label_field] if label_field else [])
    rows = qs.values(*values).annotate(
        found=Count("id"),
        rectified=Count("id", filter=Q(first_submitted_at__isnull=False)),
        closed=Count("id", filter=Q(status=FindingStatus.CLOSED)),
        overdue=Count("id", filter=Q(status__in=OWING_STATUSES, deadline__lt=today)),
        repeats=Sum("repeat_count"),
        avg_close=Avg(duration, filter=Q(status=FindingStatus.CLOSED)),
    ).order_by(key)
    labels = dict(Finding._meta.get_field(key).choices or []) if not label_field else {}
    return _figures([{key: r[key], "label": r.get(label_field) if label_field else str(labels.get(r[key], r[key])),
                      "found": r["found"], "rectified": r["rectified"], "closed": r["closed"], "overdue": r["overdue"],
                      "repeats": r["repeats"], "avg": _in_days(r["avg_close"])} for r in rows],
                    by=by, key=key, today=today, found_from=found_from, found_to=found_to)


def _figures(rows: list[dict], *, by: str, key: str, today: dt.date, found_from, found_to) -> dict:
    """The figures table from its groups (key, label, found, rectified, closed, overdue, repeats, avg days
    unrounded): rates, rounded days, the 合计 row, and the units' ranks."""
    out, total = [], FigureRow(key=None, label="合计")
    weighted_days = Decimal(0)
    for r in rows:
        avg = r["avg"]
        row = FigureRow(key=r[key], label=r["label"] or "（未分类）", found=r["found"], rectified=r["rectified"],
                        closed=r["closed"], overdue=r["overdue"], repeats=r["repeats"] or 0,
                        avg_days=_days(avg) if avg is not None else None)
        row.rectify_rate, row.close_rate = _rate(row.rectified, row.found), _rate(row.closed, row.found)
        out.append(row)
        for attr in ("found", "rectified", "closed", "overdue", "repeats"):
            setattr(total, attr, getattr(total, attr) + getattr(row, attr))
        if avg is not None:
            weighted_days += avg * row.closed  # unrounded
    total.rectify_rate, total.close_rate = _rate(total.rectified, total.found), _rate(total.closed, total.found)
    total.avg_days = _days(weighted_days / total.closed) if total.closed else None
    if by == "unit":
        out.sort(key=lambda r: (-(r.close_rate or Decimal(-1)), r.overdue, r.label))
        prev, rank = None, 0
        for i, r in enumerate(out, start=1):
            score = (r.close_rate, r.overdue)
            if score != prev:
                rank, prev = i, score
            r.rank = rank
    return {"rows": out, "total": total, "by": by, "as_of": today, "found_from": found_from, "found_to": found_to}


# ---- the public 曝光台 -------------------------------------------------------------------------------

PUBLIC_FIELDS = ("id", "code", "program__name", "category__name", "description", "address", "unit__name",
                 "status", "found_on", "closed_at", "published_at", "severity")


def exposure_list(*, program: Program | None = None, status: str = "") -> QuerySet[Finding]:
    """Published findings only, and only fields that carry no personal data (no reporter, no verifier,
    no coordinates). Descriptions are masked for phone and ID numbers by the portal before display."""
    qs = Finding.objects.filter(is_public=True, program__is_archived=False)
    if program is not None:
        qs = qs.filter(program=program)
    if status == "closed":
        qs = qs.filter(status=FindingStatus.CLOSED)
    elif status == "open":
        qs = qs.exclude(status=FindingStatus.CLOSED)
    return qs.select_related("program", "category", "unit").only(
        "id", "code", "program__name", "program__code", "category__name", "description", "address", "unit__name",
        "status", "found_on", "closed_at", "published_at", "severity", "program_id", "category_id", "unit_id",
    ).order_by("-published_at", "-id")


def exposure_get(pk: int) -> Finding:
    finding = exposure_list().filter(pk=pk).first()
    if finding is None:
        raise Http404("没有找到该公开问题。")
    return finding


def public_photos(finding_ids) -> dict[int, dict[str, list[FindingPhoto]]]:
    out: dict[int, dict[str, list[FindingPhoto]]] = {}
    for p in FindingPhoto.objects.filter(finding_id__in=list(finding_ids), processed_at__isnull=False,
                                         process_error="").exclude(display="").order_by("id"):
        out.setdefault(p.finding_id, {"before": [], "after": []})[p.stage].append(p)
    return out
