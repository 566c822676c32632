"""The public key-project pages: accessible (axe-core, WCAG 2.1 AA, serious/critical), no sideways scrolling at
390px, nothing loaded from outside, and only what is published."""
import datetime as dt

import pytest
from django.urls import reverse

from luoshi.projects.tests.conftest import proj  # noqa: F401 - the fixture

from .conftest import PHONE
from .helpers import watch
from .test_public_a11y import AXE, SERIOUS, _readable


@pytest.fixture
def site(transactional_db, live_server, proj, cast, travel):  # noqa: F811
    from luoshi.core.presets import preset_path
    from luoshi.projects import challenges as ch, services

    with travel("2026-03-01"):
        services.project_publish(by=proj["city_office"], project=proj["a"], public=True, summary="年产智能装备10万台")
        services.public_update(by=proj["city_office"], project=proj["a"], text="一季度完成主体结构")
        c = ch.challenge_create(by=proj["city_office"], owner_unit=proj["ndrc"], title="拿地即开工改革", problem="审批慢",
                                goals="30日内开工", apply_until=dt.date(2099, 3, 31), review_until=dt.date(2099, 4, 15),
                                scheme_text=preset_path("jiebang-pingshen").read_text(encoding="utf-8"))
        ch.challenge_publish(by=proj["city_office"], challenge=c)
    return {"base": live_server.url, "pages": {
        "首页": reverse("portal_home"), "重点项目": reverse("projects_public"),
        "项目": reverse("projects_public_detail", args=[proj["a"].pk]),
        "榜单": reverse("projects_public_challenge", args=[c.pk])}}


def test_public_project_pages(site, new_page):
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE}")
    base = site["base"]
    page = new_page(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    problems = watch(page)
    outside, failures = [], []
    page.on("request", lambda rq: outside.append(rq.url)
            if not rq.url.startswith((base, "data:", "about:", "blob:")) else None)
    for label, path in site["pages"].items():
        response = page.goto(base + path)
        assert response is not None and response.status == 200, label
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})""")
        bad = [v for v in result["violations"] if v["impact"] in SERIOUS]
        if bad:
            failures.append(f"== {label}\n{_readable(bad)}")
        if page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") > 0:
            failures.append(f"== {label}: scrolls sideways at 390px")
    page.goto(base + site["pages"]["重点项目"])
    body = page.content()
    assert "崂山智能装备产业园" in body and "崂山湾康养中心" not in body and "拿地即开工改革" in body
    assert not outside and not failures, "\n".join(outside + failures)
    assert not problems, problems
