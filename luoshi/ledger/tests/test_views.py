"""Ledger pages through the Django test client: the phone-first finding form (JSON for draft-form.js, a page
again without JavaScript), the list with its filters and sheet issuing, the detail page's actions, sheets,
figures and the escalations page where the office confirms. List pages keep their query count flat."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from luoshi.ledger import services
from luoshi.ledger.forms import IssueForm
from luoshi.ledger.models import (
    AssignmentSheet, Escalation, Finding, FindingEvent, FindingStatus, InspectionRound, ProblemCategory,
)

from .fixtures_ledger import *  # noqa: F401,F403
from .fixtures_ledger import FULL_LADDER, jpeg, set_ladder

D = dt.date
DAY0 = "2026-03-02"
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
CODE = "demo-2026"


def url(name, *args):
    return reverse(name, args=list(args) or [CODE])


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def form_data(**kw):
    data = {"unit": "中韩街道", "description": "小区门口垃圾堆放未及时清运", "address": "中韩街道某小区东门",
            "severity": "major", "source": "inspection", "category": "", "group": "", "found_on": "2026-03-02"}
    return data | kw


# ---- the finding form --------------------------------------------------------------------------------

def test_the_form_page(findings, inspector, client_for, travel):
    with travel(DAY0):
        r = client_for(inspector).get(url("ledger_finding_create"))
    html = r.content.decode()
    assert r.status_code == 200
    assert f'data-draft-key="finding:{CODE}:{inspector.pk}"' in html
    assert 'data-unit-picker="one"' in html and 'role="combobox"' in html  # the unit picker (core.widgets.UnitPicker)
    assert 'name="photos"' in html and 'capture="environment"' in html
    assert r.context["form"]["group"].initial is not None  # the only group is preselected
    assert 'value="2026-03-02"' in html  # found_on defaults to today


@pytest.mark.parametrize("data, field, message", [
    (form_data(description=""), "description", "这个字段是必填项。"),
    (form_data(unit=""), "unit", "这个字段是必填项。"),
    (form_data(unit="火星街道"), "unit", "火星街道"),
    (form_data(unit="中韩街道、沙子口街道"), "unit", "请只填写一个责任单位。"),
    (form_data(found_on="2026-03-03"), "found_on", "发现日期不能晚于今天。"),
    (form_data(severity="catastrophic"), "severity", "catastrophic"),
    (form_data(latitude="91"), "latitude", "坐标超出范围。"),
])
def test_an_xhr_post_answers_errors_by_field_and_writes_nothing(findings, inspector, client_for, travel, data,
                                                                 field, message):
    with travel(DAY0):
        r = client_for(inspector).post(url("ledger_finding_create"), data, **XHR)
    assert r.status_code == 400 and r["Content-Type"] == "application/json"
    body = r.json()
    assert body["ok"] is False and body["message"]
    assert field in body["errors"], body
    assert any(message in m for m in body["errors"][field]), body
    assert not Finding.objects.exists() and not FindingEvent.objects.exists()


def test_an_xhr_post_with_photos_records_the_finding(findings, inspector, client_for, travel, categories,
                                                      django_capture_on_commit_callbacks):
    with travel(DAY0), django_capture_on_commit_callbacks(execute=True):
        r = client_for(inspector).post(url("ledger_finding_create"), form_data(
            category=str(categories["占道经营"].pk), group=str(findings.program.inspection_groups.get().pk),
            latitude="36.100000", longitude="120.470000",
            photos=[SimpleUploadedFile("现场1.jpg", jpeg(), "image/jpeg"),
                    SimpleUploadedFile("现场2.jpg", jpeg(color=(0, 0, 200)), "image/jpeg")]), **XHR)
    assert r.status_code == 200
    f = Finding.objects.get()
    assert r.json() == {"ok": True, "url": f"/ledger/findings/{f.pk}/", "code": "2026-00001"}
    assert (f.unit.name, f.severity, f.category.name, f.reporter, f.group.name) == (
        "中韩街道", "major", "占道经营", inspector, "第一督导组")
    assert (str(f.latitude), str(f.longitude)) == ("36.100000", "120.470000")
    assert [p.original.original_name for p in f.photos.order_by("id")] == ["现场1.jpg", "现场2.jpg"]
    assert all(p.processed_at for p in f.photos.all())


def test_without_javascript_a_bad_form_comes_back_with_what_was_typed(findings, inspector, client_for, travel):
    typed = "井盖缺失 <危险> 需要马上处理"
    with travel(DAY0):
        r = client_for(inspector).post(url("ledger_finding_create"), form_data(unit="火星街道", description=typed))
    html = r.content.decode()
    assert r.status_code == 400
    assert "井盖缺失 &lt;危险&gt; 需要马上处理</textarea>" in html
    assert "火星街道" in html  # the unit as typed, and the reason next to it
    assert 'class="field has-error" data-field="unit"' in html
    assert "请检查标红的内容。" in html
    assert "照片未能保存" not in html  # no photo was sent
    assert not Finding.objects.exists()


def test_without_javascript_a_good_form_redirects_to_the_finding(findings, inspector, client_for, travel):
    with travel(DAY0):
        r = client_for(inspector).post(url("ledger_finding_create"), form_data(), follow=True)
    f = Finding.objects.get()
    assert r.redirect_chain == [(f"/ledger/findings/{f.pk}/", 302)]
    assert "问题 2026-00001 已登记。" in messages_of(r)


def test_only_inspectors_get_the_form(findings, cast, client_for):
    for who in ("liaison_a", "leader", "evaluator"):
        assert client_for(cast[who]).get(url("ledger_finding_create")).status_code == 404
    assert client_for(cast["office"]).get(url("ledger_finding_create")).status_code == 200


# ---- the list -----------------------------------------------------------------------------------------

def make_findings(findings, travel, n, start=0):
    units = ("street_a", "street_b", "dept")
    cats = ("环境卫生", "占道经营", "交通秩序")
    with travel(DAY0):
        fs = [findings.record(units[i % 3], f"问题{start + i}", category=cats[i % 3]) for i in range(n)]
        findings.issue(fs[: n // 2])
    return fs


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path)
    assert r.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["office", "liaison_a"])
def test_the_list_query_count_does_not_grow_with_the_findings(findings, cast, client_for, travel,
                                                              django_assert_max_num_queries, who):
    c = client_for(cast[who])
    make_findings(findings, travel, 5)
    few = queries(c, url("ledger_findings"))
    make_findings(findings, travel, 45, start=5)
    with django_assert_max_num_queries(few):
        r = c.get(url("ledger_findings"))
    rows = r.content.decode().count('<td class="code">')
    assert rows == (50 if who == "office" else 17)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_sheet_form_under_the_list_is_the_issue_forms_markup(findings, cast, client_for, travel, settings,
                                                                 language):
    """The list writes IssueForm's two fields out by hand (ADR 0009 rule 5: a form rendered through the widget
    templates costs more than the rows' pills): the same markup as the form renders, in both languages."""
    make_findings(findings, travel, 2)
    c = client_for(cast["office"])
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = c.get(url("ledger_findings")).content.decode()
    written = html.split('<div class="form">', 1)[1].split('<button class="primary">', 1)[0]
    with translation.override(language):
        assert written == str(IssueForm().as_div()) + "</div>"


