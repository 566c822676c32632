"""`path__within=paths` (org.lookups) on this database: the same rows as the prefix test in Python, with ids
that share leading digits ("/1/" is not inside "/10/"), nested and repeated paths, and the empty list."""
from __future__ import annotations

import random

import pytest
from django.db.models import Q

from luoshi.org.lookups import outermost, path_within
from luoshi.org.models import Unit
from luoshi.org.scopes import Scope
from luoshi.org.services import unit_create

from .scoping import SEEDS, random_tree


# paths whose ids share leading digits ("/1/" and "/10/"), nested and deep, besides a random tree
FIXED = ("/1/", "/1/5/", "/1/5/9/", "/10/", "/10/1/", "/11/", "/2/", "/2/19/", "/9/")


@pytest.fixture
def tree(city):
    random_tree(random.Random(7), city["city"], 10)
    for i, path in enumerate(FIXED):
        Unit.objects.create(name=f"路径{i}", kind="department", path=path, depth=path.count("/") - 2)
    return list(Unit.objects.order_by("pk"))


def test_ids_that_share_leading_digits_are_not_inside_each_other(tree):
    def names(paths):
        return set(Unit.objects.filter(path__within=paths, name__startswith="路径").values_list("path", flat=True))

    assert names(["/1/"]) == {"/1/", "/1/5/", "/1/5/9/"}
    assert names(["/10/", "/2/19/"]) == {"/10/", "/10/1/", "/2/19/"}
    assert names(["/1/5/", "/9/"]) == {"/1/5/", "/1/5/9/", "/9/"}


@pytest.mark.parametrize("seed", SEEDS)
def test_within_equals_the_prefix_test_in_python(tree, seed):
    rng = random.Random(seed)
    for _ in range(20):
        paths = [rng.choice(tree).path for _ in range(rng.randint(1, 4))]
        paths += [p for p in paths if rng.random() < 0.3]          # repeated
        expected = {u.pk for u in tree if path_within(u.path, paths)}
        assert set(Unit.objects.filter(path__within=paths).values_list("pk", flat=True)) == expected
        assert set(Unit.objects.filter(Q(path__within=paths) | Q(pk=-1)).values_list("pk", flat=True)) == expected
        assert set(Unit.objects.exclude(path__within=paths).values_list("pk", flat=True)) == {u.pk for u in tree} - expected


@pytest.mark.parametrize("seed", SEEDS)
def test_the_written_out_form_with_one_parameter_is_the_lookup(tree, seed):
    """within_sql/within_parameter (for statements written out once, ADR 0059): the rows of `path__within`, for
    random lists, ids sharing leading digits, and the empty list."""
    from django.db import connection

    from luoshi.org.lookups import within_parameter, within_sql

    rng = random.Random(seed)
    table, column = connection.ops.quote_name(Unit._meta.db_table), connection.ops.quote_name("path")
    # qualified: on SQLite the test reads json_each, which has a column of its own named `path`
    sql = f"SELECT id FROM {table} WHERE {within_sql(f'{table}.{column}', connection.vendor)}"
    lists = [[], ["/1/"], ["/10/", "/2/19/"], ["/1/5/", "/9/", "/1/"]]
    lists += [[rng.choice(tree).path for _ in range(rng.randint(1, 4))] for _ in range(15)]
    for paths in lists:
        with connection.cursor() as cursor:
            cursor.execute(sql, [within_parameter(paths, connection.vendor)])
            found = {pk for (pk,) in cursor.fetchall()}
        expected = set(Unit.objects.filter(path__within=paths).values_list("pk", flat=True)) if paths else set()
        assert found == expected, paths


def test_an_empty_list_matches_nothing_and_asks_nothing(tree, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert list(Unit.objects.filter(path__within=[])) == []
    assert Unit.objects.filter(Q(path__within=[]) | Q(pk=tree[0].pk)).count() == 1
    assert Unit.objects.exclude(path__within=()).count() == len(tree)


def test_a_single_path_may_be_given_as_a_string(tree):
    assert Unit.objects.filter(path__within=tree[1].path).count() == sum(u.path.startswith(tree[1].path) for u in tree)


def test_bad_paths_are_refused(db):
    with pytest.raises(ValueError):
        Unit.objects.filter(path__within=[""])
    with pytest.raises(ValueError):
        Unit.objects.filter(path__within=[None])


def test_outermost_keeps_only_paths_not_inside_another():
    assert outermost(["/1/5/", "/1/", "/10/", "/1/", "/2/3/"]) == ("/1/", "/10/", "/2/3/")


def test_scope_paths_are_outermost_and_covers_agrees(city):
    scope = Scope(person_id=1, paths={"office": ("/1/2/",), "leader": ("/1/",), "liaison": ("/1/2/3/",)})
    assert scope.paths_for("office", "leader") == ("/1/",)
    assert scope.covers("/1/9/", "leader") and not scope.covers("/1/9/", "office")
    assert not scope.covers("/10/", "leader") and not scope.covers("", "leader") and not scope.covers(None, "leader")


def test_the_sql_is_a_range_on_sqlite_and_like_on_postgresql(city):
    from django.db import connection

    sql = str(Unit.objects.filter(path__within=["/1/", "/2/"]).query)
    if connection.vendor == "postgresql":
        assert sql.count(" LIKE ") == 2 and ">=" not in sql
    else:
        assert "LIKE" not in sql and sql.count(">=") == 2


def test_unit_create_paths_are_what_within_expects(city):
    u = unit_create(by=None, name="测试", kind="street", parent=city["street_a"])
    assert u.path == f"{city['street_a'].path}{u.pk}/"
