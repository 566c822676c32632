"""Assessment pages through the Django test client: who sees which page (and who is refused), the office's
buttons along the round flow, the evaluator's scoring form (bad values shown in Chinese, nothing written,
nothing typed lost; the htmx variant too), the review queue (no approving one's own scores), the score card
with appeals and their review, adjustments, materials, evidence downloads, metric league tables, and list
pages whose query count does not grow with the number of units."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from luoshi.assessment import services
from luoshi.assessment.models import (Adjustment, Appeal, Consequence, Material, Publication, Result, Round,
                                      RoundUnit, SchemeVersion, Score)
from luoshi.core.compiled import statement_text

from .conftest import SCHEME_YAML

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PDF = b"%PDF-1.4 test evidence"
DAY = "2026-02-02"


def url(name, *args):
    return reverse(name, args=list(args))


def page(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path)
    assert r.status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def scoring(assess, travel):
    """A round in 评分中 where the evaluator has scored street_a fully and street_b partly."""
    with travel(DAY):
        rnd = assess.round()
        assess.score(rnd, "street_a", {"A1": "18", "A2": "达标", "A3": "2", "B1": "良", "B2": "90"})
        assess.score(rnd, "street_b", {"A1": "15"})
    return rnd


@pytest.fixture
def published(assess, travel):
    with travel(DAY):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {"A1": "12"}, "street_b": {}, "dept": {"A2": "不达标"}})
        rnd = assess.publish(rnd, note="首次公布")
    return rnd


def add_streets(city, n, start=0):
    from luoshi.org.services import unit_create

    return [unit_create(by=None, name=f"测试{start + i + 1}街道", kind="street", parent=city["district"])
            for i in range(n)]


# ---- who may open what -------------------------------------------------------------------------------------

def test_anonymous_is_sent_to_the_login_page(client, scoring, city):
    for path in (url("assess_index"), url("assess_scheme", scoring.scheme_id), url("assess_round", scoring.pk),
                 url("assess_score", scoring.pk), url("assess_review", scoring.pk),
                 url("assess_card", scoring.pk, city["street_a"].pk)):
        r = client.get(path)
        assert r.status_code == 302 and r["Location"].startswith(reverse("login")), path


@pytest.mark.parametrize("who, sees", [("office", True), ("leader", True), ("evaluator", True), ("liaison_a", True),
                                       ("liaison_dept", True), ("outsider", False)])
def test_the_index_lists_the_scheme_to_the_right_people(scoring, cast, client_for, who, sees):
    r = client_for(cast[who]).get(url("assess_index"))
    assert r.status_code == 200
    assert ("测试考核" in page(r)) is sees
    detail = client_for(cast[who]).get(url("assess_scheme", scoring.scheme_id))
    assert detail.status_code == (200 if sees else 404)


def test_the_round_is_listed_to_a_liaison_of_a_taking_part_unit_before_publication(scoring, cast, client_for):
    html = page(client_for(cast["liaison_a"]).get(url("assess_index")))
    assert scoring.name in html and url("assess_round", scoring.pk) in html


def test_the_outsider_cannot_open_the_round_before_publication(scoring, cast, client_for):
    assert client_for(cast["outsider"]).get(url("assess_round", scoring.pk)).status_code == 404


def test_the_navigation_has_the_assessment_entry(scoring, cast, client_for):
    html = page(client_for(cast["liaison_a"]).get(url("assess_index")))
    assert f'href="{url("assess_index")}" aria-current="page"' in html and "考核测评" in html


# ---- the scheme page and editing its YAML -----------------------------------------------------------------------

def test_the_scheme_page_shows_the_tree_rules_and_versions(scheme, cast, client_for):
    r = client_for(cast["office"]).get(url("assess_scheme", scheme.pk))
    html = page(r)
    assert r.status_code == 200
    for text in ("基础工作", "组织领导", "查阅档案", "达标得 10 分，不达标不得分", "每发现一处扣 0.5 分，扣完为止",
                 "等级评定：优 30 分、良 24 分、中 18 分、差 10 分", "被上级通报批评", "一票否决", "表彰推广",
                 "连续两期街道末位", "第1版", "满分 100 分", "修改指标体系", "新建考核期次"):
        assert text in html, text
    liaison = page(client_for(cast["liaison_a"]).get(url("assess_scheme", scheme.pk)))
    assert "组织领导" in liaison and "修改指标体系" not in liaison and "新建考核期次" not in liaison
    assert 'name="compare_to"' not in html  # only metric schemes compare with a round a year before


def test_the_yaml_downloads(scheme, cast, client_for):
    r = client_for(cast["liaison_a"]).get(url("assess_scheme_yaml", scheme.pk))
    assert r.status_code == 200 and r["Content-Disposition"].endswith('filename="test-scheme-v1.yaml"')
    assert r.content.decode() == SCHEME_YAML


def test_a_bad_yaml_names_the_line_and_keeps_the_text(scheme, cast, client_for):
    bad = SCHEME_YAML.replace("{code: A1, name: 组织领导, points: 20, method: 查阅档案}",
                              "{code: A1, name: 组织领导, points: 20, method: 拍脑袋}")
    line = bad.splitlines().index(next(x for x in bad.splitlines() if "拍脑袋" in x)) + 1
    r = client_for(cast["office"]).post(url("assess_scheme_edit", scheme.pk), {"text": bad, "note": "试改"})
    html = page(r)
    assert r.status_code == 400
    assert f"第{line}行" in html and "评价方法“拍脑袋”不在" in html
    assert "拍脑袋" in r.context["form"]["text"].value() and 'value="试改"' in html  # nothing typed is lost
    assert SchemeVersion.objects.get(scheme=scheme).source == SCHEME_YAML


def test_an_uploaded_yaml_that_fails_lands_in_the_text_box(scheme, cast, client_for):
    bad = SCHEME_YAML.replace("appeal_days: 5", "appeal_days: 500")
    upload = SimpleUploadedFile("scheme.yaml", bad.encode())
    r = client_for(cast["office"]).post(url("assess_scheme_edit", scheme.pk), {"text": "", "upload": upload})
    assert r.status_code == 400 and "appeal_days" in page(r)
    assert "appeal_days: 500" in r.context["form"]["text"].value()


def test_editing_a_scheme_in_use_makes_a_new_version(assess, scheme, cast, client_for, travel):
    with travel(DAY):
        rnd = assess.round()
    edited = SCHEME_YAML.replace("{code: A1, name: 组织领导, points: 20", "{code: A1, name: 组织领导（修订）, points: 20")
    c = client_for(cast["office"])
    r = c.post(url("assess_scheme_edit", scheme.pk), {"text": edited, "note": "修订A1名称"})
    assert r.status_code == 302
    assert list(scheme.versions.values_list("number", "note")) == [(1, ""), (2, "修订A1名称")]
    rnd.refresh_from_db()
    assert rnd.version.number == 1
    html = page(c.get(url("assess_scheme", scheme.pk)))
    assert "组织领导（修订）" in html and "第2版" in html
    assert "组织领导（修订）" not in page(c.get(url("assess_scheme", scheme.pk) + "?version=1"))


def test_editing_cannot_change_the_code_or_be_done_by_others(scheme, cast, client_for):
    other = SCHEME_YAML.replace("code: test-scheme", "code: another-scheme")
    r = client_for(cast["office"]).post(url("assess_scheme_edit", scheme.pk), {"text": other})
    assert r.status_code == 400 and "代码须为“test-scheme”" in page(r) and "第2行" in page(r)
    assert not type(scheme).objects.filter(code="another-scheme").exists()
    for who in ("liaison_a", "evaluator", "leader"):
        assert client_for(cast[who]).get(url("assess_scheme_edit", scheme.pk)).status_code == 404
        assert client_for(cast[who]).post(url("assess_scheme_edit", scheme.pk), {"text": SCHEME_YAML}).status_code == 404


def test_a_new_scheme_from_the_index(city, cast, client_for):
    text = SCHEME_YAML.replace("code: test-scheme", "code: new-scheme").replace("name: 测试考核", "name: 新考核")
    c = client_for(cast["office"])
    assert "新建指标体系" in page(c.get(url("assess_index")))
    r = c.post(url("assess_scheme_create"), {"text": text})
    assert r.status_code == 302
    r = c.post(url("assess_scheme_create"), {"text": text})
    assert r.status_code == 400 and "已被另一个指标体系使用" in page(r)
    assert client_for(cast["liaison_a"]).get(url("assess_scheme_create")).status_code == 404
    assert "新建指标体系" not in page(client_for(cast["liaison_a"]).get(url("assess_index")))


def test_creating_a_round_from_the_scheme_page(scheme, cast, client_for, city, travel):
    c = client_for(cast["office"])
    with travel(DAY):
        r = c.post(url("assess_round_create", scheme.pk), {"name": "2026年2月", "period_start": "2026-02-28",
                                                            "period_end": "2026-02-01"})
        assert r.status_code == 400 and "考核期结束日期不能早于开始日期。" in page(r)
        assert 'value="2026年2月"' in page(r) and not Round.objects.exists()
        r = c.post(url("assess_round_create", scheme.pk), {"name": "2026年2月", "period_start": "2026-02-01",
                                                            "period_end": "2026-02-28"})
    rnd = Round.objects.get()
    assert r.status_code == 302 and r["Location"] == url("assess_round", rnd.pk)
    assert set(RoundUnit.objects.filter(round=rnd).values_list("unit__name", flat=True)) == {
        "中韩街道", "沙子口街道", "区委办公室", "区行政审批服务局"}
    assert client_for(cast["liaison_a"]).post(url("assess_round_create", scheme.pk), {
        "name": "x", "period_start": "2026-02-01", "period_end": "2026-02-28"}).status_code == 404
    assert Round.objects.count() == 1


# ---- the round page -------------------------------------------------------------------------------------------

def test_the_round_page_for_the_office(scoring, cast, client_for):
    r = client_for(cast["office"]).get(url("assess_round", scoring.pk))
    html = page(r)
    assert r.status_code == 200
    for text in ("督查室操作", "进入“审核中”", "全部审核通过", "试算结果", "草稿", "材料报送", "评分中", "审核中", "已定稿",
                 "指派评估员", "不参与排名", "郑洁"):
        assert text in html, text
    assert r.context["progress"]["submitted"] == 6 and r.context["progress"]["expected"] == 20


def test_before_publication_a_liaison_sees_only_their_own_row(scoring, cast, city, client_for):
    services.round_compute(by=cast["office"], round=scoring)
    office = page(client_for(cast["office"]).get(url("assess_round", scoring.pk)))
    assert "中韩街道" in office and "沙子口街道" in office
    r = client_for(cast["liaison_a"]).get(url("assess_round", scoring.pk))
    html = page(r)
    assert r.status_code == 200
    assert [row.unit for row in r.context["ranked"]] == ["中韩街道"]
    assert "沙子口街道" not in html and "督查室操作" not in html and "郑洁" not in html
    assert url("assess_card", scoring.pk, city["street_a"].pk) in html


def test_the_office_moves_the_round_along_and_publishes_with_a_note(assess, cast, client_for, travel, city):
    c = client_for(cast["office"])
    with travel(DAY):
        rnd = assess.round(state="draft")
        for to in ("collecting", "scoring"):
            r = c.post(url("assess_round_action", rnd.pk, "advance"), {"to": to})
            assert r.status_code == 302
        rnd.refresh_from_db()
        assert rnd.state == "scoring"
        # a stale button (the page showed another state) changes nothing
        r = c.post(url("assess_round_action", rnd.pk, "advance"), {"to": "scoring"}, follow=True)
        assert "考核期次的状态已变化，请刷新页面后再操作。" in messages_of(r)
        assess.score_all(rnd, {"street_a": {}, "street_b": {"A1": "10"}, "dept": {}})
        c.post(url("assess_round_action", rnd.pk, "advance"), {"to": "review"})
        r = c.post(url("assess_round_action", rnd.pk, "publish"), {"note": "请各单位核对"}, follow=True)
        assert "还有 15 条评分未审核或已退回，审核完毕后才能公布。" in messages_of(r)
        r = c.post(url("assess_round_action", rnd.pk, "approve"), follow=True)
        assert "已审核通过 15 条评分。" in messages_of(r)
        # the completeness guard: 区委办公室 has no score; the page says so, publishing needs the explicit override
        r = c.get(url("assess_round", rnd.pk))
        assert "评分不完整：区委办公室 5 项没有评分（共缺 5 项）" in page(r)
        r = c.post(url("assess_round_action", rnd.pk, "publish"), {"note": "请各单位核对"})
        assert r.status_code == 400 and "区委办公室 5 项" in messages_of(r)[0]
        rnd.refresh_from_db()
        assert rnd.state == "review"
        r = c.post(url("assess_round_action", rnd.pk, "publish"), {"note": "", "allow_incomplete": "on"})
        assert r.status_code == 400 and "按缺项公布时须在公布说明中写明理由。" in messages_of(r)
        r = c.post(url("assess_round_action", rnd.pk, "publish"), {"note": "请各单位核对", "allow_incomplete": "on"},
                   follow=True)
    rnd.refresh_from_db()
    assert rnd.state == "published" and rnd.appeal_deadline == dt.date(2026, 2, 7)
    assert "已公布第1版结果，申诉期至2026-02-07。" in messages_of(r)
    html = page(r)
    assert "已公布（申诉期至2026-02-07）" in html and "请各单位核对" in html
    ranked = r.context["ranked"]
    assert [(x.unit, x.total) for x in ranked if x.group == "street"] == [("中韩街道", Decimal("100.00")),
                                                                        ("沙子口街道", Decimal("90.00"))]
    with travel("2026-02-03"):
        r = c.post(url("assess_round_action", rnd.pk, "finalize"), follow=True)
    assert "申诉期至 2026-02-07，申诉期结束后才能定稿。" in messages_of(r)
    for who in ("liaison_a", "evaluator", "leader"):
        assert client_for(cast[who]).post(url("assess_round_action", rnd.pk, "finalize")).status_code == 404
    rnd.refresh_from_db()
    assert rnd.state == "published"


def test_a_publish_refusal_keeps_the_note(scoring, cast, client_for, travel):
    c = client_for(cast["office"])
    with travel(DAY):
        c.post(url("assess_round_action", scoring.pk, "advance"), {"to": "review"})
        r = c.post(url("assess_round_action", scoring.pk, "publish"), {"note": "第一次公布的说明"})
    assert r.status_code == 400 and "第一次公布的说明" in page(r)
    assert not Publication.objects.exists()


def test_the_league_table_columns_and_excluded_units(published, cast, client_for, city):
    r = client_for(cast["leader"]).get(url("assess_round", published.pk))
    html = page(r)
    for text in ("名次", "单位", "分组", "基础工作", "重点任务", "加分", "减分", "总分", "得分率", "等次", "升降位次",
                 "首次公布"):
        assert text in html, text
    by_unit = {row.unit: row for row in r.context["ranked"]}
    assert by_unit["中韩街道"].total == Decimal("92.00") and by_unit["中韩街道"].subtotals == [Decimal(32), Decimal(60)]
    assert "92" in html and "★★★★★" in html


def test_excluding_a_unit_lists_it_after_the_table_with_the_reason(scoring, cast, client_for, city, travel):
    c = client_for(cast["office"])
    with travel(DAY):
        r = c.post(url("assess_participant_exclude", scoring.pk), {"unit": city["dept"].pk, "reason": ""})
        assert r.status_code == 302
        r = c.post(url("assess_participant_exclude", scoring.pk), {"unit": "", "reason": "机构调整"})
        assert r.status_code == 400 and "这个字段是必填项。" in page(r) and 'value="机构调整"' in page(r)
        c.post(url("assess_participant_exclude", scoring.pk), {"unit": city["dept"].pk, "reason": "机构调整，本期不排名"})
        c.post(url("assess_round_action", scoring.pk, "compute"))
    r = c.get(url("assess_round", scoring.pk))
    assert [row.unit for row in r.context["excluded"]] == ["区行政审批服务局"]
    assert "区行政审批服务局" not in [row.unit for row in r.context["ranked"]]
    assert "机构调整，本期不排名" in page(r)
    assert client_for(cast["liaison_a"]).post(url("assess_participant_exclude", scoring.pk), {
        "unit": city["street_b"].pk, "reason": "x"}).status_code == 404
    assert RoundUnit.objects.get(round=scoring, unit=city["street_b"]).excluded == ""


def test_assigning_an_evaluator_by_username_or_name(scoring, cast, client_for, city, second_evaluator):
    c = client_for(cast["office"])
    r = c.post(url("assess_evaluator_assign", scoring.pk), {"person": "无此人"})
    assert r.status_code == 400 and "找不到用户“无此人”。" in page(r) and 'value="无此人"' in page(r)
    r = c.post(url("assess_evaluator_assign", scoring.pk), {"person": "钱评", "units": [city["street_b"].pk]})
    assert r.status_code == 302
    html = page(client_for(second_evaluator).get(url("assess_score", scoring.pk)))
    assert "沙子口街道" in html and "中韩街道" not in html


# ---- scoring ----------------------------------------------------------------------------------------------------

def test_the_scoring_page(scoring, cast, client_for, city, assess):
    r = client_for(cast["evaluator"]).get(url("assess_score", scoring.pk) + f"?unit={city['street_b'].pk}")
    html = page(r)
    assert r.status_code == 200
    a1, a2, b1 = (assess.leaf(scoring, c) for c in ("A1", "A2", "B1"))
    assert "沙子口街道：已评 1 / 5 项" in html and "全部：已评 6 / 20 项" in html
    assert f'id="leaf-{a1.pk}-value" name="value" value="15"' in html
    assert '<option value="达标">达标</option>' in html and '<option value="优">优（30）</option>' in html
    assert "按实际情况评分，最高 20 分" in html
    assert f'id="leaf-{b1.pk}"' in html and f'id="leaf-{a2.pk}"' in html


@pytest.mark.parametrize("who", ["liaison_a", "leader", "outsider"])
def test_only_evaluators_and_the_office_open_the_scoring_page(scoring, cast, client_for, who, city, assess):
    c = client_for(cast[who])
    assert c.get(url("assess_score", scoring.pk)).status_code == 404
    r = c.post(url("assess_score_save", scoring.pk, city["street_a"].pk),
               {"indicator": assess.leaf(scoring, "A1").pk, "value": "1"})
    assert r.status_code == 404


@pytest.mark.parametrize("value, message", [
    ("25", "“A1 组织领导”：超过该项应得分 20"),
    ("abc", "“A1 组织领导”：“abc”不是数字"),
    ("-1", "“A1 组织领导”：不能为负数"),
    ("", "这个字段是必填项。"),
])
def test_a_bad_value_shows_the_chinese_error_keeps_the_input_and_writes_nothing(
        scoring, cast, client_for, city, assess, value, message, travel):
    a1 = assess.leaf(scoring, "A1")
    before = list(Score.objects.values_list("pk", "value", "is_current"))
    with travel(DAY):
        r = client_for(cast["evaluator"]).post(url("assess_score_save", scoring.pk, city["street_a"].pk), {
            "indicator": a1.pk, "value": value, "note": "现场查看会议记录",
            "files": SimpleUploadedFile("记录.pdf", PDF)})
    html = page(r)
    assert r.status_code == 400
    assert message in html and "“A1 组织领导”未保存，请检查标红的内容。" in html
    assert f'id="leaf-{a1.pk}-value" name="value" value="{value}"' in html and "现场查看会议记录" in html
    assert "请重新选择佐证文件。" in html
    assert list(Score.objects.values_list("pk", "value", "is_current")) == before


def test_a_bad_file_is_refused_on_its_field(scoring, cast, client_for, city, assess, travel):
    a1 = assess.leaf(scoring, "A1")
    n = Score.objects.count()
    with travel(DAY):
        r = client_for(cast["evaluator"]).post(url("assess_score_save", scoring.pk, city["street_b"].pk), {
            "indicator": a1.pk, "value": "16", "files": SimpleUploadedFile("假的.pdf", b"MZ not a pdf")})
    assert r.status_code == 400 and "文件“假的.pdf”的内容与扩展名 .pdf 不符" in page(r)
    assert r.context["lines"][0].errors == {"files": ["文件“假的.pdf”的内容与扩展名 .pdf 不符，可能已损坏或被改名。"]}
    assert Score.objects.count() == n


def test_scoring_with_evidence_without_javascript(scoring, cast, client_for, city, assess, travel):
    a1 = assess.leaf(scoring, "A1")
    c = client_for(cast["evaluator"])
    with travel(DAY):
        r = c.post(url("assess_score_save", scoring.pk, city["street_b"].pk), {
            "indicator": a1.pk, "value": "16", "note": "会议记录齐全", "files": SimpleUploadedFile("记录.pdf", PDF)})
    assert r.status_code == 302 and r["Location"].endswith(f"?unit={city['street_b'].pk}#leaf-{a1.pk}")
    score = Score.objects.get(round=scoring, unit=city["street_b"], indicator=a1, is_current=True)
    assert (score.value, score.note, [f.original_name for f in score.evidence.all()]) == (
        Decimal("16"), "会议记录齐全", ["记录.pdf"])
    assert Score.objects.filter(round=scoring, unit=city["street_b"], indicator=a1, is_current=False).count() == 1


def test_scoring_with_htmx(scoring, cast, client_for, city, assess, travel):
    a2 = assess.leaf(scoring, "A2")
    c = client_for(cast["evaluator"])
    path = url("assess_score_save", scoring.pk, city["street_b"].pk)
    with travel(DAY):
        bad = c.post(path, {"indicator": a2.pk, "value": "也许"}, **HTMX)
        assert bad.status_code == 200 and bad["HX-Reswap"] == "none"
        html = page(bad)
        assert f'id="leaf-{a2.pk}-value-error" hx-swap-oob="true">“A2 制度建立”：请填“达标”或“不达标”（1 或 0）' in html
        assert "<form" not in html  # the form on the page is left as it is
        assert not Score.objects.filter(unit=city["street_b"], indicator=a2).exists()
        good = c.post(path, {"indicator": a2.pk, "value": "达标", "files": SimpleUploadedFile("制度.pdf", PDF)}, **HTMX)
    html = page(good)
    assert good.status_code == 200 and "已保存：沙子口街道 “A2 制度建立”。" in html
    assert f'<section class="card leaf scored" id="leaf-{a2.pk}">' in html
    assert 'id="score-progress" hx-swap-oob="true"' in html and "沙子口街道：已评 2 / 5 项" in html
    assert '<option value="达标" selected>' in html and "制度.pdf" in html


def test_scoring_is_closed_outside_the_scoring_states(assess, cast, client_for, city, travel):
    with travel(DAY):
        rnd = assess.round(state="collecting")
        leaf = assess.leaf(rnd, "A1")
        c = client_for(cast["evaluator"])
        assert "现在不能评分" in page(c.get(url("assess_score", rnd.pk)))
        r = c.post(url("assess_score_save", rnd.pk, city["street_a"].pk), {"indicator": leaf.pk, "value": "5"})
    assert r.status_code == 400 and "考核期次“材料报送”，不能评分。" in page(r)
    assert not Score.objects.exists()


# ---- review --------------------------------------------------------------------------------------------------

def test_the_review_queue_marks_the_approvers_own_scores(scoring, cast, client_for, city, assess, travel):
    office = client_for(cast["office"])
    with travel(DAY):
        assess.score(scoring, "dept", {"A1": "19"}, by=cast["office"])
        r = office.get(url("assess_review", scoring.pk))
        html = page(r)
        own = Score.objects.get(unit=city["dept"])
        assert r.status_code == 200 and "共 7 条评分待审核。" in html
        assert html.count("本人评分，不能审核") == 1 and f'name="score" value="{own.pk}"' not in html
        r = office.post(url("assess_review_approve", scoring.pk), {"score": [own.pk]}, follow=True)
        assert "评分人不能审核自己的评分，请由其他人审核。" in messages_of(r)
        others = list(Score.objects.filter(unit=city["street_a"]).values_list("pk", flat=True))
        r = office.post(url("assess_review_approve", scoring.pk), {"score": others}, follow=True)
        assert "已审核通过 5 条评分。" in messages_of(r)
        ret = Score.objects.get(unit=city["street_b"])
        r = office.post(url("assess_score_return", ret.pk), {"reason": ""}, follow=True)
        assert "退回“A1”：这个字段是必填项。" in messages_of(r)
        office.post(url("assess_score_return", ret.pk), {"reason": "缺少会议记录"})
        r = office.post(url("assess_score_return", own.pk), {"reason": "自己退回"}, follow=True)
        assert "评分人不能审核自己的评分，请由其他人审核。" in messages_of(r)
    assert dict(Score.objects.values_list("unit__name", "status").distinct()) == {
        "中韩街道": "approved", "沙子口街道": "returned", "区行政审批服务局": "submitted"}
    for who in ("evaluator", "liaison_a"):
        assert client_for(cast[who]).get(url("assess_review", scoring.pk)).status_code == 404
        assert client_for(cast[who]).post(url("assess_review_approve", scoring.pk), {"score": [own.pk]}).status_code == 404


# ---- the score card, appeals, adjustments, materials -----------------------------------------------------------

@pytest.mark.parametrize("who, status", [("liaison_a", 200), ("office", 200), ("leader", 200), ("evaluator", 200),
                                         ("liaison_b", 404), ("liaison_dept", 404), ("outsider", 404)])
def test_the_score_card_before_publication(scoring, cast, client_for, city, who, status):
    r = client_for(cast[who]).get(url("assess_card", scoring.pk, city["street_a"].pk))
    assert r.status_code == status
    if status == 200:
        html = page(r)
        for text in ("中韩街道评分卡", "组织领导", "按实际情况评分，最高 20 分", "郑洁", "待审核", "以公布结果为准",
                     "每发现一处扣 0.5 分，扣完为止"):
            assert text in html, text
        # 18 + 10 + (10 − 1) + 24 + 27 = 88
        assert r.context["totals"]["total"] == Decimal("88.00") and not r.context["totals"]["stored"]


def test_the_card_after_publication_shows_rank_grade_and_no_other_units_card(published, cast, client_for, city,
                                                                              travel):
    with travel("2026-02-03"):
        r = client_for(cast["liaison_a"]).get(url("assess_card", published.pk, city["street_a"].pk))
    assert r.status_code == 200
    t = r.context["totals"]
    assert (t["total"], t["rank"], t["group_size"], t["grade"]) == (Decimal("92.00"), 2, 2, "好")
    assert "申诉期至2026-02-07" in page(r)
    assert client_for(cast["liaison_a"]).get(url("assess_card", published.pk, city["street_b"].pk)).status_code == 404
    assert client_for(cast["outsider"]).get(url("assess_card", published.pk, city["street_a"].pk)).status_code == 404
    assert client_for(cast["liaison_a"]).get(url("assess_card", published.pk, 999999)).status_code == 404


def test_appeals_from_the_card_and_their_review(published, cast, client_for, city, assess, travel, second_evaluator):
    a1 = assess.leaf(published, "A1")
    path = url("assess_appeal_file", published.pk, city["street_a"].pk)
    with travel("2026-02-04"):
        # the other street's liaison is refused and nothing is written
        r = client_for(cast["liaison_b"]).post(path, {"indicator": a1.pk, "reason": "替别人申诉"})
        assert r.status_code == 404
        # nor may street_b's liaison appeal street_a through their own unit's card
        r = client_for(cast["liaison_b"]).post(url("assess_appeal_file", published.pk, city["street_b"].pk),
                                               {"indicator": a1.pk, "reason": "x"})
        assert r.status_code == 302 and not Appeal.objects.filter(unit=city["street_a"]).exists()
        Appeal.objects.all().delete()
        liaison = client_for(cast["liaison_a"])
        r = liaison.post(path, {"indicator": a1.pk, "reason": "", "files": SimpleUploadedFile("补充.pdf", PDF)})
        assert r.status_code == 400 and "这个字段是必填项。" in page(r) and "请重新选择附件。" in page(r)
        assert r.context["appeal_leaf"] == a1.pk and not Appeal.objects.exists()
        r = liaison.post(path, {"indicator": a1.pk, "reason": "组织领导材料已补充，见附件",
                                "files": SimpleUploadedFile("补充.pdf", PDF)})
        assert r.status_code == 302 and r["Location"].endswith(f"#leaf-{a1.pk}")
        appeal = Appeal.objects.get()
        assert [f.original_name for f in appeal.evidence.all()] == ["补充.pdf"]
        a2 = assess.leaf(published, "A2")
        card = page(liaison.get(url("assess_card", published.pk, city["street_a"].pk)))
        assert f'id="appeal-{a1.pk}-reason"' not in card and f'id="appeal-{a2.pk}-reason"' in card
        office_card = page(client_for(cast["office"]).get(url("assess_card", published.pk, city["street_a"].pk)))
        assert "提交申诉" not in office_card and "提交复核结论" in office_card
        r = liaison.post(path, {"indicator": a1.pk, "reason": "再诉一次"})
        assert r.status_code == 400 and "该指标已有待复核的申诉。" in page(r) and "再诉一次" in page(r)

        # the office reviews: refused without a decision, then revises; the liaison may not decide
        office = client_for(cast["office"])
        decide = url("assess_appeal_decide", appeal.pk)
        assert client_for(cast["liaison_a"]).post(decide, {"outcome": "revise", "value": "20",
                                                           "decision": "x"}).status_code == 404
        r = office.post(decide, {"outcome": "revise", "value": "", "decision": "材料齐全"})
        assert r.status_code == 400 and "改分须填写复核后的录入值。" in page(r) and "材料齐全" in page(r)
        r = office.post(decide, {"outcome": "revise", "value": "30", "decision": "材料齐全"})
        assert r.status_code == 400 and "复核分值：超过该项应得分 20" in page(r)
        r = office.post(decide, {"outcome": "revise", "value": "17", "decision": "材料齐全，改为17分"})
        assert r.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.state, appeal.original_points, appeal.revised_points) == ("revised", Decimal("12"), Decimal("17"))
    card = page(client_for(cast["liaison_a"]).get(url("assess_card", published.pk, city["street_a"].pk)))
    assert "原得分 12 → 复核后 17" in card and "材料齐全，改为17分" in card and "复核改分" in card
    round_page = page(client_for(cast["liaison_b"]).get(url("assess_round", published.pk)))
    assert "根据中韩街道的申诉，复核调整“A1 组织领导”得分：12 → 17。" in round_page and "第2版" in round_page


def test_the_reviewer_may_not_be_the_scorer(assess, cast, client_for, city, travel, second_evaluator):
    """The office scored the leaf itself (another person approved it): the office cannot decide the appeal."""
    with travel(DAY):
        rnd = assess.round(evaluator=cast["office"])
        assess.score_all(rnd, {"street_a": {}, "street_b": {}, "dept": {}}, by=cast["office"])
        rnd = services.round_advance(by=cast["office"], round=rnd, to="review")
        from luoshi.org.services import grant_role

        grant_role(by=None, person=second_evaluator, role="office", unit=city["district"])
        services.scores_approve(by=second_evaluator, round=rnd)
        services.round_publish(by=second_evaluator, round=rnd, note="区委办公室未评分", allow_incomplete=True)
        appeal = services.appeal_file(by=cast["liaison_a"], round=rnd, unit=city["street_a"],
                                      indicator=assess.leaf(rnd, "B2"), reason="满意度调查样本不足")
        r = client_for(cast["office"]).post(url("assess_appeal_decide", appeal.pk),
                                            {"outcome": "uphold", "decision": "维持"})
    assert r.status_code == 400 and "复核人不能是该项的评分人或申诉人，请由其他人复核。" in page(r)
    assert 'value="uphold" checked' in page(r)
    appeal.refresh_from_db()
    assert appeal.state == "filed"


def test_adjustments_on_the_card(scoring, cast, client_for, city, travel):
    c = client_for(cast["evaluator"])
    base = (scoring.pk, city["street_a"].pk)
    with travel(DAY):
        html = page(c.get(url("assess_card", *base)))
        assert "登记加分" in html and "登记减分" in html
        r = c.post(url("assess_adjustment_add", *base, "bonus"), {"item": "award", "level": "市级", "award": ""})
        assert r.status_code == 400 and "加分须有表彰文件（文号或附件）作依据。" in page(r)
        r = c.post(url("assess_adjustment_add", *base, "bonus"), {"item": "award", "level": "市级",
                                                                    "award": "青政字〔2026〕1号"})
        assert r.status_code == 302
        r = c.post(url("assess_adjustment_add", *base, "deduction"), {"item": "N1", "count": "0", "note": "通报"})
        assert r.status_code == 400 and "次数须大于 0。" in page(r) and "通报" in page(r)
        c.post(url("assess_adjustment_add", *base, "deduction"), {"item": "N1", "count": "1"})
    assert list(Adjustment.objects.values_list("kind", "item", "level", "count")) == [
        ("bonus", "award", "市级", Decimal(1)), ("deduction", "N1", "", Decimal(1))]
    r = client_for(cast["liaison_a"]).get(url("assess_card", *base))
    assert "登记加分" not in page(r) and "青政字〔2026〕1号" in page(r) and "被上级通报批评" in page(r)
    assert (r.context["totals"]["bonus"], r.context["totals"]["deduction"]) == (Decimal(1), Decimal(2))
    assert client_for(cast["liaison_a"]).post(url("assess_adjustment_add", *base, "deduction"),
                                              {"item": "N1", "count": "1"}).status_code == 404
    assert Adjustment.objects.count() == 2


def test_materials_from_the_card(assess, cast, client_for, city, travel):
    with travel(DAY):
        rnd = assess.round(state="collecting")
        a1 = assess.leaf(rnd, "A1")
        c = client_for(cast["liaison_a"])
        r = c.post(url("assess_material_submit", rnd.pk, city["street_a"].pk), {"indicator": a1.pk, "text": ""})
        assert r.status_code == 400 and "请填写说明或上传材料。" in page(r)
        r = c.post(url("assess_material_submit", rnd.pk, city["street_a"].pk), {
            "indicator": a1.pk, "text": "党工委会议纪要3份", "files": SimpleUploadedFile("纪要.pdf", PDF)})
        assert r.status_code == 302
        assert client_for(cast["liaison_b"]).post(url("assess_material_submit", rnd.pk, city["street_a"].pk), {
            "text": "x"}).status_code == 404
        services.round_advance(by=cast["office"], round=rnd, to="scoring")
    html = page(client_for(cast["evaluator"]).get(url("assess_score", rnd.pk) + f"?unit={city['street_a'].pk}"))
    assert "单位报送的材料（1）" in html and "党工委会议纪要3份" in html and "纪要.pdf" in html
    assert Material.objects.count() == 1


def test_evidence_downloads_follow_the_card(scoring, cast, client_for, city, assess, travel):
    with travel(DAY):
        services.score_record(by=cast["evaluator"], round=scoring, unit=city["street_a"],
                              indicator=assess.leaf(scoring, "A1"), value="19", files=[("记录.pdf", PDF)])
    att = Score.objects.get(unit=city["street_a"], indicator__code="A1", is_current=True).evidence.get()
    path = url("assess_evidence", scoring.pk, city["street_a"].pk, att.pk)
    r = client_for(cast["liaison_a"]).get(path)
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert client_for(cast["liaison_b"]).get(path).status_code == 404
    # a file of one unit is not reachable through another unit's card
    assert client_for(cast["office"]).get(url("assess_evidence", scoring.pk, city["street_b"].pk, att.pk)).status_code == 404


def test_consequences_are_confirmed_on_the_round_page(assess, cast, client_for, city, travel):
    for name, start, end, when in (("2026年1月", "2026-01-01", "2026-01-31", "2026-02-02"),
                                   ("2026年2月", "2026-02-01", "2026-02-28", "2026-03-02")):
        with travel(when):
            rnd = assess.round(name=name, start=start, end=end)
            assess.score_all(rnd, {"street_a": {"A1": "5"}, "street_b": {}, "dept": {}})
            rnd = assess.publish(rnd)
    proposal = Consequence.objects.get()
    html = page(client_for(cast["office"]).get(url("assess_round", rnd.pk)))
    assert "连续两期街道末位" in html and "通报批评" in html and url("assess_consequence_decide", proposal.pk) in html
    liaison = client_for(cast["liaison_a"])
    assert "通报批评" in page(liaison.get(url("assess_card", rnd.pk, city["street_a"].pk)))
    assert "通报批评" not in page(client_for(cast["liaison_b"]).get(url("assess_round", rnd.pk)))
    assert liaison.post(url("assess_consequence_decide", proposal.pk), {"decision": "confirm"}).status_code == 404
    r = client_for(cast["office"]).post(url("assess_consequence_decide", proposal.pk),
                                        {"decision": "confirm", "note": "已通报"}, follow=True)
    assert "已确认：中韩街道 通报批评。" in messages_of(r)
    proposal.refresh_from_db()
    assert proposal.state == "confirmed" and proposal.decision_note == "已通报"


# ---- metric league tables -------------------------------------------------------------------------------------

METRIC_YAML = """\
kind: scheme
code: test-air
name: 空气质量排名
region: 崂山区
owner_unit: 区委办公室
type: metric
precision: 2
top_bottom: 0
peer_groups:
  - {code: street, name: 街道, unit_kinds: [street]}
