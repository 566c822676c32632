"""Timers with time travel: the exit review opens exactly at expiry − 6 months, once; the dynamic review two years
after the last operation; the continuation application is due at expiry − 3 months; 存续 renews the certificate,
退出 dissolves the institution; working-day limits skip holidays; lights and reminders once per light; the inbox
count equals its list."""
import datetime as dt

import pytest
from django.utils import timezone

from luoshi.core.inbox import inbox_source
from luoshi.core.models import Notification
from luoshi.procedures.daily import procedures_daily, timers_run
from luoshi.procedures.models import Case, CaseStep, Institution
from luoshi.procedures.services import institution_create, institution_record_operation, step_decide

from .conftest import open_step, start_parcel, upload


@pytest.fixture
def institute(yanfa, pingdu, travel):
    u = pingdu["units"]
    with travel("2026-01-10"):  # registered after its last operation (a future operation date is refused)
        return institution_create(by=pingdu["people"]["bianban"], name="中国海洋大学海洋装备研究院", unit=u["host"],
                                  authority=u["bianban"], cert_issued=dt.date(2022, 3, 31),
                                  cert_expires=dt.date(2027, 3, 31), last_operation_on=dt.date(2025, 12, 15))




def test_exit_review_boundary(institute, travel):
    boundary = dt.date(2026, 9, 30)  # 2027-03-31 − 6 months
    with travel("2026-09-29"):
        assert timers_run(boundary - dt.timedelta(days=1)) == []
    with travel("2026-09-30"):
        (case,) = timers_run(boundary)
        assert timers_run(boundary) == []
    with travel("2026-10-01"):
        assert timers_run(boundary + dt.timedelta(days=1)) == []
    assert Case.objects.filter(institution=institute).count() == 1
    assert case.trigger == "exit_review" and case.trigger_key == "2027-03-31" and case.number.startswith("YF-2026-")
    review = open_step(case, "review")
    assert timezone.localtime(review.due_at).date() == dt.date(2027, 1, 1)  # 24:00 of 2026-12-31 (expiry − 3 months)


def test_continue_leads_to_the_renewal_due_three_months_before_and_renews(institute, pingdu, travel):
    people = pingdu["people"]
    with travel("2026-10-08"):
        (case,) = timers_run(dt.date(2026, 10, 8))
        review = open_step(case, "review")
        upload(review, people["host"], "report")
        step_decide(by=people["host"], step=review, decision="continue")
        renewal = open_step(case, "renewal")
        assert timezone.localtime(renewal.due_at).date() == dt.date(2027, 1, 1)
        upload(renewal, people["host"], "application")
        with pytest.raises(Exception):
            step_decide(by=people["host2"], step=renewal, decision="pass")
        step_decide(by=people["host"], step=renewal, decision="pass")
        step_decide(by=people["bianban"], step=open_step(case, "renewal_register"), decision="pass")
    institute.refresh_from_db()
    case.refresh_from_db()
    assert case.state == "done" and case.outcome == "准予延续"
    assert institute.cert_expires == dt.date(2032, 3, 31) and institute.state == "active"
    with travel("2031-09-30"):  # the renewed certificate has its own review, once
        opened = timers_run(dt.date(2031, 9, 30))
        assert [c.trigger_key for c in opened if c.trigger == "exit_review"] == ["2032-03-31"]


def test_exit_leads_to_dissolution(institute, pingdu, travel):
    people = pingdu["people"]
    with travel("2026-10-08"):
        (case,) = timers_run(dt.date(2026, 10, 8))
        review = open_step(case, "review")
        upload(review, people["host"], "report")
        step_decide(by=people["host"], step=review, decision="exit")
        dissolve = open_step(case, "dissolve")
        upload(dissolve, people["host"], "application")
        step_decide(by=people["host"], step=dissolve, decision="pass")
        step_decide(by=people["bianban"], step=open_step(case, "dissolve_register"), decision="pass")
    institute.refresh_from_db()
    assert institute.state == "dissolved"
    with travel("2031-09-30"):
        assert timers_run(dt.date(2031, 9, 30)) == []  # a dissolved institution has no timers


