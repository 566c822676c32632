"""Staff pages of requests: the queue, the request page and every action, for the dispatcher, the lead unit's
liaison, an assisting unit's liaison and the office (personal data masked); the other street's liaison is
refused everything."""
from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from luoshi.intake.models import (DecisionState, ExtensionRequest, Outcome, Request, RequestPhoto, RequestState)
from luoshi.ledger.tests.fixtures_ledger import gps_exif, jpeg

PHONE = "13812345678"
NAME = "李明"


def html(response) -> str:
    return response.content.decode()


def detail_url(r) -> str:
    return reverse("intake_detail", args=[r.pk])


def action_url(r, action) -> str:
    return reverse("intake_action", args=[r.pk, action])


@pytest.fixture
def dispatched(req, travel):
    """A request of 中韩街道 dispatched to the street with 区行政审批服务局 assisting."""
    with travel("2026-11-30T09:00:00+08:00"):
        r = req.submit()
        req.dispatch(r, "street_a", assist=[req.city["dept"]])
    return r


# ---- the queue ------------------------------------------------------------------------------------------

def test_dispatcher_queue_tabs_counts_and_countdown(req, client_for, travel):
    with travel("2026-11-30T09:00:00+08:00"):
        old = req.submit("中韩街道海尔路路灯不亮好几天了")
    with travel("2026-11-30T10:00:00+08:00"):
        new = req.submit("沙子口街道噪声扰民", category="0201", area="street_b")
        third = req.submit("中韩街道另一盏路灯坏了")
        req.dispatch(third)
    with travel("2026-12-01T11:00:00+08:00"):  # `old` and `new` are past the 24 h 派单时限
        c = client_for(req.dispatcher)
        response = c.get(reverse("intake_index"))
        assert response.status_code == 200
        page = html(response)
        assert page.index(old.number) < page.index(new.number)  # 待派单: oldest first
        assert third.number not in page
        assert "超时 2小时0分" in page and "超时 1小时0分" in page
        assert re.search(r"待派单 <b class=\"count\">2</b>", page)
        assert re.search(r"待签收 <b class=\"count\">1</b>", page)
        response = c.get(reverse("intake_index"), {"tab": "dispatched"})
        assert third.number in html(response) and old.number not in html(response)
        assert "签收时限" in html(response)


def test_queue_filters(req, client_for, travel):
    with travel("2026-11-02T09:00:00+08:00"):
        lamp = req.submit("中韩街道海尔路路灯不亮")
    with travel("2026-11-20T09:00:00+08:00"):
        noise = req.submit("沙子口街道夜间施工噪声", category="0201", area="street_b")
        hotline = req.submit("中韩街道路灯闪烁", channel="12345")
    c = client_for(req.dispatcher)
    url = reverse("intake_index")
    cats, chans = req.intake["categories"], req.intake["channels"]

    def numbers(**params):
        with travel("2026-11-20T12:00:00+08:00"):
            page = html(c.get(url, {"tab": "all", **params}))
        return {r.number for r in (lamp, noise, hotline) if r.number in page}

    assert numbers() == {lamp.number, noise.number, hotline.number}
    assert numbers(category=cats["0201"].pk) == {noise.number}
    assert numbers(channel=chans["12345"].pk) == {hotline.number}
    assert numbers(area=req.city["street_b"].pk) == {noise.number}
    assert numbers(q="路灯") == {lamp.number, hotline.number}
    assert numbers(received_from="2026-11-10", received_to="2026-11-20") == {noise.number, hotline.number}
    assert numbers(received_to="2026-11-02") == {lamp.number}
    assert numbers(overdue="on") == {lamp.number}  # 派单时限 24 h passed long ago
    assert numbers(state="received") == {lamp.number, noise.number, hotline.number}
    assert numbers(state="closed") == set()
    with travel("2026-11-20T12:00:00+08:00"):
        req.dispatch(noise)
    assert numbers(unit=req.city["street_b"].pk) == {noise.number}


@pytest.mark.parametrize("params, message", [
    ({"received_from": "0001-01-01"}, "受理日期自：日期须在 1900 年至 2100 年之间"),
    ({"received_to": "9999-12-31"}, "至：日期须在 1900 年至 2100 年之间"),
    ({"received_from": "2026-13-01"}, "受理日期自："),
    ({"category": "12345678901234567890"}, "类别："),
    ({"unit": "12345678901234567890"}, "承办单位："),
    ({"area": "-1"}, "属地："),
    ({"state": "bogus"}, "状态："),
])
def test_bad_queue_filters_give_a_message_not_a_500(req, client_for, params, message):
    """A refused parameter is said on the page in Chinese and left out; the other filters still apply."""
    lamp = req.submit("中韩街道海尔路路灯不亮")
    noise = req.submit("沙子口街道夜间施工噪声", category="0201", area="street_b")
    response = client_for(req.dispatcher).get(reverse("intake_index"), {"tab": "all", "q": "路灯", **params})
    assert response.status_code == 200
    page = html(response)
    assert 'class="msg error"' in page and message in page
    assert lamp.number in page and noise.number not in page


