"""Cases into assessment (改革创新加分): a case accepted into the library and recognised for 复制推广 in the round's
period earns its unit the preset's points per level in the fed leaf, through the engine's score_record; the score
card names the case. A case not reviewed, or recognised outside the period, earns nothing."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from luoshi.assessment import services as assess
from luoshi.assessment.models import Score
from luoshi.cases import services
from luoshi.cases.feed import assessment_feed
from luoshi.cases.models import Recognition
from luoshi.cases.scheme import case_scheme_parse
from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.specs import SpecError

SCHEME = """\
kind: scheme
code: gaige-kaohe
name: 改革创新考核
region: 崂山区
owner_unit: 区委办公室
precision: 2
rounding: half_up
peer_groups:
  - {code: street, name: 街道, unit_kinds: [street]}
items:
  - code: A
    name: 基础工作
    points: 20
    children:
      - {code: A1, name: 组织领导, points: 20, method: 查阅档案}
  - code: C
    name: 改革创新
    points: 4
    children:
      - {code: C1, name: 改革创新加分, points: 4, method: 查阅档案}
"""

LIBRARY = """\
kind: case_review
name: 评审方案
criteria:
  - {code: originality, name: 首创性, max: 30}
  - {code: effect, name: 实际成效, max: 35}
  - {code: replicable, name: 可复制推广, max: 25}
  - {code: material, name: 材料完整, max: 10}
accept_from: 60
assessment:
  - scheme: gaige-kaohe
    leaf: C1
    points: {district: 1, city: 2, province: 3, nation: 5}
"""


@pytest.fixture
def rnd(cast):
    scheme, _version, _new = assess.scheme_save(by=cast["office"], text=SCHEME)
    r = assess.round_create(by=cast["office"], scheme=scheme, name="2026年第一季度", period_start=dt.date(2026, 1, 1),
                            period_end=dt.date(2026, 3, 31))
    for to in ("collecting", "scoring"):
        r = assess.round_advance(by=cast["office"], round=r, to=to)
    return r


def _total(rnd, unit) -> Decimal:
    return assess.unit_preview(rnd, unit.pk).total


def test_a_replicated_case_raises_its_units_score_and_the_card_names_it(rnd, accepted, write, cast, city,
                                                                          client_for):
    library = case_scheme_parse(LIBRARY)
    services.recognition_add(by=cast["office"], case=accepted, level="district", date=dt.date(2026, 2, 1),
                             source="崂山区委改革办〔2026〕1号")
    services.recognition_add(by=cast["office"], case=accepted, level="city", date=dt.date(2026, 3, 20),
                             source="青岛市改革办〔2026〕3号")
    # the same street's other accepted case was recognised last year: outside the round's period
    old = write(title="“渔港夜市”共建共管")
    services.case_nominate(by=cast["liaison_a"], case=old, how="self")
    services.case_review(by=cast["office"], case=old, decision="accepted",
                         scores={"originality": "25", "effect": "30", "replicable": "20", "material": "8"})
    services.recognition_add(by=cast["office"], case=old, level="nation", date=dt.date(2025, 12, 30),
                             source="国务院简报2025年第9期")
    # 沙子口街道's case is only nominated (not reviewed): a recognition row (e.g. typed in before the review) counts
    # for nothing
    unreviewed = write(unit=city["street_b"], by=cast["liaison_b"], title="渔民议事厅")
    services.case_nominate(by=cast["liaison_b"], case=unreviewed, how="self")
    Recognition.objects.create(case=unreviewed, level="nation", date=dt.date(2026, 3, 1), source="某简报",
                               recorded_by=cast["office"], recorded_at=rnd.created_at)

    a, b = city["street_a"], city["street_b"]
    before_a, before_b = _total(rnd, a), _total(rnd, b)
    assert assessment_feed(by=cast["office"], round=rnd, library=library) == 2  # the two streets take part
    score_a = Score.objects.get(round=rnd, unit=a, indicator__code="C1", is_current=True)
    score_b = Score.objects.get(round=rnd, unit=b, indicator__code="C1", is_current=True)
    assert score_a.value == Decimal(2) and score_a.source == "cases"  # once, at the highest level in the period
    assert score_b.value == 0 and "没有入库案例" in score_b.note
    assert _total(rnd, a) == before_a + 2 and _total(rnd, b) == before_b
    assert accepted.title in score_a.note and "全市复制推广" in score_a.note and old.title not in score_a.note

    card = client_for(cast["office"]).get(reverse("assess_card", args=[rnd.pk, a.pk])).content.decode()
    assert accepted.title in card and "全市复制推广" in card

    # recognised at 全国 within the period too: 5 points, capped at the leaf's 4; feeding again replaces the score
    services.recognition_add(by=cast["office"], case=accepted, level="nation", date=dt.date(2026, 3, 30),
                             source="国务院简报2026年第2期")
    assessment_feed(by=cast["office"], round=rnd, library=library)
    score_a = Score.objects.get(round=rnd, unit=a, indicator__code="C1", is_current=True)
    assert score_a.value == 4 and "以本项分值为限" in score_a.note
    assert Score.objects.filter(round=rnd, unit=a, indicator__code="C1").count() == 2


def test_refusals(rnd, accepted, cast):
    library = case_scheme_parse(LIBRARY)
    with pytest.raises(PermissionDeniedError):
        assessment_feed(by=cast["liaison_a"], round=rnd, library=library)
    other = case_scheme_parse(LIBRARY.replace("scheme: gaige-kaohe", "scheme: another"))
    with pytest.raises(ServiceError, match="没有把案例计入"):
        assessment_feed(by=cast["office"], round=rnd, library=other)
    wrong_leaf = case_scheme_parse(LIBRARY.replace("leaf: C1", "leaf: Z9"))
    with pytest.raises(ServiceError, match="Z9"):
        assessment_feed(by=cast["office"], round=rnd, library=wrong_leaf)
    assert not Score.objects.filter(round=rnd).exists()


def test_the_preset_names_the_line_of_an_unknown_level():
    with pytest.raises(SpecError) as e:
        case_scheme_parse(LIBRARY.replace("nation: 5", "全国: 5"))
    problem = e.value.errors[0]
    assert problem.row == 12 and "推广层级" in problem.message


def test_the_office_feeds_a_round_from_the_case_list(rnd, accepted, cast, city, client_for, monkeypatch):
    from luoshi.cases import feed, views

    library = case_scheme_parse(LIBRARY)
    monkeypatch.setattr(views, "review_scheme", lambda: library)
    monkeypatch.setattr(feed, "review_scheme", lambda: library)
    services.recognition_add(by=cast["office"], case=accepted, level="province", date=dt.date(2026, 3, 2),
                             source="省改革办简报第5期")
    office = client_for(cast["office"])
    assert "计入考核" in office.get(reverse("case_list")).content.decode()
    assert "计入考核" not in client_for(cast["liaison_a"]).get(reverse("case_list")).content.decode()
    assert client_for(cast["liaison_a"]).post(reverse("case_feed"), {"round": rnd.pk}).status_code == 302
    assert not Score.objects.filter(round=rnd).exists()  # the liaison's choice is not one of its rounds: refused
    office.post(reverse("case_feed"), {"round": rnd.pk})
    assert Score.objects.get(round=rnd, unit=city["street_a"], indicator__code="C1").value == 3
