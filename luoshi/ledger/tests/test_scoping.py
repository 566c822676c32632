"""Who sees and does what in the ledger. liaison_a (中韩街道) and liaison_b (沙子口街道) each own one finding,
its sheet, its photo and an escalation; neither may read, close, edit or report on the other's. The office,
the leader and the evaluator over the program's owner unit read everything, as does a group member with no
role at all; the liaison of another district (outsider) reads nothing."""
from __future__ import annotations

import io

import pytest
from django.http import Http404
from django.urls import reverse

from luoshi.core.errors import PermissionDeniedError
from luoshi.core.models import JournalEntry
from luoshi.ledger import selectors, services
from luoshi.ledger.models import Escalation, Finding, FindingPhoto, FindingStatus
from luoshi.ledger.photos import photo_process

from .fixtures_ledger import *  # noqa: F401,F403
from .fixtures_ledger import jpeg, record

DAY0 = "2026-03-02"


@pytest.fixture
def two(findings, inspector, travel):
    """fa (street_a) and fb (street_b), recorded by the inspector with a photo, issued on DAY0 (due 03-09);
    on 03-12 the daily job proposes a 预警提醒 for both."""
    with travel(DAY0):
        fa = record(findings, "street_a", "中韩街道甲小区垃圾未清运", by=inspector, photos=[("a.jpg", jpeg())])
        fb = record(findings, "street_b", "沙子口渔港油污未清理", by=inspector, photos=[("b.jpg", jpeg())])
        sheets = {s.unit_id: s for s in findings.issue([fa, fb])}
    for p in FindingPhoto.objects.all():
        photo_process(p.pk)
    with travel("2026-03-12"):
        services.escalations_run()
    fa, fb = Finding.objects.get(pk=fa.pk), Finding.objects.get(pk=fb.pk)
    return {"fa": fa, "fb": fb, "sheet_a": sheets[fa.unit_id], "sheet_b": sheets[fb.unit_id],
            "photo_a": FindingPhoto.objects.get(finding=fa), "esc_a": Escalation.objects.get(finding=fa),
            "esc_b": Escalation.objects.get(finding=fb)}


def codes(qs) -> set[str]:
    return {f.code for f in qs}


# ---- selectors ----------------------------------------------------------------------------------------

def test_finding_list_by_person(two, cast, inspector, ledger_program):
    fa, fb = two["fa"].code, two["fb"].code
    listed = lambda person: codes(selectors.finding_list(user=person, program=ledger_program,  # noqa: E731
                                                         filters=selectors.FindingFilters()))
    assert listed(cast["liaison_a"]) == {fa}
    assert listed(cast["liaison_b"]) == {fb}
    assert listed(cast["liaison_dept"]) == set()
    assert listed(cast["outsider"]) == set()
    for whole in (cast["office"], cast["leader"], cast["evaluator"], inspector):
        assert listed(whole) == {fa, fb}


def test_a_group_member_without_any_role_reads_the_whole_program(two, inspector, ledger_program):
    from luoshi.org.scopes import scope_for

    assert scope_for(inspector).paths == {}  # no role anywhere
    assert list(selectors.ledger_programs(user=inspector)) == [ledger_program]
    for f in (two["fa"], two["fb"]):
        assert selectors.finding_get(user=inspector, pk=f.pk) == f
    assert selectors.sheet_get(user=inspector, pk=two["sheet_b"].pk) == two["sheet_b"]
    assert {e.pk for e in selectors.escalation_list(user=inspector, program=ledger_program)} == \
        {two["esc_a"].pk, two["esc_b"].pk}


def test_finding_get_and_sheet_get_are_404_for_another_unit(two, cast):
    for getter, key in ((selectors.finding_get, "fa"), (selectors.sheet_get, "sheet_a")):
        for person in (cast["liaison_b"], cast["outsider"], cast["liaison_dept"]):
            with pytest.raises(Http404):
                getter(user=person, pk=two[key].pk)
        assert getter(user=cast["liaison_a"], pk=two[key].pk) == two[key]
    with pytest.raises(Http404):
        selectors.finding_get(user=cast["liaison_a"], pk=10**9)