def test_sheet_and_escalation_lists_keep_their_query_count(findings, cast, client_for, travel,
                                                           django_assert_max_num_queries):
    c = client_for(cast["office"])
    make_findings(findings, travel, 6)
    with travel("2026-03-20"):
        services.escalations_run()
    few = (queries(c, url("ledger_sheets")), queries(c, url("ledger_escalations")))
    make_findings(findings, travel, 40, start=6)
    with travel("2026-03-21"):
        services.escalations_run()
    assert AssignmentSheet.objects.count() > 3 and Escalation.objects.count() > 20
    with django_assert_max_num_queries(few[0]):
        c.get(url("ledger_sheets"))
    with django_assert_max_num_queries(few[1]):
        c.get(url("ledger_escalations"))


def test_list_filters_and_the_htmx_partial(findings, cast, client_for, travel, categories):
    fs = make_findings(findings, travel, 6)
    c = client_for(cast["office"])
    r = c.get(url("ledger_findings"), {"status": "recorded"})
    assert {f["code"] for f in r.context["rows"]} == {f.code for f in fs[3:]}
    r = c.get(url("ledger_findings"), {"category": categories["占道经营"].pk})
    assert {f["description"] for f in r.context["rows"]} == {"问题1", "问题4"}
    r = c.get(url("ledger_findings"), {"q": "问题5"})
    assert [f["description"] for f in r.context["rows"]] == ["问题5"]
    r = c.get(url("ledger_findings"), {"unit": findings.city["street_b"].pk})
    assert {f["description"] for f in r.context["rows"]} == {"问题1", "问题4"}
    assert "单位：沙子口街道" in r.content.decode()
    with travel("2026-03-09"):  # the due day: nothing overdue yet
        assert c.get(url("ledger_findings"), {"overdue": "on"}).context["rows"] == []
    with travel("2026-03-10"):
        r = c.get(url("ledger_findings"), {"overdue": "on"})
    assert {f["code"] for f in r.context["rows"]} == {f.code for f in fs[:3]}
    assert r.content.decode().count("逾期·待签收") == 3
    r = c.get(url("ledger_findings"), {"status": "recorded"}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert "<html" not in html and 'name="finding"' in html  # the table only, with its checkboxes


def test_a_unit_filter_with_many_matches_walks_the_list_order_with_the_same_rows(findings, cast, client_for, travel,
                                                                                 monkeypatch):
    from luoshi.ledger import views as ledger_views

    make_findings(findings, travel, 60)  # 20 per unit: street_b's pages are 1 (20 rows)
    monkeypatch.setattr(ledger_views, "PAGE_SIZE", 7)
    c = client_for(cast["office"])
    params = {"unit": findings.city["street_b"].pk}

    def page(n):
        with CaptureQueriesContext(connection) as ctx:
            r = c.get(url("ledger_findings"), params | {"page": n})
        # the page's ids: the subquery of the statement that reads the rows
        ids_sql = [q["sql"] for q in ctx.captured_queries if 'IN (SELECT U0."id" AS "id" FROM' in q["sql"]]
        assert len(ids_sql) == 1
        return [row["pk"] for row in r.context["rows"]], len(ctx.captured_queries), ids_sql

    sorted_pages = [page(n) for n in (1, 2, 3)]
    monkeypatch.setattr(ledger_views, "WALK_MIN_MATCHES", 20)   # 20 matches: walked
    walked_pages = [page(n) for n in (1, 2, 3)]
    assert [p[0] for p in walked_pages] == [p[0] for p in sorted_pages]
    assert sum(len(p[0]) for p in walked_pages) == 20
    assert [p[1] for p in walked_pages] == [p[1] for p in sorted_pages]   # no query more
    if connection.vendor == "sqlite":   # the unit path kept off its index only in the walked query
        assert all('+U0."unit_path"' not in sql for p in sorted_pages for sql in p[2])
        assert all(any('+U0."unit_path"' in sql for sql in p[2]) for p in walked_pages)
    monkeypatch.setattr(ledger_views, "WALK_MAX_PAGE", 1)        # deeper pages sort again
    assert page(2)[0] == sorted_pages[1][0]
    assert all('+U0."unit_path"' not in sql for sql in page(2)[2])
    monkeypatch.setattr(ledger_views, "WALK_MIN_MATCHES", 21)   # fewer matches than that: sorted
    assert all('+U0."unit_path"' not in sql for sql in page(1)[2])


def test_the_first_page_of_a_counted_list_reads_its_count_with_its_rows(findings, cast, client_for, travel,
                                                                        monkeypatch):
    """A list whose count no maintained figure holds (a search, a category) counts in the first page's statement:
    the same rows and count as the separate COUNT that other pages make, one statement fewer. A search for one or
    two Chinese characters reads the maintained count (the `gram` row, ADR 0062) instead: with the first page's
    rows, or on its own for another page; no COUNT."""
    from luoshi.ledger import views as ledger_views

    make_findings(findings, travel, 12)
    make_findings(findings, travel, 12, start=100)
    monkeypatch.setattr(ledger_views, "PAGE_SIZE", 5)
    monkeypatch.setattr(ledger_views, "SEARCH_COUNT_CAP", 8)
    c = client_for(cast["office"])
    category = ProblemCategory.objects.get(program=findings.program, name="占道经营")

    def page(params):
        with CaptureQueriesContext(connection) as ctx:
            r = c.get(url("ledger_findings"), params)
        counts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(")]
        tally = [q["sql"] for q in ctx.captured_queries if "ledger_findingtally" in q["sql"]]
        return [row["pk"] for row in r.context["rows"]], r.context["page"].paginator.count, \
            len(ctx.captured_queries), counts, tally

    for params, count, match, maintained in [
            ({"q": "问题"}, 9, {"description__contains": "问题"}, True),  # 24 matches: capped at 8 + 1
            ({"q": "题"}, 9, {"description__contains": "题"}, True),
            ({"q": "问题1"}, 9, {"description__contains": "问题1"}, False),  # 15: three characters are counted
            ({"category": category.pk}, 8, {"category": category}, False),
            ({"q": "没有这个"}, 0, {"description__contains": "没有这个"}, False),
            ({"q": "没有"}, 0, {"description__contains": "没有"}, True)]:
        rows, counted, statements, separate, tally = page(params)
        assert counted == count and separate == [], params  # a search counts at most the cap + 1
        assert bool(tally) == maintained, params
        assert rows == list(Finding.objects.filter(program=findings.program, **match)
                            .order_by("-found_on", "-id").values_list("pk", flat=True)[:5]), params
        if count > 5:  # page 2 counts with a statement of its own (or reads the count's row): the same count
            rows2, counted2, statements2, separate2, tally2 = page(params | {"page": 2})
            assert counted2 == count and statements2 == statements + 1, params
            assert (len(separate2), bool(tally2)) == ((0, True) if maintained else (1, False)), params
            assert not set(rows2) & set(rows)


def test_the_office_issues_sheets_from_the_list(findings, cast, client_for, travel):
    with travel(DAY0):
        a1, a2, b1 = findings.record("street_a"), findings.record("street_a"), findings.record("street_b")
    c = client_for(cast["office"])
    html = c.get(url("ledger_findings"), {"status": "recorded"}).content.decode()
    for f in (a1, a2, b1):
        assert f'name="finding" value="{f.pk}"' in html
    assert "生成交办单" in html
    with travel(DAY0):
        r = c.post(url("ledger_sheets_issue"), {"finding": [a1.pk, a2.pk], "requirements": "三日内整改", "deadline": ""})
    sheet = AssignmentSheet.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/ledger/sheets/{sheet.pk}/"
    assert set(sheet.findings.all()) == {a1, a2} and sheet.requirements == "三日内整改"
    with travel(DAY0):
        r = c.post(url("ledger_sheets_issue"), {"finding": [a1.pk, b1.pk]}, follow=True)
    assert any("不能重复交办" in m for m in messages_of(r))
    assert AssignmentSheet.objects.count() == 1
    with travel(DAY0):
        r = c.post(url("ledger_sheets_issue"), {"finding": [b1.pk], "deadline": "2026-02-01"}, follow=True)
    assert "整改时限不能早于今天。" in messages_of(r)
    with travel(DAY0):
        r = c.post(url("ledger_sheets_issue"), {}, follow=True)
    assert "请至少选择一个待交办的问题。" in messages_of(r)
    # no checkboxes for whoever may not issue
    html = client_for(findings.inspector).get(url("ledger_findings")).content.decode()
    assert 'name="finding"' not in html and "生成交办单" not in html


# ---- the detail page and its actions ----------------------------------------------------------------------

def test_the_detail_page_offers_each_person_their_action(findings, cast, inspector, inspector2, client_for, travel):
    with travel(DAY0):
        f = findings.record(by=inspector, description="路灯不亮")
        [sheet] = findings.issue([f])
    page = lambda who: client_for(who).get(url("ledger_finding", f.pk)).content.decode()  # noqa: E731
    html = page(cast["liaison_a"])
    assert "报送整改情况" in html and f'data-draft-key="submit:{f.pk}:{cast["liaison_a"].pk}"' in html
    assert "提交核验结论" not in html and "在曝光台公开" not in html
    assert "报送整改情况" not in page(inspector)
    with travel("2026-03-03"):
        findings.submit(f)
    html = page(inspector)
    assert "您是该问题的发现人，须由其他督导人员核验。" in html and "提交核验结论" not in html
    assert "提交核验结论" in page(inspector2)
    assert "提交核验结论" not in page(cast["liaison_a"]) and "报送整改情况" not in page(cast["liaison_a"])
    office = page(cast["office"])
    assert "在曝光台公开" in office and "提交核验结论" in office
    for text in ("登记问题", "交办", "签收", "报送整改", sheet.number, "路灯不亮"):
        assert text in office


def test_report_verify_reopen_and_publish_through_the_pages(findings, cast, inspector, inspector2, client_for,
                                                            travel, django_capture_on_commit_callbacks):
    with travel(DAY0):
        f = findings.record(by=inspector)
        findings.issue([f])
    liaison = client_for(cast["liaison_a"])
    with travel("2026-03-03"):
        r = liaison.post(url("ledger_finding_submit", f.pk), {"text": "  "}, **XHR)
        assert r.status_code == 400 and r.json()["errors"] == {"text": ["这个字段是必填项。"]}
        assert fresh(f).status == FindingStatus.ASSIGNED
        with django_capture_on_commit_callbacks(execute=True):
            r = liaison.post(url("ledger_finding_submit", f.pk), {
                "text": "已清理", "photos": [SimpleUploadedFile("后.jpg", jpeg(), "image/jpeg")]}, **XHR)
    assert r.json() == {"ok": True, "url": f"/ledger/findings/{f.pk}/"}
    f = fresh(f)
    assert f.status == FindingStatus.SUBMITTED and f.sheet.acknowledged_by == cast["liaison_a"]
    assert f.photos.get().stage == "after" and f.photos.get().processed_at

    with travel("2026-03-04"):
        r = client_for(inspector).post(url("ledger_finding_verify", f.pk), {"outcome": "close", "method": "on_site"},
                                       **XHR)
        assert r.status_code == 403 and "问题发现人以外" in r.json()["message"]
        r = client_for(inspector2).post(url("ledger_finding_verify", f.pk),
                                        {"outcome": "return", "method": "on_site", "reason": ""}, **XHR)
        assert r.status_code == 400 and r.json()["errors"] == {"reason": ["退回须写明原因。"]}
        r = client_for(inspector2).post(url("ledger_finding_verify", f.pk),
                                        {"outcome": "return", "method": "on_site", "reason": ""}, follow=True)
        assert "退回须写明原因。" in messages_of(r)[0]
        assert fresh(f).status == FindingStatus.SUBMITTED
        r = client_for(inspector2).post(url("ledger_finding_verify", f.pk), {"outcome": "close", "method": "on_site",
                                                                              "reason": "现场核验到位"}, follow=True)
    assert "已核验销号。" in messages_of(r)
    assert fresh(f).status == FindingStatus.CLOSED and fresh(f).closed_by == inspector2
    assert "问题复发（回头看）" in r.content.decode()

    with travel("2026-03-10"):
        r = client_for(inspector).post(url("ledger_finding_reopen", f.pk), {"text": "又出现了"}, follow=True)
    assert "问题已复发重开，并通知责任单位。" in messages_of(r)
    assert fresh(f).repeat_count == 1 and fresh(f).status == FindingStatus.RECTIFYING

    assert client_for(inspector).post(url("ledger_finding_publish", f.pk), {"public": "1"}).status_code == 302
    assert not fresh(f).is_public  # an inspector may not publish
    r = client_for(cast["office"]).post(url("ledger_finding_publish", f.pk), {"public": "1"}, follow=True)
    assert "已在曝光台公开。" in messages_of(r) and fresh(f).is_public
    assert reverse("portal_exposure_detail", args=[f.pk]) in r.content.decode()


# ---- sheets -------------------------------------------------------------------------------------------

def test_the_sheet_page_and_signing(findings, cast, client_for, travel):
    with travel(DAY0):
        f = findings.record(description="共享单车乱停放")
        [sheet] = findings.issue([f])
    liaison = client_for(cast["liaison_a"])
    html = liaison.get(url("ledger_sheet", sheet.pk)).content.decode()
    assert sheet.number in html and "共享单车乱停放" in html and "签收交办单" in html
    assert "签收交办单" not in client_for(findings.inspector).get(url("ledger_sheet", sheet.pk)).content.decode()
    with travel("2026-03-03"):
        r = liaison.post(url("ledger_sheet_acknowledge", sheet.pk), follow=True)
    assert "交办单已签收，请按时限整改。" in messages_of(r)
    assert "签收交办单" not in r.content.decode() and "2026-03-03 09:00" in r.content.decode()
    assert fresh(sheet).acknowledged_by == cast["liaison_a"]
    r = liaison.get(url("ledger_sheet_docx", sheet.pk))
    assert r.status_code == 200 and r.content[:2] == b"PK"
    html = liaison.get(url("ledger_sheets")).content.decode()
    assert sheet.number in html


def test_the_sheet_list_is_newest_first(findings, cast, travel):
    from luoshi.ledger import selectors

    for day in ("2026-03-02", "2026-03-03", "2026-03-04"):
        with travel(day):
            findings.issue([findings.record()])
    qs = selectors.sheet_list(user=cast["office"], program=findings.program)
    assert qs.ordered
    assert [s.seq for s in qs] == [3, 2, 1]


# ---- figures ---------------------------------------------------------------------------------------------

def test_the_figures_page(findings, cast, inspector2, client_for, travel):
    with travel(DAY0):
        a1, a2, b1 = findings.record("street_a"), findings.record("street_a", category="占道经营"), \
            findings.record("street_b")
        findings.issue([a1, a2, b1])
        findings.submit(a1)
    with travel("2026-03-04"):
        findings.close(a1)
    c = client_for(cast["office"])
    r = c.get(url("ledger_figures"))
    rows = {row.label: row for row in r.context["rows"]}
    assert (rows["中韩街道"].found, rows["中韩街道"].closed, rows["中韩街道"].rank) == (2, 1, 1)
    assert (rows["沙子口街道"].found, rows["沙子口街道"].closed, rows["沙子口街道"].rank) == (1, 0, 2)
    html = r.content.decode()
    assert "50.0%" in html and "33.3%" in html  # 中韩街道's rate and the total's
    assert f'{url("ledger_findings")}?unit={findings.city["street_a"].pk}' in html
    html = c.get(url("ledger_figures"), {"by": "category"}).content.decode()
    assert "环境卫生" in html and "占道经营" in html
    r = c.get(url("ledger_figures"), {"from": "2026-13-01", "to": "2026-03-31"})
    assert r.status_code == 200 and "日期格式应为 YYYY-MM-DD，已忽略。" in r.content.decode()
    r = c.get(url("ledger_figures"), {"from": "2026-03-03"})
    assert r.context["total"].found == 0 and "所选期间没有问题。" in r.content.decode()


# ---- the escalations page -------------------------------------------------------------------------------

@pytest.fixture
def proposed(findings, travel, ledger_program):
    set_ladder(ledger_program, FULL_LADDER)
    with travel(DAY0):
        f = findings.record(description="违规户外广告未拆除")
        findings.issue([f])
    with travel("2026-03-05"):
        g = findings.record(description="沿街商户油烟直排")
        findings.issue([g])
    with travel("2026-03-16"):  # f 7 days overdue: 约谈; g 4 days: 预警提醒 (one open step each)
        services.escalations_run()
    return {"finding": f, "warned": g, "warning": Escalation.objects.get(finding=g, step="warning"),
            "interview": Escalation.objects.get(finding=f, step="interview")}


def test_the_office_confirms_on_the_escalations_page(proposed, cast, client_for, travel):
    f, interview, warning = proposed["finding"], proposed["interview"], proposed["warning"]
    c = client_for(cast["office"])
    html = c.get(url("ledger_escalations")).content.decode()
    assert f.code in html and "约谈" in html and "逾期7天" in html
    assert url("ledger_escalation_decide", interview.pk) in html and "待确认 (2)" in html
    with travel("2026-03-17"):
        r = c.post(url("ledger_escalation_decide", interview.pk), {"decision": "confirm", "held_on": "2026-03-17",
                                                                    "attendees": "", "minutes": ""}, follow=True)
    assert f"{f.code} 约谈：确认“约谈”须填写：参加人员、记录/纪要。" in messages_of(r)
    assert fresh(interview).state == "proposed"
    doc = SimpleUploadedFile("约谈记录.pdf", b"%PDF-1.4\n", "application/pdf")
    with travel("2026-03-17"):
        r = c.post(url("ledger_escalation_decide", interview.pk), {
            "decision": "confirm", "held_on": "2026-03-17", "attendees": "刘晓燕、周强",
            "minutes": "约谈中韩街道，限期整改。", "document": doc}, follow=True)
    assert r.redirect_chain[-1][0] == url("ledger_escalations")
    assert f"已处理：{f.code} 约谈。" in messages_of(r)
    interview = fresh(interview)
    assert (interview.state, interview.held_on, interview.attendees) == ("confirmed", D(2026, 3, 17), "刘晓燕、周强")
    assert interview.document.original_name == "约谈记录.pdf"
    with travel("2026-03-17"):
        r = c.post(url("ledger_escalation_decide", warning.pk), {"decision": "dismiss", "note": ""}, follow=True)
    assert f"{proposed['warned'].code} 预警提醒：不采取措施须写明理由。" in messages_of(r)
    with travel("2026-03-17"):
        c.post(url("ledger_escalation_decide", warning.pk), {"decision": "dismiss", "note": "已约谈，不再预警"})
    assert fresh(warning).state == "dismissed"
    html = c.get(url("ledger_escalations"), {"state": "confirmed"}).content.decode()
    assert f.code in html and "刘晓燕" in html  # decided by
    html = c.get(url("ledger_finding", f.pk)).content.decode()
    assert "约谈中韩街道，限期整改。" in html and "约谈记录.pdf" in html


def test_the_unit_sees_its_escalations_but_cannot_decide(proposed, cast, client_for, travel):
    c = client_for(cast["liaison_a"])
    html = c.get(url("ledger_escalations")).content.decode()
    assert proposed["finding"].code in html
    assert url("ledger_escalation_decide", proposed["interview"].pk) not in html
    with travel("2026-03-17"):
        r = c.post(url("ledger_escalation_decide", proposed["warning"].pk), {"decision": "dismiss", "note": "不要"},
                   follow=True)
    assert any("督查室/办公室" in m for m in messages_of(r))
    assert fresh(proposed["warning"]).state == "proposed"
    r = c.post(url("ledger_escalation_decide", 10**9), {"decision": "dismiss", "note": "x"})
    assert r.status_code == 404


def test_dismissing_on_the_page_records_no_date(proposed, cast, client_for, travel):
    c = client_for(cast["office"])
    html = c.get(url("ledger_escalations")).content.decode()
    prefilled = html.split('name="held_on" value="')[1][:10]  # what the browser sends back unchanged
    with travel("2026-03-17"):
        c.post(url("ledger_escalation_decide", proposed["warning"].pk),
               {"decision": "dismiss", "note": "已电话督促", "held_on": prefilled, "attendees": "", "minutes": ""})
    warning = fresh(proposed["warning"])
    assert warning.state == "dismissed" and warning.held_on is None


# ---- groups, outputs ------------------------------------------------------------------------------------

def test_groups_page_and_planning_a_round(findings, cast, inspector, client_for, travel):
    c = client_for(inspector)
    html = c.get(url("ledger_groups")).content.decode()
    assert "第一督导组" in html and "陈督导" in html and "安排督导" in html
    with travel(DAY0):
        r = c.post(url("ledger_groups"), {"group": findings.program.inspection_groups.get().pk, "date": "2026-03-03",
                                          "note": "节前检查"}, follow=True)
    assert "已安排督导：第一督导组 2026-03-03。" in messages_of(r)
    rnd = InspectionRound.objects.get()
    assert (rnd.date, rnd.note, rnd.created_by) == (D(2026, 3, 3), "节前检查", inspector)
    liaison = client_for(cast["liaison_a"])
    assert "安排督导" not in liaison.get(url("ledger_groups")).content.decode()
    assert liaison.post(url("ledger_groups"), {"group": rnd.group_id, "date": "2026-03-03"}).status_code == 404
    assert InspectionRound.objects.count() == 1


def test_the_groups_page_lists_the_latest_rounds_first(findings, cast, inspector, client_for, travel):
    group = findings.program.inspection_groups.get()
    with travel(DAY0):
        for day in (3, 1, 2):
            services.round_create(by=inspector, group=group, date=D(2026, 3, day))
    rounds = client_for(inspector).get(url("ledger_groups")).context["rounds"]
    assert [r.date.day for r in rounds] == [3, 2, 1]


def test_marking_a_round_done_with_a_bad_id_is_404(findings, inspector, client_for):
    r = client_for(inspector).post(url("ledger_groups"), {"done": "abc"})
    assert r.status_code == 404


def test_marking_a_round_done_on_the_page(findings, cast, inspector, client_for, travel):
    group = findings.program.inspection_groups.get()
    with travel(DAY0):
        rnd = services.round_create(by=inspector, group=group, date=D(2026, 3, 2))
    liaison = client_for(cast["liaison_a"])
    r = liaison.post(url("ledger_groups"), {"done": rnd.pk}, follow=True)
    assert any("只有本组成员或督查室" in m for m in messages_of(r)) and fresh(rnd).done_at is None
    with travel("2026-03-02T17:30:00+08:00"):
        r = client_for(inspector).post(url("ledger_groups"), {"done": rnd.pk}, follow=True)
    assert "已记录督导完成：第一督导组 2026-03-02。" in messages_of(r)
    assert fresh(rnd).done_at is not None and "03-02 17:30" in r.content.decode()


def test_exports_download(findings, cast, client_for, travel):
    with travel(DAY0):
        findings.issue([findings.record()])
    c = client_for(cast["office"])
    for name in ("ledger_export", "ledger_bulletin"):
        r = c.get(url(name))
        assert r.status_code == 200 and r.content[:2] == b"PK", name
    assert c.get(url("ledger_import")).status_code == 200
    html = c.get(reverse("ledger_index")).content.decode()
    assert "2026年鼓励创新工作要点" in html


# ---- correcting a finding ---------------------------------------------------------------------------------

def test_the_reporter_corrects_a_finding_and_the_change_is_journaled(findings, inspector, cast, client_for, travel):
    from luoshi.core.models import JournalEntry

    with travel(DAY0):
        f = findings.record("street_a", "楼道堆物", by=inspector)
        c = client_for(inspector)
        assert c.get(reverse("ledger_finding_edit", args=[f.pk])).status_code == 200
        r = c.post(reverse("ledger_finding_edit", args=[f.pk]),
                   form_data(unit="沙子口街道", description="楼道堆放杂物，堵塞消防通道", severity="severe",
                             reason="现场复核后补充"))
        assert r.status_code == 302
    f = fresh(f)
    assert (f.description, f.severity, f.unit.name) == ("楼道堆放杂物，堵塞消防通道", "severe", "沙子口街道")
    entry = JournalEntry.objects.filter(verb="ledger.finding_update", object_id=str(f.pk)).get()
    assert entry.reason == "现场复核后补充" and "description" in entry.changes


def test_edit_is_refused_to_liaisons_and_after_close_out(findings, inspector, cast, client_for, travel):
    with travel(DAY0):
        f = findings.record("street_a", "楼道堆物", by=inspector)
        assert client_for(cast["liaison_a"]).get(reverse("ledger_finding_edit", args=[f.pk])).status_code == 404
        r = client_for(inspector).post(reverse("ledger_finding_edit", args=[f.pk]), form_data(unit="不存在的街道"))
        assert r.status_code == 400 and "不存在的街道" in r.content.decode()
        assert fresh(f).unit.name != "不存在的街道"
        findings.issue([f])
        findings.submit(f)
        findings.close(f)
        assert client_for(cast["office"]).get(reverse("ledger_finding_edit", args=[f.pk])).status_code == 404


def test_group_and_round_counts_cover_only_what_the_user_may_read(findings, cast, inspector, client_for, travel):
    group = findings.program.inspection_groups.get()
    with travel(DAY0):
        rnd = services.round_create(by=inspector, group=group, date=D(2026, 3, 2))
        for unit in ("street_a", "street_a", "street_b"):
            findings.record(unit, group=group, by=inspector)
    page = client_for(cast["liaison_a"]).get(url("ledger_groups")).context
    assert [g.n_findings for g in page["groups"]] == [2]
    assert [r.n for r in page["rounds"] if r.pk == rnd.pk] == [2]
    page = client_for(cast["office"]).get(url("ledger_groups")).context
    assert [g.n_findings for g in page["groups"]] == [3]
