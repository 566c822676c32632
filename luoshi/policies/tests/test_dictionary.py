"""Web editing of the dictionary's frame by the policy office (ADR 0027): policy documents, themes, tags and
申报类型 — within scope, journaled, refusals write nothing; a word in use by other units' clauses is theirs too."""
import pytest
from django.urls import reverse

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.models import JournalEntry
from luoshi.core.specs import SpecError, parse_yaml
from luoshi.org.services import grant_role, person_create
from luoshi.policies import dictionary, selectors, services
from luoshi.policies.models import Clause, ClauseVersion, DeclareType, Policy, Tag, Theme
from luoshi.policies.vocabulary import PolicyVocabulary

from .conftest import clause_input
from .test_services import HEAD, row, snapshot_db, xlsx


@pytest.fixture
def shinan_office(city):
    p = person_create(by=None, username="shinan_office", full_name="市南区政策办", unit=city["other_district"],
                      email="shinan@example.org")
    grant_role(by=None, person=p, role="office", unit=city["other_district"])
    return p


def found(q: str) -> list[str]:
    return list(selectors.public_clause_list(filters=selectors.ClauseFilters(q=q)).values_list("code", flat=True))


def policy_input(city, **kw):
    data = dict(title="崂山区促进数字经济发展若干政策", doc_number="崂政发〔2026〕9号", issuer="崂山区人民政府",
                region=city["district"], valid_from=None, valid_to=None)
    data.update(kw)
    return dictionary.PolicyInput(**data)


# ---- policy documents ---------------------------------------------------------------------------------

def test_office_creates_and_edits_a_policy_clauses_keep_their_versions(cast, city, clause, policy):
    created = dictionary.policy_create(by=cast["office"], data=policy_input(city))
    assert JournalEntry.objects.filter(verb="policy.policy_create", object_id=str(created.pk)).exists()
    dictionary.policy_update(by=cast["office"], policy=policy, reason="更名",
                             data=policy_input(city, title="崂山区支持海洋科技创新若干政策", doc_number=policy.doc_number,
                                               issuer=policy.issuer))
    policy.refresh_from_db()
    clause.refresh_from_db()
    assert policy.title == "崂山区支持海洋科技创新若干政策"
    assert clause.version == 1 and ClauseVersion.objects.get(clause=clause).data["policy"].startswith("崂山区支持科技创新")
    assert found("海洋") == ["LS-KJ-001"]
    entry = JournalEntry.objects.get(verb="policy.policy_update")
    assert entry.changes["title"] == ["崂山区支持科技创新若干政策", "崂山区支持海洋科技创新若干政策"] and entry.reason == "更名"


@pytest.mark.parametrize("who", ["liaison_dept", "liaison_a", "leader"])
def test_only_the_policy_office_creates_or_edits_policies(cast, city, policy, who):
    before = (Policy.objects.count(), JournalEntry.objects.count())
    with pytest.raises(PermissionDeniedError):
        dictionary.policy_create(by=cast[who], data=policy_input(city))
    with pytest.raises(PermissionDeniedError):
        dictionary.policy_update(by=cast[who], policy=policy, data=policy_input(city))
    assert (Policy.objects.count(), JournalEntry.objects.count()) == before


def test_another_districts_office_is_refused(shinan_office, city, policy, client_for):
    with pytest.raises(PermissionDeniedError):
        dictionary.policy_update(by=shinan_office, policy=policy, data=policy_input(city))
    with pytest.raises(PermissionDeniedError):
        dictionary.policy_create(by=shinan_office, data=policy_input(city))  # 崂山区 is not its region
    c = client_for(shinan_office)
    assert c.get(reverse("policies_policy_edit", args=[policy.pk])).status_code == 403
    r = c.post(reverse("policies_policy_edit", args=[policy.pk]),
               {"title": "改掉", "issuer": "x", "region": city["district"].pk})
    assert r.status_code == 403
    policy.refresh_from_db()
    assert policy.title == "崂山区支持科技创新若干政策"