league:
  composite_name: 综合指数
  metrics:
    - {code: pm25, name: PM2.5, unit: μg/m³, standard: 35}
    - {code: pm10, name: PM10, unit: μg/m³, standard: 70}
"""


def test_a_metric_round_shows_values_index_change_and_combined_score(cast, city, client_for, travel):
    office = cast["office"]
    values = {"2025": {"street_a": ("35", "70"), "street_b": ("30", "60")},
              "2026": {"street_a": ("28", "56"), "street_b": ("30", "63")}}
    previous = None
    with travel(DAY):
        scheme, _v, _new = services.scheme_save(by=office, text=METRIC_YAML)
        for year in ("2025", "2026"):
            rnd = services.round_create(by=office, scheme=scheme, name=f"{year}年1月",
                                        period_start=dt.date(int(year), 1, 1), period_end=dt.date(int(year), 1, 31),
                                        compare_to=previous)
            for to in ("collecting", "scoring"):
                rnd = services.round_advance(by=office, round=rnd, to=to)
            leaves = {i.code: i for i in rnd.version.indicators.all()}
            for key, (pm25, pm10) in values[year].items():
                for code, value in (("pm25", pm25), ("pm10", pm10)):
                    services.score_record(by=office, round=rnd, unit=city[key], indicator=leaves[code], value=value)
            rnd = services.round_advance(by=office, round=rnd, to="review")
            Score.objects.filter(round=rnd).update(status="approved")  # approved by another office member
            services.round_publish(by=office, round=rnd)
            previous = rnd
    r = client_for(cast["liaison_a"]).get(url("assess_round", rnd.pk))
    html = page(r)
    for text in ("PM2.5", "PM10", "综合指数", "同比变化率", "综合得分"):
        assert text in html, text
    a = Result.objects.get(round=rnd, unit=city["street_a"])
    # index 28/35 + 56/70 = 1.60 against 2.00 a year before: −20.0 %; street_b 30/35 + 63/70 = 1.76 against 1.71
    assert a.figures["index"] == "1.60" and a.figures["change"] == "-20.0"
    assert "1.60" in html and "-20.0%" in html and "1.76" in html
    assert [row.unit for row in r.context["ranked"]] == ["中韩街道", "沙子口街道"]
    card = client_for(cast["liaison_a"]).get(url("assess_card", rnd.pk, city["street_a"].pk))
    assert card.status_code == 200 and "-20.0%" in page(card)
    scoring = client_for(office).get(url("assess_score", rnd.pk))
    assert scoring.status_code == 200 and "实测值" in page(scoring)
    # a new round of a metric scheme may name the round it is compared with (同比)
    scheme_page = page(client_for(office).get(url("assess_scheme", scheme.pk)))
    assert 'name="compare_to"' in scheme_page and f'<option value="{rnd.pk}">2026年1月</option>' in scheme_page
    with travel(DAY):
        r = client_for(office).post(url("assess_round_create", scheme.pk), {
            "name": "2027年1月", "period_start": "2027-01-01", "period_end": "2027-01-31", "compare_to": rnd.pk})
    assert r.status_code == 302 and Round.objects.get(name="2027年1月").compare_to == rnd


def test_the_card_shows_the_scoring_tab_to_evaluators_and_managers(assess, cast, city, client_for, travel):
    """The 评分 tab shows on a card for the round's evaluators and managers only. Whether a non-manager evaluates is
    one read of their assignments; a manager's card reads none."""
    with travel(DAY):
        rnd = assess.round()
    card = url("assess_card", rnd.pk, city["street_a"].pk)
    scoring_tab = f'href="{url("assess_score", rnd.pk)}"'
    for who, shown in (("evaluator", True), ("office", True), ("liaison_a", False)):
        assert (scoring_tab in page(client_for(cast[who]).get(card))) is shown, who
    for who, reads in (("liaison_a", 1), ("office", 0)):
        with CaptureQueriesContext(connection) as q:
            assert client_for(cast[who]).get(card).status_code == 200
        # (a compiled read is an EXECUTE on PostgreSQL: statement_text gives its SQL, ADR 0061)
        assert len([x for x in q.captured_queries if "evaluatorassignment" in statement_text(x["sql"])]) == reads, who


