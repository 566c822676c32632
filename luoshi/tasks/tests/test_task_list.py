"""The task list page (tasks/_task_table.html fed with plain values): what each row says, in both languages,
escaped; the htmx partial; paging."""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.text import Truncator

from luoshi.tasks import services
from luoshi.tasks.warnings import warnings_run

LIST_URL = "/programs/demo-2026/tasks/"
LONG_TITLE = "一个很长的任务标题" * 10


@pytest.fixture(autouse=True)
def _rendered_every_time(settings):
    """What these tests count is the rendering (harmless once the page cache is gone)."""
    settings.LUOSHI_PAGE_CACHE = False


@pytest.fixture(autouse=True)
def _restore_language():
    """A request activates its language for the whole thread; put the default back afterwards."""
    yield
    translation.deactivate()


def rows_of(page: str) -> list[list[str]]:
    """The table's body rows as lists of cell HTML."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S) for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def row_for(rows, code: str) -> list[str]:
    found = [r for r in rows if r[0] == code]
    assert len(found) == 1, f"no single row with code {code}: {[r[0] for r in rows]}"
    return found[0]


@pytest.fixture
def listed(program, city, cast, travel):
    """task 1 (task_a) extended to 8月31日, task 4 with a long title, a category and three subtasks (on 2026-07-02
    one red, overdue, and two on track), task 5 with markup in its title and lead unit."""
    from luoshi.org.services import unit_create

    with travel("2026-01-10"):
        odd = unit_create(by=None, name="科技&创新<局>", kind="department", parent=city["district"])
        parent = services.task_create(by=cast["office"], program=program["program"], data=services.TaskInput(
            title=LONG_TITLE, category="一、助企服务", lead_units=[city["street_a"], city["dept"]],
            leaders=[cast["leader"]], deadline_phrase="10月底前"))
        for i, phrase in enumerate(["2月5日前", "12月底前", "长期坚持"]):
            services.task_create(by=cast["office"], program=program["program"], data=services.TaskInput(
                title=f"子任务{i}", lead_units=[city["street_b"]], deadline_phrase=phrase, parent=parent))
        markup = services.task_create(by=cast["office"], program=program["program"], data=services.TaskInput(
            title='<script>alert("x")</script> & 整治', lead_units=[odd], deadline_phrase="9月底前"))
        task_a = program["task_a"]
        task_a.extended_deadline = dt.date(2026, 8, 31)
        task_a.save()
    children = list(parent.children.order_by("sort_order"))
    with travel("2026-06-30"):  # the two later subtasks report on time: on track
        for child in children[1:]:
            services.task_acknowledge(by=cast["liaison_b"], task=child)
            services.task_report_progress(by=cast["liaison_b"], task=child, text="进展", percent=60)
    with travel("2026-07-02"):
        warnings_run(notify=False)
    for task in [parent, *children]:
        task.refresh_from_db()
    return {"parent": parent, "markup": markup, "children": children}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_rows_say_what_the_tasks_are(listed, program, cast, client_for, travel, language):
    c = client_for(cast["office"])
    if language == "en":
        assert c.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    with travel("2026-07-02"):
        page = c.get(LIST_URL).content.decode()
    en = language == "en"
    rows = rows_of(page)
    assert len(rows) == 3 + 1 + 3 + 1

    parent = listed["parent"]
    code, title, units, leaders, deadline, progress, status = row_for(rows, parent.code)
    with translation.override(language):  # truncatechars:60, with the language's ellipsis
        assert f'<a href="/tasks/{parent.pk}/">{Truncator(LONG_TITLE).chars(60)}</a>' in title
    assert LONG_TITLE[:50] in title and LONG_TITLE not in title
    assert '<br><small class="muted">一、助企服务</small>' in title
    rollup = re.search(r'<small class="rollup">(.*?)</small>', title).group(1)
    # the three subtasks: one due 2月5日 (red on 2026-07-02, no report), two on track
    assert re.sub(r"\s+", " ", rollup) == (
        'Subtasks: <span class="r">1 Red</span> 2 On track' if en else '子任务：<span class="r">1 红灯</span> 2 正常')
    assert units == "中韩街道、区行政审批服务局"
    assert leaders == "王立新"
    assert deadline == "10月底前"
    assert progress == ('<progress max="100" value="0" aria-label="Progress">0%</progress> 0%' if en
                        else '<progress max="100" value="0" aria-label="进度">0%</progress> 0%')

    child = row_for(rows, listed["children"][0].code)
    assert child[1].startswith('<span class="muted">↳ </span><a href="/tasks/')
    assert "<small" not in child[1]  # a subtask shows no category or roll-up
    pill = re.match(r'<span class="pill red" title="([^"]+)">([^<]+)</span><br><small class="muted">([^<]+)</small>',
                    child[6])
    assert pill, child[6]
    assert pill.group(2) == ("Red" if en else "红灯")
    stored = listed["children"][0].status_reason  # stored in Chinese, shown in the reader's language (core.reasons)
    assert pill.group(1) == pill.group(3) == (f"{stored.removeprefix('已逾期').removesuffix('天')} days overdue" if en
                                              else stored) != ""

    task_a = row_for(rows, program["task_a"].code)
    assert task_a[4] == ("6月底前<br><small>extended to 2026-08-31</small>" if en
                         else "6月底前<br><small>延至2026-08-31</small>")

    markup = row_for(rows, listed["markup"].code)
    assert "<script" not in page.split("<tbody>", 1)[1]
    assert html.unescape(re.search(r">(.*?)</a>", markup[1]).group(1)) == '<script>alert("x")</script> & 整治'
    assert markup[2] == "科技&amp;创新&lt;局&gt;"


def test_htmx_request_gets_the_table_alone(listed, program, cast, client_for, travel):
    c = client_for(cast["office"])
    with travel("2026-07-02"):
        full = c.get(LIST_URL, {"status": "red"})
        partial = c.get(LIST_URL, {"status": "red"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-table")
    page, table = full.content.decode(), partial.content.decode()
    assert "<html" in page and "<html" not in table
    assert table.lstrip().startswith('<table class="table tasks">')
    assert rows_of(table) == rows_of(page) != []
    assert {r[6].split('"')[1] for r in rows_of(table)} == {"pill red"}
    # the filter form keeps what was asked for
    assert '<option value="red" selected>' in page and '<option value="" selected>' not in page


def test_filters_and_empty_list(listed, program, cast, client_for, travel):
    c = client_for(cast["liaison_a"])
    with travel("2026-07-02"):
        page = c.get(LIST_URL, {"q": "没有这个词", "mine": "on"}).content.decode()
        office = client_for(cast["office"]).get(LIST_URL).content.decode()
    assert rows_of(page) == [['没有符合条件的任务。']]
    assert 'value="没有这个词"' in page
    assert '<input type="checkbox" name="mine" id="id_mine" checked>' in page
    assert 'name="mine"' not in office  # only a liaison may narrow to their own units


def counts_of_tasks(queries) -> int:
    return sum(q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "tasks_task"') for q in queries)


def _add_tasks(n, program, city, cast, travel):
    """`n` tasks led by street A, made by the office (enough for several pages)."""
    with travel("2026-01-10"):
        for i in range(n):
            services.task_create(by=cast["office"], program=program["program"], data=services.TaskInput(
                title=f"批量任务{i}", lead_units=[city["street_a"]], deadline_phrase="10月底前"))


def test_pages_and_what_is_counted(program, city, cast, client_for, travel):
    _add_tasks(60, program, city, cast, travel)
    c = client_for(cast["office"])
    c.get(LIST_URL)
    with CaptureQueriesContext(connection) as ctx:
        page1 = c.get(LIST_URL).content.decode()
        first = list(ctx.captured_queries)  # the next request empties the log
    page2 = c.get(LIST_URL, {"page": 2}).content.decode()
    past = c.get(LIST_URL, {"page": 99}).content.decode()
    assert len(rows_of(page1)) == 50 and len(rows_of(page2)) == 13
    assert "第 1 / 2 页，共 63 项" in page1 and "第 2 / 2 页，共 63 项" in page2
    assert rows_of(past) == rows_of(page2)
    # a full first page's total comes from the maintained tallies (no COUNT over the tasks); a list that fits on
    # one page is not counted at all; a filter the tallies do not keep (text) is counted when it fills a page
    assert counts_of_tasks(first) == 0 and any("tasks_tasktally" in q["sql"] for q in first)
    with CaptureQueriesContext(connection) as ctx:
        searched = c.get(LIST_URL, {"q": "批量任务"}).content.decode()
        queries = list(ctx.captured_queries)
    assert "第 1 / 2 页，共 60 项" in searched and counts_of_tasks(queries) == 1
    with CaptureQueriesContext(connection) as ctx:
        short = c.get(LIST_URL, {"q": "批量任务1"}).content.decode()
        queries = list(ctx.captured_queries)
    assert len(rows_of(short)) == 11  # 批量任务1, 10–19
    assert counts_of_tasks(queries) == 0
    assert "第 1 /" not in short  # one page: no pager


def test_subtasks_counts_are_the_children_not_archived(listed, program, cast, city, travel):
    """children_rollup (a statement written out) counts each task's children that are not archived, by status, as
    the ORM's GROUP BY over the children does; a task without children has no entry; no ids, no statement."""
    from django.db.models import Count

    from luoshi.tasks import selectors
    from luoshi.tasks.models import Task
    from luoshi.tasks.status import worst

    parent = listed["parent"]
    with travel("2026-07-02"):
        extra = services.task_create(by=cast["office"], program=program["program"], data=services.TaskInput(
            title="已归档的子任务", lead_units=[city["street_b"]], deadline_phrase="3月底前", parent=parent))
        grandchild = services.task_create(by=cast["office"], program=program["program"], data=services.TaskInput(
            title="孙任务", lead_units=[city["street_b"]], deadline_phrase="12月底前", parent=listed["children"][1]))
    Task.objects.filter(pk=extra.pk).update(is_archived=True, status="red")
    ids = set(Task.objects.values_list("pk", flat=True))
    expected: dict[int, dict] = {}
    for row in (Task.objects.filter(parent__in=ids, is_archived=False).values("parent_id", "status")
                .annotate(n=Count("id"))):
        expected.setdefault(row["parent_id"], {"counts": {}})["counts"][row["status"]] = row["n"]
    for entry in expected.values():
        entry["worst"] = worst(entry["counts"].keys())
    got = selectors.children_rollup(iter(ids))
    assert got == expected
    assert got[parent.pk]["counts"] == {"red": 1, "normal": 2}  # not the archived red one
    assert set(got) == {parent.pk, listed["children"][1].pk} and grandchild.pk not in got
    with CaptureQueriesContext(connection) as ctx:
        assert selectors.children_rollup([]) == {}
    assert not ctx.captured_queries


