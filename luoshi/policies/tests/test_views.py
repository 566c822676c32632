import io

import openpyxl
import pytest
from django.urls import reverse

from luoshi.org.services import person_create
from luoshi.policies import services
from luoshi.policies.models import Clause, Payout, PayoutBatch

from .conftest import clause_input


@pytest.fixture
def boss(enterprises, cast):
    p = person_create(by=None, username="boss", full_name="海纳科技 王总", unit=None, email="boss@example.org")
    services.enterprise_member_add(by=cast["office"], enterprise=enterprises["nearly"], person=p)
    return p


def test_dictionary_and_clause_pages(client_for, cast, clause, enterprises):
    c = client_for(cast["liaison_dept"])
    r = c.get(reverse("policies_index"), {"q": "研发"})
    assert r.status_code == 200 and "研发投入奖励" in r.content.decode()
    r = c.get(reverse("policies_clause", args=[clause.pk]))
    body = r.content.decode()
    assert r.status_code == 200 and enterprises["good"].name in body and "计算名单" in body
    assert enterprises["bad"].name not in body


def test_other_departments_cannot_edit_or_batch(client_for, cast, clause):
    c = client_for(cast["liaison_a"])
    assert c.get(reverse("policies_clause", args=[clause.pk])).status_code == 200  # published: readable
    assert c.get(reverse("policies_clause_edit", args=[clause.pk])).status_code == 403
    assert c.post(reverse("policies_batch_new", args=[clause.pk]), {"period": "2026"}).status_code == 403
    assert not PayoutBatch.objects.exists()
    Clause.objects.filter(pk=clause.pk).update(is_published=False)
    assert c.get(reverse("policies_clause", args=[clause.pk])).status_code == 404
    assert client_for(cast["liaison_dept"]).get(reverse("policies_clause", args=[clause.pk])).status_code == 200


def test_edit_shows_the_rules_error_on_its_field(client_for, cast, clause, vocab, city):
    c = client_for(cast["liaison_dept"])
    data = {"title": "研发投入奖励", "theme": vocab["theme"].pk, "tags": [vocab["tag"].pk], "declare_type": "奖励类",
            "beneficiary": "企业", "condition_text": "略", "rules": "注册地 = 崂山区\n营收 >= 1万元", "amount_rule": "固定 1万元",
            "dept": city["dept"].pk, "no_application": "on", "is_published": "on"}
    r = c.post(reverse("policies_clause_edit", args=[clause.pk]), {**data, "rules": "注册地 = 崂山区\n营收 >= 1万元\n研发投入占比 >= 3"})
    assert r.status_code == 200 and r.context["form"].errors["rules"][0].startswith("第2行")
    assert r.context["form"].errors["rules"][1].startswith("第3行")  # each problem on its own, as the import lists them
    clause.refresh_from_db()
    assert clause.version == 1
    data["rules"] = "注册地 = 崂山区"
    r = c.post(reverse("policies_clause_edit", args=[clause.pk]), {**data, "reason": "简化"})
    assert r.status_code == 302
    clause.refresh_from_db()
    assert clause.version == 2 and clause.amount_rule == "固定 1万元"


def test_enterprise_user_sees_only_its_own(client_for, boss, enterprises, clause):
    c = client_for(boss)
    r = c.get(reverse("policies_index"))
    assert r.status_code == 302 and r.url == reverse("policies_enterprise", args=[enterprises["nearly"].pk])
    r = c.get(r.url)
    body = r.content.decode()
    assert "差一项即可享受" in body and "研发投入占比 &gt;= 3%" in body and "2.5%" in body
    assert c.get(reverse("policies_enterprise", args=[enterprises["good"].pk])).status_code == 404
    assert c.get(reverse("policies_enterprises")).content.decode().count("青岛测试企业") == 1
    # the enterprise updates its profile and now qualifies
    r = c.post(reverse("policies_enterprise", args=[enterprises["nearly"].pk]), {"研发投入占比": "3.5%"})
    assert r.status_code == 302
    body = c.get(r.url).content.decode()
    assert "企业填报" in body
    r = c.post(reverse("policies_enterprise", args=[enterprises["good"].pk]), {"研发投入占比": "9%"})
    assert r.status_code == 404


def test_bad_profile_value_is_named_and_kept(client_for, boss, enterprises):
    c = client_for(boss)
    r = c.post(reverse("policies_enterprise", args=[enterprises["nearly"].pk]), {"上年营业收入": "好多钱"})
    body = r.content.decode()
    assert r.status_code == 200 and "上年营业收入：" in body and "好多钱" in body


def test_batch_flow_in_pages(client_for, cast, clause, enterprises, boss):
    c = client_for(cast["liaison_dept"])
    r = c.post(reverse("policies_batch_new", args=[clause.pk]), {"period": "2026年度"})
    batch = PayoutBatch.objects.get()
    assert r.url == reverse("policies_batch", args=[batch.pk])
    assert client_for(cast["liaison_a"]).get(r.url).status_code == 404
    assert client_for(cast["liaison_a"]).post(reverse("policies_batch_action", args=[batch.pk]),
                                              {"action": "confirm"}).status_code == 404
    x = c.get(r.url + "?format=xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(x.content))
    assert wb.active.max_row == 3  # header + 2 enterprises
    c.post(reverse("policies_batch_action", args=[batch.pk]), {"action": "confirm", "paid_on": "2026-03-02"})
    batch.refresh_from_db()
    assert batch.state == "confirmed" and batch.count == Payout.objects.filter(confirmed=True).count() == 2
    rep = c.get(reverse("policies_report"), {"by": "theme", "format": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(rep.content)).active
    assert ws.cell(2, 1).value == "科技创新" and ws.cell(2, 4).value == float(batch.total)
    doc = c.get(reverse("policies_report_docx"), {"by": "clause"})
    import docx
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(doc.content)).paragraphs)
    assert "免申即享" in text and f"{batch.total:,.2f}" in text


