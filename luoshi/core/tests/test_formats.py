"""One format per kind of figure and one date format (core/formats.py, issue #12 §4), and a scan that keeps pages
from writing their own."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import engines

from luoshi.core import formats

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_scores_rates_and_money_are_written_one_way():
    assert formats.score_text(Decimal("25.0000")) == "25.00"
    assert formats.score_text(Decimal("92.345")) == "92.35"  # half up, as offices round
    assert formats.score_text(None) == "—"
    assert formats.rate_text(Decimal("43.25")) == "43.3%" and formats.rate_text(100) == "100.0%"
    assert formats.ratio_text(Decimal("0.5")) == "50.0%"
    assert formats.wan_text(Decimal("12345.6")) == "12,345.60万元"
    assert formats.wan_text(Decimal("3"), unit=False) == "3.00"


def test_a_deadline_at_the_end_of_the_11th_is_written_as_the_11th():
    """Deadlines are stored as 24:00 local of their last day (00:00 of the next day): written as the 11th, not 12-12."""
    end_of_11th = dt.datetime(2026, 12, 12, 0, 0, tzinfo=SHANGHAI).astimezone(dt.timezone.utc)
    assert formats.day_text(end_of_11th) == "2026-12-11"
    assert formats.moment_text(end_of_11th) == "2026-12-11 24:00"
    afternoon = dt.datetime(2026, 12, 11, 6, 5, tzinfo=dt.timezone.utc)  # 14:05 in Shanghai
    assert formats.moment_text(afternoon) == "2026-12-11 14:05" and formats.day_text(afternoon) == "2026-12-11"
    late_utc = dt.datetime(2026, 12, 11, 17, 30, tzinfo=dt.timezone.utc)  # already the 12th in Shanghai
    assert formats.day_text(late_utc) == "2026-12-12"
    assert formats.day_text(dt.date(2026, 6, 30)) == "2026-06-30" and formats.day_text(None) == "—"


def test_the_template_filters_are_the_same_functions():
    end_of_11th = dt.datetime(2026, 12, 12, 0, 0, tzinfo=SHANGHAI)
    html = engines["jinja2"].from_string("{{ s|score }} {{ r|rate }} {{ m|wan }} {{ d|day }} {{ t|moment }}").render(
        {"s": Decimal("25.0000"), "r": Decimal("9.96"), "m": Decimal("2"), "d": dt.date(2026, 1, 5), "t": end_of_11th})
    assert html == "25.00 10.0% 2.00万元 2026-01-05 2026-12-11 24:00"


TEMPLATES = Path(settings.BASE_DIR) / "luoshi"
# a date written with Django's date filter in a form's value, min or max (an <input type=date/month> needs ISO
# dates there) is not a date shown to a reader
INPUT_VALUE = re.compile(r'(?:value|min|max)="[^"]*\|date\(\'Y-m(-d)?\'\)')
STRAY = re.compile(r"\|date\(|\|cndate\b|\|floatformat\(\"?2\"?\)")


def test_no_page_writes_its_own_date_or_score_format():
    """Pages write dates with |day / |moment and scores with |score (or the scheme's |places): a page that formats a
    date with |date("…") writes it a fourth way."""
    stray = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = INPUT_VALUE.sub("", line)
            line = line.replace('|date("Y-m")', "")  # a month (2026-06) in a month table is not a date
            if STRAY.search(line):
                stray.append(f"{path.relative_to(TEMPLATES.parent)}:{n}: {STRAY.search(line).group(0)}")
    assert not stray, "\n".join(stray)


def test_a_stored_reason_reads_in_the_readers_language():
    """Reasons the system stores in Chinese (a task's 状态说明, a project's light) show translated in English mode."""
    from django.utils import translation

    from luoshi.core.reasons import reason_text
    from luoshi.projects.figures import R_INVEST_BEHIND, R_PHASE_LATE
    from luoshi.tasks.status import R_LAGGING, R_OVERDUE

    overdue = R_OVERDUE % {"days": 3}
    lagging = R_LAGGING % {"expected": 60, "actual": 20}
    assert overdue == "已逾期3天"
    with translation.override("zh-hans"):
        assert reason_text(overdue) == "已逾期3天"
    with translation.override("en"):
        assert reason_text(overdue) == "3 days overdue"
        assert reason_text(lagging) == "Behind schedule (should be 60%, is 20%)"
        both = (R_PHASE_LATE % {"phase": "开工", "date": "2026-03-01", "days": 5} + "；"
                + R_INVEST_BEHIND % {"ratio": "40.0", "limit": "60"})
        assert "；" not in reason_text(both) and "计划" not in reason_text(both)
        assert reason_text("群众反映的问题") == "群众反映的问题"  # typed by a person: as it is
