import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.models import JournalEntry
from luoshi.ideas import services
from luoshi.ideas.models import Decision, ExpertScore, IdeaState
from luoshi.ideas.services import combine_totals

from .conftest import FULL, SCHEME


def test_submit_gives_a_tracking_code_and_a_number(submit, campaign):
    idea = submit()
    again = submit(title="另一条建议")
    assert idea.state == IdeaState.SUBMITTED and idea.tracking_code.startswith("JD") and len(idea.tracking_code) == 10
    assert (idea.number, again.number) == ("2026-0001", "2026-0002")
    entry = JournalEntry.objects.get(verb="idea.submit", object_id=str(idea.pk))
    assert entry.actor is None and "13912345678" not in str(entry.changes) and "欧阳" not in str(entry.changes)


@pytest.mark.parametrize("field, value, message", [
    ("title", "  ", "请填写标题"),
    ("content", "太短了", "至少 20 字"),
    ("topic", "不存在的领域", "请选择征集领域"),
    ("source_kind", "alien", "请选择建议人类别"),
    ("name", "", "请填写姓名"),
    ("phone", "", "请填写联系电话"),
    ("phone", "12345", "格式不对"),
    ("email", "not-an-email", "电子邮箱"),
    ("province", "火星省", "请选择所在省份"),
])
def test_submit_refuses_bad_input_naming_the_field(submit, field, value, message):
    with pytest.raises(ServiceError) as e:
        submit(**{field: value})
    assert e.value.field == field and message in e.value.message


def test_submit_outside_the_period_or_after_closing_is_refused(submit, campaign, cast, travel):
    with travel("2026-07-01"):
        with pytest.raises(ServiceError, match="不在征集期内"):
            submit()
    services.campaign_update(by=cast["office"], campaign=campaign, name=campaign.name, start_date=campaign.start_date,
                             end_date=campaign.end_date, is_closed=True)
    campaign.refresh_from_db()
    with pytest.raises(ServiceError, match="不在征集期内"):
        submit(to=campaign)


def test_campaign_create_checks_role_and_scheme(city, cast):
    kw = dict(name="征集", owner_unit=city["district"], start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 4, 1),
              scheme_text=SCHEME)
    for who in (cast["liaison_a"], cast["outsider"], cast["leader"], AnonymousUser()):
        with pytest.raises(PermissionDeniedError):
            services.campaign_create(by=who, **kw)
    with pytest.raises(ServiceError) as e:
        services.campaign_create(by=cast["office"], **{**kw, "scheme_text": SCHEME.replace("max: 40", "max: -4")})
    assert e.value.field == "scheme_text" and "criteria.2.max" in e.value.message and "行" in e.value.message
    with pytest.raises(ServiceError, match="不能早于"):
        services.campaign_create(by=cast["office"], **{**kw, "end_date": dt.date(2026, 2, 1)})