def test_dynamic_review_two_years_after_the_last_operation(institute, pingdu, travel):
    Institution.objects.filter(pk=institute.pk).update(last_operation_on=dt.date(2023, 5, 20))
    institute.refresh_from_db()
    with travel("2025-05-19"):
        assert timers_run(dt.date(2025, 5, 19)) == []
    with travel("2025-05-20"):
        (case,) = timers_run(dt.date(2025, 5, 20))
        assert case.trigger == "dynamic_review" and case.definition.code == "qingdao-yanfa-dongtai"
        assert timers_run(dt.date(2025, 5, 20)) == []
        review = open_step(case, "review")
        upload(review, pingdu["people"]["host"], "report")
        step_decide(by=pingdu["people"]["host"], step=review, decision="continue")
    case.refresh_from_db()
    assert case.state == "done" and case.outcome == "存续"
    with travel("2025-06-01"):
        institution_record_operation(by=pingdu["people"]["host"], institution=institute, on=dt.date(2025, 5, 30),
                                     note="年度报告")
    institute.refresh_from_db()
    assert institute.last_operation_on == dt.date(2025, 5, 30)
    with travel("2027-05-30"):  # two years after the new date: a new dynamic review
        assert [c.trigger_key for c in timers_run(dt.date(2027, 5, 30)) if c.trigger == "dynamic_review"] == ["2025-05-30"]


def test_working_day_limits_skip_the_national_holiday(land, pingdu, travel):
    people, units = pingdu["people"], pingdu["units"]
    with travel("2026-09-30T10:00:00+08:00"):
        case = start_parcel(land, people, units)
    step = open_step(case, "apply")
    # 10 working days after 2026-09-30: 国庆 10-01…10-07 off, 10-10 (Sat) worked → 10-08,09,10,12,13,14,15,16,19,20;
    # the limit ends at 24:00 of 10-20 (a plain Monday–Friday count would have ended on 10-14)
    due = timezone.localtime(step.due_at)
    assert due.date() == dt.date(2026, 10, 21) and due.hour == 0


def test_lights_and_reminders_once_per_light(land, pingdu, travel):
    people, units = pingdu["people"], pingdu["units"]
    with travel("2026-06-01"):
        case = start_parcel(land, people, units)  # 10 working days → the last day is 2026-06-15
    step = open_step(case, "apply")
    with travel("2026-06-08"):
        procedures_daily(dt.date(2026, 6, 8), True)
    step.refresh_from_db()
    assert step.light == "normal"
    with travel("2026-06-10"):  # three working days left (11, 12, 15)
        procedures_daily(dt.date(2026, 6, 10), True)
    step.refresh_from_db()
    assert step.light == "normal"
    with travel("2026-06-11"):  # two left: 临期
        lines = procedures_daily(dt.date(2026, 6, 11), True)
    step.refresh_from_db()
    assert step.light == "yellow" and "临期 1 个" in lines[0]
    with travel("2026-06-12"):
        procedures_daily(dt.date(2026, 6, 12), True)
    with travel("2026-06-15"):  # the last day: still 临期
        procedures_daily(dt.date(2026, 6, 15), True)
    step.refresh_from_db()
    assert step.light == "yellow"
    with travel("2026-06-16"):
        procedures_daily(dt.date(2026, 6, 16), True)
    step.refresh_from_db()
    assert step.light == "red"
    notes = list(Notification.objects.filter(recipient=people["village_a"]).values_list("title", flat=True))
    assert sorted(t[:2] for t in notes) == ["临期", "逾期"]
    assert not Notification.objects.filter(recipient=people["village_c"]).exists()


def test_inbox_count_equals_its_list(land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    from .conftest import run_to

    for i in range(3):
        run_to(start_parcel(land, people, units, title=f"地块{i}"), land, people, "joint_nr")
    start_parcel(land, people, units, title="沙梁", village="village_c")
    source = inbox_source("procedures.steps")
    for who in ("nr", "agri", "village_a", "village_c", "nancun", "renzhao", "pd_office", "mayor"):
        person = people[who]
        items = source.items(person, None)
        assert source.count(person) == len(items), who
    assert source.count(people["nr"]) == 3 and source.count(people["village_c"]) == 1
    assert source.count(people["renzhao"]) == 0
    item = source.items(people["nr"], 1)[0]
    assert item.url.endswith(f"/procedures/cases/{CaseStep.objects.filter(code='joint_nr').order_by('due_at', 'id')[0].case_id}/")
