"""The escalation ladder (督办升级) with the clock moved by `travel`: the daily job proposes, the office confirms or
dismisses, and only then is the unit told.

The ladder (fixtures_ledger.FULL_LADDER): 预警提醒 at 3 days overdue; 约谈 at 7 days overdue or a repeat within 30
days of closure (recorded: date, attendees, minutes); 通报批评 when the 约谈 was confirmed and it is 14 days overdue,
or when the unit already had two 约谈 confirmed within 90 days and this finding is 7 days overdue.
Findings are issued on Monday 2026-03-02, so a general one is due 03-09.

One open step per finding (ADR 0023): the job proposes a step only when no earlier one waits for the office,
only steps above the highest one already proposed in the cycle, and of several earned at once only the highest."""
from __future__ import annotations

import datetime as dt

import pytest

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.models import JournalEntry, Notification
from luoshi.ledger import services
from luoshi.ledger.ladder import FindingFacts, earned_steps, ladder_parse
from luoshi.ledger.models import Escalation, FindingEvent

from .fixtures_ledger import *  # noqa: F401,F403
from .fixtures_ledger import FULL_LADDER, journal, notes, set_ladder

D = dt.date
DAY0 = "2026-03-02"


@pytest.fixture
def ladder(ledger_program):
    return set_ladder(ledger_program, FULL_LADDER)


@pytest.fixture
def office2(city, ledger_program):
    """Office staff granted on the program's owner unit itself (区委办公室): the people office_people() tells."""
    from luoshi.org.services import grant_role, person_create

    person = person_create(by=None, username="office2", full_name="督查科", unit=city["office_unit"])
    grant_role(by=None, person=person, role="office", unit=city["office_unit"])
    return person


def issued(findings, travel, *units, when=DAY0, ack=True):
    """Findings of the given units recorded and issued on `when` (and signed)."""
    with travel(when):
        fs = [findings.record(u, f"{u} 的问题 {i}") for i, u in enumerate(units or ("street_a",))]
        for sheet in findings.issue(fs):
            if ack:
                findings.acknowledge(sheet)
    return fs


def run(travel, day, **kw):
    with travel(day):
        return services.escalations_run(**kw)


def steps(finding, state=None, cycle=None) -> list[str]:
    qs = Escalation.objects.filter(finding=finding)
    if state:
        qs = qs.filter(state=state)
    if cycle is not None:
        qs = qs.filter(cycle=cycle)
    return list(qs.order_by("level", "id").values_list("step", flat=True))


def esc(finding, step, cycle=0) -> Escalation:
    return Escalation.objects.get(finding=finding, step=step, cycle=cycle)


def confirm(office, e, day="2026-03-16", travel=None, **kw):
    kw.setdefault("held_on", D.fromisoformat(day[:10]))
    kw.setdefault("attendees", "区委办公室 刘晓燕；中韩街道 周强")
    kw.setdefault("minutes", "约谈责任单位，要求三日内整改到位。")
    if travel:
        with travel(day):
            return services.escalation_decide(by=office, escalation=e, confirm=True, **kw)
    return services.escalation_decide(by=office, escalation=e, confirm=True, **kw)


# ---- the steps and their days ----------------------------------------------------------------------

def test_steps_fire_on_their_days_and_once(ladder, findings, cast, travel):
    [f] = issued(findings, travel)
    assert run(travel, "2026-03-11")["proposed"] == 0  # 2 days overdue
    assert steps(f) == []
    assert run(travel, "2026-03-12")["proposed"] == 1  # 3 days: 预警提醒
    w = esc(f, "warning")
    assert (w.step_name, w.level, w.cycle, w.state, w.reason) == ("预警提醒", 1, 0, "proposed", "逾期3天")
    assert (w.unit, w.unit_path, w.in_bulletin) == (f.unit, f.unit_path, False)
    assert run(travel, "2026-03-13")["proposed"] == 0
    assert run(travel, "2026-03-15")["proposed"] == 0  # 6 days
    assert run(travel, "2026-03-16")["proposed"] == 0  # 7 days, but the 预警提醒 still waits for the office
    assert steps(f) == ["warning"]
    confirm(cast["office"], w, "2026-03-16", travel)
    assert run(travel, "2026-03-16")["proposed"] == 1  # decided: now 约谈
    i = esc(f, "interview")
    assert (i.step_name, i.level, i.reason) == ("约谈", 2, "逾期7天")
    assert run(travel, "2026-03-16")["proposed"] == 0  # the job again the same day
    assert run(travel, "2026-03-17")["proposed"] == 0  # and the next
    assert steps(f) == ["warning", "interview"]
    # 14 days overdue, but the 约谈 is not confirmed: no 通报批评
    assert run(travel, "2026-03-23")["proposed"] == 0
    assert steps(f) == ["warning", "interview"]
    confirm(cast["office"], i, "2026-03-23", travel)
    assert run(travel, "2026-03-23")["proposed"] == 1
    c = esc(f, "criticism")
    assert (c.level, c.in_bulletin, c.reason) == (3, True, "逾期14天")
    assert steps(f) == ["warning", "interview", "criticism"]
    assert run(travel, "2026-04-30")["proposed"] == 0  # nothing left to earn


