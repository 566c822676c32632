"""Each role's first screen in a real browser (issue #12): the 待办 shows the item just created for that person, in
中文 and English, on a desktop and a phone; the navigation's badge is the count; a person with no task starts on
待办 instead of an empty task board; the page passes axe-core (no serious or critical violation) and does not
scroll sideways on a phone."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import PHONE
from .helpers import watch

PASSWORD = "pw-123456"
AXE = Path("/work/main/node_modules/axe-core/axe.min.js")
if not AXE.exists():
    AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
NEW_TASK = "海尔路口袋公园建设"


@pytest.fixture
def work(transactional_db, live_server, program, city, cast):
    """A task just created for street A (the liaison's to sign), and an extension request waiting for the office."""
    from luoshi.core import clock
    from luoshi.tasks import services

    year = clock.today().year
    new = services.task_create(by=cast["office"], program=program["program"], data=services.TaskInput(
        title=NEW_TASK, lead_units=[city["street_a"]], deadline_phrase=f"{year + 1}年6月底前"))
    dept_task = services.task_create(by=cast["office"], program=program["program"], data=services.TaskInput(
        title="政务服务“一网通办”", lead_units=[city["dept"]], deadline_phrase=f"{year + 1}年12月底前"))
    services.task_acknowledge(by=cast["liaison_dept"], task=dept_task)
    services.task_request_extension(by=cast["liaison_dept"], task=dept_task,
                                    new_deadline=dt.date(year + 2, 3, 31), reason="系统对接延后")
    return {"base": live_server.url, "new": new}


def login(page, base, username, language="zh-hans"):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(re.compile("用户名|Username")).fill(username)
    page.get_by_label(re.compile("密码|Password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("登录|Log in")).click()
    if language == "en":
        page.get_by_role("button", name="English").click()


def axe_check(page) -> list[str]:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE}")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})""")
    return [f"{v['impact']} {v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("viewport,language", [("desktop", "zh-hans"), ("phone", "en")])
def test_the_liaison_finds_the_new_task_on_their_inbox(work, new_page, viewport, language):
    base = work["base"]
    page = new_page(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True) if viewport == "phone" else new_page(bypass_csp=True)
    problems = watch(page)
    login(page, base, "liaison_a", language)
    nav = page.locator("nav.mainnav")
    link = nav.get_by_role("link", name=re.compile("待办|To do"))
    expect(link.locator(".badge")).to_have_text(re.compile(r"^\d+$"))  # filled in by htmx after the page loaded
    badge = int(link.locator(".badge").inner_text())
    if viewport == "phone":  # one row of links that scrolls by itself, not three rows above the page
        assert nav.bounding_box()["height"] < 60, nav.bounding_box()
    link.click()
    heading = "待办" if language == "zh-hans" else "To do"
    expect(page.get_by_role("heading", level=1, name=re.compile("^" + heading))).to_be_visible()
    section = page.locator("section[data-source='tasks.acknowledge']")
    expect(section.get_by_role("heading", level=2)).to_contain_text("待签收任务" if language == "zh-hans"
                                                                       else "Tasks to sign for")
    item = section.get_by_role("link", name=re.compile(NEW_TASK))
    expect(item).to_be_visible()
    counts = [int(x) for x in page.locator("section[data-source] [data-count]").all_inner_texts()]
    assert sum(counts) == badge
    assert not axe_check(page), axe_check(page)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the inbox scrolls sideways by {overflow}px"
    item.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(NEW_TASK)
    assert not problems, problems


def test_the_office_sees_the_extension_request(work, page):
    login(page, work["base"], "office")
    page.locator("nav.mainnav").get_by_role("link", name=re.compile("待办")).click()
    section = page.locator("section[data-source='tasks.extensions']")
    expect(section).to_contain_text("延期申请")
    expect(section).to_contain_text("区行政审批服务局")


def test_a_person_without_tasks_starts_on_the_inbox(work, page):
    login(page, work["base"], "outsider")
    expect(page).to_have_url(f"{work['base']}/inbox/")
    expect(page.get_by_text("没有待办事项")).to_be_visible()
    assert not axe_check(page), axe_check(page)


@pytest.fixture
def page(new_page):
    """axe-core is injected by the test, not served by the site: the context lets the test's script past the CSP."""
    return new_page(bypass_csp=True)
