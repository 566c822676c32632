"""unit_move keeps the unit-path copies that other apps register (luoshi.org.paths) in step."""
import pytest

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.org.models import Unit, UnitKind
from luoshi.org.paths import path_copies
from luoshi.org.services import unit_create, unit_move
from luoshi.tasks.models import TaskAssignment


def test_tasks_register_their_assignment_paths():
    assert (TaskAssignment, "unit_path") in path_copies()


def test_moving_a_subtree_moves_the_copied_paths(program, city, cast):
    street = city["street_a"]
    old = street.path
    kept = TaskAssignment.objects.exclude(unit=street).values_list("pk", "unit_path")
    kept = dict(kept)
    unit_move(by=None, unit=street, new_parent=city["other_district"])
    street.refresh_from_db()
    assert street.path != old and street.path.startswith(city["other_district"].path)
    moved = TaskAssignment.objects.filter(unit=street)
    assert moved.exists() and {a.unit_path for a in moved} == {street.path}
    assert dict(TaskAssignment.objects.exclude(unit=street).values_list("pk", "unit_path")) == kept


def test_a_unit_cannot_move_under_itself_and_only_an_admin_moves_units(city, cast):
    with pytest.raises(ServiceError):
        unit_move(by=None, unit=city["district"], new_parent=city["street_a"])
    with pytest.raises(PermissionDeniedError):
        unit_move(by=cast["office"], unit=city["street_a"], new_parent=city["other_district"])
    assert Unit.objects.get(pk=city["street_a"].pk).parent_id == city["district"].pk


def test_every_copied_unit_path_is_registered():
    """A CharField named *_path on any luoshi model is a copy of a unit's path (the convention of ADR 0010) and must be
    registered, or a unit move leaves it pointing at the old place and the scope filters lose its rows."""
    from django.apps import apps

    registered = {(model, field) for model, field in path_copies()}
    copies = {(model, f.name) for model in apps.get_models() if model.__module__.startswith("luoshi.")
              for f in model._meta.get_fields() if getattr(f, "get_internal_type", lambda: "")() == "CharField"
              and f.name.endswith("_path")}
    assert copies, "the scan found no *_path fields: the convention changed, update this test"
    assert copies <= registered, sorted(f"{m._meta.label}.{f}" for m, f in copies - registered)


def test_a_move_rewrites_every_registered_copy_and_only_the_subtree(city, cast):
    """Each registered copy follows the moved subtree in one UPDATE; paths outside it stay as they were."""
    from luoshi.core.models import JournalEntry
    from luoshi.core.journal import journal_record

    street, sibling = city["street_a"], city["street_b"]
    below = unit_create(by=None, name="某社区", kind=UnitKind.COMMUNITY, parent=street)
    journal_record(actor=None, verb="test.inside", obj=street, changes={}, scope_path=below.path)
    journal_record(actor=None, verb="test.outside", obj=sibling, changes={}, scope_path=sibling.path)
    unit_move(by=None, unit=street, new_parent=city["other_district"])
    street.refresh_from_db()
    below.refresh_from_db()
    assert street.path == f"{city['other_district'].path}{street.pk}/"
    assert below.path == f"{street.path}{below.pk}/"
    assert (street.depth, below.depth) == (city["other_district"].depth + 1, city["other_district"].depth + 2)
    assert JournalEntry.objects.get(verb="test.inside").scope_path == below.path
    assert JournalEntry.objects.get(verb="test.outside").scope_path == sibling.path