def test_nothing_for_findings_the_unit_does_not_owe(ladder, findings, inspector, travel):
    [owed, submitted, waiting] = issued(findings, travel, "street_a", "street_a", "street_b")
    with travel("2026-03-05"):
        findings.submit(submitted)
    with travel(DAY0):
        findings.record("street_b", "未交办的问题")  # no sheet, no deadline
    run(travel, "2026-03-20")
    assert set(Escalation.objects.values_list("finding__description", flat=True)) == {owed.description,
                                                                                       waiting.description}
    assert steps(submitted) == []


def test_an_unsigned_sheet_counts_as_owed(ladder, findings, travel):
    [f] = issued(findings, travel, ack=False)
    run(travel, "2026-03-12")
    assert steps(f) == ["warning"]


def test_severity_sets_the_deadline_the_ladder_counts_from(ladder, findings, travel):
    with travel(DAY0):
        severe = findings.record(severity="severe")  # due 03-05
        findings.issue([severe])
    run(travel, "2026-03-07")
    assert steps(severe) == []
    run(travel, "2026-03-08")
    assert steps(severe) == ["warning"]


# ---- confirming and dismissing ---------------------------------------------------------------------

def test_confirming_a_record_step_needs_date_attendees_and_minutes(ladder, findings, cast, travel):
    [f] = issued(findings, travel)
    run(travel, "2026-03-12")
    # a step without `record` needs nothing; its date is the day it was confirmed
    with travel("2026-03-13"):
        services.escalation_decide(by=cast["office"], escalation=esc(f, "warning"), confirm=True)
    w = esc(f, "warning")
    assert (w.state, w.held_on, w.attendees) == ("confirmed", D(2026, 3, 13), "")
    run(travel, "2026-03-16")
    i = esc(f, "interview")
    with travel("2026-03-16"):
        with pytest.raises(ServiceError, match="确认“约谈”须填写：实施日期、参加人员、记录/纪要。"):
            services.escalation_decide(by=cast["office"], escalation=i, confirm=True)
        with pytest.raises(ServiceError, match="须填写：记录/纪要。"):
            services.escalation_decide(by=cast["office"], escalation=i, confirm=True, held_on=D(2026, 3, 16),
                                       attendees="刘晓燕、周强", minutes="   ")
    assert Escalation.objects.get(pk=i.pk).state == "proposed"
    assert not FindingEvent.objects.filter(finding=f, kind="escalated", text="约谈").exists()
    with travel("2026-03-17"):
        services.escalation_decide(by=cast["office"], escalation=i, confirm=True, held_on=D(2026, 3, 16),
                                   attendees=" 刘晓燕、周强 ", minutes="约谈街道分管负责同志。")
    i = Escalation.objects.get(pk=i.pk)
    assert (i.state, i.decided_by, i.held_on, i.attendees, i.minutes) == (
        "confirmed", cast["office"], D(2026, 3, 16), "刘晓燕、周强", "约谈街道分管负责同志。")
    ev = FindingEvent.objects.get(finding=f, kind="escalated", text="约谈")
    assert (ev.text, ev.by, ev.data) == ("约谈", cast["office"], {"step": "interview", "reason": "逾期7天"})
    [entry] = journal(i, "ledger.escalation_confirm")
    assert entry.changes["step"] == "约谈" and entry.changes["finding"] == f.code and entry.actor == cast["office"]


