"""People, accounts and roles without the admin site: the sheet import (service, `luoshi people …`, page) and
the office's people pages — always inside the office's own subtrees, every write journaled."""
from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.models import JournalEntry
from luoshi.org.models import Person, RoleGrant
from luoshi.org.people import people_import_xlsx
from luoshi.org.services import grant_role, person_create
from luoshi.tasks.tests.sheets import plain_sheet

HEADER = ["姓名", "单位", "职务", "角色", "账号", "手机"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sheet(*rows, header=HEADER):
    return plain_sheet([header, *rows], sheet_title="人员")


def grants(username):
    return sorted(RoleGrant.objects.filter(person__username=username).values_list("role", "unit__name"))


def snapshot():
    return (sorted(Person.objects.values_list("username", "full_name", "unit_id", "title", "phone")),
            sorted(RoleGrant.objects.values_list("person_id", "role", "unit_id")), JournalEntry.objects.count())


GOOD = [
    ["陈静", "中韩街道", "党工委委员", "单位联络员", "chenjing", "13800000001"],
    ["马力", "区委办公室", "督查科科长", "督查室（崂山区）、评估员", "mali", "0532-88886666"],
    ["王立新", "崂山区", "区委书记", "领导", "leader", ""],          # an existing account: updated, role kept
]


# ---- the service ------------------------------------------------------------------------------------------------

def test_import_creates_updates_and_grants(city, cast):
    result = people_import_xlsx(by=cast["office"], data=sheet(*GOOD))
    assert result == {"created": ["chenjing", "mali"], "updated": ["leader"], "unchanged": 0, "grants": 3}
    chen = Person.objects.get(username="chenjing")
    assert (chen.full_name, chen.unit, chen.title, chen.phone) == ("陈静", city["street_a"], "党工委委员", "13800000001")
    assert not chen.has_usable_password()             # cannot sign in until a password is set
    assert grants("chenjing") == [("liaison", "中韩街道")]
    assert grants("mali") == [("evaluator", "区委办公室"), ("office", "崂山区")]
    assert grants("leader") == [("leader", "崂山区")]
    leader = Person.objects.get(username="leader")
    assert leader.title == "区委书记" and leader.check_password("pw-123456")   # the password is kept
    verbs = list(JournalEntry.objects.filter(actor=cast["office"]).values_list("verb", flat=True))
    assert verbs.count("person.create") == 2 and verbs.count("role.grant") == 3 and "person.update" in verbs
    assert "person.import" in verbs
    # again: nothing changes
    before = snapshot()
    assert people_import_xlsx(by=cast["office"], data=sheet(*GOOD)) == {
        "created": [], "updated": [], "unchanged": 3, "grants": 0}
    assert snapshot() == before


def test_dry_run_writes_nothing(city, cast):
    before = snapshot()
    result = people_import_xlsx(by=None, data=sheet(*GOOD), dry_run=True)
    assert (len(result["created"]), result["grants"]) == (2, 3)
    assert snapshot() == before


def test_every_problem_located_and_nothing_written(city, cast):
    unit_create_dup(city)
    rows = [
        ["", "中韩街道", "", "单位联络员", "a1", ""],                 # row 2: no name
        ["甲", "火星街道", "", "", "a2", ""],                          # row 3: unknown unit
        ["乙", "中韩街道", "", "村长", "a3", ""],                      # row 4: unknown role
        ["丙", "中韩街道", "", "", "a1", "abc"],                      # row 5: duplicate 账号, bad phone
        ["丁", "综合科", "", "", "a5", ""],                           # row 6: ambiguous unit
        ["戊", "中韩街道", "", "", "", ""],                           # row 7: no 账号
        ["己", "中韩街道", "", "单位联络员（市南区）", "a7", ""],        # row 8: outside the office's scope
        ["庚", "中韩街道", "", "系统管理员", "a8", ""],                  # row 9: only an admin grants admin
    ]
    before = snapshot()
    with pytest.raises(ImportFailed) as exc:
        people_import_xlsx(by=cast["office"], data=sheet(*rows))
    found = {(e.row, e.column) for e in exc.value.errors}
    assert found >= {(2, "姓名"), (3, "单位"), (4, "角色"), (5, "账号"), (5, "手机"), (6, "单位"), (7, "账号"),
                     (8, "角色"), (9, "角色")}
    text = "\n".join(str(e) for e in exc.value.errors)
    assert "工作表“人员”第3行“单位”列：找不到单位“火星街道”" in text
    assert "与第2行的账号重复" in text and "上级/名称" in text and "不在您的管理范围内" in text
    assert snapshot() == before


def unit_create_dup(city):
    from luoshi.org.services import unit_create

    unit_create(by=None, name="综合科", kind="department", parent=city["street_a"])
    unit_create(by=None, name="综合科", kind="department", parent=city["street_b"])


def test_office_cannot_import_beyond_its_scope(city, cast):
    before = snapshot()
    with pytest.raises(ImportFailed) as exc:
        people_import_xlsx(by=cast["office"], data=sheet(["钱", "市南区", "", "单位联络员", "qian", ""],
                                                         ["赵六", "崂山区", "", "", "outsider", ""]))
    text = "\n".join(str(e) for e in exc.value.errors)
    assert "“市南区”不在您的管理范围内" in text
    assert "账号“outsider”已存在，其单位或角色超出您的管理范围" in text
    assert snapshot() == before
    with pytest.raises(PermissionDeniedError):
        people_import_xlsx(by=cast["liaison_a"], data=sheet(*GOOD))
    assert snapshot() == before


def test_header_row_found_and_missing_columns_named(city):
    with pytest.raises(ImportFailed, match="缺少“角色”列"):
        people_import_xlsx(by=None, data=plain_sheet([["姓名", "账号", "单位"], ["甲", "a", "中韩街道"]]))
    with pytest.raises(ImportFailed, match="没有找到表头"):
        people_import_xlsx(by=None, data=plain_sheet([["名字", "单位"]]))


# ---- the services' scope rules ------------------------------------------------------------------------------------

def test_office_grants_and_revokes_only_within_its_scope(city, cast):
    from luoshi.org.services import grant_revoke, person_update

    office = cast["office"]
    p = person_create(by=office, username="new1", full_name="新人", unit=city["street_a"])
    grant_role(by=office, person=p, role="liaison", unit=city["street_a"])
    with pytest.raises(PermissionDeniedError):
        grant_role(by=office, person=p, role="liaison", unit=city["other_district"])
    with pytest.raises(PermissionDeniedError):
        grant_role(by=office, person=p, role="admin", unit=city["street_a"])
    with pytest.raises(PermissionDeniedError):     # a person of another district is not the office's to manage
        grant_role(by=office, person=cast["outsider"], role="liaison", unit=city["street_a"])
    with pytest.raises(PermissionDeniedError):
        person_create(by=office, username="x", full_name="x", unit=city["other_district"])
    with pytest.raises(PermissionDeniedError):
        person_create(by=cast["liaison_a"], username="x", full_name="x", unit=city["street_a"])
    with pytest.raises(PermissionDeniedError):
        person_update(by=office, person=p, full_name="新人", unit=city["other_district"])
    g = RoleGrant.objects.get(person=p, role="liaison")
    grant_revoke(by=office, grant=g)
    assert not RoleGrant.objects.filter(pk=g.pk).exists()
    assert JournalEntry.objects.filter(verb="role.revoke", actor=office).exists()
    own = RoleGrant.objects.get(person=office, role="office")
    with pytest.raises(ServiceError, match="不能撤销自己的"):
        grant_revoke(by=office, grant=own)
    # someone who holds a role above the office's scope is not manageable: no password reset, no edit
    city_leader = person_create(by=None, username="cityboss", full_name="市领导", unit=city["district"])
    grant_role(by=None, person=city_leader, role="leader", unit=city["city"])
    from luoshi.org.services import person_set_password

    with pytest.raises(PermissionDeniedError):
        person_set_password(by=office, person=city_leader)
    with pytest.raises(PermissionDeniedError):
        person_update(by=office, person=city_leader, full_name="改名", unit=city["district"])


# ---- the commands ---------------------------------------------------------------------------------------------------

def test_people_commands(city, cast, tmp_path):
    path = tmp_path / "人员.xlsx"
    path.write_bytes(sheet(*GOOD))
    out = StringIO()
    call_command("people_import", str(path), "--dry-run", stdout=out)
    assert "将新建 2 人" in out.getvalue() and not Person.objects.filter(username="mali").exists()
    out = StringIO()
    call_command("people_import", str(path), stdout=out)
    assert "新建 2 人，更新 1 人" in out.getvalue() and "chenjing、mali" in out.getvalue()
    out = StringIO()
    call_command("people_list", "--unit", "中韩街道", stdout=out)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("chenjing\t陈静\t中韩街道") and line.endswith("不能登录") for line in lines)
    assert not any(line.startswith("mali") for line in lines)
    out = StringIO()
    call_command("people_password", "chenjing", stdout=out)
    password = re.search(r"新密码：(\S+)", out.getvalue()).group(1)
    assert Person.objects.get(username="chenjing").check_password(password)
    assert not JournalEntry.objects.filter(changes__icontains=password).exists()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(sheet(["甲", "火星街道", "", "", "a", ""]))
    with pytest.raises(CommandError, match="找不到单位“火星街道”"):
        call_command("people_import", str(bad), stdout=StringIO())
    with pytest.raises(CommandError, match="不存在"):
        call_command("people_password", "nobody", stdout=StringIO())


