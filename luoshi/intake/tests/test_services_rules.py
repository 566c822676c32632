"""Who may do what with a 工单 (refusals), who sees which requests and how much of the requester
(scoping, masking), and what 受理 refuses (validation: a Chinese message naming the field, and nothing
written)."""
from __future__ import annotations

import pytest

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.models import JournalEntry
from luoshi.intake import services
from luoshi.intake.models import (Channel, Request, RequestAssist, RequestEvent, RequestPhoto, RequestState,
                                  ServiceCategory)
from luoshi.intake.selectors import public_requests, request_for, requester_display, visible_requests


@pytest.fixture
def other_dispatcher(city):
    from luoshi.org.services import grant_role, person_create

    p = person_create(by=None, username="dispatcher_sn", full_name="钱派单", unit=city["other_district"])
    grant_role(by=None, person=p, role="dispatcher", unit=city["other_district"])
    return p


@pytest.fixture
def dispatched(req, travel, city):
    """A request dispatched to 中韩街道 (street_a) with 区行政审批服务局 (dept) assisting, signed."""
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit("中韩街道海尔路路灯不亮，电话 13812345678")
        req.dispatch(r, "street_a", assist=[city["dept"]])
        req.sign(r)
    return r


# ---- refusals ------------------------------------------------------------------------------------------------

def test_liaison_of_another_street_is_refused_everything(req, travel, dispatched, cast, city):
    r, other = dispatched, cast["liaison_b"]
    before = (r.events.count(), Request.objects.get(pk=r.pk).state)
    with travel("2026-03-02T10:00:00+08:00"):
        for call, match in (
            (lambda: services.request_return(by=other, request=r, reason="不归我们"), "退单"),
            (lambda: services.request_reply(by=other, request=r, text="已办"), "回复"),
            (lambda: services.request_note(by=other, request=r, text="记录"), "办理记录"),
            (lambda: services.extension_ask(by=other, request=r, days=2, reason="忙"), "延期"),
            (lambda: services.request_rate(request=r, by=other, satisfaction=5, resolved=True), "电话回访"),
            (lambda: services.request_urge(by=other, request=r, note="催"), "催办"),
            (lambda: services.request_dispatch(by=other, request=r, unit=city["street_b"]), "派单"),
        ):
            with pytest.raises(PermissionDeniedError, match=match):
                call()
    # 签收 on a fresh dispatch
    with travel("2026-03-02T11:00:00+08:00"):
        r2 = req.submit()
        req.dispatch(r2)
        with pytest.raises(PermissionDeniedError, match="签收"):
            services.request_sign(by=other, request=r2)
    assert (r.events.count(), Request.objects.get(pk=r.pk).state) == before
    assert JournalEntry.objects.filter(actor=other).count() == 0


def test_assist_unit_may_note_but_not_reply_sign_or_return(req, travel, dispatched, cast):
    r, assist = dispatched, cast["liaison_dept"]
    with travel("2026-03-02T10:00:00+08:00"):
        event = services.request_note(by=assist, request=r, text="已核查营业执照，无问题")
        assert event.data["role"] == "assist"
        with pytest.raises(PermissionDeniedError, match="只有承办单位的联络员可以回复"):
            services.request_reply(by=assist, request=r, text="已办")
        with pytest.raises(PermissionDeniedError):
            services.request_return(by=assist, request=r, reason="x")
        with pytest.raises(PermissionDeniedError):
            services.extension_ask(by=assist, request=r, days=1, reason="x")
    assert Request.objects.get(pk=r.pk).state == RequestState.HANDLING


def test_dispatcher_of_another_district_cannot_dispatch(req, travel, other_dispatcher, city):
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit()
        with pytest.raises(PermissionDeniedError, match="只有该区域的受理派单员可以派单"):
            services.request_dispatch(by=other_dispatcher, request=r, unit=city["street_a"])
        with pytest.raises(PermissionDeniedError):
            services.request_close_invalid(by=other_dispatcher, request=r, outcome="invalid", reason="x")
    assert Request.objects.get(pk=r.pk).state == RequestState.RECEIVED


def test_office_reads_but_cannot_dispatch_or_sign(req, travel, dispatched, cast, city):
    r = dispatched
    office = cast["office"]
    assert request_for(office, r.pk) is not None
    with pytest.raises(PermissionDeniedError):
        services.request_reply(by=office, request=r, text="x")
    with travel("2026-03-02T11:00:00+08:00"):
        r2 = req.submit()
        with pytest.raises(PermissionDeniedError):
            services.request_dispatch(by=office, request=r2, unit=city["street_a"])


def test_dispatch_to_an_inactive_unit_is_refused(req, travel, city, dispatcher):
    city["street_b"].is_active = False
    city["street_b"].save()
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit()
        with pytest.raises(ServiceError) as e:
            services.request_dispatch(by=dispatcher, request=r, unit=city["street_b"])
    assert e.value.field == "unit" and "已停用" in e.value.message


