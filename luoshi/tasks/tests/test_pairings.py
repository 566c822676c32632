"""包联 screens: the office sees and manages who 包联s which unit (journaled, in its own subtrees only); a leader sees
their 包联 units with the state of the tasks those units lead, each number equal to the list it links to."""
import pytest
from django.urls import reverse

from luoshi.core.errors import PermissionDeniedError, ServiceError
from luoshi.core.models import JournalEntry
from luoshi.org import services as org_services
from luoshi.org.models import Pairing
from luoshi.tasks import selectors, services
from luoshi.tasks.warnings import warnings_run


def test_the_office_adds_and_ends_a_pairing(program, city, cast, client_for):
    c = client_for(cast["office"])
    r = c.post(reverse("pairings"), {"target": "中韩街道", "leader": "leader", "note": "区委副书记包联"}, follow=True)
    assert "已添加包联关系" in r.content.decode()
    p = Pairing.objects.get()
    assert (p.target_unit, p.helper_person, p.note) == (city["street_a"], cast["leader"], "区委副书记包联")
    assert JournalEntry.objects.filter(verb="pairing.create", actor=cast["office"]).exists()
    html = c.get(reverse("pairings")).content.decode()
    assert "中韩街道" in html and "王立新" in html
    # refusals: the same pairing twice, no helper, an unknown leader, an unknown unit — nothing stored
    for data, message in (({"target": "中韩街道", "leader": "leader"}, "已包联"),
                          ({"target": "中韩街道"}, "请指定包联领导或包联单位"),
                          ({"target": "中韩街道", "leader": "nobody"}, "没有账号或姓名为“nobody”的人员"),
                          ({"target": "不存在街道", "leader": "leader"}, "被包联单位")):
        r = c.post(reverse("pairings"), data)
        assert r.status_code == 400 and message in r.content.decode(), message
    assert Pairing.objects.count() == 1
    c.post(reverse("pairing_end", args=[p.pk]), {"reason": "工作调整"})
    assert not Pairing.objects.exists()
    [end] = JournalEntry.objects.filter(verb="pairing.end")
    assert end.reason == "工作调整"


def test_only_the_office_over_the_unit_manages_pairings(program, city, cast, client_for):
    with pytest.raises(PermissionDeniedError):
        org_services.pairing_create(by=cast["liaison_a"], target_unit=city["street_a"], helper_person=cast["leader"])
    with pytest.raises(PermissionDeniedError):  # another district
        org_services.pairing_create(by=cast["office"], target_unit=city["other_district"], helper_person=cast["leader"])
    with pytest.raises(ServiceError, match="不能包联自己"):
        org_services.pairing_create(by=cast["office"], target_unit=city["street_a"], helper_unit=city["street_a"])
    assert client_for(cast["liaison_a"]).get(reverse("pairings")).status_code == 403
    other = org_services.pairing_create(by=None, target_unit=city["other_district"], helper_person=cast["leader"])
    office = client_for(cast["office"])
    assert "市南区" not in office.get(reverse("pairings")).content.decode()
    assert office.post(reverse("pairing_end", args=[other.pk])).status_code == 404
    assert Pairing.objects.filter(pk=other.pk).exists()


def test_the_leaders_page_counts_equal_their_lists(program, city, cast, client_for, travel):
    import datetime as dt

    org_services.pairing_create(by=cast["office"], target_unit=city["street_a"], helper_person=cast["leader"])
    org_services.pairing_create(by=cast["office"], target_unit=city["street_b"], helper_person=cast["leader"])
    warnings_run(today=dt.date(2026, 3, 2), notify=False)  # the February report missed: red
    leader = client_for(cast["leader"])
    with travel("2026-03-02"):
        r = leader.get(reverse("my_pairings"))
    units = {u["unit"]: u for u in r.context["units"]}
    assert set(units) == {"中韩街道", "沙子口街道"}
    for u in units.values():
        for row in u["rows"]:
            for status in ("", "red", "yellow", "normal", "closed", "extended"):
                url = row["url"] + (f"&status={status}" if status else "")
                with travel("2026-03-02"):
                    listed = leader.get(url).context["tasks"]
                assert len(listed) == row[status or "total"], (u["unit"], status)
    assert units["中韩街道"]["red"] == 1
    # a person with no 包联 sees an empty page, not someone else's units
    assert client_for(cast["liaison_b"]).get(reverse("my_pairings")).context["units"] == []
    assert selectors.pairing_units_state(cast["liaison_b"]) == []
