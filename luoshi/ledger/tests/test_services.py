"""The ledger's writes through luoshi.ledger.services: recording, sheets (交办单), 签收, rectification, verified
close-out (销号) and return, reopening (回头看), corrections, publishing — and the figures that count them.

Dates: findings are recorded and issued on Monday 2026-03-02 unless a test says otherwise; a general finding is
then due on 2026-03-09 (7 days), a major one on 03-07 (5 days), a severe one on 03-05 (3 days)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.ledger import selectors, services
from luoshi.ledger.models import (
    AssignmentSheet, EventKind, Finding, FindingEvent, FindingStatus, LedgerConfig, ProblemCategory,
)

from .fixtures_ledger import *  # noqa: F401,F403
from .fixtures_ledger import journal, notes

D = dt.date
DAY0 = "2026-03-02"


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def kinds(finding) -> list[str]:
    return list(FindingEvent.objects.filter(finding=finding).order_by("at", "id").values_list("kind", flat=True))


def submitted(findings, travel, by=None, **kw) -> Finding:
    """A finding of street_a recorded (by the inspector unless `by`), issued and reported on DAY0."""
    with travel(DAY0):
        f = findings.record(by=by or findings.inspector, **kw)
        findings.issue([f])
        findings.submit(f)
    return fresh(f)


# ---- recording -------------------------------------------------------------------------------------

def test_record_numbers_findings_and_writes_the_timeline_and_journal(findings, inspector, travel):
    with travel(DAY0):
        first = findings.record(by=inspector, description="  小区门口垃圾堆放未及时清运  ", address="中韩街道某小区")
        second = findings.record("street_b", "渔港码头油污未清理", category="交通秩序", severity="major")
    assert (first.code, second.code) == ("2026-00001", "2026-00002")
    assert first.status == FindingStatus.RECORDED and first.sheet_id is None and first.deadline is None
    assert first.description == "小区门口垃圾堆放未及时清运"  # trimmed
    assert first.found_on == D(2026, 3, 2) and first.reporter == inspector
    assert first.indicator_code == "T-1"  # from the category
    assert first.unit_path == findings.city["street_a"].path
    ev = FindingEvent.objects.get(finding=first)
    assert (ev.kind, ev.by, ev.text) == (EventKind.RECORDED, inspector, "小区门口垃圾堆放未及时清运")
    [entry] = journal(first, "ledger.finding_record")
    assert entry.actor == inspector and entry.scope_path == first.unit_path
    assert entry.changes["code"] == "2026-00001" and entry.changes["description"] == first.description


@pytest.mark.parametrize("who", ["liaison_a", "leader", "evaluator", "outsider"])
def test_only_inspectors_and_the_office_record(findings, cast, travel, who):
    with travel(DAY0), pytest.raises(PermissionDeniedError, match="督导组成员或督查室"):
        findings.record(by=cast[who])
    assert not Finding.objects.exists()


def test_record_checks_the_input(findings, inspector, city, travel, ledger_program):
    with travel(DAY0):
        with pytest.raises(ServiceError, match="请填写问题描述") as e:
            findings.record(by=inspector, description="   ")
        assert e.value.field == "description"
        with pytest.raises(ServiceError, match="责任单位“市南区”不在.*范围内") as e:
            findings.record("other_district", by=inspector)
        assert e.value.field == "unit"
        with pytest.raises(ServiceError, match="发现日期不能晚于今天") as e:
            findings.record(by=inspector, found_on=D(2026, 3, 3))
        assert e.value.field == "found_on"
        with pytest.raises(ServiceError, match="未知的严重程度"):
            findings.record(by=inspector, severity="catastrophic")
        from luoshi.tasks.services import program_create

        other = program_create(by=None, code="other-2026", name="另一项工作", year=2026, owner_unit=city["office_unit"])
        other_program_category = ProblemCategory.objects.create(program=other, name="别的类别")
        with pytest.raises(ServiceError, match="问题类别不属于本专项工作"):
            findings.record(by=inspector, category=other_program_category)
        with pytest.raises(ServiceError, match="坐标超出范围"):
            findings.record(by=inspector, latitude=Decimal("95.0"), longitude=Decimal("120.5"))
    assert not Finding.objects.exists() and not FindingEvent.objects.exists()


def test_a_program_without_a_ledger_refuses(program, cast, city, travel):
    with travel(DAY0), pytest.raises(ServiceError, match="没有启用问题台账"):
        services.finding_record(by=cast["office"], program=program["program"],
                                data=services.FindingInput(unit=city["street_a"], description="问题"))


# ---- assignment sheets --------------------------------------------------------------------------------

def test_sheet_numbers_increment_per_program_and_year(findings, cast, city, travel):
    from luoshi.tasks.services import program_create

    with travel(DAY0):
        other = program_create(by=None, code="other-2026", name="另一项工作", year=2026, owner_unit=city["office_unit"])
        LedgerConfig.objects.create(program=other, sheet_prefix="其他督办", deadline_days={"general": 10})
        [s1] = findings.issue([findings.record()])
        [s2] = findings.issue([findings.record()])
        f_other = services.finding_record(by=cast["office"], program=other, data=services.FindingInput(
            unit=city["street_a"], description="另一项工作的问题"))
        [o1] = services.sheets_issue(by=cast["office"], program=other, findings=[f_other])
    with travel("2027-01-04"):
        [s3] = findings.issue([findings.record()])
    assert [s1.number, s2.number, s3.number] == ["测试督办〔2026〕第1号", "测试督办〔2026〕第2号", "测试督办〔2027〕第1号"]
    assert [(s.year, s.seq) for s in (s1, s2, s3)] == [(2026, 1), (2026, 2), (2027, 1)]
    assert o1.number == "其他督办〔2026〕第1号"
    assert fresh(f_other).deadline == D(2026, 3, 12)  # the other program's own 10 days


def test_one_sheet_per_unit_with_deadlines_by_severity(findings, cast, travel):
    with travel(DAY0):
        a_general = findings.record("street_a", "垃圾未清运")
        a_severe = findings.record("street_a", "工地裸土未覆盖", severity="severe")
        b_major = findings.record("street_b", "占道经营", category="占道经营", severity="major")
        sheets = findings.issue([b_major, a_general, a_severe], requirements="三日内报送。")
    assert len(sheets) == 2
    by_unit = {s.unit.name: s for s in sheets}
    assert set(by_unit) == {"中韩街道", "沙子口街道"}
    sheet_a, sheet_b = by_unit["中韩街道"], by_unit["沙子口街道"]
    assert sorted(s.seq for s in sheets) == [1, 2]
    assert set(sheet_a.findings.values_list("code", flat=True)) == {a_general.code, a_severe.code}
    assert list(sheet_b.findings.values_list("code", flat=True)) == [b_major.code]
    assert sheet_a.requirements == "三日内报送。" and sheet_a.issued_by == cast["office"]
    assert sheet_a.unit_path == findings.city["street_a"].path and sheet_a.acknowledged_at is None
    deadlines = {f.description: (f.status, f.deadline) for f in Finding.objects.all()}
    assert deadlines == {"垃圾未清运": ("assigned", D(2026, 3, 9)), "工地裸土未覆盖": ("assigned", D(2026, 3, 5)),
                         "占道经营": ("assigned", D(2026, 3, 7))}
    ev = FindingEvent.objects.get(finding=a_severe, kind=EventKind.ASSIGNED)
    assert ev.data == {"sheet": sheet_a.number, "deadline": "2026-03-05"}
    assert [e.changes["number"] for e in journal(sheet_a, "ledger.sheet_issue")] == [sheet_a.number]
    # each unit's liaison is told about its own sheet only
    assert [n.title for n in notes(cast["liaison_a"], "ledger_sheet")] == [f"收到交办单 {sheet_a.number}"]
    assert [n.title for n in notes(cast["liaison_b"], "ledger_sheet")] == [f"收到交办单 {sheet_b.number}"]
    assert notes(cast["liaison_dept"]) == []


def test_one_deadline_for_all_and_not_in_the_past(findings, travel):
    with travel(DAY0):
        f1, f2 = findings.record(severity="severe"), findings.record(severity="general")
        with pytest.raises(ServiceError, match="整改时限不能早于今天") as e:
            findings.issue([f1], deadline=D(2026, 3, 1))
        assert e.value.field == "deadline"
        findings.issue([f1, f2], deadline=D(2026, 3, 20))
    assert {fresh(f1).deadline, fresh(f2).deadline} == {D(2026, 3, 20)}


def test_double_issue_is_refused(findings, travel):
    with travel(DAY0):
        f = findings.record()
        findings.issue([f])
        g = findings.record()
        with pytest.raises(ServiceError, match=f"不能重复交办：{f.code}"):
            findings.issue([g, f])
        with pytest.raises(ServiceError, match="请至少选择一个"):
            findings.issue([])
    assert AssignmentSheet.objects.count() == 1
    assert fresh(g).status == FindingStatus.RECORDED and fresh(g).sheet_id is None


@pytest.mark.parametrize("who", ["inspector", "liaison_a", "leader"])
def test_only_the_office_issues_sheets(findings, cast, inspector, travel, who):
    person = inspector if who == "inspector" else cast[who]
    with travel(DAY0):
        f = findings.record()
        with pytest.raises(PermissionDeniedError, match="督查室/办公室"):
            findings.issue([f], by=person)
    assert not AssignmentSheet.objects.exists()


def test_acknowledge_only_by_the_units_liaison(findings, cast, inspector, travel):
    with travel(DAY0):
        f = findings.record()
        [sheet] = findings.issue([f])
    with travel("2026-03-03"):
        for person in (cast["liaison_b"], cast["outsider"], cast["liaison_dept"], inspector, cast["evaluator"]):
            with pytest.raises(PermissionDeniedError, match="责任单位的联络员"):
                services.sheet_acknowledge(by=person, sheet=fresh(sheet))
        assert fresh(sheet).acknowledged_at is None and fresh(f).status == FindingStatus.ASSIGNED
        services.sheet_acknowledge(by=cast["liaison_a"], sheet=fresh(sheet))
        sheet = fresh(sheet)
        assert sheet.acknowledged_by == cast["liaison_a"]
        assert fresh(f).status == FindingStatus.RECTIFYING
        assert kinds(f)[-1] == EventKind.ACKNOWLEDGED
        with pytest.raises(ServiceError, match="已于 2026-03-03 09:00 签收"):
            services.sheet_acknowledge(by=cast["liaison_a"], sheet=sheet)
    assert len(journal(sheet, "ledger.sheet_acknowledge")) == 1


def test_submit_on_an_unsigned_sheet_signs_it(findings, cast, inspector, travel):
    with travel(DAY0):
        f = findings.record(by=inspector)
        [sheet] = findings.issue([f])
    with travel("2026-03-04"):
        services.finding_submit(by=cast["liaison_a"], finding=fresh(f), text="  已清运，并建立巡查机制。 ")
    f, sheet = fresh(f), fresh(sheet)
    assert sheet.acknowledged_by == cast["liaison_a"] and sheet.acknowledged_at is not None
    assert f.status == FindingStatus.SUBMITTED and f.first_submitted_at == sheet.acknowledged_at
    assert kinds(f) == ["recorded", "assigned", "acknowledged", "submitted"]
    assert FindingEvent.objects.get(finding=f, kind="submitted").text == "已清运，并建立巡查机制。"
    # the reporter is told it waits for verification (the office too: see test_escalation's office tests)
    assert [n.kind for n in notes(inspector)] == ["ledger_submitted"]
    assert notes(cast["liaison_b"]) == []


def test_submit_needs_text_and_an_owing_status(findings, cast, travel):
    with travel(DAY0):
        f = findings.record()
        with pytest.raises(ServiceError, match="不能报送整改"):
            services.finding_submit(by=cast["liaison_a"], finding=f, text="提前报送")
        findings.issue([f])
        with pytest.raises(ServiceError, match="请填写整改情况") as e:
            services.finding_submit(by=cast["liaison_a"], finding=fresh(f), text="  ")
        assert e.value.field == "text"
        assert fresh(f).status == FindingStatus.ASSIGNED
        findings.submit(f)
        with pytest.raises(ServiceError, match="待核验.*不能报送整改"):
            services.finding_submit(by=cast["liaison_a"], finding=fresh(f), text="再报一次")


def test_a_refused_report_does_not_sign_the_sheet(findings, cast, travel):
    with travel(DAY0):
        f = findings.record()
        [sheet] = findings.issue([f])
        with pytest.raises(ServiceError, match="virus.exe"):
            services.finding_submit(by=cast["liaison_a"], finding=fresh(f), text="已整改",
                                    photos=[("virus.exe", b"MZ\x90\x00" * 10)])
    assert fresh(f).status == FindingStatus.ASSIGNED
    assert fresh(sheet).acknowledged_at is None


# ---- verification (销号) ------------------------------------------------------------------------------

def test_the_reporter_cannot_verify(findings, inspector, travel):
    f = submitted(findings, travel)
    with travel("2026-03-05"):
        for close in (True, False):
            with pytest.raises(PermissionDeniedError, match="问题发现人以外"):
                services.finding_verify(by=inspector, finding=fresh(f), close=close, reason="自己核验")
    assert fresh(f).status == FindingStatus.SUBMITTED and fresh(f).closed_by is None


def test_the_office_as_reporter_cannot_verify_either(findings, cast, inspector, travel):
    f = submitted(findings, travel, by=cast["office"])
    with travel("2026-03-05"):
        with pytest.raises(PermissionDeniedError, match="问题发现人以外"):
            services.finding_verify(by=cast["office"], finding=fresh(f), close=True)
        services.finding_verify(by=inspector, finding=fresh(f), close=True)
    assert fresh(f).status == FindingStatus.CLOSED


def test_a_liaison_of_the_findings_unit_cannot_verify_even_as_a_group_member(findings, cast, travel, ledger_program):
    from luoshi.ledger.models import InspectionGroup

    f = submitted(findings, travel)
    InspectionGroup.objects.get(program=ledger_program).members.add(cast["liaison_a"])
    with travel("2026-03-05"):
        with pytest.raises(PermissionDeniedError, match="责任单位的人员不能核验本单位的问题"):
            services.finding_verify(by=cast["liaison_a"], finding=fresh(f), close=True)
        # not in a group, not the office: not an inspector at all
        with pytest.raises(PermissionDeniedError, match="督导组成员或督查室"):
            services.finding_verify(by=cast["liaison_b"], finding=fresh(f), close=True)
    assert fresh(f).status == FindingStatus.SUBMITTED


def test_another_inspector_closes(findings, cast, inspector2, travel):
    f = submitted(findings, travel)
    with travel("2026-03-05"):
        services.finding_verify(by=inspector2, finding=fresh(f), close=True, method="on_site", reason="现场已清理干净")
    f = fresh(f)
    assert f.status == FindingStatus.CLOSED and f.closed_by == inspector2
    assert f.closed_at == f.last_closed_at and f.closed_at is not None
    ev = FindingEvent.objects.filter(finding=f).last()
    assert (ev.kind, ev.by, ev.text, ev.data) == ("closed", inspector2, "现场已清理干净", {"method": "on_site"})
    [entry] = journal(f, "ledger.finding_close")
    assert entry.changes == {"status": ["submitted", "closed"], "method": "on_site"} and entry.actor == inspector2
    assert [n.title for n in notes(cast["liaison_a"], "ledger_verified")] == [f"问题 {f.code} 已核验销号"]
    assert notes(cast["liaison_b"]) == []


def test_a_return_needs_a_reason(findings, cast, inspector2, travel):
    f = submitted(findings, travel)
    with travel("2026-03-05"):
        for reason in ("", "   "):
            with pytest.raises(ServiceError, match="退回须写明原因") as e:
                services.finding_verify(by=inspector2, finding=fresh(f), close=False, reason=reason)
            assert e.value.field == "reason"
        assert fresh(f).status == FindingStatus.SUBMITTED and fresh(f).return_count == 0
        services.finding_verify(by=inspector2, finding=fresh(f), close=False, reason="仍有垃圾堆放")
    f = fresh(f)
    assert f.status == FindingStatus.RECTIFYING and f.return_count == 1 and f.closed_at is None
    assert kinds(f)[-1] == "returned"
    assert [e.reason for e in journal(f, "ledger.finding_return")] == ["仍有垃圾堆放"]
    assert [n.title for n in notes(cast["liaison_a"], "ledger_verified")] == [f"问题 {f.code} 被退回重改"]


def test_only_submitted_findings_can_be_verified(findings, inspector2, travel):
    with travel(DAY0):
        f = findings.record(by=findings.inspector)
        for step in ("recorded", "assigned", "rectifying", "closed"):
            if step == "assigned":
                [sheet] = findings.issue([f])
            elif step == "rectifying":
                findings.acknowledge(sheet)
            elif step == "closed":
                findings.submit(f)
                services.finding_verify(by=inspector2, finding=fresh(f), close=True)
            assert fresh(f).status == step
            with pytest.raises(ServiceError, match="只有“待核验”的问题可以核验"):
                services.finding_verify(by=inspector2, finding=fresh(f), close=True)
        assert len(journal(f, "ledger.finding_close")) == 1


def test_whoever_reported_the_rectification_cannot_verify_it(findings, cast, inspector, travel):
    with travel(DAY0):
        f = findings.record(by=inspector)
        findings.issue([f])
        services.finding_submit(by=cast["office"], finding=fresh(f), text="督查室代为报送：已整改")
        with pytest.raises(PermissionDeniedError):
            services.finding_verify(by=cast["office"], finding=fresh(f), close=True)
    assert fresh(f).status == FindingStatus.SUBMITTED


def test_verify_method_must_be_known(findings, inspector2, travel):
    f = submitted(findings, travel)
    with travel(DAY0), pytest.raises(ServiceError, match="核验方式") as e:
        services.finding_verify(by=inspector2, finding=fresh(f), close=True, method="phone_call")
    assert e.value.field == "method" and fresh(f).status == FindingStatus.SUBMITTED


# ---- corrections ------------------------------------------------------------------------------------

def test_the_reporter_and_the_office_correct_a_finding(findings, cast, inspector, inspector2, travel):
    with travel(DAY0):
        f = findings.record(by=inspector)
        services.finding_update(by=inspector, finding=fresh(f), reason="补充地点", address="中韩街道某小区3号楼",
                                severity="major")
        services.finding_update(by=cast["office"], finding=fresh(f), description="小区门口垃圾堆放")
        assert services.finding_update(by=cast["office"], finding=fresh(f), description="小区门口垃圾堆放")  # no change
        for person in (inspector2, cast["liaison_a"], cast["liaison_b"]):
            with pytest.raises(PermissionDeniedError, match="只有督查室或问题发现人"):
                services.finding_update(by=person, finding=fresh(f), description="改掉")
        with pytest.raises(ServiceError, match="不能修改的字段：code、status"):
            services.finding_update(by=cast["office"], finding=fresh(f), status="closed", code="X")
    f = fresh(f)
    assert (f.address, f.severity, f.description, f.code) == ("中韩街道某小区3号楼", "major", "小区门口垃圾堆放", "2026-00001")
    edits = FindingEvent.objects.filter(finding=f, kind="edited").order_by("id")
    assert [e.data["fields"] for e in edits] == [["address", "severity"], ["description"]]
    entries = journal(f, "ledger.finding_update")
    assert len(entries) == 2 and entries[0].reason == "补充地点"
    assert entries[0].changes["severity"] == ["general", "major"]


def test_no_correction_after_closure_or_of_the_unit_after_issue(findings, cast, inspector, inspector2, travel):
    with travel(DAY0):
        f = findings.record(by=inspector)
        findings.issue([f])
        with pytest.raises(ServiceError, match="不能改责任单位") as e:
            services.finding_update(by=cast["office"], finding=fresh(f), unit=findings.city["street_b"])
        assert e.value.field == "unit"
        assert fresh(f).unit == findings.city["street_a"]
        findings.submit(f)
        services.finding_verify(by=inspector2, finding=fresh(f), close=True)
        with pytest.raises(ServiceError, match="已销号，不能修改"):
            services.finding_update(by=cast["office"], finding=fresh(f), description="改")


# ---- reopening keeps history ----------------------------------------------------------------------------

def test_a_reopened_finding_keeps_its_history_and_counts_a_repeat(findings, cast, inspector, inspector2, travel):
    f = submitted(findings, travel)
    with travel("2026-03-05"):
        services.finding_verify(by=inspector2, finding=fresh(f), close=True, reason="已清理")
    closed = fresh(f)
    timeline = ("id", "kind", "by", "at", "text", "data")
    history = list(FindingEvent.objects.filter(finding=f).order_by("id").values(*timeline))
    assert [h["kind"] for h in history] == ["recorded", "assigned", "acknowledged", "submitted", "closed"]

    with travel("2026-03-15"):
        with pytest.raises(ServiceError, match="请说明复发情况"):
            services.finding_reopen(by=inspector, finding=fresh(f), text=" ")
        with pytest.raises(PermissionDeniedError):
            services.finding_reopen(by=cast["liaison_a"], finding=fresh(f), text="又有了")
        services.finding_reopen(by=inspector, finding=fresh(f), text="回头看：垃圾再次堆放")
    f = fresh(f)
    assert f.pk == closed.pk and f.code == closed.code == "2026-00001"
    assert f.repeat_count == 1 and f.status == FindingStatus.RECTIFYING
    assert f.closed_at is None and f.closed_by is None
    assert f.last_closed_at == closed.closed_at  # kept for "repeat within N days"
    assert f.sheet_id == closed.sheet_id and f.deadline == D(2026, 3, 22)  # 7 days from the reopening
    after = list(FindingEvent.objects.filter(finding=f).order_by("id").values(*timeline))
    assert after[:5] == history  # nothing before the reopening changed
    assert after[5]["kind"] == "reopened" and after[5]["data"] == {"repeat": 1, "deadline": "2026-03-22"}
    assert journal(f, "ledger.finding_reopen")[0].changes["repeat_count"] == 1
    assert [n.title for n in notes(cast["liaison_a"], "ledger_reopened")] == [f"问题 {f.code} 复发，已重新交办"]

    # a second cycle: reported, closed, reopened again
    with travel("2026-03-16"):
        findings.submit(f)
        services.finding_verify(by=inspector2, finding=fresh(f), close=True)
    with travel("2026-03-20"):
        with pytest.raises(ServiceError, match="只有已销号的问题可以复发重开"):
            services.finding_reopen(by=inspector, finding=fresh(findings.record()), text="x")
        services.finding_reopen(by=inspector2, finding=fresh(f), text="第三次出现")
    f = fresh(f)
    assert f.repeat_count == 2 and f.code == "2026-00001"
    assert kinds(f) == ["recorded", "assigned", "acknowledged", "submitted", "closed", "reopened", "submitted",
                        "closed", "reopened"]
    # figures and the list count the repeats
    with travel("2026-03-20"):
        figures = selectors.ledger_figures(user=cast["office"], program=f.program)
        repeat_only = selectors.finding_list(user=cast["office"], program=f.program,
                                             filters=selectors.FindingFilters(repeat=True))
    assert figures["total"].repeats == 2 and figures["total"].found == 2
    [row_a] = [r for r in figures["rows"] if r.label == "中韩街道"]
    assert row_a.repeats == 2 and row_a.closed == 0  # open again
    assert [x.code for x in repeat_only] == ["2026-00001"]


# ---- publishing -------------------------------------------------------------------------------------

def test_publish_is_for_the_office_and_writes_the_timeline(findings, cast, inspector, travel):
    with travel(DAY0):
        f = findings.record()
        with pytest.raises(PermissionDeniedError):
            services.finding_publish(by=inspector, finding=fresh(f), public=True)
        services.finding_publish(by=cast["office"], finding=fresh(f), public=True)
        services.finding_publish(by=cast["office"], finding=fresh(f), public=True)  # already public: nothing
    f = fresh(f)
    assert f.is_public and f.published_at is not None
    assert kinds(f) == ["recorded", "published"]
    with travel("2026-03-03"):
        services.finding_publish(by=cast["office"], finding=fresh(f), public=False)
    f = fresh(f)
    assert not f.is_public and f.published_at is None and kinds(f)[-1] == "unpublished"
    assert len(journal(f, "ledger.finding_publish")) == 2


# ---- figures ---------------------------------------------------------------------------------------

@pytest.fixture
def dataset(findings, cast, inspector, inspector2, travel):
    """8 findings, recorded and issued 2026-03-02 09:00 (general: due 03-09), one recorded earlier, not issued:

    street_a  A1 closed after 2 days, A2 closed after 4.375 days, A3 signed but never reported (overdue on 03-20)
    street_b  B1 closed after 1 day (media), B2 reported, not yet verified
    dept      D1 closed after 5 days (media), D2 reported, not yet verified
    office    O1 found 02-27 (public), never issued
    """
    rec = lambda unit, desc, cat, **kw: findings.record(unit, desc, category=cat, by=inspector, **kw)  # noqa: E731
    with travel("2026-02-27"):
        o1 = rec(findings.city["office_unit"], "O1 机关门前停车无序", None, source="public")
    with travel(DAY0):
        a1, a2, a3 = rec("street_a", "A1", "环境卫生"), rec("street_a", "A2", "环境卫生"), rec("street_a", "A3", "占道经营")
        b1, b2 = rec("street_b", "B1", "环境卫生", source="media"), rec("street_b", "B2", "交通秩序")
        d1, d2 = rec("dept", "D1", "占道经营", source="media"), rec("dept", "D2", "交通秩序")
        for sheet in findings.issue([a1, a2, a3, b1, b2, d1, d2]):
            findings.acknowledge(sheet)
        for f in (a1, a2, b1, b2, d1, d2):
            findings.submit(f)

    def close(f, when):
        with travel(when):
            services.finding_verify(by=inspector2, finding=fresh(f), close=True)

    close(b1, "2026-03-03T09:00:00+08:00")
    close(a1, "2026-03-04T09:00:00+08:00")
    close(a2, "2026-03-06T18:00:00+08:00")
    close(d1, "2026-03-07T09:00:00+08:00")
    return {"A1": a1, "A2": a2, "A3": a3, "B1": b1, "B2": b2, "D1": d1, "D2": d2, "O1": o1}


def figures_of(user, program, **kw):
    return selectors.ledger_figures(user=user, program=program, as_of=D(2026, 3, 20), **kw)


def test_figures_by_unit_on_a_known_dataset(dataset, cast, ledger_program):
    data = figures_of(cast["office"], ledger_program)
    rows = {r.label: r for r in data["rows"]}
    table = {label: (r.found, r.rectified, r.closed, r.overdue, r.rectify_rate, r.close_rate, r.avg_days, r.rank)
             for label, r in rows.items()}
    assert table == {
        "中韩街道": (3, 2, 2, 1, Decimal("66.7"), Decimal("66.7"), Decimal("3.2"), 1),
        # 50.0 % and no overdue each: the same place, and the next place is 4 (1224 ranking)
        "区行政审批服务局": (2, 2, 1, 0, Decimal("100.0"), Decimal("50.0"), Decimal("5.0"), 2),
        "沙子口街道": (2, 2, 1, 0, Decimal("100.0"), Decimal("50.0"), Decimal("1.0"), 2),
        "区委办公室": (1, 0, 0, 0, Decimal("0.0"), Decimal("0.0"), None, 4),
    }
    assert [r.rank for r in data["rows"]] == [1, 2, 2, 4]
    assert data["rows"][0].label == "中韩街道" and data["rows"][-1].label == "区委办公室"
    assert str(rows["中韩街道"].close_rate) == "66.7" and str(rows["区委办公室"].rectify_rate) == "0.0"
    t = data["total"]
    assert (t.found, t.rectified, t.closed, t.overdue, t.repeats) == (8, 6, 4, 1, 0)
    assert (t.rectify_rate, t.close_rate, t.avg_days) == (Decimal("75.0"), Decimal("50.0"), Decimal("3.1"))
    assert str(t.rectify_rate) == "75.0"


def test_figures_overdue_depends_on_the_day(dataset, cast, ledger_program):
    on_deadline = selectors.ledger_figures(user=cast["office"], program=ledger_program, as_of=D(2026, 3, 9))
    assert on_deadline["total"].overdue == 0
    day_after = selectors.ledger_figures(user=cast["office"], program=ledger_program, as_of=D(2026, 3, 10))
    assert day_after["total"].overdue == 1


def test_figures_by_category_source_and_severity(dataset, cast, ledger_program):
    by_cat = {r.label: (r.found, r.closed, r.overdue, r.rank) for r in figures_of(cast["office"], ledger_program,
                                                                               by="category")["rows"]}
    assert by_cat == {"环境卫生": (3, 3, 0, None), "占道经营": (2, 1, 1, None), "交通秩序": (2, 0, 0, None),
                      "（未分类）": (1, 0, 0, None)}
    by_source = {r.label: (r.found, r.rectified, r.closed) for r in figures_of(cast["office"], ledger_program,
                                                                            by="source")["rows"]}
    assert by_source == {"督导检查": (5, 4, 2), "媒体报道": (2, 2, 2), "群众反映": (1, 0, 0)}
    by_sev = {r.label: r.found for r in figures_of(cast["office"], ledger_program, by="severity")["rows"]}
    assert by_sev == {"一般": 8}
    assert figures_of(cast["office"], ledger_program, by="nonsense")["by"] == "unit"


def test_figures_period_and_scope(dataset, cast, ledger_program):
    period = figures_of(cast["office"], ledger_program, found_from=D(2026, 3, 1), found_to=D(2026, 3, 31))
    assert period["total"].found == 7 and "区委办公室" not in {r.label for r in period["rows"]}
    before = figures_of(cast["office"], ledger_program, found_to=D(2026, 2, 28))
    assert [r.label for r in before["rows"]] == ["区委办公室"]
    mine = figures_of(cast["liaison_a"], ledger_program)
    assert [(r.label, r.found, r.rank) for r in mine["rows"]] == [("中韩街道", 3, 1)]
    assert mine["total"].found == 3
    assert figures_of(cast["outsider"], ledger_program)["rows"] == []


def test_average_days_round_half_up_like_the_rates(findings, inspector, inspector2, cast, travel, ledger_program):
    with travel(DAY0):
        f = findings.record(by=inspector)
        findings.issue([f])
        findings.submit(f)
    with travel("2026-03-03T15:00:00+08:00"):  # 30 hours = 1.25 days after recording
        services.finding_verify(by=inspector2, finding=fresh(f), close=True)
    data = figures_of(cast["office"], ledger_program)
    assert data["rows"][0].avg_days == Decimal("1.3")


def test_total_average_days_is_the_mean_of_all_closings(findings, inspector, inspector2, cast, travel, ledger_program):
    # street_a and street_b each close after 1.04 days (rows 1.0), dept after 1.14 days (row 1.1):
    # the mean of the three closings is 1.0733 → 1.1; the mean of the rounded rows is 1.0333 → 1.0.
    with travel(DAY0):
        a, b, d = (findings.record(unit, by=inspector) for unit in ("street_a", "street_b", "dept"))
        findings.issue([a, b, d])
        for f in (a, b, d):
            findings.submit(f)
    with travel("2026-03-03T09:57:36+08:00"):  # 24.96 h
        services.finding_verify(by=inspector2, finding=fresh(a), close=True)
        services.finding_verify(by=inspector2, finding=fresh(b), close=True)
    with travel("2026-03-03T12:21:36+08:00"):  # 27.36 h
        services.finding_verify(by=inspector2, finding=fresh(d), close=True)
    data = figures_of(cast["office"], ledger_program)
    assert sorted(r.avg_days for r in data["rows"]) == [Decimal("1.0"), Decimal("1.0"), Decimal("1.1")]
    assert data["total"].avg_days == Decimal("1.1")


# ---- cached figures --------------------------------------------------------------------------------

def test_cached_figures_follow_every_write(findings, cast, inspector, inspector2, travel, ledger_program):
    def total():
        with travel("2026-03-20"):
            t = selectors.ledger_figures(user=cast["office"], program=ledger_program)["total"]
        return (t.found, t.rectified, t.closed, t.overdue, t.repeats)

    with travel(DAY0):
        f = findings.record(by=inspector)
    assert total() == (1, 0, 0, 0, 0)
    with travel(DAY0):
        [sheet] = findings.issue([f])
    assert total() == (1, 0, 0, 1, 0)  # due 03-09, overdue on 03-20
    with travel(DAY0):
        findings.submit(f)
    assert total() == (1, 1, 0, 0, 0)
    with travel("2026-03-05"):
        services.finding_verify(by=inspector2, finding=fresh(f), close=True)
    assert total() == (1, 1, 1, 0, 0)
    with travel("2026-03-06"):
        services.finding_reopen(by=inspector, finding=fresh(f), text="复发")
    assert total() == (1, 1, 0, 1, 1)  # due again 03-13: overdue on 03-20
    # the liaison's cached view is their own, not the office's
    with travel("2026-03-20"):
        assert selectors.ledger_figures(user=cast["liaison_b"], program=ledger_program)["total"].found == 0


def office_ledger_xlsx(rows) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["问题描述", "责任单位", "发现日期"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_cached_figures_include_an_excel_import(findings, cast, travel, ledger_program):
    from luoshi.ledger.excel import ledger_import_xlsx

    with travel(DAY0):
        findings.record()
        assert selectors.ledger_figures(user=cast["office"], program=ledger_program)["total"].found == 1
        ledger_import_xlsx(by=cast["office"], program=ledger_program, data=office_ledger_xlsx([
            ["楼道堆物", "中韩街道", "2026-02-01"], ["渔港油污", "沙子口街道", "2026-02-02"]]))
        assert Finding.objects.count() == 3
        assert selectors.ledger_figures(user=cast["office"], program=ledger_program)["total"].found == 3


def test_cached_figures_labels_follow_the_language(findings, cast, travel, ledger_program):
    from django.utils import translation

    def labels():
        return [r.label for r in selectors.ledger_figures(user=cast["office"], program=ledger_program, by="source")["rows"]]

    with travel(DAY0):
        findings.record()
        with translation.override("zh-hans"):
            zh = labels()
        with translation.override("en"):
            en = labels()
    assert zh == ["督导检查"]
    assert en == ["Inspection"]


# ---- rounds ------------------------------------------------------------------------------------------

def test_a_finding_of_a_group_joins_the_groups_round_of_that_day(findings, inspector, travel, ledger_program):
    group = ledger_program.inspection_groups.get()
    with travel(DAY0):
        other_day = services.round_create(by=inspector, group=group, date=D(2026, 3, 1))
        today = services.round_create(by=inspector, group=group, date=D(2026, 3, 2))
        f = findings.record(by=inspector, group=group)
        g = findings.record(by=inspector, group=group, found_on=D(2026, 2, 27))
        h = findings.record(by=inspector)
        services.round_done(by=inspector, round=today, note="完成")
    assert (fresh(f).round, fresh(g).round, fresh(h).round) == (today, None, None)
    assert other_day.findings.count() == 0
    done = fresh(today)
    assert done.done_at is not None and done.note == "完成"
    assert journal(done, "ledger.round_done")[0].changes == {"findings": 1}
