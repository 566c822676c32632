"""惠企政策 in the system Chromium: an enterprise user sees the clause it nearly qualifies for with the missing
condition named, corrects its profile and now qualifies; the department computes the 免申即享 list, confirms
it, and the enterprise sees the payout; anyone searches the public dictionary and matches a short profile
(nothing stored)."""
from __future__ import annotations

from playwright.sync_api import expect

from luoshi.org.services import person_create
from luoshi.policies import services
from luoshi.policies.models import EnterpriseAttribute, Payout
from luoshi.policies.tests.conftest import clause, enterprises, policy, vocab  # noqa: F401

from .helpers import watch

PASSWORD = "pw-123456"


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_enterprise_and_department_flow(transactional_db, live_server, cast, city, clause, enterprises, new_page):  # noqa: F811
    base = live_server.url
    e = enterprises["nearly"]
    boss = person_create(by=None, username="boss", full_name="王海燕", unit=None, email="boss@example.org")
    boss.set_password(PASSWORD)
    boss.save()
    services.enterprise_member_add(by=None, enterprise=e, person=boss)

    page = new_page()
    problems = watch(page)
    login(page, base, "boss")
    page.goto(f"{base}/policies/")
    expect(page.get_by_role("heading", name=e.name)).to_be_visible()
    nearly = page.locator("#nearly")
    expect(nearly).to_contain_text("研发投入占比 >= 3%")
    expect(nearly).to_contain_text("2.5%")
    page.get_by_label("研发投入占比").fill("3.6%")
    page.get_by_role("button", name="更新画像").click()
    expect(page.locator("#qualifies")).to_contain_text("研发投入奖励")
    assert EnterpriseAttribute.objects.get(enterprise=e, key="研发投入占比").source == "enterprise"

    dept = new_page()
    problems += watch(dept)
    login(dept, base, "liaison_dept")
    dept.goto(f"{base}/policies/clauses/{clause.pk}/")
    dept.get_by_label("兑现期间").fill("2026年度")
    dept.get_by_role("button", name="计算名单").click()
    expect(dept.locator("#batch-state")).to_have_text("待确认")
    expect(dept.locator("table")).to_contain_text(e.name)
    dept.get_by_role("button", name="确认名单并记录兑付").click()
    expect(dept.locator("#batch-state")).to_have_text("已兑付")
    paid = Payout.objects.get(enterprise=e, confirmed=True)
    assert dept.locator("#batch-total").inner_text().replace(",", "") == f"{paid.batch.total:.2f}"

    page.reload()
    row = page.get_by_role("row").filter(has_text=paid.period).last  # 已兑付: clause, period, amount, date
    expect(row).to_contain_text("研发投入奖励")
    assert f"{paid.amount:.2f}" in row.inner_text().replace(",", "")
    assert problems == []


def test_public_search_and_match(transactional_db, live_server, clause, new_page):  # noqa: F811
    page = new_page()
    problems = watch(page)
    page.goto(f"{live_server.url}/public/policies/")
    page.get_by_label("关键词").fill("研发")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("table")).to_contain_text("研发投入奖励")
    page.locator("input[name='注册地']").fill("崂山区")
    page.locator("select[name='企业规模']").select_option("小型")
    page.locator("input[name='上年营业收入']").fill("3000万元")
    page.locator("input[name='研发投入占比']").fill("2%")
    page.locator("select[name='失信']").select_option("否")
    page.get_by_role("button", name="匹配政策").click()
    expect(page.locator("#nearly")).to_contain_text("研发投入占比 >= 3%")
    assert problems == []


def test_policy_office_renames_a_declare_type_and_edits_a_policy(transactional_db, live_server, cast, clause,  # noqa: F811
                                                                 policy, new_page):  # noqa: F811
    base = live_server.url
    page = new_page()
    problems = watch(page)
    login(page, base, "office")
    page.goto(f"{base}/policies/vocabulary/")
    row = page.get_by_role("row").filter(has_text="奖励类").filter(has=page.locator("input[name='name']"))
    row.locator("input[name='name']").fill("奖励扶持类")
    row.get_by_role("button", name="保存").click()
    expect(page.locator("body")).to_contain_text("“奖励扶持类”已保存。")
    page.goto(f"{base}/policies/")
    expect(page.locator("table")).to_contain_text("奖励扶持类")
    page.goto(f"{base}/policies/policies/{policy.pk}/edit/")
    page.get_by_label("有效期起").fill("2026-12-31")
    page.get_by_label("有效期止").fill("2026-01-01")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("body")).to_contain_text("有效期止不能早于有效期起")
    assert problems == []
