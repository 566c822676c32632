"""The supervision ledger on a phone (390×844, touch) in the system Chromium.

An inspector records a finding with a photo → the office issues a 交办单 from the list → the unit's liaison signs
and reports the rectification with an after-photo → another inspector verifies and closes it → the office
publishes it → an anonymous visitor sees it on the 曝光台 with both photos and no personal data. A second test cuts
the network on submit: the form keeps what was typed and the photo, and a reload restores the draft.

Photos are processed by the immediate tasks backend (root conftest) when the upload's transaction commits, which
in the live server's autocommit mode is at the end of the request. Real time is used (no time travel).
"""
from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from luoshi.ledger.tests.conftest import categories, inspector, ledger_program  # noqa: F401
from luoshi.ledger.tests.fixtures_ledger import gps_exif, inspector2, jpeg  # noqa: F401

from .helpers import nav_to, settled, watch

PASSWORD = "pw-123456"
PHONE = {"width": 390, "height": 844}
DESCRIPTION = "中韩街道某小区东门垃圾桶满溢，周边散落垃圾未清运"
ADDRESS = "中韩街道某小区东门"
AFTER_TEXT = "已清运全部垃圾，增设两个分类垃圾桶，物业每日巡查两次。"
SHEET_NUMBER = re.compile(r"测试督办〔\d{4}〕第1号")


def phone(new_page):
    return new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)




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


def photo_file(name, color, *, gps=True):
    return {"name": name, "mimeType": "image/jpeg",
            "buffer": jpeg(1200, 900, color, exif=gps_exif(orientation=1) if gps else None)}


@pytest.fixture
def people(inspector, inspector2, cast):  # noqa: F811
    for person in (inspector, inspector2):
        person.set_password(PASSWORD)
        person.save()
    return {"inspector": inspector, "inspector2": inspector2} | cast


def test_a_finding_from_the_street_to_the_public_page(transactional_db, live_server, ledger_program,  # noqa: F811
                                                      categories, people, new_page):  # noqa: F811
    from luoshi.ledger.models import Finding, FindingPhoto

    base = live_server.url
    program_url = f"{base}/programs/{ledger_program.code}/ledger/"

    # -- the inspector records the finding with a photo from the phone's camera
    page = phone(new_page)
    problems = watch(page)
    login(page, base, "inspector")
    page.goto(program_url)
    page.get_by_role("link", name="＋ 登记问题").tap()
    expect(page.get_by_role("heading", name="登记问题", level=1)).to_be_visible()
    no_sideways_scroll(page, "the finding form")
    page.get_by_label("责任单位").fill("中韩街道")
    page.get_by_label("问题类别").select_option(label="环境卫生")
    page.get_by_label("问题描述").fill(DESCRIPTION)
    page.get_by_label("地点").fill(ADDRESS)
    page.get_by_label("较重").check()
    settled(page)
    page.locator("#photos").set_input_files([photo_file("现场.jpg", (190, 60, 40))])
    expect(page.locator(".photo-previews li")).to_have_count(1)
    expect(page.locator(".photo-previews img")).to_have_attribute("alt", "现场.jpg")
    page.get_by_role("button", name="提交", exact=True).tap()
    expect(page).to_have_url(re.compile(r"/ledger/findings/\d+/$"))
    expect(status_message(page)).to_have_text("问题 2026-00001 已登记。")
    finding = Finding.objects.get()
    assert finding.reporter.username == "inspector" and finding.severity == "major"
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026-00001")
    facts = page.locator("section.card").first  # (the timeline shows the photo again)
    expect(facts.locator(".photos img[alt='整改前']")).to_have_count(1)  # processed: the thumbnail shows
    no_sideways_scroll(page, "the finding page")

    # -- the office issues a sheet from the list: tick the box, submit
    office = phone(new_page)
    problems += watch(office)
    login(office, base, "office")
    office.goto(program_url + "?status=recorded")
    office.get_by_label("选择 2026-00001").check()
    office.get_by_text("将勾选的“待交办”问题生成交办单").tap()
    office.get_by_role("button", name="生成交办单").tap()
    expect(office.get_by_role("heading", level=1)).to_have_text(SHEET_NUMBER)
    expect(office.locator("table")).to_contain_text(DESCRIPTION[:20])

    # -- the liaison of 中韩街道 signs the sheet and reports the rectification with an after-photo
    liaison = phone(new_page)
    problems += watch(liaison)
    login(liaison, base, "liaison_a")
    nav_to(liaison, "问题台账")  # on a phone the apps are behind the header's 菜单
    liaison.get_by_role("link", name=ledger_program.name).tap()
    expect(liaison.locator("table")).to_contain_text("2026-00001")
    liaison.get_by_role("link", name="交办单", exact=True).tap()
    liaison.get_by_role("link", name=SHEET_NUMBER).tap()
    settled(liaison)
    liaison.get_by_role("button", name="签收交办单").tap()
    expect(status_message(liaison)).to_have_text("交办单已签收，请按时限整改。")
    liaison.get_by_role("link", name="2026-00001").tap()
    liaison.get_by_label("整改情况").fill(AFTER_TEXT)
    settled(liaison)
    liaison.locator("#photos-after").set_input_files([photo_file("整改后.jpg", (40, 160, 60))])
    expect(liaison.locator(".photo-previews li")).to_have_count(1)
    liaison.get_by_role("button", name="报送", exact=True).tap()
    expect(status_message(liaison)).to_have_text("整改情况已报送，等待督导组核验。")
    expect(liaison.locator("h1 .pill")).to_have_text("待核验")
    expect(liaison.get_by_role("button", name="提交核验结论")).to_have_count(0)

    # -- the reporter may not verify; another inspector verifies on site and closes it
    page.reload()
    expect(page.get_by_text("您是该问题的发现人，须由其他督导人员核验。")).to_be_visible()
    checker = phone(new_page)
    problems += watch(checker)
    login(checker, base, "inspector2")
    checker.goto(f"{base}/ledger/findings/{finding.pk}/")
    expect(checker.locator("section.card").first.locator(".photos img[alt='整改后']")).to_have_count(1)
    checker.get_by_label("整改到位，销号").check()
    checker.get_by_label("核验方式").select_option("on_site")
    checker.get_by_label("核验意见").fill("现场核验，垃圾已清运，分类桶已设置。")
    checker.get_by_role("button", name="提交核验结论").tap()
    expect(status_message(checker)).to_have_text("已核验销号。")
    expect(checker.locator("h1 .pill")).to_have_text("已销号")

    # -- the office publishes it
    office.goto(f"{base}/ledger/findings/{finding.pk}/")
    office.get_by_role("button", name="在曝光台公开").tap()
    expect(status_message(office)).to_have_text("已在曝光台公开。")
    public_link = office.get_by_role("link", name="查看公开页")
    expect(public_link).to_be_visible()

    # -- anyone: the 曝光台 with before/after photos and no personal data
    visitor = phone(new_page)
    problems += watch(visitor)
    visitor.goto(f"{base}/public/exposure/")
    card = visitor.locator("li.card").filter(has_text=DESCRIPTION[:20])
    expect(card).to_have_count(1)
    expect(card.locator("img[alt='整改前照片']")).to_have_count(1)
    expect(card.locator("img[alt='整改后照片']")).to_have_count(1)
    card.get_by_role("link", name=re.compile("环境卫生")).tap()
    expect(visitor).to_have_url(f"{base}/public/exposure/{finding.pk}/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("环境卫生 · 中韩街道")
    expect(visitor.get_by_text("已整改销号")).to_be_visible()
    for alt in ("整改前照片", "整改后照片"):
        img = visitor.locator(f"img[alt='{alt}']")
        expect(img).to_have_count(1)
        img.scroll_into_view_if_needed()
        visitor.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=img.element_handle())
    no_sideways_scroll(visitor, "the public page")
    html = visitor.content()
    for person in ("inspector", "inspector2", "liaison_a", "office"):
        p = people[person]
        assert p.full_name not in html and f">{p.username}<" not in html, person
    assert not re.search(r"\b1[3-9]\d{9}\b", html)
    for src in re.findall(r'src="([^"]+\.jpg)"', html):
        body = visitor.request.get(base + src).body()
        from PIL import Image

        assert dict(Image.open(io.BytesIO(body)).getexif()) == {}, src  # no EXIF, no GPS

    assert problems == []
    finding = Finding.objects.get()
    assert (finding.status, finding.is_public, finding.closed_by.username) == ("closed", True, "inspector2")
    photos = list(FindingPhoto.objects.filter(finding=finding).order_by("id"))
    assert [p.stage for p in photos] == ["before", "after"]
    assert all(p.processed_at and not p.process_error and p.display for p in photos)


