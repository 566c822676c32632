"""The rendered-page cache (core.pagecache) and the data revisions it is keyed by (core.revisions).

The cache is on in the whole suite, so every test that reads a page after a write also checks that no stale
page is served. These tests cover what the others do not: hits, the per-user key, CSRF tokens in a stored page,
flash messages, the language, and the bulk writes that send no signals.
"""
import re

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from luoshi.core import revisions
from luoshi.core.models import DataRevision
from luoshi.tasks import services
from luoshi.tasks.models import Task
from luoshi.tasks.warnings import warnings_run

LIST_URL = "/programs/demo-2026/tasks/"
OVERVIEW_URL = "/programs/demo-2026/"


def _get(client, url):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return r.content.decode(), len(ctx.captured_queries)


def _without_tokens(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", html)


def test_a_page_asked_again_is_served_from_the_cache(program, cast, client_for, travel):
    c = client_for(cast["office"])
    with travel("2026-02-01"):
        first, rendered = _get(c, LIST_URL)
        again, hit = _get(c, LIST_URL)
    assert _without_tokens(again) == _without_tokens(first)
    # session, user, unread messages, revisions
    assert hit <= 4 < rendered


@pytest.mark.parametrize("url", ["/", LIST_URL, OVERVIEW_URL])
def test_a_write_shows_at_once(program, cast, client_for, travel, url):
    c = client_for(cast["office"])
    with travel("2026-02-01"):
        before = _get(c, url)[0]
        assert "新加的任务甲" not in before
        services.task_create(by=cast["office"], program=program["program"], data=services.TaskInput(
            title="新加的任务甲", lead_units=[program["task_a"].assignments.first().unit], deadline_phrase="2月5日前"))
        warnings_run(notify=False)  # due within 7 days: 黄灯, listed on the 工作台 too
        after = _get(c, url)[0]
    assert _without_tokens(after) != _without_tokens(before)
    if url != OVERVIEW_URL:  # the overview shows counts, not titles
        assert "新加的任务甲" in after


def test_status_changes_of_the_daily_job_show_at_once(program, cast, client_for, travel):
    """The daily job writes statuses with QuerySet.update(), which sends no signals."""
    c = client_for(cast["office"])
    with travel("2026-07-02"):
        before, _ = _get(c, f"{LIST_URL}?status=red")
        assert "中韩街道老旧小区改造" not in before
        summary = warnings_run(notify=False)
        assert summary["changed"]
        assert "中韩街道老旧小区改造" in _get(c, f"{LIST_URL}?status=red")[0]


def test_an_import_shows_at_once(program, cast, client_for, travel, tmp_path):
    from openpyxl import Workbook

    from luoshi.tasks.importer import tasks_import_xlsx

    c = client_for(cast["office"])
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "任务内容", "牵头单位", "完成时限"])
    ws.append(["9", "导入的新任务乙", "中韩街道", "10月底前"])
    wb.save(tmp_path / "t.xlsx")
    with travel("2026-02-01"):
        assert "导入的新任务乙" not in _get(c, LIST_URL)[0]
        tasks_import_xlsx(by=cast["office"], data=(tmp_path / "t.xlsx").read_bytes(), program=program["program"])
        assert "导入的新任务乙" in _get(c, LIST_URL)[0]


def test_one_user_never_gets_another_users_page(program, cast, client_for, travel):
    a, b = client_for(cast["liaison_a"]), client_for(cast["liaison_b"])
    with travel("2026-02-01"):
        page_a, _ = _get(a, LIST_URL)
        page_b, _ = _get(b, LIST_URL)
        assert "中韩街道老旧小区改造" in page_a and "沙子口街道渔港整治" not in page_a
        assert "沙子口街道渔港整治" in page_b and "中韩街道老旧小区改造" not in page_b
        assert "沙子口街道渔港整治" not in _get(a, LIST_URL)[0]


