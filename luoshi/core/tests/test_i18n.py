"""The English translation: pages and refusals follow the language chosen with the header switch,
and the Chinese (source) text is unchanged."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _restore_language():
    """A request activates its language for the whole thread; put the default back afterwards."""
    yield
    translation.deactivate()


def _switch(client, language):
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_workbench_in_english_and_in_chinese(cast, program, client_for):
    client = client_for(cast["office"])
    page = client.get(reverse("workbench")).content.decode()
    assert "工作台" in page and "Workbench" not in page  # Chinese is the default

    _switch(client, "en")
    page = client.get(reverse("workbench")).content.decode()
    assert "Workbench" in page
    assert '<html lang="en">' in page
    assert "工作台" not in page
    assert "Red tasks" in page and "红灯任务" not in page

    _switch(client, "zh-hans")
    page = client.get(reverse("workbench")).content.decode()
    assert "工作台" in page and "红灯任务" in page and "Workbench" not in page


def test_program_pages_in_english(cast, program, client_for):
    client = _switch(client_for(cast["office"]), "en")
    code = program["program"].code
    overview = client.get(reverse("program_overview", args=[code])).content.decode()
    assert "Task list" in overview and "Progress bulletin (Word)" in overview and "Monthly reporting" in overview
    tasks = client.get(reverse("task_list", args=[code])).content.decode()
    assert "Lead unit" in tasks and "Responsible leader" in tasks and "Deadline" in tasks
    detail = client.get(reverse("task_detail", args=[program["task_a"].pk])).content.decode()
    assert "Assignments and acknowledgement" in detail and "Not acknowledged" in detail


def test_service_refusals_are_shown_in_english(cast, program, client_for):
    task = program["task_a"]
    client = _switch(client_for(cast["office"]), "en")
    url = reverse("task_report", args=[task.pk])

    # A report without text: refused before the service runs, with the field named in English.
    response = client.post(url, {"text": ""}, follow=True)
    assert "Progress update: This field is required." in _messages(response)

    # The office is no liaison of the task's units: task_report_progress refuses.
    response = client.post(url, {"text": "已完成方案起草"}, follow=True)
    assert "You are not a liaison of a unit responsible for this task and cannot act for a unit." in _messages(response)
    assert "您不是该任务责任单位的联络员，不能代表单位操作。" not in response.content.decode()


def test_the_same_refusals_stay_chinese(cast, program, client_for):
    task = program["task_a"]
    client = client_for(cast["office"])
    url = reverse("task_report", args=[task.pk])
    response = client.post(url, {"text": ""}, follow=True)
    assert "进展情况：这个字段是必填项。" in _messages(response)
    response = client.post(url, {"text": "已完成方案起草"}, follow=True)
    assert "您不是该任务责任单位的联络员，不能代表单位操作。" in _messages(response)


def test_service_error_message_follows_the_active_language(cast, program):
    from luoshi.core.errors import ServiceError
    from luoshi.tasks import services

    task = program["task_a"]
    services.task_acknowledge(by=cast["liaison_a"], task=task)
    with translation.override("en"), pytest.raises(ServiceError) as refused:
        services.task_report_progress(by=cast["liaison_a"], task=task, text="   ", percent=10)
    assert refused.value.message == "Please fill in the progress update."
    with pytest.raises(ServiceError) as refused:
        services.task_report_progress(by=cast["liaison_a"], task=task, text="   ", percent=10)
    assert refused.value.message == "请填写进展情况。"


def test_import_errors_in_english(cast, program, client_for):
    client = _switch(client_for(cast["office"]), "en")
    upload = SimpleUploadedFile("list.xlsx", b"not a spreadsheet")
    response = client.post(reverse("task_import", args=[program["program"].code]), {"file": upload, "dry_run": "on"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Not imported: 1 problem found. No data was changed." in page
    assert "The file is not in Excel (.xlsx) format, or it is damaged." in page


def test_pages_ignore_the_browser_language_until_the_user_switches(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "用户名" in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "Username" in page.content.decode()
