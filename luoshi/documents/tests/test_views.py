"""The 调度通报 download (luoshi.documents.views.program_bulletin): the same address as before, scoped to the reader."""
import io

from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from luoshi.core.http import DOCX, XLSX


def url(city, fmt, query=""):
    return reverse("program_bulletin", args=[city.program.code, fmt]) + query


def test_the_office_downloads_the_bulletin_as_word_and_excel(client, city):
    client.force_login(city.office)
    r = client.get(url(city, "docx", "?date=2021-07-05&issue=3"))
    assert r.status_code == 200 and r["Content-Type"] == DOCX
    assert "20210705.docx" in r["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "城市更新攻坚调度通报" in text and "第3期" in text
    r = client.get(url(city, "xlsx"))
    assert r.status_code == 200 and r["Content-Type"] == XLSX
    assert load_workbook(io.BytesIO(r.content)).sheetnames == ["汇总", "单位排名", "预警任务"]


def test_a_bad_date_is_refused_and_an_outsider_finds_nothing(client, city, django_user_model):
    client.force_login(city.office)
    assert client.get(url(city, "docx", "?date=2021-13-01")).status_code == 400
    outsider = django_user_model.objects.create_user(username="nobody", password="pw-123456")
    client.force_login(outsider)
    assert client.get(url(city, "docx")).status_code == 404
    client.logout()
    assert client.get(url(city, "xlsx")).status_code == 302  # to the login page
