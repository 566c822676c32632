"""Reads whose SQL the ORM writes once per process (ADR 0061).

Building a query costs Python every time: a `QuerySet` is cloned at each `filter`/`select_related`/`values_list`,
then compiled into SQL (joins, aliases, quoting, the select list, converters). For a read whose shape depends only on
the code — the same filters, only different values — that work gives the same SQL text on every request. A
`CompiledRead` asks the ORM for that text once per process and database (with stand-in values for its arguments),
and on each request binds the request's values and reads the rows, turning them into what the queryset would have
given: tuples for `values_list`, model instances (with their `select_related` objects and annotations) otherwise,
with the same value converters. The rows are read on every request: only SQL text is kept, never data.

On PostgreSQL the statement is also prepared once per connection (`core.prepared`, ADR 0040): it is parsed and
planned once instead of on every request.

    scores = CompiledRead("luoshi_card_scores", Score, lambda round_id, unit_id: Score.objects.filter(
        round_id=round_id, unit_id=unit_id).order_by("pk").values_list("pk", "value"), (int, int))
    scores.rows(rnd.pk, unit.pk)          # == list(the queryset built with these values)

`build(*args)` must use its arguments only as values compared in the SQL (filters, `Exists` conditions), never to
choose the query's shape (a branch on a value, a list whose length varies): the text is built with stand-ins, and
building fails when a stand-in does not come out as a parameter. A read whose shape does vary is two reads (two
names). Each use has a test that compares its rows with the queryset's on both databases.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # (not in django-stubs)

from . import prepared

# Stand-ins for the arguments while the SQL is built: values no real row or filter uses, found again among the
# compiled parameters by type and value.
_INT_BASE = -7_213_000_000_000_000_000


def _stand_in(kind: type, i: int) -> Any:
    if kind is int:
        return _INT_BASE - i
    if kind is str:
        return f"\x01luoshi-compiled-{i}\x01"
    raise TypeError(f"CompiledRead arguments are int or str, not {kind.__name__}")


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple[tuple[int | None, Any], ...]   # (argument index, or None and a constant)
    converters: tuple[tuple[int, tuple[Callable, ...], Any], ...]   # (column, converters, expression)
    model: Any = None          # model reads: the model, its columns' attnames and range, populators, annotations
    init_list: tuple[str, ...] = ()
    start: int = 0
    end: int = 0
    populators: tuple = ()
    annotations: tuple[tuple[str, int], ...] = ()


_READS: dict[str, CompiledRead] = {}   # by name: a prepared statement's name is unique on its connection


class CompiledRead:
    """One read: `name` (unique; the prepared statement's name), the queryset's model, `build(*args)` giving the
    queryset, and the type (int or str) of each argument. `rows()` / `objects()` read it; `queryset()` is the ORM's."""

    def __init__(self, name: str, model: type, build: Callable[..., QuerySet], kinds: Sequence[type]):
        if name in _READS:
            raise ValueError(f"a compiled read named {name} exists")
        _READS[name] = self
        self.name = name            # the prepared statement's name on PostgreSQL: a fixed identifier
        self.model = model          # the queryset's model (which database it is read from)
        self.build = build
        self.kinds = tuple(kinds)

    def queryset(self, *args) -> QuerySet:
        """The queryset this read stands for (tests compare the two)."""
        return self.build(*args)

    @functools.cache  # noqa: B019 — one entry per read and database alias, for the process's life (SQL text only)
    def statement(self, alias: str) -> _Statement:
        stand_ins = [_stand_in(kind, i) for i, kind in enumerate(self.kinds)]
        qs: Any = self.build(*stand_ins)   # (the queryset's private attributes are read: Any)
        if qs.model is not self.model:
            raise TypeError(f"{self.name}: the queryset reads {qs.model.__name__}, not {self.model.__name__}")
        if qs._prefetch_related_lookups or qs._known_related_objects:
            raise TypeError(f"{self.name}: prefetch_related and known related objects are not compiled")
        compiler = qs.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        index = {(type(v), v): i for i, v in enumerate(stand_ins)}
        bound = tuple((index.get((type(p), p)), None if (type(p), p) in index else p) for p in params)
        missing = set(range(len(stand_ins))) - {i for i, _c in bound if i is not None}
        if missing or any(str(v) in sql for v in stand_ins):
            raise ValueError(f"{self.name}: arguments {sorted(missing)} are not parameters of the SQL")
        fields = [s[0] for s in compiler.select[0:compiler.col_count]]
        converters = tuple((pos, tuple(convs), expression)
                           for pos, (convs, expression) in compiler.get_converters(fields).items())
        if qs._iterable_class is ValuesListIterable:
            names = [*qs.query.extra_select, *qs.query.values_select, *qs.query.annotation_select]
            if list(qs._fields) != names:
                raise TypeError(f"{self.name}: a values_list whose columns the ORM reorders is not compiled")
            return _Statement(sql, bound, converters)
        if qs._iterable_class is not ModelIterable:
            raise TypeError(f"{self.name}: only values_list and model reads are compiled")
        klass_info, select = compiler.klass_info, compiler.select
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Statement(sql, bound, converters, model=klass_info["model"],
                          init_list=tuple(f[0].target.attname for f in select[first:last]), start=first, end=last,
                          populators=tuple(get_related_populators(klass_info, select, alias)),
                          annotations=tuple(compiler.annotation_col_map.items()))

    def _fetch(self, args: tuple) -> tuple[_Statement, str, list]:
        if len(args) != len(self.kinds):
            raise TypeError(f"{self.name} takes {len(self.kinds)} arguments")
        alias = router.db_for_read(self.model)
        st = self.statement(alias)
        if any(type(a) is int and not -2**63 <= a < 2**63 for a in args):
            return st, alias, []   # as the ORM: an id no 64-bit column holds matches no row (not a driver error)
        connection = connections[alias]
        with connection.cursor() as cur:
            prepared.execute(cur, self.name, st.sql, [args[i] if i is not None else c for i, c in st.params])
            rows = cur.fetchall()
        if st.converters:
            out = []
            for row in rows:
                values = list(row)
                for pos, convs, expression in st.converters:
                    value = values[pos]
                    for convert in convs:
                        value = convert(value, expression, connection)
                    values[pos] = value
                out.append(values)
            rows = out
        return st, alias, rows

    def rows(self, *args) -> list[tuple]:
        """The rows of a `values_list` read for these arguments, as tuples."""
        st, _alias, rows = self._fetch(args)
        if st.model is not None:
            raise TypeError(f"{self.name} reads model instances: use objects()")
        return [tuple(r) for r in rows] if st.converters else rows

    def objects(self, *args) -> list:
        """The model instances of a model read for these arguments, with their select_related objects and
        annotations, as the queryset's ModelIterable makes them."""
        st, alias, rows = self._fetch(args)
        if st.model is None:
            raise TypeError(f"{self.name} reads values: use rows()")
        out = []
        for row in rows:
            obj = st.model.from_db(alias, st.init_list, row[st.start:st.end])
            for populator in st.populators:
                populator.populate(row, obj)
            for name, pos in st.annotations:
                setattr(obj, name, row[pos])
            out.append(obj)
        return out



def statement_text(sql: str, alias: str = "default") -> str:
    """A captured statement's SQL: a compiled read's `EXECUTE name(…)` (PostgreSQL) as the SQL it runs, anything else
    as it is. For tests and tools that look into a page's statements (`connection.queries`)."""
    if sql.startswith("EXECUTE "):
        read = _READS.get(sql[len("EXECUTE "):].split("(", 1)[0].strip())
        if read is not None:
            return read.statement(alias).sql
    return sql
