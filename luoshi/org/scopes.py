"""Who may see what. A role is held over a unit subtree; a subtree is a path prefix."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from luoshi.core import prepared
from luoshi.core.sessions import PersonRead

from .lookups import outermost, path_within
from .models import Pairing, Role, RoleGrant, Unit


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


PAIRED = "#paired"  # the role column of SCOPE_SQL's 包联 rows (no real role has this name)
# A person's grants (role, unit path) and the paths of the units they help (包联: as the helper leader, or through a
# unit where they hold any role), in one statement: on every signed-in page, two ORM queries cost ~0.8 ms of Python
# to build, this ~0.1 ms. `LIKE path || '%'` is org.lookups' `within` (unit paths hold only digits and "/").
# `%s` is the person's id (three times). Its own statement only for a person object that did not come with these rows.
SCOPE_SQL = f"""
SELECT g.role AS role, u.path AS path FROM {RoleGrant._meta.db_table} g JOIN {Unit._meta.db_table} u ON u.id = g.unit_id
 WHERE g.person_id = %s
UNION ALL
SELECT '{PAIRED}', t.path FROM {Pairing._meta.db_table} pr JOIN {Unit._meta.db_table} t ON t.id = pr.target_unit_id
  LEFT JOIN {Unit._meta.db_table} h ON h.id = pr.helper_unit_id
 WHERE pr.helper_person_id = %s
    OR EXISTS (SELECT 1 FROM {RoleGrant._meta.db_table} g2 JOIN {Unit._meta.db_table} gu ON gu.id = g2.unit_id
                WHERE g2.person_id = %s AND h.path LIKE gu.path || '%%')
"""


def _keep_scope_rows(user, rows: list[tuple]) -> None:
    user._luoshi_scope_rows = [(role, path) for role, path in rows if role is not None]


# The same rows in the signed-in person's statement (core.sessions, ADR 0063): one statement fewer on every page.
# The person's row is repeated on each of them; a person with none comes with one row of NULLs (LEFT JOIN).
SCOPE_WITH_PERSON = PersonRead(columns=(), join=f"LEFT JOIN ({SCOPE_SQL}) s ON 1 = 1",
                               join_columns=("s.role", "s.path"), keep=_keep_scope_rows)


def scope_forget(person) -> None:
    """Drop the scope kept on a person object (and the rows read with them): the next scope_for reads it again.
    For services that change the person's roles or unit."""
    for name in ("_luoshi_scope", "_luoshi_scope_rows"):
        try:
            delattr(person, name)  # (request.user is a lazy object: its __dict__ is not the person's)
        except AttributeError:
            pass


def _take(user, name: str):
    """The value kept on `user` under `name`, removed from it (None when there is none)."""
    value = getattr(user, name, None)
    if value is not None:
        delattr(user, name)
    return value


def scope_for(user) -> Scope:
    """The scope of a user, computed once per request object and cached on it; from the rows read with the person
    when the request's person came through core.sessions.PersonBackend (SCOPE_WITH_PERSON)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_luoshi_scope", None)
    if cached is not None:
        return cached
    paths: dict[str, list[str]] = {}
    paired: list[str] = []
    rows = _take(user, "_luoshi_scope_rows")  # read with the person (SCOPE_WITH_PERSON)
    if rows is None:
        with connection.cursor() as cur:
            prepared.execute(cur, "luoshi_scope", SCOPE_SQL, [user.pk, user.pk, user.pk])
            rows = cur.fetchall()
    for role, path in rows:
        if role == PAIRED:
            paired.append(path)
        else:
            paths.setdefault(role, []).append(path)
    scope = Scope(
        person_id=user.pk,
        is_admin=bool(user.is_superuser or paths.get(Role.ADMIN)),
        paths={k: outermost(v) for k, v in paths.items()},
        paired_unit_paths=tuple(dict.fromkeys(paired)),
    )
    user._luoshi_scope = scope
    return scope