# ---- scoping ---------------------------------------------------------------------------------------------------

def test_visible_requests_by_role(req, travel, city, cast, dispatcher, other_dispatcher, dispatched):
    with travel("2026-03-02T10:00:00+08:00"):
        b = req.submit("沙子口街道南姜码头噪声扰民", category="0201", area="street_b")
        req.dispatch(b)
        waiting = req.submit("沙子口街道路灯不亮", area="street_b")  # not dispatched yet
    a = dispatched

    def ids(person):
        return set(visible_requests(person).values_list("pk", flat=True))

    assert ids(dispatcher) == {a.pk, b.pk, waiting.pk}
    assert ids(cast["office"]) == {a.pk, b.pk, waiting.pk}
    assert ids(cast["leader"]) == {a.pk, b.pk, waiting.pk}
    assert ids(cast["liaison_a"]) == {a.pk}
    assert ids(cast["liaison_b"]) == {b.pk}
    assert ids(cast["liaison_dept"]) == {a.pk}  # as assisting unit
    assert ids(cast["outsider"]) == set()
    assert ids(other_dispatcher) == set()
    assert ids(cast["evaluator"]) == set()
    # request_for refuses what visible_requests does not list
    assert request_for(cast["liaison_b"], a.pk) is None
    assert request_for(cast["outsider"], a.pk) is None
    assert request_for(cast["liaison_dept"], a.pk).pk == a.pk
    assert request_for(cast["liaison_a"], waiting.pk) is None


def test_visible_requests_is_one_query(req, travel, dispatched, cast, django_assert_max_num_queries):
    person = cast["liaison_dept"]
    from luoshi.org.scopes import scope_for
    scope_for(person)  # the scope is cached on the user
    with django_assert_max_num_queries(1):
        assert len(list(visible_requests(person))) == 1


def test_after_return_the_assist_unit_no_longer_sees_it(req, travel, dispatched, cast):
    with travel("2026-03-02T12:00:00+08:00"):
        services.request_return(by=cast["liaison_a"], request=dispatched, reason="不属本街道")
    assert not RequestAssist.objects.filter(request=dispatched).exists()
    assert not visible_requests(cast["liaison_dept"]).filter(pk=dispatched.pk).exists()


def test_requester_display(req, travel, dispatched, cast, dispatcher):
    r = dispatched
    full = {"name": "李明", "phone": "13812345678", "email": "", "masked": False}
    assert requester_display(dispatcher, r) == full
    assert requester_display(cast["liaison_a"], r) == full
    assert requester_display(cast["liaison_dept"], r) == full
    assert requester_display(cast["office"], r) == {"name": "李*", "phone": "138****5678", "email": "", "masked": True}
    assert requester_display(cast["leader"], r)["masked"] is True
    assert requester_display(cast["outsider"], r)["phone"] == "138****5678"


def test_landline_is_masked_too(req, travel, cast):
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit(phone="0532-88886666", email="li@example.com")
    assert r.requester_phone == "053288886666"
    shown = requester_display(cast["office"], r)
    assert "8888" not in shown["phone"] and shown["phone"].endswith("6666") and shown["email"] == ""


def test_anonymous_stays_anonymous_to_the_unit(req, travel, cast, dispatcher):
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit(anonymous=True)
        req.dispatch(r)
    anonymous = {"name": "匿名", "phone": "", "email": "", "masked": True}
    assert requester_display(cast["liaison_a"], r) == anonymous
    assert requester_display(cast["office"], r) == anonymous
    assert requester_display(dispatcher, r)["phone"] == "13812345678"  # the centre can still call back


def test_public_requests_never_carry_personal_fields(req, travel, dispatched):
    with travel("2026-03-02T09:00:00+08:00"):
        report = req.submit("某饭店使用过期食材", category="0301")
    rows = list(public_requests())
    assert [r.pk for r in rows] == [dispatched.pk] and report.pk not in [r.pk for r in rows]
    deferred = rows[0].get_deferred_fields()
    assert {"requester_name", "requester_phone", "requester_email", "rating_token", "tracking_code"} <= deferred


# ---- validation: refused with a message and the field, nothing written ----------------------------------------

def counts():
    return (Request.objects.count(), RequestEvent.objects.count(), RequestPhoto.objects.count(),
            JournalEntry.objects.filter(verb__startswith="request.").count())


@pytest.fixture
def listed(intake):
    """Category 0101 gets a single-value list attribute (灯的类型) and a multi-value one."""
    cat = intake["categories"]["0101"]
    cat.attributes = cat.attributes + [
        {"code": "lamp", "description": "灯的类型", "datatype": "singlevaluelist", "required": False, "order": 2,
         "variable": True, "values": [{"key": "led", "name": "LED"}, {"key": "sodium", "name": "钠灯"}]},
        {"code": "when", "description": "不亮时段", "datatype": "multivaluelist", "required": False, "order": 3,
         "variable": True, "values": [{"key": "night", "name": "夜间"}, {"key": "all", "name": "全天"}]},
        {"code": "count", "description": "不亮盏数", "datatype": "number", "required": False, "order": 4,
         "variable": True, "values": []},
    ]
    cat.save()
    return cat


