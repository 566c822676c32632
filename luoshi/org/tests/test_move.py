"""unit_move keeps the unit-path copies that other apps register (luoshi.org.paths) in step."""
import pytest

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.org.models import Unit
from luoshi.org.paths import path_copies
from luoshi.org.services import unit_move
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
