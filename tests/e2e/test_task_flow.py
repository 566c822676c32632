"""One task from 签收 to 办结, clicked through in a real browser.

The liaison of street A signs for task_a, reports 100% with a PNG as evidence and asks to close it; the office
confirms the closure. A liaison of another street gets the 404 page for the same task. Real time is used
(no time travel: the live server runs in another thread), so task_a (deadline 6月底前 2026) may be overdue —
nothing here asserts on that.
"""
import re
import struct
import zlib

import pytest
from playwright.sync_api import expect

from .helpers import watch

PASSWORD = "pw-123456"
TASK_A_TITLE = "中韩街道老旧小区改造"
STREET_A = "中韩街道"
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def png_bytes(width=8, height=8, rgb=(200, 30, 30)) -> bytes:
    """A small but real PNG (signature, IHDR, IDAT, IEND with correct CRCs)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))




def login(page, base, username):
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # people with tasks land on the 工作台; people without any (e.g. an office with no program yet) on 待办
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/(inbox/)?$"))
    expect(page.get_by_role("heading", name=re.compile("^(工作台|待办)"), level=1)).to_be_visible()


def logout(page):
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("button", name="登录")).to_be_visible()


def card(page, heading):
    """The workbench/task-page card whose h2 starts with `heading`."""
    return page.locator("section.card").filter(
        has=page.get_by_role("heading", level=2, name=re.compile("^" + re.escape(heading))))


def acknowledge(page):
    page.get_by_role("button", name="签收", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(f"{STREET_A}已签收。")
    row = page.locator("table tr").filter(has=page.get_by_role("cell", name=STREET_A, exact=True))
    expect(row).to_contain_text(STAMP)
    expect(row).to_contain_text("周强")
    expect(row).not_to_contain_text("未签收")
    expect(page.get_by_role("button", name="签收", exact=True)).to_have_count(0)


def report_progress(page, text, evidence):
    form = page.locator("#report-form")
    form.get_by_label("进展情况").fill(text)
    form.get_by_label("完成进度（%）").fill("100")
    form.get_by_label(re.compile("^佐证材料")).set_input_files(str(evidence))
    form.get_by_role("button", name="提交进展").click()
    expect(page.get_by_role("status")).to_have_text("进展已报送。")
    record = card(page, "进展报送记录").locator("ol.timeline > li").first
    expect(record).to_contain_text(text)
    expect(record).to_contain_text("进度 100%")
    expect(record).to_contain_text(STREET_A)
    link = record.get_by_role("link", name=f"📎 {evidence.name}")
    expect(link).to_be_visible()
    return link


def test_liaison_reports_and_office_closes_task(transactional_db, live_server, program, cast, page, new_page,
                                               tmp_path):
    from luoshi.core.journal import JournalEntry
    from luoshi.tasks.models import ClosureRequest, ProgressReport, Task

    base = live_server.url
    task = program["task_a"]
    task_url = f"{base}/tasks/{task.pk}/"
    evidence = tmp_path / "现场照片.png"
    evidence.write_bytes(png_bytes())
    problems = watch(page)

    # -- the liaison of street A: 工作台 → 待签收 → task page
    login(page, base, cast["liaison_a"].username)
    page.wait_for_function("() => typeof window.htmx === 'object'")  # /static/vendor/htmx.min.js was served
    pending = card(page, "待签收")
    expect(pending).to_contain_text(TASK_A_TITLE)
    pending.get_by_role("link", name=re.compile(TASK_A_TITLE)).click()
    expect(page).to_have_url(task_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text(TASK_A_TITLE)

    # -- 签收
    acknowledge(page)

    # -- 报送进展 with a PNG as evidence
    link = report_progress(page, "已完成全部12栋楼的外墙保温和管网改造，居民满意。", evidence)
    download = page.request.get(base + link.get_attribute("href"))
    assert download.status == 200
    assert download.headers["content-type"] == "image/png"
    assert download.body() == evidence.read_bytes()
    expect(page.locator("dl.facts progress")).to_have_attribute("value", "100")

    # -- 申请办结
    page.locator("summary", has_text="申请办结").click()
    closure_form = page.locator("#closure-form")
    closure_form.get_by_label("办结情况").fill("改造工程已全部完工并通过验收。")
    closure_form.get_by_role("button", name="提交办结申请").click()
    expect(page.get_by_role("status")).to_have_text("办结申请已提交，等待督查室审核。")
    expect(page.get_by_role("heading", name="办结申请 · 待审核")).to_be_visible()
    expect(page.get_by_role("button", name="确认办结")).to_have_count(0)  # a liaison cannot decide
    logout(page)

    # -- the office: 待我审核 → task page → 确认办结
    login(page, base, cast["office"].username)
    review = card(page, "待我审核")
    expect(review).to_contain_text("办结申请")
    review.get_by_role("link", name=re.compile(TASK_A_TITLE)).click()
    expect(page).to_have_url(task_url)
    page.get_by_role("button", name="确认办结").click()
    expect(page.get_by_role("status")).to_have_text("已确认办结。")
    pill = page.locator(".pagehead .pill")
    expect(pill).to_have_text("已办结")
    expect(pill).to_have_class(re.compile(r"\bclosed\b"))
    expect(page.get_by_role("heading", name="办结申请 · 已同意")).to_be_visible()
    expect(page.locator("#report-form")).to_have_count(0)
    page.goto(f"{base}/")
    expect(card(page, "待我审核")).to_contain_text("没有待审核的申请。")
    page.goto(task_url)
    shot = tmp_path / "task-closed.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0
    print(f"\nscreenshot: {shot}")

    # -- a liaison of street B may not see task_a
    other = new_page()
    problems_b = watch(other)
    login(other, base, cast["liaison_b"].username)
    response = other.goto(task_url)
    assert response.status == 404
    expect(other.get_by_role("heading", name="404")).to_be_visible()
    expect(other.get_by_text("没有找到该任务，或您无权查看。")).to_be_visible()

    assert problems == [] and problems_b == []

    # -- the database agrees
    task = Task.objects.get(pk=task.pk)
    assert task.status == "closed"
    assert task.closed_at is not None and task.progress == 100
    reports = list(ProgressReport.objects.filter(task=task))
    assert len(reports) == 1
    assert reports[0].percent == 100 and reports[0].author == cast["liaison_a"]
    attachments = list(reports[0].attachments.all())
    assert [a.original_name for a in attachments] == [evidence.name]
    assert attachments[0].content_type == "image/png" and attachments[0].size == len(evidence.read_bytes())
    closure = ClosureRequest.objects.get(task=task)
    assert closure.state == "approved" and closure.decided_by == cast["office"]
    verbs = set(JournalEntry.objects.filter(object_type="tasks.task", object_id=str(task.pk))
                .values_list("verb", flat=True))
    assert {"task.acknowledge", "task.report", "task.closure_request", "task.closure_decide"} <= verbs


def test_liaison_reports_from_a_phone(transactional_db, live_server, program, cast, phone_page, tmp_path):
    from luoshi.tasks.models import ProgressReport

    page = phone_page
    base = live_server.url
    task = program["task_a"]
    evidence = tmp_path / "photo.png"
    evidence.write_bytes(png_bytes(16, 16, (30, 120, 200)))
    problems = watch(page)

    login(page, base, cast["liaison_a"].username)
    card(page, "待签收").get_by_role("link", name=re.compile(TASK_A_TITLE)).tap()
    expect(page).to_have_url(f"{base}/tasks/{task.pk}/")
    acknowledge(page)

    form = page.locator("#report-form")
    form.scroll_into_view_if_needed()
    box = form.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"report form overflows the phone screen: {box}"
    report_progress(page, "手机报送：一期工程完工。", evidence)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"task page scrolls sideways by {overflow}px at 390px wide"
    page.screenshot(path=str(tmp_path / "phone-report.png"), full_page=True)
    assert problems == []

    report = ProgressReport.objects.get(task=task)
    assert report.percent == 100 and report.attachments.count() == 1
