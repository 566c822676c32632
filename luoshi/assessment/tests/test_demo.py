"""The assessment demo, on top of the whole `luoshi demo`: every number it shows was produced by the
services from stored scores — published 创城 months with a street in the bottom three twice running and
its 降级/摘牌 proposals, a month in scoring with the evaluator at work, 党内法规 with bonuses and
deductions, 大气 weeks against the same weeks last year, 小型水库 with a contractor failing twice, appeals —
and scorer ≠ approver holds for every score."""
from __future__ import annotations

from decimal import Decimal

from luoshi.assessment.demo import (APPEAL_PENDING, APPEAL_REVISED, ASSESSMENT_ACCOUNTS, FAILING_CONTRACTOR, NEW_OFFENDER,
                                    REPEAT_OFFENDER, STREETS, assessment_demo)
from luoshi.assessment.models import (Adjustment, Appeal, Consequence, EvaluatorAssignment, Publication, Result, Round,
                                      Score)
from luoshi.core import clock
from luoshi.core.models import JournalEntry
from luoshi.org.models import Person, Unit


def street(pair):
    district, name = pair
    return Unit.objects.get(parent__name=district, name=name)


def rounds_of(code):
    return list(Round.objects.filter(scheme__code=code).order_by("period_end"))


def test_the_demo(db, travel, client):
    """`luoshi demo` once (it takes several seconds), then each part checked."""
    from luoshi.demo.loader import demo_load

    with travel("2026-11-23"):
        demo = demo_load()
        check_summary_and_accounts(demo, client)
        check_chuangcheng_months()
        check_bottom_three_twice_running_proposes_demotion_then_removal()
        check_scoring_month_shows_the_evaluators_work()
        check_scores_carry_notes_and_evidence_and_were_approved_by_someone_else()
        check_appeals()
        check_dangnei_fagui_half_year()
        check_daqi_weeks_compare_with_last_year()
        check_xiaoxing_shuiku_contractor_failing_twice()
        check_running_again_changes_nothing()


def check_summary_and_accounts(demo, client):
    from luoshi.org.demo import DEMO_PASSWORD

    a = demo["assessment"]
    assert a["schemes"] == 5 and a["rounds"] == Round.objects.count() and a["published"] == a["rounds"] - 1
    assert a["scoring"].scheme.code == "chuangcheng-monthly" and a["scoring"].name == "2026年11月创城测评"
    assert a["proposals"] > 0 and a["appeals"] == 1
    for acc in ASSESSMENT_ACCOUNTS:
        assert client.login(username=acc.username, password=DEMO_PASSWORD), acc.username
        client.logout()


def check_chuangcheng_months():
    *published, scoring = rounds_of("chuangcheng-monthly")
    assert [r.name for r in published] == ["2026年7月创城测评", "2026年8月创城测评", "2026年9月创城测评", "2026年10月创城测评"]
    assert all(r.state in ("published", "final") and r.appeal_deadline for r in published) and scoring.state == "scoring"
    # Rounds whose appeal window closed with nothing waiting are finalised; the one with an open appeal is not.
    for r in published:
        waiting = r.appeals.filter(state="filed").exists()
        assert r.state == ("published" if waiting or r.appeal_deadline >= clock.today() else "final"), r.name
    assert len(STREETS) == 7 and sum(len(v) for v in STREETS.values()) == 51
    for r in published:
        streets = Result.objects.filter(round=r, group="streets")
        districts = Result.objects.filter(round=r, group="districts")
        assert streets.count() == 51 and districts.count() == 10
        assert {u.parent.name for u in Unit.objects.filter(pk__in=streets.values("unit_id"))} == set(STREETS)
        # 十佳 / 十差: ten each, more only when units tie at the boundary (并列)
        top, bottom = streets.filter(is_top=True), streets.filter(is_bottom=True)
        assert 10 <= top.count() <= 12 and 10 <= bottom.count() <= 12
        assert set(top) == set(streets.filter(rank__lte=10))
        assert not districts.filter(is_top=True).exists()
        # the 10 districts are ranked 1224-style on their published totals (ties share a rank)
        pairs = list(districts.values_list("total", "rank"))
        assert all(rank == 1 + sum(1 for t, _r in pairs if t > total) for total, rank in pairs)
        totals = [t for t in streets.values_list("total", flat=True)]
        assert all(Decimal(60) < t <= 100 for t in totals) and max(totals) - min(totals) > 10
        # a street's total is its on-site points as a percentage; a district's adds survey and departments
        assert all(r_.available == 60 for r_ in streets) and all(r_.available == 100 for r_ in districts)