def test_dismissing_needs_a_note_and_a_step_is_decided_once(ladder, findings, cast, travel):
    [f] = issued(findings, travel)
    run(travel, "2026-03-12")
    w = esc(f, "warning")
    with travel("2026-03-12"):
        with pytest.raises(ServiceError, match="不采取措施须写明理由") as e:
            services.escalation_decide(by=cast["office"], escalation=w, confirm=False, note="  ")
        assert e.value.field == "note"
        services.escalation_decide(by=cast["office"], escalation=w, confirm=False, note="已电话督促，暂不预警")
        with pytest.raises(ServiceError, match="该措施已处理（不采取）"):
            services.escalation_decide(by=cast["office"], escalation=esc(f, "warning"), confirm=True)
    w = esc(f, "warning")
    assert (w.state, w.note, w.held_on) == ("dismissed", "已电话督促，暂不预警", None)
    assert [e.reason for e in journal(w, "ledger.escalation_dismiss")] == ["已电话督促，暂不预警"]
    assert not FindingEvent.objects.filter(finding=f, kind="escalated").exists()
    assert notes(cast["liaison_a"], "ledger_escalation") == []
    run(travel, "2026-03-13")
    assert steps(f) == ["warning"]  # a dismissed step is not proposed again in the same cycle


@pytest.mark.parametrize("who", ["inspector", "leader", "liaison_a", "evaluator"])
def test_only_the_office_decides(ladder, findings, cast, inspector, travel, who):
    [f] = issued(findings, travel)
    run(travel, "2026-03-12")
    person = inspector if who == "inspector" else cast[who]
    with travel("2026-03-12"), pytest.raises(PermissionDeniedError, match="督查室/办公室"):
        services.escalation_decide(by=person, escalation=esc(f, "warning"), confirm=False, note="不采取")
    assert esc(f, "warning").state == "proposed"


def test_a_confirmed_document_is_stored(ladder, findings, cast, travel):
    [f] = issued(findings, travel)
    run(travel, "2026-03-16")
    pdf = "%PDF-1.4\n% 约谈通知\n".encode()
    confirm(cast["office"], esc(f, "interview"), "2026-03-16", travel, document=("约谈通知.pdf", pdf))
    doc = esc(f, "interview").document
    assert doc.original_name == "约谈通知.pdf" and doc.size == len(pdf)


# ---- who is told, and when ------------------------------------------------------------------------

def test_the_unit_hears_only_after_the_office_confirms(ladder, findings, cast, city, travel):
    from luoshi.org.services import pairing_create

    pairing_create(by=None, target_unit=city["street_a"], helper_person=cast["leader"])  # 包联领导 of 中韩街道
    [f] = issued(findings, travel)
    before = {p: len(notes(cast[p])) for p in ("liaison_a", "leader", "liaison_b")}
    run(travel, "2026-03-12")  # 预警提醒 proposed
    assert steps(f) == ["warning"]
    for p in ("liaison_a", "leader", "liaison_b"):
        assert len(notes(cast[p])) == before[p], p  # the job tells nobody at the unit
    with travel("2026-03-12"):
        services.escalation_decide(by=cast["office"], escalation=esc(f, "warning"), confirm=True)
    run(travel, "2026-03-16")  # 约谈 proposed
    for p in ("liaison_a", "leader", "liaison_b"):
        assert len(notes(cast[p], "ledger_escalation")) == (1 if p == "liaison_a" else 0), p
    # 预警提醒 notifies [unit]: the liaison, not the leader
    assert [n.title for n in notes(cast["liaison_a"], "ledger_escalation")] == [f"督办预警提醒：问题 {f.code}"]
    assert notes(cast["leader"], "ledger_escalation") == []
    confirm(cast["office"], esc(f, "interview"), "2026-03-16", travel)
    # 约谈 notifies [unit, leader]: the liaison and the paired leader
    assert [n.title for n in notes(cast["liaison_a"], "ledger_escalation")] == [
        f"督办预警提醒：问题 {f.code}", f"督办约谈：问题 {f.code}"]
    [n] = notes(cast["leader"], "ledger_escalation")
    assert n.title == f"督办约谈：问题 {f.code}" and "逾期7天" in n.body
    assert n.url == f"/ledger/findings/{f.pk}/"
    assert notes(cast["liaison_b"], "ledger_escalation") == []
    assert notes(cast["liaison_dept"]) == []


