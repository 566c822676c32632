"""Pagers for lists that can hold hundreds of thousands of rows."""
from __future__ import annotations

from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from .params import MAX_PAGE


class Paginator(DjangoPaginator):
    """Django's paginator, counting `count_rows` when given: the list's rows without the joins and columns
    its page shows (`.values("unit__name", …)` joins tables that a COUNT does not need)."""

    def __init__(self, object_list, per_page, *, count_rows: QuerySet | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_rows = count_rows

    @cached_property
    def count(self) -> int:
        return self.count_rows.count() if self.count_rows is not None else super().count


class CappedPaginator(Paginator):
    """Counts at most `cap` rows and then says "more than": counting every match of a text search, or every
    closed request of a city, is most of a page's time while nobody pages that far. Pages past the cap are
    not offered; narrowing the filters is."""

    def __init__(self, object_list, per_page, *, cap: int = 1000, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        rows = self.count_rows if self.count_rows is not None else self.object_list
        if not isinstance(rows, QuerySet):
            raise TypeError("CappedPaginator counts a QuerySet (one COUNT), not %s" % type(rows).__name__)
        return rows[:self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


class Pager(Paginator):
    """A paginator that reads the page first and counts only when it must.

    Django's Paginator counts every matching row before it reads a page (to check the page number). This one reads
    the asked page with one row more than fits, which tells whether it is the last page, and then knows the total
    without counting (a list that fits on its first page costs no count). Otherwise it counts (`COUNT(*)`), unless the caller passes the
    total it already knows (`count=`, e.g. a maintained figure), or the rows carry it (`count_key=`: the key of each
    row's dict that holds the total, read with the page; a row without it is counted as without `count`). Page
    numbers mean what they mean to Paginator.get_page: not a number → the first page, past the end or below 1 → the
    last page."""

    capped = False  # core/_pager.html asks (CappedPaginator)

    def __init__(self, object_list, per_page, *, count: int | None = None, count_key: str | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        if count is not None:
            self.count = count  # the cached_property's value
        self.count_key = count_key

    def get_page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        if number < 1 or number > MAX_PAGE:  # as Paginator.get_page: the last page (no OFFSET past 64 bits)
            return self.get_page(self.num_pages)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom:bottom + self.per_page + 1])
        if rows and self.count_key is not None and self.count_key in rows[0] and "count" not in self.__dict__:
            self.count = rows[0][self.count_key]  # as if given (but not over a count made past the end)
        if rows and len(rows) <= self.per_page and "count" not in self.__dict__:
            self.count = bottom + len(rows)  # the last page: everything before it was full
        elif not rows and number > 1:  # past the end: show the last page, counted (whatever total was given)
            for cached in ("count", "num_pages"):
                self.__dict__.pop(cached, None)
            if self.num_pages < number:
                return self.get_page(self.num_pages)
        elif not rows:
            self.count = 0
        return self._get_page(rows[:self.per_page], number, self)  # type: ignore[attr-defined]  # Django's hook, not in the stubs
