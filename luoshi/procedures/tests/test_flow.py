"""Cases through the 农地入市 steps: parallel 联审 and its join, returns, refusals, the amounts on 成交确认 with the
Word form, the public notices, scope, versions and the journal."""
import io
from decimal import Decimal

import pytest
from docx import Document

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.models import JournalEntry
from luoshi.procedures import selectors
from luoshi.procedures.models import Case, CaseStep, Notice
from luoshi.procedures.services import case_start, definition_load, step_decide, step_upload

from .conftest import open_step, preset_text, run_to, start_parcel, upload


def codes_open(case):
    return sorted(CaseStep.objects.filter(case=case, state="open").values_list("code", flat=True))


def test_town_review_opens_three_parallel_reviews_and_plan_waits_for_all(land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    case = start_parcel(land, people, units)
    assert case.number.startswith("RS-") and case.town == units["nancun"]
    run_to(case, land, people, "joint_nr")
    assert codes_open(case) == ["joint_agri", "joint_fin", "joint_nr"]
    for code, who in (("joint_nr", "nr"), ("joint_agri", "agri")):
        s = open_step(case, code)
        upload(s, people[who], "opinion")
        step_decide(by=people[who], step=s, decision="pass")
        assert "plan" not in codes_open(case)  # the join waits for 财政
    s = open_step(case, "joint_fin")
    upload(s, people["fin"], "opinion")
    step_decide(by=people["fin"], step=s, decision="pass")
    assert codes_open(case) == ["plan"]


def test_a_return_from_one_review_closes_the_others_and_reopens_apply(land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    case = start_parcel(land, people, units)
    run_to(case, land, people, "joint_nr")
    s = open_step(case, "joint_agri")
    with pytest.raises(ServiceError) as e:
        step_decide(by=people["agri"], step=s, decision="return")
    assert e.value.field == "comment"
    step_decide(by=people["agri"], step=s, decision="return", comment="缺少土地利用现状图")
    assert codes_open(case) == ["apply"]
    states = dict(CaseStep.objects.filter(case=case, code__in=["joint_nr", "joint_fin"]).values_list("code", "state"))
    assert states == {"joint_nr": "cancelled", "joint_fin": "cancelled"}
    case.refresh_from_db()
    assert case.passed == []
    run_to(case, land, people, "plan")  # everything after apply is passed again
    assert CaseStep.objects.filter(case=case, code="town_review").count() == 2


def test_reject_ends_the_case(land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    case = start_parcel(land, people, units)
    run_to(case, land, people, "town_review")
    step_decide(by=people["nancun"], step=open_step(case, "town_review"), decision="reject", comment="不在入市范围内")
    case.refresh_from_db()
    assert case.state == "rejected" and case.outcome == "不通过" and codes_open(case) == []


def test_refusals_leave_the_case_as_it_was(land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    case = start_parcel(land, people, units)
    s = open_step(case, "apply")
    with pytest.raises(ServiceError) as e:  # documents first
        step_decide(by=people["village_a"], step=s, decision="pass")
    assert "入市申请书" in e.value.message and "村民代表会议决议" in e.value.message
    with pytest.raises(PermissionDeniedError):  # another village's liaison
        step_decide(by=people["village_c"], step=s, decision="pass")
    with pytest.raises(PermissionDeniedError):
        step_upload(by=people["nancun"], step=s, document="application", name="a.pdf", data=b"%PDF-1.4")
    with pytest.raises(ServiceError) as e:
        step_upload(by=people["village_a"], step=s, document="application", name="a.exe", data=b"MZ")
    assert "a.exe" in e.value.message
    with pytest.raises(ServiceError) as e:
        step_decide(by=people["village_a"], step=s, decision="maybe")
    assert "通过" in e.value.message
    assert codes_open(case) == ["apply"] and not s.documents.exists()


def test_start_refuses_bad_fields_and_other_scopes(land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    fields = {"area_mu": "42.5", "land_use": "industrial", "grade": "outer_second", "method": "auction"}
    for key, bad, said in (("area_mu", "四十亩", "面积（亩）"), ("land_use", "住宅", "土地用途"), ("area_mu", "1.234", "最多 2 位小数")):
        with pytest.raises(ServiceError) as e:
            case_start(by=people["village_a"], definition=land, unit=units["village_a"], title="x",
                       fields=fields | {key: bad})
        assert said in e.value.message and e.value.field == key
    with pytest.raises(PermissionDeniedError):
        case_start(by=people["village_a"], definition=land, unit=units["village_c"], title="x", fields=fields)
    with pytest.raises(ServiceError):
        case_start(by=people["village_a"], definition=land, unit=units["village_a"], title="x",
                   fields=fields | {"colour": "red"})
    # labels are accepted for choices
    case = case_start(by=people["village_a"], definition=land, unit=units["village_a"], title="x",
                      fields=fields | {"land_use": "商服用地", "method": "拍卖"})
    assert case.fields["land_use"] == "commercial" and case.fields["area_mu"] == "42.50"
    assert Case.objects.count() == 1


def test_confirm_computes_the_amounts_prints_them_and_publishes(land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    case = start_parcel(land, people, units, land_use="commercial", grade="outer_first")
    run_to(case, land, people, "trade")
    notice = Notice.objects.get(case=case)
    assert notice.kind == "notice" and "交易公告" in notice.title
    assert ["土地用途", "商服用地"] in notice.body and not any(r[0].startswith("土地成本") for r in notice.body)
    run_to(case, land, people, "confirm")
    s = open_step(case, "confirm")
    with pytest.raises(ServiceError) as e:
        step_decide(by=people["nr"], step=s, decision="pass", fields={"buyer": "青岛某公司", "price": "abc"})
    assert e.value.field == "price"
    step_decide(by=people["nr"], step=s, decision="pass",
                fields={"buyer": "青岛某公司", "price": "5600000", "land_cost": "800000"})
    case.refresh_from_db()
    amounts = {a["code"]: Decimal(a["value"]) for a in case.amounts}
    assert amounts == {"rate": Decimal("0.35"), "adjustment": Decimal("1960000.00"), "collective": Decimal("2840000.00")}
    doc = s.documents.get(generated=True)
    text = "\n".join(p.text for p in Document(io.BytesIO(doc.attachment.file.read())).paragraphs)
    cells = [c.text for t in Document(io.BytesIO(doc.attachment.file.open("rb").read())).tables for r in t.rows
             for c in r.cells]
    assert "成交确认书" in text and case.number in text
    assert "1,960,000.00 元" in cells and "35%" in cells
    assert any("5,600,000.00 × 35% = 1,960,000.00" in c for c in cells)
    result = Notice.objects.get(case=case, kind="result")
    assert ["受让人", "青岛某公司"] in result.body
    entry = JournalEntry.objects.filter(verb="procedure.pass", object_id=str(case.pk)).first()
    assert entry.changes["amounts"]["adjustment"] == "1960000.00" and entry.actor == people["nr"]
    run_to(case, land, people, "none")
    case.refresh_from_db()
    assert case.state == "done" and case.outcome == "已签订"


def test_every_write_is_journaled(land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    case = start_parcel(land, people, units)
    run_to(case, land, people, "joint_nr")
    verbs = list(JournalEntry.objects.filter(object_id=str(case.pk), object_type="procedures.case")
                 .order_by("id").values_list("verb", flat=True))
    assert verbs == ["procedure.case_start", "procedure.upload", "procedure.upload", "procedure.pass", "procedure.pass"]


def test_a_town_sees_its_villages_cases_only(land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    a = start_parcel(land, people, units)
    c = start_parcel(land, people, units, title="沙梁村地块", village="village_c")
    assert set(selectors.cases_visible(people["nancun"])) == {a}
    assert set(selectors.cases_visible(people["renzhao"])) == {c}
    assert set(selectors.cases_visible(people["pd_office"])) == {a, c}
    assert set(selectors.cases_visible(people["nr"])) == set()  # not yet at the department
    run_to(a, land, people, "joint_nr")
    assert set(selectors.cases_visible(people["nr"])) == {a}
    assert selectors.case_get(people["renzhao"], a.pk) is None
    assert [s.case_id for s in selectors.steps_waiting(people["nr"])] == [a.pk]
    assert list(selectors.steps_waiting(people["renzhao"])) == [] and selectors.steps_waiting(people["village_c"]).count() == 1


def test_a_changed_definition_does_not_alter_running_cases(land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    case = start_parcel(land, people, units)
    text = preset_text("pingdu-nongdi-rushi").replace("limit: {working_days: 5}", "limit: {working_days: 3}")
    text = text.replace('[industrial, outer_second, [tender, auction, listing], "0.08"]',
                        '[industrial, outer_second, [tender, auction, listing], "0.09"]')
    text = text.replace("distinct: 21", "distinct: 22")
    v2 = definition_load(by=None, text=text)["definition"]
    assert v2.version == 2 and definition_load(by=None, text=text)["created"] is False
    land.refresh_from_db()
    assert not land.is_current
    run_to(case, land, people, "none")
    case.refresh_from_db()
    assert case.definition_id == land.pk
    assert {a["code"]: a["value"] for a in case.amounts}["rate"] == "0.08"
    new = start_parcel(v2, people, units, title="新地块")
    assert new.definition_id == v2.pk


def test_loading_with_a_missing_unit_names_the_line(pingdu):
    from luoshi.core.specs import SpecError

    text = preset_text("pingdu-nongdi-rushi").replace("unit: 市农业农村局}", "unit: 市农业局}")
    with pytest.raises(SpecError) as e:
        definition_load(by=None, text=text, source="x.yaml")
    (p,) = e.value.errors
    assert "市农业局" in text.splitlines()[p.row - 1] and p.column == "steps.3.actor.unit"
    with pytest.raises(PermissionDeniedError):
        definition_load(by=pingdu["people"]["nancun"], text=preset_text("pingdu-nongdi-rushi"))
