"""An assessment round clicked through in the system Chromium.

The evaluator scores 中韩街道 on a phone, leaf by leaf, with a file as evidence (a value over the leaf's points
is refused in Chinese and nothing typed or chosen is lost) → the office moves the round to 审核中, approves
every score (it scored none itself) and publishes with a note → the liaison of 中韩街道 opens the unit's
score card and appeals a leaf with a reason and a file → the office, which did not score that leaf, revises it
→ the public table on the portal shows the revision note, and so does the round page. The liaison of
沙子口街道 is refused 中韩街道's card.

Real time is used (the live server runs in another thread); the round is published today, so the 5-day
appeal window of the test scheme is open.
"""
from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from luoshi.assessment.tests.conftest import assess, scheme  # noqa: F401

from .helpers import nav_to, watch

PASSWORD = "pw-123456"
PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4 evidence for the test"
NOTE = "首次公布，请各单位在申诉期内核对。"
REASON = "组织领导有党工委会议纪要3份，评分时未查阅，见附件。"
DECISION = "经复核，会议纪要齐全，改为20分。"
REVISION = "根据中韩街道的申诉，复核调整“A1 组织领导”得分：18 → 20。"


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # the task board, or 待办 for a person with no task to read (issue #12)
    expect(page).to_have_url(re.compile("^" + re.escape(base) + "/(inbox/)?$"))


def status(page):
    return page.locator(".messages [role=status]")


def no_sideways_scroll(page, what):
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px at 390px wide"