def test_a_new_role_shows_at_once(program, cast, city, client_for, travel):
    from luoshi.org.services import grant_role

    c = client_for(cast["liaison_a"])
    with travel("2026-02-01"):
        assert "沙子口街道渔港整治" not in _get(c, LIST_URL)[0]
        grant_role(by=None, person=cast["liaison_a"], role="liaison", unit=city["street_b"])
        assert "沙子口街道渔港整治" in _get(c, LIST_URL)[0]


def test_a_stored_page_carries_each_visitors_own_csrf_token(program, cast, travel):
    """Two browsers of the same user: the page rendered for the first is served to the second with the second's
    token, and the second's form posts are accepted with CSRF checks on."""
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for c in (first, second):
        c.force_login(cast["office"])
    with travel("2026-02-01"):
        _get(first, OVERVIEW_URL)
        page, queries = _get(second, OVERVIEW_URL)
        assert queries <= 4  # served from the cache
        assert "\x00" not in page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        r = second.post(f"{OVERVIEW_URL}publication/", {"csrfmiddlewaretoken": token, "is_public": "on"})
        assert r.status_code == 302
    program["program"].refresh_from_db()
    assert program["program"].is_public


def test_flash_messages_are_shown_once_and_never_stored(program, cast, client_for, travel):
    c = client_for(cast["office"])
    with travel("2026-02-01"):
        _get(c, OVERVIEW_URL)
        r = c.post(f"{OVERVIEW_URL}publication/", {"is_shishi": "on"}, follow=True)
        assert "已保存公开设置" in r.content.decode()
        assert "已保存公开设置" not in _get(c, OVERVIEW_URL)[0]


def test_the_language_is_part_of_the_key(program, cast, client_for, travel):
    c = client_for(cast["office"])
    with travel("2026-02-01"):
        assert "任务清单" in _get(c, LIST_URL)[0]
        c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        assert "Task list" in _get(c, LIST_URL)[0]


def test_the_day_is_part_of_the_key(program, cast, client_for, travel):
    """Statuses and countdowns are relative to today: a page of yesterday is not served today."""
    c = client_for(cast["office"])
    with travel("2026-02-01"):
        _get(c, LIST_URL)
    with travel("2026-02-02"):
        assert _get(c, LIST_URL)[1] > 4


def test_off_switch(program, cast, client_for, travel, settings):
    settings.LUOSHI_PAGE_CACHE = False
    c = client_for(cast["office"])
    with travel("2026-02-01"):
        _get(c, LIST_URL)
        assert _get(c, LIST_URL)[1] > 4


# ---- revisions ------------------------------------------------------------------------------------------

def _value(kind):
    return DataRevision.objects.get(name=kind).value


def test_a_transaction_raises_a_counter_once(db):
    before = _value("tasks")
    with transaction.atomic():
        for _ in range(5):
            revisions.changed("tasks")
    assert _value("tasks") == before + 1


def test_a_rolled_back_write_leaves_the_counter(db):
    before = _value("tasks")
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            revisions.changed("tasks")
            raise RuntimeError
    assert _value("tasks") == before
    with transaction.atomic():
        revisions.changed("tasks")  # the rolled back marker does not hide this one
    assert _value("tasks") == before + 1


def test_saves_and_deletes_raise_their_kind(program, cast):
    counters = lambda: {k: _value(k) for k in ("org", "programs", "tasks", "ledger")}  # noqa: E731
    before = counters()
    Task.objects.filter(pk=program["task_b"].pk).first().save()
    after = counters()
    assert after["tasks"] > before["tasks"]
    assert (after["org"], after["ledger"]) == (before["org"], before["ledger"])
    program["task_b"].leaders.add(cast["leader"])  # an m2m change
    assert _value("tasks") > after["tasks"]


def test_a_login_keeps_the_cached_pages(program, cast, travel):
    first, second = Client(), Client()
    with travel("2026-02-01"):
        first.force_login(cast["office"])
        _get(first, LIST_URL)
        before = revisions.current("org", "programs", "tasks")
        assert second.login(username="office", password="pw-123456")  # writes last_login
        assert revisions.current("org", "programs", "tasks") == before
        assert _get(second, LIST_URL)[1] <= 4


