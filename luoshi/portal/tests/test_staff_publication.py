"""The office publishes a program (公开通报) and marks it 民生实事: the two checkboxes on the new-program form and
the 阳光公开 form on the program page; both go through tasks.services, which journals the change."""
from __future__ import annotations

from django.urls import reverse

from luoshi.core.models import JournalEntry
from luoshi.programs.models import Program


def test_a_new_program_can_be_published_at_once(city, cast, client_for):
    r = client_for(cast["office"]).post(reverse("program_create"), {
        "code": "shishi-2026", "name": "2026年民生实事", "year": 2026, "owner_unit": city["district"].pk,
        "cadence_kind": "monthly", "cadence_weekday": 0, "cadence_day": 25, "warn_days": 7, "lag_points": 20,
        "ack_days": 3, "is_public": "on", "is_shishi": "on"})
    assert r.status_code == 302
    p = Program.objects.get(code="shishi-2026")
    assert p.is_public and p.is_shishi
    entry = JournalEntry.objects.get(verb="program.create", object_id=str(p.pk))
    assert entry.changes["is_public"] is True and entry.changes["is_shishi"] is True


def test_the_form_shows_the_checkboxes(cast, client_for):
    html = client_for(cast["office"]).get(reverse("program_create")).content.decode()
    assert 'name="is_public"' in html and 'name="is_shishi"' in html and "民生实事" in html


def test_the_office_publishes_from_the_program_page(program, cast, client_for):
    p = program["program"]
    office = client_for(cast["office"])
    html = office.get(reverse("program_overview", args=[p.code])).content.decode()
    assert reverse("program_publish", args=[p.code]) in html and "已公开" not in html
    r = office.post(reverse("program_publish", args=[p.code]), {"is_public": "on", "is_shishi": "on",
                                                                "public_review": "on"})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.is_public and p.is_shishi
    entry = JournalEntry.objects.filter(verb="program.update", object_id=str(p.pk)).latest("id")
    assert entry.actor == cast["office"] and entry.changes == {"is_public": [False, True], "is_shishi": [False, True]}
    html = office.get(reverse("program_overview", args=[p.code])).content.decode()
    assert '<span class="pill normal">已公开</span>' in html and '<span class="pill extended">民生实事</span>' in html
    assert reverse("portal_program", args=[p.pk]) in html
    # unpublish: both boxes cleared
    office.post(reverse("program_publish", args=[p.code]), {})
    p.refresh_from_db()
    assert not p.is_public and not p.is_shishi


def test_liaisons_cannot_publish(program, cast, client_for):
    p = program["program"]
    for who in ("liaison_a", "liaison_b"):
        c = client_for(cast[who])
        assert reverse("program_publish", args=[p.code]) not in \
            c.get(reverse("program_overview", args=[p.code])).content.decode()
        r = c.post(reverse("program_publish", args=[p.code]), {"is_public": "on"})
        assert r.status_code == 403
    r = client_for(cast["outsider"]).post(reverse("program_publish", args=[p.code]), {"is_public": "on"})
    assert r.status_code == 404
    p.refresh_from_db()
    assert not p.is_public
    assert not JournalEntry.objects.filter(verb="program.update").exists()
