"""The layout every signed-in page shares (base.html, core.context_processors): the header's links, the one marked
as the current page, the 消息 badge; and what an htmx partial does not pay for."""
from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rendered_every_time(settings):
    settings.LUOSHI_PAGE_CACHE = False


def header_links(html: str) -> dict[str, bool]:
    """{href: marked as the current page} of the main navigation."""
    nav = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', html, re.S).group(1)
    return {href: bool(current) for href, current in re.findall(r'<a href="([^"]+)"\s*(aria-current="page")?', nav)}


ALL_LINKS = ("inbox", "workbench", "cockpit", "instruction_list", "program_list", "ledger_index", "assess_index",
             "projects_index", "ideas_index", "procedures_index", "policies_index", "intake_index", "case_list",
             "bulletin_index", "unit_tree", "notifications", "portal_home", "pairings")


def menus(html: str) -> dict[str, list[str]]:
    """{menu label: [its links' hrefs]} of the header."""
    return {label: re.findall(r'<a href="([^"]+)"', body) for label, body in
            re.findall(r'<details class="navgroup"[^>]*>\s*<summary[^>]*>([^<]+)</summary>(.*?)</details>', html, re.S)}


@pytest.mark.parametrize("url_name,current", [
    ("workbench", "workbench"), ("program_list", "program_list"), ("ledger_index", "ledger_index"),
    ("assess_index", "assess_index"), ("ideas_index", "ideas_index"), ("intake_index", "intake_index"),
    ("unit_tree", None), ("notifications", None), ("inbox", "inbox"), ("cockpit", "cockpit"),
    ("instruction_list", "instruction_list"), ("projects_index", "projects_index"),
    ("procedures_index", "procedures_index"), ("policies_index", "policies_index"), ("case_list", "case_list"),
    ("bulletin_index", "bulletin_index"),
])
def test_header_marks_the_current_section(program, cast, client_for, url_name, current):
    html = client_for(cast["office"]).get(reverse(url_name)).content.decode()
    links = header_links(html)
    assert set(links) == {reverse(n) for n in ALL_LINKS} | {"/api/docs"}
    assert [href for href, on in links.items() if on] == ([reverse(current)] if current else [])
    assert f'action="{reverse("logout")}"' in html and f'action="{reverse("set_language")}"' in html
    if current and current != "inbox":  # the menu holding the current page is marked too
        marked = re.findall(r'<summary class="current">([^<]+)</summary>', html)
        assert len(marked) == 1 and reverse(current) in menus(html)[marked[0]]


def test_the_header_groups_the_apps_into_five_menus(program, cast, client_for):
    html = client_for(cast["office"]).get(reverse("inbox")).content.decode()
    assert {label: [href for href in hrefs] for label, hrefs in menus(html).items()} == {
        "工作": [reverse(n) for n in ("workbench", "program_list", "projects_index", "procedures_index", "instruction_list")],
        "督查": [reverse(n) for n in ("ledger_index", "cockpit", "bulletin_index", "case_list")],
        "考核": [reverse("assess_index")],
        "公开": [reverse(n) for n in ("intake_index", "ideas_index", "policies_index", "portal_home")],
        "管理": [reverse("unit_tree"), reverse("pairings"), "/api/docs"],
    }


@pytest.mark.parametrize("who,menus_seen,absent", [
    ("liaison_a", {"工作", "督查", "考核", "公开"}, ("cockpit", "bulletin_index", "ideas_index", "unit_tree")),
    ("leader", {"工作", "督查", "考核", "公开"}, ("unit_tree",)),
    ("evaluator", {"考核", "公开"}, ("workbench", "ledger_index", "intake_index", "policies_index")),
])
def test_each_person_sees_the_apps_they_have_a_role_in(program, cast, client_for, who, menus_seen, absent):
    html = client_for(cast[who]).get(reverse("inbox")).content.decode()
    seen = menus(html)
    assert set(seen) == menus_seen
    hrefs = {h for v in seen.values() for h in v}
    assert reverse("portal_home") in hrefs and not {reverse(n) for n in absent} & hrefs
    links = header_links(html)
    assert reverse("inbox") in links and reverse("notifications") in links  # everyone has 待办 and 消息


def test_a_person_without_a_role_sees_the_portal_only(city, client_for):
    from luoshi.org.services import person_create

    citizen = person_create(by=None, username="expert", full_name="钱专家", unit=None)
    html = client_for(citizen).get(reverse("inbox")).content.decode()
    assert menus(html) == {"公开": [reverse("portal_home")]}


def test_the_menus_cost_no_query_of_their_own(program, cast, client_for):
    """The menus read the scope the page's view computed already (cached on the user): a page renders with the same
    number of queries whether or not the header lists the menus."""
    from luoshi.core import context_processors

    c = client_for(cast["liaison_a"])
    c.get(reverse("program_list"))
    with CaptureQueriesContext(connection) as with_menus:
        c.get(reverse("program_list"))
    groups = context_processors.NAV_GROUPS
    try:
        context_processors.NAV_GROUPS = ()
        with CaptureQueriesContext(connection) as without:
            c.get(reverse("program_list"))
    finally:
        context_processors.NAV_GROUPS = groups
    assert len(with_menus.captured_queries) == len(without.captured_queries)


def test_the_menus_are_english_in_english(program, cast, client_for):
    c = client_for(cast["office"])
    html = c.get(reverse("inbox"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    c.cookies["django_language"] = "en"
    html = c.get(reverse("inbox")).content.decode()
    assert set(menus(html)) == {"Work", "Supervision", "Assessment", "Public", "Admin"}


def test_a_ledger_page_marks_the_ledger(program, cast, client_for):
    """Pages of the ledger app below the index (URL names ledger_…) mark 问题台账 too."""
    from luoshi.core.context_processors import nav_section

    class Match:
        app_name, url_name = "", "ledger_findings"

    class Request:
        resolver_match = Match()

    assert nav_section(Request()) == "ledger"
    Match.url_name = "assess_card"
    assert nav_section(Request()) == "assess"
    Match.url_name = "task_list"
    assert nav_section(Request()) == ""


def test_unread_badge_and_what_a_partial_does_not_count(program, cast, client_for):
    from luoshi.core.notify import notify_one

    c = client_for(cast["office"])
    assert '<b class="badge">' not in c.get("/").content.decode()
    for i in range(3):
        notify_one(recipient=cast["office"], kind="test", title=f"消息{i}", dedup_key=f"t{i}")
    assert '消息 <b class="badge">3</b>' in c.get("/").content.decode()
    with CaptureQueriesContext(connection) as ctx:
        partial = c.get("/programs/demo-2026/tasks/", HTTP_HX_REQUEST="true")
        queries = [q["sql"] for q in ctx.captured_queries]
    assert partial.status_code == 200 and "<header" not in partial.content.decode()
    # the badge is not shown, so it costs no statement: its count comes only inside the person's statement (one
    # index lookup there, ADR 0063), never as a statement of its own
    assert not any("core_notification" in q and "org_person" not in q for q in queries)


def test_a_get_on_a_submit_address_explains_itself(program, cast, client_for):
    """require_POST answers a GET with an empty 405: pages show what happened and a way back (issue #12 §4)."""
    client = client_for(cast["liaison_a"])
    response = client.get(f"/tasks/{program['task_a'].pk}/report/")
    html = response.content.decode()
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "这个地址只接受表单提交" in html and f'href="/tasks/{program["task_a"].pk}/"' in html
