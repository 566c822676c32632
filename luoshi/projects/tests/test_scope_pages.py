"""Scope (a 建设单位 liaison sees only its projects; a district sees its own; the public only what is published),
the pages, their refusals, and the downloads opened back."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from luoshi.org.scopes import scope_for
from luoshi.projects import services
from luoshi.projects.models import Project


def visible_codes(person):
    return set(Project.objects.visible_to(scope_for(person)).values_list("code", flat=True))


def test_who_sees_which_projects(proj, cast):
    assert visible_codes(proj["builder_liaison"]) == {"LS-02"}          # the builder's own project only
    assert visible_codes(cast["office"]) == {"LS-01", "LS-02", "LS-03"}  # 崂山区 office: its district
    assert visible_codes(cast["liaison_a"]) == {"LS-01"}
    assert visible_codes(cast["liaison_b"]) == {"LS-02", "LS-03"}
    assert visible_codes(cast["liaison_dept"]) == {"LS-01", "LS-02"}     # 审批部门 of one, 主管部门 of the other
    assert visible_codes(cast["outsider"]) == {"SN-01"}
    assert visible_codes(proj["city_office"]) == {"LS-01", "LS-02", "LS-03", "SN-01"}
    assert visible_codes(proj["city_leader"]) == {"LS-01", "LS-02", "LS-03", "SN-01"}


def test_list_and_detail_pages_follow_scope(proj, cast, client_for, django_assert_max_num_queries):
    code = proj["program"].code
    c = client_for(proj["builder_liaison"])
    page = c.get(reverse("projects_list", args=[code]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "崂山湾康养中心" in body and "崂山智能装备产业园" not in body
    assert c.get(reverse("projects_detail", args=[proj["a"].pk])).status_code == 404
    assert c.get(reverse("projects_detail", args=[proj["b"].pk])).status_code == 200
    office = client_for(proj["city_office"])
    with django_assert_max_num_queries(14):
        assert office.get(reverse("projects_list", args=[code])).status_code == 200
    assert office.get(reverse("projects_list", args=[code]) + "?figure=bogus").content.decode().count("未知的统计项") == 1


def test_another_units_liaison_is_refused(proj, cast, client_for, travel):
    c = client_for(cast["liaison_b"])
    a = proj["a"]
    with travel("2026-02-11"):
        r = c.post(reverse("projects_month", args=[a.pk]), {"month": "2026-01", "actual": "100"})
        assert r.status_code == 404
        r = c.post(reverse("projects_phase", args=[a.pk]), {"phase": "sign", "on": "2026-02-01", "text": "x"})
        assert r.status_code == 404
    assert not services.can_report(cast["liaison_b"], a)
    # the 审批部门 sees the project but does not report for it
    assert client_for(cast["liaison_dept"]).get(reverse("projects_detail", args=[a.pk])).status_code == 200
    assert not services.can_report(cast["liaison_dept"], a)
    with travel("2026-02-11"):
        r = client_for(cast["liaison_dept"]).post(reverse("projects_month", args=[a.pk]), {"month": "2026-01", "actual": "1"})
        assert r.status_code == 403
    assert client_for(cast["liaison_a"]).get(reverse("projects_import", args=[proj["program"].code])).status_code == 403
    # the district office reads its own district's figures only
    page = client_for(cast["office"]).get(reverse("projects_figures", args=[proj["program"].code]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "崂山区" in body and "市南区" not in body


def test_report_through_the_page_with_evidence(proj, cast, client_for, travel):
    from django.core.files.uploadedfile import SimpleUploadedFile

    a = proj["a"]
    c = client_for(cast["liaison_a"])
    with travel("2026-02-11"):
        r = c.post(reverse("projects_month", args=[a.pk]), {
            "month": "2026-01", "actual": "800", "note": "土建完成",
            "files": SimpleUploadedFile("1月投资凭证.pdf", b"%PDF-1.4 evidence")})
        assert r.status_code == 302
        r = c.post(reverse("projects_month", args=[a.pk]), {"month": "2026-01", "actual": "八百"}, follow=True)
        assert "完成投资须为数字" in r.content.decode()
    month = a.months.get(month=dt.date(2026, 1, 1))
    assert month.actual == Decimal(800) and month.evidence.get().original_name == "1月投资凭证.pdf"


def test_public_sees_only_published_without_internal_notes(proj, client):
    a = proj["a"]
    a.note = "内部：企业资金链紧张"
    a.save(update_fields=["note"])
    assert client.get(reverse("projects_public_detail", args=[a.pk])).status_code == 404
    services.project_publish(by=proj["city_office"], project=a, public=True, summary="年产智能装备10万台")
    services.public_update(by=proj["city_office"], project=a, text="一季度完成主体结构")
    listing = client.get(reverse("projects_public")).content.decode()
    assert "崂山智能装备产业园" in listing and "崂山湾康养中心" not in listing
    page = client.get(reverse("projects_public_detail", args=[a.pk])).content.decode()
    assert "一季度完成主体结构" in page and "年产智能装备10万台" in page
    assert "资金链" not in page and "高远" not in page  # no internal note, no 包联领导's name


def test_exports_open_back(proj, cast, client_for, travel):
    import docx
    import openpyxl

    office = client_for(proj["city_office"])
    code = proj["program"].code
    r = office.get(reverse("projects_list", args=[code]) + "?format=xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    ws = wb.active
    assert ws["A1"].value == "项目编号" and {ws.cell(row=i, column=1).value for i in range(2, 6)} == {
        "LS-01", "LS-02", "LS-03", "SN-01"}
    # the export imports back unchanged (the same columns): nothing to write
    from luoshi.projects.excel import projects_import_xlsx

    with travel("2026-01-07"):
        report = projects_import_xlsx(by=proj["city_office"], program=proj["program"], data=r.content)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    r = office.get(reverse("projects_bulletin", args=[code, "docx"]) + "?period=2026Q1")
    assert r.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
    assert "开工率" in text and "2026年第1季度" in text
    r = office.get(reverse("projects_bulletin", args=[code, "xlsx"]) + "?period=2026Q1")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    rows = list(wb["分区市"].iter_rows(min_row=3, values_only=True))
    assert [row[0] for row in rows] == ["崂山区", "市南区", "合计"] or [row[0] for row in rows] == ["市南区", "崂山区", "合计"]
    assert rows[-1][2] == 3  # 计划开工 by the end of Q1: LS-01, LS-02, SN-01
    liaison = client_for(cast["liaison_a"])
    assert liaison.get(reverse("projects_bulletin", args=[code, "docx"]) + "?period=2026Q9").status_code == 404
    assert liaison.get(reverse("projects_bulletin", args=[code, "pdf"])).status_code == 404


def test_pages_in_english(proj, client_for, travel):
    c = client_for(proj["city_office"])
    c.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = c.get(reverse("projects_figures", args=[proj["program"].code])).content.decode()
    assert "Start rate" in page and "开工率" not in page and "By district" in page
    with travel("2026-02-11"):
        r = c.post(reverse("projects_month", args=[proj["a"].pk]), {"month": "2026-05", "actual": "1"}, follow=True)
    assert "Investment cannot be reported for a future month (2026-05)." in r.content.decode()
    from django.utils import translation

    translation.deactivate()


def test_overlong_public_texts_and_problems_are_refused_not_cut(proj, cast, client_for):
    """公开简介, 公开进展 and a problem's description: kept whole or refused with the field named, nothing written."""
    from luoshi.core.models import JournalEntry
    from luoshi.projects.models import ProjectEvent, ProjectIssue

    a = proj["a"]
    office, liaison = client_for(proj["city_office"]), client_for(cast["liaison_a"])
    before = (JournalEntry.objects.count(), ProjectEvent.objects.count(), ProjectIssue.objects.count())
    r = office.post(reverse("projects_publish", args=[a.pk]), {"public": "1", "summary": "简" * 301}, follow=True)
    assert "公开简介最多 300 字，现有 301 字" in r.content.decode()
    r = office.post(reverse("projects_publish", args=[a.pk]), {"update": "进" * 1001}, follow=True)
    assert "公开进展最多 1000 字，现有 1001 字" in r.content.decode()
    r = liaison.post(reverse("projects_issue", args=[a.pk]), {"kind": "land", "description": "地" * 2001}, follow=True)
    assert "问题描述最多 2000 字，现有 2001 字" in r.content.decode()
    a.refresh_from_db()
    assert not a.is_public and a.public_summary == ""
    assert (JournalEntry.objects.count(), ProjectEvent.objects.count(), ProjectIssue.objects.count()) == before
    services.project_publish(by=proj["city_office"], project=a, public=True, summary="简" * 300)
    assert Project.objects.get(pk=a.pk).public_summary == "简" * 300
