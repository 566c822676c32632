"""ListFilterSet.narrow applies a selector's values without constructing the FilterSet (core/filters.py): the class's
filters and a bare instance holding the context. Here it is compared, over random values of every list's filters,
with what a constructed set's filters give (django-filter's own way), by the SQL of the result."""
import datetime as dt

import pytest
from django_filters import ChoiceFilter
from django.core.exceptions import EmptyResultSet
from hypothesis import given, settings, strategies as st

from luoshi.core.filters import DayFilter, FlagFilter, IdFilter, ListFilterSet
from luoshi.ideas.filters import IdeaFilterSet
from luoshi.intake.filters import QueueFilterSet
from luoshi.ledger.filters import FindingFilterSet

SETS = (FindingFilterSet, QueueFilterSet, IdeaFilterSet)
# a fixed moment: left out, "overdue" is measured at the clock's now, which moves between the two applications
CONTEXT = {"walk_found_on": st.booleans(), "now": st.just(dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc))}


def constructed(cls, queryset, values: dict, **context):
    """The application before narrow lost its FilterSet: every filter of a constructed set."""
    filterset = cls(queryset=queryset, **context)
    for name, value in values.items():
        if name in filterset.filters and value not in (None, "", False, [], ()):
            queryset = filterset.filters[name].filter(queryset, value)
    return queryset


def sql(queryset) -> str:
    try:
        return str(queryset.query)
    except EmptyResultSet:  # .none(): an unknown unit
        return "(none)"


def value_of(filter_):
    """A strategy of typed values (what a selector's dataclass holds) for one filter, empty ones included."""
    if isinstance(filter_, FlagFilter):
        return st.booleans()
    if isinstance(filter_, DayFilter):
        return st.none() | st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31))
    if isinstance(filter_, IdFilter):
        return st.none() | st.integers(1, 10**6)
    if isinstance(filter_, ChoiceFilter):
        choices = filter_.extra.get("choices")
        if isinstance(choices, (list, tuple)) and choices:
            return st.sampled_from([""] + [k for k, _ in choices])
        return st.sampled_from(["", 1, 7])  # the choices come with the page (categories, units): ids
    return st.sampled_from(["", "垃圾", "Road", "2026-0012", " 道路 ", "3"])


@st.composite
def cases(draw):
    cls = draw(st.sampled_from(SETS))
    values = {name: draw(value_of(f)) for name, f in cls.base_filters.items()}
    values["not_a_filter"] = "ignored"
    context = {name: draw(CONTEXT[name]) for name in cls.context}
    return cls, values, context


@pytest.mark.django_db
@settings(max_examples=150)
@given(cases())
def test_narrow_is_the_constructed_sets_filtering(case):
    cls, values, context = case
    queryset = cls._meta.model.objects.all()
    assert sql(cls.narrow(queryset, values, **context)) == sql(constructed(cls, queryset, values, **context))


def test_narrow_refuses_a_context_the_set_does_not_take():
    with pytest.raises(TypeError, match="walk"):
        QueueFilterSet.narrow(QueueFilterSet._meta.model.objects.all(), {}, walk_found_on=True)


def test_every_list_filter_set_is_compared():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)
    assert {c for c in subclasses(ListFilterSet) if c.__module__.startswith("luoshi.")} == set(SETS)
