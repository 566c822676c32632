"""List filters with django-filter: one FilterSet per list says which query parameters it takes, how each is
checked, and how each narrows a queryset.

A view binds the FilterSet to request.GET and shows `messages()` (Chinese, "label：what is wrong") for the values
it refused; the refused ones are left out, the others apply. `values()` are the checked values, which the view
hands to its selector (typed, in the selector's filter dataclass), and the selector applies them with
`FilterSet.narrow(queryset, filters)` to the query it has already scoped to the user. So the API and the command
line, which build the dataclass themselves, filter through the same code as the page.
"""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import unicodedata
from collections.abc import Iterable

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .params import MAX_ID
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# Characters that have no case and are no other character's upper or lower case: Chinese characters and other
# caseless letters (Lo), digits, spaces and punctuation. (Not "So": ⓐ upper-cases to Ⓐ.)
CASELESS_CATEGORIES = frozenset({"Lo", "Nd", "Zs", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"})


def is_caseless(text: str) -> bool:
    return all(unicodedata.category(ch) in CASELESS_CATEGORIES for ch in text)


def contains_any(text: str, fields: Iterable[str]) -> Q:
    """Rows where one of `fields` contains `text`, ignoring case (a list's keyword search).

    A keyword without a character that has a case (a Chinese one) matches the same rows with or without case
    folding, so it is searched with `contains`: on PostgreSQL `icontains` is UPPER(column) LIKE UPPER(…), which
    upper-cases every row's text it tests (the ledger's search of 200,000 findings: ~3 times the scan's time,
    docs/benchmarks.md, issue #11 session 6); on SQLite both lookups are the same LIKE."""
    lookup = "contains" if is_caseless(text) else "icontains"
    out = Q()
    for field in fields:
        out |= Q(**{f"{field}__{lookup}": text})
    return out


class IdField(forms.IntegerField):
    """A row id from a query parameter: a positive 64-bit integer (a longer one is refused, not sent to the
    database, which would fail on it)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("error_messages", {"invalid": _("须为编号（正整数）。"), "min_value": _("须为编号（正整数）。"),
                                             "max_value": _("编号过大。")})
        super().__init__(**kwargs)


class DayField(forms.DateField):
    """A day from 1900 to 2100: 0001-01-01 is a valid date that no list holds and that overflows when it is
    turned into a moment in the local time zone."""

    def validate(self, value):
        super().validate(value)
        if value is not None and not dt.date(1900, 1, 1) <= value <= dt.date(2100, 12, 31):
            raise forms.ValidationError(_("日期须在 1900 年至 2100 年之间。"), code="out_of_range")


class IdFilter(django_filters.NumberFilter):
    field_class = IdField


class DayFilter(django_filters.DateFilter):
    field_class = DayField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", DATE_INPUT)
        super().__init__(*args, **kwargs)


class FlagFilter(django_filters.Filter):
    """A check box: narrows the list when ticked, does nothing when not (give it a `method`)."""

    field_class = forms.BooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxInput)
        super().__init__(*args, **kwargs)


def filter_copy(filter_: django_filters.Filter) -> django_filters.Filter:
    """A class's filter copied for one FilterSet: its own `extra` (its form field's keyword arguments, which a set's
    constructor may replace, e.g. the choices), its `method` bound to the copy (which finds the copy's parent), and
    no form field yet (made from the copy's `extra` when the form is built). What django-filter's deep copy gives for
    this use, without copying every label, choice list and widget (the form field copies its widget)."""
    out = copy.copy(filter_)
    out.extra = dict(filter_.extra)
    vars(out).pop("_field", None)
    if filter_.method is not None:
        out.method = filter_.method
    return out


class FilterDefinitions(dict):
    """A ListFilterSet class's `base_filters`. django-filter's constructor deep-copies them for each instance
    (~0.16 ms for the findings' thirteen); this copy is `filter_copy` of each (~0.03 ms)."""

    def __deepcopy__(self, memo):
        return {name: filter_copy(f) for name, f in self.items()}


class OwnFields(dict):
    """The fields of a ListFilterSet's form class, which is made for one instance from that instance's filter copies
    (`get_form_class`): the form uses them as they are instead of deep-copying them again (Form.__init__)."""

    def __deepcopy__(self, memo):
        return dict(self)


class ListFilterSet(django_filters.FilterSet):
    """The base of the list FilterSets: checked values for a selector, Chinese messages for the refused ones,
    and `narrow` for the selector."""

    @classmethod
    def get_filters(cls):
        return FilterDefinitions(super().get_filters())

    def get_form_class(self):
        form_class = super().get_form_class()
        form_class.base_fields = OwnFields(form_class.base_fields)
        return form_class

    def values(self) -> dict:
        """The checked values of the parameters given (refused and empty ones left out)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.form.cleaned_data.items() if v not in (None, "", False, [], ())}

    def messages(self) -> list[str]:
        """One line per refused parameter: "发现日期自：日期须在 1900 年至 2100 年之间。"."""
        if not self.is_bound or self.is_valid():
            return []
        out = []
        for name, errors in self.form.errors.items():
            field = self.form.fields.get(name)
            label = str(field.label) if field is not None and field.label else name
            out.append(f"{label}：{'；'.join(str(e) for e in errors)}")
        return out

    # The keyword arguments `narrow` passes to filter methods, with their defaults: the subclass's constructor takes
    # them and keeps each as the attribute of the same name (e.g. the moment "overdue" is measured at).
    context: dict = {}

    @classmethod
    def narrow(cls, queryset: QuerySet, filters, **context) -> QuerySet:
        """Apply the non-empty values of `filters` (a selector's filter dataclass) with this set's filters;
        `context` (names in `cls.context`) is what the filter methods read.

        Nothing is validated here (the values are typed already), so no FilterSet is constructed: django-filter's
        constructor deep-copies every filter (labels, choices, widgets; ~0.2 ms for the findings' thirteen) for a
        form that is never built. The class's own filters apply the values — a Filter's `filter` reads only its
        definition — and a filter `method` runs on a bare instance that holds the context and nothing else.
        core/tests/test_list_filter_sets.py compares the result with the constructed set's."""
        unknown = set(context) - set(cls.context)
        if unknown:
            raise TypeError(f"{cls.__name__}.narrow: unknown context {sorted(unknown)}")
        values = ({f.name: getattr(filters, f.name) for f in dataclasses.fields(filters)}
                  if dataclasses.is_dataclass(filters) else dict(filters))
        bare: ListFilterSet | None = None
        for name, value in values.items():
            filter_ = cls.base_filters.get(name)
            if filter_ is None or value in (None, "", False, [], ()):
                continue
            if isinstance(filter_.method, str):
                if bare is None:
                    bare = cls.__new__(cls)
                    bare.__dict__.update(cls.context | context)
                queryset = getattr(bare, filter_.method)(queryset, filter_.field_name, value)
            else:
                queryset = filter_.filter(queryset, value)
        return queryset
