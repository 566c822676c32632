"""The office adds a person in the browser, grants a role inside its scope, sets an initial password, and the
new person signs in with it; before that the account cannot sign in."""
import re

from playwright.sync_api import expect

from .helpers import nav_to, watch
from .test_task_flow import login, logout


def test_office_adds_a_person_who_then_signs_in(transactional_db, live_server, cast, city, page):
    from luoshi.org.models import Person, RoleGrant

    base = live_server.url
    problems = watch(page)
    login(page, base, cast["office"].username)
    nav_to(page, "单位")
    page.get_by_role("link", name="人员与角色").click()
    expect(page.get_by_role("heading", name="人员与角色", level=1)).to_be_visible()
    expect(page.locator("table.list")).to_contain_text("周强")
    expect(page.locator("table.list")).not_to_contain_text("赵六")          # another district's liaison
    page.get_by_role("link", name="新建人员").click()
    page.get_by_label("账号").fill("xiaoli")
    page.get_by_label("姓名").fill("小李")
    page.get_by_label("单位", exact=True).fill("沙子口街道")
    page.get_by_label("职务").fill("干事")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="小李", level=1)).to_be_visible()
    expect(page.get_by_text("未设密码，不能登录")).to_be_visible()

    grants = page.locator("#grants")
    grants.get_by_label("角色").select_option("liaison")
    grants.get_by_label("范围单位").fill("沙子口街道")
    grants.get_by_role("button", name="授予角色").click()
    expect(page.get_by_role("status")).to_have_text("已授予角色。")
    expect(page.locator("#grants table")).to_contain_text("单位联络员")
    # a unit beyond the office's scope is refused
    grants.get_by_label("角色").select_option("liaison")
    grants.get_by_label("范围单位").fill("市南区")
    grants.get_by_role("button", name="授予角色").click()
    expect(page.get_by_role("alert")).to_contain_text("管辖范围")
    assert list(RoleGrant.objects.filter(person__username="xiaoli").values_list("role", "unit__name")) == [
        ("liaison", "沙子口街道")]

    page.get_by_role("button", name="设置初始密码").click()
    password = page.locator("code.new-password").inner_text()
    assert re.fullmatch(r"\w{12}", password)
    logout(page)

    page.goto(f"{base}/")
    page.get_by_label("用户名").fill("xiaoli")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    # a new 干事 with no task yet starts on 待办
    expect(page.get_by_role("heading", name=re.compile("^(工作台|待办)"), level=1)).to_be_visible()
    assert Person.objects.get(username="xiaoli").unit == city["street_b"]
    assert problems == []
