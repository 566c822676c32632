"""The argument kinds of `core.compiled.CompiledRead` (ADR 0064): a list of ids (`Ids`, through `__in_ids`), one unit
path (`org.lookups.Path`, through `__within`) and several (`Paths`, through `__within_any`) are bound as the ORM
writes them, so a read compiled once gives what its queryset gives for every list; what cannot be bound is refused.
Also `dicts()`, reads not prepared, a read per shape, and (PostgreSQL) the query's constants written into its SQL."""
from __future__ import annotations

import json
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luoshi.core.compiled import CompiledRead, Ids, statement_text
from luoshi.org.lookups import Path, Paths
from luoshi.org.models import Unit

_n = iter(range(10**6))


def read(build, kinds, **kw) -> CompiledRead:
    """A read under a name of its own (names are unique per process)."""
    return CompiledRead(f"luoshi_test_compiled_{next(_n)}", Unit, build, kinds, **kw)


def units_in(ids):
    return Unit.objects.filter(pk__in_ids=ids).order_by("pk").values_list("pk", "path")


def test_a_list_of_ids_is_one_parameter_whatever_its_length(city):
    units = read(units_in, (Ids(),))
    pks = sorted(Unit.objects.values_list("pk", flat=True))
    rng = random.Random(7)
    for ids in ({pks[0]}, set(pks[:3]), set(pks), {pks[-1], max(pks) + 100}, set(rng.sample(pks, len(pks) // 2))):
        assert units.rows(ids) == list(units.queryset(ids)), ids
    st = units.statement(connection.alias)
    assert st.sql.count("%s") == 1
    # the parameter is the list itself on PostgreSQL (an array), JSON text on SQLite
    with CaptureQueriesContext(connection) as captured:
        units.rows({pks[0], pks[1]})
    sent = captured.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert sent.startswith(f"EXECUTE {units.name}(")
        assert "= ANY(" in statement_text(sent)
    else:
        assert "json_each" in sent and json.dumps(sorted([pks[0], pks[1]])).replace(" ", "")[1:-1] in sent.replace(
            " ", "")


def test_a_list_of_ids_is_refused_when_empty_or_not_integers(city):
    units = read(units_in, (Ids(),))
    with pytest.raises(ValueError, match="empty"):
        units.rows(set())
    with pytest.raises(ValueError, match="integers"):
        units.rows({"1; DROP TABLE org_unit"})
    with pytest.raises(ValueError, match="integers"):
        units.rows({1.0})


def test_ids_not_sent_as_one_parameter_are_refused(city):
    """`__in` sends each element as its own parameter: the stand-in list is not among the parameters."""
    elementwise = read(lambda ids: Unit.objects.filter(pk__in=list(ids)).values_list("pk"), (Ids(),))
    with pytest.raises(ValueError, match="not parameters"):
        elementwise.rows({1})
    ignored = read(lambda ids: Unit.objects.values_list("pk"), (Ids(),))
    with pytest.raises(ValueError, match="not parameters"):
        ignored.rows({1})


def test_one_path_and_several_paths_select_what_within_selects(city):
    paths = sorted(Unit.objects.values_list("path", flat=True))
    one = read(lambda path: Unit.objects.filter(path__within=[path]).order_by("pk").values_list("pk"), (Path(),))
    several = read(lambda ps: Unit.objects.filter(path__within_any=ps).order_by("pk").values_list("pk"), (Paths(),))
    rng = random.Random(11)
    for path in [*paths, "/999999/", "/1%/", "/1_/"]:
        expected = list(Unit.objects.filter(path__within=[path]).order_by("pk").values_list("pk"))
        assert one.rows(path) == expected == several.rows([path]), path
    for _ in range(20):
        chosen = rng.sample(paths, rng.randint(1, min(4, len(paths))))
        expected = list(Unit.objects.filter(path__within=chosen).order_by("pk").values_list("pk"))
        assert several.rows(chosen) == expected == list(several.queryset(chosen)), chosen
    assert several.statement(connection.alias).sql.count("%s") == 1
    # one path: `LIKE %s` on PostgreSQL (the index range of a custom plan), the byte range (two) on SQLite
    assert one.statement(connection.alias).sql.count("%s") == (1 if connection.vendor == "postgresql" else 2)


def test_paths_are_refused_when_empty_or_not_paths(city):
    one = read(lambda path: Unit.objects.filter(path__within=[path]).values_list("pk"), (Path(),))
    several = read(lambda ps: Unit.objects.filter(path__within_any=ps).values_list("pk"), (Paths(),))
    with pytest.raises(ValueError):
        one.rows("")
    with pytest.raises(ValueError):
        one.rows(["/1/"])
    with pytest.raises(ValueError, match="no path"):
        several.rows([])
    with pytest.raises(ValueError):
        several.rows(["/1/", 3])
    assert list(Unit.objects.filter(path__within_any=[])) == []
    # a path the build does not compare in the SQL (here: decided in Python) cannot be compiled
    decided = read(lambda path: Unit.objects.filter(depth=1 if path.startswith("/") else 2).values_list("pk"),
                   (Path(),))
    with pytest.raises(ValueError, match="not parameters"):
        decided.rows("/1/")


def test_values_reads_give_the_dicts_of_the_queryset(city):
    values = read(lambda ids, path: Unit.objects.filter(pk__in_ids=ids, path__within=[path]).order_by("pk")
                  .values("pk", "name", "path", "depth"), (Ids(), Path()))
    root = Unit.objects.order_by("depth", "pk").first()
    pks = set(Unit.objects.values_list("pk", flat=True))
    assert values.dicts(pks, root.path) == list(values.queryset(pks, root.path))
    assert values.dicts(pks, root.path)
    with pytest.raises(TypeError):
        read(units_in, (Ids(),)).dicts(pks)


def test_a_read_not_prepared_is_sent_as_its_sql(city):
    units = read(units_in, (Ids(),), prepare=False)
    pks = set(Unit.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as captured:
        assert units.rows(pks) == list(units.queryset(pks))
    assert not captured.captured_queries[0]["sql"].startswith("EXECUTE")


def test_a_read_per_shape_is_made_once_and_named_from_its_shape(city):
    def build_for(depth):
        return lambda ids: Unit.objects.filter(pk__in_ids=ids, depth=depth).order_by("pk").values_list("pk")

    first = CompiledRead.shaped("luoshi_test_shaped", ("depth", 1), Unit, build_for(1), (Ids(),))
    again = CompiledRead.shaped("luoshi_test_shaped", ("depth", 1), Unit, build_for(1), (Ids(),))
    other = CompiledRead.shaped("luoshi_test_shaped", ("depth", 2), Unit, build_for(2), (Ids(),))
    assert first is again and first is not other
    assert first.name.startswith("luoshi_test_shaped_") and len(first.name.encode()) <= 63
    pks = set(Unit.objects.values_list("pk", flat=True))
    assert other.rows(pks) == list(Unit.objects.filter(depth=2).order_by("pk").values_list("pk"))
    with pytest.raises(ValueError, match="63 bytes"):
        CompiledRead("luoshi_" + "x" * 60, Unit, build_for(1), (Ids(),))


def test_constants_are_written_into_the_sql_on_postgresql(city):
    """Only the arguments are parameters of a prepared statement: its generic plan knows the query's constants."""
    from luoshi.org.services import unit_create

    unit_create(by=None, name="100%的'区'", kind="district", parent=city["city"])
    for name in ("崂山区", "100%的'区'"):
        named = read(lambda ids, name=name: Unit.objects.filter(pk__in_ids=ids, name=name, depth__gte=1)
                     .values_list("pk"), (Ids(),))
        sql = named.statement(connection.alias).sql
        pks = set(Unit.objects.values_list("pk", flat=True))
        assert named.rows(pks) == list(named.queryset(pks)) == list(Unit.objects.filter(name=name).values_list("pk"))
        assert len(named.rows(pks)) == 1
        if connection.vendor == "postgresql":
            assert sql.count("%s") == 1 and ">= 1" in sql
        else:
            assert name not in sql and sql.count("%s") == 3