def test_outside_tests_a_counter_is_raised_when_the_transaction_commits(db, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    """No lock on the counter row while the transaction runs (other writers would queue behind it, and could
    deadlock with it on PostgreSQL); raised once at commit; not at all when the transaction rolls back.
    (django_capture_on_commit_callbacks runs at its exit what a real commit would run.)"""
    monkeypatch.setattr(revisions, "RAISE_AT_COMMIT", True)
    before = revisions.current("tasks")[0]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            for _ in range(3):
                revisions.changed("tasks")
            with transaction.atomic():
                revisions.changed("tasks")
        assert revisions.current("tasks")[0] == before  # nothing written before the commit
    assert revisions.current("tasks")[0] == before + 1
    assert len([c for c in callbacks if getattr(c, "revision_kind", None) == "tasks"]) == 1

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                revisions.changed("tasks")
                raise RuntimeError
    assert not callbacks
    assert revisions.current("tasks")[0] == before + 1


def test_a_savepoint_rolled_back_does_not_lose_the_raise_of_its_transaction(db, monkeypatch,
                                                                             django_capture_on_commit_callbacks):
    monkeypatch.setattr(revisions, "RAISE_AT_COMMIT", True)
    before = revisions.current("tasks")[0]
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            with pytest.raises(RuntimeError):
                with transaction.atomic():
                    revisions.changed("tasks")
                    raise RuntimeError
            revisions.changed("tasks")  # registered again: the first one went with its savepoint
    assert revisions.current("tasks")[0] == before + 1


def test_a_counter_missing_from_the_table_is_created(db):
    DataRevision.objects.filter(name="tasks").delete()
    assert revisions.current("tasks") == (0,)
    revisions.changed("tasks")
    assert revisions.current("tasks", "org")[0] == 1


def test_threads_missing_the_same_page_render_it_once(monkeypatch):
    """After a write every thread asking for a busy page misses at once: one renders, the others wait for it."""
    import threading
    import time
    from types import SimpleNamespace

    from django.http import HttpResponse
    from django.test import RequestFactory

    from luoshi.core import pagecache
    from luoshi.core.locks import key_lock

    monkeypatch.setattr(pagecache, "_key", lambda request, name, kinds: "page:test-single-flight")
    renders = []

    @pagecache.cached_page("tasks")
    def slow_view(request):
        renders.append(1)
        time.sleep(0.3)
        return HttpResponse("<p>rendered</p>")

    bodies, start = [], threading.Barrier(4)

    def visit():
        request = RequestFactory().get("/x/")
        request.user = SimpleNamespace(is_authenticated=True, pk=1)
        start.wait()
        bodies.append(slow_view(request).content)

    threads = [threading.Thread(target=visit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(renders) == 1
    assert bodies == [b"<p>rendered</p>"] * 4
    assert not key_lock("page:test-single-flight").locked()


def test_a_ledger_enabled_for_a_program_shows_on_its_task_pages(program, cast, client_for, travel):
    from luoshi.ledger.models import LedgerConfig

    c = client_for(cast["office"])
    with travel("2026-02-01"):
        assert "/demo-2026/ledger/" not in _get(c, LIST_URL)[0]
        LedgerConfig.objects.create(program=program["program"])
        assert "/demo-2026/ledger/" in _get(c, LIST_URL)[0]


def test_the_htmx_table_and_the_full_page_are_kept_apart(program, cast, client_for, travel):
    """The filter form asks for the task table alone (htmx) at the same URL as the full page."""
    c = client_for(cast["office"])
    url = f"{LIST_URL}?status=normal"
    with travel("2026-02-01"):
        full = _get(c, url)[0]
        table = c.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-table").content.decode()
        again = _get(c, url)[0]
    assert "<html" in full and "<html" in again
    assert "<html" not in table and "中韩街道老旧小区改造" in table and "<table" in table
