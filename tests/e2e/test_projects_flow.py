"""Key projects in a real browser: a unit reports its project's 开工 and the month's investment with evidence; the
office sees 开工率 change on the figures page, and follows the number to the list behind it. Another street's
liaison gets the 404 page for the project. Real time (the live server runs in another thread): the fixture's
projects were set up in early 2026, so the figures page (this quarter) counts all four as due to start."""
import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from .helpers import watch
from luoshi.projects.tests.conftest import proj  # noqa: F401 - the fixture

from .test_task_flow import PASSWORD, png_bytes


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


@pytest.fixture
def ready(transactional_db, live_server, proj, cast, travel):
    from luoshi.projects import services

    with travel("2026-02-05"):
        for phase, day in (("sign", dt.date(2026, 1, 20)), ("land", dt.date(2026, 2, 1))):
            services.phase_report(by=cast["liaison_a"], project=proj["a"], phase=phase, on=day, text="已完成")
    return proj


def test_a_unit_reports_and_the_office_sees_the_start_rate_change(ready, cast, live_server, new_page):
    base = live_server.url
    proj = ready
    code = proj["program"].code
    office = new_page()
    problems = watch(office)
    login(office, base, "city_office")
    office.goto(f"{base}/projects/{code}/figures/")
    expect(office.locator("#start-rate")).to_have_text("0.0%")
    # the charts are drawn (SVG, from static/vendor) with their tables under them
    for chart in ("chart-rates", "chart-lights", "chart-investment"):
        expect(office.locator(f"div#{chart} svg")).to_be_visible()
    expect(office.locator(".cp-data")).to_have_count(3)

    unit = new_page()
    problems += watch(unit)
    login(unit, base, "liaison_a")
    unit.goto(f"{base}/projects/")
    unit.get_by_role("link", name="崂山智能装备产业园").click()
    phase_form = unit.locator("#phase-form")
    phase_form.get_by_label("阶段").select_option(label="开工")
    phase_form.get_by_label("情况说明").fill("主体工程开工")
    phase_form.get_by_label("佐证材料").set_input_files(
        [{"name": "开工现场.png", "mimeType": "image/png", "buffer": png_bytes()}])
    phase_form.get_by_role("button", name="报送阶段进展").click()
    expect(unit.get_by_text("已报送阶段进展。")).to_be_visible()
    month_form = unit.locator("#month-form")
    month_form.get_by_label("完成投资（万元）").fill("1500")
    month_form.get_by_label("说明").fill("土建与设备款")
    month_form.get_by_label("佐证材料").set_input_files(
        [{"name": "投资凭证.png", "mimeType": "image/png", "buffer": png_bytes(rgb=(30, 90, 200))}])
    month_form.get_by_role("button", name="报送月度投资").click()
    expect(unit.get_by_text(re.compile(r"已报送 \d{4}-\d{2} 完成投资 1500 万元"))).to_be_visible()
    expect(unit.get_by_role("link", name="投资凭证.png").first).to_be_visible()

    office.reload()
    expect(office.locator("#start-rate")).to_have_text("25.0%")  # 1 of the 4 due has started
    office.locator("#totals").get_by_role("link", name="1", exact=True).first.click()
    expect(office.locator("#projects tbody tr")).to_have_count(1)
    expect(office.locator("#projects")).to_contain_text("崂山智能装备产业园")

    other = new_page()
    login(other, base, "liaison_b")
    response = other.goto(f"{base}/projects/p/{proj['a'].pk}/")
    assert response.status == 404
    assert problems == []


def test_the_figures_page_reads_on_a_phone(ready, live_server, new_page):
    """At 390 px the three charts stack, each canvas fits the screen, and the page does not scroll sideways (the wide
    table scrolls inside its own box)."""
    from .conftest import PHONE

    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    problems = watch(page)
    login(page, live_server.url, "city_office")
    page.goto(f"{live_server.url}/projects/{ready['program'].code}/figures/")
    for chart in ("chart-rates", "chart-lights", "chart-investment"):
        expect(page.locator(f"div#{chart} svg")).to_be_visible()
        box = page.locator(f"div#{chart}").bounding_box()
        assert box is not None and box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert problems == []