def test_a_leader_granted_on_the_unit_is_told_too(ladder, findings, cast, city, travel):
    from luoshi.org.services import grant_role, person_create

    street_leader = person_create(by=None, username="street_leader", full_name="街道书记", unit=city["street_a"])
    grant_role(by=None, person=street_leader, role="leader", unit=city["street_a"])
    [f] = issued(findings, travel)
    run(travel, "2026-03-16")
    confirm(cast["office"], esc(f, "interview"), "2026-03-16", travel)
    assert [n.kind for n in notes(street_leader)] == ["ledger_escalation"]
    assert notes(cast["leader"], "ledger_escalation") == []  # a district leader not paired with the street


def test_the_office_gets_one_digest_per_program_per_day(ladder, findings, cast, city, office2, travel,
                                                        ledger_program):
    from luoshi.ledger.models import LedgerConfig
    from luoshi.tasks.services import program_create

    with travel(DAY0):
        other = program_create(by=None, code="other-2026", name="另一项工作", year=2026, owner_unit=city["office_unit"])
        LedgerConfig.objects.create(program=other, sheet_prefix="其他督办", deadline_days={"general": 7},
                                    ladder=FULL_LADDER)
        g = services.finding_record(by=cast["office"], program=other, data=services.FindingInput(
            unit=city["street_b"], description="另一项工作的问题"))
        services.sheets_issue(by=cast["office"], program=other, findings=[g])
    fa, fb = issued(findings, travel, "street_a", "street_b")

    run(travel, "2026-03-12")  # 3 warnings in two programs
    digests = notes(office2, "ledger_escalation")
    assert sorted(n.title for n in digests) == ["2026年鼓励创新工作要点：2 项督办升级待确认", "另一项工作：1 项督办升级待确认"]
    assert {n.url for n in digests} == {"/programs/demo-2026/ledger/escalations/",
                                        "/programs/other-2026/ledger/escalations/"}
    assert "预警提醒 2 项" in next(n.body for n in digests if n.title.startswith("2026"))
    for f in (fa, fb):
        with travel("2026-03-12"):
            services.escalation_decide(by=cast["office"], escalation=esc(f, "warning"), confirm=False, note="已电话督促")
    with travel("2026-03-12"):
        services.escalation_decide(by=cast["office"], escalation=Escalation.objects.get(finding=g, step="warning"),
                                   confirm=False, note="已电话督促")
    # more proposals the same day (the office confirmed a 约谈 at 14 days, so 通报批评 follows): no second digest
    run(travel, "2026-03-23")
    assert len(notes(office2, "ledger_escalation")) == 4  # 03-23: one per program (约谈 for all three)
    confirm(cast["office"], esc(fa, "interview"), "2026-03-23", travel)
    assert run(travel, "2026-03-23")["proposed"] == 1
    assert steps(fa)[-1] == "criticism"
    assert len(notes(office2, "ledger_escalation")) == 4
    # the district office (granted on 崂山区, above the owner unit) got the same digests; nobody else did —
    # the liaison of 中韩街道 only heard of the confirmed 约谈
    assert len(notes(cast["office"], "ledger_escalation")) == 4
    assert set(Notification.objects.filter(title__contains="待确认").values_list("recipient", flat=True)) == {
        office2.pk, cast["office"].pk}
    assert [n.title for n in notes(cast["liaison_a"], "ledger_escalation")] == [f"督办约谈：问题 {fa.code}"]
    # notify=False proposes without telling
    with travel("2026-04-30"):
        services.finding_record(by=cast["office"], program=ledger_program, data=services.FindingInput(
            unit=city["dept"], description="新问题"))
    n_before = Notification.objects.count()
    run(travel, "2026-05-01", notify=False)
    assert Notification.objects.count() == n_before


def test_the_office_over_the_owner_unit_gets_the_digest(ladder, findings, cast, travel):
    [f] = issued(findings, travel)
    run(travel, "2026-03-12")
    assert [n.title for n in notes(cast["office"], "ledger_escalation")] == ["2026年鼓励创新工作要点：1 项督办升级待确认"]


def test_the_job_journals_what_it_proposed(ladder, findings, travel, ledger_program):
    issued(findings, travel, "street_a", "street_b")
    run(travel, "2026-03-16")
    [entry] = JournalEntry.objects.filter(verb="ledger.escalations_propose")
    assert entry.actor is None and entry.object_id == str(ledger_program.pk)
    assert entry.changes == {"proposed": 2, "by_step": {"约谈": 2}}  # 7 days overdue: the highest step only
    run(travel, "2026-03-17")
    assert JournalEntry.objects.filter(verb="ledger.escalations_propose").count() == 1  # nothing new, no entry


