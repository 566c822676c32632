"""The admin site lists the records of the newer apps (cases, instructions, cockpit, procedures, policies) with
their filters and search, and changes none of them (their services keep paths, counts and the journal)."""
import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse

from luoshi.cases import services

APPS = ("cases", "instructions", "cockpit", "procedures", "policies", "projects")
THROUGH_ONLY = {"instructionunit", "casestep", "casedocument", "operationrecord", "clauseversion",
                "enterpriseattribute", "enterprisemember", "projectunit", "projecttally"}  # shown inline or as part of their parent


@pytest.fixture
def superuser(cast):
    person = cast["office"]
    person.is_staff = person.is_superuser = True
    person.save()
    return person


def test_every_record_model_of_the_new_apps_is_registered():
    from django.apps import apps

    missing = [f"{m._meta.app_label}.{m._meta.model_name}" for label in APPS for m in apps.get_app_config(label).get_models()
               if m._meta.model_name not in THROUGH_ONLY and not admin.site.is_registered(m)]
    assert missing == []


def test_each_changelist_opens_with_search_and_filters(superuser, accepted, client_for):
    c = client_for(superuser)
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in APPS:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert c.get(url).status_code == 200, url
        if model_admin.search_fields:
            assert c.get(url, {"q": "电梯"}).status_code == 200, url


def test_a_case_shows_its_replication_and_cannot_be_changed_here(superuser, accepted, cast, client_for):
    services.recognition_add(by=cast["office"], case=accepted, level="city", date=dt.date(2026, 3, 20),
                             source="青岛市改革办〔2026〕3号")
    c = client_for(superuser)
    listing = c.get(reverse("admin:cases_case_changelist"), {"q": "电梯", "state__exact": "accepted"})
    assert accepted.title in listing.content.decode()
    page = c.get(reverse("admin:cases_case_change", args=[accepted.pk]))
    assert page.status_code == 200
    assert "青岛市改革办〔2026〕3号" in page.content.decode()
    before = accepted.title
    c.post(reverse("admin:cases_case_change", args=[accepted.pk]), {"title": "改掉"})
    accepted.refresh_from_db()
    assert accepted.title == before
    assert c.get(reverse("admin:cases_case_add")).status_code == 403