# ---- query counts -----------------------------------------------------------------------------------------------

def test_list_pages_keep_their_query_count_as_units_grow(assess, cast, city, client_for, travel,
                                                         django_assert_max_num_queries):
    """Round page, scoring page, review queue, card and index: the same number of queries for 4 units as for
    14 (two rounds of the same scheme; the second has ten more streets)."""
    office, evaluator = client_for(cast["office"]), client_for(cast["evaluator"])

    def make(name, start, end):
        with travel(DAY):
            rnd = assess.round(name=name, start=start, end=end)
            for ru in RoundUnit.objects.filter(round=rnd).select_related("unit"):
                assess.score(rnd, ru.unit, {"A1": "10", "A2": "达标", "B1": "良"})
                services.adjustment_add(by=cast["office"], round=rnd, unit=ru.unit, kind="deduction", item="N1")
            services.round_compute(by=cast["office"], round=rnd)
        return rnd

    small = make("2026年1月", "2026-01-01", "2026-01-31")
    pages = lambda rnd: [(office, url("assess_round", rnd.pk)), (evaluator, url("assess_score", rnd.pk)),  # noqa: E731
                         (office, url("assess_review", rnd.pk)), (office, url("assess_card", rnd.pk, city["street_a"].pk)),
                         (cast["liaison_a"], url("assess_round", rnd.pk)), (office, url("assess_index"))]
    few = [queries(client_for(c) if not hasattr(c, "get") else c, path) for c, path in pages(small)]
    add_streets(city, 10)
    big = make("2026年2月", "2026-02-01", "2026-02-28")
    assert RoundUnit.objects.filter(round=big).count() == RoundUnit.objects.filter(round=small).count() + 10
    for (c, path), n in zip(pages(big), few):
        c = client_for(c) if not hasattr(c, "get") else c
        with django_assert_max_num_queries(n):
            r = c.get(path)
        assert r.status_code == 200
    assert len(r.context["rows"][0]["rounds"]) == 2


