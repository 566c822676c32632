"""The journal as the task page shows it: field names in words, times in local time, no raw dicts."""
import re
import datetime as dt

from django.utils import timezone, translation

from luoshi.core.models import JournalEntry
from luoshi.core.jinja_filters import journal_changes


def entry(changes, object_type="tasks.task"):
    return JournalEntry(at=timezone.now(), verb="task.update", object_type=object_type, object_id="1", changes=changes)


def test_fields_are_named_and_old_new_shown(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    at = dt.datetime(2026, 3, 1, 2, 30, tzinfo=dt.timezone.utc).isoformat()
    with translation.override("zh-hans"), timezone.override("Asia/Shanghai"):
        html = str(journal_changes(entry({"title": ["旧标题", "新标题"], "acknowledged_at": [None, at],
                                          "status": ["normal", "red"], "tags": ["甲", "乙"]})))
    assert "任务内容：旧标题 → 新标题" in html or "：旧标题 → 新标题" in html
    assert "— → 2026-03-01 10:30" in html  # UTC 02:30 is 10:30 in Beijing
    assert "正常 → 红灯" in html and "标签：甲、乙" in html
    assert "{" not in html and "'" not in html


def test_user_text_is_escaped():
    html = str(journal_changes(entry({"title": ["<b>x</b>", "<script>alert(1)</script>"]})))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_unknown_object_types_still_render():
    assert "x：1 → 2" in str(journal_changes(entry({"x": [1, 2]}, object_type="nope.nothing")))


# ---- the shared renderer on real rows (core.journal_text, issue #12 §4) -------------------------------------------

import pytest  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from luoshi.core.journal import journal_for  # noqa: E402
from luoshi.core.journal_text import journal_rows  # noqa: E402


@pytest.mark.django_db
def test_a_task_history_reads_in_words(program, city, cast, travel):
    """No raw values: units by their path of names (not "93 → 68"), percent as 43%, choices by their labels, a
    deadline as a date; the verb in words."""
    from luoshi.tasks import services

    task = program["task_a"]
    with travel("2026-02-10"):
        services.task_acknowledge(by=cast["liaison_a"], task=task)
        services.task_report_progress(by=cast["liaison_a"], task=task, text="已完成设计招标", percent=43)
    with translation.override("zh-hans"):
        rows = journal_rows(journal_for(task))
        text = {r.verb: r.changes_text for r in rows}
    assert "牵头单位：崂山区 / 中韩街道" in text["新建任务"]
    assert "时限类型：限期完成" in text["新建任务"] and "完成时限：2026-06-30" in text["新建任务"]
    assert "完成进度：43%" in text["报送进展"] and "单位：崂山区 / 中韩街道" in text["报送进展"]
    assert not any(re.search(r"(单位|领导)：\d", t) for t in text.values()), text  # no bare ids
    assert rows[0].actor == "周强" and rows[-1].actor == "刘晓燕"


@pytest.mark.django_db
def test_names_cost_one_lookup_per_model_for_the_whole_page(program, cast):
    from luoshi.core.models import JournalEntry

    entries = list(JournalEntry.objects.filter(object_type="tasks.task").select_related("actor"))
    assert len(entries) >= 3
    with CaptureQueriesContext(connection) as ctx:
        journal_rows(entries)
    assert len(ctx.captured_queries) <= 3  # the units, the units above them, the people


def test_a_unit_list_is_a_list_and_a_pair_of_lists_a_change():
    from luoshi.core.journal_text import _How, _is_pair

    units = _How("牵头单位", model="org.unit", many=True)
    assert not _is_pair(units, [93, 68]) and _is_pair(units, [[93], [68]])


def test_english_mode_words():
    with translation.override("en"):
        html = str(journal_changes(entry({"deadline_kind": ["date", "open"], "percent": 43})))
    assert html == "Deadline type: Fixed deadline → Ongoing; Progress: 43%"
