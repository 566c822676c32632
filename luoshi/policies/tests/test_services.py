import io
import threading
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.inbox import inbox_source
from luoshi.core.models import JournalEntry
from luoshi.org.scopes import scope_for
from luoshi.policies import selectors, services
from luoshi.policies.conditions import NEARLY, QUALIFIES
from luoshi.policies.models import (BatchState, Clause, ClauseVersion, Enterprise, EnterpriseAttribute, Payout,
                                    PayoutBatch)

from .conftest import clause_input, make_enterprise


def xlsx(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "条款"
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def snapshot_db():
    return (Clause.objects.count(), ClauseVersion.objects.count(), Enterprise.objects.count(),
            EnterpriseAttribute.objects.count(), JournalEntry.objects.count())


# ---- clauses and versions ----------------------------------------------------------------------------

def test_a_change_makes_a_new_version_and_payouts_keep_the_old(clause, cast, enterprises, vocab, city):
    batch = services.batch_compute(by=cast["liaison_dept"], clause=clause, period="2026")
    services.batch_confirm(by=cast["liaison_dept"], batch=batch)
    services.clause_update(by=cast["liaison_dept"], clause=clause, reason="提高比例",
                           data=clause_input(vocab, city, amount_rule="比例 研发投入 20% 封顶 100万元"))
    clause.refresh_from_db()
    assert clause.version == 2
    old = ClauseVersion.objects.get(clause=clause, number=1)
    assert old.data["amount_rule"] == "比例 研发投入 10% 封顶 100万元"
    payout = Payout.objects.get(batch=batch, enterprise=enterprises["good"])
    assert payout.batch.clause_version == old and payout.amount == Decimal("120000.00")
    # unchanged input: no new version, no journal
    n = JournalEntry.objects.count()
    services.clause_update(by=cast["liaison_dept"], clause=clause, data=clause_input(vocab, city, amount_rule="比例 研发投入 20% 封顶 100万元"))
    clause.refresh_from_db()
    assert clause.version == 2 and JournalEntry.objects.count() == n


def test_bad_rules_are_refused_with_the_line(clause, cast, vocab, city):
    with pytest.raises(ServiceError) as e:
        services.clause_update(by=cast["liaison_dept"], clause=clause,
                               data=clause_input(vocab, city, rules="注册地 = 崂山区\n营收 >= 1万元"))
    assert e.value.field == "rules" and "第2行" in e.value.message
    clause.refresh_from_db()
    assert clause.version == 1


def test_tags_must_belong_to_the_theme(clause, cast, vocab, city):
    with pytest.raises(ServiceError, match="不属于主题"):
        services.clause_update(by=cast["liaison_dept"], clause=clause, data=clause_input(vocab, city, tags=[vocab["tag_other"]]))


def test_only_the_responsible_department_changes_a_clause(clause, cast, vocab, city):
    for who in ("liaison_a", "outsider", "leader"):
        with pytest.raises(PermissionDeniedError):
            services.clause_update(by=cast[who], clause=clause, data=clause_input(vocab, city, title="改"))
    assert not Clause.objects.manageable_by(scope_for(cast["liaison_a"])).exists()
    assert Clause.objects.manageable_by(scope_for(cast["office"])).filter(pk=clause.pk).exists()


# ---- import ----------------------------------------------------------------------------------------

HEAD = [h for _k, h, _r in services.CLAUSE_COLUMNS]


def row(**kw):
    base = {"条款编号": "LS-KJ-002", "文件名": "崂山区支持科技创新若干政策", "文号": "崂政发〔2026〕1号", "发文单位": "崂山区人民政府",
            "适用区域": "崂山区", "条款名称": "高企认定奖励", "主题": "科技创新", "标签": "研发投入", "申报类型": "奖励类",
            "享受对象": "新认定高新技术企业", "享受条件": "首次认定", "条件规则": "资质 包含 高新技术企业", "金额规则": "固定 20万元",
            "责任单位": "区行政审批服务局", "免申即享": "是"}
    base.update(kw)
    return [base.get(h, "") for h in HEAD]


def test_import_creates_and_updates_all_or_nothing(clause, cast, vocab, policy):
    result = services.clauses_import(by=cast["liaison_dept"], data=xlsx([HEAD, row(), row(条款编号="LS-KJ-001",
                                     条款名称="研发投入奖励（修订）", 条件规则="研发投入占比 >= 5%", 金额规则="固定 1万元")]))
    assert result == {"created": 1, "updated": 1, "unchanged": 0}
    clause.refresh_from_db()
    assert clause.version == 2 and clause.title == "研发投入奖励（修订）"
    assert Clause.objects.get(code="LS-KJ-002").policy == policy
    # a 政策文件 the sheet names for the first time is created with its journal row, as on the page
    services.clauses_import(by=cast["liaison_dept"], data=xlsx([HEAD, row(条款编号="LS-KJ-003", 文件名="崂山区新文件")]))
    new = Clause.objects.get(code="LS-KJ-003").policy
    assert new.title == "崂山区新文件"
    entry = JournalEntry.objects.get(verb="policy.policy_create", object_id=str(new.pk))
    assert entry.changes["title"] == "崂山区新文件" and entry.actor == cast["liaison_dept"]


def test_import_refuses_a_document_number_or_issuer_it_would_drop(clause, cast, vocab, policy):
    """The 文号/发文单位 of a 政策文件 already registered, or of a new one named again further down, were ignored
    when they differed (the document is written once); now the cell is refused and nothing is written."""
    before = snapshot_db()
    data = xlsx([HEAD, row(条款编号="LS-KJ-003", 发文单位="别的单位"),
                 row(条款编号="LS-KJ-004", 文件名="新文件", 文号="崂政发〔2026〕1号"),
                 row(条款编号="LS-KJ-005", 文件名="新文件", 文号="崂政发〔2026〕2号")])
    with pytest.raises(ImportFailed) as e:
        services.clauses_import(by=cast["liaison_dept"], data=data)
    text = [str(x) for x in e.value.errors]
    assert len(text) == 2, text
    assert "第2行" in text[0] and "“发文单位”列" in text[0] and "已登记的该文件" in text[0]
    assert "第4行" in text[1] and "“文号”列" in text[1] and "与本表第3行的“崂政发〔2026〕1号”不同" in text[1]
    assert snapshot_db() == before
    # the same values, or a blank 文号 for a registered document, are no change and import
    services.clauses_import(by=cast["liaison_dept"], data=xlsx([HEAD, row(条款编号="LS-KJ-003", 文号="")]))


def test_import_refusal_names_row_and_column_and_writes_nothing(clause, cast, vocab):
    before = snapshot_db()
    data = xlsx([HEAD, row(), row(条款编号="LS-KJ-003", 条件规则="注册地 = 崂山区\n研发投入占比 >= 3"),
                 row(条款编号="LS-KJ-004", 主题="火星开发"), row(条款编号="LS-KJ-002")])
    with pytest.raises(ImportFailed) as e:
        services.clauses_import(by=cast["liaison_dept"], data=data)
    text = [str(x) for x in e.value.errors]
    assert any("第3行" in t and "“条件规则”列" in t and "第2行" in t and "百分比" in t for t in text)
    assert any("第4行" in t and "“主题”列" in t for t in text)
    assert any("第5行" in t and "与第2行重复" in t for t in text)
    assert snapshot_db() == before


def test_import_refuses_clauses_of_another_department(clause, cast, vocab):
    before = snapshot_db()
    with pytest.raises(ImportFailed, match="您不负责"):
        services.clauses_import(by=cast["liaison_a"], data=xlsx([HEAD, row()]))
    with pytest.raises(ImportFailed, match="不认识的列"):
        services.clauses_import(by=cast["liaison_dept"], data=xlsx([HEAD + ["备注栏"], row()]))
    assert snapshot_db() == before


def test_enterprise_import_keeps_source_and_date_and_refuses_whole(city, cast, clause):
    head = ["统一社会信用代码", "企业名称", "所在区域", "数据日期", "上年营业收入", "研发投入占比", "资质", "失信"]
    good = [head, ["91370212MA3C000001", "青岛海纳科技有限公司", "中韩街道", "2026-01-31", "3500万元", "4.2", "专精特新、高新技术企业", "否"]]
    result = services.enterprises_import(by=cast["office"], data=xlsx(good))
    assert result["created"] == 1
    e = Enterprise.objects.get(credit_code="91370212MA3C000001")
    assert e.profile["上年营业收入"] == "35000000" and e.profile["资质"] == ["专精特新", "高新技术企业"]
    attr = EnterpriseAttribute.objects.get(enterprise=e, key="研发投入占比")
    assert attr.source == "import" and str(attr.as_of) == "2026-01-31"
    before = snapshot_db()
    bad = [head, ["91370212MA3C000002", "青岛二号有限公司", "中韩街道", "", "很多", "4", "", "否"],
           ["123", "青岛三号有限公司", "火星街道", "", "", "", "火箭企业", ""]]
    with pytest.raises(ImportFailed) as err:
        services.enterprises_import(by=cast["office"], data=xlsx(bad))
    text = " ".join(str(x) for x in err.value.errors)
    for words in ("第2行“上年营业收入”列", "第3行“统一社会信用代码”列", "第3行“所在区域”列", "第3行“资质”列"):
        assert words in text
    assert snapshot_db() == before
    with pytest.raises(ImportFailed, match="您不负责"):
        services.enterprises_import(by=cast["outsider"], data=xlsx(good))


def test_profile_update_by_the_enterprise_and_the_department(city, cast, enterprises, clause):
    from luoshi.org.services import person_create

    e = enterprises["nearly"]
    boss = person_create(by=None, username="boss", full_name="企业用户", unit=None, email="b@example.org")
    services.enterprise_member_add(by=cast["office"], enterprise=e, person=boss)
    services.enterprise_profile_update(by=boss, enterprise=e, values={"研发投入占比": "3.2%"})
    e.refresh_from_db()
    assert e.profile["研发投入占比"] == "3.2" and e.profile_version == 2
    assert EnterpriseAttribute.objects.get(enterprise=e, key="研发投入占比").source == "enterprise"
    services.enterprise_profile_update(by=cast["liaison_dept"], enterprise=e, values={"研发投入占比": "3.1"})
    assert EnterpriseAttribute.objects.get(enterprise=e, key="研发投入占比").source == "department"
    with pytest.raises(ServiceError) as err:
        services.enterprise_profile_update(by=boss, enterprise=e, values={"上年营业收入": "好多"})
    assert err.value.field == "上年营业收入"
    # a text attribute and the reason are kept whole or refused, not cut to 100 / 200 characters
    with pytest.raises(ServiceError, match="最多 100 字，现有 101 字") as err:
        services.enterprise_profile_update(by=boss, enterprise=e, values={"注册地": "崂" * 101})
    assert err.value.field == "注册地"
    with pytest.raises(ServiceError, match="说明最多 200 字") as err:
        services.enterprise_profile_update(by=boss, enterprise=e, values={"注册地": "市南区"}, reason="因" * 201)
    assert err.value.field == "reason" and Enterprise.objects.get(pk=e.pk).profile.get("注册地") != "市南区"
    services.enterprise_profile_update(by=boss, enterprise=e, values={"注册地": "崂" * 100}, reason="因" * 200)
    assert Enterprise.objects.get(pk=e.pk).profile["注册地"] == "崂" * 100
    with pytest.raises(PermissionDeniedError):
        services.enterprise_profile_update(by=boss, enterprise=enterprises["good"], values={"失信": "否"})
    with pytest.raises(PermissionDeniedError):
        services.enterprise_profile_update(by=cast["outsider"], enterprise=e, values={"失信": "否"})
    # the enterprise user sees only its own enterprise
    assert list(Enterprise.objects.visible_to(scope_for(boss))) == [e]


# ---- matching ---------------------------------------------------------------------------------------

def test_enterprise_matches_explain_and_name_the_missing_condition(clause, enterprises):
    [(c, m)] = selectors.enterprise_matches(enterprise=enterprises["good"])
    assert c == clause and m.verdict == QUALIFIES and m.amount.value == Decimal("120000.00")
    assert "研发投入 120万元 × 10%" in m.amount.why
    assert all(o.status == "pass" for o in m.outcomes) and m.outcomes[2].actual == "上年营业收入：3000万元"
    [(c, m)] = selectors.enterprise_matches(enterprise=enterprises["nearly"])
    assert m.verdict == NEARLY and [o.condition.source for o in m.missing] == ["研发投入占比 >= 3%"]
    assert m.missing[0].actual == "研发投入占比：2.5%"
    assert selectors.enterprise_matches(enterprise=enterprises["bad"]) == []
    assert selectors.enterprise_matches(enterprise=enterprises["elsewhere"]) == []  # another district's policy


def test_clause_matches_follow_the_users_scope(clause, cast, enterprises):
    names = {e.name for e, _m in selectors.clause_matches(user=cast["liaison_dept"], clause=clause)}
    assert names == {enterprises["good"].name, enterprises["other_street"].name}
    assert selectors.clause_matches(user=cast["outsider"], clause=clause) == []


# ---- 免申即享 -----------------------------------------------------------------------------------------

def test_batch_confirm_records_payouts_totals_and_journal(clause, cast, enterprises):
    batch = services.batch_compute(by=cast["liaison_dept"], clause=clause, period="2026")
    assert batch.state == BatchState.DRAFT
    assert inbox_source("policies.confirm").count(cast["liaison_dept"]) == 1
    assert len(inbox_source("policies.confirm").items(cast["liaison_dept"], None)) == 1
    assert inbox_source("policies.confirm").count(cast["liaison_a"]) == 0
    batch = services.batch_confirm(by=cast["liaison_dept"], batch=batch)
    paid = Payout.objects.filter(batch=batch, confirmed=True)
    assert batch.count == paid.count() == 2
    assert batch.total == sum(p.amount for p in paid) == Decimal("420000.00")  # 12万 + 30万 (封顶100万 not reached)
    assert JournalEntry.objects.filter(verb="policy.payout").count() == 2
    assert services.batch_recount(check=True) == []
    assert inbox_source("policies.confirm").count(cast["liaison_dept"]) == 0
    totals = selectors.payout_totals(user=cast["office"], by="theme")
    assert totals == [{"label": "科技创新", "total": Decimal("420000.00"), "payouts": 2, "batches": 1}]
    PayoutBatch.objects.filter(pk=batch.pk).update(total=1)
    assert services.batch_recount(check=True) and not services.batch_recount(check=True) == []
    services.batch_recount()
    assert services.batch_recount(check=True) == []


def test_nobody_is_paid_twice_for_a_clause_and_period(clause, cast, enterprises):
    first = services.batch_compute(by=cast["liaison_dept"], clause=clause, period="2026")
    second = services.batch_compute(by=cast["liaison_dept"], clause=clause, period="2026")
    services.batch_confirm(by=cast["liaison_dept"], batch=first)
    with pytest.raises(ServiceError, match="不能重复兑付"):
        services.batch_confirm(by=cast["liaison_dept"], batch=second)
    assert Payout.objects.filter(confirmed=True).count() == 2
    third = services.batch_compute(by=cast["liaison_dept"], clause=clause, period="2026")
    assert third.lines.count() == 0  # those already paid are left out
    other_period = services.batch_compute(by=cast["liaison_dept"], clause=clause, period="2027")
    assert other_period.lines.filter(excluded=False).count() == 2


def test_the_database_refuses_a_second_payout_even_without_the_check(clause, cast, enterprises):
    from django.db import IntegrityError, transaction

    batch = services.batch_compute(by=cast["liaison_dept"], clause=clause, period="2026")
    services.batch_confirm(by=cast["liaison_dept"], batch=batch)
    line = Payout.objects.filter(batch=batch).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.create(batch=batch, clause=clause, period="2026", enterprise=line.enterprise, amount=1,
                              verdict="qualifies", profile_version=1, confirmed=True)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_confirmations_pay_once(city, cast, vocab, policy, enterprises):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the racing case is for PostgreSQL")
    clause = services.clause_create(by=cast["liaison_dept"], policy=policy, code="LS-KJ-009", data=clause_input(vocab, city))
    a = services.batch_compute(by=cast["liaison_dept"], clause=clause, period="2026")
    b = services.batch_compute(by=cast["liaison_dept"], clause=clause, period="2026")
    barrier = threading.Barrier(2)
    results = []

    def confirm(batch):
        from django.db import connections
        try:
            barrier.wait()
            services.batch_confirm(by=cast["liaison_dept"], batch=batch)
            results.append("ok")
        except ServiceError:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(x,)) for x in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]
    assert Payout.objects.filter(confirmed=True).count() == 2