def test_the_whole_workflow(submit, cast, experts, program, campaign):
    office = cast["office"]
    idea = submit()
    idea = services.idea_screen(by=office, idea=idea, passed=True)
    assert idea.state == IdeaState.REVIEWING
    services.idea_score(by=experts[0], idea=idea, points=FULL, note="可行")
    services.idea_score(by=experts[1], idea=idea, points={"innovation": "20", "feasibility": "20.5", "effect": "30"})
    idea.refresh_from_db()
    assert (idea.score, idea.score_count) == (Decimal("77.25"), 2)
    # an expert may revise until the decision
    services.idea_score(by=experts[1], idea=idea, points={"innovation": "20", "feasibility": "20", "effect": "30"})
    idea.refresh_from_db()
    assert idea.score == Decimal("77.00") and ExpertScore.objects.filter(idea=idea).count() == 2
    idea = services.idea_decide(by=office, idea=idea, decision=Decision.ADOPTED, reply="已采纳，纳入年度改革任务。")
    assert idea.state == IdeaState.DECIDED and idea.is_public and idea.decided_at
    idea = services.idea_award(by=office, idea=idea, award="first")
    assert idea.award == "first"
    task = services.idea_make_task(by=office, idea=idea, program=program["program"], lead_unit=cast["liaison_a"].unit,
                                   deadline_phrase="年底前")
    idea.refresh_from_db()
    assert idea.task == task and task.program == program["program"]
    assert "来源：金点子 2026-0001" in task.note and task.title == idea.title
    # 具体措施 is the suggestion, never the reply to the citizen; the note links back to the idea
    assert task.measures == idea.content and "已采纳，纳入年度改革任务。" not in task.measures
    assert f"/ideas/{idea.pk}/" in task.note
    assert list(task.assignments.values_list("unit", flat=True)) == [cast["liaison_a"].unit.pk]
    verbs = list(JournalEntry.objects.filter(object_type="ideas.idea", object_id=str(idea.pk)).values_list("verb", flat=True))
    assert verbs.count("idea.score") == 3 and {"idea.submit", "idea.screen", "idea.decide", "idea.award", "idea.task"} <= set(verbs)
    # no way back to 不采纳 once it is a task
    with pytest.raises(ServiceError, match="不能改为不采纳"):
        services.idea_decide(by=office, idea=idea, decision=Decision.NOT_ADOPTED, reply="改主意了")
    with pytest.raises(ServiceError, match="已转化为任务"):
        services.idea_make_task(by=office, idea=idea, program=program["program"], lead_unit=cast["liaison_a"].unit,
                                deadline_phrase="年底前")


def test_combined_score_is_a_trimmed_mean_from_five_experts(submit, cast, experts):
    idea = services.idea_screen(by=cast["office"], idea=submit(), passed=True)
    totals = [("30", "30", "40"), ("10", "10", "10"), ("20", "20", "30"), ("25", "25", "30"), ("20", "25", "35")]
    for expert, (a, b, c) in zip(experts[:4], totals[:4]):
        services.idea_score(by=expert, idea=idea, points={"innovation": a, "feasibility": b, "effect": c})
    idea.refresh_from_db()
    assert idea.score == Decimal("70.00")  # (100 + 30 + 70 + 80) / 4: fewer than five, plain mean
    services.idea_score(by=experts[4], idea=idea, points=dict(zip(("innovation", "feasibility", "effect"), totals[4])))
    idea.refresh_from_db()
    assert idea.score == Decimal("76.67")  # drop 100 and 30: (70 + 80 + 80) / 3 rounded half up
    assert combine_totals([Decimal("1"), Decimal("2")], trim_from=5, places=2) == Decimal("1.50")
    assert combine_totals([], trim_from=5, places=2) is None


@pytest.mark.parametrize("points, message", [
    ({"innovation": "31", "feasibility": "1", "effect": "1"}, "0 至 30"),
    ({"innovation": "-1", "feasibility": "1", "effect": "1"}, "0 至 30"),
    ({"innovation": "1", "feasibility": "1"}, "请为“实效性”打分"),
    ({"innovation": "1.255", "feasibility": "1", "effect": "1"}, "两位小数"),
    ({"innovation": "abc", "feasibility": "1", "effect": "1"}, "须为数字"),
    ({"innovation": "NaN", "feasibility": "1", "effect": "1"}, "须为数字"),
    ({"innovation": "1", "feasibility": "1", "effect": "1", "beauty": "5"}, "不在评审方案中"),
])
def test_expert_scores_stay_within_bounds(submit, cast, experts, points, message):
    idea = services.idea_screen(by=cast["office"], idea=submit(), passed=True)
    with pytest.raises(ServiceError, match=message):
        services.idea_score(by=experts[0], idea=idea, points=points)
    assert not ExpertScore.objects.exists()


def test_only_assigned_experts_score_and_only_under_review(submit, cast, experts):
    idea = submit()
    with pytest.raises(ServiceError, match="待初审"):  # not yet through 初审
        services.idea_score(by=experts[0], idea=idea, points=FULL)
    idea = services.idea_screen(by=cast["office"], idea=idea, passed=True)
    for who in (cast["office"], cast["liaison_b"], AnonymousUser()):
        with pytest.raises(PermissionDeniedError, match="评审专家"):
            services.idea_score(by=who, idea=idea, points=FULL)


