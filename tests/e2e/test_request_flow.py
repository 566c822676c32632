"""A citizen's request (诉求) on phones (390×844, touch) in the system Chromium.

1. A citizen submits on the public form with a photo and gets the 查询码 → the dispatcher logs in and dispatches
   as the rule suggests → the street's liaison signs and replies with a photo → the citizen opens the rating link
   and rates → the request is closed.
2. 退单: dispatched to the wrong street, whose liaison returns it with a reason and a suggestion → the dispatcher
   re-dispatches with 审定派单 → the right street cannot return it again.
3. The network fails on submit: the page keeps what was typed and the photo; a reload restores the draft; once
   the server accepts it, the draft is gone.

Real time is used (no time travel); photos are processed when the upload's transaction commits (root conftest).
"""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from luoshi.core.testing import BROWSER_WAIT_MS
from luoshi.intake.tests.conftest import dispatcher, intake, req  # noqa: F401
from luoshi.ledger.tests.fixtures_ledger import gps_exif, jpeg

from .helpers import nav_to, settled, watch

PASSWORD = "pw-123456"
PHONE = {"width": 390, "height": 844}
DESCRIPTION = "中韩街道海尔路 100 号门前路灯不亮已经一周，晚上行人看不清路"
REPLY = "已更换损坏的灯泡并检修线路，路灯恢复照明。"


def phone(new_page):
    return new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2,
                    bypass_csp=True)  # axe-core is injected by the test, not served by the site (CSP)


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").tap()
    # the task board, or 待办 for a person with no task to read (issue #12)
    expect(page).to_have_url(re.compile("^" + re.escape(base) + "/(inbox/)?$"))


def no_sideways_scroll(page, what):
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px at 390px wide"


def status_message(page):
    return page.locator(".messages [role=status]")