def test_escalations_and_figures_are_scoped(two, cast, ledger_program):
    mine = selectors.escalation_list(user=cast["liaison_b"], program=ledger_program)
    assert [e.finding.code for e in mine] == [two["fb"].code]
    assert list(selectors.escalation_list(user=cast["outsider"], program=ledger_program)) == []
    rows = selectors.ledger_figures(user=cast["liaison_b"], program=ledger_program)["rows"]
    assert [r.label for r in rows] == ["沙子口街道"]


def test_the_outsider_has_no_ledger(two, cast, inspector):
    assert list(selectors.ledger_programs(user=cast["outsider"])) == []
    with pytest.raises(Http404):
        selectors.ledger_program_get(user=cast["outsider"], code="demo-2026")
    assert list(selectors.ledger_programs(user=cast["liaison_b"])) == [two["fa"].program]


# ---- services refuse the other unit ------------------------------------------------------------------

def test_liaison_b_cannot_act_on_liaison_as_finding(two, cast, travel):
    fa, sheet_a = two["fa"], two["sheet_a"]
    before = JournalEntry.objects.count()
    b = cast["liaison_b"]
    with travel("2026-03-12"):
        with pytest.raises(PermissionDeniedError, match="只有责任单位的联络员可以签收"):
            services.sheet_acknowledge(by=b, sheet=sheet_a)
        with pytest.raises(PermissionDeniedError, match="只有责任单位的联络员可以报送"):
            services.finding_submit(by=b, finding=fa, text="替别人报送")
        with pytest.raises(PermissionDeniedError, match="只有督查室或问题发现人"):
            services.finding_update(by=b, finding=fa, description="改别人的问题")
        services.sheet_acknowledge(by=cast["liaison_a"], sheet=sheet_a)
        services.finding_submit(by=cast["liaison_a"], finding=Finding.objects.get(pk=fa.pk), text="已整改")
        for person in (b, cast["liaison_a"]):  # neither the other unit nor the unit itself closes it
            with pytest.raises(PermissionDeniedError):
                services.finding_verify(by=person, finding=Finding.objects.get(pk=fa.pk), close=True)
        with pytest.raises(PermissionDeniedError):
            services.finding_reopen(by=b, finding=fa, text="复发")
        with pytest.raises(PermissionDeniedError):
            services.escalation_decide(by=b, escalation=two["esc_a"], confirm=False, note="不采取")
    fa = Finding.objects.get(pk=fa.pk)
    assert fa.status == FindingStatus.SUBMITTED and fa.description == "中韩街道甲小区垃圾未清运"
    # only liaison_a's two writes were journalled
    assert list(JournalEntry.objects.order_by("id").values_list("verb", flat=True))[before:] == \
        ["ledger.sheet_acknowledge", "ledger.finding_submit"]


# ---- views -----------------------------------------------------------------------------------------

def object_urls(two) -> list[tuple[str, str]]:
    fa, p, s, e = two["fa"].pk, two["photo_a"].pk, two["sheet_a"].pk, two["esc_a"].pk
    return [
        ("get", reverse("ledger_finding", args=[fa])),
        ("get", reverse("ledger_photo", args=[p, "original"])),
        ("get", reverse("ledger_photo", args=[p, "display"])),
        ("get", reverse("ledger_photo", args=[p, "thumb"])),
        ("get", reverse("ledger_sheet", args=[s])),
        ("get", reverse("ledger_sheet_docx", args=[s])),
        ("post", reverse("ledger_finding_submit", args=[fa])),
        ("post", reverse("ledger_finding_verify", args=[fa])),
        ("post", reverse("ledger_finding_reopen", args=[fa])),
        ("post", reverse("ledger_finding_publish", args=[fa])),
        ("post", reverse("ledger_sheet_acknowledge", args=[s])),
        ("post", reverse("ledger_escalation_decide", args=[e])),
    ]


