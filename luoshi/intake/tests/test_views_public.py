"""Public request pages: the form (success, field errors in Chinese with everything kept and nothing written,
photo limits, the throttle) and the rating page (valid, reused, unsatisfied → 重办). No personal data on
any of them."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from luoshi.intake.models import Outcome, Request, RequestPhoto, RequestState
from luoshi.ledger.tests.fixtures_ledger import gps_exif, jpeg

NAME, PHONE = "张三丰", "13912345678"


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def form_data(intake, city):
    return {"category": intake["categories"]["0101"].pk, "description": "中韩街道海尔路 100 号门前路灯不亮，晚上很黑",
            "address": "海尔路 100 号", "area": city["street_a"].pk, "name": NAME, "phone": PHONE,
            "email": "zs@example.org", f"attr-{intake['categories']['0101'].pk}-pole": "HL-017"}


def photo(name="p.jpg", data=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data if data is not None else jpeg(640, 480, exif=gps_exif()), content_type=content_type)


def test_form_lists_public_categories_with_time_limits(client, intake):
    page = html(client.get(reverse("portal_request_new")))
    assert '<optgroup label="城市管理">' in page and "路灯损坏（5个工作日办结）" in page
    assert "使用当前位置" in page and 'accept="image/*" capture="environment"' in page
    assert "灯杆编号" in page  # the category's extra field
    assert "js/request_draft.js" in page and "匿名" in page


def test_submit_gives_the_tracking_code(client, form_data, travel, django_capture_on_commit_callbacks):
    with travel("2026-11-30T09:00:00+08:00"), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal_request_new"), form_data | {"photos": [photo()]})
    assert response.status_code == 302 and response.url == reverse("portal_request_done")
    r = Request.objects.get()
    assert r.channel.code == "web" and r.area.name == "中韩街道" and r.attributes == {"pole": "HL-017"}
    assert r.requester_name == NAME and r.requester_phone == PHONE and not r.anonymous
    p = RequestPhoto.objects.get()
    assert p.processed_at and not p.original  # EXIF/GPS original gone
    page = html(client.get(response.url))
    assert r.tracking_code in page and "5 个工作日" in page
    assert f"/public/track/?code={r.tracking_code}" in page
    assert NAME not in page and PHONE not in page


def test_a_report_still_gives_its_submitter_the_tracking_code(client, form_data, intake):
    """举报 stays out of every public list, but the person who filed it gets their code like anyone else."""
    category = intake["categories"]["0301"]
    data = {k: v for k, v in form_data.items() if not k.startswith("attr-")} | {"category": category.pk,
                                                                                  "description": "某超市出售过期食品"}
    response = client.post(reverse("portal_request_new"), data)
    assert response.status_code == 302
    r = Request.objects.get()
    assert r.kind == "report"
    page = html(client.get(response.url))
    assert r.tracking_code in page


def test_submit_by_script_answers_json(client, form_data, intake):
    response = client.post(reverse("portal_request_new"), form_data | {"anonymous": "on"},
                           HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 200 and response.json() == {"ok": True, "url": reverse("portal_request_done")}
    assert Request.objects.get().anonymous


@pytest.mark.parametrize("change, field, message", [
    ({"description": ""}, "description", "请填写诉求内容。"),
    ({"category": ""}, "category", "请选择诉求类别。"),
    ({"description": "长" * 4001}, "description", "诉求内容最多 4000 字，现有 4001 字。"),
    ({"phone": "1381234567890"}, "phone", "联系电话“1381234567890”格式不对"),
    ({"email": "not-an-email"}, "email", "电子邮箱“not-an-email”格式不对。"),
    ({"lat": "abc", "lng": "120"}, "lat", "坐标须为数字。"),
])
def test_field_errors_keep_the_data(client, form_data, change, field, message):
    response = client.post(reverse("portal_request_new"), form_data | change)
    assert response.status_code == 400
    page = html(response)
    assert message in page
    assert f'data-field="{field}"' in page and "has-error" in page
    if field != "description":
        assert "中韩街道海尔路 100 号门前路灯不亮，晚上很黑" in page
    assert 'value="海尔路 100 号"' in page and 'value="HL-017"' in page
    assert not Request.objects.exists()
    # the same through the script: JSON naming the field
    response = client.post(reverse("portal_request_new"), form_data | change, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 400 and message in response.json()["errors"][field][0]


def test_required_attribute_of_the_category(client, form_data, intake):
    cat = intake["categories"]["0401"]
    response = client.post(reverse("portal_request_new"), form_data | {"category": cat.pk})
    assert response.status_code == 400
    assert "请填写“小区名称”。" in html(response)
    assert response.context["errors"] == {f"attr-{cat.pk}-community": ["请填写“小区名称”。"]}
    assert not Request.objects.exists()


@pytest.mark.parametrize("files, message", [
    (lambda: [photo(f"p{i}.jpg") for i in range(4)], "最多上传 3 张照片，您选择了 4 张。"),
    (lambda: [photo("virus.jpg", b"MZ\x90\x00" + b"\x00" * 200)], "文件“virus.jpg”的内容与扩展名 .jpg 不符"),
    (lambda: [photo("big.jpg", jpeg(64, 48) + b"\x00" * 3000)], "超过上限"),
    (lambda: [photo("notes.txt", b"hello", "text/plain")], "类型不允许上传"),
])
def test_photo_limits(client, form_data, settings, files, message):
    settings.LUOSHI_UPLOAD_MAX_BYTES = 2000
    response = client.post(reverse("portal_request_new"), form_data | {"photos": files()})
    assert response.status_code == 400
    page = html(response)
    assert message in page and "请重新选择照片" in page
    assert "中韩街道海尔路 100 号门前路灯不亮，晚上很黑" in page
    assert not Request.objects.exists() and not RequestPhoto.objects.exists()


def test_throttle_per_address(client, form_data, settings):
    settings.LUOSHI_INTAKE_THROTTLE = "3/600"
    url = reverse("portal_request_new")
    assert client.post(url, form_data | {"description": ""}).status_code == 400  # a refused form is not counted
    for _i in range(3):
        assert client.post(url, form_data).status_code == 302
    response = client.post(url, form_data)
    assert response.status_code == 429 and "提交过于频繁" in html(response)
    assert "中韩街道海尔路 100 号门前路灯不亮" in html(response)
    assert client.post(url, form_data, HTTP_X_REQUESTED_WITH="XMLHttpRequest").status_code == 429
    assert client.post(url, form_data, REMOTE_ADDR="10.0.0.9").status_code == 302  # another address
    assert Request.objects.count() == 4


def test_done_page_without_a_submission_goes_to_the_form(client, intake):
    response = client.get(reverse("portal_request_done"))
    assert response.status_code == 302 and response.url == reverse("portal_request_new")


# ---- the rating page --------------------------------------------------------------------------------

@pytest.fixture
def replied(req, travel):
    with travel("2026-11-30T09:00:00+08:00"):
        r = req.submit(f"中韩街道路灯不亮，请联系我 {PHONE}", name=NAME, phone=PHONE)
        req.dispatch(r)
        req.sign(r)
        req.reply(r, "已更换灯泡，路灯恢复照明。")
    return r


def rate_url(r, token=None):
    return reverse("portal_request_rate", args=[r.tracking_code, token or r.rating_token])


def test_rating_closes_the_request(client, replied, travel):
    url = rate_url(replied)
    page = html(client.get(url))
    assert "已更换灯泡" in page and "非常满意" in page and "基本满意" in page and "非常不满意" in page
    assert "重办" in page and "问题是否解决" in page
    assert PHONE not in page and NAME not in page and "139****5678" in page  # the title is masked
    with travel("2026-12-01T09:00:00+08:00"):
        response = client.post(url, {"resolved": "yes", "satisfaction": "5", "comment": "很及时"})
    assert response.status_code == 200 and "已办结" in html(response)
    replied.refresh_from_db()
    assert replied.state == RequestState.CLOSED and replied.outcome == Outcome.SATISFIED
    assert replied.satisfaction == 5 and replied.resolved is True and replied.rating_source == "requester"
    # the link is used up
    for response in (client.get(url), client.post(url, {"resolved": "no", "satisfaction": "1"})):
        assert response.status_code == 404 and "评价链接无效或已使用" in html(response)
    replied.refresh_from_db()
    assert replied.satisfaction == 5


def test_unsatisfied_reopens(client, replied, travel):
    with travel("2026-12-01T09:00:00+08:00"):
        response = client.post(rate_url(replied), {"resolved": "no", "satisfaction": "2", "comment": "还是不亮"})
    assert response.status_code == 200 and "重办" in html(response)
    replied.refresh_from_db()
    assert replied.state == RequestState.HANDLING and replied.reopen_count == 1 and replied.satisfaction == 2


def test_rating_form_errors_and_bad_tokens(client, replied):
    response = client.post(rate_url(replied), {"comment": "忘了选"})
    assert response.status_code == 400
    assert "请选择满意程度。" in html(response) and "请选择问题是否解决。" in html(response) and "忘了选" in html(response)
    assert client.get(rate_url(replied, "WRONGTOKEN0000000000")).status_code == 404
    assert client.get(reverse("portal_request_rate", args=["NOSUCHCODE", replied.rating_token])).status_code == 404
    replied.refresh_from_db()
    assert replied.state == RequestState.REPLIED


def test_form_messages_follow_the_language_of_the_request_not_of_the_import():
    """Found by the random test order: the messages were translated once, at import, in whatever language the
    request that first imported the module had."""
    from django.utils import translation

    from luoshi.intake.forms import RequestForm

    required = RequestForm.base_fields["description"].error_messages["required"]
    with translation.override("zh-hans"):
        assert str(required) == "请填写诉求内容。"
    with translation.override("en"):
        assert str(required) != "请填写诉求内容。" and "请" not in str(required)
