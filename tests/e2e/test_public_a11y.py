"""Accessibility and self-containment of the public site (阳光公开) on a phone (390×844) in the system Chromium.

Every public page — home, 公开通报 (list, program, task), 民生实事 (list, timeline), 曝光台 (list, detail), 考核排名
(list, round), 办理查询 (empty, a request found, a code not found) and, when the intake and ideas apps provide
them, the request form and the idea form and list — is checked with axe-core (WCAG 2 A and AA rules): no
violation of impact "serious" or "critical". Every request the pages make goes to the test server only (no CDN,
no web font), and no page scrolls sideways.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from luoshi.assessment.tests.conftest import assess, scheme, second_evaluator  # noqa: F401
from luoshi.intake.tests.conftest import dispatcher, intake, req  # noqa: F401
from luoshi.ledger.tests.conftest import categories, findings, inspector, ledger_program  # noqa: F401
from luoshi.ledger.tests.fixtures_ledger import *  # noqa: F401,F403
from luoshi.portal.tests.conftest import published  # noqa: F401
from luoshi.portal.tests.test_exposure import exposure  # noqa: F401

from .conftest import PHONE
from .helpers import watch

AXE = Path("/work/main/node_modules/axe-core/axe.min.js")
if not AXE.exists():
    AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


@pytest.fixture
def public_site(transactional_db, live_server, published, exposure, assess, req, travel):  # noqa: F811
    """Published programs, a 民生实事 with a timeline and ratings, published findings, a published assessment
    round, and a replied request to look up."""
    from luoshi.portal import services as portal

    with travel("2026-02-02"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {"A1": "18", "A3": "3", "B1": "良"}, "street_b": {"B2": "80"},
                               "dept": {"A2": "不达标"}})
        rnd = assess.publish(rnd, note="首次公布")
    for i, score in enumerate([5, 4, 4, 3, 1]):
        portal.rating_submit(task_id=published["canteen"].pk, score=score, rater_key=f"visitor-{i}")
    r = req.submit("中韩街道海尔路路灯不亮好几天了", name="李明", phone="13812345678")
    req.dispatch(r)
    req.sign(r)
    req.reply(r, text="已更换灯泡，路灯恢复照明。")
    r.refresh_from_db()
    pages = {
        "首页": reverse("portal_home"),
        "公开通报": reverse("portal_programs"),
        "专项工作": reverse("portal_program", args=[published["program"].pk]),
        "公开任务": reverse("portal_task", args=[published["program"].pk, published["task_a"].pk]),
        "民生实事": reverse("portal_shishi"),
        "实事时间线": reverse("portal_shishi_detail", args=[published["canteen"].pk]),
        "曝光台": reverse("portal_exposure"),
        "曝光详情": reverse("portal_exposure_detail", args=[exposure["closed"].pk]),
        "考核排名": reverse("portal_assess"),
        "考核期次": reverse("portal_assess_round", args=[rnd.pk]),
        "办理查询": reverse("portal_track"),
        "查询结果": reverse("portal_track") + f"?code={r.tracking_code}",
        "查询无结果": reverse("portal_track") + "?code=ZZZZZZZZZZ",
    }
    for label, name in (("我要反映", "portal_request_new"), ("金点子", "portal_ideas"), ("提建议", "portal_idea_new")):
        pages[label] = reverse(name)
    return {"base": live_server.url, "pages": pages}


def _readable(violations) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
            lines.append(f"      {node['html'][:160]}")
    return "\n".join(lines)


def test_public_pages_are_accessible_and_self_contained(public_site, new_page):
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (npm ci installs it from package-lock.json)")
    base = public_site["base"]
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2,
                    bypass_csp=True)  # axe-core is injected by the test, not served by the site (CSP)
    problems = watch(page)
    outside = []
    page.on("request", lambda rq: outside.append(rq.url)
            if not rq.url.startswith((base, "data:", "about:", "blob:")) else None)
    failures = []
    for label, path in public_site["pages"].items():
        response = page.goto(base + path)
        assert response is not None and response.status in (200, 404), f"{label} {path}: {response and response.status}"
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations']})""")
        bad = [v for v in result["violations"] if v["impact"] in SERIOUS]
        if bad:
            failures.append(f"== {label} {path}\n{_readable(bad)}")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            failures.append(f"== {label} {path}: scrolls sideways by {overflow}px at 390px wide")
        lang = page.evaluate("() => document.documentElement.lang")
        if lang != "zh-Hans":
            failures.append(f"== {label} {path}: lang={lang!r}")
    assert not outside, "requests outside the test server:\n" + "\n".join(outside)
    assert not failures, "accessibility problems:\n" + "\n\n".join(failures)
    assert not problems, problems


def test_rating_works_without_javascript(public_site, new_page):
    """The rating form is a plain form: with JavaScript off, a visitor rates a 民生实事 and sees the result."""
    from luoshi.portal.models import PublicRating

    base = public_site["base"]
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    before = PublicRating.objects.count()
    page.goto(base + public_site["pages"]["实事时间线"])
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("意见（选填").fill("食堂饭菜可口，价格实惠")
    page.get_by_role("button", name="提交评价").click()
    assert page.locator("#rating").get_by_text("您已评价过这一事项").count() == 1
    assert page.get_by_text("感谢您的评价！").count() == 1
    assert PublicRating.objects.count() == before + 1
    # the tracking page too: type a code, press the button
    page.goto(base + public_site["pages"]["办理查询"])
    page.get_by_label("查询码").fill("ZZZZZZZZZZ")
    page.get_by_role("button", name="查询").click()
    assert page.get_by_text("没有找到该查询码").count() == 1
