"""The case library's rules: who writes, nominates (three ways), reviews, publishes and records replication,
with the refusals; Chinese search; scope; the inbox; the journal."""
import datetime as dt
from decimal import Decimal

import pytest

from luoshi.cases import selectors, services
from luoshi.cases.models import Case, CaseState
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.inbox import inbox_source
from luoshi.core.models import JournalEntry

pytestmark = pytest.mark.django_db


def test_only_the_units_people_write_its_cases(write, cast, city):
    case = write()
    assert case.state == CaseState.DRAFT and case.unit_path == city["street_a"].path
    with pytest.raises(PermissionDeniedError):
        write(by=cast["liaison_b"])  # 沙子口's liaison for 中韩街道
    with pytest.raises(PermissionDeniedError):
        write(by=cast["outsider"])
    write(by=cast["liaison_dept"])  # the department writes for a unit of its region
    assert Case.objects.count() == 2


@pytest.mark.parametrize("field,value,message", [
    ("title", "", "请填写案例名称"),
    ("problem", "   ", "请填写解决的问题"),
    ("summary", "长" * 301, "摘要不能超过 300 个字（现有 301 个）"),
    ("figures", [{"label": "办结时间", "value": "五天"}], "第 1 条成效数据的数值“五天”不是数字"),
    ("figures", [{"label": "", "value": "5"}], "第 1 条成效数据要同时填写名称和数值"),
    ("year", 1999, "年度应为 2000～2100"),
])
def test_bad_input_is_refused_with_its_field(write, field, value, message):
    with pytest.raises(ServiceError) as e:
        write(**{field: value})
    assert message in e.value.message and e.value.field == field
    assert not Case.objects.exists()


def test_three_ways_to_nominate_and_who_may_use_each(write, cast):
    self_case, leader_case, dept_case = write(), write(), write()
    with pytest.raises(PermissionDeniedError, match="只有分管该单位的领导"):
        services.case_nominate(by=cast["liaison_a"], case=self_case, how="leader")
    with pytest.raises(PermissionDeniedError, match="只有本单位的联络员"):
        services.case_nominate(by=cast["liaison_b"], case=self_case, how="self")
    with pytest.raises(PermissionDeniedError, match="主管部门"):
        services.case_nominate(by=cast["liaison_b"], case=self_case, how="department")
    services.case_nominate(by=cast["liaison_a"], case=self_case, how="self")
    services.case_nominate(by=cast["leader"], case=leader_case, how="leader", note="建议推广")
    services.case_nominate(by=cast["liaison_dept"], case=dept_case, how="department")
    assert sorted(Case.objects.values_list("nomination", flat=True)) == ["department", "leader", "self"]
    with pytest.raises(ServiceError, match="不能重复推荐"):
        services.case_nominate(by=cast["liaison_a"], case=self_case, how="self")
    # the office's inbox lists the three; count equals the items
    source = inbox_source("cases.review")
    assert source.count(cast["office"]) == 3 == len(source.items(cast["office"], None))
    assert source.count(cast["liaison_a"]) == 0


def test_review_scores_against_the_scheme(write, cast):
    case = write()
    services.case_nominate(by=cast["liaison_a"], case=case, how="self")
    full = {"originality": "25", "effect": "30", "replicable": "20", "material": "8"}
    with pytest.raises(PermissionDeniedError):
        services.case_review(by=cast["liaison_a"], case=case, decision="accepted", scores=full)
    with pytest.raises(ServiceError) as e:
        services.case_review(by=cast["office"], case=case, decision="accepted", scores={**full, "effect": "36"})
    assert e.value.field == "score_effect" and "0～35" in e.value.message
    with pytest.raises(ServiceError, match="未达到入库分数线 60"):
        services.case_review(by=cast["office"], case=case, decision="accepted",
                             scores={"originality": "10", "effect": "10", "replicable": "10", "material": "5"})
    with pytest.raises(ServiceError, match="请写明审核意见"):
        services.case_review(by=cast["office"], case=case, decision="returned", scores={})
    with pytest.raises(ServiceError, match="审核意见不能超过 500 字") as e:  # refused, not cut to 500
        services.case_review(by=cast["office"], case=case, decision="returned", scores={}, note="意" * 501)
    assert e.value.field == "note"
    case.refresh_from_db()
    assert case.state == CaseState.NOMINATED and case.score is None
    services.case_review(by=cast["office"], case=case, decision="accepted", scores=full)
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED and case.score == Decimal("83")
    assert JournalEntry.objects.filter(object_id=str(case.pk), verb="case.review").count() == 1


def test_nothing_public_before_review(write, accepted, cast):
    draft = write(title="未审核的案例")
    with pytest.raises(ServiceError, match="审核入库后才能在公开网站发布"):
        services.case_publish(by=cast["office"], case=draft, public=True)
    assert list(selectors.public_case_list()) == []  # accepted but not published
    with pytest.raises(PermissionDeniedError):
        services.case_publish(by=cast["liaison_a"], case=accepted, public=True)
    services.case_publish(by=cast["office"], case=accepted, public=True)
    assert [c.pk for c in selectors.public_case_list()] == [accepted.pk]
    services.case_publish(by=cast["office"], case=accepted, public=False)
    assert list(selectors.public_case_list()) == []