def check_bottom_three_twice_running_proposes_demotion_then_removal():
    *published, _scoring = rounds_of("chuangcheng-monthly")
    repeat, new = street(REPEAT_OFFENDER), street(NEW_OFFENDER)

    def bottom_three(rnd, unit):
        r = Result.objects.get(round=rnd, unit=unit)
        return r.rank >= r.group_size - 2

    assert all(bottom_three(r, repeat) for r in published)
    assert [bottom_three(r, new) for r in published] == [False, False, True, True]
    first = Consequence.objects.get(round=published[1], unit=repeat)
    assert (first.action, first.occurrence, first.state) == ("文明单位降级", 1, "confirmed") and first.decided_by
    latest = {c.unit_id: c for c in Consequence.objects.filter(round=published[3])}
    assert (latest[repeat.pk].action, latest[repeat.pk].occurrence, latest[repeat.pk].state) == ("摘牌", 2, "proposed")
    assert (latest[new.pk].action, latest[new.pk].state) == ("文明单位降级", "proposed")
    # nobody else was bottom three twice running, and districts are never demoted
    assert set(latest) == {repeat.pk, new.pk}
    assert not Consequence.objects.filter(round__in=published, unit__kind="district").exists()
    assert not Consequence.objects.filter(round__in=[published[0], published[2]]).exists()


def check_scoring_month_shows_the_evaluators_work():
    rnd = rounds_of("chuangcheng-monthly")[-1]
    evaluator = Person.objects.get(username="evaluator")
    assert EvaluatorAssignment.objects.filter(round=rnd, person=evaluator, unit=None, indicator=None).exists()
    departments = EvaluatorAssignment.objects.filter(round=rnd, person__username="inspector2", indicator__code="C1")
    assert departments.count() == 10
    scores = Score.objects.filter(round=rnd, is_current=True)
    scored_units = scores.values("unit").distinct().count()
    assert 0 < scored_units < 61 and set(scores.values_list("evaluator__username", flat=True)) == {"evaluator"}
    assert scores.filter(status="returned").count() == 1 and scores.filter(status="submitted").exists()
    assert not Result.objects.filter(round=rnd).exists() and not Publication.objects.filter(round=rnd).exists()


def check_scores_carry_notes_and_evidence_and_were_approved_by_someone_else():
    published = Score.objects.filter(round__scheme__code="chuangcheng-monthly", round__state__in=("published", "final"))
    assert published.filter(evidence__isnull=False).distinct().count() >= 8
    assert not published.filter(indicator__rule_type="deduction", value__gt=0, note="").exists()
    approved = Score.objects.filter(status="approved")
    assert approved.exists() and not Score.objects.filter(status="submitted", round__state__in=("published", "final")).exists()
    from django.db.models import F

    assert not approved.filter(approved_by=F("evaluator")).exclude(source="appeal").exists()
    # every score has its journal entry, as score_record writes it
    assert (JournalEntry.objects.filter(verb="assessment.score.record").count()
            == Score.objects.exclude(source="appeal").count())


def check_appeals():
    revised = Appeal.objects.get(unit=street(APPEAL_REVISED))
    assert revised.state == "revised" and revised.revised_points > revised.original_points
    assert revised.reviewer.username == "inspector" and revised.filed_by.grants.filter(role="liaison").exists()
    history = Score.objects.filter(round=revised.round, unit=revised.unit, indicator=revised.indicator)
    assert history.filter(is_current=False).count() == 1 and history.get(is_current=True).source == "appeal"
    note = Publication.objects.get(round=revised.round, revision=2).note
    assert "申诉" in note and revised.indicator.code in note
    pending = Appeal.objects.get(state="filed")
    assert pending.unit == street(APPEAL_PENDING) and pending.filed_by.username == "liaison2"
    assert pending.round == rounds_of("chuangcheng-monthly")[-2] and pending.evidence.exists()
    assert pending.filed_at.date() <= pending.round.appeal_deadline


def check_dangnei_fagui_half_year():
    (rnd,) = rounds_of("dangnei-fagui")
    assert rnd.name == "2026年上半年党内法规执行评价" and rnd.state == "final"
    results = Result.objects.filter(round=rnd)
    assert results.count() == Unit.objects.filter(path__startswith=rnd.scheme.region.path,
                                                  kind__in=("street", "zone", "department", "soe")).count() - 1
    assert set(results.values_list("group", flat=True)) == {"streets", "zones", "departments", "resident"}
    grades = set(results.values_list("grade", flat=True))
    assert {"好", "较好"} <= grades <= {"好", "较好", "一般"}
    sanli = results.get(unit__name="三里河街道")
    # 表彰推广 青岛市级 1 + 媒体报道 省部级 0.6 (the same report at 青岛市级 counts once, at its highest level)
    assert Adjustment.objects.filter(round=rnd, unit=sanli.unit, kind="bonus").count() == 3
    assert sanli.bonus == Decimal("1.6")
    assert results.filter(deduction__gt=0).count() == 3
    assert all(r.total == (r.earned + r.bonus - r.deduction).quantize(Decimal("0.01")) for r in results)


