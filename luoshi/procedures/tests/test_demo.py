import datetime as dt
from decimal import Decimal

from django.test import Client
from django.urls import reverse


def test_demo_matches_the_seed_and_shows_every_step(db, travel):
    from luoshi.core.presets import preset_load
    from luoshi.org.models import Person
    from luoshi.procedures import selectors
    from luoshi.procedures.daily import procedures_daily
    from luoshi.procedures.demo import procedures_demo
    from luoshi.procedures.models import Case, CaseStep, Institution

    with travel("2026-11-30"):
        preset_load(by=None, name="qingdao")
        result = procedures_demo(today=dt.date(2026, 11, 30))
        assert result["sold"] == 14 and result["area_mu"] == Decimal("590.00")
        assert result["price"] == Decimal("78460000.00") and result["kept"] == Decimal("43440000.00")
        assert result["institutions"] == 41 and result["parcels"] == 22
        again = procedures_demo(today=dt.date(2026, 11, 30))  # safe to run twice
        assert again["parcels"] == 22
        procedures_daily(dt.date(2026, 11, 30), True)
        open_codes = set(CaseStep.objects.filter(state="open", case__definition__code="pingdu-nongdi-rushi")
                         .values_list("code", flat=True))
        assert {"apply", "town_review", "joint_agri", "joint_fin", "plan", "vote", "approve", "trade", "contract"} <= open_codes
        assert Case.objects.filter(state="rejected").count() == 1
        assert CaseStep.objects.filter(state="returned").exists()
        reviews = Case.objects.filter(institution__isnull=False)
        assert {c.trigger for c in reviews} == {"exit_review", "dynamic_review"} and reviews.count() == 5
        assert CaseStep.objects.filter(case__institution__isnull=False, state="open", light="red").count() == 1
        assert Institution.objects.filter(state="active").count() == 41
        c = Client()
        assert c.login(username="pingdu", password="luoshi-demo")
        page = c.get(reverse("procedures_overview", args=["pingdu-nongdi-rushi"])).content.decode()
        assert "7,846.00" in page and "4,344.00" in page and "590.00" in page
        towns, total = selectors.town_figures(Person.objects.get(username="pingdu"), "pingdu-nongdi-rushi")
        assert total["sold"] == 14 and sum(t["sold"] for t in towns) == 14
        assert c.get(reverse("procedures_cases", args=["pingdu-nongdi-rushi"])).status_code == 200
        assert c.login(username="guozhuang", password="luoshi-demo")
        assert "郭庄村" in c.get(reverse("procedures_index")).content.decode()
        assert c.login(username="bianban", password="luoshi-demo")
        assert c.get(reverse("procedures_institutions")).content.decode().count("<tr>") >= 41
