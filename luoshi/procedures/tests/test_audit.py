"""Gaps found when issue #15 was walked end to end (branch procaudit): a step already acted on is refused with what
became of it; land costs above what the 调节金 leaves are refused, naming the figures; a case imported at one of
the parallel 联审 opens them all (or the plan's join would wait forever); the journal entry of a pass names the
Word form it generated and the notices it published."""
import datetime as dt
from decimal import Decimal

import pytest

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.models import JournalEntry
from luoshi.procedures.calc import amounts_compute
from luoshi.procedures.models import Case, CaseDocument, CaseStep, Notice
from luoshi.procedures.services import case_start, step_decide, step_upload

from .conftest import open_step, run_to, start_parcel, upload
from .test_views import xlsx_of

FIELDS = {"area_mu": "30", "land_use": "industrial", "grade": "outer_second", "method": "auction"}


def codes_open(case):
    return sorted(CaseStep.objects.filter(case=case, state="open").values_list("code", flat=True))


def test_a_step_already_passed_is_refused_with_what_became_of_it(land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    case = start_parcel(land, people, units)
    step = open_step(case, "apply")
    upload(step, people["village_a"], "application", "resolution")
    step_decide(by=people["village_a"], step=step, decision="pass")
    entries = JournalEntry.objects.count()
    with pytest.raises(ServiceError) as e:  # a second click, or a page left open
        step_decide(by=people["village_a"], step=step, decision="pass")
    assert not isinstance(e.value, PermissionDeniedError)
    assert e.value.message == "环节“申请（村集体民主决策）”已办理（通过），不能再办理。"
    with pytest.raises(ServiceError) as e:
        step_upload(by=people["village_a"], step=step, document="application", name="b.pdf", data=b"%PDF-1.4 x")
    assert "已办理（通过），不能再办理" in e.value.message
    with pytest.raises(PermissionDeniedError):  # someone else still learns nothing about the step
        step_decide(by=people["village_c"], step=step, decision="pass")
    assert codes_open(case) == ["town_review"] and JournalEntry.objects.count() == entries
    assert CaseDocument.objects.filter(step=step).count() == 2


def test_a_withdrawn_step_is_refused_as_withdrawn(land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    case = start_parcel(land, people, units)
    run_to(case, land, people, "joint_nr")
    agri = open_step(case, "joint_agri")
    step_decide(by=people["nr"], step=open_step(case, "joint_nr"), decision="return", comment="缺四至图")
    with pytest.raises(ServiceError) as e:
        step_decide(by=people["agri"], step=agri, decision="pass")
    assert e.value.message == "环节“部门联审·农业农村”已撤回（办件已退回或结束），不能再办理。"


def test_land_costs_above_what_the_adjustment_leaves_are_refused(land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    spec = land.parsed()
    ok = {a.code: a.value for a in amounts_compute(spec, FIELDS | {"price": "1000000", "land_cost": "920000"})}
    assert ok["collective"] == Decimal("0.00")  # 1,000,000 × 8% = 80,000; nothing left, but not below zero
    with pytest.raises(ServiceError) as e:
        amounts_compute(spec, FIELDS | {"price": "1000000", "land_cost": "920000.01"})
    assert e.value.field == "land_cost"
    assert e.value.message.startswith("“留归集体”算得负数，请核对“成交价款（元）”、“土地成本费用（元）”：")
    assert "= 1,000,000.00 - 80,000.00 - 920,000.01 = -0.01" in e.value.message
    case = start_parcel(land, people, units)
    run_to(case, land, people, "confirm")
    step = open_step(case, "confirm")
    entries = JournalEntry.objects.count()
    with pytest.raises(ServiceError) as e:
        step_decide(by=people["nr"], step=step, decision="pass",
                    fields={"buyer": "青岛某公司", "price": "1000000", "land_cost": "2000000"})
    assert e.value.field == "land_cost"
    case.refresh_from_db()
    assert case.amounts == [] and "price" not in case.fields and codes_open(case) == ["confirm"]
    assert not Notice.objects.filter(case=case, kind="result").exists() and JournalEntry.objects.count() == entries
    assert not CaseDocument.objects.filter(step=step, generated=True).exists()


@pytest.mark.parametrize("at,group", [("joint_agri", ["joint_agri", "joint_fin", "joint_nr"]),
                                      ("verify_nr", ["verify_nr", "verify_town"]), ("plan", ["plan"])])
def test_a_case_started_at_a_parallel_step_opens_the_whole_group(land, pingdu, at, group):
    people, units = pingdu["people"], pingdu["units"]
    case = case_start(by=people["pd_office"], definition=land, unit=units["village_a"], title="导入地块", fields=FIELDS,
                      at_step=at)
    assert codes_open(case) == group
    run_to(case, land, people, "trade")  # the join after the group opens: the case is not stuck
    assert codes_open(case) == ["trade"]
    entry = JournalEntry.objects.filter(verb="procedure.case_start", object_id=str(case.pk)).get()
    assert entry.changes["at_step"] == "、".join(sorted(group, key=[s.code for s in land.parsed().steps].index))


def test_the_journal_names_the_generated_form_and_the_published_notices(land, pingdu, travel):
    people, units = pingdu["people"], pingdu["units"]
    with travel("2026-06-01T09:00:00+08:00"):
        case = start_parcel(land, people, units)
        run_to(case, land, people, "trade")
    opened_trade = JournalEntry.objects.filter(verb="procedure.pass", object_id=str(case.pk)).order_by("-id")[0]
    assert opened_trade.changes["step"] == "approve"
    assert opened_trade.changes["published"] == ["郭庄村 1 号地块交易公告"]
    with travel("2026-07-01T09:00:00+08:00"):
        run_to(case, land, people, "contract")
    confirm = JournalEntry.objects.filter(verb="procedure.pass", object_id=str(case.pk)).order_by("-id")[0]
    assert confirm.changes["step"] == "confirm" and confirm.actor == people["nr"]
    assert confirm.changes["generated"] == [f"{case.number}成交确认书.docx"]
    assert confirm.changes["published"] == ["郭庄村 1 号地块成交公示"]
    import io

    from docx import Document

    form = CaseDocument.objects.get(step__case=case, generated=True)
    rows = {r.cells[0].text: r.cells[1].text for r in Document(io.BytesIO(form.attachment.file.open("rb").read())).tables[0].rows}
    assert rows["成交价款（元）"] == "5,600,000.00" and rows["土地成本费用（元）"] == "800,000.00"  # the unit once
    assert Case.objects.get(pk=case.pk).state == "running"
    assert dt.date(2026, 7, 1) <= Notice.objects.get(case=case, kind="result").published_at.date()


def test_an_institution_is_registered_on_its_page_and_refusals_store_nothing(client, yanfa, pingdu, travel):
    from django.urls import reverse

    from luoshi.procedures.models import Institution

    people, units = pingdu["people"], pingdu["units"]
    url = reverse("procedures_institutions")
    form = {"name": "青岛深海装备研究院", "field": "海洋", "unit": "中国海洋大学", "authority": units["bianban"].pk,
            "cert_number": "事证第137020001号", "cert_issued": "2024-03-01", "cert_expires": "2029-02-28",
            "last_operation_on": "2026-05-20"}
    with travel("2026-06-01"):
        client.force_login(people["bianban"])
        assert "登记新型研发机构" in client.get(url).content.decode()
        for change, said in (({"unit": "无此大学"}, "找不到单位“无此大学”"),
                             ({"cert_expires": "2024-01-01"}, "证书到期日须晚于起始日"),
                             ({"last_operation_on": "2026-06-02"}, "最近运行日期不能晚于今天"),
                             ({"cert_issued": "明年"}, "fielderror")):
            r = client.post(url, form | change)
            assert r.status_code == 400 and said in r.content.decode(), change
        assert Institution.objects.count() == 0
        r = client.post(url, form)
        inst = Institution.objects.get()
        assert r.status_code == 302 and r["Location"] == reverse("procedures_institution", args=[inst.pk])
        assert inst.unit == units["host"] and inst.authority == units["bianban"]
        assert JournalEntry.objects.filter(verb="procedure.institution_create", object_id=str(inst.pk)).exists()
        assert client.post(url, form).status_code == 400 and Institution.objects.count() == 1  # the name is taken
        client.force_login(people["host"])  # the host unit sees it but registers nothing
        assert "登记新型研发机构" not in client.get(url).content.decode()
        assert client.post(url, form | {"name": "另一家"}).status_code == 403
        page = client.get(reverse("procedures_institution", args=[inst.pk])).content.decode()
        assert "登记运行情况" in page  # the host records its operation
        client.force_login(people["host2"])
        assert client.get(reverse("procedures_institution", args=[inst.pk])).status_code == 404
    assert Institution.objects.count() == 1


def test_parcels_already_sold_are_imported_with_their_price_and_count_in_the_figures(client, land, pingdu):
    import io

    from django.urls import reverse

    from luoshi.procedures import selectors

    people = pingdu["people"]
    client.force_login(people["pd_office"])
    url = reverse("procedures_case_import", args=[land.code])
    header = ["名称", "申请单位", "面积（亩）", "土地用途", "基准地价级别", "交易方式", "当前环节", "受让人", "成交价款（元）",
              "土地成本费用（元）"]
    sold = ["甲地块", "南村镇郭庄村", 40, "商服用地", "城区外一等镇", "拍卖", "已办结", "青岛甲公司", 6000000, 1000000]
    signing = ["乙地块", "仁兆镇沙梁村", 20, "工矿仓储用地和非经营性公共管理与公共服务用地", "城区外二等镇", "挂牌", "签订出让合同",
               "青岛乙公司", 2000000.5, 300000]
    early = ["丙地块", "南村镇三城村", 10, "商服用地", "城区外一等镇", "拍卖", "公告及交易", "", "", ""]

    def post(rows):
        f = io.BytesIO(xlsx_of([header, *rows]))
        f.name = "x.xlsx"
        return client.post(url, {"file": f})

    r = post([sold, ["丁地块", "南村镇郭庄村", 5, "商服用地", "城区外一等镇", "拍卖", "公告及交易", "", 900000, ""],
              sold[:8] + ["", 1000000], sold[:8] + [1000000, 990000], early])
    text = r.content.decode()
    assert r.status_code == 400 and Case.objects.count() == 0
    assert "第3行“I（成交价款（元））”列" in text and "尚未办到“签订成交确认书及公示”" in text
    assert "第4行“I（成交价款（元））”列" in text and "计算“土地增值收益调节金”缺少：成交价款（元）" in text
    assert "第5行“J（土地成本费用（元））”列" in text and "“留归集体”算得负数" in text
    r = post([sold, signing, early])
    assert r.status_code == 302 and Case.objects.count() == 3
    a = Case.objects.get(title="甲地块")
    assert a.state == "done" and a.outcome == "已办结（导入）" and not CaseStep.objects.filter(case=a).exists()
    assert {x["code"]: x["value"] for x in a.amounts} == {"rate": "0.35", "adjustment": "2100000.00",
                                                          "collective": "2900000.00"}
    b = Case.objects.get(title="乙地块")
    assert codes_open(b) == ["contract"] and b.fields["price"] == "2000000.50"
    assert {x["code"]: x["value"] for x in b.amounts}["adjustment"] == "160000.04"  # 2,000,000.50 × 8%
    c = Case.objects.get(title="丙地块")
    assert c.amounts == [] and codes_open(c) == ["trade"]
    towns, total = selectors.town_figures(people["pd_office"], land.code)
    assert total["cases"] == 3 and total["sold"] == 2 and total["price"] == Decimal("8000000.50")
    assert total["adjustment"] == Decimal("2260000.04") and total["area"] == Decimal("60.00")
    entry = JournalEntry.objects.get(verb="procedure.case_start", object_id=str(a.pk))
    assert entry.changes["at_step"] == "已办结" and entry.changes["amounts"]["collective"] == "2900000.00"


def test_a_running_case_keeps_its_version_steps_and_limits(land, pingdu, travel):
    """Issue #15: a definition in use is versioned; a running case keeps its version — the next step it opens has the
    old name and the old time limit, while a case started after the change gets the new ones."""
    from luoshi.procedures.services import definition_load

    from .conftest import preset_text

    people, units = pingdu["people"], pingdu["units"]
    with travel("2026-06-01T09:00:00+08:00"):
        old = start_parcel(land, people, units)
        text = preset_text("pingdu-nongdi-rushi").replace("name: 镇街初审", "name: 镇街初审（新）")
        text = text.replace("limit: {working_days: 5}", "limit: {working_days: 3}", 1)
        v2 = definition_load(by=None, text=text)["definition"]
        new = start_parcel(v2, people, units, title="新地块")
        for case in (old, new):
            s = open_step(case, "apply")
            upload(s, people["village_a"], "application", "resolution")
            step_decide(by=people["village_a"], step=s, decision="pass")
    a, b = open_step(old, "town_review"), open_step(new, "town_review")
    assert a.name == "镇街初审" and b.name == "镇街初审（新）"
    # opened Mon 2026-06-01, counted from the next day: 5 working days end at 24:00 of Mon 06-08; 3 at 24:00 of 06-04
    from django.utils import timezone
    assert timezone.localtime(a.due_at) == timezone.make_aware(dt.datetime(2026, 6, 9))
    assert timezone.localtime(b.due_at) == timezone.make_aware(dt.datetime(2026, 6, 5))


def test_where_cases_wait_longest_with_time_travel_over_national_day(client, land, pingdu, travel):
    """The overview's per-step figures by hand: days waited at the open steps (calendar days), and the working days
    the passed steps took (the intake calendar: 国庆 10-01…10-07 do not count), and the steps ordered by wait."""
    from django.urls import reverse

    from luoshi.procedures import selectors

    people, units = pingdu["people"], pingdu["units"]

    def pass_apply(case):
        s = open_step(case, "apply")
        upload(s, people["village_a"], "application", "resolution")
        step_decide(by=people["village_a"], step=s, decision="pass")

    with travel("2026-09-29T09:00:00+08:00"):
        a = start_parcel(land, people, units, title="甲")
    with travel("2026-09-30T09:00:00+08:00"):
        start_parcel(land, people, units, title="丁")  # still at apply on 10-12: 12 days
    with travel("2026-10-08T09:00:00+08:00"):
        b = start_parcel(land, people, units, title="乙")
    with travel("2026-10-09T15:00:00+08:00"):
        pass_apply(a)  # 09-30, 10-08, 10-09: 3 working days (10 calendar days)
        pass_apply(b)  # 10-09: 1 working day
    with travel("2026-10-12T09:00:00+08:00"):
        start_parcel(land, people, units, title="丙")  # 0 days
        stats = {s["code"]: s for s in selectors.step_stats(people["pd_office"], land.code)}
        client.force_login(people["pd_office"])
        page = client.get(reverse("procedures_overview", args=[land.code])).content.decode()
    assert {k: stats["apply"][k] for k in ("waiting", "wait_max", "wait_mean", "done", "work_mean")} == \
        {"waiting": 2, "wait_max": 12, "wait_mean": 6.0, "done": 2, "work_mean": 2.0}
    assert {k: stats["town_review"][k] for k in ("waiting", "wait_max", "wait_mean", "done", "work_mean")} == \
        {"waiting": 2, "wait_max": 3, "wait_mean": 3.0, "done": 0, "work_mean": None}
    assert stats["joint_nr"]["waiting"] == 0 and stats["joint_nr"]["wait_mean"] is None
    assert "等待最久的环节：申请（村集体民主决策）（平均已等 6.0 天，2 件）、镇街初审（平均已等 3.0 天，2 件）" in page
    nancun = {s["code"]: s for s in selectors.step_stats(people["nancun"], land.code)}
    assert nancun["apply"]["waiting"] == 2  # the town sees its villages' cases: the same four here
    renzhao = {s["code"]: s for s in selectors.step_stats(people["renzhao"], land.code)}
    assert renzhao["apply"]["waiting"] == 0 and renzhao["apply"]["done"] == 0  # none of its villages
