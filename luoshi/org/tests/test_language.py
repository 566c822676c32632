"""A person's language (Person.language, core.language): what is written for a person — inbox messages, the daily
digest, notifications and their e-mails — is in their language, whatever the language of the request or job that
writes it; signing in switches the interface to it; the person sets it on their account page, the office on the
people pages (only within its scope) and by the sheet's 语言 column; every change is journaled; a 公文 they download
stays Chinese."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import translation

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.excel import ImportFailed
from luoshi.core.inbox import inbox_digest_run, inbox_total
from luoshi.core.models import JournalEntry, Notification
from luoshi.org.models import Person
from luoshi.org.people import people_import_xlsx
from luoshi.org.services import person_create, person_set_language, person_update
from luoshi.tasks.tests.sheets import plain_sheet


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def english(person):
    Person.objects.filter(pk=person.pk).update(language="en")
    person.refresh_from_db()
    return person


# ---- what is written for a person -------------------------------------------------------------------------------

def test_the_same_instruction_is_told_in_each_recipients_language(city, cast, program, travel, mailoutbox,
                                                                    django_capture_on_commit_callbacks):
    from luoshi.instructions import services

    english(cast["liaison_a"])
    translation.activate("en")  # the leader's request runs in English: the Chinese recipient still reads 中文
    try:
        with travel("2026-03-02"):
            services.instruction_create(by=cast["leader"], target=f"tasks.task:{program['task_a'].pk}",
                                        text="请本周五前报送推进措施。", units=[city["street_a"], city["dept"]],
                                        deadline=dt.date(2026, 3, 6))
    finally:
        translation.deactivate()
    to_a = Notification.objects.get(kind="instruction", recipient=cast["liaison_a"])
    to_dept = Notification.objects.get(kind="instruction", recipient=cast["liaison_dept"])
    assert to_a.title == "Leader’s instruction: 1 中韩街道老旧小区改造"
    assert to_dept.title == "领导批示：1 中韩街道老旧小区改造"
    mail = {m.to[0]: m.subject for m in mailoutbox}
    assert mail["liaison_a@example.org"] == "【落实】Leader’s instruction: 1 中韩街道老旧小区改造"
    assert mail["liaison_dept@example.org"] == "【落实】领导批示：1 中韩街道老旧小区改造"


def test_the_inbox_message_of_one_event_in_each_persons_language(city, cast, program, travel,
                                                                 django_capture_on_commit_callbacks):
    from luoshi.org.services import grant_role
    from luoshi.tasks import services

    second = person_create(by=None, username="office_en", full_name="Anna", unit=city["district"], language="en",
                           email="anna@example.org")
    grant_role(by=None, person=second, role="office", unit=city["district"])
    with travel("2026-03-02"):
        services.task_acknowledge(by=cast["liaison_a"], task=program["task_a"])
        with django_capture_on_commit_callbacks(execute=True):
            services.task_request_extension(by=cast["liaison_a"], task=program["task_a"],
                                            new_deadline=dt.date(2026, 9, 30), reason="征迁")
    zh = Notification.objects.get(recipient=cast["office"], kind="inbox")
    en = Notification.objects.get(recipient=second, kind="inbox")
    assert zh.title.startswith("待审批延期申请：") and en.title.startswith("Extension requests to decide: ")
    assert zh.url == en.url and zh.dedup_key == en.dedup_key


def test_the_digest_in_each_persons_language(program, cast, travel):
    english(cast["liaison_a"])
    with travel("2026-03-02"):
        inbox_digest_run(None, True)
    en = Notification.objects.get(recipient=cast["liaison_a"], kind="digest")
    zh = Notification.objects.get(recipient=cast["liaison_b"], kind="digest")
    assert en.title == f"Your to-do list today: {inbox_total(cast['liaison_a'])}"
    assert "Tasks to sign for" in en.body and "待签收任务" not in en.body
    assert zh.title == f"每日待办：{inbox_total(cast['liaison_b'])} 项" and "待签收任务" in zh.body


def test_a_red_light_reminder_in_each_persons_language(program, cast, travel):
    from luoshi.tasks.warnings import warnings_run

    english(cast["leader"])
    with travel("2026-07-02"):  # task A (6月底前) is overdue: its liaison and its leader are warned
        warnings_run()
    to_leader = Notification.objects.get(recipient=cast["leader"], kind="red")
    to_liaison = Notification.objects.get(recipient=cast["liaison_a"], kind="red")
    assert to_liaison.title.startswith("红灯预警：") and not to_leader.title.startswith("红灯预警")
    with translation.override("en"):
        assert to_leader.title.startswith(translation.gettext("红灯预警") + ": ")


def test_the_password_reset_mail_is_in_the_accounts_language(cast, client, mailoutbox):
    """Asked for from a Chinese browser, the mail to an English-preferring person is in English; and the other way."""
    english(cast["liaison_a"])
    client.post(reverse("password_reset"), {"email": "liaison_a@example.org"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies["django_language"] = "en"
    client.post(reverse("password_reset"), {"email": "liaison_b@example.org"})
    to_a, to_b = mailoutbox
    # (core's own subject; before ADR 0043 django.contrib.admin's template of the same name shadowed it)
    assert to_a.subject == "Reset the password · testserver" and "Your user name: liaison_a" in to_a.body
    assert "密码" in to_b.subject and "您的用户名：liaison_b" in to_b.body


# ---- signing in and the account page ------------------------------------------------------------------------------

def test_signing_in_applies_the_persons_language(cast, client):
    english(cast["liaison_a"])
    response = client.post(reverse("login"), {"username": "liaison_a", "password": "pw-123456"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"
    html = client.get(reverse("password_change")).content.decode()
    assert '<html lang="en"' in html and "Change password" in html


def test_signing_in_without_a_language_keeps_the_browsers_choice(cast, client):
    client.cookies["django_language"] = "en"
    response = client.post(reverse("login"), {"username": "liaison_b", "password": "pw-123456"})
    assert response.status_code == 302 and "django_language" not in response.cookies
    assert '<html lang="en"' in client.get(reverse("password_change")).content.decode()


def test_a_person_sets_their_own_language_and_it_is_journaled(cast, client_for):
    client = client_for(cast["liaison_a"])
    page = client.get(reverse("password_change")).content.decode()
    assert 'name="language"' in page and "English" in page
    response = client.post(reverse("account_language"), {"language": "en"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"
    cast["liaison_a"].refresh_from_db()
    assert cast["liaison_a"].language == "en"
    entry = JournalEntry.objects.get(verb="person.language", object_id=str(cast["liaison_a"].pk))
    assert entry.actor_id == cast["liaison_a"].pk and entry.changes == {"language": ["", "en"]}
    client.post(reverse("account_language"), {"language": "en"})  # unchanged: no second entry
    assert JournalEntry.objects.filter(verb="person.language").count() == 1


def test_an_unknown_language_is_refused_and_nothing_stored(cast, client_for):
    client = client_for(cast["liaison_a"])
    response = client.post(reverse("account_language"), {"language": "fr"})
    assert response.status_code == 400 and "语言" in response.content.decode()
    cast["liaison_a"].refresh_from_db()
    assert cast["liaison_a"].language == ""
    with pytest.raises(ServiceError, match="未知的语言“fr”"):
        person_set_language(by=cast["liaison_a"], person=cast["liaison_a"], language="fr")
    assert not JournalEntry.objects.filter(verb="person.language").exists()


def test_the_refusal_is_in_english_for_an_english_interface(cast, client_for):
    client = client_for(cast["liaison_a"])
    client.cookies["django_language"] = "en"
    html = client.post(reverse("account_language"), {"language": "fr"}).content.decode()
    assert "Select a valid choice" in html


# ---- the office ----------------------------------------------------------------------------------------------------

def test_the_office_sets_a_persons_language_on_the_people_page(cast, city, client_for):
    person = cast["liaison_a"]
    response = client_for(cast["office"]).post(reverse("person_edit", args=[person.pk]), {
        "full_name": person.full_name, "unit": "中韩街道", "title": "", "phone": "", "email": person.email,
        "is_active": "on", "language": "en"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.language == "en"
    entry = JournalEntry.objects.get(verb="person.update", object_id=str(person.pk))
    assert entry.actor_id == cast["office"].pk and entry.changes["language"] == ["", "en"]


def test_an_office_cannot_set_another_districts_person(cast, client_for):
    outsider = cast["outsider"]  # a liaison of 市南区; the office is 崂山区's
    with pytest.raises(PermissionDeniedError):
        person_set_language(by=cast["office"], person=outsider, language="en")
    with pytest.raises(PermissionDeniedError):
        person_update(by=cast["office"], person=outsider, full_name=outsider.full_name, unit=outsider.unit,
                      language="en")
    response = client_for(cast["office"]).post(reverse("person_edit", args=[outsider.pk]), {
        "full_name": outsider.full_name, "unit": "市南区", "is_active": "on", "language": "en"})
    assert response.status_code in (403, 404)
    with pytest.raises(PermissionDeniedError):  # nor may one liaison set another's
        person_set_language(by=cast["liaison_b"], person=cast["liaison_a"], language="en")
    outsider.refresh_from_db()
    cast["liaison_a"].refresh_from_db()
    assert outsider.language == "" and cast["liaison_a"].language == ""
    assert not JournalEntry.objects.filter(verb__in=("person.language", "person.update")).exists()


HEADER = ["姓名", "单位", "职务", "角色", "账号", "手机", "语言"]


def test_the_import_sets_the_language_column(city, cast):
    english(cast["liaison_b"])
    data = plain_sheet([HEADER, ["陈静", "中韩街道", "", "联络员", "chenjing", "", "英文"],
                        ["Tom", "中韩街道", "", "联络员", "tom", "", "en"],
                        ["周强", "中韩街道", "", "联络员", "liaison_a", "", "中文"],
                        ["吴芳", "沙子口街道", "", "联络员", "liaison_b", "", ""]], sheet_title="人员")
    result = people_import_xlsx(by=cast["office"], data=data)
    assert result["created"] == ["chenjing", "tom"] and result["updated"] == ["liaison_a"]
    languages = dict(Person.objects.values_list("username", "language"))
    assert (languages["chenjing"], languages["tom"], languages["liaison_a"]) == ("en", "en", "zh-hans")
    assert languages["liaison_b"] == "en"  # a blank cell keeps the account's language


def test_an_unknown_language_in_the_sheet_is_located_and_nothing_stored(city, cast):
    before = (sorted(Person.objects.values_list("username", "language")), JournalEntry.objects.count())
    data = plain_sheet([HEADER, ["陈静", "中韩街道", "", "联络员", "chenjing", "", "英文"],
                        ["周强", "中韩街道", "", "联络员", "liaison_a", "", "法语"]], sheet_title="人员")
    with pytest.raises(ImportFailed) as refused:
        people_import_xlsx(by=cast["office"], data=data)
    [problem] = refused.value.errors
    assert (problem.sheet, problem.row, problem.column) == ("人员", 3, "语言") and "法语" in problem.message
    assert (sorted(Person.objects.values_list("username", "language")), JournalEntry.objects.count()) == before


# ---- documents keep the office format -------------------------------------------------------------------------------

def test_a_document_an_english_person_downloads_stays_chinese(program, cast, client):
    """The 调度通报 an English-preferring office person downloads (interface in English after signing in) is the
    same 公文, paragraph for paragraph, as the one downloaded in Chinese."""
    from docx import Document

    english(cast["office"])
    client.post(reverse("login"), {"username": "office", "password": "pw-123456"})
    url = reverse("program_bulletin", args=["demo-2026", "docx"]) + "?as_of=2026-03-02"

    def paragraphs():
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return [p.text for p in Document(io.BytesIO(response.content)).paragraphs]

    assert client.cookies["django_language"].value == "en"
    in_english = paragraphs()
    client.cookies["django_language"] = "zh-hans"
    assert in_english == paragraphs() and any("2026年鼓励创新工作要点" in p for p in in_english)
