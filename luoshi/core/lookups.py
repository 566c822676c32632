"""`column__in_ids=[1, 2, …]`: "the id is one of these", with the list sent as ONE parameter; and
`column__in_ids=queryset`: "one of the ids this one-column queryset reads", read first.

Django's `__in` prepares every element of its list in Python (for a foreign key: normalised, converted, resolved —
about 10 µs an element), and PostgreSQL plans an IN list of literals element by element; a page that reads the
rows of a thousand tasks it already holds spent ~10 ms on that alone. This lookup sends the list once: as an array
on PostgreSQL (`= ANY(%s)`), as JSON read by `json_each` on SQLite. Only integers are taken (anything else is a
programming error and raises); an empty list matches nothing without asking the database. Pass any iterable
but a list or tuple (a set, `dict.keys()`): Django walks a list's or tuple's elements before the lookup sees them.

Given a queryset (`.values("task_id")`, one column), it selects what `__in=queryset` selects, but PostgreSQL reads
the queryset's ids first, once (`= ANY(ARRAY(subquery))`: an InitPlan), and then the rows by their index. For
`IN (subquery)` PostgreSQL plans a semi join from its estimates, and at city scale it misjudged a district's ~950
tasks of a 10,000-task program: it hashed the subquery and read all 10,000 (5–13 ms instead of ~1.5; ADR 0051).
SQLite already reads an `IN (subquery)` first as a list: there the SQL is the one `__in` writes.
"""
from __future__ import annotations

import json

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignKey, IntegerField, Lookup


class InIds(Lookup):
    lookup_name = "in_ids"
    prepare_rhs = False

    def get_prep_lookup(self):
        from django.db.models.sql.query import Query  # a QuerySet given to filter() arrives as its Query

        if isinstance(self.rhs, Query):
            # the check Django's `__in` makes; the property is not in django-stubs
            if self.rhs._subquery_fields_len != 1:  # type: ignore[attr-defined]
                raise ValueError("__in_ids takes a queryset of one column (values('id'))")
            self.rhs.clear_ordering(clear_default=True)
            return self.rhs
        ids = list(self.rhs)
        if any(type(i) is not int for i in ids):
            raise ValueError("__in_ids takes a list of integers")
        return ids

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if not isinstance(self.rhs, list):  # a subquery: compiled "(SELECT …)"
            rhs, rhs_params = self.process_rhs(compiler, connection)
            if connection.vendor == "postgresql":
                return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]
            return f"{lhs} IN {rhs}", [*lhs_params, *rhs_params]
        if not self.rhs:
            raise EmptyResultSet
        sql, params = ids_condition(lhs, self.rhs, connection.vendor)
        return sql, [*lhs_params, *params]


def ids_condition(column: str, ids: list[int], vendor: str) -> tuple[str, list]:
    """"`column` is one of `ids`" (a non-empty list of integers) as SQL and its one parameter, written as `__in_ids`
    writes it: for a statement written out by hand (`column` is SQL, quoted by the caller)."""
    if vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids_parameter(ids, vendor)]
    return f"{column} IN (SELECT value FROM json_each(%s))", [ids_parameter(ids, vendor)]


def ids_parameter(ids: list[int], vendor: str) -> list[int] | str:
    """The one parameter `__in_ids` sends for `ids`: the list itself on PostgreSQL (an array), JSON text on SQLite.
    (`core.compiled.Ids` binds a compiled read's list of ids in this form.)"""
    return ids if vendor == "postgresql" else json.dumps(ids)


IntegerField.register_lookup(InIds)  # AutoField and BigAutoField are IntegerFields
ForeignKey.register_lookup(InIds)
