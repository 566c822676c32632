"""The working-day calendar (core.workdays) as the intake time limits use it: the 2026 holidays and 调休
make-up workdays of the national calendar (chinese-calendar), an office's own exceptions on top of it,
counting across 春节 and 国庆, a year chinese-calendar does not know, and the errors a wrong calendar file gives
(in Chinese, naming the year and the entry)."""
from __future__ import annotations

import datetime as dt
import sys

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from luoshi.core import workdays
from luoshi.core.models import CalendarDay, JournalEntry
from luoshi.core.specs import SpecError

D = dt.date
CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def cn(db):
    """The national calendar alone: no office exceptions in the database."""
    assert not CalendarDay.objects.exists()


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(CST)


# ---- the 2026 calendar ---------------------------------------------------------------------------------

@pytest.mark.parametrize("day", ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"])
def test_2026_make_up_weekends_are_working_days(cn, day):
    d = D.fromisoformat(day)
    assert d.weekday() >= 5 and workdays.is_workday(d)


@pytest.mark.parametrize("day", ["2026-01-01", "2026-01-02", "2026-02-16", "2026-02-20", "2026-02-23",
                                 "2026-04-06", "2026-05-01", "2026-05-05", "2026-06-19", "2026-09-25",
                                 *[f"2026-10-0{i}" for i in range(1, 8)]])
def test_2026_holidays_are_not_working_days(cn, day):
    assert not workdays.is_workday(D.fromisoformat(day))


def test_plain_weeks_around_the_holidays(cn):
    assert workdays.is_workday(D(2026, 10, 9)) and workdays.is_workday(D(2026, 2, 24))
    assert not workdays.is_workday(D(2026, 10, 11)) and not workdays.is_workday(D(2026, 3, 1))


def test_add_workdays_across_chunjie(cn):
    # Fri 13 Feb; Sat 14 Feb is worked; 15–23 Feb off; 24 Feb Tuesday
    assert workdays.add_workdays(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert workdays.add_workdays(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert workdays.add_workdays(D(2026, 2, 13), 5) == D(2026, 2, 27)
    # the Saturday after (28 Feb) is a make-up day too
    assert workdays.add_workdays(D(2026, 2, 13), 6) == D(2026, 2, 28)
    assert workdays.add_workdays(D(2026, 2, 13), 7) == D(2026, 3, 2)
    # n = 0 on a holiday gives the next working day; on a working day, the day itself
    assert workdays.add_workdays(D(2026, 2, 17), 0) == D(2026, 2, 24)
    assert workdays.add_workdays(D(2026, 2, 13), 0) == D(2026, 2, 13)


def test_add_workdays_across_guoqing(cn):
    # Wed 30 Sep: 1–7 Oct off, Thu 8, Fri 9, Sat 10 (worked), Mon 12
    assert workdays.add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert workdays.add_workdays(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert workdays.add_workdays(D(2026, 9, 30), 4) == D(2026, 10, 12)
    # from a day inside the holiday
    assert workdays.add_workdays(D(2026, 10, 3), 1) == D(2026, 10, 8)


def test_workdays_between(cn):
    assert workdays.workdays_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert workdays.workdays_between(D(2026, 9, 30), D(2026, 10, 12)) == 4
    assert workdays.workdays_between(D(2026, 9, 30), D(2026, 9, 30)) == 0
    assert workdays.workdays_between(D(2026, 10, 12), D(2026, 9, 30)) == 0
    # round trip with add_workdays
    for n in range(0, 12):
        assert workdays.workdays_between(D(2026, 9, 24), workdays.add_workdays(D(2026, 9, 24), n)) == n


def test_deadline_is_midnight_after_the_last_working_day(cn):
    friday = dt.datetime(2026, 2, 13, 16, 30, tzinfo=CST)
    assert local(workdays.deadline_after(friday, 2)) == dt.datetime(2026, 2, 25, 0, 0, tzinfo=CST)
    # late in the evening local time (still 13 Feb in Shanghai, 14 Feb nowhere else matters)
    late = dt.datetime(2026, 9, 30, 23, 59, tzinfo=CST)
    assert local(workdays.deadline_after(late, 1)) == dt.datetime(2026, 10, 9, 0, 0, tzinfo=CST)
    # a UTC moment that is already the next day in Shanghai counts from the Shanghai day
    utc = dt.datetime(2026, 9, 30, 17, 0, tzinfo=dt.timezone.utc)  # 1 Oct 01:00 in Shanghai
    assert local(workdays.deadline_after(utc, 1)) == dt.datetime(2026, 10, 9, 0, 0, tzinfo=CST)


@pytest.mark.parametrize("dispatched, days, due", [
    ("2026-02-13T17:00:00+08:00", 5, "2026-02-28"),   # Friday before 春节 (14 Feb worked)
    ("2026-02-13T17:00:00+08:00", 7, "2026-03-03"),   # … and the 28 Feb make-up Saturday counts
    ("2026-09-30T10:00:00+08:00", 5, "2026-10-14"),   # Wednesday before 国庆
    ("2026-09-30T10:00:00+08:00", 7, "2026-10-16"),
    ("2026-04-30T09:00:00+08:00", 3, "2026-05-09"),   # Thursday before 劳动节: 6, 7, 8 May
])
def test_request_dispatched_before_a_holiday_gets_the_right_due_date(req, travel, dispatched, days, due):
    from luoshi.intake.models import ServiceCategory

    ServiceCategory.objects.filter(code="0201").update(limit_days=days)
    req.intake["categories"]["0201"].refresh_from_db()
    with travel(dispatched):
        r = req.submit("沙子口街道工地夜间施工噪声", category="0201", area="street_b")
        req.dispatch(r)
    # due_at is 24:00 of the last working day, i.e. 00:00 of the next day
    assert local(r.due_at) == dt.datetime.combine(D.fromisoformat(due), dt.time(), tzinfo=CST)


# ---- a year chinese-calendar does not know ----------------------------------------------------------------

def test_a_year_chinese_calendar_does_not_know_counts_plain_weeks_and_is_reported(cn):
    """chinese-calendar covers 2004 to the newest year of its release; outside that a year is a plain week
    (Monday–Friday) and years_missing names it. 2003 stays unknown whatever the release."""
    assert workdays.years_missing([2003, 2025, 2026]) == [2003]
    # 1 Oct 2003 is a Wednesday; without a calendar it is a working day and Thursday 2 Oct follows it
    assert workdays.is_workday(D(2003, 10, 1))
    assert workdays.add_workdays(D(2003, 10, 1), 1) == D(2003, 10, 2)
    assert workdays.workdays_between(D(2003, 9, 30), D(2003, 10, 8)) == 6  # 4, 5 Oct are a weekend


def test_an_office_can_load_a_year_chinese_calendar_does_not_know(cn):
    assert workdays.years_missing([2003]) == [2003]
    result = workdays.calendar_load("years:\n  2003:\n    holidays:\n      - {name: 国庆节, from: 2003-10-01, to: 2003-10-07}\n"
                                    "    workdays: [2003-09-27, 2003-09-28]\n")
    assert result == {"years": 1, "days": 9, "removed": 0}  # 1–7 Oct and the make-up weekend before
    assert workdays.years_missing([2003]) == []
    assert not workdays.is_workday(D(2003, 10, 1)) and workdays.is_workday(D(2003, 9, 27))
    assert workdays.add_workdays(D(2003, 9, 30), 1) == D(2003, 10, 8)


# ---- an office's exceptions over the national calendar ---------------------------------------------------

def test_a_known_make_up_day_comes_from_chinese_calendar(cn):
    # Saturday 14 Feb 2026 is worked before 春节 and Monday 16 Feb is off, with no row in the database
    assert workdays.is_workday(D(2026, 2, 14)) and not workdays.is_workday(D(2026, 2, 16))
    assert workdays.years_missing([2026]) == []


def test_office_exceptions_win_over_the_national_calendar(cn):
    result = workdays.calendar_load("years:\n  2026:\n    holidays:\n"
                                    "      - {name: 本地节日, from: 2026-03-10, to: 2026-03-10}\n"
                                    "      - {name: 本单位休息, from: 2026-02-14, to: 2026-02-14}\n"
                                    "    workdays: [2026-03-14]\n")
    assert result == {"years": 1, "days": 3, "removed": 0}
    assert not workdays.is_workday(D(2026, 3, 10))  # a Tuesday off locally
    assert not workdays.is_workday(D(2026, 2, 14))  # the national 调休 Saturday is a day off here
    assert workdays.is_workday(D(2026, 3, 14))      # an extra working Saturday
    # the rest of the year is still the national calendar
    assert workdays.is_workday(D(2026, 2, 28)) and not workdays.is_workday(D(2026, 10, 1))
    # loading another year leaves 2026's exceptions as they are; loading 2026 again replaces them
    workdays.calendar_load("years:\n  2003:\n    workdays: [2003-09-27]\n")
    assert not workdays.is_workday(D(2026, 3, 10))
    workdays.calendar_load("years:\n  2026:\n    workdays: [2026-03-21]\n")
    assert workdays.is_workday(D(2026, 3, 10)) and not workdays.is_workday(D(2026, 3, 14))
    assert CalendarDay.objects.filter(date__year=2026).count() == 1


# ---- errors in the calendar file: core.specs, every problem with its line; nothing written ---------------

def refused(text: str) -> list[str]:
    """The problems of a refused file as "line: message", after checking nothing was written."""
    before = list(CalendarDay.objects.values_list("date", "is_workday", "name"))
    journal = JournalEntry.objects.count()
    with pytest.raises(SpecError) as e:
        workdays.calendar_load(text, source="cal.yaml")
    assert list(CalendarDay.objects.values_list("date", "is_workday", "name")) == before
    assert JournalEntry.objects.count() == journal
    return [f"{p.row or p.column}: {p.message}" for p in e.value.errors]


def test_a_bad_date_is_named_with_its_line(cn):
    assert refused("years:\n  2026:\n    holidays:\n      - {name: 国庆节, from: 2026-10-01, to: 2026-13-07}\n") == [
        "4: “2026-13-07”不是有效的日期"]
    assert refused("years:\n  2026:\n    workdays:\n      - 2026-10-10\n      - 十月十日\n") == [
        "5: 须为日期（如 2026-06-30）"]


def test_a_weekday_listed_as_make_up_day_is_refused(cn):
    assert refused("years:\n  2026:\n    workdays: [2026-10-09]\n") == [
        "3: 2026-10-09 本来就是工作日（周一至周五），调休上班日应为周六或周日。"]


def test_a_day_in_the_wrong_year_is_refused_at_its_key(cn):
    assert refused("years:\n  2026:\n    holidays:\n      - name: 元旦\n        from: 2025-12-31\n"
                   "        to: 2026-01-02\n") == ["5: 2025-12-31 不在 2026 年。"]
    assert refused("years:\n  2026:\n    workdays: [2027-01-03]\n") == ["3: 2027-01-03 不在 2026 年。"]


def test_every_problem_of_a_file_is_listed_at_once(cn):
    problems = refused(
        "years:\n"
        "  2026:\n"
        "    holidays:\n"
        "      - {name: x, from: 2026-10-07, to: 2026-10-01}\n"        # 4: ends before it starts
        "      - {name: y, from: 2026-05-01, to: 2026-05-30}\n"        # 5: longer than 16 days
        "      - {name: z, from: 2026-10-01, to: 2026-10-07}\n"
        "    workdays:\n"
        "      - 2026-10-03\n"                                         # 8: also a holiday
        "      - 2026-09-27\n"
        "      - 2026-09-27\n"                                         # 10: twice
        "  1999:\n    workdays: []\n")                                   # 11: not a year we take
    assert problems == [
        "4: 起止日期不合理（2026-10-07 至 2026-10-01）：结束不能早于开始，一段假期不超过 16 天。",
        "5: 起止日期不合理（2026-05-01 至 2026-05-30）：结束不能早于开始，一段假期不超过 16 天。",
        "8: 2026-10-03 同时写在了假期和调休上班日里。",
        "10: 2026-09-27 写了两次。",
        "11: “1999”不是年份（应为 2000 至 2100 之间的四位数字）。"]


def test_other_mistakes_give_located_chinese_messages(cn):
    assert refused("years: [2026:\n")[0].startswith("2: YAML 格式错误")
    assert refused("kind: calendar\n") == ["years: 缺少必填项"]
    assert refused("years:\n  明年:\n    workdays: []\n") == ["2: 须为整数"]
    assert refused("years:\n  2026: [2026-10-10]\n") == ["2: 须为键值对"]
    assert refused("years:\n  2026:\n    holiday: []\n") == ["3: 不认识的键（拼写有误？）"]
    assert refused("years:\n  2026:\n    holidays: [国庆节]\n") == ["3: 须为键值对"]
    # a misspelt key is refused, not ignored (a one-day holiday on `from` alone would otherwise be loaded)
    assert refused("years:\n  2026:\n    holidays:\n      - {name: x, from: 2026-10-01, too: 2026-10-07}\n") == [
        "4: 不认识的键（拼写有误？）"]
    # a name longer than the column is refused, not cut
    assert refused("years:\n  2026:\n    holidays:\n      - {name: %s, from: 2026-10-01}\n" % ("节" * 51)) == [
        "4: 不能超过 50 个字"]


def test_english_messages_when_the_user_chose_english(cn):
    with translation.override("en"):
        problems = refused("years:\n  2026:\n    workdays: [2026-10-09, 2026-10-10, 2026-10-10]\n")
    assert problems == ["3: 2026-10-09 is already a working day (Monday to Friday); a make-up working day is a "
                        "Saturday or Sunday.", "3: 2026-10-10 is listed twice."]


# ---- what a load writes ----------------------------------------------------------------------------------

def test_a_year_listed_with_nothing_under_it_removes_its_exceptions(cn):
    workdays.calendar_load("years:\n  2026:\n    holidays:\n      - {name: 本地节日, from: 2026-03-10}\n")
    assert not workdays.is_workday(D(2026, 3, 10))
    result = workdays.calendar_load("years:\n  2026:\n")
    assert result == {"years": 1, "days": 0, "removed": 1}
    assert workdays.is_workday(D(2026, 3, 10)) and not CalendarDay.objects.exists()


def test_a_load_writes_each_day_removed_and_set_to_the_journal(cn):
    workdays.calendar_load("years:\n  2026:\n    holidays:\n      - {name: 本地节日, from: 2026-03-10, to: 2026-03-11}\n")
    assert sorted(JournalEntry.objects.filter(verb="calendar.set").values_list("changes__date", flat=True)) == [
        "2026-03-10", "2026-03-11"]
    workdays.calendar_load("years:\n  2026:\n    workdays: [2026-03-21]\n")
    removed = JournalEntry.objects.filter(verb="calendar.remove")
    assert sorted(e.changes["date"] for e in removed) == ["2026-03-10", "2026-03-11"]
    assert all(e.changes["name"] == "本地节日" and e.changes["is_workday"] is False for e in removed)
    assert JournalEntry.objects.filter(verb="calendar.set", changes__date="2026-03-21").count() == 1


# ---- the command ----------------------------------------------------------------------------------------

def test_calendar_load_command(db, tmp_path, capsys):
    path = tmp_path / "cal.yaml"
    path.write_text("years:\n  2027:\n    holidays:\n      - {name: 元旦, from: 2027-01-01, to: 2027-01-01}\n"
                    "    workdays: []\n", encoding="utf-8")
    call_command("calendar_load", str(path))
    assert "已导入 1 个年度，1 个调整日（替换了原有的 0 个）" in capsys.readouterr().out
    assert not workdays.is_workday(D(2027, 1, 1))

    # the example file parses and loads
    call_command("calendar_load", str(workdays.example_path()))
    assert "已导入 1 个年度" in capsys.readouterr().out

    # the file is required: the national calendar needs no loading
    with pytest.raises(CommandError):
        call_command("calendar_load")

    path.write_text("years:\n  2027:\n    workdays: [2027-01-04]\n", encoding="utf-8")
    with pytest.raises(CommandError, match="cal.yaml第3行（years.2027.workdays.0）：2027-01-04 本来就是工作日"):
        call_command("calendar_load", str(path))
    with pytest.raises(CommandError):
        call_command("calendar_load", str(tmp_path / "missing.yaml"))


def test_luoshi_calendar_load_is_the_command(db, tmp_path, monkeypatch):
    """`luoshi calendar load FILE` (two words) runs the calendar_load command (checked without running it
    in-process: a management command run from the command line closes the database connections)."""
    from luoshi import cli

    seen = []
    monkeypatch.setattr(cli, "run_command", lambda name, shown, args: seen.append((name, args)))
    monkeypatch.setattr(sys, "argv", ["luoshi", "calendar", "load", "cal.yaml"])
    cli.main()
    assert seen == [("calendar_load", ["cal.yaml"])]
