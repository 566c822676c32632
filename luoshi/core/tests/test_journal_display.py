"""The journal as the task page shows it: field names in words, times in local time, no raw dicts."""
import datetime as dt

from django.utils import timezone, translation

from luoshi.core.models import JournalEntry
from luoshi.core.templatetags.luoshi import journal_changes


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