# ---- downloads and the score import -----------------------------------------------------------------------------

def test_the_league_table_and_bulletin_downloads(published, scoring, cast, client_for, city):
    import io

    from docx import Document
    from openpyxl import load_workbook

    r = client_for(cast["liaison_a"]).get(url("assess_league_download", published.pk, "xlsx"))
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    cells = [c for row in load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True) for c in row if c]
    assert "中韩街道" in cells and "沙子口街道" in cells
    r = client_for(cast["liaison_a"]).get(url("assess_league_download", published.pk, "json"))
    assert r.status_code == 200 and "中韩街道" in r.content.decode()
    assert client_for(cast["liaison_a"]).get(url("assess_bulletin", published.pk)).status_code == 404
    r = client_for(cast["office"]).get(url("assess_bulletin", published.pk))
    assert r.status_code == 200
    assert "中韩街道" in "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs) + "".join(
        c.text for t in Document(io.BytesIO(r.content)).tables for row in t.rows for c in row.cells)
    # before publication: not for a liaison; for the office only once something was computed
    assert client_for(cast["liaison_a"]).get(url("assess_league_download", scoring.pk, "xlsx")).status_code == 404
    r = client_for(cast["office"]).get(url("assess_league_download", scoring.pk, "xlsx"))
    assert r.status_code == 400 and "尚未计算结果" in page(r)