# ---- repeats and the unit's record -----------------------------------------------------------------

def test_a_finding_reopened_within_30_days_earns_an_interview_in_the_new_cycle(ladder, findings, cast, inspector,
                                                                               travel):
    [f] = issued(findings, travel)
    run(travel, "2026-03-16")  # cycle 0: 约谈 (7 days overdue, the highest earned step)
    confirm(cast["office"], esc(f, "interview"), "2026-03-16", travel)
    with travel("2026-03-17"):
        findings.submit(f)
        findings.close(f)  # recorded by the office, closed by the inspector
    with travel("2026-03-27"):
        services.finding_reopen(by=inspector, finding=type(f).objects.get(pk=f.pk), text="回头看：垃圾又堆起来了")
    run(travel, "2026-03-27")
    assert steps(f, cycle=1) == ["interview"]
    again = esc(f, "interview", cycle=1)
    assert (again.state, again.reason) == ("proposed", "销号后10天内复发")
    # the confirmed 约谈 of cycle 0 does not count for 通报批评 in cycle 1, and the new deadline (04-03) is not past
    run(travel, "2026-04-03")
    assert steps(f, cycle=1) == ["interview"]
    assert steps(f, cycle=0) == ["interview"]


def test_a_repeat_after_more_than_30_days_earns_nothing_by_itself(ladder, findings, inspector, travel):
    [f] = issued(findings, travel)
    with travel("2026-03-05"):
        findings.submit(f)
        findings.close(f)
    with travel("2026-04-06"):  # 32 days after closure
        services.finding_reopen(by=inspector, finding=type(f).objects.get(pk=f.pk), text="又出现")
    run(travel, "2026-04-06")
    assert steps(f) == []
    run(travel, "2026-04-16")  # new deadline 04-13: 3 days overdue in the new cycle
    assert steps(f, cycle=1) == ["warning"]


def test_unit_prior_counts_confirmed_interviews_across_findings(ladder, findings, cast, travel):
    f1, f2, f3, g = issued(findings, travel, "street_a", "street_a", "street_a", "street_b")
    run(travel, "2026-03-16")  # 7 days: 约谈 for all four, no 通报批评 (no prior 约谈)
    for f in (f1, f2, f3, g):
        assert steps(f) == ["interview"]
    confirm(cast["office"], esc(f1, "interview"), "2026-03-16", travel)
    with travel("2026-03-16"):
        services.escalation_decide(by=cast["office"], escalation=esc(f3, "interview"), confirm=False,
                                   note="同一单位已约谈，合并处理")
    run(travel, "2026-03-17")
    assert "criticism" not in steps(f3)  # one prior 约谈 at 中韩街道 is not two
    confirm(cast["office"], esc(f2, "interview"), "2026-03-17", travel)
    confirm(cast["office"], esc(g, "interview"), "2026-03-17", travel)
    run(travel, "2026-03-18")
    c3 = esc(f3, "criticism")
    assert c3.reason == "逾期9天，单位90天内已有2次同类措施" and c3.state == "proposed"
    assert "criticism" in steps(f1) and "criticism" in steps(f2)
    assert steps(g) == ["interview"]  # 沙子口街道 had only one


def test_unit_prior_only_counts_within_its_days(ladder, findings, cast, travel):
    f1, f2, f3 = issued(findings, travel, "street_a", "street_a", "street_a")
    run(travel, "2026-03-16")
    confirm(cast["office"], esc(f1, "interview"), "2026-03-16", travel, held_on=D(2025, 12, 1))  # 106 days before
    confirm(cast["office"], esc(f2, "interview"), "2026-03-16", travel)
    with travel("2026-03-16"):
        services.escalation_decide(by=cast["office"], escalation=esc(f3, "interview"), confirm=False, note="合并处理")
    run(travel, "2026-03-17")
    assert "criticism" not in steps(f3)


def test_the_job_for_a_given_day_uses_that_day(ladder, findings, travel):
    [f] = issued(findings, travel)
    with travel("2026-03-09"):
        services.escalations_run(today=D(2026, 3, 12))
    assert steps(f) == ["warning"]


# ---- the ladder rules themselves ------------------------------------------------------------------

