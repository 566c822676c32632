"""Each role's first screen in a real browser (issue #12 §1/§4/§7), beyond the liaison and the office of
test_inbox_roles: the dispatcher, the evaluator and the leader each find on 待办 the item just created for them, in
中文 on a desktop and in English on a phone; every page of the walk passes axe-core (no serious or critical
violation); the header is one row on a phone whose 菜单 opens the person's menus; the unit picker is keyboard-usable."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from luoshi.assessment.tests.conftest import assess, scheme  # noqa: F401
from luoshi.intake.tests.conftest import dispatcher, intake, req  # noqa: F401

from .conftest import PHONE
from .helpers import watch
from .test_inbox_roles import axe_check, login

LAMP = "沙子口街道南姜路段路灯不亮"


@pytest.fixture
def items(transactional_db, live_server, program, city, cast, req, assess):  # noqa: F811
    """For the dispatcher a request to dispatch, for the evaluator a round to score, for the leader a reply to their
    instruction on a task."""
    from luoshi.instructions import services as instructions

    req.submit(LAMP, area="street_b")
    rnd = assess.round(name="2026年11月", start="2026-11-01", end="2026-11-30")
    note = instructions.instruction_create(by=cast["leader"], target=f"tasks.task:{program['task_a'].pk}",
                                           text="请加快进度，月底前报送。", units=[city["street_a"]], deadline=None)
    instructions.instruction_reply(by=cast["liaison_a"], instruction=note, unit=city["street_a"],
                                   text="已组织施工，月底前完成。")
    return {"base": live_server.url, "round": rnd}


ROLES = {  # who → (their inbox source, text the item shows)
    "dispatcher": ("intake.dispatch", LAMP[:8]),
    "evaluator": ("assess.score", "2026年11月"),
    "leader": ("instructions.review", "请加快进度"),
}


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("viewport,language", [("desktop", "zh-hans"), ("phone", "en")])
def test_each_role_finds_the_new_item_on_their_inbox(items, new_page, who, viewport, language):
    source, text = ROLES[who]
    phone = viewport == "phone"
    page = new_page(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True) if phone else new_page(bypass_csp=True)
    problems = watch(page)
    login(page, items["base"], who, language)
    nav = page.locator("nav.mainnav")
    if phone:
        assert nav.bounding_box()["height"] < 60, nav.bounding_box()
    nav.get_by_role("link", name=re.compile("待办|To do")).click()
    expect(page.get_by_role("heading", level=1, name=re.compile("待办|To do"))).to_be_visible()
    section = page.locator(f"section[data-source='{source}']")
    item = section.get_by_role("link", name=re.compile(re.escape(text))).first
    expect(item).to_be_visible()
    assert not axe_check(page), (who, axe_check(page))
    item.click()
    page.wait_for_load_state("load")
    assert not axe_check(page), (who, page.url, axe_check(page))
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
    assert not problems, problems


def test_the_phone_menu_opens_the_persons_menus(items, new_page):
    page = new_page(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)
    login(page, items["base"], "evaluator")
    nav = page.locator("nav.mainnav")
    menu = nav.get_by_role("button", name="菜单")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="考核测评")).to_be_hidden()
    menu.tap()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="考核测评")).to_be_visible()
    expect(nav.get_by_role("link", name="阳光公开")).to_be_visible()
    expect(nav.get_by_role("link", name="问题台账")).to_have_count(0)  # an evaluator has no ledger work
    assert not axe_check(page), axe_check(page)


def test_desktop_menus_open_by_keyboard(items, page):
    login(page, items["base"], "office")
    work = page.locator("details.navgroup[data-group='supervise'] summary")
    work.focus()
    page.keyboard.press("Enter")
    link = page.locator("nav.mainnav").get_by_role("link", name="问题台账")
    expect(link).to_be_visible()
    page.keyboard.press("Escape")
    expect(link).to_be_hidden()


def test_the_unit_picker_is_keyboard_usable(items, city, page):
    from luoshi.org.services import unit_create

    unit_create(by=None, name="区财政局", kind="department", parent=city["district"])
    unit_create(by=None, name="区财政局", kind="department", parent=city["other_district"])
    login(page, items["base"], "office")
    page.goto(f"{items['base']}/programs/demo-2026/tasks/new/")
    box = page.get_by_role("combobox", name=re.compile("牵头单位"))
    box.fill("中韩街道、区财政")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(2)
    expect(options.filter(has_text="崂山区")).to_have_count(1)  # each 区财政局 shown with its district
    expect(options.filter(has_text="市南区")).to_have_count(1)
    box.press("ArrowDown")
    if "崂山区" not in page.locator("li[aria-selected=true]").inner_text():
        box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", re.compile("id_lead_units-options-"))
    box.press("Enter")
    expect(box).to_have_value("中韩街道、崂山区>区财政局")
    expect(page.get_by_role("listbox")).to_be_hidden()
    assert not axe_check(page), axe_check(page)


@pytest.fixture
def page(new_page):
    """axe-core is injected by the test, not served by the site: the context lets the test's script past the CSP."""
    return new_page(bypass_csp=True)
