"""A project's problem goes the ledger's way (交办 → 整改 → 核验 → 销号); the quarter's flags feed an assessment round
of the districts, the score changes, and the score card says where it came from."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.ledger import services as ledger
from luoshi.ledger.models import Finding, FindingStatus
from luoshi.projects import services
from luoshi.projects.feed import assessment_feed
from luoshi.projects.models import Flag


def test_a_problem_is_handed_on_through_the_ledger(proj, cast, travel, client_for):
    a = proj["a"]
    with travel("2026-03-02"):
        issue = services.issue_raise(by=cast["liaison_a"], project=a, kind="approval",
                                     description="施工许可审批材料反复退回，需要协调")
        with pytest.raises(PermissionDeniedError):
            services.issue_assign(by=cast["liaison_a"], issue=issue, unit=cast["liaison_dept"].unit)
        finding = services.issue_assign(by=proj["city_office"], issue=issue, unit=cast["liaison_dept"].unit,
                                        deadline=dt.date(2026, 3, 20))
        with pytest.raises(ServiceError, match="已交办"):
            services.issue_assign(by=proj["city_office"], issue=issue, unit=cast["liaison_dept"].unit)
    assert finding.sheet.number.startswith("项目督办") and finding.category.name == "审批"
    assert finding.status == FindingStatus.ASSIGNED and finding.deadline == dt.date(2026, 3, 20)
    assert "LS-01" in finding.description
    # the unit answers and the office verifies on the ledger's own path
    with travel("2026-03-10"):
        ledger.finding_submit(by=cast["liaison_dept"], finding=finding, text="已开通绿色通道，许可已核发")
    # verified by an inspector other than the one who recorded it (the ledger's rule)
    from luoshi.org.services import grant_role, person_create

    checker = person_create(by=None, username="checker", full_name="核验员", unit=proj["ndrc"])
    grant_role(by=None, person=checker, role="office", unit=proj["ndrc"])
    with travel("2026-03-11"):
        ledger.finding_verify(by=checker, finding=Finding.objects.get(pk=finding.pk), close=True)
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.CLOSED
    page = client_for(cast["liaison_a"]).get(reverse("projects_detail", args=[a.pk])).content.decode()
    assert finding.code in page and "已销号" in page


def test_inbox_sources_count_what_they_list(proj, cast, travel):
    from luoshi.core.inbox import inbox_sources

    with travel("2026-03-02"):
        services.issue_raise(by=cast["liaison_b"], project=proj["b"], kind="land", description="用地指标未落实")
        for source in inbox_sources():
            if not source.key.startswith("projects."):
                continue
            for person in (cast["liaison_a"], cast["liaison_b"], proj["city_office"], proj["builder_liaison"],
                           proj["inspector"]):
                assert source.count(person) == len(source.items(person, None)), (source.key, person)
        report = {s.key: s for s in inbox_sources()}["projects.report"]
        # February's investment is due from a (started by plan 2-28) — c plans to start in June
        assert [i.title for i in report.items(cast["liaison_a"], None)] == ["报送2月投资：崂山智能装备产业园"]
        assert report.count(cast["liaison_b"]) == 0  # b plans to start on 3-31
        assert {s.key: s for s in inbox_sources()}["projects.assign"].count(proj["city_office"]) == 1
    with travel("2026-04-02"):
        rate = {s.key: s for s in inbox_sources()}["projects.rate"]
        assert rate.count(proj["inspector"]) == 4 and rate.count(proj["city_office"]) == 0
        services.project_rate(by=proj["inspector"], project=proj["a"], quarter="2026Q1", score=Decimal(90))
        items = rate.items(proj["inspector"], None)
        assert len(items) == rate.count(proj["inspector"]) == 3 and items[0].title.startswith("2026Q1督导核查：")


@pytest.fixture
def round_q1(proj, travel):
    from luoshi.assessment import services as assess
    from luoshi.core.presets import preset_load

    with travel("2026-03-25"):
        scheme = preset_load(by=None, name="xiangmu-guaqi")["scheme"]
        rnd = assess.round_create(by=proj["city_office"], scheme=scheme, name="2026年第一季度",
                                  period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31),
                                  units=[proj["a"].district, proj["d"].district])
        for state in ("collecting", "scoring"):
            assess.round_advance(by=proj["city_office"], round=rnd, to=state)
    return rnd


def test_flags_feed_the_districts_score(proj, cast, travel, round_q1, client_for):
    from luoshi.assessment import services as assess
    from luoshi.assessment.models import Score

    office, inspector = proj["city_office"], proj["inspector"]
    laoshan = proj["a"].district
    with travel("2026-03-30"):
        assert services.project_rate(by=inspector, project=proj["a"], quarter="2026Q1", score=Decimal(95)).flag == Flag.RED
        services.project_rate(by=inspector, project=proj["b"], quarter="2026Q1", score=Decimal(80))
        with pytest.raises(PermissionDeniedError):
            services.project_rate(by=cast["liaison_a"], project=proj["a"], quarter="2026Q1", score=Decimal(99))
        with pytest.raises(ServiceError, match="尚未开始"):
            services.project_rate(by=inspector, project=proj["a"], quarter="2026Q3", score=Decimal(99))
        n = assessment_feed(by=office, program=proj["program"], round=round_q1, quarter="2026Q1")
        assert n == 10  # 5 fed leaves × 2 districts
        before = {r.unit_id: r.total for r in assess.results_compute(round_q1)}
        # the second rating turns 崂山's green flag into a yellow one: its score drops by the deduction (5)
        services.project_rate(by=inspector, project=proj["b"], quarter="2026Q1", score=Decimal(50), note="进度严重滞后")
        assessment_feed(by=office, program=proj["program"], round=round_q1, quarter="2026Q1")
        after = {r.unit_id: r.total for r in assess.results_compute(round_q1)}
    assert before[laoshan.pk] - after[laoshan.pk] == Decimal(5)
    assert before[proj["d"].district_id] == after[proj["d"].district_id]
    score = Score.objects.get(round=round_q1, unit=laoshan, indicator__code="C1", is_current=True)
    assert score.source == "projects" and score.value == 1 and "LS-02" in score.note
    card = client_for(office).get(reverse("assess_card", args=[round_q1.pk, laoshan.pk])).content.decode()
    assert "来自重点项目" in card and "黄旗项目数" in card and "LS-02" in card


def test_feed_refusals(proj, cast, round_q1, travel):
    with travel("2026-03-30"):
        with pytest.raises(PermissionDeniedError):
            assessment_feed(by=cast["liaison_a"], program=proj["program"], round=round_q1, quarter="2026Q1")
        proj["config"].feeds = {"scheme": "xiangmu-guaqi", "items": [{"figure": "red_flags", "leaf": "Z9"}]}
        proj["config"].save()
        with pytest.raises(ServiceError, match="Z9"):
            assessment_feed(by=proj["city_office"], program=proj["program"], round=round_q1, quarter="2026Q1")


def test_feed_from_the_page_and_the_command(proj, round_q1, client_for, travel):
    from django.core.management import CommandError, call_command

    from luoshi.assessment.models import Score

    c = client_for(proj["city_office"])
    url = reverse("projects_figures", args=[proj["program"].code])
    with travel("2026-03-30"):
        assert round_q1.name in c.get(url).content.decode()
        r = c.post(reverse("projects_feed", args=[proj["program"].code]), {"round": round_q1.pk, "quarter": "2026q1"},
                   follow=True)
        assert "10 项评分" in r.content.decode()
        r = c.post(reverse("projects_feed", args=[proj["program"].code]), {"round": 0, "quarter": "2026Q1"}, follow=True)
        assert "请选择正在评分的考核期次" in r.content.decode()
        call_command("projects_feed", program=proj["program"].code, round=round_q1.pk, quarter="2026Q1",
                     username="city_office")
        with pytest.raises(CommandError, match="只有"):
            call_command("projects_feed", program=proj["program"].code, round=round_q1.pk, quarter="2026Q1",
                         username="builder_liaison")
    assert Score.objects.filter(round=round_q1, source="projects", is_current=True).count() == 10


def test_challenge_new_page(proj, cast, client_for, travel):
    c = client_for(proj["city_office"])
    assert client_for(cast["liaison_a"]).get(reverse("projects_challenge_new")).status_code == 403
    with travel("2026-03-01"):
        r = c.post(reverse("projects_challenge_new"), {
            "owner_unit": proj["ndrc"].pk, "title": "拿地即开工改革", "problem": "审批慢", "goals": "30日内开工",
            "apply_until": "2026-03-31", "review_until": "2026-04-15", "scheme": "jiebang-pingshen",
            "experts": "ducha,nobody", "program": proj["program"].code})
        assert "找不到评审专家账号：nobody" in r.content.decode()
        r = c.post(reverse("projects_challenge_new"), {
            "owner_unit": proj["ndrc"].pk, "title": "拿地即开工改革", "problem": "审批慢", "goals": "30日内开工",
            "apply_until": "2026-03-31", "review_until": "2026-04-15", "scheme": "jiebang-pingshen",
            "experts": "ducha", "program": proj["program"].code})
        assert r.status_code == 302
        page = c.get(r["Location"]).content.decode()
    assert "拿地即开工改革" in page and "发布榜单" in page