def test_review_lines_wait_for_the_department(clause, cast, enterprises, vocab, city):
    services.clause_update(by=cast["liaison_dept"], clause=clause,
                           data=clause_input(vocab, city, rules=clause.rules + "\n审核：上年度审计报告"))
    clause.refresh_from_db()
    batch = services.batch_compute(by=cast["liaison_dept"], clause=clause, period="2026")
    assert batch.lines.filter(excluded=False).count() == 0 and batch.lines.count() == 2
    line = batch.lines.get(enterprise=enterprises["good"])
    with pytest.raises(PermissionDeniedError):
        services.batch_line_set(by=cast["liaison_a"], line=line, excluded=False)
    services.batch_line_set(by=cast["liaison_dept"], line=line, excluded=False, reason="审计报告已核")
    batch = services.batch_confirm(by=cast["liaison_dept"], batch=batch)
    assert batch.count == 1 and batch.clause_version.number == 2


def test_batches_refuse_others_and_non_free_clauses(clause, cast, enterprises, vocab, city):
    with pytest.raises(PermissionDeniedError):
        services.batch_compute(by=cast["liaison_a"], clause=clause, period="2026")
    batch = services.batch_compute(by=cast["liaison_dept"], clause=clause, period="2026")
    for who in ("liaison_a", "outsider", "leader"):
        with pytest.raises(PermissionDeniedError):
            services.batch_confirm(by=cast[who], batch=batch)
    services.batch_cancel(by=cast["liaison_dept"], batch=batch, reason="数据有误")
    with pytest.raises(ServiceError, match="不能确认"):
        services.batch_confirm(by=cast["liaison_dept"], batch=batch)
    services.clause_update(by=cast["liaison_dept"], clause=clause, data=clause_input(vocab, city, no_application=False))
    clause.refresh_from_db()
    with pytest.raises(ServiceError, match="不是免申即享"):
        services.batch_compute(by=cast["liaison_dept"], clause=clause, period="2026")