POST_DATA = {"text": "替别人报送", "outcome": "close", "method": "on_site", "reason": "看过了", "public": "1",
             "decision": "dismiss", "note": "不采取"}


@pytest.mark.parametrize("who", ["liaison_b", "outsider", "liaison_dept"])
def test_every_object_page_of_another_unit_is_404(two, cast, client_for, who):
    c = client_for(cast[who])
    before = JournalEntry.objects.count()
    for method, url in object_urls(two):
        r = c.get(url) if method == "get" else c.post(url, POST_DATA, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
        assert r.status_code == 404, (who, method, url, r.status_code)
        assert two["fa"].description not in r.content.decode(errors="ignore")
    assert JournalEntry.objects.count() == before
    fa = Finding.objects.get(pk=two["fa"].pk)
    assert (fa.status, fa.is_public) == (FindingStatus.ASSIGNED, False)
    assert Escalation.objects.get(pk=two["esc_a"].pk).state == "proposed"
    assert Finding.objects.get(pk=two["fa"].pk).sheet.acknowledged_at is None


def test_the_units_own_liaison_reads_its_pages(two, cast, client_for):
    c = client_for(cast["liaison_a"])
    for method, url in object_urls(two):
        if method == "get":
            assert c.get(url).status_code == 200, url


def program_pages(code="demo-2026") -> dict[str, str]:
    return {name: reverse(name, args=[code]) for name in
            ("ledger_findings", "ledger_sheets", "ledger_figures", "ledger_escalations", "ledger_groups")}


def test_program_pages_of_liaison_b_leave_out_the_other_units_work(two, cast, client_for):
    c = client_for(cast["liaison_b"])
    pages = program_pages()
    for name, url in pages.items():
        r = c.get(url + ("?state=all" if name == "ledger_escalations" else ""))
        assert r.status_code == 200, name
        html = r.content.decode()
        assert two["fa"].code not in html and two["fa"].description not in html, name
        assert two["sheet_a"].number not in html, name
    assert two["fb"].code in c.get(pages["ledger_findings"]).content.decode()
    assert two["sheet_b"].number in c.get(pages["ledger_sheets"]).content.decode()
    assert two["fb"].code in c.get(pages["ledger_escalations"]).content.decode()
    assert "中韩街道" not in c.get(pages["ledger_figures"]).content.decode()
    # the list's filters and search do not open a door
    r = c.get(pages["ledger_findings"], {"q": two["fa"].code, "unit": two["fa"].unit_id})
    html = r.content.decode()
    assert r.status_code == 200 and reverse("ledger_finding", args=[two["fa"].pk]) not in html
    assert "没有符合条件的问题。" in html and two["fa"].description not in html
    # the Excel export and the bulletin are scoped the same way
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(c.get(reverse("ledger_export", args=["demo-2026"])).content))
    cells = {str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None}
    assert two["fb"].code in cells and two["fa"].code not in cells
    from docx import Document

    doc = Document(io.BytesIO(c.get(reverse("ledger_bulletin", args=["demo-2026"])).content))
    text = "\n".join([p.text for p in doc.paragraphs] + [cell.text for t in doc.tables for row in t.rows
                                                         for cell in row.cells])
    assert "中韩街道" not in text and two["fa"].code not in text


def test_the_escalation_tab_counts_are_scoped_too(two, cast, client_for):
    r = client_for(cast["liaison_b"]).get(program_pages()["ledger_escalations"])
    assert len(r.context["page"]) == 1
    assert "待确认 (1)" in r.content.decode()


