"""`path__within=paths`: the one way to write "this unit path lies inside one of these subtrees".

A unit's `path` is the chain of ids from the root ("/1/12/305/"), so a subtree is a prefix. The lookup
holds the one difference between the databases:

- SQLite's LIKE is case-insensitive and cannot use an index, so there a prefix is written as the equal
  range `p <= field < p-with-its-last-character-bumped` (SQLite compares bytes), which can.
- PostgreSQL keeps LIKE 'p%': Django gives the column a `varchar_pattern_ops` index for it (see the
  path indexes of tasks.TaskAssignment and ledger.Finding), while a range would follow the database
  collation, which need not be byte order.

An empty list matches nothing (the condition is dropped from an OR, and a filter on it alone returns no
rows without asking the database). Paths that lie inside another path of the list are dropped: they add
nothing to the OR.

`path__within_any=paths` is the same test with the paths as ONE parameter (`within_sql`/`within_parameter`): its SQL
does not change with the number of paths, for a read whose SQL is written once (`core.compiled`, ADR 0064). The kinds
`Path` (one path, through `__within`: `LIKE $1` on PostgreSQL, the range on SQLite) and `Paths` (several, through
`__within_any`) bind a compiled read's paths in the form these lookups give them.
"""
from __future__ import annotations

import json

from django.core.exceptions import EmptyResultSet
from django.db.models import CharField, Lookup


def outermost(paths) -> tuple[str, ...]:
    """The paths of `paths` that no other path of the list contains, shortest first."""
    out: list[str] = []
    for p in sorted(set(paths), key=lambda s: (len(s), s)):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return tuple(out)


def path_within(path: str | None, paths) -> bool:
    """`path__within=paths` decided in Python, for an object already loaded."""
    if not path:
        return False
    return any(path.startswith(p) for p in paths)


def path_unit_id(path: str) -> str:
    """The id of the unit a path ends at, as text ("/1/12/305/" → "305"): the key of its rows in the maintained
    tallies, which are keyed by unit id."""
    return path.rstrip("/").rsplit("/", 1)[-1]


def covers_everything(unit) -> bool:
    """True when `unit` is the only root of the tree: every unit path lies inside it, so a `path__within=[its path]`
    condition can be left out (a city-wide count then reads an index alone instead of every row's path)."""
    from .models import Unit

    return unit.parent_id is None and not Unit.objects.filter(parent=None).exclude(pk=unit.pk).exists()


def _bump(path: str) -> str:
    return path[:-1] + chr(ord(path[-1]) + 1)


def within_sql(column: str, vendor: str) -> str:
    """`column__within=paths` for a statement written out by hand (`column` is SQL, quoted by the caller), with the
    paths as ONE parameter (`within_parameter`): the statement's text does not depend on how many paths there are, so
    it can be written once per process and prepared. The same test as the lookup: `LIKE 'p%'` on PostgreSQL, the
    byte range on SQLite (here over the pairs of a JSON array); no paths match nothing. Qualify `column` with its
    table or alias: on SQLite the test reads `json_each`, whose own columns include `path`, `key` and `value`."""
    if vendor == "postgresql":
        return f"{column} LIKE ANY(%s)"
    return (f"EXISTS (SELECT 1 FROM json_each(%s) AS w WHERE {column} >= json_extract(w.value, '$[0]')"
            f" AND {column} < json_extract(w.value, '$[1]'))")


def within_parameter(paths, vendor: str):
    """The one parameter of `within_sql` for `paths`."""
    paths = outermost(paths)
    if any(not isinstance(p, str) or not p for p in paths):
        raise ValueError("within_parameter takes unit paths (non-empty strings)")
    if vendor == "postgresql":
        return [p.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for p in paths]
    return json.dumps([[p, _bump(p)] for p in paths])


@CharField.register_lookup
class Within(Lookup):
    lookup_name = "within"
    prepare_rhs = False

    def get_prep_lookup(self):
        paths = self.rhs
        if isinstance(paths, str):
            paths = (paths,)
        paths = tuple(paths)
        if any(not isinstance(p, str) or not p for p in paths):
            raise ValueError("__within takes unit paths (non-empty strings)")
        return outermost(paths)

    def as_sql(self, compiler, connection):
        paths = self.rhs
        if not paths:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        parts: list[str] = []
        params: list = []
        if connection.vendor == "postgresql":
            for p in paths:
                parts.append(f"{lhs} LIKE %s")
                params += [*lhs_params, connection.ops.prep_for_like_query(p) + "%"]
        else:
            for p in paths:
                parts.append(f"({lhs} >= %s AND {lhs} < %s)")
                params += [*lhs_params, p, *lhs_params, _bump(p)]
        sql = parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
        return sql, params


@CharField.register_lookup
class WithinAny(Lookup):
    """`__within` with the paths as one parameter: `LIKE ANY(%s)` on PostgreSQL, the byte ranges of a JSON array on
    SQLite (`within_sql`). For a compiled read whose number of paths varies; with one path `__within` (`Path`) keeps
    the plain `LIKE` PostgreSQL reads an index range for."""
    lookup_name = "within_any"
    prepare_rhs = False

    def get_prep_lookup(self):
        paths = (self.rhs,) if isinstance(self.rhs, str) else tuple(self.rhs)
        if any(not isinstance(p, str) or not p for p in paths):
            raise ValueError("__within_any takes unit paths (non-empty strings)")
        return outermost(paths)

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return within_sql(lhs, connection.vendor), [*lhs_params, within_parameter(self.rhs, connection.vendor)]


class Path:
    """A compiled read's argument (`core.compiled`) that is ONE unit path, compared by `field__within=[argument]`:
    `LIKE 'p%'` on PostgreSQL (one parameter), the range `p <= field < p-bumped` on SQLite (two)."""

    def stand_in(self, i: int) -> str:
        return f"/\x01luoshi-compiled-{i}/"

    def parameters(self, value, connection) -> tuple:
        if not isinstance(value, str) or not value:
            raise ValueError("Path takes one unit path (a non-empty string)")
        if connection.vendor == "postgresql":
            return (connection.ops.prep_for_like_query(value) + "%",)
        return (value, _bump(value))


class Paths:
    """A compiled read's argument that is a non-empty list of unit paths, compared by `field__within_any=argument`:
    one parameter whatever their number. An empty list is refused (it matches nothing: a read of another shape)."""

    def stand_in(self, i: int) -> tuple[str, ...]:
        return (f"/\x01luoshi-compiled-{i}/", f"/\x02luoshi-compiled-{i}/")

    def parameters(self, value, connection) -> tuple:
        paths = (value,) if isinstance(value, str) else tuple(value)
        if not paths:
            raise ValueError("Paths: no path matches nothing, a read of another shape")
        if any(not isinstance(p, str) or not p for p in paths):
            raise ValueError("Paths takes unit paths (non-empty strings)")
        return (within_parameter(paths, connection.vendor),)
