"""The task list's filter in a real browser: choosing a status asks htmx for the table alone, which replaces the
table in place (the header and the form stay), and the address bar follows."""
import re

from playwright.sync_api import expect

from .helpers import watch
from .test_task_flow import login


def test_status_filter_replaces_the_table_in_place(transactional_db, live_server, program, cast, page):
    from luoshi.tasks.models import Task

    Task.objects.filter(pk=program["task_b"].pk).update(status="red", status_reason="已逾期3天")
    Task.objects.exclude(pk=program["task_b"].pk).update(status="normal", status_reason="")
    base = live_server.url
    problems = watch(page)
    login(page, base, cast["office"].username)
    page.goto(f"{base}/programs/demo-2026/tasks/")
    page.wait_for_function("() => typeof window.htmx === 'object'")
    rows = page.locator("#task-table tbody tr")
    expect(rows).to_have_count(3)

    with page.expect_response(lambda r: "status=red" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_label("状态").select_option("red")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("沙子口街道渔港整治")
    expect(rows.first.locator("span.pill.red")).to_have_text("红灯")
    expect(rows.first).to_contain_text("已逾期3天")
    expect(page).to_have_url(re.compile(r"/programs/demo-2026/tasks/\?status=red(&q=)?$"))
    expect(page.locator("header.topbar")).to_have_count(1)  # the table alone came back, not a second page
    expect(page.get_by_label("状态")).to_have_value("red")

    page.get_by_label("关键词").fill("没有这样的任务")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_text("没有符合条件的任务。")
    assert problems == []
