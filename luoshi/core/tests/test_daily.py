"""The daily job runs every app's registered step (luoshi.core.daily) without importing the apps."""
import datetime as dt
from io import StringIO

from django.core.management import call_command

from luoshi.core import daily
from luoshi.tasks.models import Task


def test_the_apps_register_their_steps_in_order():
    assert [s.name for s in daily.daily_steps()] == [
        "tasks.warnings", "ledger.tallies", "ledger.escalations", "intake.requests", "procedures.steps",
        "projects.lights", "cockpit.snapshots", "documents.bulletins", "core.inbox_digest"]


def test_a_step_registered_again_replaces_the_old_one_and_order_decides(monkeypatch):
    monkeypatch.setattr(daily, "_steps", {})
    daily.register_daily("b", lambda today, notify: ["b"], order=20)
    daily.register_daily("a", lambda today, notify: ["a1"], order=30)
    daily.register_daily("a", lambda today, notify: ["a2"], order=10)
    assert [(s.name, s.run(None, False)) for s in daily.daily_steps()] == [("a", ["a2"]), ("b", ["b"])]


def test_the_command_reports_each_step(program, travel):
    out = StringIO()
    with travel("2026-07-10"):
        call_command("warnings_run", "--no-notify", stdout=out)
    lines = out.getvalue().splitlines()
    assert 4 <= len(lines) <= len(daily.daily_steps())  # a step with nothing to say may print no line
    red = Task.objects.filter(status="red").count()
    assert red and lines[0].startswith(f"已检查 3 项未办结任务：红灯 {red}，")  # none signed for: all red in July
    assert lines[1].startswith("问题台账：检查 0 个逾期或反复的问题") and lines[2].startswith("诉求：回访逾期办结 0 件")
    assert lines[-1].startswith("待办摘要：") and lines[-1].endswith("（未发送）。")  # the digest comes last


def test_the_command_passes_the_date_and_notify_to_each_step(monkeypatch, db):
    seen = []
    monkeypatch.setattr(daily, "_steps", {})
    daily.register_daily("probe", lambda today, notify: seen.append((today, notify)) or ["ok"], order=1)
    call_command("warnings_run", "--date", "2026-05-01", "--no-notify", stdout=StringIO())
    call_command("warnings_run", stdout=StringIO())
    assert seen == [(dt.date(2026, 5, 1), False), (None, True)]