def test_the_score_card_pdf_follows_the_card(published, cast, client_for, city):
    r = client_for(cast["liaison_a"]).get(url("assess_card_pdf", published.pk, city["street_a"].pk))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert client_for(cast["liaison_b"]).get(url("assess_card_pdf", published.pk, city["street_a"].pk)).status_code == 404


def test_importing_scores_checks_the_whole_file_first(scoring, cast, client_for, city, travel):
    import io

    from openpyxl import load_workbook

    office = client_for(cast["office"])
    assert client_for(cast["liaison_a"]).get(url("assess_score_import", scoring.pk)).status_code == 404
    assert client_for(cast["evaluator"]).get(url("assess_score_template", scoring.pk)).status_code == 404
    sheet = office.get(url("assess_score_template", scoring.pk) + "?evaluator=evaluator")
    assert sheet.status_code == 200
    wb = load_workbook(io.BytesIO(sheet.content))
    ws = wb.active
    header = [c.value for c in ws[4]]
    row = next(r for r in ws.iter_rows(min_row=5) if r[0].value == "沙子口街道")
    row[header.index("A1 组织领导")].value = 99        # more than the leaf's 20 points
    bad = io.BytesIO()
    wb.save(bad)
    before = list(Score.objects.values_list("pk", "is_current", "value"))
    with travel(DAY):
        r = office.post(url("assess_score_import", scoring.pk), {"file": SimpleUploadedFile("评分.xlsx", bad.getvalue())})
    assert r.status_code == 400 and "超过该项应得分 20" in page(r) and "未导入任何数据" in page(r)
    assert list(Score.objects.values_list("pk", "is_current", "value")) == before
    row[header.index("A1 组织领导")].value = 17
    good = io.BytesIO()
    wb.save(good)
    with travel(DAY):
        r = office.post(url("assess_score_import", scoring.pk), {"file": SimpleUploadedFile("评分.xlsx", good.getvalue()),
                                                                   "dry_run": "1"})
        assert r.status_code == 200 and "检查通过" in page(r)
        assert list(Score.objects.values_list("pk", "is_current", "value")) == before
        r = office.post(url("assess_score_import", scoring.pk), {"file": SimpleUploadedFile("评分.xlsx", good.getvalue())})
    assert r.status_code == 302
    assert Score.objects.get(unit=city["street_b"], indicator__code="A1", is_current=True).value == Decimal(17)


