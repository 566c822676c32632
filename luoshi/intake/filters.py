"""The request list's filters (core.filters, django-filter): the dispatcher's page checks its query parameters
with QueueFilterSet, and intake.selectors applies them inside the query scoped to the user."""
from __future__ import annotations

import datetime as dt

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luoshi.core import clock
from luoshi.core.filters import DayFilter, FlagFilter, ListFilterSet
from luoshi.core.widgets import FastSelect

from .models import Request, RequestState, overdue_q

ALL = _("全部")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class QueueFilterSet(ListFilterSet):
    category = django_filters.ChoiceFilter(label=_("类别"), field_name="category_id", empty_label=ALL, widget=FastSelect)
    channel = django_filters.ChoiceFilter(label=_("渠道"), field_name="channel_id", empty_label=ALL, widget=FastSelect)
    area = django_filters.ChoiceFilter(label=_("属地"), field_name="area_id", empty_label=ALL, widget=FastSelect)
    unit = django_filters.ChoiceFilter(label=_("承办单位"), field_name="lead_unit_id", empty_label=ALL, widget=FastSelect)
    state = django_filters.ChoiceFilter(label=_("状态"), choices=RequestState.choices, empty_label=ALL)
    received_from = DayFilter(label=_("受理日期自"), method="received_since")
    received_to = DayFilter(label=_("至"), method="received_until")
    q = django_filters.CharFilter(label=_("关键词"), field_name="description", lookup_expr="icontains", max_length=100)
    overdue = FlagFilter(label=_("只看超时"), method="only_overdue")

    class Meta:
        model = Request
        fields: list[str] = []

    context = {"now": None}

    def __init__(self, data=None, *, categories=(), channels=(), areas=(), units=(), now=None, **kwargs):
        super().__init__(data, **kwargs)
        self.now = now
        self.filters["category"].extra["choices"] = [(c.pk, f"{c.group} / {c.name}") for c in categories]
        self.filters["channel"].extra["choices"] = [(c.pk, c.name) for c in channels]
        self.filters["area"].extra["choices"] = [(u.pk, u.name) for u in areas]
        self.filters["unit"].extra["choices"] = [(u.pk, u.name) for u in units]

    def received_since(self, queryset, name, value):
        return queryset.filter(received_at__gte=_day_start(value))

    def received_until(self, queryset, name, value):
        return queryset.filter(received_at__lt=_day_start(value + dt.timedelta(days=1)))

    def only_overdue(self, queryset, name, value):

        return queryset.filter(overdue_q(self.now or clock.now())) if value else queryset