def test_a_page_number_past_any_integer_shows_the_last_page(req, client_for):
    lamp = req.submit("中韩街道海尔路路灯不亮")
    response = client_for(req.dispatcher).get(reverse("intake_index"), {"tab": "all", "page": "9223372036854775809"})
    assert response.status_code == 200 and lamp.number in html(response)


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["dispatcher", "liaison_a", "office"])
def test_queue_query_count_does_not_grow_with_rows(req, client_for, travel, who, django_assert_max_num_queries):
    person = req.dispatcher if who == "dispatcher" else req.cast[who]
    tab = {"dispatcher": "pending", "liaison_a": "dispatched", "office": "all"}[who]
    with travel("2026-11-30T09:00:00+08:00"):
        for i in range(2):
            r = req.submit(f"中韩街道第{i}处路灯不亮")
            if who == "liaison_a":
                req.dispatch(r)
        client = client_for(person)
        url = reverse("intake_index")
        few = _queries(client, url, tab=tab)
        for i in range(12):
            r = req.submit(f"中韩街道第{i + 10}处路灯不亮", category="0201" if i % 2 else "0101")
            if who == "liaison_a":
                req.dispatch(r, assist=[req.city["dept"]])
        many = _queries(client, url, tab=tab)
        assert few == many
        with django_assert_max_num_queries(17):
            page = html(client.get(url, {"tab": tab, "overdue": "on", "q": "路灯"}))
    assert "没有符合条件的工单" in page  # nothing is overdue yet


def test_liaison_sees_only_own_units_requests(req, client_for, dispatched, travel):
    with travel("2026-11-30T10:00:00+08:00"):
        other = req.submit("沙子口街道渔港路灯不亮", area="street_b")
        req.dispatch(other)
        waiting = req.submit("中韩街道还没派单的诉求")
    url = reverse("intake_index")
    page_a = html(client_for(req.cast["liaison_a"]).get(url, {"tab": "all"}))
    assert dispatched.number in page_a and other.number not in page_a and waiting.number not in page_a
    page_b = html(client_for(req.cast["liaison_b"]).get(url, {"tab": "all"}))
    assert other.number in page_b and dispatched.number not in page_b
    page_dept = html(client_for(req.cast["liaison_dept"]).get(url, {"tab": "all"}))  # assisting unit
    assert dispatched.number in page_dept and other.number not in page_dept
    page_out = html(client_for(req.cast["outsider"]).get(url, {"tab": "all"}))
    assert "没有符合条件的工单" in page_out and dispatched.number not in page_out


# ---- the request page ------------------------------------------------------------------------------------

def test_dispatcher_page_prefills_the_rule_and_shows_similar(req, client_for, travel):
    with travel("2026-11-30T09:00:00+08:00"):
        first = req.submit("中韩街道海尔路路灯不亮，晚上很黑")
        unrelated = req.submit("中韩街道松岭路井盖缺失")
        r = req.submit("中韩街道海尔路路灯坏了不亮")
    page = html(client_for(req.dispatcher).get(detail_url(r)))
    assert NAME in page and PHONE in page and r.tracking_code in page
    street_a = req.city["street_a"]
    assert re.search(rf'<option value="{street_a.pk}" selected>{street_a.name}</option>', page)
    assert "相似的未办结诉求" in page
    assert page.index(first.number) < page.index(unrelated.number)  # more keyword overlap first
    assert 'action="/requests/%d/dispatch/"' % r.pk in page and "审定派单" in page
    assert "不予受理" in page


def test_office_sees_masked_personal_data_and_no_actions(req, client_for, dispatched):
    page = html(client_for(req.cast["office"]).get(detail_url(dispatched)))
    assert PHONE not in page and NAME not in page
    assert "138****5678" in page and "李*" in page
    assert dispatched.tracking_code not in page
    assert "/dispatch/" not in page and "/sign/" not in page
    assert "/urge/" in page  # the office may 催办/督办


