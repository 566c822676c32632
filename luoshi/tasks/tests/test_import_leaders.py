"""A task sheet whose 责任领导 have no account: refused with a way forward unless the importer confirms, then
the names become people without login (one journal entry each), listed in the result and found by the next
import. Through the service, the upload page and `luoshi tasks import --create-leaders`."""
from __future__ import annotations

import re

import pytest
from django.core.management import CommandError, call_command

from luoshi.core.excel import ImportFailed
from luoshi.core.models import JournalEntry
from luoshi.org.models import Person, RoleGrant
from luoshi.programs.models import Program
from luoshi.tasks.importer import tasks_import_xlsx
from luoshi.tasks.models import Task
from luoshi.tasks.tests.sheets import office_sheet, task

from .test_import import counts, empty_program, upload  # noqa: F401  (empty_program is a fixture)

ROWS = [
    task("1", "甲", "", "区审批局", "", "王立新、李四", "6月底前"),
    task("2", "乙", "", "中韩街道", "", "张三、李四", "9月底前"),
    task("3", "丙", "", "沙子口街道", "", "", "长期坚持"),
]


@pytest.fixture(autouse=True)
def _fast(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")


def run(city, cast, *, by="office", **kwargs):
    return tasks_import_xlsx(by=cast[by] if by else None, data=office_sheet(ROWS), program_code="p1",
                             owner_unit=city["office_unit"], year=2026, filename="清单.xlsx", **kwargs)


def test_without_confirmation_the_sheet_is_refused_and_says_how_to_proceed(city, cast, travel):
    before = counts()
    with travel("2026-02-01"), pytest.raises(ImportFailed) as exc:
        run(city, cast)
    messages = [str(e) for e in exc.value.errors]
    assert len(messages) == 3   # 李四 twice (rows 4 and 5), 张三 once
    assert all("为以下责任领导创建人员（无登录账号）" in m and "--create-leaders" in m for m in messages)
    assert any("第5行" in m and "张三" in m and "“责任领导”列" in m for m in messages)
    assert counts() == before and not Person.objects.filter(full_name__in=["李四", "张三"]).exists()


def test_dry_run_lists_the_names_and_writes_nothing(city, cast, travel):
    before = counts()
    with travel("2026-02-01"):
        report = run(city, cast, dry_run=True, create_leaders=True)
    assert report.new_leaders == ["李四", "张三"] and report.created == 3
    assert counts() == before and not Person.objects.filter(full_name="李四").exists()


def test_confirmed_creates_people_without_login_and_links_them(city, cast, travel):
    with travel("2026-02-01"):
        report = run(city, cast, create_leaders=True)
    assert report.new_leaders == ["李四", "张三"] and report.created == 3
    li, zhang = Person.objects.get(full_name="李四"), Person.objects.get(full_name="张三")
    for p in (li, zhang):
        assert not p.has_usable_password() and p.unit == city["office_unit"]
        assert list(RoleGrant.objects.filter(person=p).values_list("role", "unit")) == [
            ("leader", city["office_unit"].pk)]
        assert JournalEntry.objects.filter(verb="person.create_leader", object_id=str(p.pk),
                                           actor=cast["office"]).exists()
    program = Program.objects.get(code="p1")
    tasks = {t.code: t for t in Task.objects.filter(program=program)}
    assert list(tasks["1"].leaders.order_by("pk")) == [cast["leader"], li]
    assert set(tasks["2"].leaders.all()) == {zhang, li}
    # the next import finds them: nothing to create, nothing refused
    with travel("2026-02-02"):
        again = run(city, cast)
    assert again.new_leaders == [] and again.unchanged == 3
    assert Person.objects.filter(full_name="李四").count() == 1


def test_a_taken_username_gets_a_suffix(city, cast, travel):
    from luoshi.org.services import person_create

    person_create(by=None, username="李四", full_name="李四（已调离）", unit=city["dept"])
    with travel("2026-02-01"):
        run(city, cast, create_leaders=True)
    assert Person.objects.get(full_name="李四").username == "李四-2"


def test_a_liaison_cannot_import_and_creates_nobody(city, cast, travel, program):
    from luoshi.core.errors import PermissionDeniedError

    with travel("2026-02-01"), pytest.raises(PermissionDeniedError):
        tasks_import_xlsx(by=cast["liaison_a"], data=office_sheet(ROWS), program=program["program"],
                          create_leaders=True)
    assert not Person.objects.filter(full_name="李四").exists()


def test_web_check_lists_the_leaders_and_confirm_needs_the_box(city, cast, travel, client_for, empty_program):
    c = client_for(cast["office"])
    url = f"/programs/{empty_program.code}/import/"
    with travel("2026-02-01"):
        resp = upload(c, empty_program, office_sheet(ROWS))
        html = resp.content.decode()
        assert resp.status_code == 200 and "检查通过" in html
        assert "为以下责任领导创建人员（无登录账号）" in html and "<li>李四</li>" in html and "<li>张三</li>" in html
        token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
        # confirmed without the box: refused, and the page says how to proceed
        resp = c.post(url, {"token": token})
        assert resp.status_code == 400 and "为以下责任领导创建人员" in resp.content.decode()
        assert not Task.objects.filter(program=empty_program).exists()
        resp = upload(c, empty_program, office_sheet(ROWS))
        token = re.search(r'name="token" value="([0-9a-f]{32})"', resp.content.decode()).group(1)
        resp = c.post(url, {"token": token, "create_leaders": "on"}, follow=True)
    assert resp.status_code == 200 and "已创建责任领导（无登录账号）：李四、张三" in resp.content.decode()
    assert Task.objects.filter(program=empty_program).count() == 3
    assert not Person.objects.get(full_name="张三").has_usable_password()


def test_web_import_by_another_districts_liaison_is_refused(city, cast, travel, client_for, empty_program):
    with travel("2026-02-01"):
        resp = upload(client_for(cast["outsider"]), empty_program, office_sheet(ROWS))
    assert resp.status_code in (403, 404)
    assert not Person.objects.filter(full_name="李四").exists()


def test_command_flag(city, cast, travel, tmp_path):
    from io import StringIO

    path = tmp_path / "清单.xlsx"
    path.write_bytes(office_sheet(ROWS))
    args = ["tasks_import", str(path), "--program", "p1", "--owner", "崂山区/区委办公室", "--year", "2026"]
    with travel("2026-02-01"):
        with pytest.raises(CommandError, match="--create-leaders"):
            call_command(*args, stdout=StringIO())
        out = StringIO()
        call_command(*args, "--create-leaders", "--dry-run", stdout=out)
        assert "将创建责任领导（无登录账号）：李四、张三" in out.getvalue()
        assert not Person.objects.filter(full_name="李四").exists()
        out = StringIO()
        call_command(*args, "--create-leaders", stdout=out)
    assert "已创建责任领导（无登录账号）：李四、张三" in out.getvalue()
    assert Task.objects.filter(program__code="p1").count() == 3
    entry = JournalEntry.objects.get(verb="person.create_leader", changes__full_name="李四")
    assert entry.actor is None
