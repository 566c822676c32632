"""The case pages, the public pages, the 案例汇编 download and /api/cases, as people and scripts use them."""
import io

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document

from luoshi.cases import services
from luoshi.cases.models import Case

pytestmark = pytest.mark.django_db


def login(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


FORM = {"title": "惠企政策“免申即享”", "unit": "", "year": "2026", "team": "钱坤、范悦", "summary": "主动识别符合条件的企业。",
        "problem": "企业不了解政策。", "body": "打通部门数据，自动匹配企业并推送。", "results": "企业无需申报即可享受政策。",
        "figures": "免申兑现企业｜530｜家", "tags": "营商环境、数字政府"}


def test_write_nominate_review_publish_through_the_pages(cast, city):
    liaison, office = login(cast["liaison_a"]), login(cast["office"])
    bad = liaison.post(reverse("case_new"), {**FORM, "unit": city["street_a"].pk, "figures": "兑现企业｜很多｜家"})
    assert bad.status_code == 200 and "第 1 条成效数据的数值“很多”不是数字" in bad.content.decode()
    assert "打通部门数据" in bad.content.decode()  # what was typed stays
    resp = liaison.post(reverse("case_new"), {**FORM, "unit": city["street_a"].pk})
    case = Case.objects.get()
    assert resp.status_code == 302 and case.figures == [{"label": "免申兑现企业", "value": "530", "unit": "家"}]
    assert case.tags == ["营商环境", "数字政府"]
    assert liaison.post(reverse("case_detail", args=[case.pk]), {"action": "nominate", "nomination": "self"}).status_code == 302
    page = office.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "首创性（0～30）" in page
    refused = office.post(reverse("case_detail", args=[case.pk]), {"action": "review", "decision": "accepted",
                                                                   "score_originality": "40"})
    assert "“首创性”的得分应在 0～30 分之间" in refused.content.decode()
    ok = office.post(reverse("case_detail", args=[case.pk]), {
        "action": "review", "decision": "accepted", "score_originality": "25", "score_effect": "30",
        "score_replicable": "20", "score_material": "8"})
    assert ok.status_code == 302
    assert liaison.post(reverse("case_detail", args=[case.pk]), {"action": "publish"}).status_code == 403
    office.post(reverse("case_detail", args=[case.pk]), {"action": "publish"})
    public = Client().get(reverse("case_public_list") + "?q=免申即享").content.decode()
    assert "惠企政策“免申即享”" in public
    assert Client().get(reverse("case_public_detail", args=[case.pk])).status_code == 200


def test_public_pages_show_nothing_unreviewed(write, cast):
    case = write()
    assert Client().get(reverse("case_public_detail", args=[case.pk])).status_code == 404
    assert "老旧小区" not in Client().get(reverse("case_public_list")).content.decode()


def test_list_search_and_compilation(accepted, cast, city):
    services.recognition_add(by=cast["office"], case=accepted, level="city", date=accepted.reviewed_at.date(),
                             source="青岛市复制推广通知")
    c = login(cast["outsider"])
    page = c.get(reverse("case_list") + "?q=电梯 协商").content.decode()
    assert "老旧小区加装电梯“一次协商”工作法" in page
    assert "没有找到与“营商环境”相关的案例" in c.get(reverse("case_list") + "?q=营商环境").content.decode()
    resp = c.get(reverse("case_compilation"))
    doc = Document(io.BytesIO(resp.content))
    text = [p.text for p in doc.paragraphs]
    assert text[0] == "典型案例汇编" and "1. 老旧小区加装电梯“一次协商”工作法（中韩街道）" in text
    assert "一、老旧小区加装电梯“一次协商”工作法" in text
    assert any("全市复制推广（青岛市复制推广通知）" in t for t in text)
    assert [c.text for c in doc.tables[0].rows[1].cells] == ["新加装电梯", "48部"]


def test_api(accepted, write, cast, city):
    from luoshi.api.auth import token_create

    def client_for(person):
        _token, key = token_create(by=None, person=person, name="测试")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    draft = write(title="草稿案例")
    other = client_for(cast["liaison_b"])
    items = other.get("/api/cases/?q=加装电梯").json()["items"]
    assert [i["id"] for i in items] == [accepted.pk] and items[0]["unit_name"] == "中韩街道"
    assert other.get(f"/api/cases/{draft.pk}").status_code == 404
    resp = other.post(f"/api/cases/{draft.pk}/nominate", {"nomination": "self"}, content_type="application/json")
    assert resp.status_code == 404
    mine = client_for(cast["liaison_a"])
    resp = mine.post(f"/api/cases/{draft.pk}/nominate", {"nomination": "leader"}, content_type="application/json")
    assert resp.status_code == 403
    resp = mine.post(f"/api/cases/{draft.pk}/nominate", {"nomination": "self"}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["state"] == "nominated"
    resp = other.post(f"/api/cases/{accepted.pk}/adoptions", {"unit_id": city["street_b"].pk, "adopted_on": "2026-03-30"},
                      content_type="application/json")
    assert resp.status_code == 201
    again = other.post(f"/api/cases/{accepted.pk}/adoptions", {"unit_id": city["street_b"].pk, "adopted_on": "2026-03-30"},
                       content_type="application/json")
    assert again.status_code == 400 and "已登记过借鉴该案例" in again.json()["detail"] and again.json()["field"] == "unit"


def test_case_files_follow_the_case(write, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = write()
    resp = login(cast["liaison_a"]).post(reverse("case_detail", args=[case.pk]), {
        "action": "attach", "files": [SimpleUploadedFile("做法说明.pdf", b"%PDF-1.4 test", content_type="application/pdf")]})
    assert resp.status_code == 302
    att = case.attachments.get()
    url = reverse("case_file", args=[case.pk, att.pk])
    assert login(cast["office"]).get(url).status_code == 200
    assert login(cast["liaison_b"]).get(url).status_code == 404  # a draft of another street