# ---- the card's rows (assessment/_card_rows.html) -------------------------------------------------------------

def _rows(html: str) -> list[str]:
    """The 逐项得分 table's rows, each as its text with the tags removed and spaces squeezed."""
    import re

    body = html.split('class="table compact card-lines">', 1)[1].split("</table>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", tr).split()) for tr in re.findall(r"<tr[^>]*>.*?</tr>", body, re.S)][1:]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_card_rows_show_each_line_with_scores_evidence_and_materials_escaped(assess, cast, client_for, city,
                                                                             travel, language):
    """One row per indicator of the scheme (branches with their subtotal, leaves with the rule, each score with
    who scored it, the note and evidence, materials), then 合计; what people typed is escaped; the labels
    follow the language."""
    with travel(DAY):
        rnd = assess.round(state="collecting")
        a1, a2 = assess.leaf(rnd, "A1"), assess.leaf(rnd, "A2")
        services.material_submit(by=cast["liaison_a"], round=rnd, unit=city["street_a"], indicator=a1,
                                 text="<i>会议纪要</i>", files=[("纪要<1>.pdf", PDF)])
        services.round_advance(by=cast["office"], round=rnd, to="scoring")
        services.score_record(by=cast["evaluator"], round=rnd, unit=city["street_a"], indicator=a1, value="18",
                              note="<script>alert(1)</script>", files=[("记录&<b>.pdf", PDF)])
        services.score_record(by=cast["evaluator"], round=rnd, unit=city["street_a"], indicator=a2, value="达标")
        c = client_for(cast["office"])
        c.cookies["django_language"] = language
        r = c.get(url("assess_card", rnd.pk, city["street_a"].pk))
    assert r.status_code == 200
    html = page(r)
    # escaped, never raw
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<i>会议纪要</i>" not in html and "&lt;i&gt;会议纪要&lt;/i&gt;" in html
    assert "记录&amp;&lt;b&gt;.pdf" in html and "纪要&lt;1&gt;.pdf" in html
    evidence = Score.objects.get(unit=city["street_a"], indicator=a1, is_current=True).evidence.get()
    assert f'href="{url("assess_evidence", rnd.pk, city["street_a"].pk, evidence.pk)}"' in html
    material_file = Material.objects.get().files.get()
    assert f'href="{url("assess_evidence", rnd.pk, city["street_a"].pk, material_file.pk)}"' in html
    # one row per indicator, in the scheme's order, then 合计
    indicators = list(rnd.version.indicators.order_by("position"))
    rows = _rows(html)
    assert len(rows) == len(indicators) + 1
    assert [row.split(" ")[0] for row in rows[:-1]] == [i.code for i in indicators]
    assert html.count('<tr class="leaf ') == sum(i.is_leaf for i in indicators)
    assert f'<tr class="leaf depth-1" id="leaf-{a1.pk}">' in html
    row_a1, row_a2 = rows[[i.pk for i in indicators].index(a1.pk)], rows[[i.pk for i in indicators].index(a2.pk)]
    en = language == "en"
    assert (("Scored on the evidence, up to 20 points" if en else "按实际情况评分，最高 20 分") in row_a1
            and ("Pending" if en else "待审核") in row_a1 and "郑洁" in row_a1 and " 18 " in f" {row_a1} ")
    assert ("Materials submitted:" if en else "报送材料：") in row_a1
    assert ("Met" if en else "达标") in row_a2
    unscored = rows[[i.code for i in indicators].index("A3")]
    assert ("Not scored" if en else "未评分") in unscored
    assert ("未评分" in html) is not en and ("报送材料：" in html) is not en


