"""A scheduled 排名通报: an issue for each newly published round, none when no new round was published since
the last issue, drawn again from its snapshot with the same figures after the round is revised."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from docx import Document

from luoshi.core.errors import ServiceError
from luoshi.documents import services
from luoshi.documents.issue_files import issue_file
from luoshi.documents.models import Issue

pytestmark = pytest.mark.django_db


def run(day: str, travel, capture):
    with travel(day), capture(execute=True):
        services.bulletins_due(today=dt.date.fromisoformat(day))


def test_ranking_bulletin_once_per_published_round(assess, cast, city, travel, django_capture_on_commit_callbacks):
    with travel("2026-01-05"):
        with pytest.raises(ServiceError, match="请选择要通报的考核指标体系"):
            services.subscription_create(by=cast["office"], data=services.SubscriptionInput(
                name="月度排名通报", kind="assessment", owner_unit=city["district"], schedule="每周一"))
        sub = services.subscription_create(by=cast["office"], data=services.SubscriptionInput(
            name="月度排名通报", kind="assessment", owner_unit=city["district"], scheme=assess.scheme,
            schedule="每周一", formats=["docx", "pdf"], recipients=[cast["leader"]]))
    run("2026-02-02", travel, django_capture_on_commit_callbacks)
    assert not Issue.objects.exists()  # nothing published yet
    with travel("2026-02-03"):
        rnd = assess.round()
        assess.score_all(rnd, {"street_a": {"A1": "18"}, "street_b": {}, "dept": {}})
        rnd = assess.publish(rnd, note="首次公布")
    run("2026-02-09", travel, django_capture_on_commit_callbacks)
    run("2026-02-16", travel, django_capture_on_commit_callbacks)  # no new round: no issue
    [issue] = Issue.objects.filter(subscription=sub)
    assert issue.state == "issued" and issue.source_ref == f"round:{rnd.pk}" and issue.number == 1
    docx = issue_file(issue, "docx")
    doc = Document(io.BytesIO(docx))
    assert doc.paragraphs[0].text.endswith("排名通报") and doc.paragraphs[1].text == "第1期"
    assert len(doc.inline_shapes) >= 1
    with zipfile.ZipFile(io.BytesIO(docx)) as z1, zipfile.ZipFile(io.BytesIO(issue_file(issue, "docx"))) as z2:
        assert z1.read("word/document.xml") == z2.read("word/document.xml")
    assert issue_file(issue, "pdf").startswith(b"%PDF")
