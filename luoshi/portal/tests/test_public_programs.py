"""公开通报 and 民生实事 on the public site: only published programs, only public facts (unit names, time limits,
status, progress, the lead unit's masked progress text), never a person; fixed query counts."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from luoshi.portal import selectors
from luoshi.tasks.models import Task

from .conftest import EMAIL, HIDDEN_TITLE, ID_NUMBER, PHONE, SHISHI_TITLE


def no_people(html: str, cast):
    for p in cast.values():
        assert p.full_name not in html, p.full_name
        assert p.email not in html
    assert not re.search(r"1[3-9]\d{9}", html), "an unmasked mobile number"
    assert ID_NUMBER not in html and EMAIL not in html


def test_the_program_list_shows_published_programs_with_counts(published, cast, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        r = client.get(reverse("portal_programs"))
    html = r.content.decode()
    assert r.status_code == 200
    assert [p.pk for p, _f in r.context["rows"]] == [published["program"].pk]
    assert "2026年鼓励创新工作要点" in html
    assert "内部专项" not in html and "2026年区办民生实事" not in html   # 民生实事 only is listed under 民生实事
    figures = r.context["rows"][0][1]
    assert figures["total"] == 3 and figures["progress"] == 10       # (30 + 0 + 0) / 3
    no_people(html, cast)


def test_the_program_page_lists_tasks_with_public_facts_only(published, cast, city, client,
                                                            django_assert_max_num_queries):
    url = reverse("portal_program", args=[published["program"].pk])
    with django_assert_max_num_queries(8):
        r = client.get(url)
    html = r.content.decode()
    assert r.status_code == 200
    assert "中韩街道老旧小区改造" in html and "沙子口街道渔港整治" in html and "助企服务一张网" in html
    assert city["street_a"].name in html and city["dept"].name in html      # 牵头单位 are public
    assert "已完成3栋楼外墙改造" in html and "139****5678" in html          # the latest report, masked
    assert "370212********1234" in html and "***@***" in html
    assert "2026-06-30" in html                                            # 完成时限
    no_people(html, cast)                                                    # not the leader, not the author
    # the status tabs filter in the query
    r = client.get(url, {"status": "closed"})
    assert list(r.context["page"]) == []


def test_the_program_page_query_count_does_not_grow_with_tasks(published, city, cast, client, travel,
                                                               django_assert_num_queries):
    from luoshi.tasks import services as tasks

    url = reverse("portal_program", args=[published["program"].pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    with travel("2026-01-07"):
        for i in range(6):
            tasks.task_create(by=cast["office"], program=published["program"], data=tasks.TaskInput(
                title=f"新增任务{i}", lead_units=[city["street_b"]], deadline_phrase="12月底前"))
    with django_assert_num_queries(len(few)):
        client.get(url)


def test_unpublished_programs_and_their_tasks_are_not_found(published, client):
    hidden, secret = published["hidden"], published["secret"]
    assert client.get(reverse("portal_program", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("portal_task", args=[hidden.pk, secret.pk])).status_code == 404
    assert client.get(reverse("portal_shishi_detail", args=[secret.pk])).status_code == 404
    # a task of a published program under another program's address is not found either
    assert client.get(reverse("portal_task", args=[published["program"].pk, secret.pk])).status_code == 404
    for url in (reverse("portal_home"), reverse("portal_programs"), reverse("portal_shishi")):
        assert HIDDEN_TITLE not in client.get(url).content.decode()


def test_an_archived_program_or_task_leaves_the_site(published, client):
    p = published["program"]
    Task.objects.filter(pk=published["task_b"].pk).update(is_archived=True)
    html = client.get(reverse("portal_program", args=[p.pk])).content.decode()
    assert "沙子口街道渔港整治" not in html
    assert client.get(reverse("portal_task", args=[p.pk, published["task_b"].pk])).status_code == 404
    type(p).objects.filter(pk=p.pk).update(is_archived=True)
    assert client.get(reverse("portal_program", args=[p.pk])).status_code == 404
    assert list(selectors.public_programs()) == []


def test_the_shishi_list_and_timeline(published, cast, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        r = client.get(reverse("portal_shishi"))
    html = r.content.decode()
    assert [t.pk for t, _r in r.context["rows"]] == [published["canteen"].pk]
    assert SHISHI_TITLE in html and "中韩街道老旧小区改造" not in html
    with django_assert_max_num_queries(12):
        r = client.get(reverse("portal_shishi_detail", args=[published["canteen"].pk]))
    html = r.content.decode()
    assert r.status_code == 200
    assert "时间节点" in html and "3月底前完成选址" in html
    assert "已完成选址，正在招标。" in html and "主体完工" in html and "139****5678" in html
    assert html.index("主体完工") < html.index("已完成选址")                 # newest first
    assert "已办结" in html and "2026-02-20" in html
    assert 'name="score"' in html
    no_people(html, cast)


def test_a_shishi_task_under_programs_redirects_to_its_timeline(published, cast, client):
    from luoshi.tasks import services as tasks

    shishi = published["shishi"]
    tasks.program_update(by=cast["office"], program=shishi, is_public=True)
    r = client.get(reverse("portal_task", args=[shishi.pk, published["canteen"].pk]))
    assert r.status_code == 302 and r["Location"] == reverse("portal_shishi_detail", args=[published["canteen"].pk])


def test_home_links_every_public_section(published, client):
    html = client.get(reverse("portal_home")).content.decode()
    for name in ("portal_programs", "portal_shishi", "portal_exposure", "portal_assess", "portal_track"):
        assert f'href="{reverse(name)}"' in html
    assert SHISHI_TITLE in html and "2026年鼓励创新工作要点" in html
    assert '<html lang="zh-Hans">' in html


def test_selectors_filter_publication_in_the_query(published):
    ids = set(selectors.public_tasks().values_list("pk", flat=True))
    assert published["secret"].pk not in ids
    assert published["canteen"].pk in ids and published["task_a"].pk in ids
    assert "is_public" in str(selectors.public_tasks().query) and "is_archived" in str(selectors.public_tasks().query)
    assert list(selectors.shishi_tasks().values_list("pk", flat=True)) == [published["canteen"].pk]
    with pytest.raises(Exception):
        selectors.public_program_get(published["hidden"].pk)
    assert selectors.public_text(f"电话{PHONE}，{EMAIL}") == "电话139****5678，***@***"
