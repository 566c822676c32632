"""The overview's 按牵头单位 table opens level by level in a real browser (htmx): ▸ on a street inserts the rows of
its communities once, and each number leads to the task list filtered the same way."""
import re

from playwright.sync_api import expect

from .test_task_flow import login


def test_a_street_opens_to_its_communities(transactional_db, live_server, program, city, cast, page):
    from luoshi.org.services import unit_create
    from luoshi.tasks import services

    community = unit_create(by=None, name="海青社区", kind="community", parent=city["street_a"])
    services.task_create(by=cast["office"], program=program["program"], data=services.TaskInput(
        title="社区垃圾分类", lead_units=[community], deadline_phrase="长期坚持"))
    base = live_server.url
    login(page, base, cast["office"].username)
    page.goto(f"{base}/programs/{program['program'].code}/")
    table = page.locator("#by-unit table")
    expect(table.get_by_role("link", name="海青社区")).to_have_count(0)
    street = table.locator("tr").filter(has=page.get_by_role("link", name="中韩街道", exact=True))
    expect(street.locator("td.num").last).to_have_text("2")
    street.get_by_title("展开下级单位").click()
    expect(table.get_by_role("link", name="海青社区")).to_have_count(1)
    street.get_by_title("展开下级单位").click()  # once: a second click adds nothing
    expect(table.get_by_role("link", name="海青社区")).to_have_count(1)
    row = table.locator("tr").filter(has=page.get_by_role("link", name="海青社区"))
    row.locator("td.num").last.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/tasks/\?unit={community.pk}&role=lead$"))
    expect(page.get_by_role("link", name=re.compile("社区垃圾分类"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("中韩街道老旧小区改造"))).to_have_count(0)
