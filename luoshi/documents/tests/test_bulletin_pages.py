"""The scheduled bulletins' pages: create a series (with its refusals shown on the field), make and edit a
工作动态, 签发, download every format and open it back; a liaison sees only what was issued to them."""
from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from docx import Document

from luoshi.cases.services import CaseInput, case_create, case_nominate, case_review
from luoshi.documents.models import Issue, Subscription

pytestmark = pytest.mark.django_db


def login(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def test_office_creates_a_series_and_downloads_its_issue(city):
    office = login(city.office)
    form = {"name": "城市更新攻坚调度通报", "kind": "program", "program": city.program.pk, "owner_unit": city.district.pk,
            "schedule": "每月32日", "workday_rule": "next", "formats": ["docx", "xlsx", "pdf"],
            "recipients": [city.leader.pk]}
    bad = office.post(reverse("bulletin_subscription_new"), form)
    assert bad.status_code == 200 and "日期应在 1～31 之间，现为 32" in bad.content.decode()
    assert not Subscription.objects.exists()
    resp = office.post(reverse("bulletin_subscription_new"), {**form, "schedule": "每月5日"})
    sub = Subscription.objects.get()
    assert resp.status_code == 302 and sub.schedule == "每月5日"
    page = office.get(reverse("bulletin_subscription", args=[sub.pk])).content.decode()
    assert "下一期" in page and "2021-08-05" in page
    office.post(reverse("bulletin_subscription_action", args=[sub.pk, "issue"]))
    issue = Issue.objects.get()
    assert issue.state == "issued"
    docx = office.get(reverse("bulletin_issue_file", args=[issue.pk, "docx"]))
    assert Document(io.BytesIO(docx.content)).paragraphs[0].text == "城市更新攻坚调度通报"
    xlsx = office.get(reverse("bulletin_issue_file", args=[issue.pk, "xlsx"]))
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content))["汇总"]["B7"].value is not None
    assert office.get(reverse("bulletin_issue_file", args=[issue.pk, "pdf"])).content.startswith(b"%PDF")
    # the leader is a recipient and reads it; a street liaison who is not sees nothing
    assert login(city.leader).get(reverse("bulletin_issue", args=[issue.pk])).status_code == 200
    assert login(city.liaison_west).get(reverse("bulletin_issue", args=[issue.pk])).status_code == 404
    assert login(city.liaison_west).post(reverse("bulletin_subscription_new"), form).status_code == 403


def test_compiled_issue_is_put_together_on_its_page(city):
    case = case_create(by=city.liaison_east, data=CaseInput(
        title="口袋公园“见缝插绿”", summary="利用边角地建设口袋公园。", problem="老城区绿地少。", body="梳理边角地，居民参与设计。",
        unit=city.east, year=2021, figures=[{"label": "建成口袋公园", "value": "3", "unit": "处"}]))
    case_nominate(by=city.liaison_east, case=case, how="self")
    case_review(by=city.office, case=case, decision="accepted",
                scores={"originality": "25", "effect": "30", "replicable": "20", "material": "8"})
    office = login(city.office)
    office.post(reverse("bulletin_subscription_new"), {"name": "城市更新工作动态", "kind": "compiled",
                                                       "owner_unit": city.district.pk, "workday_rule": "next",
                                                       "formats": ["docx"], "recipients": [city.leader.pk]})
    sub = Subscription.objects.get()
    office.post(reverse("bulletin_subscription_action", args=[sub.pk, "issue"]))
    issue = Issue.objects.get()
    url = reverse("bulletin_issue", args=[issue.pk])
    bad = office.post(url, {"action": "add", "type": "case", "ref": "9999"})
    assert "没有找到编号为 9999 的案例" in bad.content.decode()
    office.post(url, {"action": "add", "type": "case", "ref": str(case.pk)})
    office.post(url, {"action": "add", "type": "text", "heading": "下步打算", "body": "继续推进。"})
    # a recipient cannot edit the draft
    assert login(city.leader).post(url, {"action": "publish"}).status_code in (403, 404)
    office.post(url, {"action": "save", "note": "按语一则。", "heading_1": "口袋公园“见缝插绿”扮靓老城", "body_1": "改写后的正文。",
                      "heading_2": "下步打算", "body_2": "继续推进。"})
    office.post(url, {"action": "publish"})
    issue.refresh_from_db()
    assert issue.state == "issued"
    doc = Document(io.BytesIO(office.get(reverse("bulletin_issue_file", args=[issue.pk, "docx"])).content))
    text = [p.text for p in doc.paragraphs]
    assert "口袋公园“见缝插绿”扮靓老城" in text and "改写后的正文。" in text and "按语一则。" in text
    assert [c.text for c in doc.tables[0].rows[1].cells] == ["建成口袋公园", "3处"]