def photo_file(name, color):
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg(1200, 900, color, exif=gps_exif(orientation=1))}


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def axe_serious(page) -> list[str]:
    """axe-core's serious and critical WCAG 2 A/AA violations on the page (none when axe is not installed)."""
    if not AXE.exists():
        return []
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})""")
    return [f"{v['id']}: {[n['html'][:120] for n in v['nodes'][:3]]}" for v in result["violations"]
            if v["impact"] in ("serious", "critical")]


def fill_public_form(page):
    page.get_by_label("诉求类别").select_option(label="路灯损坏（5个工作日办结）")
    expect(page.get_by_label("灯杆编号")).to_be_visible()  # the category's extra field appears
    page.get_by_label("灯杆编号").fill("HL-017")
    page.get_by_label("诉求内容").fill(DESCRIPTION)
    expect(page.locator("#description-count")).to_have_text(f"{len(DESCRIPTION)} / 4000")
    page.get_by_label("地址").fill("海尔路 100 号")
    page.get_by_label("所在镇街").select_option(label="中韩街道")
    page.get_by_label("姓名", exact=True).fill("李明")
    page.get_by_role("textbox", name="联系电话").fill("13812345678")


def test_citizen_submits_unit_replies_citizen_rates(transactional_db, live_server, req, new_page):  # noqa: F811
    from luoshi.intake.models import Outcome, Request, RequestPhoto, RequestState

    base = live_server.url

    # -- the citizen, on the public form, with a photo from the phone's camera
    citizen = phone(new_page)
    problems = watch(citizen)
    citizen.goto(f"{base}/public/requests/new/")
    expect(citizen.get_by_role("heading", name="我要反映诉求", level=1)).to_be_visible()
    no_sideways_scroll(citizen, "the public request form")
    fill_public_form(citizen)
    settled(citizen)
    citizen.locator("#id_photos").set_input_files([photo_file("路灯.jpg", (30, 30, 60))])
    expect(citizen.locator(".photo-previews li")).to_have_count(1)
    citizen.get_by_role("button", name="提交诉求").tap()
    expect(citizen).to_have_url(f"{base}/public/requests/done/", timeout=BROWSER_WAIT_MS)  # jieba's first load, the photo
    code = citizen.locator("#tracking-code").inner_text()
    r = Request.objects.get()
    assert code == r.tracking_code and r.channel.code == "web" and r.attributes == {"pole": "HL-017"}
    expect(citizen.get_by_text("派单后 5 个工作日内答复")).to_be_visible()
    no_sideways_scroll(citizen, "the confirmation page")
    assert axe_serious(citizen) == []
    assert "李明" not in citizen.content() and "13812345678" not in citizen.content()

    # -- the dispatcher: the queue, the request, 派单 as the rule proposes
    desk = phone(new_page)
    problems += watch(desk)
    login(desk, base, "dispatcher")
    nav_to(desk, "诉求办理")
    expect(desk.locator("nav.tabs a[aria-current]")).to_contain_text("待派单")
    no_sideways_scroll(desk, "the dispatcher's queue")
    desk.get_by_role("link", name=r.number).tap()
    expect(desk.get_by_role("heading", level=1)).to_contain_text(r.number)
    expect(desk.get_by_text("李明")).to_be_visible()  # the dispatcher sees the requester
    expect(desk.locator("section.card").first.locator(".photos img")).to_have_count(1)
    expect(desk.get_by_role("combobox", name="承办单位")).to_have_value(str(req.city["street_a"].pk))
    desk.get_by_role("button", name="派单", exact=True).tap()
    expect(status_message(desk)).to_have_text("已派至 中韩街道。")
    expect(desk.locator("h1 .pill")).to_have_text("待签收")
    no_sideways_scroll(desk, "the request page")
    assert axe_serious(desk) == []

    # -- the street's liaison signs and replies with a photo
    street = phone(new_page)
    problems += watch(street)
    login(street, base, "liaison_a")
    nav_to(street, "诉求办理")
    expect(street.locator("nav.tabs a[aria-current]")).to_contain_text("待签收")
    street.get_by_role("link", name=r.number).tap()
    settled(street)
    street.get_by_role("button", name="签收").tap()
    expect(status_message(street)).to_have_text("已签收，请在办理时限内办理并回复。")
    expect(street.locator("h1 .pill")).to_have_text("办理中")
    street.get_by_label("答复内容（诉求人可见）").fill(REPLY)
    settled(street)
    street.locator("#photos-reply").set_input_files([photo_file("修好了.jpg", (220, 200, 60))])
    expect(street.locator("form[data-draft-key^='intake-reply'] .photo-previews li")).to_have_count(1)
    street.get_by_role("button", name="回复", exact=True).tap()
    expect(status_message(street)).to_have_text("已回复，等待诉求人评价（回访）。")
    expect(street.locator("h1 .pill")).to_have_text("待回访")

    # -- the citizen opens the rating link (sent by SMS) and rates
    r.refresh_from_db()
    assert r.state == RequestState.REPLIED and r.rating_token
    citizen.goto(f"{base}/public/requests/rate/{r.tracking_code}/{r.rating_token}/")
    expect(citizen.get_by_text(REPLY)).to_be_visible()
    no_sideways_scroll(citizen, "the rating page")
    assert axe_serious(citizen) == []
    citizen.get_by_label("已解决").check()
    citizen.get_by_label("满意", exact=True).check()
    citizen.get_by_label("评价意见").fill("修得很快，谢谢")
    citizen.get_by_role("button", name="提交评价").tap()
    expect(citizen.get_by_text("您的评价已记录，该诉求已办结。")).to_be_visible()
    citizen.reload()  # the link is used up
    expect(citizen.get_by_role("heading", name="评价链接无效或已使用")).to_be_visible()

    assert problems == [], problems
    r.refresh_from_db()
    assert (r.state, r.outcome, r.satisfaction, r.resolved) == (RequestState.CLOSED, Outcome.SATISFIED, 4, True)
    photos = list(RequestPhoto.objects.filter(request=r).order_by("id"))
    assert [p.stage for p in photos] == ["submitted", "reply"]
    assert all(p.processed_at and p.display and not p.original for p in photos)


def test_return_then_locked_redispatch(transactional_db, live_server, req, new_page):  # noqa: F811
    from luoshi.intake.models import RequestState

    base = live_server.url
    r = req.submit(DESCRIPTION)

    desk = phone(new_page)
    problems = watch(desk)
    login(desk, base, "dispatcher")
    desk.goto(f"{base}/requests/{r.pk}/")
    desk.get_by_role("combobox", name="承办单位").select_option(label="沙子口街道")  # a manual override (a wrong one)
    desk.get_by_role("button", name="派单", exact=True).tap()
    expect(status_message(desk)).to_have_text("已派至 沙子口街道。")

    wrong = phone(new_page)
    problems += watch(wrong)
    login(wrong, base, "liaison_b")
    wrong.goto(f"{base}/requests/{r.pk}/")
    wrong.locator("summary", has_text="退单").tap()
    wrong.get_by_label("退单理由").fill("海尔路属中韩街道管辖，不属本街道")
    wrong.get_by_label("建议改派至").select_option(label="中韩街道")
    wrong.get_by_role("button", name="退单", exact=True).tap()
    expect(wrong).to_have_url(f"{base}/requests/")
    expect(status_message(wrong)).to_have_text("已退单，工单已退回受理中心。")
    expect(wrong.get_by_role("link", name=r.number)).to_have_count(0)

    desk.goto(f"{base}/requests/")
    desk.get_by_role("link", name=r.number).tap()
    expect(desk.get_by_role("heading", name="改派", exact=True)).to_be_visible()
    expect(desk.get_by_text("海尔路属中韩街道管辖，不属本街道").first).to_be_visible()
    desk.get_by_role("combobox", name="承办单位").select_option(label="中韩街道")
    desk.get_by_label("审定派单").check()
    desk.get_by_role("button", name="派单", exact=True).tap()
    expect(status_message(desk)).to_have_text("已派至 中韩街道。")

    right = phone(new_page)
    problems += watch(right)
    login(right, base, "liaison_a")
    right.goto(f"{base}/requests/{r.pk}/")
    expect(right.get_by_text("该工单已由受理中心审定派单，不能退单")).to_be_visible()
    expect(right.locator("summary", has_text="退单")).to_have_count(0)
    right.get_by_role("button", name="签收").tap()
    expect(right.locator("h1 .pill")).to_have_text("办理中")

    assert problems == []
    r.refresh_from_db()
    assert r.state == RequestState.HANDLING and r.return_locked and r.lead_unit == req.city["street_a"]
    assert [e.kind for e in r.events.all()] == ["received", "dispatched", "returned", "dispatched", "signed"]


def test_a_failed_submission_keeps_everything(transactional_db, live_server, req, new_page):  # noqa: F811
    from luoshi.intake.models import Request

    base = live_server.url
    url = f"{base}/public/requests/new/"
    page = phone(new_page)
    page.goto(url)
    fill_public_form(page)
    settled(page)
    page.locator("#id_photos").set_input_files([photo_file("路灯.jpg", (30, 30, 60))])

    def cut(route):
        if route.request.method == "POST":
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route(re.compile(r".*/public/requests/new/$"), cut)
    page.get_by_role("button", name="提交诉求").tap()
    expect(page.locator(".form-error")).to_contain_text("网络不畅，未能提交")
    expect(page.get_by_label("诉求内容")).to_have_value(DESCRIPTION)
    expect(page.locator(".photo-previews li")).to_have_count(1)
    assert not Request.objects.exists()

    # a server error: the same
    page.unroute(re.compile(r".*/public/requests/new/$"))
    page.route(re.compile(r".*/public/requests/new/$"), lambda route: route.fulfill(status=502, body="Bad Gateway")
               if route.request.method == "POST" else route.continue_())
    page.get_by_role("button", name="提交诉求").tap()
    expect(page.locator(".form-error")).to_contain_text("服务器错误 502")
    expect(page.get_by_role("textbox", name="联系电话")).to_have_value("13812345678")

    # the phone is closed and opened again: the draft comes back (photos must be chosen again)
    page.unroute(re.compile(r".*/public/requests/new/$"))
    page.goto(url)
    expect(page.locator(".draft-note")).to_contain_text("已恢复上次未提交的内容")
    expect(page.get_by_label("诉求内容")).to_have_value(DESCRIPTION)
    expect(page.get_by_label("灯杆编号")).to_have_value("HL-017")
    expect(page.get_by_label("所在镇街")).to_have_value(str(req.city["street_a"].pk))
    page.get_by_role("button", name="提交诉求").tap()
    expect(page).to_have_url(f"{base}/public/requests/done/", timeout=BROWSER_WAIT_MS)
    assert Request.objects.get().description == DESCRIPTION
    page.goto(url)
    expect(page.get_by_label("诉求内容")).to_have_value("")
    expect(page.locator(".draft-note")).to_be_hidden()
