"""Who may see what. A role is held over a unit subtree; a subtree is a path prefix."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from .models import Pairing, Role, RoleGrant


def ancestor_paths(path: str) -> list[str]:
    """"/1/5/9/" → ["/1/", "/1/5/", "/1/5/9/"]: the unit and every unit above it, root first."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


@dataclass(frozen=True)
class Scope:
    person_id: int | None
    is_admin: bool = False
    paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    paired_unit_paths: tuple[str, ...] = ()

    @property
    def all_paths(self) -> tuple[str, ...]:
        return tuple(p for v in self.paths.values() for p in v)

    def paths_for(self, *roles: str) -> tuple[str, ...]:
        out: list[str] = []
        for role in roles:
            out.extend(self.paths.get(role, ()))
        return tuple(out)

    def has_role(self, *roles: str) -> bool:
        return self.is_admin or any(self.paths.get(r) for r in roles)

    def covers(self, unit_path: str, *roles: str) -> bool:
        """True when `unit_path` lies inside a subtree where the person holds one of `roles`."""
        if self.is_admin:
            return True
        return any(unit_path.startswith(p) for p in self.paths_for(*roles))

    @property
    def is_office(self) -> bool:
        return self.has_role(Role.OFFICE)


ANONYMOUS = Scope(person_id=None)


def scope_for(user) -> Scope:
    """The scope of a user, computed once per request object and cached on it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_luoshi_scope", None)
    if cached is not None:
        return cached
    paths: dict[str, list[str]] = {}
    for role, path in RoleGrant.objects.filter(person=user).values_list("role", "unit__path"):
        paths.setdefault(role, []).append(path)
    # 包联: a leader paired with a unit, or anyone holding a role over a unit paired with another unit,
    # may read the helped unit's work.
    all_paths = [p for v in paths.values() for p in v]
    helper_q = Q(helper_person=user)
    for p in all_paths:
        helper_q |= Q(helper_unit__path__startswith=p)
    paired = tuple(Pairing.objects.filter(helper_q).values_list("target_unit__path", flat=True).distinct())
    scope = Scope(
        person_id=user.pk,
        is_admin=bool(user.is_superuser or paths.get(Role.ADMIN)),
        paths={k: tuple(_outermost(v)) for k, v in paths.items()},
        paired_unit_paths=paired,
    )
    user._luoshi_scope = scope
    return scope


def _outermost(paths: list[str]) -> list[str]:
    """Drop paths that lie inside another path of the list; they add nothing to the OR."""
    out: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return out


def subtree_q(field: str, paths) -> Q:
    """Rows whose `field`, a unit path such as "/1/12/", starts with one of `paths`.

    SQLite's LIKE is case-insensitive and cannot use an index, so there a prefix is written as the
    equal range `p <= field < p-with-its-last-character-bumped` (SQLite compares bytes), which can.
    PostgreSQL keeps LIKE 'p%': Django gives the column a varchar_pattern_ops index for it, while a
    range would follow the database collation, which need not be byte order."""
    q = Q(pk__in=[])
    ranged = connection.vendor == "sqlite"
    for p in paths:
        if ranged:
            q |= Q(**{f"{field}__gte": p, f"{field}__lt": p[:-1] + chr(ord(p[-1]) + 1)})
        else:
            q |= Q(**{f"{field}__startswith": p})
    return q
