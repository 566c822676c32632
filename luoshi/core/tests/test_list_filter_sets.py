"""ListFilterSet (core/filters.py) does two things django-filter does, more cheaply, and is compared here with
django-filter's own way over random values of every list's filters:
- `narrow` applies a selector's values without constructing the FilterSet (the class's filters and a bare instance
  holding the context): the same SQL as a constructed set's filters;
- a constructed set copies the class's filters with `filter_copy` and its form uses its fields without a deep copy:
  the same form (HTML, values, errors) as with django-filter's deep copies, and instances that share nothing."""
import contextlib
import copy
import datetime as dt
from unittest import mock

import pytest
from django_filters import ChoiceFilter
from django.core.exceptions import EmptyResultSet
from hypothesis import given, settings, strategies as st

from django.http import QueryDict

from luoshi.core.filters import DayFilter, FilterDefinitions, FlagFilter, IdFilter, ListFilterSet, OwnFields
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


# ---- the constructed set's copies ------------------------------------------------------------------------------------

CONSTRUCT = {FindingFilterSet: {"categories": [(1, "市容"), (7, "环境")]},
             QueueFilterSet: {"categories": [], "units": [], "areas": [], "channels": []},
             IdeaFilterSet: {"topics": ["交通"]}}
RAW = st.sampled_from(["", "1", "7", "on", "x", "2026-03-02", "2026-02-30", "0001-01-01", "12345678901234567890",
                       "垃圾", "recorded", "closed", "inspection", "交通", "score"])


@contextlib.contextmanager
def deep_copies():
    """django-filter's own copies, for the comparison: the filters and the form's fields deep-copied."""
    def deep(self, memo):
        return copy.deepcopy(dict(self), memo)
    with mock.patch.object(FilterDefinitions, "__deepcopy__", deep), mock.patch.object(OwnFields, "__deepcopy__", deep):
        yield


def form_of(cls, data: QueryDict):
    filterset = cls(data, **CONSTRUCT[cls])
    return filterset.form.as_div(), filterset.values(), filterset.messages()


@st.composite
def bound_data(draw):
    cls = draw(st.sampled_from(SETS))
    data = QueryDict(mutable=True)
    for name in draw(st.lists(st.sampled_from(sorted(cls.base_filters)), max_size=5, unique=True)):
        data[name] = draw(RAW)
    return cls, data


@pytest.mark.django_db
@settings(max_examples=150)
@given(bound_data())
def test_a_constructed_sets_form_is_django_filters(case):
    cls, data = case
    with deep_copies():
        expected = form_of(cls, data)
    assert form_of(cls, data) == expected


@pytest.mark.django_db
def test_instances_share_no_filter_or_field():
    a, b = FindingFilterSet(None, categories=[(1, "市容")]), FindingFilterSet(None, categories=[(7, "环境")])
    base = FindingFilterSet.base_filters["category"]
    for name, f in a.filters.items():
        assert f is not b.filters[name] and f is not FindingFilterSet.base_filters[name]
        assert f.extra is not b.filters[name].extra and f.parent is a
        assert a.form.fields[name] is not b.form.fields[name]
    assert "choices" not in base.extra or base.extra["choices"] not in ([(1, "市容")], [(7, "环境")])
    assert [c for c in a.form.fields["category"].choices][1:] == [(1, "市容")]
    assert [c for c in b.form.fields["category"].choices][1:] == [(7, "环境")]
    # a method filter calls the method of its own instance
    assert a.filters["overdue"].filter.f is a.filters["overdue"] and a.filters["overdue"].filter.method.__self__ is a