def test_scope_drafts_stay_home_accepted_cases_are_shared(write, accepted, cast):
    draft = write(title="中韩街道的草稿")
    assert draft in selectors.case_list(user=cast["liaison_a"])
    assert draft not in selectors.case_list(user=cast["liaison_b"])
    assert draft not in selectors.case_list(user=cast["outsider"])
    assert accepted in selectors.case_list(user=cast["outsider"])  # the library is for everyone to learn from
    assert draft in selectors.case_list(user=cast["office"])


def test_replication_and_adoption(accepted, cast, city):
    with pytest.raises(PermissionDeniedError):
        services.recognition_add(by=cast["liaison_a"], case=accepted, level="city", date=dt.date(2026, 3, 1), source="x")
    with pytest.raises(ServiceError) as e:
        services.recognition_add(by=cast["office"], case=accepted, level="city", date=dt.date(2026, 3, 1), source=" ")
    assert e.value.field == "source"
    services.recognition_add(by=cast["office"], case=accepted, level="city", date=dt.date(2026, 3, 1),
                             source="青岛市复制推广通知")
    services.recognition_add(by=cast["office"], case=accepted, level="district", date=dt.date(2026, 2, 1),
                             source="区委常委会研究")
    accepted.refresh_from_db()
    assert accepted.top_level == "city"  # the highest level stays
    with pytest.raises(PermissionDeniedError):
        services.adoption_add(by=cast["liaison_b"], case=accepted, unit=city["other_district"],
                              adopted_on=dt.date(2026, 3, 20))
    services.adoption_add(by=cast["liaison_b"], case=accepted, unit=city["street_b"], adopted_on=dt.date(2026, 3, 20),
                          result="已在两个社区推开")
    with pytest.raises(ServiceError, match="已登记过借鉴该案例"):
        services.adoption_add(by=cast["office"], case=accepted, unit=city["street_b"], adopted_on=dt.date(2026, 3, 21))
    with pytest.raises(ServiceError, match="不能是案例的牵头单位本身"):
        services.adoption_add(by=cast["office"], case=accepted, unit=city["street_a"], adopted_on=dt.date(2026, 3, 21))
    with pytest.raises(ServiceError, match="不能晚于今天"):
        services.adoption_add(by=cast["office"], case=accepted, unit=city["dept"], adopted_on=dt.date(2026, 5, 1))
    assert accepted.adoptions.count() == 1


@pytest.mark.parametrize("q,found", [
    ("加装电梯", True), ("老旧小区 加装电梯", True), ("加装电梯老旧小区", True), ("电梯 协商", True),
    ("低层补偿", True), ("城市更新", True), ("营商环境", False), ("加装电梯 审批提速", False),
])
def test_chinese_search_finds_phrases_in_any_order(accepted, cast, write, q, found):
    write(title="企业开办“零费用”全程网办", summary="企业开办全流程网上办理。", problem="企业开办环节多、费用高。",
          body="整合登记、刻章、发票、社保等环节，一网通办。", tags=["营商环境"], results="", figures=[])
    hits = list(selectors.case_list(user=cast["office"], filters=selectors.CaseFilters(q=q)))
    assert (accepted in hits) is found


def test_counts_by_year_region_and_level(accepted, cast):
    counts = selectors.case_counts(user=cast["office"])
    assert counts["total"] == 1 and counts["by_year"] == [(2026, 1)] and counts["by_region"] == [("崂山区", 1)]


@pytest.mark.parametrize("text,where", [
    ("kind: case_review\nname: x\ncriteria:\n  - {code: a, name: 首创性, max: 30}\n  - {code: a, name: 成效, max: 20}\naccept_from: 10\n",
     "第5行（criteria.1.code）：评分项编码“a”重复"),
    ("kind: case_review\nname: x\ncriteria:\n  - {code: a, name: 首创性, max: 30}\naccept_from: 60\n",
     "入库分数线 60 高于满分 30"),
])
def test_review_scheme_errors_name_the_line(text, where):
    from luoshi.cases.scheme import case_scheme_parse
    from luoshi.core.specs import SpecError

    with pytest.raises(SpecError) as e:
        case_scheme_parse(text, source="x.yaml")
    assert where in str(e.value)


def test_attachments_checked_before_any_is_stored(write, cast):
    from luoshi.core.models import Attachment

    case = write()
    with pytest.raises(ServiceError, match="类型不允许上传"):
        services.case_attach(by=cast["liaison_a"], case=case, files=[("a.pdf", b"%PDF-1.4 x"), ("b.exe", b"MZ")])
    assert not Attachment.objects.exists()
    with pytest.raises(PermissionDeniedError):
        services.case_attach(by=cast["liaison_b"], case=case, files=[("a.pdf", b"%PDF-1.4 x")])
    services.case_attach(by=cast["liaison_a"], case=case, files=[("做法说明.pdf", b"%PDF-1.4 x")])
    assert [a.original_name for a in case.attachments.all()] == ["做法说明.pdf"]