def pdf(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def test_score_publish_appeal_revise_and_the_public_table(transactional_db, live_server, assess, city, cast,  # noqa: F811
                                                          new_page):
    from luoshi.assessment.models import Appeal, Indicator, Publication, Score

    base = live_server.url
    today = dt.date.today()
    rnd = assess.round(name="测试期次", start=str(today.replace(day=1)), end=str(today))
    # the other two units are scored through the services, so the table has more than one row
    assess.score_all(rnd, {"street_b": {"A1": "16"}, "dept": {}})
    leaves = {i.code: i for i in Indicator.objects.filter(version=rnd.version)}
    street_a = city["street_a"]

    # -- the evaluator scores 中韩街道 on a phone
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    problems = watch(phone)
    login(phone, base, "evaluator")
    nav_to(phone, "考核测评")
    phone.get_by_role("link", name="测试期次").tap()
    phone.get_by_role("link", name="评分", exact=True).tap()
    phone.get_by_label("参评单位").select_option(str(street_a.pk))
    phone.get_by_role("button", name="打开").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("评分 · 中韩街道")
    expect(phone.locator("#score-progress")).to_contain_text("中韩街道：已评 0 / 5 项")
    no_sideways_scroll(phone, "the scoring page")

    a1 = phone.locator(f"#leaf-{leaves['A1'].pk}")
    a1.get_by_label("得分").fill("25")
    a1.get_by_label("评分说明").fill("查阅党工委会议记录")
    a1.get_by_label("佐证材料").set_input_files([pdf("会议记录.pdf")])
    a1.get_by_role("button", name="保存评分").tap()
    expect(a1.locator(f"#leaf-{leaves['A1'].pk}-value-error")).to_have_text("“A1 组织领导”：超过该项应得分 20")
    # nothing typed or chosen is lost
    expect(a1.get_by_label("得分")).to_have_value("25")
    expect(a1.get_by_label("评分说明")).to_have_value("查阅党工委会议记录")
    assert a1.get_by_label("佐证材料").evaluate("e => e.files.length") == 1
    assert not Score.objects.filter(unit=street_a).exists()
    a1.get_by_label("得分").fill("18")
    a1.get_by_role("button", name="保存评分").tap()
    expect(a1.get_by_role("status")).to_have_text("已保存：中韩街道 “A1 组织领导”。")
    expect(a1.get_by_role("link", name="会议记录.pdf")).to_be_visible()
    expect(phone.locator("#score-progress")).to_contain_text("中韩街道：已评 1 / 5 项")

    for code, label, value in (("A2", "是否达标", "达标"), ("B1", "等级", "良")):
        leaf = phone.locator(f"#leaf-{leaves[code].pk}")
        leaf.get_by_label(label).select_option(value)
        leaf.get_by_role("button", name="保存评分").tap()
        expect(leaf.get_by_role("status")).to_contain_text("已保存")
    for code, label, value in (("A3", "发现问题处数", "1"), ("B2", "实际值", "95")):
        leaf = phone.locator(f"#leaf-{leaves[code].pk}")
        leaf.get_by_label(label).fill(value)
        leaf.get_by_role("button", name="保存评分").tap()
        expect(leaf.get_by_role("status")).to_contain_text("已保存")
    expect(phone.locator("#score-progress")).to_contain_text("中韩街道：已评 5 / 5 项")
    scored = Score.objects.get(unit=street_a, indicator=leaves["A1"], is_current=True)
    assert scored.value == 18 and [f.original_name for f in scored.evidence.all()] == ["会议记录.pdf"]

    # -- the office moves the round on, approves and publishes with a note
    office = new_page()
    problems += watch(office)
    login(office, base, "office")
    office.goto(f"{base}/assess/rounds/{rnd.pk}/")
    office.get_by_role("button", name="进入“审核中”").click()
    expect(status(office)).to_have_text("考核期次已进入“审核中”。")
    office.get_by_role("button", name="全部审核通过").click()
    expect(status(office)).to_have_text("已审核通过 15 条评分。")
    office.get_by_label("公布说明").fill(NOTE)
    # 区委办公室 takes part but nobody scored it: the page says so and publishing needs the explicit override
    expect(office.get_by_role("alert")).to_contain_text("评分不完整：区委办公室")
    office.get_by_label("评分不完整时仍然公布").check()
    office.get_by_role("button", name="公布结果").click()
    expect(status(office)).to_contain_text("已公布第1版结果")
    expect(office.locator("h1 .pill")).to_contain_text("已公布（申诉期至")
    table = office.locator("table.league")
    expect(table.get_by_role("row").filter(has_text="中韩街道")).to_contain_text("90.00")  # 18 + 10 + 9.5 + 24 + 28.5
    expect(office.locator("#publications")).to_contain_text(NOTE)

    # -- the other street's liaison cannot open 中韩街道's card; 中韩街道's liaison appeals A1 with a file
    other = new_page()
    login(other, base, "liaison_b")
    response = other.goto(f"{base}/assess/rounds/{rnd.pk}/units/{street_a.pk}/")
    assert response.status == 404
    liaison = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    problems += watch(liaison)
    login(liaison, base, "liaison_a")
    nav_to(liaison, "考核测评")
    liaison.get_by_role("link", name="测试期次").tap()
    liaison.get_by_role("link", name="中韩街道评分卡").tap()
    expect(liaison.get_by_role("heading", level=1)).to_have_text("中韩街道评分卡")
    no_sideways_scroll(liaison, "the score card")
    row = liaison.locator(f"#leaf-{leaves['A1'].pk}")
    expect(row).to_contain_text("郑洁")
    expect(row.get_by_role("link", name="会议记录.pdf")).to_be_visible()
    appeal_row = row.locator("xpath=following-sibling::tr[contains(@class,'appeal-row')][1]")
    appeal_row.get_by_text("申诉", exact=True).tap()
    appeal_row.get_by_label("申诉理由").fill(REASON)
    appeal_row.get_by_label("佐证材料").set_input_files([pdf("会议纪要.pdf")])
    appeal_row.get_by_role("button", name="提交申诉").tap()
    expect(status(liaison)).to_have_text("已提出申诉：“A1 组织领导”，等待复核。")
    expect(liaison.locator("#appeals")).to_contain_text(REASON)
    appeal = Appeal.objects.get()
    assert appeal.state == "filed" and [f.original_name for f in appeal.evidence.all()] == ["会议纪要.pdf"]

    # -- the office (not the scorer) revises the leaf
    office.goto(f"{base}/assess/rounds/{rnd.pk}/")
    office.locator("#appeals").get_by_role("link", name="中韩街道").click()
    decision = office.locator(f"#appeal-{appeal.pk}")
    expect(decision.get_by_role("link", name="会议纪要.pdf")).to_be_visible()
    decision.get_by_label("改分").check()
    decision.get_by_label("复核后的录入值").fill("20")
    decision.get_by_label("复核意见").fill(DECISION)
    decision.get_by_role("button", name="提交复核结论").click()
    expect(status(office)).to_have_text("已复核“A1 组织领导”：改分，并已公布修订版。")
    expect(office.locator(f"#appeal-{appeal.pk}")).to_contain_text("已改分")
    appeal.refresh_from_db()
    assert (appeal.state, appeal.original_points, appeal.revised_points) == ("revised", 18, 20)
    assert Publication.objects.filter(round=rnd).count() == 2

    # -- the public table shows the revision note (and the round page too)
    public = new_page()
    problems += watch(public)
    public.goto(f"{base}/public/assessment/{rnd.pk}/")
    expect(public.get_by_role("heading", level=1)).to_contain_text("测试期次")
    expect(public.locator("#revisions")).to_contain_text(REVISION)
    expect(public.get_by_role("row").filter(has_text="中韩街道")).to_contain_text("92.00")
    liaison.goto(f"{base}/assess/rounds/{rnd.pk}/")
    expect(liaison.locator("#publications")).to_contain_text(REVISION)
    no_sideways_scroll(liaison, "the round page")
    expect(liaison.locator("#publications")).to_contain_text(NOTE)
    assert problems == [], problems
