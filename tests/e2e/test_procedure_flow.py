"""A 农地入市 case through three steps in the system Chromium: the village applies with two uploaded documents, the
town passes its 初审, and — of the three parallel 联审 — the 自然资源局 uploads its opinion and passes; the case page
shows each step with its actor, documents and decision, and the other town's office cannot open it."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from luoshi.procedures.tests.conftest import land, pingdu  # noqa: F401

from .helpers import nav_to, watch

PASSWORD = "pw-123456"


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/(inbox/)?$"))  # no task work: 待办 first


def pdf(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% test\n%%EOF\n"}


def test_a_parcel_through_three_steps_with_uploads(transactional_db, live_server, pingdu, land, new_page):  # noqa: F811
    from luoshi.procedures.models import Case, CaseStep

    base = live_server.url
    village = new_page(bypass_csp=True)
    problems = watch(village)
    login(village, base, "village_a")
    nav_to(village, "程序办件")
    village.get_by_role("link", name="集体经营性建设用地入市").click()
    village.get_by_role("link", name="发起办件").click()
    village.get_by_label("名称").fill("郭庄村 5 号地块")
    village.get_by_label("面积（亩）").fill("四十")
    village.get_by_label("土地用途").select_option(label="工矿仓储用地和非经营性公共管理与公共服务用地")
    village.get_by_label("基准地价级别").select_option(label="城区外一等镇")
    village.get_by_label("交易方式").select_option(label="拍卖")
    village.get_by_role("button", name="发起").click()
    expect(village.locator(".fielderror")).to_contain_text("面积（亩）")  # refused, what was typed is kept
    expect(village.get_by_label("名称")).to_have_value("郭庄村 5 号地块")
    village.get_by_label("面积（亩）").fill("40")
    village.get_by_role("button", name="发起").click()
    expect(village.get_by_role("heading", level=2, name="办理：申请（村集体民主决策）")).to_be_visible()
    action = village.locator("section.action")
    action.get_by_role("button", name="通过", exact=True).click()
    expect(village.locator(".messages")).to_contain_text("请先上传：入市申请书、村民代表会议决议")
    for label, name in (("入市申请书", "申请书.pdf"), ("村民代表会议决议", "决议.pdf")):
        action = village.locator("section.action")
        action.get_by_label("材料").select_option(label=label)
        action.get_by_label("文件").set_input_files(pdf(name))
        action.get_by_role("button", name="上传").click()
        expect(village.locator(".messages")).to_contain_text("已上传 1 个文件")
    village.locator("section.action").get_by_label("意见").fill("村民代表会议 32 人到会，31 人同意。")
    village.locator("section.action").get_by_role("button", name="通过", exact=True).click()
    expect(village.locator("#steps")).to_contain_text("镇街初审")
    case = Case.objects.get()

    town = new_page(bypass_csp=True)
    problems += watch(town)
    login(town, base, "nancun")
    nav_to(town, "程序办件")
    expect(town.locator("#waiting")).to_contain_text("镇街初审")
    town.get_by_role("link", name=f"{case.number} 郭庄村 5 号地块").click()
    town.locator("section.action").get_by_role("button", name="通过", exact=True).click()
    expect(town.locator("#steps")).to_contain_text("部门联审·自然资源")
    expect(town.locator("section.action")).to_have_count(0)

    dept = new_page(bypass_csp=True)
    problems += watch(dept)
    login(dept, base, "nr")
    dept.goto(f"{base}/procedures/cases/{case.pk}/")
    action = dept.locator("section.action")
    action.get_by_label("文件").set_input_files(pdf("联审意见.pdf"))
    action.get_by_role("button", name="上传").click()
    dept.locator("section.action").get_by_role("button", name="通过", exact=True).click()
    steps = dept.locator("#steps")
    expect(steps).to_contain_text("联审意见")
    expect(steps.locator("tr", has_text="申请（村集体民主决策）")).to_contain_text("入市申请书")
    assert set(CaseStep.objects.filter(case=case, state="open").values_list("code", flat=True)) == {"joint_agri", "joint_fin"}

    other = new_page(bypass_csp=True)
    login(other, base, "renzhao")
    response = other.goto(f"{base}/procedures/cases/{case.pk}/")
    assert response.status == 404
    assert problems == []


def test_a_case_and_the_case_list_read_on_a_phone(transactional_db, live_server, pingdu, land, new_page):  # noqa: F811
    """390 px wide: the case list and the steps table are one labelled block per row (not eight columns one character
    wide), and nothing scrolls sideways."""
    from luoshi.procedures.tests.conftest import run_to, start_parcel

    people, units = pingdu["people"], pingdu["units"]
    case = start_parcel(land, people, units)
    run_to(case, land, people, "joint_nr")
    base = live_server.url
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    problems = watch(page)
    login(page, base, "nancun")
    for url, table, n, said in ((f"/procedures/{land.code}/", "#cases", 3, "镇街："),
                                (f"/procedures/cases/{case.pk}/", "#steps", 2, "开始：")):
        page.goto(base + url)
        row = page.locator(f"{table} tbody tr").first
        expect(row).to_be_visible()
        cell = row.locator("td").nth(n)
        box = cell.bounding_box()
        assert box is not None and box["width"] > 300, (url, box)  # a full-width line, label and value
        label = cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert label.strip('"') == said, (url, label)
        assert page.locator(f"{table} thead").is_hidden()
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (url, overflow)
    assert problems == []
