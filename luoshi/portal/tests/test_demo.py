"""The public-site demo: the 鼓励创新 program published, a 民生实事 program with a history, ~200 ratings; run twice,
nothing is created twice; every public page of it renders."""
from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

from luoshi.portal.demo import portal_demo
from luoshi.portal.models import PublicRating
from luoshi.demo.loader import demo_load
from luoshi.tasks.models import Milestone, ProgressReport, Task


def test_portal_demo(db, travel):
    with travel("2026-11-23"):
        demo_load()
        result = portal_demo(today=dt.date(2026, 11, 23))
        again = portal_demo(today=dt.date(2026, 11, 23))
    shishi = result["shishi"]
    assert shishi.is_shishi and again["shishi"] == shishi and again["ratings"] == 0
    assert all(p.is_public for p in result["published"] if not p.is_shishi)
    items = Task.objects.filter(program=shishi)
    assert items.count() == 6
    assert items.filter(status="closed").count() >= 3                       # past their deadline: 办结
    assert Milestone.objects.filter(task__program=shishi, done_at__isnull=False).exists()
    assert ProgressReport.objects.filter(task__program=shishi).count() > 20
    assert 190 <= PublicRating.objects.count() <= 200
    c = Client()
    for url in [reverse("portal_home"), reverse("portal_programs"), reverse("portal_shishi"),
                reverse("portal_program", args=[result["published"][0].pk])] + \
            [reverse("portal_shishi_detail", args=[t.pk]) for t in items]:
        r = c.get(url)
        assert r.status_code == 200, url
    assert "平均" in c.get(reverse("portal_shishi")).content.decode()
