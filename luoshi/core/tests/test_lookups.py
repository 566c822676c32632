"""`__in_ids` (core.lookups): the ids sent as one parameter select exactly the rows `__in` selects."""
import pytest

from luoshi.org.models import Unit


def test_in_ids_selects_what_in_selects(city):
    ids = sorted(Unit.objects.values_list("pk", flat=True))
    some = ids[::2]
    assert sorted(Unit.objects.filter(pk__in_ids=set(some)).values_list("pk", flat=True)) == some
    assert sorted(Unit.objects.filter(pk__in_ids=dict.fromkeys(some).keys()).values_list("pk", flat=True)) == some
    # on a foreign key, and combined with other conditions
    parent = city["district"].pk
    assert (sorted(Unit.objects.filter(parent_id__in_ids={parent}).values_list("pk", flat=True))
            == sorted(Unit.objects.filter(parent_id=parent).values_list("pk", flat=True)))
    assert list(Unit.objects.filter(pk__in_ids={max(ids) + 1000})) == []


def test_in_ids_of_nothing_matches_nothing(city, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert list(Unit.objects.filter(pk__in_ids=set())) == []


def test_in_ids_takes_integers_only(city):
    with pytest.raises(ValueError):
        list(Unit.objects.filter(pk__in_ids={"1; DROP TABLE org_unit"}))
