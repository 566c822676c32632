"""Unit metrics (响应率, 按时办结率, 办结率, 解决率, 满意率 …), the monthly ranking, hot topics and the promotion
of a hot topic into a 实事 task. The expected figures are worked out by hand in the comments.

March 2026 has no public holidays: a request dispatched on Mon 2 Mar with a 5-working-day limit (category
0101) is due at the end of Mon 9 Mar; the sign limit is 24 hours.
"""
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.journal import JournalEntry
from luoshi.intake import hot, metrics, services
from luoshi.intake.metrics import Period, UnitFigures, rank_competition
from luoshi.intake.models import Request, RequestState, TopicPromotion
from luoshi.tasks.models import Task

MARCH = Period.month(2026, 3)
AFTER = "2026-04-01T09:00:00+08:00"   # the moment the figures are read


@pytest.fixture
def march(req, travel, city, cast):
    """street_a: six requests of March with known outcomes (r1…r6), plus three that must not count for it;
    street_b: five requests, all signed and replied on time and rated 5; 区审批局: one (below min_dispatched)."""
    a = {}
    with travel("2026-03-02T09:00:00+08:00"):
        for k in range(1, 6):
            a[k] = req.submit(f"中韩街道海尔路第{k}处路灯不亮")
            req.dispatch(a[k])
    with travel("2026-03-02T10:00:00+08:00"):
        for k in (1, 2, 3):
            req.sign(a[k])                      # on time
    with travel("2026-03-03T10:00:00+08:00"):
        for k in (1, 2, 3):
            req.reply(a[k])                     # on time (due end of 9 Mar)
        req.rate(a[1], 5, resolved=True)        # r1: closed, satisfied, resolved
        services.request_rate(request=a[2], token=a[2].rating_token, satisfaction=2, resolved=False, reopen=False)
        req.rate(a[3], 1, resolved=False)       # r3: 重办 (new limit: end of 10 Mar)
        assert a[3].state == RequestState.HANDLING and a[3].reopen_count == 1
    with travel("2026-03-04T09:00:00+08:00"):
        req.sign(a[4])                          # r4: signed 48 h after 派单 → late
        req.reply(a[3], "重新检修，已恢复。")       # r3: second reply, on time
        req.rate(a[3], 4, resolved=True)        # r3: closed satisfied (final rating counts)
    with travel("2026-03-11T09:00:00+08:00"):
        services.overdue_run()                  # r4 (signed, not replied) and r5 (never signed) → 督办
    with travel("2026-03-12T09:00:00+08:00"):
        req.reply(a[4])                         # r4: replied after its limit, not yet rated
    with travel("2026-03-31T15:00:00+08:00"):
        a[6] = req.submit("中韩街道海尔路第6处路灯不亮")
        req.dispatch(a[6])                      # r6: its sign window is still open at AFTER
        late = req.submit("中韩街道月底受理次月派单的路灯")
    with travel("2026-04-01T08:30:00+08:00"):
        req.dispatch(late)                      # dispatched in April: not a March figure
    with travel("2026-03-05T09:00:00+08:00"):
        uncounted = req.submit("中韩街道不纳入考评的路灯")
        req.dispatch(uncounted)
        Request.objects.filter(pk=uncounted.pk).update(counted=False)
        moved = req.submit("沙子口街道路灯不亮，误派中韩")
        req.dispatch(moved, "street_a")
    with travel("2026-03-05T11:00:00+08:00"):
        services.request_return(by=cast["liaison_a"], request=moved, reason="属沙子口街道辖区")
    with travel("2026-03-05T12:00:00+08:00"):
        req.dispatch(moved, "street_b")         # 改派: counts for street_b only
        req.sign(moved)
        req.reply(moved)
        req.rate(moved, 5)
        for k in range(4):
            req.through(f"沙子口街道第{k}处路灯不亮", area="street_b")
        food = req.submit("中韩街道某饭店食品过期", category="0301")
        req.dispatch(food)                      # rule: 区行政审批服务局
    return a


