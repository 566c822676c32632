"""Reads of 惠企政策, scoped by the acting user (models' visible_to / manageable_by)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.shortcuts import get_object_or_404

from luoshi.core import clock
from luoshi.org.scopes import scope_for

from .attributes import ATTRIBUTES, attribute_show, profile_load
from .matching import match_clause, match_enterprise, match_profile
from .models import (BatchState, Clause, ClauseVersion, DeclareType, Enterprise, EnterpriseAttribute, EnterpriseMember,
                     Payout, PayoutBatch, Policy, Tag, Theme)
from .search import clause_search


@dataclass
class ClauseFilters:
    q: str = ""
    theme: int | None = None
    tag: int | None = None
    declare_type: str = ""
    no_application: bool | None = None
    policy: int | None = None


def _filtered(qs, f: ClauseFilters):
    if f.theme:
        qs = qs.filter(theme_id=f.theme)
    if f.tag:
        qs = qs.filter(tags__id=f.tag)
    if f.declare_type:
        qs = qs.filter(declare_type=f.declare_type)
    if f.policy:
        qs = qs.filter(policy_id=f.policy)
    if f.no_application is not None:
        qs = qs.filter(no_application=f.no_application)
    return clause_search(qs, f.q)


def clause_list(*, user, filters: ClauseFilters | None = None):
    qs = Clause.objects.visible_to(scope_for(user)).select_related("theme", "dept", "policy")
    return _filtered(qs, filters or ClauseFilters()).order_by("code")


def in_force(clause: Clause, today) -> bool:
    """Whether a clause can still apply: its policy has not expired (有效期止) and its 受理截止 has not passed."""
    return ((clause.policy.valid_to is None or clause.policy.valid_to >= today)
            and (clause.end_date is None or clause.end_date >= today))


def in_force_q(today) -> Q:
    return ((Q(policy__valid_to__isnull=True) | Q(policy__valid_to__gte=today))
            & (Q(end_date__isnull=True) | Q(end_date__gte=today)))


def public_clause_list(*, filters: ClauseFilters | None = None):
    """The published dictionary in force, for the public site (nothing about enterprises)."""
    qs = Clause.objects.public().filter(in_force_q(clock.today())).select_related("theme", "dept", "policy")
    return _filtered(qs, filters or ClauseFilters()).order_by("code")


PUBLIC_ROW = ("pk", "title", "no_application", "declare_type", "policy__title", "theme__name", "dept__name")


def public_clause_rows(*, filters: ClauseFilters | None = None):
    """The public list's rows as plain dicts (PUBLIC_ROW): only the seven columns the page shows, not the
    clauses' long texts (rules, conditions, search words) and three related objects per row."""
    return public_clause_list(filters=filters).values(*PUBLIC_ROW)


def public_clause_count_rows(*, filters: ClauseFilters | None = None):
    """What the public list counts: its rows without the theme and department joins."""
    qs = Clause.objects.public().filter(in_force_q(clock.today()))
    return _filtered(qs, filters or ClauseFilters()).order_by()


def clause_get(*, user, pk: int) -> Clause:
    return get_object_or_404(Clause.objects.visible_to(scope_for(user)).select_related("theme", "dept", "policy"), pk=pk)


def public_clause_get(*, pk: int) -> Clause:
    return get_object_or_404(Clause.objects.public().select_related("theme", "dept", "policy"), pk=pk)


def clause_versions(*, clause: Clause):
    return ClauseVersion.objects.filter(clause=clause).select_related("created_by").order_by("-number")


def vocabulary():
    """[(theme, [tags])] and the 申报类型 (the managed vocabulary, in its order)."""
    themes = list(Theme.objects.all())
    tags: dict[int, list[Tag]] = {}
    for t in Tag.objects.all():
        tags.setdefault(t.theme_id, []).append(t)
    types = list(DeclareType.objects.values_list("name", flat=True))
    return [(th, tags.get(th.pk, [])) for th in themes], types