def test_card_rows_offer_an_appeal_per_leaf_and_keep_a_refused_one(published, assess, cast, client_for, city, travel):
    """The unit's liaison gets an appeal form under each leaf (csrf token, the leaf's id); a refused appeal
    comes back open under its leaf with the reason kept (escaped) and the error."""
    a1 = assess.leaf(published, "A1")
    leaves = list(published.version.indicators.filter(is_leaf=True))
    with travel("2026-02-04"):
        c = client_for(cast["liaison_a"])
        html = page(c.get(url("assess_card", published.pk, city["street_a"].pk)))
        assert html.count('<summary>申诉</summary>') == len(leaves)
        assert html.count('name="csrfmiddlewaretoken"') >= len(leaves)
        assert f'<input type="hidden" name="indicator" value="{a1.pk}">' in html
        services.appeal_file(by=cast["liaison_a"], round=published, unit=city["street_a"], indicator=a1,
                             reason="材料已补")
        r = c.post(url("assess_appeal_file", published.pk, city["street_a"].pk),
                   {"indicator": a1.pk, "reason": "<b>再诉</b>"})
    html = page(r)
    assert r.status_code == 400 and "该指标已有待复核的申诉。" in html
    assert html.count("<details open>") == 1 and "&lt;b&gt;再诉&lt;/b&gt;" in html and "<b>再诉</b>" not in html
    appeal = Appeal.objects.get()
    assert f'<a href="#appeal-{appeal.pk}">申诉：待复核</a>' in html
    # the office reads the card without appeal forms
    office = page(client_for(cast["office"]).get(url("assess_card", published.pk, city["street_a"].pk)))
    assert "<summary>申诉</summary>" not in office
