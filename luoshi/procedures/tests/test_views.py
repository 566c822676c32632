"""Pages: the right people see them, the other town's people are refused; a case moves through the web forms;
Excel export opened back; imports all or nothing with located errors; the public notices; figures equal lists."""
import io
from decimal import Decimal

import openpyxl
from django.urls import reverse

from luoshi.procedures.models import Case, Institution

from .conftest import open_step, run_to, start_parcel

PW = "pw-123456"


def login(client, person):
    client.force_login(person)
    return client


def test_pages_for_the_town_and_refusals_for_the_other(client, land, pingdu, django_assert_max_num_queries):
    people, units = pingdu["people"], pingdu["units"]
    case = start_parcel(land, people, units)
    login(client, people["nancun"])
    for url in (reverse("procedures_index"), reverse("procedures_cases", args=[land.code]),
                reverse("procedures_case", args=[case.pk]), reverse("procedures_overview", args=[land.code])):
        r = client.get(url)
        assert r.status_code == 200, url
    assert case.number in client.get(reverse("procedures_cases", args=[land.code])).content.decode()
    login(client, people["renzhao"])
    assert client.get(reverse("procedures_case", args=[case.pk])).status_code == 404
    assert case.number not in client.get(reverse("procedures_cases", args=[land.code])).content.decode()
    step = open_step(case, "apply")
    r = client.post(reverse("procedures_step_decide", args=[case.pk, step.pk]), {"decision": "pass"})
    assert r.status_code == 404
    login(client, people["village_c"])
    assert client.get(reverse("procedures_case", args=[case.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("procedures_cases", args=[land.code])).status_code == 302


def test_the_list_costs_the_same_queries_for_more_cases(client, land, pingdu, django_assert_max_num_queries):
    people, units = pingdu["people"], pingdu["units"]
    login(client, people["pd_office"])
    start_parcel(land, people, units)
    url = reverse("procedures_cases", args=[land.code])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(6):
        start_parcel(land, people, units, title=f"地块{i}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_a_case_through_the_web_forms(client, land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    login(client, people["village_a"])
    r = client.post(reverse("procedures_case_new", args=[land.code]),
                    {"title": "郭庄村 3 号地块", "unit": units["village_a"].pk, "f_area_mu": "四十", "f_land_use": "industrial",
                     "f_grade": "outer_second", "f_method": "auction"})
    assert r.status_code == 400 and "面积（亩）" in r.content.decode() and Case.objects.count() == 0
    r = client.post(reverse("procedures_case_new", args=[land.code]),
                    {"title": "郭庄村 3 号地块", "unit": units["village_a"].pk, "f_area_mu": "40", "f_land_use": "industrial",
                     "f_grade": "outer_second", "f_method": "auction"})
    case = Case.objects.get()
    assert r.status_code == 302
    step = open_step(case, "apply")
    decide = reverse("procedures_step_decide", args=[case.pk, step.pk])
    r = client.post(decide, {"decision": "pass"}, follow=True)
    assert "请先上传" in r.content.decode()
    upload = reverse("procedures_step_upload", args=[case.pk, step.pk])
    for code in ("application", "resolution"):
        f = io.BytesIO(b"%PDF-1.4 x")
        f.name = f"{code}.pdf"
        client.post(upload, {"document": code, "files": [f]})
    r = client.post(decide, {"decision": "pass", "comment": "同意"})
    assert r.status_code == 302
    assert open_step(case, "town_review")
    page = client.get(reverse("procedures_case", args=[case.pk])).content.decode()
    doc = step.documents.first()
    assert reverse("procedures_file", args=[doc.pk]) in page
    assert client.get(reverse("procedures_file", args=[doc.pk])).status_code == 200
    login(client, people["village_c"])
    assert client.get(reverse("procedures_file", args=[doc.pk])).status_code == 404


def test_export_opens_back_with_the_cases_and_their_amounts(client, land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    case = start_parcel(land, people, units)
    run_to(case, land, people, "contract")
    start_parcel(land, people, units, title="沙梁村地块", village="village_c")
    login(client, people["nancun"])
    r = client.get(reverse("procedures_cases", args=[land.code]) + "?format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in ws[3]]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert len(rows) == 1 and rows[0][0] == case.number  # the other town's case is not exported
    line = dict(zip(header, rows[0]))
    assert line["当前环节"] == "签订出让合同" and line["土地用途"].startswith("工矿仓储")
    assert Decimal(str(line["土地增值收益调节金"])) == Decimal("448000")  # 5,600,000 × 8%


def xlsx_of(rows) -> bytes:
    """An .xlsx file of these rows (the first sheet), as bytes to upload."""
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_case_import_is_all_or_nothing_with_located_errors(client, land, pingdu):
    people = pingdu["people"]
    login(client, people["pd_office"])
    header = ["名称", "申请单位", "面积（亩）", "土地用途", "基准地价级别", "交易方式", "当前环节"]
    bad = xlsx_of([header, ["甲地块", "南村镇郭庄村", 30, "商服用地", "城区外一等镇", "拍卖", ""],
                 ["乙地块", "不存在村", "三十", "住宅", "城区外一等镇", "拍卖", "开会"]])
    f = io.BytesIO(bad)
    f.name = "x.xlsx"
    r = client.post(reverse("procedures_case_import", args=[land.code]), {"file": f})
    text = r.content.decode()
    assert r.status_code == 400 and Case.objects.count() == 0
    assert "第3行“B（申请单位）”列" in text and "第3行“C（面积（亩））”列" in text and "第3行“G（当前环节）”列" in text
    good = xlsx_of([header, ["甲地块", "南村镇郭庄村", 30, "商服用地", "城区外一等镇", "拍卖", ""],
                  ["乙地块", "仁兆镇沙梁村", 12.5, "工矿仓储用地和非经营性公共管理与公共服务用地", "城区外三等镇", "挂牌", "公告及交易"]])
    f = io.BytesIO(good)
    f.name = "x.xlsx"
    assert client.post(reverse("procedures_case_import", args=[land.code]), {"file": f}).status_code == 302
    b = Case.objects.get(title="乙地块")
    assert b.fields["area_mu"] == "12.50" and "approve" in b.passed and open_step(b, "trade")
    login(client, people["nancun"])
    assert client.get(reverse("procedures_case_import", args=[land.code])).status_code == 403


def test_institution_import_and_refusals(client, yanfa, pingdu):
    people = pingdu["people"]
    login(client, people["bianban"])
    header = ["机构名称", "领域", "举办单位", "登记管理机关", "法人证书号", "证书起始日", "证书到期日", "最近运行日期"]
    bad = xlsx_of([header, ["海洋研究院", "海洋", "中国海洋大学", "市委机构编制委员会办公室", "", "2022-01-01", "2027-01-01", "2025-06-01"],
                 ["海洋研究院", "海洋", "无此大学", "市委机构编制委员会办公室", "", "2022-01-01", "明年", "2025-06-01"]])
    f = io.BytesIO(bad)
    f.name = "i.xlsx"
    r = client.post(reverse("procedures_institution_import"), {"file": f})
    text = r.content.decode()
    assert r.status_code == 400 and Institution.objects.count() == 0
    assert "与第 2 行重复" in text and "找不到单位“无此大学”" in text and "第3行“G（证书到期日）”列" in text
    good = xlsx_of([header, ["海洋研究院", "海洋", "中国海洋大学", "市委机构编制委员会办公室", "N1", "2022-01-01", "2027-01-01", "2025-06-01"]])
    f = io.BytesIO(good)
    f.name = "i.xlsx"
    assert client.post(reverse("procedures_institution_import"), {"file": f}).status_code == 302
    inst = Institution.objects.get()
    login(client, people["host"])
    assert client.get(reverse("procedures_institution", args=[inst.pk])).status_code == 200
    login(client, people["host2"])
    assert client.get(reverse("procedures_institution", args=[inst.pk])).status_code == 404
    login(client, people["nancun"])
    f = io.BytesIO(good)
    f.name = "i.xlsx"
    assert client.post(reverse("procedures_institution_import"), {"file": f}).status_code in (400, 403)
    assert Institution.objects.count() == 1


def test_institution_import_refusal_from_the_service_names_the_column(client, yanfa, pingdu):
    """A refusal only the service finds (the certificate ending before it starts) named the column by the
    service's field code ("cert_expires"); now by the sheet's column, like every other refusal."""
    login(client, pingdu["people"]["bianban"])
    header = ["机构名称", "领域", "举办单位", "登记管理机关", "法人证书号", "证书起始日", "证书到期日", "最近运行日期"]
    f = io.BytesIO(xlsx_of([header, ["海洋研究院", "海洋", "中国海洋大学", "市委机构编制委员会办公室", "", "2027-01-01",
                                     "2022-01-01", "2025-06-01"]]))
    f.name = "i.xlsx"
    r = client.post(reverse("procedures_institution_import"), {"file": f})
    text = r.content.decode()
    assert r.status_code == 400 and Institution.objects.count() == 0
    assert "第2行“G（证书到期日）”列" in text and "证书到期日须晚于起始日" in text and "cert_expires" not in text


def test_public_notices_show_public_fields_only(client, land, pingdu):
    people, units = pingdu["people"], pingdu["units"]
    case = start_parcel(land, people, units)
    run_to(case, land, people, "contract")
    r = client.get(reverse("portal_procedure_notices"))
    text = r.content.decode()
    assert r.status_code == 200 and "交易公告" in text and "成交公示" in text
    result = case.notices.get(kind="result")
    text = client.get(reverse("portal_procedure_notice", args=[result.pk])).content.decode()
    assert "5,600,000.00" in text and "土地成本" not in text and "800,000" not in text


def test_town_figures_equal_their_lists(client, land, pingdu):
    from luoshi.procedures import selectors

    people, units = pingdu["people"], pingdu["units"]
    for i in range(2):
        run_to(start_parcel(land, people, units, title=f"郭庄{i}"), land, people, "contract")
    start_parcel(land, people, units, title="三城", village="village_b")
    start_parcel(land, people, units, title="沙梁", village="village_c")
    towns, total = selectors.town_figures(people["pd_office"], land.code)
    for t in towns:
        listed = list(selectors.cases_for(people["pd_office"], code=land.code, town=t["town_id"]))
        assert t["cases"] == len(listed)
        assert t["sold"] == sum(1 for c in listed if c.amounts)
        assert t["adjustment"] == sum((Decimal(a["value"]) for c in listed for a in c.amounts if a["code"] == "adjustment"),
                                      Decimal(0))
    assert total["cases"] == 4 and total["sold"] == 2 and total["area"] == Decimal("85.00")
    nancun = selectors.town_figures(people["nancun"], land.code)[1]
    assert nancun["cases"] == 3
    stats = {s["code"]: s for s in selectors.step_stats(people["pd_office"], land.code)}
    assert stats["apply"]["waiting"] == 2 and stats["contract"]["waiting"] == 2
    login(client, people["pd_office"])
    page = client.get(reverse("procedures_overview", args=[land.code])).content.decode()
    assert "1,120.00" in page or "112.00" in page  # 2 × 5,600,000 元 = 1,120 万元