@pytest.mark.parametrize("kwargs, field, message", [
    ({"description": "   "}, "description", "请填写诉求内容。"),
    ({"description": "灯" * 4001}, "description", "诉求内容最多 4000 字，现有 4001 字。"),
    ({"phone": "138123456789"}, "phone", "联系电话“138123456789”格式不对"),
    ({"phone": "电话13812345678"}, "phone", "格式不对"),
    ({"phone": "23812345678"}, "phone", "格式不对"),
    ({"email": "li@"}, "email", "电子邮箱“li@”格式不对。"),
    ({"email": "a" * 95 + "@example.com"}, "email", "电子邮箱最多 100 个字符。"),
    ({"lat": "北纬36度", "lng": "120.4"}, "lat", "坐标须为数字"),
    ({"lat": "36.1", "lng": ""}, "lat", "坐标须为数字"),
    ({"lat": "95", "lng": "120.4"}, "lat", "坐标超出范围"),
    ({"lat": "36.1", "lng": "181"}, "lat", "坐标超出范围"),
    ({"address": "路" * 201}, "address", "地址最多 200 字"),
    ({"name": "名" * 51}, "name", "姓名最多 50 字"),
    ({"attributes": {"lamp": "halogen"}}, "attribute[lamp]", "“灯的类型”的取值“halogen”不在可选项中。"),
    ({"attributes": {"lamp": ["led", "sodium"]}}, "attribute[lamp]", "“灯的类型”只能选一项。"),
    ({"attributes": {"lamp": {"x": 1}}}, "attribute[lamp]", "不在可选项中"),
    ({"attributes": {"when": ["night", "dusk"]}}, "attribute[when]", "“不亮时段”的取值“dusk”不在可选项中。"),
    ({"attributes": {"count": "三盏"}}, "attribute[count]", "“不亮盏数”须为数字。"),
    ({"attributes": {"count": "nan"}}, "attribute[count]", "须为数字"),
    ({"attributes": {"colour": "红"}}, "attribute[colour]", "类别“路灯损坏”没有附加项“colour”。"),
    ({"attributes": ["lamp"]}, "attributes", "附加项须为"),
    ({"kind": "praise"}, "kind", "诉求类型“praise”不存在。"),
])
def test_submit_refusals(req, travel, listed, kwargs, field, message):
    before = counts()
    with travel("2026-03-02T09:00:00+08:00"), pytest.raises(ServiceError) as e:
        req.submit(**({"description": kwargs.pop("description")} if "description" in kwargs else {}), **kwargs)
    assert e.value.field == field
    assert message in e.value.message
    assert counts() == before


def test_valid_attributes_are_stored_normalised(req, travel, listed):
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit(attributes={"pole": "HE-0321", "lamp": ["led"], "when": "night", "count": 3})
    assert r.attributes == {"pole": "HE-0321", "lamp": "led", "when": ["night"], "count": 3}


def test_required_attribute_missing(req, travel):
    before = counts()
    with travel("2026-03-02T09:00:00+08:00"), pytest.raises(ServiceError) as e:
        req.submit("小区电梯经常停运", category="0401")
    assert e.value.field == "attribute[community]" and e.value.message == "请填写“小区名称”。"
    assert counts() == before
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit("小区电梯经常停运", category="0401", attributes={"community": "海尔绿城"})
    assert r.attributes == {"community": "海尔绿城"}


def test_inactive_category_or_channel(req, travel, intake):
    ServiceCategory.objects.filter(code="0201").update(is_active=False)
    intake["categories"]["0201"].refresh_from_db()
    Channel.objects.filter(code="12345").update(is_active=False)
    intake["channels"]["12345"].refresh_from_db()
    before = counts()
    with travel("2026-03-02T09:00:00+08:00"):
        with pytest.raises(ServiceError) as e:
            req.submit("工地夜间施工", category="0201")
        assert e.value.field == "category" and e.value.message == "诉求类别“噪声扰民”已停用。"
        with pytest.raises(ServiceError) as e:
            req.submit(channel="12345")
        assert e.value.field == "channel" and e.value.message == "受理渠道“12345 热线”已停用。"
    assert counts() == before


def test_submit_normalises_and_finds_the_area(req, travel, city, intake):
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit("。路灯不亮", area=None, address="崂山区沙子口街道南姜社区", phone="138 1234 5678",
                       lat="36.1234567", lng="120.4")
    assert r.area == city["street_b"] and r.region_path == city["street_b"].path
    assert r.requester_phone == "13812345678" and str(r.lat) == "36.123457" and r.title == "。路灯不亮"
    with travel("2026-03-02T09:00:00+08:00"):
        r = req.submit("路灯不亮", area=None, address="某某路")
    assert r.area is None and r.region_path == city["district"].path
