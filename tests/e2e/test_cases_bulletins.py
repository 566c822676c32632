"""The case library and a 工作动态, clicked through in the system Chromium.

The liaison of 中韩街道 writes a case and recommends it (单位自荐); the office scores it against the scheme, puts it
in the library and publishes it; a visitor finds it on the public site by a Chinese phrase. The office then sets
up a 工作动态, makes an issue, adds the case to it, 签发 and downloads the Word file. The staff and public pages
pass axe-core (no serious or critical violation) and no request leaves the test server."""
import io
import re
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import expect

from .helpers import nav_to, watch
from .test_task_flow import login

AXE = Path("/work/main/node_modules/axe-core/axe.min.js")
if not AXE.exists():
    AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def axe_problems(page) -> list[str]:
    if not AXE.exists():
        return []
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}, resultTypes: ['violations']})""")
    return [f"{page.url} {v['id']}: {v['help']} {[n['html'][:120] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture
def site(transactional_db, live_server, cast, city):
    return {"base": live_server.url}


def test_case_from_draft_to_portal_and_into_a_bulletin(site, new_page):
    base = site["base"]
    outside: list[str] = []
    a11y: list[str] = []

    def page_for():
        p = new_page(bypass_csp=True)
        p.on("request", lambda rq: outside.append(rq.url)
             if not rq.url.startswith((base, "data:", "about:", "blob:")) else None)
        return p

    # the liaison writes and recommends
    page = page_for()
    problems = watch(page)
    login(page, base, "liaison_a")
    nav_to(page, "典型案例")
    a11y += axe_problems(page)
    page.get_by_role("link", name="填报案例").click()
    page.get_by_label("案例名称").fill("老旧小区加装电梯“一次协商”工作法")
    page.get_by_label("牵头单位").select_option(label="中韩街道")
    page.get_by_label("摘要").fill("一次性协商解决加装电梯出资和低层补偿。")
    page.get_by_label("解决的问题").fill("低层住户反对多，协商反复、久拖不决。")
    page.get_by_label("主要做法").fill("社区议事会一次性召集全体业主，第三方评估低层影响。")
    page.get_by_label("成效数据").fill("新加装电梯｜很多｜部")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("第 1 条成效数据的数值“很多”不是数字")).to_be_visible()
    page.get_by_label("成效数据").fill("新加装电梯｜48｜部")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1, name="老旧小区加装电梯“一次协商”工作法")).to_be_visible()
    a11y += axe_problems(page)
    page.get_by_label("推荐方式").select_option(label="单位自荐")
    page.get_by_role("button", name="推荐", exact=True).click()
    expect(page.get_by_text("待审核", exact=True)).to_be_visible()

    # the office reviews and publishes
    office = page_for()
    problems += watch(office)
    login(office, base, "office")
    office.goto(page.url)
    for label, value in (("首创性", "25"), ("实际成效", "30"), ("可复制推广", "20"), ("材料完整", "8")):
        office.get_by_label(re.compile("^" + label)).fill(value)
    office.get_by_label("入库", exact=True).check()
    office.get_by_role("button", name="提交审核").click()
    expect(office.get_by_text("已入库", exact=True)).to_be_visible()
    office.get_by_role("button", name="在公开网站发布").click()
    expect(office.get_by_text("已公开", exact=True)).to_be_visible()
    case_url = office.url

    # a visitor finds it by a phrase in another order
    visitor = page_for()
    visitor.goto(f"{base}/public/cases/?q=电梯 协商")
    visitor.get_by_role("link", name="老旧小区加装电梯“一次协商”工作法").click()
    expect(visitor.get_by_role("cell", name="48部")).to_be_visible()
    a11y += axe_problems(visitor)

    # the office puts it in a 工作动态 and issues it
    nav_to(office, "定期通报")
    office.get_by_role("link", name="新建定期通报").click()
    office.get_by_label("刊物名称").fill("崂山区鼓励创新工作动态")
    office.get_by_label("类型").select_option(label="工作动态/工作专刊")
    office.get_by_label("编发单位").select_option(label="崂山区")
    office.get_by_role("button", name="创建").click()
    office.get_by_role("button", name="编发新一期").click()
    office.get_by_label("栏目来源").select_option(label="典型案例（编号）")
    office.get_by_label("编号或代码").fill(case_url.rstrip("/").rsplit("/", 1)[-1])
    office.get_by_role("button", name="添加").click()
    expect(office.get_by_label("标题", exact=True).first).to_have_value("老旧小区加装电梯“一次协商”工作法")
    a11y += axe_problems(office)
    office.get_by_role("button", name="签发").click()
    expect(office.get_by_text("已签发，已通知接收人。")).to_be_visible()
    with office.expect_download() as dl:
        office.get_by_role("link", name="DOCX").click()
    doc = Document(io.BytesIO(Path(dl.value.path()).read_bytes()))
    assert "老旧小区加装电梯“一次协商”工作法" in [p.text for p in doc.paragraphs]

    assert not outside, outside
    assert not problems, problems
    assert not a11y, "\n".join(a11y)
