"""The findings list's filters (core.filters, django-filter): the page checks its query parameters with
FindingFilterSet, and ledger.selectors.finding_list applies them inside the query scoped to the user."""
from __future__ import annotations

import re

import django_filters
from django.db import connection
from django.db.models import CharField, F, Func
from django.utils.translation import gettext_lazy as _

from luoshi.core import clock
from luoshi.core.filters import DayFilter, FlagFilter, IdFilter, ListFilterSet, contains_any
from luoshi.org.models import Unit

from .models import OWING_STATUSES, Finding, FindingStatus, Severity, Source

CODE_LIKE = re.compile(r"^\d{4}-\d{4,}$")
ALL = _("全部")


class FindingFilterSet(ListFilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=FindingStatus.choices, empty_label=ALL)
    category = django_filters.ChoiceFilter(label=_("类别"), field_name="category_id", empty_label=ALL)
    source = django_filters.ChoiceFilter(label=_("来源"), choices=Source.choices, empty_label=ALL)
    severity = django_filters.ChoiceFilter(label=_("严重程度"), choices=Severity.choices, empty_label=ALL)
    overdue = FlagFilter(label=_("只看逾期"), method="only_overdue")
    repeat = FlagFilter(label=_("只看复发"), method="only_repeats")
    public = FlagFilter(label=_("只看已公开"), method="only_public")
    q = django_filters.CharFilter(label=_("关键词"), method="search", max_length=100)
    found_from = DayFilter(label=_("发现日期自"), field_name="found_on", lookup_expr="gte")
    found_to = DayFilter(label=_("至"), field_name="found_on", lookup_expr="lte")
    unit = IdFilter(label=_("单位"), method="in_unit")
    sheet = IdFilter(label=_("交办单"), field_name="sheet_id")
    round = IdFilter(label=_("督导轮次"), field_name="round_id")

    class Meta:
        model = Finding
        fields: list[str] = []

    context = {"walk_found_on": False}

    def __init__(self, data=None, *, categories=(), walk_found_on: bool = False, **kwargs):
        super().__init__(data, **kwargs)
        self.walk_found_on = walk_found_on  # selectors.finding_list
        self.filters["category"].extra["choices"] = list(categories)  # (id, name): selectors.category_choices

    def only_overdue(self, queryset, name, value):
        return queryset.filter(status__in=OWING_STATUSES, deadline__lt=clock.today()) if value else queryset

    def only_repeats(self, queryset, name, value):
        return queryset.filter(repeat_count__gt=0) if value else queryset

    def only_public(self, queryset, name, value):
        return queryset.filter(is_public=True) if value else queryset

    def search(self, queryset, name, value):
        q = value.strip()
        if not q:
            return queryset
        if CODE_LIKE.match(q):  # a finding's number: the index answers, no scan of every description
            return queryset.filter(code=q)
        return queryset.filter(contains_any(q, ("code", "description", "address")))

    def in_unit(self, queryset, name, value):
        """The unit and the units under it; `value` is a Unit (a selector's filters) or its id (a page)."""
        path = value.path if isinstance(value, Unit) else Unit.objects.filter(pk=value).values_list("path", flat=True).first()
        if not path:
            return queryset.none()
        if self.walk_found_on and connection.vendor == "sqlite":
            # SQLite's unary + makes a column unusable for an index (https://sqlite.org/optoverview.html): the
            # list's order then comes from the found_on index (selectors.finding_list)
            queryset = queryset.alias(unit_path_unindexed=Func(F("unit_path"), template="+%(expressions)s",
                                                              output_field=CharField()))
            return queryset.filter(unit_path_unindexed__within=[path])
        return queryset.filter(unit_path__within=[path])
