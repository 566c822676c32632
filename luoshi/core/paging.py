"""Pagers for lists that can hold hundreds of thousands of rows."""
from __future__ import annotations

from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


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
