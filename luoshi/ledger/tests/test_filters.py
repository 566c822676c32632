"""The findings list's filters (ledger.filters, django-filter): bad query parameters give a Chinese message on
the page, never a 500; good ones narrow the list inside the user's scope."""
import pytest
from django.urls import reverse

from .fixtures_ledger import *  # noqa: F401,F403
from .fixtures_ledger import record

HUGE = "12345678901234567890"  # 20 digits: past a 64-bit integer


def listing(client, **params):
    return client.get(reverse("ledger_findings", args=["demo-2026"]), params)


@pytest.mark.parametrize("params, message", [
    ({"found_from": "0001-01-01"}, "发现日期自：日期须在 1900 年至 2100 年之间"),
    ({"found_to": "9999-12-31"}, "至：日期须在 1900 年至 2100 年之间"),
    ({"found_from": "2026-02-30"}, "发现日期自："),
    ({"unit": HUGE}, "单位："),
    ({"unit": "-3"}, "单位："),
    ({"sheet": HUGE}, "交办单："),
    ({"round": "abc"}, "督导轮次："),
    ({"category": HUGE}, "类别："),
    ({"status": "bogus"}, "状态："),
])
def test_bad_filter_values_give_a_message_not_a_500(findings, cast, client_for, travel, params, message):
    with travel("2026-03-02"):
        f = record(findings)
    r = listing(client_for(cast["office"]), **params)
    assert r.status_code == 200
    page = r.content.decode()
    assert 'class="msg error"' in page and message in page
    assert f.code in page  # the bad filter is left out, the others apply


def test_a_page_number_past_any_integer_shows_the_last_page(findings, cast, client_for, travel):
    with travel("2026-03-02"):
        f = record(findings)
    r = listing(client_for(cast["office"]), page="9223372036854775809")
    assert r.status_code == 200 and f.code in r.content.decode()


def test_filters_narrow_the_list_within_the_scope(findings, cast, client_for, travel):
    with travel("2026-03-02"):
        a = record(findings, unit="street_a")
    with travel("2026-03-10"):
        b = record(findings, unit="street_b")
    office = client_for(cast["office"])
    page = listing(office, found_from="2026-03-05").content.decode()
    assert b.code in page and a.code not in page
    page = listing(office, unit=a.unit_id).content.decode()
    assert a.code in page and b.code not in page
    # a liaison filtering on the other street's unit sees nothing of it
    page = listing(client_for(cast["liaison_a"]), unit=b.unit_id).content.decode()
    assert b.code not in page