def test_policy_checks_dates_and_duplicates(cast, city, policy):
    import datetime as dt

    with pytest.raises(ServiceError) as e:
        dictionary.policy_create(by=cast["office"], data=policy_input(
            city, valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2025, 12, 31)))
    assert e.value.field == "valid_to"
    with pytest.raises(ServiceError) as e:
        dictionary.policy_create(by=cast["office"], data=policy_input(city, title=policy.title))
    assert e.value.field == "title" and "同名" in e.value.message


def test_policy_pages(client_for, cast, city, policy, clause):
    office = client_for(cast["office"])
    r = office.get(reverse("policies_policies"))
    assert r.status_code == 200 and policy.title in r.content.decode() and "/edit/" in r.content.decode()
    r = office.post(reverse("policies_policy_new"), {"title": "崂山区人才新政", "issuer": "崂山区人民政府",
                                                     "region": city["district"].pk, "valid_from": "2026-01-01",
                                                     "valid_to": "2025-01-01"})
    assert r.status_code == 200 and "有效期止不能早于有效期起" in r.content.decode()
    assert not Policy.objects.filter(title="崂山区人才新政").exists()
    r = office.post(reverse("policies_policy_new"), {"title": "崂山区人才新政", "issuer": "崂山区人民政府",
                                                     "region": city["district"].pk})
    assert r.status_code == 302 and Policy.objects.filter(title="崂山区人才新政").exists()
    dept = client_for(cast["liaison_dept"])
    r = dept.get(reverse("policies_policies"))
    assert r.status_code == 200 and "/edit/" not in r.content.decode()   # reads, cannot change
    assert dept.get(reverse("policies_policy_new")).status_code == 403
    assert dept.get(reverse("policies_policy_edit", args=[policy.pk])).status_code == 403
    r = dept.get(reverse("policies_index"), {"policy": policy.pk})
    assert clause.title in r.content.decode()


# ---- vocabulary -----------------------------------------------------------------------------------------

def test_renaming_a_theme_or_tag_follows_on_clauses_and_is_journaled(cast, clause, vocab):
    dictionary.theme_save(by=cast["office"], theme=vocab["theme"], name="科技创新与成果转化")
    dictionary.tag_save(by=cast["office"], tag=vocab["tag"], theme=vocab["theme"], name="研发费用")
    assert found("成果转化") == ["LS-KJ-001"] and found("研发费用") == ["LS-KJ-001"]
    clause.refresh_from_db()
    assert clause.version == 1  # the clause says the same; it is filed under a renamed word
    verbs = set(JournalEntry.objects.values_list("verb", flat=True))
    assert {"policy.theme_update", "policy.tag_update"} <= verbs


def test_a_word_used_by_another_units_clauses_is_not_renamed_by_a_stranger(shinan_office, cast, clause, vocab):
    before = JournalEntry.objects.count()
    for call in (lambda: dictionary.theme_save(by=shinan_office, theme=vocab["theme"], name="改名"),
                 lambda: dictionary.tag_save(by=shinan_office, tag=vocab["tag"], theme=vocab["theme"], name="改名"),
                 lambda: dictionary.declare_type_save(by=shinan_office, declare_type=DeclareType.objects.get(name="奖励类"),
                                                      name="改名")):
        with pytest.raises(PermissionDeniedError):
            call()
    assert JournalEntry.objects.count() == before
    assert Theme.objects.filter(name="科技创新").exists() and Clause.objects.get().declare_type == "奖励类"
    # an unused word is anyone's (of the policy offices) to rename; a new word too
    dictionary.tag_save(by=shinan_office, tag=vocab["tag_other"], theme=vocab["other"], name="青年人才补贴")
    dictionary.declare_type_save(by=shinan_office, name="贴息类")