def test_lead_liaison_page(req, client_for, dispatched):
    page = html(client_for(req.cast["liaison_a"]).get(detail_url(dispatched)))
    assert NAME in page and PHONE in page  # the handling unit sees the requester
    assert dispatched.tracking_code not in page
    for action in ("sign", "return", "note"):
        assert f"/{action}/" in page
    assert "/dispatch/" not in page and "/reply/" not in page


def test_assist_liaison_page(req, client_for, dispatched):
    page = html(client_for(req.cast["liaison_dept"]).get(detail_url(dispatched)))
    assert "/note/" in page
    for action in ("sign", "return", "reply", "dispatch", "extend"):
        assert f"/{action}/" not in page


def test_anonymous_requester_hidden_from_the_unit(req, client_for, travel):
    with travel("2026-11-30T09:00:00+08:00"):
        r = req.submit(anonymous=True)
        req.dispatch(r)
    assert PHONE in html(client_for(req.dispatcher).get(detail_url(r)))
    page = html(client_for(req.cast["liaison_a"]).get(detail_url(r)))
    assert PHONE not in page and NAME not in page and "匿名" in page


ACTIONS = ["dispatch", "close", "phone_rate", "urge", "sign", "return", "note", "reply", "extend"]


@pytest.mark.parametrize("who", ["liaison_b", "outsider"])
def test_other_units_are_refused_everything(req, client_for, dispatched, who):
    c = client_for(req.cast[who])
    assert c.get(detail_url(dispatched)).status_code == 404
    for action in ACTIONS:
        response = c.post(action_url(dispatched, action), {"text": "x", "reason": "x", "note": "x"})
        assert response.status_code == 404, action
    ext = ExtensionRequest.objects.create(request=dispatched, unit=dispatched.lead_unit, asked_by=req.cast["liaison_a"],
                                          asked_at=dispatched.received_at, days=2, reason="x")
    assert c.post(reverse("intake_extension_decide", args=[dispatched.pk, ext.pk]),
                  {"ext-decision": "approve"}).status_code == 404
    dispatched.refresh_from_db()
    assert dispatched.state == RequestState.DISPATCHED
    assert ExtensionRequest.objects.get(pk=ext.pk).state == DecisionState.PENDING


def test_unknown_action_is_404(req, client_for, dispatched):
    assert client_for(req.dispatcher).post(action_url(dispatched, "explode")).status_code == 404
    assert client_for(req.dispatcher).get(action_url(dispatched, "sign")).status_code == 405


# ---- actions -----------------------------------------------------------------------------------------

def test_dispatch_sign_reply_and_phone_revisit(req, client_for, travel):
    with travel("2026-11-30T09:00:00+08:00"):
        r = req.submit()
        d = client_for(req.dispatcher)
        response = d.post(action_url(r, "dispatch"), {"unit": req.city["street_a"].pk, "assist": [req.city["dept"].pk],
                                                      "note": "请尽快处理"})
        assert response.status_code == 302 and response.url == detail_url(r)
        r.refresh_from_db()
        assert r.state == RequestState.DISPATCHED and r.lead_unit == req.city["street_a"] and not r.return_locked
        assert [a.unit for a in r.assists.all()] == [req.city["dept"]]
        a = client_for(req.cast["liaison_a"])
        assert a.post(action_url(r, "sign")).status_code == 302
        r.refresh_from_db()
        assert r.state == RequestState.HANDLING
        # the assisting unit writes its part
        dept = client_for(req.cast["liaison_dept"])
        assert dept.post(action_url(r, "note"), {"note-text": "已核实审批手续"}).status_code == 302
        assert r.events.get(kind="note").unit == req.city["dept"]
        response = a.post(action_url(r, "reply"), {"reply-text": "已更换灯泡，路灯恢复照明。"})
        assert response.status_code == 302
        r.refresh_from_db()
        assert r.state == RequestState.REPLIED and r.rating_token
        page = html(d.get(detail_url(r)))
        assert "电话回访" in page and f"/public/requests/rate/{r.tracking_code}/{r.rating_token}/" in page
        assert d.post(action_url(r, "phone_rate"), {"phone-resolved": "yes", "phone-satisfaction": "4",
                                                    "phone-comment": "电话回访满意"}).status_code == 302
    r.refresh_from_db()
    assert r.state == RequestState.CLOSED and r.outcome == Outcome.SATISFIED and r.rating_source == "phone"


