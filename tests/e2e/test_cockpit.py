"""The cockpit (一屏观) and 批示 in the system Chromium: the leader's cockpit draws its ECharts charts from
static/vendor (no request leaves the test server), passes axe-core (no serious or critical WCAG 2 A/AA violation),
fits a phone without sideways scrolling, and a figure leads to a list of exactly that many rows; then a 批示 goes
round: the leader writes it on a task, the street's liaison answers, the leader closes it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from luoshi.ledger.tests.conftest import categories, findings, inspector, ledger_program  # noqa: F401

from .conftest import PHONE
from .helpers import watch

AXE = Path("/work/main/node_modules/axe-core/axe.min.js")
if not AXE.exists():
    AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
PASSWORD = "pw-123456"


@pytest.fixture
def site(transactional_db, live_server, city, cast, program, findings, travel):  # noqa: F811
    from luoshi.cockpit.services import snapshots_take

    with travel("2026-03-02"):
        for i, unit in enumerate(["street_a", "street_b", "street_a", "dept"]):
            findings.record(unit, f"督导发现的问题{i}")
        snapshots_take()
    return {"base": live_server.url}


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/")


def _axe(page) -> list:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})""")
    return [f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:3]]}" for v in result["violations"]
            if v["impact"] in SERIOUS]


def test_cockpit_draws_offline_is_accessible_and_numbers_lead_to_their_lists(site, new_page):
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE}")
    base = site["base"]
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        page = new_page(bypass_csp=True, viewport=viewport)
        problems = watch(page)
        outside = []
        page.on("request", lambda rq: outside.append(rq.url)
                if not rq.url.startswith((base, "data:", "about:", "blob:")) else None)
        login(page, base, "leader")
        page.goto(f"{base}{reverse('cockpit')}?period=year")
        expect(page.get_by_role("heading", name=re.compile("一屏观"))).to_be_visible()
        page.wait_for_function("() => document.querySelectorAll('.cp-canvas svg').length > 0")
        assert page.locator(".cp-canvas svg").count() == page.locator(".cp-canvas").count()
        assert not _axe(page), _axe(page)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"scrolls sideways by {overflow}px"
        found = page.locator("#panel-ledger .cp-fig").filter(has_text="发现问题")
        value = found.locator(".cp-value").inner_text().strip()
        found.locator("a").click()
        expect(page.get_by_role("heading", name=re.compile(f"共 {value} 项"))).to_be_visible()
        assert page.locator("table.drill tbody tr").count() == int(value)
        page.goto(f"{base}{reverse('cockpit')}?screen=1")
        assert page.locator('meta[http-equiv="refresh"]').count() == 1
        page.wait_for_function("() => document.querySelectorAll('.cp-canvas svg').length > 0")
        assert not outside, outside
        assert not problems, problems


def test_an_instruction_goes_round(site, new_page, program, city):
    base = site["base"]
    leader = new_page(bypass_csp=True)
    login(leader, base, "leader")
    leader.goto(f"{base}{reverse('instruction_new')}?target=tasks.task:{program['task_a'].pk}")
    expect(leader.get_by_label("中韩街道")).to_be_checked()
    leader.get_by_label("批示内容").fill("请本周五前报送推进措施和时间节点。")
    leader.get_by_role("button", name="发出批示").click()
    expect(leader.get_by_text("批示已发出")).to_be_visible()
    url = leader.url
    liaison = new_page(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)
    login(liaison, base, "liaison_a")
    liaison.goto(f"{base}{reverse('instruction_list')}?tab=todo")
    liaison.get_by_role("link", name=re.compile("老旧小区改造")).click()
    liaison.get_by_label("落实情况").fill("已召开专题会，制定计划，下周起每周报送进展。")
    liaison.get_by_role("button", name="提交回复").click()
    expect(liaison.get_by_text("已回复，批示人会收到通知。")).to_be_visible()
    assert liaison.get_by_role("button", name="办结").count() == 0
    leader.goto(url)
    expect(leader.get_by_text("已召开专题会")).to_be_visible()
    leader.get_by_role("button", name="办结").click()
    expect(leader.get_by_text("批示已办结。")).to_be_visible()