def test_the_total_comes_with_the_rows(program, city, cast, client_for, travel):
    """A program read whole: the pager's total is the maintained tally read inside the page's statement (no
    statement of its own); with a filter the tallies do not keep (text) the rows carry none and a full page counts."""
    from luoshi.tasks import selectors

    _add_tasks(55, program, city, cast, travel)
    c = client_for(cast["office"])
    c.get(LIST_URL)
    with CaptureQueriesContext(connection) as ctx:
        page = c.get(LIST_URL).content.decode()
    # (program_get's statement names the tallies in its reach columns, which it does not run for the office: ADR 0059)
    tally_reads = [q["sql"] for q in ctx.captured_queries
                   if "tasks_tasktally" in q["sql"] and "AS reach_any" not in q["sql"]]
    assert "共 58 项" in page and counts_of_tasks(ctx.captured_queries) == 0
    assert len(tally_reads) == 1 and tally_reads[0].startswith('SELECT "tasks_task"."id"')  # the page's rows
    office = cast["office"].__class__.objects.get(pk=cast["office"].pk)
    searched, given = selectors.task_list_page_rows(user=office, filters=selectors.TaskFilters(
        program=program["program"], q="批量"))
    rows = list(searched[:3])
    assert rows and selectors.LISTED_TOTAL not in rows[0] and given is None