def vocabulary_menus() -> tuple[list[tuple[int, str]], list[tuple[str, list[tuple[int, str]]]], list[str]]:
    """The public search's three filter menus as plain values, one lean query each (no model objects, no join):
    themes [(pk, name)], tags grouped under their theme's name [(theme name, [(pk, name)])], in the themes'
    order, and the 申报类型 names. Read on every request (the vocabulary can change at any time)."""
    themes = list(Theme.objects.values_list("pk", "name"))
    tags: dict[int, list[tuple[int, str]]] = {}
    for pk, name, theme_id in Tag.objects.order_by("sort_order", "id").values_list("pk", "name", "theme_id"):
        tags.setdefault(theme_id, []).append((pk, name))
    types = list(DeclareType.objects.values_list("name", flat=True))
    return themes, [(name, tags[pk]) for pk, name in themes if pk in tags], types


def vocabulary_rows() -> dict:
    """The vocabulary page: every theme with its tags and every 申报类型, each with the number of clauses (all
    clauses, published or not) filed under it — four queries whatever the size."""
    theme_n = dict(Clause.objects.values("theme").annotate(n=Count("id")).values_list("theme", "n"))
    tag_n = dict(Clause.tags.through.objects.values("tag").annotate(n=Count("id")).values_list("tag", "n"))
    type_n = dict(Clause.objects.values("declare_type").annotate(n=Count("id")).values_list("declare_type", "n"))
    tags: dict[int, list[dict]] = {}
    for t in Tag.objects.all():
        tags.setdefault(t.theme_id, []).append({"pk": t.pk, "name": t.name, "sort_order": t.sort_order,
                                                 "theme": t.theme_id, "clauses": tag_n.get(t.pk, 0)})
    themes = [{"pk": th.pk, "name": th.name, "sort_order": th.sort_order, "clauses": theme_n.get(th.pk, 0),
               "tags": tags.get(th.pk, [])} for th in Theme.objects.all()]
    types = [{"pk": d.pk, "name": d.name, "sort_order": d.sort_order, "clauses": type_n.get(d.name, 0)}
             for d in DeclareType.objects.all()]
    return {"themes": themes, "types": types, "tag_count": sum(len(v) for v in tags.values())}


def policy_list(*, user):
    """Every policy document (they are public documents) with its number of clauses; `manageable` marks the ones
    the user's policy office may change."""
    manageable = set(Policy.objects.manageable_by(scope_for(user)).values_list("pk", flat=True))
    rows = Policy.objects.select_related("region").annotate(n=Count("clauses")).order_by("-valid_from", "title", "id")
    return [{"policy": p, "clauses": p.n, "manageable": p.pk in manageable} for p in rows]


def policy_get(*, pk: int) -> Policy:
    return get_object_or_404(Policy.objects.select_related("region"), pk=pk)


def clause_counts_by_theme() -> dict[int, int]:
    return dict(Clause.objects.public().values("theme").annotate(n=Count("id")).values_list("theme", "n"))


def enterprise_list(*, user, q: str = ""):
    qs = Enterprise.objects.visible_to(scope_for(user)).select_related("unit")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__iexact=q))
    return qs.order_by("name", "id")


def enterprise_get(*, user, pk: int) -> Enterprise:
    return get_object_or_404(Enterprise.objects.visible_to(scope_for(user)).select_related("unit"), pk=pk)


def own_enterprise_id(user) -> int | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return EnterpriseMember.objects.filter(person_id=user.pk).values_list("enterprise_id", flat=True).first()


def enterprise_profile_rows(*, enterprise: Enterprise) -> list[dict]:
    """Every attribute with its value, source and date (plain values for the template)."""
    meta = {a.key: a for a in EnterpriseAttribute.objects.filter(enterprise=enterprise).select_related("updated_by")}
    values = profile_load(enterprise.profile)
    rows = []
    for key, attr in ATTRIBUTES.items():
        m = meta.get(key)
        rows.append({"key": key, "kind": attr.kind, "value": attribute_show(attr, values.get(key)) if key in values else "",
                     "source": m.get_source_display() if m else "", "as_of": m.as_of if m else None,
                     "by": str(m.updated_by) if m and m.updated_by else "", "choices": attr.choices})
    return rows


_published: dict = {"stamp": None, "rows": []}