@pytest.mark.parametrize("who", ["liaison_dept", "liaison_a", "leader", "evaluator"])
def test_only_policy_offices_edit_the_vocabulary(cast, vocab, who):
    before = (Theme.objects.count(), Tag.objects.count(), DeclareType.objects.count(), JournalEntry.objects.count())
    for call in (lambda: dictionary.theme_save(by=cast[who], name="新主题"),
                 lambda: dictionary.tag_save(by=cast[who], theme=vocab["theme"], name="新标签"),
                 lambda: dictionary.declare_type_save(by=cast[who], name="新类型"),
                 lambda: dictionary.tag_delete(by=cast[who], tag=vocab["tag_other"])):
        with pytest.raises(PermissionDeniedError):
            call()
    assert (Theme.objects.count(), Tag.objects.count(), DeclareType.objects.count(),
            JournalEntry.objects.count()) == before


def test_words_in_use_are_not_removed_or_moved(cast, clause, vocab):
    with pytest.raises(ServiceError, match="1 条条款"):
        dictionary.tag_delete(by=cast["office"], tag=vocab["tag"])
    with pytest.raises(ServiceError):
        dictionary.theme_delete(by=cast["office"], theme=vocab["theme"])
    with pytest.raises(ServiceError):
        dictionary.declare_type_delete(by=cast["office"], declare_type=DeclareType.objects.get(name="奖励类"))
    with pytest.raises(ServiceError) as e:
        dictionary.tag_save(by=cast["office"], tag=vocab["tag"], theme=vocab["other"], name="研发投入")
    assert e.value.field == "theme"
    with pytest.raises(ServiceError) as e:
        dictionary.theme_save(by=cast["office"], name="人才引育")
    assert e.value.field == "name"
    dictionary.tag_delete(by=cast["office"], tag=vocab["tag_other"])
    dictionary.declare_type_delete(by=cast["office"], declare_type=DeclareType.objects.get(name="资助类"))
    assert not Tag.objects.filter(name="人才补贴").exists() and not DeclareType.objects.filter(name="资助类").exists()
    assert JournalEntry.objects.filter(verb__in=["policy.tag_delete", "policy.declare_type_delete"]).count() == 2


# ---- 申报类型 ----------------------------------------------------------------------------------------------

def test_declare_type_rename_renames_it_on_clauses(cast, clause):
    dictionary.declare_type_save(by=cast["office"], declare_type=DeclareType.objects.get(name="奖励类"), name="奖励扶持类")
    clause.refresh_from_db()
    assert clause.declare_type == "奖励扶持类" and found("奖励扶持类") == ["LS-KJ-001"]
    entry = JournalEntry.objects.get(verb="policy.declare_type_update")
    assert entry.changes["name"] == ["奖励类", "奖励扶持类"] and entry.changes["clauses_renamed"] == 1


def test_a_clause_needs_a_declare_type_of_the_vocabulary(cast, city, vocab, policy):
    with pytest.raises(ServiceError) as e:
        services.clause_create(by=cast["liaison_dept"], policy=policy, code="LS-X-1",
                               data=clause_input(vocab, city, declare_type="奖金类"))
    assert e.value.field == "declare_type" and "奖励类" in e.value.message  # names what may be used
    assert not Clause.objects.exists()


def test_import_refuses_a_declare_type_outside_the_vocabulary(cast, clause, vocab):
    before = snapshot_db()
    with pytest.raises(ImportFailed) as e:
        services.clauses_import(by=cast["liaison_dept"], data=xlsx([HEAD, row(), row(条款编号="LS-KJ-009", 申报类型="奖金类")]))
    text = [str(x) for x in e.value.errors]
    assert len(text) == 1 and "第3行" in text[0] and "“申报类型”列" in text[0] and "奖金类" in text[0]
    assert snapshot_db() == before


