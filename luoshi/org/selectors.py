"""Reads of people and roles, filtered by who asks.

- people_managed: an administrator sees everyone; the office (督查室/办公室) the people whose unit lies in its
  office subtrees; nobody else anyone.
- person_get: one of those, or 404.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.http import Http404

from .models import Pairing, Person, Role, RoleGrant, Unit
from .scopes import scope_for


def people_managed(user, *, q: str = "", unit: Unit | None = None, role: str = ""):
    scope = scope_for(user)
    qs = Person.objects.select_related("unit").prefetch_related(
        Prefetch("grants", queryset=RoleGrant.objects.select_related("unit").order_by("role", "unit__path")))
    if not scope.is_admin:
        paths = scope.paths_for(Role.OFFICE)
        if not paths:
            return qs.none()
        qs = qs.filter(unit__path__within=paths)
    if unit is not None:
        qs = qs.filter(unit__path__within=[unit.path])
    if q:
        qs = qs.filter(Q(full_name__contains=q) | Q(username__contains=q) | Q(phone__contains=q)
                       | Q(title__contains=q))
    if role:
        qs = qs.filter(grants__role=role).distinct()
    return qs.order_by("unit__path", "full_name", "pk")


def person_get(user, pk: int) -> Person:
    person = people_managed(user).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def units_in_scope(user, *, q: str = "", limit: int = 30) -> list[Unit]:
    """Units the office may put people in or grant roles over, for a picker (by name or short name)."""
    scope = scope_for(user)
    qs = Unit.objects.filter(is_active=True)
    if not scope.is_admin:
        qs = qs.filter(path__within=scope.paths_for(Role.OFFICE))
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(short_name__contains=q))
    return list(qs.order_by("path")[:limit])


def pairings_managed(user):
    """The 包联 relations of units in the user's office subtrees (all of them for an administrator)."""
    scope = scope_for(user)
    qs = Pairing.objects.select_related("helper_person", "helper_unit", "target_unit")
    if not scope.is_admin:
        qs = qs.filter(target_unit__path__within=scope.paths_for(Role.OFFICE))
    return qs.order_by("target_unit__path", "helper_person__full_name", "helper_unit__path", "pk")


def pairings_of(person) -> list[Pairing]:
    """The units a leader 包联s (directly, as the paired person)."""
    return list(Pairing.objects.filter(helper_person=person).select_related("target_unit")
                .order_by("target_unit__path"))
def unit_path_names(ids) -> dict[int, str]:
    """{unit id: "崂山区 / 中韩街道"}: each unit named by its path of names below the root (the root, the city every
    unit shares, is left out unless it is the unit itself). Two queries for any number of units."""
    units = list(Unit.objects.filter(pk__in=set(ids)).values_list("pk", "path", "name"))
    above = {int(x) for _pk, path, _name in units for x in path.strip("/").split("/")[1:-1] if x}
    names = dict(Unit.objects.filter(pk__in=above).values_list("pk", "name")) if above else {}
    out = {}
    for pk, path, name in units:
        chain = [names.get(int(x), "?") for x in path.strip("/").split("/")[1:-1] if x]
        out[pk] = " / ".join([*chain, name])
    return out


PICK_SEPARATORS = re.compile(r"[、，,；;\n]")


@dataclass(frozen=True)
class UnitChoice:
    id: int
    name: str
    above: str   # the units above it, below the root ("崂山区")
    value: str   # what the picker writes into the box: the name, or "崂山区>区财政局" when the name repeats


def unit_choices(text: str, *, limit: int = 12) -> list[UnitChoice]:
    """The unit picker's search (core.widgets.UnitPicker): active units whose name or short name contains the last
    name typed in `text` (a box may hold several, separated by 、), shallowest first, each with its path and the text
    that names it without doubt. Three queries."""
    q = PICK_SEPARATORS.split(text or "")[-1].strip()
    q = re.split(r"[>＞]", q)[-1].strip()
    if not q:
        return []
    units = list(Unit.objects.filter(Q(name__contains=q) | Q(short_name__contains=q), is_active=True)
                 .order_by("depth", "path").values_list("pk", "name")[:limit])
    paths = unit_path_names([pk for pk, _n in units])
    repeated = set(Unit.objects.filter(name__in={n for _pk, n in units}, is_active=True).values("name")
                   .annotate(n=Count("pk")).filter(n__gt=1).values_list("name", flat=True))
    out = []
    for pk, name in units:
        above = paths[pk].rsplit(" / ", 1)[0] if " / " in paths[pk] else ""
        value = paths[pk].replace(" / ", ">") if name in repeated else name
        out.append(UnitChoice(pk, name, above, value))
    return out
