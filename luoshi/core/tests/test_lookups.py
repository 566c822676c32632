"""`__in_ids` (core.lookups): the ids sent as one parameter, or read first from a one-column queryset, select exactly
the rows `__in` selects."""
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


def test_in_ids_of_a_queryset_selects_what_in_selects(city):
    district = city["district"]
    for sub in (Unit.objects.filter(parent=district).values("pk"),           # some rows
                Unit.objects.filter(parent=district).values_list("parent_id"),  # a foreign key's column, repeated ids
                Unit.objects.filter(pk=-1).values("pk"),                     # no row
                Unit.objects.order_by("-name").values("pk")):                # its ordering is dropped
        assert (sorted(Unit.objects.filter(pk__in_ids=sub).values_list("pk", flat=True))
                == sorted(Unit.objects.filter(pk__in=sub).values_list("pk", flat=True)))
    assert (sorted(Unit.objects.filter(parent_id__in_ids=Unit.objects.filter(pk=district.pk).values("pk"))
                   .values_list("pk", flat=True))
            == sorted(Unit.objects.filter(parent=district).values_list("pk", flat=True)))
    assert not Unit.objects.exclude(pk__in_ids=Unit.objects.values("pk")).exists()


def test_in_ids_of_a_queryset_is_one_statement(city, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(Unit.objects.filter(pk__in_ids=Unit.objects.filter(parent=city["district"]).values("pk")))


def test_in_ids_takes_a_queryset_of_one_column_only(city):
    with pytest.raises(ValueError):
        list(Unit.objects.filter(pk__in_ids=Unit.objects.values("pk", "parent_id")))