def test_unit_figures_by_hand(march, cast, city, travel):
    with travel(AFTER):
        rows = {r.name: r for r in metrics.unit_metrics(cast["office"], MARCH)}
    a = rows["中韩街道"]
    assert a.counts["dispatched"] == 6                    # r1…r6 (not: April, uncounted, moved away)
    # 应签收: r1–r5 (r6 still inside its 24 h); 按时签收: r1, r2, r3
    assert (a.counts["signed_on_time"], a.counts["sign_base"]) == (3, 5)
    assert a.rates["response"] == pytest.approx(0.6)
    # 应办结: replied r1–r4 + r5 past its limit; 按时: r1, r2, r3 (r3's second reply)
    assert (a.counts["replied_on_time"], a.counts["reply_base"]) == (3, 5)
    assert a.rates["on_time"] == pytest.approx(0.6)
    assert a.counts["closed"] == 3 and a.rates["closed"] == pytest.approx(0.5)          # r1, r2, r3 of 6
    assert (a.counts["resolved"], a.counts["resolved_base"]) == (2, 3)                   # r1, r3 of r1–r3
    assert (a.counts["satisfied"], a.counts["rated"]) == (2, 3)                          # 5 and 4; r2 rated 2
    assert a.rates["satisfied"] == pytest.approx(2 / 3)
    assert a.counts["unsatisfied"] == 1                                                  # r2
    assert a.counts["reopened"] == 1                                                     # r3
    assert a.counts["overdue"] == 2                                                      # r4 late, r5 unanswered
    assert a.counts["supervised"] == 2             # r4 and r5: both past their limit at the 11 Mar overdue run
    # 100 × (0.2·0.6 + 0.3·0.6 + 0.25·⅔ + 0.25·⅔) / 1.0
    assert a.score == pytest.approx(63.33, abs=0.01)
    b = rows["沙子口街道"]
    assert b.counts["dispatched"] == 5 and b.score == 100.0 and b.counts["overdue"] == 0
    assert (b.rank, a.rank, a.group_size) == (1, 2, 2)
    dept = rows["区行政审批服务局"]
    assert dept.counts["dispatched"] == 1 and dept.rank is None   # below min_dispatched (5)


def test_rank_ties_are_competition_ranking():
    def row(pk, kind, score, n=10):
        return UnitFigures(unit_id=pk, name=f"u{pk}", kind=kind, counts={"dispatched": n}, score=score)

    rows = [row(1, "street", 90.0), row(2, "street", 80.004), row(3, "street", 79.996), row(4, "street", 70.0),
            row(5, "street", 99.0, n=2), row(6, "department", 50.0), row(7, "department", 60.0),
            row(8, "street", None)]
    rank_competition(rows, min_dispatched=5)
    assert [r.rank for r in rows] == [1, 2, 2, 4, None, 2, 1, None]
    assert rows[0].group_size == 4 and rows[5].group_size == 2


def test_weights_come_from_the_preset(march, cast, travel):
    from luoshi.intake.config import intake_load
    from luoshi.intake.tests.conftest import INTAKE_YAML

    intake_load(by=None, text=INTAKE_YAML + "metrics: {weights: {response: 0, on_time: 1, resolved: 0, satisfied: 3},"
                " min_dispatched: 1}\n")
    with travel(AFTER):
        rows = {r.name: r for r in metrics.unit_metrics(cast["office"], MARCH)}
    assert rows["中韩街道"].score == pytest.approx(65.0)          # 100 × (1·0.6 + 3·⅔) / 4
    dept = rows["区行政审批服务局"]
    # no rating yet: scored on 按时办结率 alone (0 of 1, its limit passed on 14 Mar), ranked with min_dispatched 1
    assert dept.rates["satisfied"] is None and dept.score == 0.0 and dept.rank == 1


def test_liaison_sees_only_own_unit(march, cast, travel):
    with travel(AFTER):
        rows = metrics.unit_metrics(cast["liaison_a"], MARCH)
        assert [r.name for r in rows] == ["中韩街道"]
        assert rows[0].rank == 2                     # ranked among all streets
        assert metrics.unit_metrics(cast["outsider"], MARCH) == []
        assert metrics.unit_metrics(cast["evaluator"], MARCH) == []