def check_daqi_weeks_compare_with_last_year():
    rounds = rounds_of("daqi-weekly")
    assert len(rounds) == 12 and all(r.state in ("published", "final") for r in rounds)
    last_year, this_year = rounds[:6], rounds[6:]
    assert [r.compare_to for r in this_year] == last_year
    assert all((r.period_start - r.compare_to.period_start).days == 364 for r in this_year)
    for r in this_year:
        figures = list(Result.objects.filter(round=r).values_list("figures", flat=True))
        assert len(figures) == 10 and all(f["change"] is not None and f["change_rank"] for f in figures)
    figures = Result.objects.filter(round__in=last_year).values_list("figures", flat=True)
    assert all(f["change"] is None for f in figures)
    # the ladder: 预警提醒 until one is confirmed, 约谈 after that; one was dismissed; the latest week waits
    actions = {}
    for c in Consequence.objects.filter(round__in=rounds).order_by("round__period_end"):
        actions.setdefault(c.unit_id, []).append((c.action, c.state))
        r = Result.objects.get(round=c.round, unit=c.unit)
        assert r.rank == r.group_size            # bottom-ranked
    for history in actions.values():
        confirmed = 0
        for action, state in history:
            assert action == ("预警提醒" if confirmed == 0 else "约谈")
            confirmed += state == "confirmed"
    assert any(a == "约谈" for h in actions.values() for a, _s in h)
    assert Consequence.objects.filter(round__in=rounds, state="dismissed").count() == 1
    assert Consequence.objects.filter(round=rounds[-1], state="proposed").count() >= 1


def check_xiaoxing_shuiku_contractor_failing_twice():
    q1, q2 = rounds_of("xiaoxing-shuiku")
    failing = Unit.objects.get(name=FAILING_CONTRACTOR)
    assert [Result.objects.get(round=r, unit=failing).grade for r in (q1, q2)] == ["不合格", "不合格"]
    end = Consequence.objects.get(round=q2, unit=failing, rule_code="zhongzhi")
    assert end.action == "终止合同并重新招标" and end.state == "proposed"
    cut = Consequence.objects.get(round=q1, unit=failing, rule_code="koujian")
    assert cut.state == "confirmed" and cut.payment_share == Decimal("0.7")
    assert not Consequence.objects.filter(round=q1, rule_code="zhongzhi").exists()
    for c in Consequence.objects.filter(round=q2, rule_code="koujian"):
        grade = Result.objects.get(round=q2, unit=c.unit).grade
        assert grade in ("合格", "不合格") and c.payment_share == {"合格": Decimal("0.9"), "不合格": Decimal("0.7")}[grade]
    assert Result.objects.filter(round=q2, grade="合格").exists()


def check_running_again_changes_nothing():
    from django.contrib.auth.hashers import make_password

    before = (Round.objects.count(), Score.objects.count(), Consequence.objects.count(), Person.objects.count(),
              JournalEntry.objects.count())
    again = assessment_demo(hashed_password=make_password("x"))
    assert again["rounds"] == before[0]
    assert (Round.objects.count(), Score.objects.count(), Consequence.objects.count(), Person.objects.count(),
            JournalEntry.objects.count()) == before


def test_at_new_year_early_in_the_morning_nothing_is_dated_in_the_future(db, travel):
    """On 1 January at 08:00 the latest month and week have just ended and the quarter's results are not out:
    the demo still builds every part, and nothing it writes is dated after the moment it runs."""
    from luoshi.core import clock
    from luoshi.org.services import grant_role, person_create
    from luoshi.ledger.demo import LEDGER_ACCOUNTS
    from luoshi.tasks.demo import ACCOUNTS
    from luoshi.core.presets import preset_load

    with travel("2027-01-01T08:00:00+08:00"):
        preset_load(by=None, name="qingdao")
        for acc in ACCOUNTS + LEDGER_ACCOUNTS:
            unit = None
            for part in acc.unit_path.split("/"):
                unit = Unit.objects.get(parent=unit, name=part)
            person = person_create(by=None, username=acc.username, full_name=acc.full_name, unit=unit)
            if acc.role:
                grant_role(by=None, person=person, role=acc.role, unit=unit)
        result = assessment_demo(hashed_password="!")
        now = clock.now()
    assert result["published"] == result["rounds"] - 1 and result["scoring"].name == "2027年1月创城测评"
    assert [r.name for r in rounds_of("chuangcheng-monthly")][:4] == [f"2026年{m}月创城测评" for m in (9, 10, 11, 12)]
    assert rounds_of("daqi-weekly")[-1].period_end.isoformat() == "2026-12-27"
    assert [r.period_start.isoformat() for r in rounds_of("xiaoxing-shuiku")] == ["2026-04-01", "2026-07-01"]
    assert rounds_of("dangnei-fagui")[0].name == "2026年上半年党内法规执行评价"
    assert Consequence.objects.filter(round=rounds_of("chuangcheng-monthly")[3], state="proposed").count() == 2
    assert Appeal.objects.filter(state="filed").count() == 1
    assert not JournalEntry.objects.filter(at__gt=now).exists()
    assert not Score.objects.filter(scored_at__gt=now).exists()
    assert not Publication.objects.filter(at__gt=now).exists()
    assert not Appeal.objects.filter(filed_at__gt=now).exists()
