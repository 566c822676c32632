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

Besides `int` and `str`, an argument may be of a *kind* that knows how the ORM writes it as parameters (ADR 0064):
`Ids` (a non-empty list of ids through `__in_ids`: one parameter, an array on PostgreSQL, JSON text on SQLite) and,
in `org.lookups`, `Path` (one unit path through `__within`) and `Paths` (several, through `__within_any`). A kind has
`stand_in(i)` (the value `build` gets while the SQL is written) and `parameters(value, connection)` (the compiled
parameters a value comes out as, in order: the stand-in's are found by value among the compiled parameters, the
request's are bound in their place). A read whose shape varies (which parts a user's lists have; an empty list, which
matches nothing) is one read per shape: `CompiledRead.shaped(prefix, shape, …)` makes it on first use, named from the
shape. A read whose generic plan PostgreSQL would get wrong is made with `prepare=False`: its SQL is still written
once, but it is sent as it is and planned on every run.
"""
from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesIterable, ValuesListIterable
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # (not in django-stubs)

from . import prepared
from .lookups import ids_parameter

# Stand-ins for the arguments while the SQL is built: values no real row or filter uses, found again among the
# compiled parameters by type and value.
_INT_BASE = -7_213_000_000_000_000_000


class Ids:
    """An argument that is a non-empty collection of ids, compared in the SQL by `field__in_ids=argument`: the whole
    list is one parameter (an array on PostgreSQL, JSON text on SQLite), so the SQL does not change with its length.
    An empty list is refused: `__in_ids` of nothing matches nothing without a statement, a different shape (the
    caller leaves that part out). Pass a set or `dict.keys()` (`__in_ids` walks a list itself)."""

    def stand_in(self, i: int) -> list[int]:
        return [_INT_BASE + 1_000_000 + 2 * i, _INT_BASE + 1_000_001 + 2 * i]

    def parameters(self, value, connection) -> tuple:
        ids = list(value)
        if not ids:
            raise ValueError("Ids: an empty list matches nothing, a read of another shape")
        if any(type(i) is not int for i in ids):
            raise ValueError("Ids takes integers only")
        return (ids_parameter(ids, connection.vendor),)


class _Scalar:
    """`int` and `str` as kinds: the value is the one parameter."""

    def __init__(self, kind: type):
        self.kind = kind

    def stand_in(self, i: int) -> Any:
        return _INT_BASE - i if self.kind is int else f"\x01luoshi-compiled-{i}\x01"

    def parameters(self, value, connection) -> tuple:
        return (value,)


def _kind(kind: Any) -> Any:
    if kind is int or kind is str:
        return _Scalar(kind)
    if isinstance(kind, type) or not (hasattr(kind, "stand_in") and hasattr(kind, "parameters")):
        raise TypeError(f"CompiledRead arguments are int, str or a kind (Ids, Path, Paths), not {kind!r}")
    return kind


def _inlined(value: Any, sql: str) -> bool:
    """Whether a stand-in (or one of its elements) appears in the SQL text instead of as a parameter."""
    if isinstance(value, (list, tuple)):
        return any(_inlined(v, sql) for v in value)
    return isinstance(value, (int, str)) and str(value) in sql


def _constants_written_in(sql: str, bound: tuple, connection) -> tuple[str, tuple]:
    """PostgreSQL: the parameters that are not arguments (the query's constants: a status, a dimension, a list's name)
    written into the SQL as the literals psycopg's client-side binding writes for them — the text Django sends for
    any query — so that only the arguments are parameters. A prepared statement's generic plan then knows the
    constants as the custom plan does (`status = 'red'` picks its partial index and estimate; `status = $2` cannot)."""
    from psycopg.sql import Literal

    connection.ensure_connection()
    raw = connection.connection
    out: list[str] = []
    kept: list = []
    params = iter(bound)
    last = 0
    for m in prepared.PLACEHOLDER.finditer(sql):
        out.append(sql[last:m.start()])
        last = m.end()
        if m.group() == "%%":
            out.append("%%")
            continue
        i, k, constant = next(params)
        if i is not None:
            out.append("%s")
            kept.append((i, k, None))
        else:
            out.append(Literal(constant).as_string(raw).replace("%", "%%"))
    out.append(sql[last:])
    return "".join(out), tuple(kept)


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple[tuple[int | None, int, Any], ...]   # (argument index and which of its parameters, or None and a constant)
    converters: tuple[tuple[int, tuple[Callable, ...], Any], ...]   # (column, converters, expression)
    model: Any = None          # model reads: the model, its columns' attnames and range, populators, annotations
    init_list: tuple[str, ...] = ()
    start: int = 0
    end: int = 0
    populators: tuple = ()
    annotations: tuple[tuple[str, int], ...] = ()
    names: tuple[str, ...] = ()   # a values() read: the keys of its dicts


_READS: dict[str, CompiledRead] = {}   # by name: a prepared statement's name is unique on its connection
_SHAPED = threading.Lock()


class CompiledRead:
    """One read: `name` (unique; the prepared statement's name), the queryset's model, `build(*args)` giving the
    queryset, and the kind of each argument (int, str, Ids, Path, Paths). `rows()` / `dicts()` / `objects()` read it;
    `queryset()` is the ORM's. With `prepare=False` PostgreSQL plans it on every run (not prepared)."""

    def __init__(self, name: str, model: type, build: Callable[..., QuerySet], kinds: Sequence[Any], *,
                 prepare: bool = True):
        if name in _READS:
            raise ValueError(f"a compiled read named {name} exists")
        if len(name.encode()) > 63:
            raise ValueError(f"{name}: a prepared statement's name is at most 63 bytes")
        _READS[name] = self
        self.name = name            # the prepared statement's name on PostgreSQL: a fixed identifier
        self.model = model          # the queryset's model (which database it is read from)
        self.build = build
        self.kinds = tuple(_kind(k) for k in kinds)
        self.prepare = prepare

    @classmethod
    def shaped(cls, prefix: str, shape: Hashable, model: type, build: Callable[..., QuerySet], kinds: Sequence[Any],
               *, prepare: bool = True) -> CompiledRead:
        """The read of one `shape` of a family whose queries vary by shape (which parts, which kinds): made on its
        first use, named `prefix` and a short hash of `repr(shape)`, and the same object for the process's life.
        `build` and `kinds` must be those the shape determines; the caller keeps the number of shapes bounded."""
        name = f"{prefix}_{hashlib.blake2b(repr(shape).encode(), digest_size=6).hexdigest()}"
        read = _READS.get(name)
        if read is None:
            with _SHAPED:
                read = _READS.get(name) or cls(name, model, build, kinds, prepare=prepare)
        return read

    def queryset(self, *args) -> QuerySet:
        """The queryset this read stands for (tests compare the two)."""
        return self.build(*args)

    @functools.cache  # noqa: B019 — one entry per read and database alias, for the process's life (SQL text only)
    def statement(self, alias: str) -> _Statement:
        connection = connections[alias]
        stand_ins = [kind.stand_in(i) for i, kind in enumerate(self.kinds)]
        qs: Any = self.build(*stand_ins)   # (the queryset's private attributes are read: Any)
        if qs.model is not self.model:
            raise TypeError(f"{self.name}: the queryset reads {qs.model.__name__}, not {self.model.__name__}")
        if qs._prefetch_related_lookups or qs._known_related_objects:
            raise TypeError(f"{self.name}: prefetch_related and known related objects are not compiled")
        compiler = qs.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        # each argument's parameters as the stand-in comes out, found by type and value among the compiled ones
        expected = [(i, k, v) for i, (kind, stand_in) in enumerate(zip(self.kinds, stand_ins))
                    for k, v in enumerate(kind.parameters(stand_in, connection))]

        def where(p: Any) -> tuple[int | None, int, Any]:
            for i, k, v in expected:
                if type(p) is type(v) and p == v:
                    return i, k, None
            return None, 0, p
        bound = tuple(where(p) for p in params)
        found = {(i, k) for i, k, _c in bound if i is not None}
        missing = sorted({i for i, k, _v in expected if (i, k) not in found})
        if missing or any(_inlined(v, sql) for v in stand_ins):
            raise ValueError(f"{self.name}: arguments {missing} are not parameters of the SQL")
        if connection.vendor == "postgresql":
            sql, bound = _constants_written_in(sql, bound, connection)
        fields = [s[0] for s in compiler.select[0:compiler.col_count]]
        converters = tuple((pos, tuple(convs), expression)
                           for pos, (convs, expression) in compiler.get_converters(fields).items())
        if qs._iterable_class in (ValuesListIterable, ValuesIterable):
            names = (tuple(qs.query.selected) if qs.query.selected else   # as ValuesIterable names them
                     (*qs.query.extra_select, *qs.query.values_select, *qs.query.annotation_select))
            if qs._iterable_class is ValuesListIterable and list(qs._fields) != list(names):
                raise TypeError(f"{self.name}: a values_list whose columns the ORM reorders is not compiled")
            return _Statement(sql, bound, converters,
                              names=names if qs._iterable_class is ValuesIterable else ())
        if qs._iterable_class is not ModelIterable:
            raise TypeError(f"{self.name}: only values, values_list and model reads are compiled")
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
        values = [kind.parameters(a, connection) for kind, a in zip(self.kinds, args)]
        params = [values[i][k] if i is not None else c for i, k, c in st.params]
        with connection.cursor() as cur:
            if self.prepare:
                prepared.execute(cur, self.name, st.sql, params)
            else:
                cur.execute(st.sql, params)
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
        """The rows of a `values_list` (or `values`) read for these arguments, as tuples."""
        st, _alias, rows = self._fetch(args)
        if st.model is not None:
            raise TypeError(f"{self.name} reads model instances: use objects()")
        return [tuple(r) for r in rows] if st.converters else rows

    def dicts(self, *args) -> list[dict]:
        """The rows of a `values()` read for these arguments, as the dicts the queryset gives."""
        st, _alias, rows = self._fetch(args)
        if not st.names:
            raise TypeError(f"{self.name} is not a values() read")
        names = st.names
        return [dict(zip(names, row)) for row in rows]

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