def facts(**kw) -> FindingFacts:
    base = dict(severity="general", overdue_days=0, days_since_last_close=None, return_count=0,
                confirmed_steps=set(), unit_confirmed={})
    return FindingFacts(**(base | kw))


def test_the_ladder_parses_and_applies(ladder):
    lad = ladder_parse(FULL_LADDER)
    today = D(2026, 3, 20)
    earned = lambda **kw: [s.key for _l, s, _r in earned_steps(lad, facts(**kw), today)]  # noqa: E731
    assert earned(overdue_days=2) == []
    assert earned(overdue_days=3) == ["warning"]
    assert earned(overdue_days=7) == ["warning", "interview"]
    assert earned(overdue_days=14) == ["warning", "interview"]
    assert earned(overdue_days=14, confirmed_steps={"interview"}) == ["warning", "interview", "criticism"]
    assert earned(days_since_last_close=30) == ["interview"]
    assert earned(days_since_last_close=31) == []
    two = {"interview": [D(2026, 1, 5), D(2026, 3, 1)]}
    assert earned(overdue_days=7, unit_confirmed=two) == ["warning", "interview", "criticism"]
    assert earned(overdue_days=6, unit_confirmed=two) == ["warning"]
    old = {"interview": [D(2025, 12, 1), D(2026, 3, 1)]}
    assert earned(overdue_days=7, unit_confirmed=old) == ["warning", "interview"]


@pytest.mark.parametrize("bad, message", [
    ([{"key": "a", "name": "A", "when": [{}]}], "条件至少要写一项"),
    ([{"key": "a", "name": "A", "when": [{"after_step": "b"}]},
      {"key": "b", "name": "B", "when": [{"overdue_days": 1}]}],
     "措施 a 引用的 b 须是它之前"),
    ([{"key": "a", "name": "A", "when": [{"overdue_days": 1}]},
      {"key": "a", "name": "A2", "when": [{"overdue_days": 2}]}],
     "措施代码 a 重复"),
    ([{"key": "a", "name": "A", "when": [{"overdue_days": 1}], "notify": ["everyone"]}], "notify"),
    ([{"key": "a", "name": "A", "when": [{"overdue_dayz": 1}]}], "overdue_dayz"),
])
def test_a_broken_ladder_is_refused(bad, message):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        ladder_parse(bad)


# ---- one open step at a time, going up ------------------------------------------------------------

def test_a_finding_first_seen_late_gets_only_the_highest_step(ladder, findings, cast, travel):
    [f] = issued(findings, travel)
    assert run(travel, "2026-03-16")["proposed"] == 1  # 7 days overdue on the first run: 约谈, not 预警提醒 too
    assert steps(f) == ["interview"]
    confirm(cast["office"], esc(f, "interview"), "2026-03-16", travel)
    assert run(travel, "2026-03-17")["proposed"] == 0  # the passed-over 预警提醒 is not proposed afterwards
    assert steps(f) == ["interview"]


def test_an_open_step_holds_the_next_until_the_office_decides(ladder, findings, cast, travel):
    [f] = issued(findings, travel)
    run(travel, "2026-03-12")
    for day in ("2026-03-16", "2026-03-23", "2026-04-30"):
        assert run(travel, day)["proposed"] == 0
        assert steps(f) == ["warning"]
    with travel("2026-04-30"):  # dismissing decides too: the next step up may follow
        services.escalation_decide(by=cast["office"], escalation=esc(f, "warning"), confirm=False, note="已电话督促")
    assert run(travel, "2026-04-30")["proposed"] == 1
    assert steps(f) == ["warning", "interview"]
    assert Escalation.objects.filter(finding=f, state="proposed").count() == 1


def test_no_finding_ever_has_two_open_steps(ladder, findings, cast, travel):
    fs = issued(findings, travel, "street_a", "street_a", "street_b")
    for i, day in enumerate(("2026-03-12", "2026-03-16", "2026-03-23", "2026-04-10")):
        run(travel, day)
        for f in fs:
            assert Escalation.objects.filter(finding=f, state="proposed").count() <= 1
        # the office decides some of what is open, so later steps can come
        for e in Escalation.objects.filter(state="proposed", finding=fs[i % 3]):
            confirm(cast["office"], e, day, travel)
    levels = list(Escalation.objects.filter(finding=fs[0]).order_by("id").values_list("level", flat=True))
    assert levels == sorted(set(levels))  # strictly up
