"""群众批题: the public rates published tasks and 民生实事 — one rating per visitor per item, throttled per address,
refused on anything unpublished; averages and the distribution are public, comments are not; the ratings feed
the unit league (群众满意度)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from luoshi.core import clock
from luoshi.core.errors import ServiceError
from luoshi.core.models import JournalEntry
from luoshi.portal import selectors, services, views
from luoshi.portal.models import PublicRating

from .conftest import PHONE


def visitor(address="10.0.0.1"):
    """A new anonymous visitor (own cookies) coming from `address`."""
    return Client(REMOTE_ADDR=address)


def rate(c, task, score, comment="", *, page=None):
    """Open the page first (it hands out the anonymous visitor cookie), then post the rating."""
    c.get(page or reverse("portal_shishi_detail", args=[task.pk]))
    return c.post(reverse("portal_rate", args=[task.pk]), {"score": score, "comment": comment})


def test_a_visitor_rates_a_shishi_once(published):
    canteen = published["canteen"]
    c = visitor()
    r = rate(c, canteen, 5, f"食堂很好，我的电话{PHONE}")
    assert r.status_code == 303 and r["Location"].endswith("#rating")
    rating = PublicRating.objects.get()
    assert rating.score == 5 and rating.comment == "食堂很好，我的电话139****5678"   # stored masked
    assert len(rating.rater_key) == 64 and len(rating.ip_hash) == 64 and "10.0.0.1" not in rating.ip_hash
    entry = JournalEntry.objects.get(verb="portal.rating")
    assert entry.actor is None and entry.object_id == str(canteen.pk) and entry.changes["score"] == 5
    html = c.get(r["Location"]).content.decode()
    assert "感谢您的评价" in html and "您已评价过这一事项" in html and 'name="score"' not in html
    assert "食堂很好" not in html                                      # comments are not published
    # the same visitor again: refused with a clear message, what was typed is kept
    r = c.post(reverse("portal_rate", args=[canteen.pk]), {"score": "1", "comment": "再评一次"})
    assert r.status_code == 409
    html = r.content.decode()
    assert "您已经评价过这一事项，每人只能评价一次。" in html
    assert PublicRating.objects.count() == 1


def test_averages_and_distribution_are_public(published):
    canteen = published["canteen"]
    for i, score in enumerate([5, 5, 4, 2]):
        assert rate(visitor(f"10.0.1.{i}"), canteen, score).status_code == 303
    r = Client().get(reverse("portal_shishi_detail", args=[canteen.pk]))
    summary = r.context["rating"]
    assert summary["count"] == 4 and summary["average"] == Decimal("4.00")
    assert [(label, n, pct) for _s, label, n, pct in summary["dist"]] == [
        ("非常满意", 2, 50), ("满意", 1, 25), ("基本满意", 0, 0), ("不满意", 1, 25), ("非常不满意", 0, 0)]
    html = r.content.decode()
    assert "平均 <b>4.00</b> 分" in html and "4 人评价" in html
    assert "4.00" in Client().get(reverse("portal_shishi")).content.decode()


def test_tasks_of_a_published_program_can_be_rated_too(published):
    p, task = published["program"], published["task_a"]
    r = rate(visitor(), task, 4, page=reverse("portal_task", args=[p.pk, task.pk]))
    assert r.status_code == 303 and r["Location"] == reverse("portal_task", args=[p.pk, task.pk]) + "#rating"
    assert PublicRating.objects.get().task_id == task.pk


def test_unpublished_tasks_cannot_be_rated(published):
    secret = published["secret"]
    c = visitor()
    c.get(reverse("portal_shishi_detail", args=[published["canteen"].pk]))      # has a visitor cookie
    r = c.post(reverse("portal_rate", args=[secret.pk]), {"score": 5})
    assert r.status_code == 404
    with pytest.raises(ServiceError, match="未公开"):
        services.rating_submit(task_id=secret.pk, score=5, rater_key="k" * 64)
    assert not PublicRating.objects.exists()


def test_a_rating_needs_the_visitor_cookie_and_a_score(published):
    canteen = published["canteen"]
    r = visitor().post(reverse("portal_rate", args=[canteen.pk]), {"score": 5})   # never opened the page
    assert r.status_code == 400 and "Cookie" in r.content.decode()
    c = visitor()
    r = rate(c, canteen, "", "没有选等级")
    assert r.status_code == 400
    html = r.content.decode()
    assert "请选择满意程度。" in html and "没有选等级" in html                # the comment typed is kept
    r = c.post(reverse("portal_rate", args=[canteen.pk]), {"score": 6})
    assert r.status_code == 400
    r = c.post(reverse("portal_rate", args=[canteen.pk]), {"score": 3, "comment": "长" * 201})
    assert r.status_code == 400 and "意见最多 200 个字。" in r.content.decode()
    assert not PublicRating.objects.exists()


def test_a_tampered_cookie_is_no_visitor(published):
    c = visitor()
    c.get(reverse("portal_shishi_detail", args=[published["canteen"].pk]))
    c.cookies["luoshi_visitor"] = c.cookies["luoshi_visitor"].value[:-3] + "xyz"
    r = c.post(reverse("portal_rate", args=[published["canteen"].pk]), {"score": 5})
    assert r.status_code == 400 and not PublicRating.objects.exists()


def test_ratings_are_throttled_per_address(published, monkeypatch):
    monkeypatch.setattr(views, "RATE_LIMIT", 3)
    tasks = [published["canteen"], published["task_a"], published["task_b"], published["task_dept"]]
    p = published["program"]
    results = []
    for i, task in enumerate(tasks):
        c = visitor("10.9.9.9")
        page = reverse("portal_shishi_detail", args=[task.pk]) if task == published["canteen"] else \
            reverse("portal_task", args=[p.pk, task.pk])
        results.append(rate(c, task, 4, page=page))
    assert [r.status_code for r in results] == [303, 303, 303, 429]
    assert "评价过于频繁" in results[-1].content.decode()
    assert PublicRating.objects.count() == 3
    # another address is not held up
    assert rate(visitor("10.9.9.10"), published["task_dept"], 4,
                page=reverse("portal_task", args=[p.pk, published["task_dept"].pk])).status_code == 303


def test_the_database_refuses_a_second_rating_by_the_same_key(published):
    services.rating_submit(task_id=published["canteen"].pk, score=5, rater_key="a" * 64)
    with pytest.raises(ServiceError, match="只能评价一次"):
        services.rating_submit(task_id=published["canteen"].pk, score=3, rater_key="a" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicRating.objects.create(task=published["canteen"], score=3, rater_key="a" * 64, created_at=clock.now())


def test_public_satisfaction_by_unit(published, city, travel):
    def add(task, score, key, when="2026-03-01"):
        with travel(when):
            services.rating_submit(task_id=task.pk, score=score, rater_key=key)
    add(published["task_a"], 5, "1")
    add(published["task_a"], 2, "2")
    add(published["task_dept"], 4, "3", "2026-04-01")     # street_a only co-operates on this one
    add(published["canteen"], 3, "4")
    street_a, street_b, dept = city["street_a"].pk, city["street_b"].pk, city["dept"].pk
    got = selectors.public_satisfaction_by_unit([street_a, street_b, dept])
    assert got == {street_a: (2, Decimal("3.50")), dept: (1, Decimal("4.00")), street_b: (1, Decimal("3.00"))}
    assert selectors.public_satisfaction_by_unit(paths=[city["street_a"].path]) == {street_a: (2, Decimal("3.50"))}
    since = timezone.make_aware(dt.datetime(2026, 3, 15))
    assert selectors.public_satisfaction_by_unit([street_a, dept], since=since) == {dept: (1, Decimal("4.00"))}
    assert selectors.public_satisfaction_by_unit(None, program=published["shishi"]) == {street_b: (1, Decimal("3.00"))}


def test_the_unit_league_shows_public_satisfaction_in_constant_queries(published, cast, city, client_for,
                                                                       django_assert_num_queries):
    c = client_for(cast["office"])
    url = reverse("program_league", args=[published["program"].code])
    c.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        r = c.get(url)
    assert "群众满意度" in r.content.decode()
    assert all(row["satisfaction"] is None for row in r.context["rows"])
    for i, task in enumerate([published["task_a"], published["task_a"], published["task_b"], published["task_dept"]]):
        services.rating_submit(task_id=task.pk, score=4 + i % 2, rater_key=f"k{i}")
    with django_assert_num_queries(len(before)):
        r = c.get(url)
    rows = {row["unit_id"]: row["satisfaction"] for row in r.context["rows"]}
    assert rows[city["street_a"].pk] == (2, Decimal("4.50")) and rows[city["dept"].pk] == (1, Decimal("5.00"))
    assert "4.50 分（2 人）" in r.content.decode()
    # another unit's liaison reads only the rows of its own tasks, as before
    r = client_for(cast["liaison_b"]).get(url)
    assert {row["unit_id"] for row in r.context["rows"]} == {city["street_b"].pk}
