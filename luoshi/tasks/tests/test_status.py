"""The status rules: luoshi.tasks.status.compute_status as a pure table, then the daily job
(luoshi.tasks.warnings.warnings_run) moving task_a through 正常 → 黄灯 → 红灯 with reminders."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from luoshi.tasks.status import ProgramRules, StatusInputs, compute_status, expected_progress, worst

D = dt.date
RULES = ProgramRules(warn_days=7, lag_points=20)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# task_a of the fixture: assigned 2026-01-05, 6月底前; monthly slots on the 25th.
BASE = StatusInputs(deadline_kind="date", deadline=D(2026, 6, 30), extended_deadline=None, start_date=D(2026, 1, 5),
                    progress=0, closed=False, last_report_date=None, assigned_date=D(2026, 1, 5))

# (id, changes to BASE, today, last_closed_slot_start, expected status, expected reason)
CASES = [
    # 已办结 wins over everything, even a passed deadline and missed reports
    ("closed-wins", dict(closed=True), D(2026, 7, 10), D(2026, 5, 26), "closed", "已办结"),
    ("closed-wins-lagging", dict(closed=True, progress=0), D(2026, 6, 29), None, "closed", "已办结"),
    # overdue → red with the number of days
    ("overdue-1", dict(progress=90, last_report_date=D(2026, 6, 28)), D(2026, 7, 1), D(2026, 5, 26), "red", "已逾期1天"),
    ("overdue-12", dict(progress=90, last_report_date=D(2026, 7, 10)), D(2026, 7, 12), D(2026, 6, 26), "red",
     "已逾期12天"),
    ("overdue-beats-missed-report", dict(progress=90), D(2026, 7, 3), D(2026, 5, 26), "red", "已逾期3天"),
    # missed report: a slot that started after the assignment has ended with no report since its start
    ("missed-no-report", dict(progress=30), D(2026, 2, 26), D(2026, 1, 26), "red", "未按期报送进展"),
    ("missed-old-report", dict(progress=30, last_report_date=D(2026, 2, 25)), D(2026, 3, 26), D(2026, 2, 26), "red",
     "未按期报送进展"),
    # reported on or after the slot start → not red
    ("reported-on-slot-start", dict(progress=60, last_report_date=D(2026, 2, 26)), D(2026, 3, 26), D(2026, 2, 26),
     "normal", ""),
    ("reported-late-in-slot", dict(progress=60, last_report_date=D(2026, 3, 25)), D(2026, 3, 26), D(2026, 2, 26),
     "normal", ""),
    # a slot that started before the task was assigned does not count
    ("slot-before-assignment", dict(), D(2026, 1, 26), D(2026, 1, 1), "normal", ""),
    ("no-slot-ended-yet", dict(), D(2026, 1, 20), None, "normal", ""),
    # due within warn_days → yellow
    ("due-in-7", dict(progress=95, last_report_date=D(2026, 6, 20)), D(2026, 6, 23), D(2026, 5, 26), "yellow",
     "距完成时限还有7天"),
    ("due-in-8-is-normal", dict(progress=95, last_report_date=D(2026, 6, 20)), D(2026, 6, 22), D(2026, 5, 26), "normal",
     ""),
    ("due-today", dict(progress=100, last_report_date=D(2026, 6, 20)), D(2026, 6, 30), D(2026, 5, 26), "yellow",
     "今天到期"),
    # behind time-proportional progress: on 3-31 the expectation is int(100*85/176) = 48
    ("lag-20", dict(progress=28, last_report_date=D(2026, 3, 20)), D(2026, 3, 31), D(2026, 2, 26), "yellow",
     "进度滞后（应达48%，实际28%）"),
    ("lag-19-is-normal", dict(progress=29, last_report_date=D(2026, 3, 20)), D(2026, 3, 31), D(2026, 2, 26), "normal",
     ""),
    ("ahead-is-normal", dict(progress=80, last_report_date=D(2026, 3, 20)), D(2026, 3, 31), D(2026, 2, 26), "normal",
     ""),
    # an approved extension in force → extended (past the original deadline, before the new one)
    ("extended", dict(extended_deadline=D(2026, 9, 30), progress=80, last_report_date=D(2026, 7, 1)), D(2026, 7, 10),
     D(2026, 5, 26), "extended", "已延期至2026-09-30"),
    ("extended-but-due-soon", dict(extended_deadline=D(2026, 9, 30), progress=99, last_report_date=D(2026, 9, 1)),
     D(2026, 9, 25), D(2026, 7, 26), "yellow", "距完成时限还有5天"),
    ("extended-but-missed-report", dict(extended_deadline=D(2026, 9, 30), progress=80, last_report_date=D(2026, 6, 1)),
     D(2026, 7, 27), D(2026, 6, 26), "red", "未按期报送进展"),
    ("extended-deadline-passed", dict(extended_deadline=D(2026, 9, 30), progress=90, last_report_date=D(2026, 9, 30)),
     D(2026, 10, 2), D(2026, 8, 26), "red", "已逾期2天"),
    # 长期/周期性 tasks are never overdue and never "due soon"
    ("open-never-overdue", dict(deadline_kind="open", deadline=None, last_report_date=D(2026, 12, 1)), D(2026, 12, 31),
     D(2026, 11, 26), "normal", ""),
    ("open-with-stray-date", dict(deadline_kind="open", last_report_date=D(2026, 7, 1)), D(2026, 7, 10),
     D(2026, 5, 26), "normal", ""),
    ("recurring-never-overdue",
     dict(deadline_kind="recurring", deadline=D(2026, 3, 31), last_report_date=D(2026, 6, 1)),
     D(2026, 6, 20), D(2026, 4, 26), "normal", ""),
    # ... but they still have to report on time
    ("open-missed-report", dict(deadline_kind="open", deadline=None), D(2026, 2, 26), D(2026, 1, 26), "red",
     "未按期报送进展"),
]


@pytest.mark.parametrize("changes,today,slot_start,status,reason", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_compute_status(changes, today, slot_start, status, reason):
    assert compute_status(replace(BASE, **changes), rules=RULES, today=today, last_closed_slot_start=slot_start) == (
        status, reason)


def test_rules_come_from_the_program():
    t = replace(BASE, progress=95, last_report_date=D(2026, 6, 1))
    assert compute_status(t, rules=ProgramRules(warn_days=3, lag_points=20), today=D(2026, 6, 26),
                          last_closed_slot_start=D(2026, 5, 26))[0] == "normal"
    assert compute_status(t, rules=ProgramRules(warn_days=10, lag_points=20), today=D(2026, 6, 26),
                          last_closed_slot_start=D(2026, 5, 26))[0] == "yellow"
    lagging = replace(BASE, progress=38, last_report_date=D(2026, 3, 20))  # expected 48 on 3-31
    assert compute_status(lagging, rules=ProgramRules(warn_days=7, lag_points=10), today=D(2026, 3, 31),
                          last_closed_slot_start=D(2026, 2, 26))[0] == "yellow"
    assert compute_status(lagging, rules=ProgramRules(warn_days=7, lag_points=11), today=D(2026, 3, 31),
                          last_closed_slot_start=D(2026, 2, 26))[0] == "normal"


@pytest.mark.parametrize("today,expected", [
    (D(2026, 1, 1), 0), (D(2026, 1, 5), 0), (D(2026, 3, 31), 48), (D(2026, 6, 30), 100), (D(2026, 8, 1), 100),
])
def test_expected_progress(today, expected):
    assert expected_progress(start=D(2026, 1, 5), deadline=D(2026, 6, 30), today=today) == expected


def test_worst():
    assert worst(["normal", "red", "yellow"]) == "red"
    assert worst(["closed", "extended"]) == "extended"
    assert worst([]) is None


# ---- with the database: the daily job ----------------------------------------------------------------

@pytest.fixture
def email_channel(settings):
    settings.LUOSHI_NOTIFY_CHANNELS = ["luoshi.core.notify.EmailChannel"]


def _task_notes(task):
    from django.urls import reverse

    from luoshi.core.models import Notification

    return Notification.objects.filter(url=reverse("task_detail", args=[task.pk]))


def _status_journal(task):
    from luoshi.core.models import JournalEntry

    return list(JournalEntry.objects.filter(verb="task.status", object_type="tasks.task", object_id=str(task.pk))
                .order_by("at", "id").values_list("changes", flat=True))


def _mails_about(mailoutbox, task):
    return [m for m in mailoutbox if f"{task.code} " in m.subject]


def test_warnings_run_normal_yellow_red(program, cast, travel, mailoutbox, email_channel):
    from luoshi.tasks import services
    from luoshi.tasks.warnings import warnings_run

    task = program["task_a"]
    liaison, leader = cast["liaison_a"], cast["leader"]
    with travel("2026-01-10"):
        services.task_acknowledge(by=liaison, task=task)
        services.task_report_progress(by=liaison, task=task, text="完成摸底", percent=10)
    with travel("2026-06-01"):
        services.task_report_progress(by=liaison, task=task, text="主体完工", percent=90)

    with travel("2026-06-15"):
        warnings_run()
    task.refresh_from_db()
    assert (task.status, task.status_reason) == ("normal", "")
    assert not _task_notes(task).exists()
    assert _mails_about(mailoutbox, task) == []
    journal_before = _status_journal(task)

    # seven days or fewer before 6-30 → yellow, reminder to the lead unit's liaison only
    with travel("2026-06-24"):
        summary = warnings_run()
    task.refresh_from_db()
    assert (task.status, task.status_reason) == ("yellow", "距完成时限还有6天")
    assert summary["yellow"] >= 1
    assert _status_journal(task) == journal_before + [{"status": ["normal", "yellow"]}]
    notes = _task_notes(task)
    assert [(n.recipient_id, n.kind) for n in notes] == [(liaison.pk, "yellow")]
    assert "黄灯" in notes[0].title and task.code in notes[0].title
    mails = _mails_about(mailoutbox, task)
    assert [m.to for m in mails] == [[liaison.email]]
    assert "黄灯" in mails[0].subject

    # the same day again (later in the day): nothing new
    with travel("2026-06-24T16:30:00+08:00"):
        warnings_run()
    assert _task_notes(task).count() == 1
    assert len(_mails_about(mailoutbox, task)) == 1
    assert len(_status_journal(task)) == len(journal_before) + 1

    # the next day: a new reminder, but no new status journal (the status did not change)
    with travel("2026-06-25"):
        warnings_run()
    task.refresh_from_db()
    assert (task.status, task.status_reason) == ("yellow", "距完成时限还有5天")
    assert _task_notes(task).count() == 2
    assert len(_mails_about(mailoutbox, task)) == 2
    assert len(_status_journal(task)) == len(journal_before) + 1

    # past the deadline → red, reminders to the liaison and the task's leader
    with travel("2026-07-01"):
        summary = warnings_run()
    task.refresh_from_db()
    assert (task.status, task.status_reason) == ("red", "已逾期1天")
    assert summary["red"] >= 1
    assert _status_journal(task)[-1] == {"status": ["yellow", "red"]}
    red = _task_notes(task).filter(kind="red")
    assert sorted(red.values_list("recipient_id", flat=True)) == sorted([liaison.pk, leader.pk])
    assert all("红灯" in n.title for n in red)
    red_mails = [m for m in _mails_about(mailoutbox, task) if "红灯" in m.subject]
    assert sorted(m.to[0] for m in red_mails) == sorted([liaison.email, leader.email])
    # nobody outside the task hears about it
    others = {cast[k].pk for k in ("office", "liaison_b", "liaison_dept", "evaluator", "outsider")}
    assert not _task_notes(task).filter(recipient_id__in=others).exists()

    with travel("2026-07-01T18:00:00+08:00"):
        warnings_run()
    assert _task_notes(task).filter(kind="red").count() == 2
    assert len([m for m in _mails_about(mailoutbox, task) if "红灯" in m.subject]) == 2


def test_warnings_run_lagging_then_missed_report(program, cast, travel, mailoutbox, email_channel):
    from luoshi.tasks import services
    from luoshi.tasks.warnings import warnings_run

    task = program["task_a"]
    with travel("2026-01-10"):
        services.task_acknowledge(by=cast["liaison_a"], task=task)
        services.task_report_progress(by=cast["liaison_a"], task=task, text="启动", percent=5)
    with travel("2026-02-01"):
        warnings_run()
    task.refresh_from_db()
    assert task.status == "normal"  # expected 15%, 10 points behind
    with travel("2026-02-20"):
        warnings_run()
    task.refresh_from_db()
    assert (task.status, task.status_reason) == ("yellow", "进度滞后（应达26%，实际5%）")
    assert list(_task_notes(task).values_list("recipient_id", "kind")) == [(cast["liaison_a"].pk, "yellow")]
    # slot 1-26..2-25 has ended with no report since 1-26
    with travel("2026-02-26"):
        warnings_run()
    task.refresh_from_db()
    assert (task.status, task.status_reason) == ("red", "未按期报送进展")
    assert _status_journal(task)[-2:] == [{"status": ["normal", "yellow"]}, {"status": ["yellow", "red"]}]
    assert sorted(_task_notes(task).filter(kind="red").values_list("recipient_id", flat=True)) == sorted(
        [cast["liaison_a"].pk, cast["leader"].pk])
    # a report in the current slot clears the red (recomputed at once by the service)
    with travel("2026-02-27"):
        services.task_report_progress(by=cast["liaison_a"], task=task, text="已开工", percent=40)
    task.refresh_from_db()
    assert task.status == "normal"


def test_warnings_run_without_notify_sends_nothing(program, travel, mailoutbox, email_channel):
    from luoshi.core.models import Notification
    from luoshi.tasks.warnings import warnings_run

    with travel("2026-02-26"):
        summary = warnings_run(notify=False)
    assert summary["red"] == 3 and summary["messages"] == 0
    assert Notification.objects.count() == 0
    assert mailoutbox == []


def test_closed_task_is_left_alone(program, cast, travel, mailoutbox, email_channel):
    from luoshi.tasks import services
    from luoshi.tasks.warnings import warnings_run

    task = program["task_a"]
    with travel("2026-01-10"):
        services.task_acknowledge(by=cast["liaison_a"], task=task)
        req = services.task_request_closure(by=cast["liaison_a"], task=task, summary="已完成")
        services.task_decide_closure(by=cast["office"], request=req, accept=True)
    with travel("2026-07-10"):
        warnings_run()
    task.refresh_from_db()
    assert task.status == "closed"
    assert not _task_notes(task).exists()


def test_overview_rolls_status_up_the_unit_tree(program, city, cast, travel):
    from luoshi.tasks import selectors, services
    from luoshi.tasks.warnings import warnings_run

    with travel("2026-01-10"):
        services.task_acknowledge(by=cast["liaison_a"], task=program["task_a"])
        services.task_report_progress(by=cast["liaison_a"], task=program["task_a"], text="启动", percent=5)
    with travel("2026-02-20"):
        warnings_run(notify=False)
        overview = selectors.program_overview(user=cast["office"], program=program["program"])
        rows = {r["unit_id"]: r for r in overview["by_unit"]}
        mine = {r["unit_id"]: r for r in
                selectors.program_overview(user=cast["liaison_a"], program=program["program"])["by_unit"]}

    assert overview["counts"]["yellow"] == 1 and overview["counts"]["normal"] == 2 and overview["counts"]["total"] == 3
    district = rows[city["district"].pk]
    assert (district["yellow"], district["normal"], district["red"], district["total"]) == (1, 2, 0, 3)
    assert not district["expand"]  # the district is the table's top: its children are shown already
    assert rows[city["city"].pk]["total"] == 3
    assert (rows[city["street_a"].pk]["yellow"], rows[city["street_a"].pk]["total"]) == (1, 1)
    assert (rows[city["street_b"].pk]["normal"], rows[city["street_b"].pk]["total"]) == (1, 1)
    assert rows[city["dept"].pk]["total"] == 1
    assert city["other_district"].pk not in rows
    # rows come parent before child
    assert [r["depth"] for r in overview["by_unit"]][:2] == [0, 1]
    # the same roll-up over a liaison's scope counts only the tasks they may read (task_a and task_dept)
    assert mine[city["district"].pk]["total"] == 2
    assert city["street_b"].pk not in mine


def test_overview_page_shows_the_unit_rows(program, city, cast, travel, client_for):
    """The 按牵头单位 table: one row per unit with its roll-up counts, each a link to the task list filtered the
    same way; names escaped."""
    import re

    from luoshi.org.services import unit_create
    from luoshi.tasks import services

    with travel("2026-01-10"):
        odd = unit_create(by=None, name="科技&创新<局>", kind="department", parent=city["district"])
        services.task_create(by=cast["office"], program=program["program"], data=services.TaskInput(
            title="科创任务", lead_units=[odd], deadline_phrase="10月底前"))
        html = client_for(cast["office"]).get(f"/programs/{program['program'].code}/").content.decode()
    rows = re.findall(r'<tr class="depth(\d+)"><td style="padding-left: \d+em">(?:<a class="expand"[^>]*>▸</a> )?'
                      r'<a href="/programs/demo-2026/tasks/\?unit=(\d+)&amp;role=lead">([^<]*)</a></td>'
                      r'((?:<td class="num[^"]*"><a href="[^"]*">\d+</a></td>){6})</tr>', html)
    by_unit = {int(pk): (name, [int(n) for n in re.findall(r">(\d+)<", cells)]) for _d, pk, name, cells in rows}
    assert by_unit[city["district"].pk][1][-1] == 4  # red, yellow, green, extended, closed, total
    assert by_unit[city["street_a"].pk][1][-1] == 1
    assert by_unit[odd.pk][0] == "科技&amp;创新&lt;局&gt;"
    assert city["other_district"].pk not in by_unit
