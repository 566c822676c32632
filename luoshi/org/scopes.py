"""Who may see what. A role is held over a unit subtree; a subtree is a path prefix."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from .lookups import outermost, path_within
from .models import Pairing, Role, RoleGrant


def ancestor_paths(path: str) -> list[str]:
    """"/1/5/9/" → ["/1/", "/1/5/", "/1/5/9/"]: the unit and every unit above it, root first."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


@dataclass(frozen=True)
class Scope:
    """What one person may reach, computed once per request (`scope_for`) and cached on the user.

    `paths` maps a role to the unit paths where the person holds it (outermost only: a path inside another
    adds nothing). Querysets turn it into filters with `Model.objects.visible_to(scope)`, which write the
    subtree condition as `<field>__within=scope.paths_for(...)` (org.lookups); `covers` is the same test in
    Python, for deciding before any query is built."""

    person_id: int | None
    is_admin: bool = False
    paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    paired_unit_paths: tuple[str, ...] = ()
    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def all_paths(self) -> tuple[str, ...]:
        return self.paths_for(*self.paths)

    def paths_for(self, *roles: str) -> tuple[str, ...]:
        """The outermost unit paths where the person holds one of `roles`."""
        key = ("paths_for", roles)
        if key not in self._memo:
            self._memo[key] = outermost(p for role in roles for p in self.paths.get(role, ()))
        return self._memo[key]

    def has_role(self, *roles: str) -> bool:
        return self.is_admin or any(self.paths.get(r) for r in roles)

    def covers(self, unit_path: str | None, *roles: str) -> bool:
        """True when `unit_path` lies inside a subtree where the person holds one of `roles`."""
        if self.is_admin:
            return True
        return path_within(unit_path, self.paths_for(*roles))

    def memo(self, key, build):
        """`build()` once per scope (that is, once per request: the scope lives on the request's user object):
        for querysets' visibility conditions that cost a query or some Python to build and are used several
        times on one page. The anonymous scope is shared by every request, so nothing is kept on it."""
        if self.person_id is None:
            return build()
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

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
    paired = tuple(Pairing.objects.filter(Q(helper_person=user) | Q(helper_unit__path__within=all_paths))
                   .values_list("target_unit__path", flat=True).distinct())
    scope = Scope(
        person_id=user.pk,
        is_admin=bool(user.is_superuser or paths.get(Role.ADMIN)),
        paths={k: outermost(v) for k, v in paths.items()},
        paired_unit_paths=paired,
    )
    user._luoshi_scope = scope
    return scope
