"""包联 widens what people may read — never what they may change."""
import pytest

from luoshi.core.errors import PermissionDeniedError
from luoshi.org.services import pairing_create
from luoshi.tasks import selectors, services
from luoshi.tasks.models import TaskPairing


def visible(person):
    return set(selectors.tasks_visible(person).values_list("pk", flat=True))


def test_unit_pairing_lets_the_helper_units_liaison_read_the_helped_units_tasks(program, cast, city):
    assert program["task_b"].pk not in visible(cast["liaison_dept"])
    pairing_create(by=None, target_unit=city["street_b"], helper_unit=city["dept"])
    cast["liaison_dept"].__dict__.pop("_luoshi_scope", None)
    assert program["task_b"].pk in visible(cast["liaison_dept"])
    # reading is not acting: the helper cannot report for the helped unit
    with pytest.raises(PermissionDeniedError):
        services.task_acknowledge(by=cast["liaison_dept"], task=program["task_b"])


def test_leader_paired_with_a_unit_in_another_district_reads_its_tasks(program, cast, city):
    from luoshi.org.services import grant_role, person_create, unit_create

    other = unit_create(by=None, name="八大峡街道", kind="street", parent=city["other_district"])
    outside_leader = person_create(by=None, username="ol", full_name="外区领导")
    grant_role(by=None, person=outside_leader, role="leader", unit=city["other_district"])
    assert program["task_a"].pk not in visible(outside_leader)
    pairing_create(by=None, target_unit=city["street_a"], helper_person=outside_leader)
    outside_leader.__dict__.pop("_luoshi_scope", None)
    assert program["task_a"].pk in visible(outside_leader)
    assert program["task_b"].pk not in visible(outside_leader)
    assert other.pk  # the leader's own district is untouched


def test_task_pairing_with_a_unit(program, cast):
    assert program["task_b"].pk not in visible(cast["liaison_a"])
    TaskPairing.objects.create(task=program["task_b"], helper_unit=cast["liaison_a"].unit)
    assert program["task_b"].pk in visible(cast["liaison_a"])
    assert program["task_a"].pk in visible(cast["liaison_a"])


def test_the_pairings_page_refuses_an_overlong_note_and_reason_instead_of_cutting_them(cast, city, client_for):
    """The page cut 说明 to 200 characters before the service could refuse it, and the reason for ending a 包联
    to 200 without a word; both are now kept whole or refused, nothing written."""
    from django.urls import reverse

    from luoshi.core.models import JournalEntry
    from luoshi.org.models import Pairing

    office = client_for(cast["office"])
    before = JournalEntry.objects.count()
    r = office.post(reverse("pairings"), {"target": city["street_b"].name, "helper_unit": city["dept"].name,
                                          "note": "说" * 201})
    assert "说明最多 200 字" in r.content.decode()
    assert not Pairing.objects.exists() and JournalEntry.objects.count() == before
    pairing = pairing_create(by=None, target_unit=city["street_b"], helper_unit=city["dept"], note="说" * 200)
    before = JournalEntry.objects.count()
    r = office.post(reverse("pairing_end", args=[pairing.pk]), {"reason": "因" * 201}, follow=True)
    assert "解除原因最多 200 字，现有 201 字" in r.content.decode()
    assert Pairing.objects.filter(pk=pairing.pk).exists() and JournalEntry.objects.count() == before
    office.post(reverse("pairing_end", args=[pairing.pk]), {"reason": "因" * 200})
    assert not Pairing.objects.exists()
    assert JournalEntry.objects.get(verb="pairing.end").reason == "因" * 200
