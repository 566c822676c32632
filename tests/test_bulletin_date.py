"""The 调度通报 download refuses a date outside 1900–2100 with a located Chinese message (a 400, nothing written),
and a malformed one alike; the trend's months could not be formed from such a date."""
from __future__ import annotations

import pytest

from luoshi.documents.models import Issue


@pytest.mark.parametrize("date", ["0001-01-15", "2101-01-01", "2026-13-01"])
def test_a_date_out_of_range_is_refused_in_chinese(program, cast, client_for, date):
    before = Issue.objects.count()
    r = client_for(cast["office"]).get(f"/programs/{program['program'].code}/bulletin.docx?date={date}")
    assert r.status_code == 400 and "1900 至 2100 年间" in r.content.decode()
    assert Issue.objects.count() == before