def test_decision_before_scoring_is_refused(submit, cast, experts):
    idea = submit()
    with pytest.raises(ServiceError, match="待初审"):
        services.idea_decide(by=cast["office"], idea=idea, decision=Decision.ADOPTED, reply="好")
    idea = services.idea_screen(by=cast["office"], idea=idea, passed=True)
    with pytest.raises(ServiceError, match="专家评分前不能作出处理决定") as e:
        services.idea_decide(by=cast["office"], idea=idea, decision=Decision.ADOPTED, reply="好")
    assert e.value.field == "decision"


def test_others_are_refused_every_office_action(reviewed, cast, experts, program):
    office_only = [
        lambda by: services.idea_screen(by=by, idea=reviewed, passed=True),
        lambda by: services.idea_decide(by=by, idea=reviewed, decision=Decision.ADOPTED, reply="好"),
        lambda by: services.idea_award(by=by, idea=reviewed, award="first"),
        lambda by: services.idea_make_task(by=by, idea=reviewed, program=program["program"],
                                           lead_unit=cast["liaison_a"].unit, deadline_phrase="年底前"),
        lambda by: services.expert_assign(by=by, campaign=reviewed.campaign, person=cast["evaluator"]),
    ]
    for action in office_only:
        for who in (experts[0], cast["liaison_b"], cast["outsider"], cast["leader"], AnonymousUser()):
            with pytest.raises(PermissionDeniedError):
                action(who)


def test_reject_needs_a_reason_and_duplicates_point_to_another_idea(submit, cast):
    first, second, third = submit(), submit(title="证照联办"), submit(title="第三条")
    with pytest.raises(ServiceError, match="理由") as e:
        services.idea_screen(by=cast["office"], idea=first, passed=False)
    assert e.value.field == "reason"
    services.idea_screen(by=cast["office"], idea=first, passed=False, reason="属于个人诉求，已转 12345 办理。")
    first.refresh_from_db()
    assert first.state == IdeaState.REJECTED and first.reply == "属于个人诉求，已转 12345 办理。"
    with pytest.raises(ServiceError, match="未通过初审"):
        services.idea_screen(by=cast["office"], idea=second, passed=False, duplicate_of=first)
    services.idea_screen(by=cast["office"], idea=second, passed=False, duplicate_of=third)
    second.refresh_from_db()
    assert second.state == IdeaState.DUPLICATE and second.duplicate_of == third and third.number in second.reply
    with pytest.raises(ServiceError, match="重复建议"):  # screened once only
        services.idea_screen(by=cast["office"], idea=second, passed=True)


def test_awards_only_for_adopted_ideas_within_the_count(reviewed, submit, cast, experts):
    office = cast["office"]
    with pytest.raises(ServiceError, match="采纳"):
        services.idea_award(by=office, idea=reviewed, award="first")
    services.idea_decide(by=office, idea=reviewed, decision=Decision.PARTIAL, reply="部分采纳")
    services.idea_award(by=office, idea=reviewed, award="first")
    other = services.idea_screen(by=office, idea=submit(title="第二条"), passed=True)
    services.idea_score(by=experts[0], idea=other, points=FULL)
    services.idea_decide(by=office, idea=other, decision=Decision.ADOPTED, reply="采纳")
    with pytest.raises(ServiceError, match="一等奖名额 1 个已满"):
        services.idea_award(by=office, idea=other, award="first")
    with pytest.raises(ServiceError, match="没有这个奖项"):
        services.idea_award(by=office, idea=other, award="gold")
    services.idea_award(by=office, idea=reviewed, award="")  # withdrawn: the place is free again
    services.idea_award(by=office, idea=other, award="first")


def test_task_only_from_adopted_ideas(reviewed, cast, program):
    office = cast["office"]
    services.idea_decide(by=office, idea=reviewed, decision=Decision.NOT_ADOPTED, reply="暂不采纳")
    with pytest.raises(ServiceError, match="只有采纳或部分采纳"):
        services.idea_make_task(by=office, idea=reviewed, program=program["program"], lead_unit=cast["liaison_a"].unit,
                                deadline_phrase="年底前")


