"""Reads of the case library, scoped through Case.objects.visible_to / manageable_by / public."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from luoshi.assessment.models import Round, RoundState, Scheme
from luoshi.core.inbox import InboxItem
from luoshi.org.models import Unit, UnitKind
from luoshi.org.scopes import scope_for

from .models import Case, CaseState
from .search import query_words


@dataclass
class CaseFilters:
    q: str = ""
    state: str = ""
    level: str = ""
    year: int | None = None
    tag: str = ""
    unit: Unit | None = None


def _filtered(qs: QuerySet[Case], f: CaseFilters) -> QuerySet[Case]:
    for word in query_words(f.q):
        qs = qs.filter(search_text__contains=word)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.level:
        qs = qs.filter(top_level=f.level)
    if f.year:
        qs = qs.filter(year=f.year)
    if f.tag:
        qs = qs.filter(search_text__contains=f.tag.lower())
    if f.unit is not None:
        qs = qs.filter(unit_path__within=[f.unit.path])
    return qs


def case_list(*, user, filters: CaseFilters | None = None) -> QuerySet[Case]:
    qs = Case.objects.visible_to(scope_for(user)).select_related("unit")
    return _filtered(qs, filters or CaseFilters()).annotate(adoption_count=Count("adoptions")).order_by("-year", "-id")


def case_get(*, user, pk: int) -> Case:
    case = Case.objects.visible_to(scope_for(user)).select_related(
        "unit", "program", "task", "finding", "request", "idea", "nominated_by", "reviewed_by", "created_by").filter(
        pk=pk).first()
    if case is None:
        raise Http404("没有找到该案例，或您无权查看。")
    return case


def public_case_list(*, q: str = "") -> QuerySet[Case]:
    return _filtered(Case.objects.public().select_related("unit"), CaseFilters(q=q)).order_by("-published_at", "-id")


def public_case_get(pk: int) -> Case:
    case = Case.objects.public().select_related("unit").filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def can_manage(user, case: Case) -> bool:
    return scope_for(user).covers(case.unit_path, "office")


def case_counts(*, user) -> dict:
    """Accepted cases counted by year, by region (the district or city the unit lies in, or a department
    by itself) and by replication level: one grouped query over the visible accepted cases."""
    rows = list(Case.objects.visible_to(scope_for(user)).filter(state=CaseState.ACCEPTED)
                .values("year", "top_level", "unit_path").annotate(n=Count("id")))
    # the region of a unit: its nearest district/city ancestor; departments count under themselves
    ids = {int(p) for r in rows for p in r["unit_path"].strip("/").split("/") if p}
    units = {u["id"]: u for u in Unit.objects.filter(pk__in=ids).values("id", "name", "kind", "depth")}
    by_year: dict[int, int] = {}
    by_level: dict[str, int] = {}
    by_region: dict[str, int] = {}
    for r in rows:
        by_year[r["year"]] = by_year.get(r["year"], 0) + r["n"]
        by_level[r["top_level"]] = by_level.get(r["top_level"], 0) + r["n"]
        chain = [units[int(p)] for p in r["unit_path"].strip("/").split("/") if p and int(p) in units]
        region = next((u for u in reversed(chain) if u["kind"] in (UnitKind.DISTRICT, UnitKind.DEPARTMENT)),
                      chain[-1] if chain else None)
        name = region["name"] if region else "—"
        by_region[name] = by_region.get(name, 0) + r["n"]
    return {"by_year": sorted(by_year.items(), reverse=True), "by_level": by_level,
            "by_region": sorted(by_region.items(), key=lambda kv: (-kv[1], kv[0])), "total": sum(by_year.values())}


# ---- the inbox: nominated cases waiting for the office's review ---------------------------------------

def _waiting(user) -> QuerySet[Case]:
    return Case.objects.manageable_by(scope_for(user)).filter(state=CaseState.NOMINATED)


def inbox_count(user) -> int:
    return _waiting(user).count()


def inbox_items(user, limit: int | None) -> list[InboxItem]:
    qs = _waiting(user).select_related("unit").order_by("nominated_at", "id")
    if limit is not None:
        qs = qs[:limit]
    return [InboxItem(source="cases.review", title=c.title, url=reverse("case_detail", args=[c.pk]),
                      context=c.get_nomination_display(), unit=c.unit.name) for c in qs]


def feed_rounds(*, user, library) -> list:
    """Rounds the user's office runs, of the schemes the case library feeds (改革创新加分), while scores are taken."""
    codes = [f.scheme for f in library.assessment]
    if not codes or not user.is_authenticated:
        return []
    schemes = Scheme.objects.manageable_by(scope_for(user)).filter(code__in=codes)
    return list(Round.objects.filter(scheme__in=schemes, state__in=[RoundState.SCORING, RoundState.REVIEW])
                .select_related("scheme").order_by("-period_end", "-id"))