def test_a_failed_upload_keeps_the_text_and_the_photo(transactional_db, live_server, ledger_program,  # noqa: F811
                                                      categories, people, new_page):  # noqa: F811
    from luoshi.ledger.models import Finding

    base = live_server.url
    form_url = f"{base}/programs/{ledger_program.code}/ledger/new/"
    page = phone(new_page)
    problems = watch(page)
    login(page, base, "inspector")
    page.goto(form_url)
    typed = "沿街商铺出店经营，占用人行道约二十米"
    page.get_by_label("责任单位").fill("沙子口街道")
    page.get_by_label("问题描述").fill(typed)
    settled(page)
    page.locator("#photos").set_input_files([photo_file("占道.jpg", (90, 90, 200), gps=False)])
    expect(page.locator(".photo-previews li")).to_have_count(1)

    # the network fails on submit
    page.route("**/ledger/new/", lambda route: route.abort("internetdisconnected")
               if route.request.method == "POST" else route.continue_())
    page.get_by_role("button", name="提交", exact=True).tap()
    error = page.locator(".form-error")
    expect(error).to_be_visible()
    expect(error).to_have_text("网络不畅，未能提交。您填写的内容和照片已保存在本机，网络恢复后请再点“提交”。")
    expect(page.get_by_label("问题描述")).to_have_value(typed)
    expect(page.get_by_label("责任单位")).to_have_value("沙子口街道")
    expect(page.locator(".photo-previews li")).to_have_count(1)
    expect(page.get_by_role("button", name="提交", exact=True)).to_be_enabled()
    assert not Finding.objects.exists()

    # a reload (the network is back) restores the draft from the phone
    page.unroute("**/ledger/new/")
    page.reload()
    expect(page.get_by_label("问题描述")).to_have_value(typed)
    expect(page.get_by_label("责任单位")).to_have_value("沙子口街道")
    expect(page.locator(".draft-note")).to_have_text(re.compile("已恢复上次未提交的内容"))
    expect(page.locator(".photo-previews li")).to_have_count(1)
    # and it can be sent now
    page.get_by_role("button", name="提交", exact=True).tap()
    expect(page).to_have_url(re.compile(r"/ledger/findings/\d+/$"))
    finding = Finding.objects.get()
    assert finding.description == typed and finding.unit.name == "沙子口街道" and finding.photos.count() == 1
    # the draft is gone once the server took it
    page.goto(form_url)
    expect(page.get_by_label("问题描述")).to_have_value("")
    expect(page.locator(".draft-note")).to_be_hidden()
    assert problems == []