def test_import_page_shows_located_errors(client_for, cast, clause):
    c = client_for(cast["liaison_dept"])
    t = c.get(reverse("policies_import"), {"template": "clauses"})
    wb = openpyxl.load_workbook(io.BytesIO(t.content))
    wb.active.cell(2, 14).value = "营收 >= 1"  # 条件规则
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "t.xlsx"
    r = c.post(reverse("policies_import"), {"kind": "clauses", "file": buf})
    body = r.content.decode()
    assert "第2行" in body and "条件规则" in body and "营收" in body
    assert Clause.objects.count() == 1
    assert client_for(cast["liaison_a"]).get(reverse("policies_import")).status_code == 200
    assert client_for(cast["evaluator"]).get(reverse("policies_import")).status_code == 403


def test_public_search_stores_nothing(client, clause, django_assert_max_num_queries):
    from luoshi.core.models import JournalEntry
    from luoshi.policies.models import Enterprise, EnterpriseAttribute

    before = (Enterprise.objects.count(), EnterpriseAttribute.objects.count(), JournalEntry.objects.count())
    r = client.get(reverse("portal_policies"), {"q": "研发投入", "match": "1", "注册地": "崂山区", "企业规模": "小型",
                                                "上年营业收入": "3000万元", "研发投入占比": "4%", "失信": "否"})
    body = r.content.decode()
    assert r.status_code == 200 and "研发投入奖励" in body and "可能适用的政策 1 条" in body
    assert (Enterprise.objects.count(), EnterpriseAttribute.objects.count(), JournalEntry.objects.count()) == before
    assert "sessionid" not in r.cookies
    r = client.get(reverse("portal_policies"), {"match": "1", "上年营业收入": "很多"})
    assert "不是金额" in r.content.decode() or "不是" in r.content.decode()
    Clause.objects.filter(pk=clause.pk).update(is_published=False)
    assert "研发投入奖励" not in client.get(reverse("portal_policies")).content.decode()
    assert client.get(reverse("portal_policy_clause", args=[clause.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, clause):
    r = client.get(reverse("policies_index"))
    assert r.status_code == 302 and "login" in r.url


def test_list_queries_do_not_grow(client_for, cast, clause, vocab, city, policy, django_assert_max_num_queries):
    c = client_for(cast["liaison_dept"])
    for i in range(2, 12):
        services.clause_create(by=cast["liaison_dept"], policy=policy, code=f"LS-KJ-1{i:02d}", data=clause_input(vocab, city))
    with django_assert_max_num_queries(14):
        assert c.get(reverse("policies_index")).status_code == 200


def test_public_match_is_saved_only_when_the_enterprise_asks(client_for, cast, boss, enterprises, clause):
    from luoshi.policies.models import EnterpriseAttribute

    c = client_for(boss)
    e = enterprises["nearly"]
    query = {"match": "1", "注册地": "崂山区", "研发投入占比": "6%", "资质": ["专精特新", "高新技术企业"]}
    body = c.get(reverse("portal_policies"), query).content.decode()
    e.refresh_from_db()
    assert e.profile_version == 1 and "保存到本企业画像" in body  # nothing stored by looking
    r = c.post(reverse("policies_enterprise", args=[e.pk]), {"研发投入占比": "6%", "资质": "专精特新、高新技术企业",
                                                             "reason": "公开查询页填写"})
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.profile["研发投入占比"] == "6" and e.profile["资质"] == ["专精特新", "高新技术企业"]
    assert EnterpriseAttribute.objects.get(enterprise=e, key="资质").source == "enterprise"
    # a visitor who is not an enterprise user is not offered the save
    assert "保存到本企业画像" not in client_for(cast["outsider"]).get(reverse("portal_policies"), query).content.decode()


def test_public_search_reads_a_fixed_number_of_queries_and_caps_the_count(client, clause, vocab, city, cast, policy,
                                                                          monkeypatch, django_assert_num_queries):
    """Page rows, the three menus and (only when the page is full) one count, however many clauses match;
    past the cap the pager says "more than" instead of counting everything."""
    from luoshi.policies import views_public

    for i in range(2, 6):
        services.clause_create(by=cast["liaison_dept"], policy=policy, code=f"LS-KJ-2{i:02d}", data=clause_input(vocab, city))
    monkeypatch.setattr(views_public, "PAGE_SIZE", 2)
    with django_assert_num_queries(5):  # rows, themes, tags, 申报类型, count
        body = client.get(reverse("portal_policies"), {"q": "研发"}).content.decode()
    assert "共 5 项" in body and body.count("研发投入奖励") == 2
    monkeypatch.setattr(views_public, "COUNT_CAP", 3)
    body = client.get(reverse("portal_policies"), {"q": "研发", "page": "2"}).content.decode()
    assert "超过 3 项" in body and "第 2 页" in body
    with django_assert_num_queries(4):  # one page holds them all: no count
        body = client.get(reverse("portal_policies"), {"q": "LS-KJ-203"}).content.decode()
    assert body.count("研发投入奖励") == 1