def test_task_needs_the_office_of_the_program_too(reviewed, cast, city, travel):
    """The office of 崂山区 owns the campaign but not a program of 市南区."""
    from luoshi.org.services import grant_role, person_create
    from luoshi.tasks.services import program_create

    other_office = person_create(by=None, username="snoffice", full_name="市南督查室", unit=city["other_district"])
    grant_role(by=None, person=other_office, role="office", unit=city["other_district"])
    foreign = program_create(by=other_office, code="sn-2026", name="市南区要点", year=2026, owner_unit=city["other_district"])
    services.idea_decide(by=cast["office"], idea=reviewed, decision=Decision.ADOPTED, reply="采纳")
    with pytest.raises(PermissionDeniedError):
        services.idea_make_task(by=cast["office"], idea=reviewed, program=foreign, lead_unit=city["street_a"],
                                deadline_phrase="年底前")
    reviewed.refresh_from_db()
    assert reviewed.task is None


def test_experts_who_scored_stay(reviewed, cast, experts):
    with pytest.raises(ServiceError, match="已评过分"):
        services.expert_remove(by=cast["office"], campaign=reviewed.campaign, person=experts[0])
    services.expert_remove(by=cast["office"], campaign=reviewed.campaign, person=experts[4])
    with pytest.raises(ServiceError, match="已是本活动的评审专家"):
        services.expert_assign(by=cast["office"], campaign=reviewed.campaign, person=experts[0])


def test_scheme_changes_are_guarded(reviewed, cast):
    campaign = reviewed.campaign
    kw = dict(name=campaign.name, start_date=campaign.start_date, end_date=campaign.end_date)
    with pytest.raises(ServiceError, match="评分项不能再修改"):
        services.campaign_update(by=cast["office"], campaign=campaign, scheme_text=SCHEME.replace("max: 40", "max: 50"), **kw)
    with pytest.raises(ServiceError, match="营商环境"):
        services.campaign_update(by=cast["office"], campaign=campaign, scheme_text=SCHEME.replace("  - 营商环境\n", ""), **kw)
    # places may change: the scores are recomputed
    services.campaign_update(by=cast["office"], campaign=campaign, scheme_text=SCHEME.replace("places: 2", "places: 0"), **kw)
    reviewed.refresh_from_db()
    assert reviewed.score == Decimal("77")


# ---- messages to the experts -------------------------------------------------------------------------------

def test_experts_are_told_when_invited_and_when_ideas_pass_screening(campaign, cast, experts, submit,
                                                                     django_capture_on_commit_callbacks):
    from luoshi.core.models import Notification

    invited = Notification.objects.filter(kind="ideas_review", recipient=experts[0])
    # the fixture assigned them outside captured callbacks: the test transaction never commits, so nothing yet
    assert not invited.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.expert_remove(by=cast["office"], campaign=campaign, person=experts[0])
        services.expert_assign(by=cast["office"], campaign=campaign, person=experts[0])
    assert [n.title for n in invited] == ["您已受邀担任“2026年改革创新金点子征集”的评审专家"]
    assert invited.get().url == "/ideas/score/"

    with django_capture_on_commit_callbacks(execute=True):
        services.idea_screen(by=cast["office"], idea=submit(), passed=True)
        services.idea_screen(by=cast["office"], idea=submit(title="第二条建议"), passed=True)
        services.idea_screen(by=cast["office"], idea=submit(title="第三条建议"), passed=False, reason="与本次征集主题无关")
    review = Notification.objects.filter(kind="ideas_review", title__contains="有新的建议待评审")
    # one message per expert for the day, however many ideas passed
    assert sorted(review.values_list("recipient_id", flat=True)) == sorted(p.pk for p in experts)


def test_no_message_for_a_refused_invitation(campaign, cast, experts, django_capture_on_commit_callbacks):
    from luoshi.core.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ServiceError):
            services.expert_assign(by=cast["office"], campaign=campaign, person=experts[1])  # already an expert
    assert not Notification.objects.filter(kind="ideas_review").exists()