def test_return_and_redispatch_with_lock(req, client_for, travel):
    with travel("2026-11-30T09:00:00+08:00"):
        r = req.submit()
        req.dispatch(r, "street_b")
        b = client_for(req.cast["liaison_b"])
        response = b.post(action_url(r, "return"), {"ret-reason": "地址在中韩街道辖区", "ret-suggested_unit": req.city["street_a"].pk})
        assert response.status_code == 302 and response.url == reverse("intake_index")  # no longer theirs
        r.refresh_from_db()
        assert r.state == RequestState.RETURNED
        d = client_for(req.dispatcher)
        page = html(d.get(detail_url(r)))
        assert "沙子口街道 退单" in page and "地址在中韩街道辖区" in page and "建议改派至 中韩街道" in page
        assert d.post(action_url(r, "dispatch"), {"unit": req.city["street_a"].pk, "lock": "on"}).status_code == 302
        r.refresh_from_db()
        assert r.return_locked and r.lead_unit == req.city["street_a"]
        a = client_for(req.cast["liaison_a"])
        page = html(a.get(detail_url(r)))
        assert "/return/" not in page and "审定派单" in page
        response = a.post(action_url(r, "return"), {"ret-reason": "也不是我们的"})
        assert response.status_code == 400
        assert "已由受理中心审定派单" in html(response) and "也不是我们的" in html(response)
    r.refresh_from_db()
    assert r.state == RequestState.DISPATCHED


