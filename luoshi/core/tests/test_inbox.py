"""待办 (core.inbox): every registered source's count equals its full list, for every role of the demo; every item
links to a page its person may open and the other unit's liaison may not; the page and the navigation badge show
the same numbers; messages and the digest are built from the same items; a role with no task starts on 待办."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from luoshi.core.inbox import inbox_counts, inbox_digest_run, inbox_groups, inbox_sources, inbox_total
from luoshi.core.models import Notification

DEMO_ACCOUNTS = ("admin", "office", "leader", "liaison", "liaison2", "evaluator", "inspector", "inspector2",
                 "jz_office", "sthj", "dispatcher", "cy_street", "gaige", "expert")
# what each role of the demo must find waiting (source keys), so a source that silently returns nothing fails
EXPECTED = {
    "office": {"tasks.extensions", "tasks.closures", "tasks.public_review", "assess.consequences"},
    "liaison": {"tasks.acknowledge", "tasks.report"},
    "leader": {"tasks.led_red"},
    "evaluator": {"assess.score", "assess.returned"},
    "inspector": {"ledger.verify", "ledger.assign", "ledger.escalations", "assess.appeals"},
    "inspector2": {"ledger.verify", "assess.score"},
    "dispatcher": {"intake.dispatch"},
    "cy_street": {"intake.answer"},
    "gaige": {"ideas.screen", "ideas.decide"},
    "expert": {"ideas.score"},
}


def test_every_source_registered_with_a_label():
    keys = {s.key for s in inbox_sources()}
    assert {"tasks.acknowledge", "tasks.report", "tasks.extensions", "tasks.closures", "ledger.sign", "ledger.rectify",
            "ledger.verify", "ledger.escalations", "assess.score", "assess.returned", "assess.review", "assess.appeals",
            "assess.consequences", "intake.dispatch", "intake.sign", "intake.answer", "intake.extensions",
            "ideas.screen", "ideas.score", "ideas.decide"} <= keys
    assert all(str(s.label) for s in inbox_sources())


def test_the_demo_roles_inbox(db, travel, client_for, django_assert_max_num_queries):
    """On the whole demo: per person, per source, count == len(full list); the page shows each count; each item
    opens for its person (a sample per source) and not for a liaison of another unit; the badge is the total."""
    from luoshi.demo.loader import demo_load
    from luoshi.org.models import Person

    with travel("2026-12-04"):
        demo_load()
        people = {p.username: p for p in Person.objects.filter(username__in=DEMO_ACCOUNTS)}
        outsider = _liaison_of_a_new_unit()
        for username in DEMO_ACCOUNTS:
            person = Person.objects.get(pk=people[username].pk)  # a fresh object: no scope cached across people
            counts = {s.key: n for s, n in inbox_counts(person)}
            for source in inbox_sources():
                items = source.items(person, None)
                assert counts[source.key] == len(items), (username, source.key)
                # the badge's capped count (a LIMIT inside the count) agrees below and at the cap
                for cap in (1, 2, 100):
                    assert source.count_upto(person, cap) == min(len(items), cap), (username, source.key, cap)
                assert len({(i.extra.get("key") or i.url) for i in items}) == len(items), (username, source.key)
                assert all(i.source == source.key and i.url.startswith("/") for i in items)
            found = {k for k, n in counts.items() if n}
            assert EXPECTED.get(username, set()) <= found, (username, found)
            client = client_for(person)
            with django_assert_max_num_queries(60):
                page = client.get(reverse("inbox"))
            assert page.status_code == 200
            html = page.content.decode()
            for group in page.context["groups"]:
                assert group["count"] == counts[group["key"]]
                assert f'data-source="{group["key"]}"' in html
            assert {g["key"] for g in page.context["groups"]} == found
            badge = client.get(reverse("inbox_badge")).content.decode()
            total = sum(counts.values())
            assert (f">{total}<" in badge) if total else ("badge" not in badge)
            for group in inbox_groups(person, limit=2):
                for item in group.items:
                    assert client.get(item.url).status_code == 200, (username, item)
                    if group.key.startswith(("tasks.", "ledger.", "intake.", "assess.a")):
                        assert client_for(outsider).get(item.url).status_code in (403, 404), (username, item)


def _liaison_of_a_new_unit():
    from luoshi.org.models import Unit
    from luoshi.org.services import grant_role, person_create, unit_create

    city = Unit.objects.get(parent=None, name="青岛市")
    unit = unit_create(by=None, name="测试新区", kind="district", parent=city)
    person = person_create(by=None, username="outsider", full_name="局外人", unit=unit, title="")
    grant_role(by=None, person=person, role="liaison", unit=unit)
    return person


def test_one_source_in_full_and_a_wrong_source_refused(program, cast, client_for):
    client = client_for(cast["liaison_a"])
    page = client.get(reverse("inbox") + "?source=tasks.acknowledge")
    assert page.status_code == 200
    [group] = page.context["groups"]
    assert group["key"] == "tasks.acknowledge" and group["count"] == len(group["items"]) == 2  # lead a, coop dept
    assert client.get(reverse("inbox") + "?source=nope").status_code == 400


def test_the_badge_stops_counting_at_its_cap(program, cast, client_for, monkeypatch):
    """Past the cap the badge says "N+" (each source stops counting there) and is exact below it."""
    import luoshi.core.inbox as inbox

    person = cast["liaison_a"]
    total = inbox_total(person)
    assert total >= 2
    monkeypatch.setattr(inbox, "BADGE_CAP", total + 1)
    assert f">{total}<" in client_for(person).get(reverse("inbox_badge")).content.decode()
    monkeypatch.setattr(inbox, "BADGE_CAP", 2)
    assert inbox.inbox_badge_total(person) >= 2
    assert ">1+<" in client_for(person).get(reverse("inbox_badge")).content.decode()


def test_anonymous_is_sent_to_login(client):
    for name in ("inbox", "inbox_badge"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_each_liaison_sees_only_their_units_work(program, cast):
    a = {i.url for g in inbox_groups(cast["liaison_a"], limit=None) for i in g.items}
    b = {i.url for g in inbox_groups(cast["liaison_b"], limit=None) for i in g.items}
    assert reverse("task_detail", args=[program["task_a"].pk]) in a
    assert reverse("task_detail", args=[program["task_b"].pk]) in b
    assert not a & b
    assert inbox_total(cast["outsider"]) == 0


def test_no_task_work_starts_on_the_inbox(program, cast, client_for):
    response = client_for(cast["outsider"]).get(reverse("workbench"))  # no task of this program reaches 市南区
    assert response.status_code == 302 and response["Location"] == reverse("inbox")
    assert client_for(cast["outsider"]).get(reverse("workbench") + "?board=1").status_code == 200
    assert client_for(cast["liaison_a"]).get(reverse("workbench")).status_code == 200


def test_an_extension_request_reaches_the_office_as_the_inbox_item(program, cast, travel,
                                                                   django_capture_on_commit_callbacks, mailoutbox):
    from luoshi.tasks import services

    with travel("2026-03-02"):
        task = program["task_a"]
        services.task_acknowledge(by=cast["liaison_a"], task=task)
        with django_capture_on_commit_callbacks(execute=True):
            services.task_request_extension(by=cast["liaison_a"], task=task, new_deadline=dt.date(2026, 9, 30),
                                            reason="征迁")
    [item] = inbox_groups(cast["office"], only="tasks.extensions")[0].items
    message = Notification.objects.get(recipient=cast["office"], kind="inbox")
    assert message.url.endswith(item.url) and item.title[:20] in message.title
    assert any(item.url in m.body for m in mailoutbox) and mailoutbox[-1].to == ["office@example.org"]
    assert not Notification.objects.filter(kind="inbox").exclude(recipient=cast["office"]).exists()


def test_the_daily_digest_lists_the_items_once_a_day(program, cast, travel):
    with travel("2026-03-02"):
        inbox_digest_run(None, True)
        inbox_digest_run(None, True)
    digest = Notification.objects.get(recipient=cast["liaison_a"], kind="digest")
    assert "中韩街道老旧小区改造" in digest.body and "待签收任务" in digest.body
    assert digest.title.endswith(f"{inbox_total(cast['liaison_a'])} 项")
    assert not Notification.objects.filter(recipient=cast["outsider"], kind="digest").exists()


@pytest.mark.parametrize("lang, label", [("zh-hans", "待办"), ("en", "To do")])
def test_navigation_link_in_both_languages(program, cast, client_for, lang, label):
    client = client_for(cast["liaison_a"])
    client.cookies["django_language"] = lang
    html = client.get(reverse("inbox"), HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert f">{label} <span hx-get=\"{reverse('inbox_badge')}\"" in html


def test_the_digest_is_written_in_the_sites_language_whatever_the_thread_had(program, cast, travel):
    """A job that runs after an English request in the same thread still writes the digest in 中文."""
    from django.utils import translation

    translation.activate("en")
    try:
        with travel("2026-03-02"):
            inbox_digest_run(None, True)
    finally:
        translation.deactivate()
    digest = Notification.objects.get(recipient=cast["liaison_a"], kind="digest")
    assert "待签收任务" in digest.body and "Tasks to sign" not in digest.body
