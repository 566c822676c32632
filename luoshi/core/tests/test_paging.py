"""core.paging.Pager: the same pages as Django's Paginator, counting only when the page cannot tell the total."""
from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luoshi.core.paging import Pager
from luoshi.org.models import Unit

pytestmark = pytest.mark.django_db


def counted(fn):
    """(result, number of COUNT queries fn ran)"""
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
        queries = [q["sql"] for q in ctx.captured_queries]
    return result, sum("COUNT(*)" in q for q in queries)


@pytest.mark.parametrize("number", [None, "", "x", "-3", "0", "1", "2", "3", "4", "99"])
def test_same_pages_as_paginator(city, number):
    qs = Unit.objects.order_by("pk")  # 7 units
    expected = Paginator(qs, 3).get_page(number)
    page = Pager(qs, 3).get_page(number)
    assert page.number == expected.number
    assert list(page.object_list) == list(expected.object_list)
    assert (page.has_next(), page.has_previous()) == (expected.has_next(), expected.has_previous())
    assert (page.paginator.count, page.paginator.num_pages) == (7, 3)


def test_counts_only_when_the_page_cannot_tell(city):
    qs = Unit.objects.order_by("pk")
    page, counts = counted(lambda: Pager(qs, 10).get_page(1))
    assert (counts, page.paginator.count, len(page.object_list)) == (0, 7, 7)  # fits on its first page
    page, counts = counted(lambda: Pager(qs, 3).get_page(3))
    assert (counts, page.paginator.count) == (0, 7)  # the last page: two full pages before it
    page, counts = counted(lambda: Pager(qs, 3).get_page(1).paginator.count)
    assert (page, counts) == (7, 1)  # a full page: the total needs a count


def test_a_given_total_is_used_and_a_wrong_one_is_corrected(city):
    qs = Unit.objects.order_by("pk")
    page, counts = counted(lambda: Pager(qs, 3, count=7).get_page(1).paginator.num_pages)
    assert (page, counts) == (3, 0)
    # a stale total that promises more pages than there are: past the end, the rows are counted
    page, counts = counted(lambda: Pager(qs, 3, count=40).get_page(9))
    assert (page.number, [u.pk for u in page.object_list], counts) == (3, [list(qs)[-1].pk], 1)


def test_empty_list(db):
    page, counts = counted(lambda: Pager(Unit.objects.none(), 3).get_page(5))
    assert (page.number, list(page.object_list), page.paginator.count, counts) == (1, [], 0, 0)


def test_a_total_carried_by_the_rows(city):
    """count_key: the total comes with the page's rows (no COUNT), even on the last page; a list whose rows do not
    carry it is counted as without a total; past the end the rows are counted as with a given total."""
    from django.db.models import Value

    qs = Unit.objects.order_by("pk").values("pk")
    carried = qs.annotate(total=Value(7))
    page, counts = counted(lambda: Pager(carried, 3, count_key="total").get_page(1).paginator.num_pages)
    assert (page, counts) == (3, 0)
    stale = qs.annotate(total=Value(40))  # what the rows say wins over what the last page could tell
    page, counts = counted(lambda: Pager(stale, 3, count_key="total").get_page(3).paginator.count)
    assert (page, counts) == (40, 0)
    page, counts = counted(lambda: Pager(qs, 3, count_key="total").get_page(1).paginator.count)
    assert (page, counts) == (7, 1)
    page, counts = counted(lambda: Pager(stale, 3, count_key="total").get_page(9))
    assert (page.number, page.paginator.count, counts) == (3, 7, 1)