def test_errors_keep_what_was_typed(req, client_for, dispatched, travel):
    d = client_for(req.dispatcher)
    with travel("2026-11-30T09:30:00+08:00"):
        r = req.submit("中韩街道又一处路灯不亮")
        response = d.post(action_url(r, "dispatch"), {"unit": "", "note": "派单意见写了一半"})
        assert response.status_code == 400
        page = html(response)
        assert "请选择承办单位。" in page and "派单意见写了一半" in page
        # the office may read but not dispatch: 403 with the reason
        response = client_for(req.cast["office"]).post(action_url(r, "dispatch"), {"unit": req.city["street_a"].pk})
        assert response.status_code == 403 and "受理派单员" in html(response)
        # signing twice: the state says no
        a = client_for(req.cast["liaison_a"])
        assert a.post(action_url(dispatched, "sign")).status_code == 302
        response = a.post(action_url(dispatched, "sign"))
        assert response.status_code == 400 and "不能进行此操作" in html(response)
        # an empty reply, sent by draft-form.js: JSON with the field error
        response = a.post(action_url(dispatched, "reply"), {"reply-text": ""}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
        assert response.status_code == 400
        assert response.json()["errors"]["text"] == ["请填写内容。"]
        # the assisting unit may not reply
        response = client_for(req.cast["liaison_dept"]).post(action_url(dispatched, "reply"), {"reply-text": "答复"})
        assert response.status_code == 403
    r.refresh_from_db()
    dispatched.refresh_from_db()
    assert r.state == RequestState.RECEIVED and dispatched.state == RequestState.HANDLING


def test_close_as_duplicate_and_invalid(req, client_for, travel):
    with travel("2026-11-30T09:00:00+08:00"):
        first = req.submit("中韩街道海尔路路灯不亮")
        again = req.submit("中韩街道海尔路路灯不亮，第二次反映")
        junk = req.submit("测试测试")
        d = client_for(req.dispatcher)
        response = d.post(action_url(again, "close"), {"outcome": "duplicate", "duplicate_of": "20261130-9999999",
                                                       "reason": "重复反映"})
        assert response.status_code == 400 and "找不到工单" in html(response) and "重复反映" in html(response)
        assert d.post(action_url(again, "close"), {"outcome": "duplicate", "duplicate_of": first.number,
                                                   "reason": "与前一件重复"}).status_code == 302
        assert d.post(action_url(junk, "close"), {"outcome": "invalid", "reason": "无具体诉求"}).status_code == 302
    again.refresh_from_db()
    junk.refresh_from_db()
    assert again.outcome == Outcome.DUPLICATE and again.duplicate_of == first
    assert junk.outcome == Outcome.INVALID and junk.state == RequestState.CLOSED
    assert first.number in html(d.get(detail_url(again)))


def test_extension_urge_and_decide(req, client_for, dispatched, travel):
    with travel("2026-11-30T10:00:00+08:00"):
        req.sign(dispatched)
        a = client_for(req.cast["liaison_a"])
        response = a.post(action_url(dispatched, "extend"), {"extend-days": "40", "extend-reason": "需要更换线路"})
        assert response.status_code == 400 and "1～30" in html(response) and "需要更换线路" in html(response)
        assert a.post(action_url(dispatched, "extend"), {"extend-days": "3", "extend-reason": "需要更换线路"}).status_code == 302
        d = client_for(req.dispatcher)
        page = html(d.get(detail_url(dispatched)))
        assert "延期审批" in page and "需要更换线路" in page
        ext = dispatched.extensions.get()
        due = Request.objects.get(pk=dispatched.pk).due_at
        url = reverse("intake_extension_decide", args=[dispatched.pk, ext.pk])
        response = d.post(url, {"ext-decision": "refuse"})
        assert response.status_code == 400 and "不同意的理由" in html(response)
        assert a.post(url, {"ext-decision": "approve"}).status_code == 403  # the unit cannot approve itself
        assert d.post(url, {"ext-decision": "approve"}).status_code == 302
        assert Request.objects.get(pk=dispatched.pk).due_at > due
        assert d.post(action_url(dispatched, "urge"), {"note": "请抓紧", "supervise": "on"}).status_code == 302
        assert client_for(req.cast["office"]).post(action_url(dispatched, "urge"), {"note": "办公室催办"}).status_code == 302
        assert a.post(action_url(dispatched, "urge"), {"note": "自己催自己"}).status_code == 403
    dispatched.refresh_from_db()
    assert dispatched.supervised_at is not None
    assert [e.kind for e in dispatched.events.filter(kind__in=("urged", "supervised"))] == ["supervised", "urged"]


def test_note_and_reply_with_photos(req, client_for, dispatched, travel, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with travel("2026-11-30T10:00:00+08:00"):
        req.sign(dispatched)
        a = client_for(req.cast["liaison_a"])
        with django_capture_on_commit_callbacks(execute=True):
            response = a.post(action_url(dispatched, "reply"), {
                "reply-text": "已修复", "photos": [SimpleUploadedFile("after.jpg", jpeg(800, 600, exif=gps_exif()),
                                                                     content_type="image/jpeg")]},
                HTTP_X_REQUESTED_WITH="XMLHttpRequest")
        assert response.status_code == 200 and response.json()["ok"]
    photo = RequestPhoto.objects.get(request=dispatched)
    assert photo.stage == "reply" and photo.processed_at and not photo.original
    page = html(a.get(detail_url(dispatched)))
    thumb = reverse("intake_photo", args=[photo.pk, "thumb"])
    assert thumb in page
    assert a.get(thumb)["Content-Type"] == "image/jpeg"
    assert client_for(req.dispatcher).get(reverse("intake_photo", args=[photo.pk, "display"])).status_code == 200
    assert client_for(req.cast["liaison_b"]).get(thumb).status_code == 404
    assert a.get(reverse("intake_photo", args=[photo.pk, "original"])).status_code == 404


def test_four_photos_on_a_note_are_refused(req, client_for, dispatched):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photos = [SimpleUploadedFile(f"p{i}.jpg", jpeg(), content_type="image/jpeg") for i in range(4)]
    response = client_for(req.cast["liaison_a"]).post(action_url(dispatched, "note"), {"note-text": "现场照片", "photos": photos},
                                                       HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 400 and "最多上传 3 张照片" in response.json()["errors"]["photos"][0]
    assert not RequestPhoto.objects.exists()


# ---- the hotline operator ------------------------------------------------------------------------------

def test_operator_records_a_phone_request(req, client_for, travel):
    d = client_for(req.dispatcher)
    url = reverse("intake_new")
    page = html(d.get(url))
    assert "受理渠道" in page and "12345 热线" in page and "小区名称" in page
    cats, chans = req.intake["categories"], req.intake["channels"]
    data = {"channel": chans["12345"].pk, "category": cats["0401"].pk, "description": "物业不清理楼道杂物",
            "area": req.city["street_b"].pk, "name": "王芳", "phone": "13900001111"}
    response = d.post(url, data)
    assert response.status_code == 400
    assert "请填写“小区名称”。" in html(response) and "物业不清理楼道杂物" in html(response)
    assert not Request.objects.exists()
    with travel("2026-11-30T09:00:00+08:00"):
        response = d.post(url, data | {f"attr-{cats['0401'].pk}-community": "海景花园"})
    r = Request.objects.get()
    assert response.status_code == 302 and response.url == detail_url(r)
    assert r.channel.code == "12345" and r.attributes == {"community": "海景花园"} and r.requester_name == "王芳"
    assert "海景花园" in html(d.get(detail_url(r)))


def test_only_dispatchers_record_requests(req, client_for):
    for who in ("liaison_a", "office"):
        assert client_for(req.cast[who]).get(reverse("intake_new")).status_code == 403
    assert not Request.objects.exists()