def test_a_new_enterprise_in_scope(city, clause, cast):
    e = make_enterprise(city, 77)
    assert Enterprise.objects.visible_to(scope_for(cast["liaison_dept"])).filter(pk=e.pk).exists()
    assert Enterprise.objects.visible_to(scope_for(cast["office"])).filter(pk=e.pk).exists()
    assert not Enterprise.objects.visible_to(scope_for(cast["outsider"])).filter(pk=e.pk).exists()
    assert not Enterprise.objects.visible_to(scope_for(cast["liaison_b"])).filter(pk=e.pk).exists()


def test_recount_command(clause, cast, enterprises):
    from django.core.management import CommandError, call_command

    batch = services.batch_confirm(by=cast["liaison_dept"], batch=services.batch_compute(
        by=cast["liaison_dept"], clause=clause, period="2026"))
    call_command("policies_recount", "--check")
    PayoutBatch.objects.filter(pk=batch.pk).update(count=99)
    with pytest.raises(CommandError):
        call_command("policies_recount", "--check")
    call_command("policies_recount")
    call_command("policies_recount", "--check")


def test_import_command_refuses_with_locations(tmp_path, clause):
    from django.core.management import CommandError, call_command

    f = tmp_path / "x.xlsx"
    f.write_bytes(xlsx([HEAD, row(主题="火星")]))
    with pytest.raises(CommandError, match="第2行"):
        call_command("policies_import", "clauses", str(f))


def test_enterprise_import_updates_existing_and_keeps_other_attributes(city, cast, clause, enterprises):
    head = ["统一社会信用代码", "企业名称", "所在区域", "研发投入占比", "资质"]
    e = enterprises["nearly"]
    services.enterprises_import(by=cast["office"], data=xlsx([head, [e.credit_code, "青岛改名科技有限公司", "中韩街道", "3.5", ""]]))
    e.refresh_from_db()
    assert e.name == "青岛改名科技有限公司" and e.profile["研发投入占比"] == "3.5" and e.profile["上年营业收入"] == "30000000"
    assert e.profile_version == 2
    assert JournalEntry.objects.filter(verb="policy.enterprise_import", object_id=str(e.pk)).exists()
    # the same file again changes nothing
    assert services.enterprises_import(by=cast["office"], data=xlsx([head, [e.credit_code, "青岛改名科技有限公司", "中韩街道", "3.5", ""]]))["updated"] == 0