def test_trend_by_month(march, cast, city, travel):
    with travel(AFTER):
        trend = metrics.unit_trend(cast["office"], city["street_a"], months=12, last=Period.month(2026, 4))
        assert [p.key for p, _row in trend][-2:] == ["2026-03", "2026-04"] and len(trend) == 12
        by = {p.key: row for p, row in trend}
        assert by["2026-03"].counts["dispatched"] == 6 and by["2026-03"].score == pytest.approx(63.33, abs=0.01)
        assert by["2026-04"].counts["dispatched"] == 1 and by["2026-02"].score is None
        assert metrics.unit_trend(cast["liaison_b"], city["street_a"]) == []


def test_period_parsing(travel):
    assert metrics.period_from("2026-02") == Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert metrics.period_from("", "2026-03-10", "2026-03-01") == Period(dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    ten = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    assert ten.previous() == Period(dt.date(2026, 2, 19), dt.date(2026, 2, 28))
    assert MARCH.previous() == Period.month(2026, 2) and MARCH.next() == Period.month(2026, 4)
    with travel("2026-11-30"):
        assert metrics.period_from("bad") == Period.month(2026, 11)


# ---- hot topics --------------------------------------------------------------------------------------------

@pytest.fixture
def keywords(march):
    """Keywords set by hand, so the figures do not depend on jieba's dictionary: every 路灯损坏 request carries
    “路灯 照明”, the 食品安全 one “食品 过期”; one March request also carries the stop word 问题."""
    Request.objects.filter(category__code="0101").update(keywords="路灯 照明")
    Request.objects.filter(category__code="0301").update(keywords="食品 过期")
    Request.objects.filter(pk=march[1].pk).update(keywords="问题 路灯 照明")
    return march


def test_hot_categories_and_keywords(march, cast, travel, req):
    with travel("2026-02-10T09:00:00+08:00"):
        req.submit("沙子口街道路灯不亮", area="street_b")
        req.submit("中韩街道夜间施工噪音扰民", category="0201")
    Request.objects.filter(category__code="0101").update(keywords="路灯 照明")
    Request.objects.filter(pk=march[1].pk).update(keywords="问题 路灯 照明")   # a stop word is not counted
    # March, received: r1–r6, the one dispatched in April, the uncounted one, the moved one, 4 on street_b = 13
    with travel(AFTER):
        cats = {c["name"]: c for c in hot.hot_categories(cast["office"], MARCH)}
        assert cats["路灯损坏"]["count"] == 13 and cats["路灯损坏"]["prev"] == 1
        assert cats["路灯损坏"]["change"] == pytest.approx(1200.0)
        assert cats["食品安全"]["prev"] == 0 and cats["食品安全"]["change"] is None
        assert "噪声扰民" not in cats                       # nothing received in March
        words = {k["word"]: k for k in hot.hot_keywords(cast["office"], MARCH, 30)}
        assert words["路灯"]["count"] == 13 and words["路灯"]["prev"] == 1 and words["照明"]["count"] == 13
        assert "问题" not in words
        assert 1 <= len(words["路灯"]["examples"]) <= 3
        assert all(e["title"] for e in words["路灯"]["examples"])
        # cached: a second call reads no keywords, a new request changes the key
        first = hot.keyword_counts(cast["office"], MARCH)
        assert hot.keyword_counts(cast["office"], MARCH) == first
    with travel("2026-03-20T09:00:00+08:00"):
        new = req.submit("中韩街道又一处路灯不亮")
    Request.objects.filter(pk=new.pk).update(keywords="路灯")
    with travel(AFTER):
        assert hot.keyword_counts(cast["office"], MARCH)["路灯"] == 14


def test_keyword_counts_are_scoped(keywords, cast, travel):
    with travel(AFTER):
        office = hot.keyword_counts(cast["office"], MARCH)
        outsider = hot.keyword_counts(cast["outsider"], MARCH)
        liaison = hot.keyword_counts(cast["liaison_dept"], MARCH)
    assert office["路灯"] == 13 and office["食品"] == 1 and outsider == {} and liaison == {"食品": 1, "过期": 1}


# ---- promotion -----------------------------------------------------------------------------------------------

@pytest.fixture
def shishi(program):
    p = program["program"]
    p.is_shishi = True
    p.save(update_fields=["is_shishi"])
    return p


def test_promote_creates_task_and_journal(keywords, cast, city, shishi, travel, intake):
    with travel(AFTER):
        promo = hot.topic_promote(by=cast["office"], label="路灯不亮", category=intake["categories"]["0101"],
                                  keywords="路灯", period=MARCH, program=shishi, lead_unit=city["street_a"],
                                  title="背街小巷路灯全亮工程", measures="排查更换损坏路灯", deadline="9月底前")
    assert promo.request_count == 13 and promo.keywords == "路灯" and promo.period_start == dt.date(2026, 3, 1)
    task = Task.objects.get(pk=promo.task_id)
    assert task.program_id == shishi.pk and task.title == "背街小巷路灯全亮工程"
    assert task.assignments.get().unit_id == city["street_a"].pk
    assert "路灯不亮" in task.note and "13 件" in task.note
    entry = JournalEntry.objects.filter(verb="intake.topic_promote").get()
    assert entry.changes["request_count"] == 13 and entry.changes["task"] == task.pk
    assert list(hot.promotions_for(cast["leader"])) == [promo]
    assert list(hot.promotions_for(cast["liaison_a"])) == []


def test_promote_refusals(keywords, cast, city, shishi, program, travel, intake):
    args = dict(label="路灯不亮", category=None, keywords="路灯", period=MARCH, program=shishi,
                lead_unit=city["street_a"], title="路灯全亮", deadline="年底前")
    with travel(AFTER):
        for person in ("liaison_a", "leader", "outsider"):
            with pytest.raises(PermissionDeniedError):
                hot.topic_promote(by=cast[person], **args)
        with pytest.raises(ServiceError) as e:
            hot.topic_promote(by=cast["office"], **{**args, "keywords": "不存在的词"})
        assert e.value.field == "keywords"
        with pytest.raises(ServiceError) as e:
            hot.topic_promote(by=cast["office"], **{**args, "keywords": "", "category": None})
        assert e.value.field == "keywords"
        with pytest.raises(ServiceError) as e:
            hot.topic_promote(by=cast["office"], **{**args, "deadline": "某天"})
        assert e.value.field == "deadline_phrase"
        shishi.is_shishi = False
        shishi.save(update_fields=["is_shishi"])
        with pytest.raises(ServiceError) as e:
            hot.topic_promote(by=cast["office"], **args)
        assert e.value.field == "program"
    assert not TopicPromotion.objects.exists() and not Task.objects.filter(title="路灯全亮").exists()


# ---- pages ---------------------------------------------------------------------------------------------------

def test_metrics_page_office(march, cast, client_for, travel, django_assert_max_num_queries):
    c = client_for(cast["office"])
    with travel(AFTER):
        with django_assert_max_num_queries(12):
            resp = c.get("/requests/metrics/?month=2026-03")
        assert resp.status_code == 200
        html = resp.content.decode()
        assert "中韩街道" in html and "沙子口街道" in html and "区行政审批服务局" in html and "63.33" in html
        resp = c.get("/requests/metrics/?month=2026-03&kind=department&sort=dispatched&dir=asc")
        html = resp.content.decode()
        assert "区行政审批服务局" in html and "中韩街道" not in html
        resp = c.get("/requests/metrics/?start=2026-03-01&end=2026-03-04")
        assert resp.status_code == 200 and "2026-03-01 至 2026-03-04" in resp.content.decode()


def test_metrics_page_liaison_sees_own_row_only(march, cast, city, client_for, travel):
    with travel(AFTER):
        html = client_for(cast["liaison_a"]).get("/requests/metrics/?month=2026-03").content.decode()
        assert "中韩街道" in html and "沙子口街道" not in html and "区行政审批服务局" not in html
        assert client_for(cast["liaison_a"]).get(f"/requests/metrics/units/{city['street_a'].pk}/").status_code == 200
        # the other unit's liaison is refused
        assert client_for(cast["liaison_b"]).get(f"/requests/metrics/units/{city['street_a'].pk}/").status_code == 404
        assert client_for(cast["liaison_a"]).get("/requests/metrics/hot/").status_code == 404
        assert client_for(cast["liaison_a"]).get("/requests/metrics/promotions/").status_code == 404
        assert client_for(cast["evaluator"]).get("/requests/metrics/").status_code == 404
        html = client_for(cast["outsider"]).get("/requests/metrics/?month=2026-03").content.decode()
        assert "中韩街道" not in html


def test_unit_trend_page(march, cast, city, client_for, travel, django_assert_max_num_queries):
    c = client_for(cast["leader"])
    with travel(AFTER):
        with django_assert_max_num_queries(10):
            resp = c.get(f"/requests/metrics/units/{city['street_a'].pk}/?month=2026-04")
    assert resp.status_code == 200 and "2026年3月" in resp.content.decode() and "2025年5月" in resp.content.decode()


def test_export_xlsx(march, cast, client_for, travel):
    with travel(AFTER):
        resp = client_for(cast["office"]).get("/requests/metrics/export.xlsx?month=2026-03")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["单位指标", "指标口径"]
    ws = wb["单位指标"]
    rows = {ws.cell(row=r, column=2).value: r for r in range(4, ws.max_row + 1)}
    r = rows["中韩街道"]
    assert ws.cell(row=r, column=1).value == 2 and ws.cell(row=r, column=4).value == 6
    assert ws.cell(row=r, column=5).value == pytest.approx(0.6)
    assert ws.cell(row=r, column=14).value == pytest.approx(63.33)
    names = [c.value for c in wb["指标口径"]["A"]]
    assert "响应率" in names and "满意率" in names
    with travel(AFTER):
        data = client_for(cast["liaison_b"]).get("/requests/metrics/export.xlsx?month=2026-03").content
    ws = load_workbook(io.BytesIO(data))["单位指标"]
    assert [ws.cell(row=r, column=2).value for r in range(4, ws.max_row + 1)] == ["沙子口街道"]


def test_hot_page_and_promote_form(keywords, cast, city, shishi, client_for, travel, intake,
                                   django_assert_max_num_queries, memory_cache):
    c = client_for(cast["office"])
    with travel(AFTER):
        with django_assert_max_num_queries(20):
            resp = c.get("/requests/metrics/hot/?month=2026-03&keywords=路灯&label=路灯")
        html = resp.content.decode()
        assert resp.status_code == 200 and "路灯" in html and "转为实事" in html and shishi.name in html
        # an error keeps what was typed and names the field
        bad = {"month": "2026-03", "label": "路灯不亮", "keywords": "路灯", "program": shishi.pk,
               "lead_unit": city["street_a"].pk, "title": "我输入的任务名称", "deadline": "某天"}
        resp = c.post("/requests/metrics/hot/promote/", bad)
        assert resp.status_code == 400
        html = resp.content.decode()
        assert "我输入的任务名称" in html and "fielderror" in html
        resp = c.post("/requests/metrics/hot/promote/", {**bad, "deadline": "年底前"})
        assert resp.status_code == 302 and resp["Location"] == "/requests/metrics/promotions/"
        with django_assert_max_num_queries(10):
            html = c.get("/requests/metrics/promotions/").content.decode()
        promo = TopicPromotion.objects.get()
        assert f"/tasks/{promo.task_id}/" in html and "路灯不亮" in html
        # a leader sees hot topics and promotions, but the service refuses the promotion
        lc = client_for(cast["leader"])
        assert lc.get("/requests/metrics/hot/?month=2026-03").status_code == 200
        resp = lc.post("/requests/metrics/hot/promote/", {**bad, "deadline": "年底前"})
        assert resp.status_code in (400, 403) and TopicPromotion.objects.count() == 1
        # a liaison cannot post at all
        resp = client_for(cast["liaison_a"]).post("/requests/metrics/hot/promote/", {**bad, "deadline": "年底前"})
        assert resp.status_code == 404 and TopicPromotion.objects.count() == 1


def test_a_dispatcher_is_told_why_and_whom_to_ask(keywords, cast, city, shishi, dispatcher, client_for, travel,
                                                  memory_cache):
    """The dispatcher manages no 实事 program: the page says so and names the offices that can 转为实事."""
    c = client_for(dispatcher)
    with travel(AFTER):
        html = c.get("/requests/metrics/hot/?month=2026-03").content.decode()
    assert 'action="/requests/metrics/hot/promote/"' not in html
    assert "只有该专项主办单位的督查室/办公室可以操作" in html
    assert shishi.name in html and "刘晓燕" in html  # the office over the program's owner unit


def test_with_no_shishi_program_the_page_says_to_create_one(keywords, cast, dispatcher, client_for, travel,
                                                            memory_cache):
    c = client_for(dispatcher)
    with travel(AFTER):
        html = c.get("/requests/metrics/hot/?month=2026-03").content.decode()
    assert "还没有民生实事专项" in html


def test_a_dispatcher_recommends_a_hot_topic_to_the_program_office(keywords, cast, city, shishi, dispatcher, client_for,
                                                                   travel, memory_cache,
                                                                   django_capture_on_commit_callbacks):
    """推荐转为实事: the office gets a message linking to the hot page with the topic filled in; nothing is created
    on the program; one journal entry. Refusals leave no message and no entry."""
    from luoshi.core.models import JournalEntry, Notification

    c = client_for(dispatcher)
    ok = {"month": "2026-03", "label": "路灯不亮", "keywords": "路灯", "program": shishi.pk, "note": "三月集中反映"}
    with travel(AFTER):
        html = c.get("/requests/metrics/hot/?month=2026-03").content.decode()
        assert 'action="/requests/metrics/hot/recommend/"' in html and "推荐转为实事" in html
        for bad, status in (({**ok, "label": ""}, 400), ({**ok, "keywords": "", "category": ""}, 400),
                            ({**ok, "keywords": "不存在的词"}, 400), ({**ok, "program": 99999999}, 400),
                            ({**ok, "note": "长" * 301}, 400)):
            with django_capture_on_commit_callbacks(execute=True):
                assert c.post("/requests/metrics/hot/recommend/", bad).status_code == status
        assert not Notification.objects.exists()
        assert not JournalEntry.objects.filter(verb="intake.topic_recommend").exists()
        # a liaison cannot reach it at all
        assert client_for(cast["liaison_a"]).post("/requests/metrics/hot/recommend/", ok).status_code == 404
        with django_capture_on_commit_callbacks(execute=True):
            resp = c.post("/requests/metrics/hot/recommend/", ok)
    assert resp.status_code == 302 and resp["Location"] == "/requests/metrics/hot/?month=2026-03"
    note = Notification.objects.get(recipient=cast["office"])
    assert "路灯不亮" in note.title and "keywords=%E8%B7%AF%E7%81%AF" in note.url and note.url.endswith("#promote")
    entry = JournalEntry.objects.get(verb="intake.topic_recommend")
    assert entry.changes["label"] == "路灯不亮" and entry.changes["request_count"] > 0
    assert not Notification.objects.filter(recipient=dispatcher).exists()
    # the office opens the link: the promote form is there with the topic filled in
    with travel(AFTER):
        html = client_for(cast["office"]).get(note.url.split("#")[0]).content.decode()
    assert 'action="/requests/metrics/hot/promote/"' in html and 'value="路灯不亮"' in html
    assert not TopicPromotion.objects.exists()  # the office decides; nothing was created on the program


def test_a_recommendation_to_another_region_is_refused(keywords, cast, city, shishi, dispatcher, travel):
    from luoshi.core.errors import PermissionDeniedError
    from luoshi.intake import hot
    from luoshi.intake.metrics import Period
    from luoshi.org.services import unit_create
    from luoshi.programs.models import Program

    other = unit_create(by=None, name="外区", kind="district", parent=city["district"].parent)
    foreign = Program.objects.create(code="WQ-1", name="外区实事", year=2026, owner_unit=other, is_shishi=True,
                                     start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31))
    with travel(AFTER), pytest.raises(PermissionDeniedError):
        hot.topic_recommend(by=dispatcher, label="路灯", category=None, keywords="路灯",
                            period=Period.month(2026, 3), program=foreign)
    with travel(AFTER), pytest.raises(PermissionDeniedError):  # a liaison may not recommend at all
        hot.topic_recommend(by=cast["liaison_a"], label="路灯", category=None, keywords="路灯",
                            period=Period.month(2026, 3), program=shishi)