# ---- the pages --------------------------------------------------------------------------------------------------

def test_people_list_shows_only_the_offices_scope(city, cast, client_for):
    r = client_for(cast["office"]).get("/people/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "周强" in html and "吴芳" in html and "赵六" not in html   # outsider is in 市南区
    r = client_for(cast["office"]).get("/people/?unit=中韩街道")
    assert "周强" in r.content.decode() and "吴芳" not in r.content.decode()
    for who in ("liaison_a", "leader", "evaluator"):
        assert client_for(cast[who]).get("/people/").status_code == 403


def test_people_list_query_count(city, cast, client_for, django_assert_max_num_queries):
    c = client_for(cast["office"])
    c.get("/people/")
    for i in range(30):
        p = person_create(by=None, username=f"u{i}", full_name=f"人{i}", unit=city["street_b"])
        grant_role(by=None, person=p, role="liaison", unit=city["street_b"])
    with django_assert_max_num_queries(12):
        assert c.get("/people/").status_code == 200


def test_office_adds_and_edits_a_person_and_roles(city, cast, client_for):
    c = client_for(cast["office"])
    r = c.post("/people/new/", {"username": "xiaoli", "full_name": "小李", "unit": "沙子口街道", "title": "干事",
                                "phone": "13900000000", "email": ""})
    assert r.status_code == 302, r.content.decode()
    p = Person.objects.get(username="xiaoli")
    assert p.unit == city["street_b"] and not p.has_usable_password()
    r = c.post(f"/people/{p.pk}/grants/", {"role": "liaison", "unit": "沙子口街道"})
    assert r.status_code == 302 and grants("xiaoli") == [("liaison", "沙子口街道")]
    r = c.post(f"/people/{p.pk}/", {"full_name": "李小", "unit": "中韩街道", "title": "副主任", "phone": "",
                                    "email": "", "is_active": "on"})
    assert r.status_code == 302
    p.refresh_from_db()
    assert (p.full_name, p.unit, p.title) == ("李小", city["street_a"], "副主任")
    r = c.post(f"/people/{p.pk}/password/")
    password = re.search(r'class="new-password">([^<]+)<', r.content.decode()).group(1)
    p.refresh_from_db()
    assert p.check_password(password)
    g = RoleGrant.objects.get(person=p)
    assert c.post(f"/people/{p.pk}/grants/{g.pk}/revoke/").status_code == 302
    assert grants("xiaoli") == []
    verbs = set(JournalEntry.objects.filter(actor=cast["office"]).values_list("verb", flat=True))
    assert {"person.create", "role.grant", "person.update", "person.password_reset", "role.revoke"} <= verbs


def test_pages_refuse_beyond_the_offices_scope(city, cast, client_for):
    c = client_for(cast["office"])
    before = snapshot()
    r = c.post("/people/new/", {"username": "far", "full_name": "远", "unit": "市南区"})
    assert r.status_code == 403 and "管辖范围" in r.content.decode()
    p = Person.objects.get(username="liaison_a")
    r = c.post(f"/people/{p.pk}/grants/", {"role": "liaison", "unit": "市南区"})
    assert r.status_code == 403
    r = c.post(f"/people/{p.pk}/grants/", {"role": "admin", "unit": "中韩街道"})
    assert r.status_code == 400          # not even offered to the office
    # a person of another district: not in the list, 404 everywhere
    out = cast["outsider"]
    assert c.get(f"/people/{out.pk}/").status_code == 404
    assert c.post(f"/people/{out.pk}/password/").status_code == 404
    g = RoleGrant.objects.get(person=out)
    assert c.post(f"/people/{out.pk}/grants/{g.pk}/revoke/").status_code == 404
    # a liaison manages nobody
    lc = client_for(cast["liaison_a"])
    assert lc.post(f"/people/{p.pk}/password/").status_code == 403
    assert lc.post("/people/new/", {"username": "y", "full_name": "y", "unit": "中韩街道"}).status_code == 403
    assert snapshot() == before


def test_import_page(city, cast, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(cast["office"])
    assert c.get("/people/import/").status_code == 200
    r = c.post("/people/import/", {"file": SimpleUploadedFile("p.xlsx", sheet(*GOOD)), "dry_run": "1"})
    assert r.status_code == 200 and "将新建 2 人" in r.content.decode()
    assert not Person.objects.filter(username="mali").exists()
    r = c.post("/people/import/", {"file": SimpleUploadedFile("p.xlsx", sheet(["甲", "火星街道", "", "", "a", ""]))})
    assert r.status_code == 400 and "找不到单位“火星街道”" in r.content.decode()
    r = c.post("/people/import/", {"file": SimpleUploadedFile("p.xlsx", sheet(*GOOD))})
    assert r.status_code == 302 and Person.objects.filter(username="mali").exists()
    assert client_for(cast["liaison_a"]).get("/people/import/").status_code == 403