def test_liaisons_cannot_record_import_or_issue(two, cast, client_for):
    c = client_for(cast["liaison_b"])
    assert c.get(reverse("ledger_finding_create", args=["demo-2026"])).status_code == 404
    r = c.post(reverse("ledger_finding_create", args=["demo-2026"]), {"unit": "沙子口街道", "description": "x"},
               HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert r.status_code == 404
    assert c.get(reverse("ledger_import", args=["demo-2026"])).status_code == 404
    new = Finding.objects.create(**{k: getattr(two["fb"], k) for k in (
        "program", "unit", "unit_path", "reporter", "found_on", "created_at", "updated_at")}, seq=99, code="2026-00099",
        description="待交办")
    r = c.post(reverse("ledger_sheets_issue", args=["demo-2026"]), {"finding": [new.pk]}, follow=True)
    assert "只有该专项工作的督查室/办公室" in r.content.decode()
    assert Finding.objects.get(pk=new.pk).status == FindingStatus.RECORDED


@pytest.mark.parametrize("who", ["office", "leader", "evaluator", "inspector"])
def test_the_office_leaders_evaluators_and_inspectors_see_everything(two, cast, inspector, client_for, who):
    c = client_for(inspector if who == "inspector" else cast[who])
    html = c.get(reverse("ledger_findings", args=["demo-2026"])).content.decode()
    assert two["fa"].code in html and two["fb"].code in html
    for f in (two["fa"], two["fb"]):
        assert c.get(reverse("ledger_finding", args=[f.pk])).status_code == 200
    assert c.get(reverse("ledger_sheet", args=[two["sheet_a"].pk])).status_code == 200
    assert c.get(reverse("ledger_photo", args=[two["photo_a"].pk, "thumb"])).status_code == 200


def test_the_outsider_sees_nothing(two, cast, client_for):
    c = client_for(cast["outsider"])
    r = c.get(reverse("ledger_index"))
    assert r.status_code == 200 and "2026年鼓励创新工作要点" not in r.content.decode()
    for name, url in program_pages().items():
        assert c.get(url).status_code == 404, name
    assert c.get(reverse("ledger_export", args=["demo-2026"])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(two, client):
    for method, url in object_urls(two) + [("get", u) for u in program_pages().values()]:
        r = client.get(url) if method == "get" else client.post(url, POST_DATA)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"], url


# ---- the REST API -----------------------------------------------------------------------------------

def api_client(person):
    from django.test import Client

    from luoshi.api.auth import token_create

    _, key = token_create(by=None, person=person, name="测试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_the_api_is_scoped_the_same_way(two, cast):
    fa, sheet_a = two["fa"], two["sheet_a"]
    b = api_client(cast["liaison_b"])
    listed = b.get("/api/ledger/programs/demo-2026/findings")
    assert listed.status_code == 200 and [f["code"] for f in listed.json()["items"]] == [two["fb"].code]
    assert b.get(f"/api/ledger/findings/{fa.pk}").status_code == 404
    for path, body in ((f"/api/ledger/findings/{fa.pk}/submit", {"text": "替别人报送"}),
                       (f"/api/ledger/findings/{fa.pk}/verify", {"close": True}),
                       (f"/api/ledger/findings/{fa.pk}/reopen", {"text": "复发"}),
                       (f"/api/ledger/sheets/{sheet_a.pk}/acknowledge", {})):
        r = b.post(path, body, content_type="application/json")
        assert r.status_code == 404, (path, r.status_code)
    escalations = b.get("/api/ledger/programs/demo-2026/escalations").json()
    escalations = escalations["items"] if isinstance(escalations, dict) else escalations
    assert {e["id"] for e in escalations} == {two["esc_b"].pk}
    assert api_client(cast["outsider"]).get("/api/ledger/programs/demo-2026/findings").status_code == 404
    a = api_client(cast["liaison_a"]).get(f"/api/ledger/findings/{fa.pk}")
    assert a.status_code == 200 and a.json()["code"] == fa.code
    assert Finding.objects.get(pk=fa.pk).status == FindingStatus.ASSIGNED
