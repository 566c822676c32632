import datetime as dt

from django.urls import reverse


def test_demo_builds_a_campaign_in_every_state(db, travel):
    from luoshi.ideas.demo import ideas_demo
    from luoshi.ideas.models import Idea, IdeaState
    from luoshi.core.presets import preset_load

    with travel("2026-11-30"):
        preset_load(by=None, name="qingdao")
        result = ideas_demo(today=dt.date(2026, 11, 30))
        assert result["ideas"] == 60 and result["provinces"] == 15 and result["experts"] == 5
        assert result["adopted"] == 20 and result["tasks"] == 6
        assert set(Idea.objects.values_list("state", flat=True)) == set(IdeaState.values)
        assert Idea.objects.filter(score_count=5).exists() and Idea.objects.exclude(award="").count() == 12
        again = ideas_demo(today=dt.date(2026, 11, 30))  # safe to run twice
        assert again["campaign"] == result["campaign"] and Idea.objects.count() == 60
        from django.test import Client

        c = Client()
        assert c.login(username="gaige", password="luoshi-demo") and c.login(username="expert", password="luoshi-demo")
        assert c.get(reverse("ideas_queue")).status_code == 200
        c.login(username="gaige", password="luoshi-demo")
        page = c.get(reverse("ideas_campaign_stats", args=[result["campaign"].pk])).content.decode()
        assert "山东省" in page and "采纳率" in page
        assert c.get(reverse("portal_idea_new")).status_code == 200