def test_the_vocabulary_preset_loads_declare_types_and_refuses_duplicates(db):
    text = "kind: policy_vocabulary\nname: 测试\nthemes:\n  - name: 科技\n    tags: [研发]\ndeclare_types: [奖励类, 补贴类]\n"
    services.vocabulary_load(by=None, spec=parse_yaml(text, PolicyVocabulary))
    assert list(DeclareType.objects.values_list("name", flat=True)) == ["奖励类", "补贴类"]
    with pytest.raises(SpecError) as e:
        parse_yaml(text.replace("[奖励类, 补贴类]", "\n  - 奖励类\n  - 补贴类\n  - 奖励类"), PolicyVocabulary, source="v.yaml")
    problem = e.value.errors[0]
    assert problem.row == 9 and "申报类型“奖励类”重复" in problem.message


def test_xihaian_preset_has_20_topics_and_34_declare_types():
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "presets" / "policies" / "xihaian.yaml"
    spec = parse_yaml(path.read_text(encoding="utf-8"), PolicyVocabulary, source=path.name)
    assert len(spec.themes) == 20 and len(spec.declare_types) == 34


# ---- the vocabulary page ---------------------------------------------------------------------------------

def test_vocabulary_page_edits_for_the_office_and_refuses_others(client_for, cast, clause, vocab):
    url = reverse("policies_vocabulary")
    dept = client_for(cast["liaison_dept"])
    r = dept.get(url)
    assert r.status_code == 200 and "研发投入" in r.content.decode() and 'name="action"' not in r.content.decode()
    assert dept.post(url, {"kind": "theme", "action": "save", "name": "新主题"}).status_code == 403
    assert not Theme.objects.filter(name="新主题").exists()
    office = client_for(cast["office"])
    assert 'name="action"' in office.get(url).content.decode()
    r = office.post(url, {"kind": "type", "action": "save", "id": DeclareType.objects.get(name="奖励类").pk,
                          "name": "奖励扶持类", "sort_order": "0"}, follow=True)
    assert r.status_code == 200 and "已保存" in r.content.decode()
    assert Clause.objects.get().declare_type == "奖励扶持类"
    r = office.post(url, {"kind": "tag", "action": "delete", "id": vocab["tag"].pk}, follow=True)
    assert "不能删除" in r.content.decode() and Tag.objects.filter(pk=vocab["tag"].pk).exists()
    r = office.post(url, {"kind": "tag", "action": "save", "name": "x" * 31, "theme": vocab["theme"].pk}, follow=True)
    assert "名称" in r.content.decode() and not Tag.objects.filter(name="x" * 31).exists()


# ---- policies in force ------------------------------------------------------------------------------------

def test_an_expired_policy_no_longer_matches_or_shows_publicly(cast, city, clause, policy, enterprises, client_for,
                                                               travel):
    import datetime as dt

    assert any(c.pk == clause.pk for c, _m in selectors.enterprise_matches(enterprise=enterprises["good"]))
    with travel("2026-03-03"):  # a later write (the clock is frozen in tests; the clauses' stamp moves with time)
        dictionary.policy_update(by=cast["office"], policy=policy, data=policy_input(
            city, title=policy.title, doc_number=policy.doc_number, issuer=policy.issuer, valid_to=dt.date(2026, 1, 31)))
    assert not any(c.pk == clause.pk for c, _m in selectors.enterprise_matches(enterprise=enterprises["good"]))
    assert found("研发") == []
    assert selectors.public_matches({"注册地": "崂山区"}) == []
    r = client_for(cast["liaison_dept"]).get(reverse("policies_index"))
    assert clause.title in r.content.decode() and "已失效" in r.content.decode()  # staff still see it, marked


def test_the_operators_import_updates_existing_clauses(clause, vocab):
    """by=None (the `luoshi policies import` command, the demo) may re-import a file: existing codes update."""
    result = services.clauses_import(by=None, data=xlsx([HEAD, row(条款编号="LS-KJ-001", 条款名称="研发投入奖励（修订）")]))
    clause.refresh_from_db()
    assert result["updated"] == 1 and clause.version == 2 and clause.title == "研发投入奖励（修订）"