def published_clauses() -> list[Clause]:
    """Every published clause (with theme, dept, policy), kept in memory between requests while nothing
    changed: one aggregate query checks the stamp (count, highest id, last change, sum of versions — every write
    goes through clause_create / clause_update, which change one of them). A renamed theme or unit shows once
    a clause next changes."""
    stamp = tuple(Clause.objects.public().aggregate(n=Count("id"), last=Max("id"), at=Max("updated_at"),
                                                    v=Sum("version")).values())
    if _published["stamp"] != stamp:
        rows = list(Clause.objects.public().select_related("theme", "dept", "policy").order_by("code"))
        _published.update(stamp=stamp, rows=rows)
    return _published["rows"]


def clauses_for_region(enterprise: Enterprise):
    """Published clauses in force of policies whose region contains the enterprise (the ones that can apply)."""
    from luoshi.org.scopes import ancestor_paths

    regions = set(ancestor_paths(enterprise.unit_path))
    today = clock.today()
    return [c for c in published_clauses() if c.policy.region_path in regions and in_force(c, today)]


def enterprise_matches(*, enterprise: Enterprise) -> list[tuple]:
    """[(clause, Match)] qualifying / needing review / nearly qualifying, with explanation and amount."""
    return match_enterprise(enterprise, clauses_for_region(enterprise))


def clause_matches(*, user, clause: Clause) -> list[tuple]:
    """[(enterprise, Match)] of the enterprises the user may see in the clause's region that qualify."""
    enterprises = (Enterprise.objects.visible_to(scope_for(user))
                   .filter(unit_path__within=[clause.policy.region_path]).only("id", "name", "profile", "profile_version"))
    return match_clause(clause, enterprises.iterator(chunk_size=2000))


def public_matches(profile: dict) -> list[tuple]:
    """The public "which policies may apply" form: nothing is stored; published clauses only."""
    today = clock.today()
    return match_profile(profile, [c for c in published_clauses() if in_force(c, today)])


def enterprise_payouts(*, enterprise: Enterprise):
    return (Payout.objects.filter(enterprise=enterprise, confirmed=True)
            .select_related("clause", "batch").order_by("-paid_on", "-id"))


def batch_list(*, user, state: str = ""):
    qs = PayoutBatch.objects.visible_to(scope_for(user)).select_related("clause")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-id")


def batch_get(*, user, pk: int) -> PayoutBatch:
    return get_object_or_404(PayoutBatch.objects.visible_to(scope_for(user)).select_related(
        "clause", "clause_version", "created_by", "confirmed_by"), pk=pk)


def batch_lines(*, batch: PayoutBatch):
    return batch.lines.select_related("enterprise").order_by("excluded", "enterprise__name", "id")


def batch_draft_figures(*, batch: PayoutBatch) -> dict:
    agg = batch.lines.filter(excluded=False).aggregate(total=Sum("amount"), n=Count("id"))
    return {"total": agg["total"] or Decimal(0), "count": agg["n"], "all": batch.lines.count()}


GROUPS = {"clause": ("clause__code", "clause__title"), "theme": ("clause__theme__name",),
          "district": ("clause__policy__region__name",), "year": ("paid_on__year",)}


def payout_totals(*, user, by: str = "clause", year: int | None = None) -> list[dict]:
    """Paid totals per clause / theme / district / year over the confirmed batches the user may see, from the
    batches' maintained figures (total, count — checked by `luoshi policies recount --check`), not from the
    payout rows."""
    qs = PayoutBatch.objects.visible_to(scope_for(user)).filter(state=BatchState.CONFIRMED)
    if year:
        qs = qs.filter(paid_on__year=year)
    keys = GROUPS.get(by, GROUPS["clause"])
    rows = qs.values(*keys).annotate(total=Sum("total"), payouts=Sum("count"), batches=Count("id")).order_by(*keys)
    return [{"label": " ".join(str(r[k]) for k in keys), "total": r["total"], "payouts": r["payouts"],
             "batches": r["batches"]} for r in rows]


def payout_enterprise_count(*, user, year: int | None = None) -> int:
    """How many different enterprises were paid in the confirmed batches the user may see."""
    batches = PayoutBatch.objects.visible_to(scope_for(user)).filter(state=BatchState.CONFIRMED)
    if year:
        batches = batches.filter(paid_on__year=year)
    return (Payout.objects.filter(batch__in=batches.values("pk"), confirmed=True)
            .values("enterprise").distinct().count())
