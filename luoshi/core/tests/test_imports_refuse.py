"""Every web import says no out loud: an empty file, or a file that is not a workbook, gets a 400 page with the
reason, and nothing waits on disk afterwards (a refused upload is not kept under media/pending-imports)."""
from __future__ import annotations

import pathlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client


def _urls(program) -> list[str]:
    code = program["program"].code
    return [f"/programs/{code}/import/", "/units/import/"]


@pytest.mark.parametrize("content,words", [(b"", "空"), (b"not a workbook at all", "Excel")])
def test_web_imports_refuse_with_a_message(program, cast, settings, content, words):
    cast["office"].is_superuser = True
    cast["office"].save()
    client = Client()
    client.force_login(cast["office"])
    for url in _urls(program):
        response = client.post(url, {"file": SimpleUploadedFile("任务.xlsx", content), "dry_run": "1"})
        page = response.content.decode()
        assert response.status_code == 400, (url, response.status_code)
        assert words in page, (url, page[-2000:])
    pending = pathlib.Path(settings.MEDIA_ROOT) / "pending-imports"
    assert not pending.exists() or not list(pending.iterdir())
