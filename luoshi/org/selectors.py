"""Reads of people and roles, filtered by who asks.

- people_managed: an administrator sees everyone; the office (督查室/办公室) the people whose unit lies in its
  office subtrees; nobody else anyone.
- person_get: one of those, or 404.
"""
from __future__ import annotations

from django.db.models import Prefetch, Q
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
