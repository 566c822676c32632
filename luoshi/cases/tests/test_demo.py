"""The demo of the case library and the scheduled bulletins: ~30 cases in every state with replication and
adoptions; the series with past issues, each issue downloadable; running again creates nothing."""
from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document

from luoshi.cases.demo import cases_demo
from luoshi.cases.models import Adoption, Case, Recognition
from luoshi.demo.loader import demo_load
from luoshi.documents.demo import bulletins_demo
from luoshi.documents.models import Issue, Subscription
from luoshi.org.models import Person


@pytest.fixture(autouse=True)
def _april():  # the folder's clock fixture is not wanted: the demo travels itself
    yield


def test_cases_and_bulletins_demo(db, travel):
    with travel("2026-11-23"):
        result = demo_load()
        assert cases_demo()["cases"] == result["cases"]["cases"] == Case.objects.count()
        bulletins_demo()
    assert 25 <= Case.objects.count() <= 40
    assert {c for c in Case.objects.values_list("state", flat=True)} >= {"accepted", "nominated", "returned", "draft"}
    assert Recognition.objects.filter(level="nation").count() >= 3 and Adoption.objects.count() >= 5
    assert Case.objects.filter(is_public=True).exclude(state="accepted").count() == 0
    assert Subscription.objects.count() == result["bulletins"]["subscriptions"] >= 3
    assert Issue.objects.filter(subscription__kind="ledger", state="issued").count() >= 5
    assert Issue.objects.filter(state="draft").exists()
    office = Client()
    office.force_login(Person.objects.get(username="office"))
    issue = Issue.objects.filter(subscription__kind="program", state="issued").first()
    doc = Document(io.BytesIO(office.get(reverse("bulletin_issue_file", args=[issue.pk, "docx"])).content))
    assert doc.paragraphs[0].text.endswith("调度通报")
    assert "老旧小区加装电梯" in office.get(reverse("case_list") + "?q=加装电梯").content.decode()
    assert Client().get(reverse("case_public_list")).status_code == 200
