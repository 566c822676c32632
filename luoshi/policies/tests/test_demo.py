import datetime as dt
from decimal import Decimal

from django.db.models import Sum
from django.test import Client
from django.urls import reverse


def test_demo_builds_the_dictionary_profiles_and_two_paid_batches(db, travel):
    from luoshi.core.presets import preset_load
    from luoshi.policies.demo import policies_demo
    from luoshi.policies.models import Clause, EnterpriseMember, Payout, PayoutBatch, Tag, Theme

    with travel("2026-11-30"):
        preset_load(by=None, name="qingdao")
        result = policies_demo(today=dt.date(2026, 11, 30))
        assert Theme.objects.count() == 8 and Tag.objects.count() == 37
        assert Clause.objects.filter(code__startswith="CY-").count() == 241
        assert result["enterprises"] == 1000 and result["batches"] == 2
        for batch in PayoutBatch.objects.filter(state="confirmed"):
            paid = Payout.objects.filter(batch=batch, confirmed=True)
            assert batch.count == paid.count() > 0
            assert batch.total == paid.aggregate(t=Sum("amount"))["t"]
        assert result["paid"] == sum((b.total for b in PayoutBatch.objects.filter(state="confirmed")), Decimal(0))
        assert PayoutBatch.objects.filter(state="draft").count() == 1
        again = policies_demo(today=dt.date(2026, 11, 30))  # safe to run twice
        assert again["clauses"] == result["clauses"]

        c = Client()
        assert c.login(username="qiye", password="luoshi-demo")
        own = EnterpriseMember.objects.get(person__username="qiye").enterprise
        r = c.get(reverse("policies_index"))
        assert r.status_code == 302 and r.url == reverse("policies_enterprise", args=[own.pk])
        body = c.get(r.url).content.decode()
        assert "差一项即可享受" in body and own.name in body
        assert c.login(username="fagai", password="luoshi-demo")
        assert c.get(reverse("policies_batches")).status_code == 200
        assert "工业企业营收增长奖励" in c.get(reverse("policies_batches"), {"state": "draft"}).content.decode()
