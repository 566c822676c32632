"""Table tests for luoshi.tasks.deadlines (plain pytest, no database)."""

import datetime as dt

import pytest

from luoshi.tasks.deadlines import DeadlineError, ParsedDeadline, parse_deadline

D = dt.date


def date(y, m, d, milestones=()):
    return ("date", D(y, m, d), "", tuple(milestones))


OPEN = ("open", None, "", ())


def open_(milestones):
    return ("open", None, "", tuple(milestones))


def every(recurrence):
    return ("recurring", None, recurrence, ())


# (value, year, expected (kind, date, recurrence, milestones))
OK_CASES = [
    # year + month
    ("2021年6月底前", 2021, date(2021, 6, 30)),
    ("2021年6月底", 2021, date(2021, 6, 30)),
    ("6月底前", 2021, date(2021, 6, 30)),
    ("9月底前完成", 2021, date(2021, 9, 30)),
    ("六月底前", 2021, date(2021, 6, 30)),
    ("十二月底前", 2021, date(2021, 12, 31)),
    ("十一月底", 2021, date(2021, 11, 30)),
    ("12月底前", 2021, date(2021, 12, 31)),
    ("10月份", 2021, date(2021, 10, 31)),
    ("10月", 2021, date(2021, 10, 31)),
    ("10月前", 2021, date(2021, 10, 31)),
    ("2022年3月", 2021, date(2022, 3, 31)),
    ("2月底前", 2024, date(2024, 2, 29)),  # leap year from the year argument
    ("2月底前", 2023, date(2023, 2, 28)),
    ("6月底前", 2030, date(2030, 6, 30)),  # year argument honoured
    ("2021年6月底前", 2030, date(2021, 6, 30)),  # a written year wins
    ("6月末启动", 2021, date(2021, 6, 30)),
    ("6月以前", 2021, date(2021, 6, 30)),
    ("6月之前", 2021, date(2021, 6, 30)),
    ("6月初", 2021, date(2021, 6, 10)),
    # whole year
    ("年底前", 2021, date(2021, 12, 31)),
    ("年内", 2021, date(2021, 12, 31)),
    ("年底", 2021, date(2021, 12, 31)),
    ("年末", 2021, date(2021, 12, 31)),
    ("全年", 2021, date(2021, 12, 31)),
    ("2021年底前", 2021, date(2021, 12, 31)),
    ("2021年", 2021, date(2021, 12, 31)),
    ("2022年底", 2021, date(2022, 12, 31)),
    ("2022年年底前", 2021, date(2022, 12, 31)),
    ("2021年度", 2021, date(2021, 12, 31)),
    ("年底前", 2025, date(2025, 12, 31)),
    ("次年", 2021, date(2022, 12, 31)),
    ("明年底前", 2021, date(2022, 12, 31)),
    ("明年6月底前", 2021, date(2022, 6, 30)),
    ("次年3月", 2023, date(2024, 3, 31)),
    ("年中", 2021, date(2021, 6, 30)),
    # exact days
    ("11月15日前", 2021, date(2021, 11, 15)),
    ("11月15日", 2021, date(2021, 11, 15)),
    ("11月15日", 2024, date(2024, 11, 15)),
    ("2021年11月15日", 2021, date(2021, 11, 15)),
    ("2021年11月15号", 2021, date(2021, 11, 15)),
    ("2021.11.15", 2021, date(2021, 11, 15)),
    ("2021-11-15", 2021, date(2021, 11, 15)),
    ("2021/11/15", 2021, date(2021, 11, 15)),
    ("2024年2月29日", 2021, date(2024, 2, 29)),
    ("2021.6", 2021, date(2021, 6, 30)),
    # 旬
    ("6月上旬", 2021, date(2021, 6, 10)),
    ("6月中旬", 2021, date(2021, 6, 20)),
    ("6月下旬", 2021, date(2021, 6, 30)),
    ("2月下旬", 2021, date(2021, 2, 28)),
    # quarters
    ("一季度", 2021, date(2021, 3, 31)),
    ("第一季度", 2021, date(2021, 3, 31)),
    ("一季度末", 2021, date(2021, 3, 31)),
    ("1季度", 2021, date(2021, 3, 31)),
    ("Q1", 2021, date(2021, 3, 31)),
    ("q2", 2021, date(2021, 6, 30)),
    ("2022Q3", 2021, date(2022, 9, 30)),
    ("三季度", 2021, date(2021, 9, 30)),
    ("四季度", 2021, date(2021, 12, 31)),
    ("第四季度前", 2021, date(2021, 12, 31)),
    ("2022年二季度", 2021, date(2022, 6, 30)),
    ("前三季度", 2021, date(2021, 9, 30)),
    ("二季度", 2023, date(2023, 6, 30)),
    # halves
    ("上半年", 2021, date(2021, 6, 30)),
    ("下半年", 2021, date(2021, 12, 31)),
    ("2022年上半年", 2021, date(2022, 6, 30)),
    ("上半年完成", 2026, date(2026, 6, 30)),
    # open-ended
    ("长期坚持", 2021, OPEN),
    ("持续推进", 2021, OPEN),
    ("长期", 2021, OPEN),
    ("常态化推进", 2021, OPEN),
    ("持续开展", 2021, OPEN),
    ("长期推进", 2021, OPEN),
    ("常年", 2021, OPEN),
    # recurring
    ("每周", 2021, every("weekly")),
    ("每月", 2021, every("monthly")),
    ("按月", 2021, every("monthly")),
    ("每月底前", 2021, every("monthly")),
    ("每季度", 2021, every("quarterly")),
    ("按季度", 2021, every("quarterly")),
    ("每半年", 2021, every("semiannual")),
    ("每年", 2021, every("yearly")),
    ("每年6月底前", 2021, every("yearly")),  # recurrence beats the date inside it
    # ranges -> the end
    ("2021年3月—6月", 2021, date(2021, 6, 30)),
    ("2022年3月—6月", 2021, date(2022, 6, 30)),
    ("3月至6月", 2021, date(2021, 6, 30)),
    ("3-6月", 2021, date(2021, 6, 30)),
    ("3月-6月底前", 2021, date(2021, 6, 30)),
    ("3月1日至6月15日", 2021, date(2021, 6, 15)),
    ("10月至次年3月", 2021, date(2022, 3, 31)),
    ("2021-06-30至2021-12-31", 2021, date(2021, 12, 31)),
    # several deadlines in one cell
    ("6月底前完成方案，年底前全面完成", 2021,
     date(2021, 12, 31, [("6月底前完成方案", D(2021, 6, 30))])),
    ("6月底前完成方案,年底前全面完成", 2022,
     date(2022, 12, 31, [("6月底前完成方案", D(2022, 6, 30))])),
    ("3月底前制定方案；6月底前启动；年底前完成。", 2021,
     date(2021, 12, 31, [("3月底前制定方案", D(2021, 3, 31)), ("6月底前启动", D(2021, 6, 30))])),
    ("一季度摸底\n二季度整改;三季度验收", 2021,
     date(2021, 9, 30, [("一季度摸底", D(2021, 3, 31)), ("二季度整改", D(2021, 6, 30))])),
    ("6月底前出台实施意见。2022年6月底前全面完成", 2021,
     date(2022, 6, 30, [("6月底前出台实施意见", D(2021, 6, 30))])),
    ("加强组织领导，6月底前完成，确保质量", 2021, date(2021, 6, 30)),  # undated ignored
    ("2021年6月底前完成，此后长期坚持", 2021,
     open_([("2021年6月底前完成", D(2021, 6, 30))])),
    ("9月底前建立机制；持续推进", 2021, open_([("9月底前建立机制", D(2021, 9, 30))])),
    ("长期坚持，年底前见到成效", 2021, date(2021, 12, 31)),  # open before a date: date wins
    ("年底前完成，每季度报送进展", 2021, date(2021, 12, 31)),  # trailing recurrence ignored
    ("每月调度，长期坚持", 2021, OPEN),  # no dated segment: the last recognised decides
    ("加强领导，每季度调度", 2021, every("quarterly")),
    # width variants, spacing, brackets
    ("２０２１年６月底前", 2021, date(2021, 6, 30)),
    ("（2021年6月底前）", 2021, date(2021, 6, 30)),
    ("  10月前 ", 2021, date(2021, 10, 31)),
    ("2021 年 11 月 15 日", 2021, date(2021, 11, 15)),
    ("６月底前完成方案　，　年底前完成", 2021,
     date(2021, 12, 31, [("６月底前完成方案", D(2021, 6, 30))])),
]


@pytest.mark.parametrize("value,year,expected", OK_CASES, ids=[c[0] for c in OK_CASES])
def test_parse_text(value, year, expected):
    result = parse_deadline(value, year=year)
    assert (result.kind, result.date, result.recurrence, result.milestones) == expected
    assert result.phrase == value.strip()


# Cell values that openpyxl hands over as dates or numbers.
CELL_CASES = [
    (dt.date(2021, 6, 30), D(2021, 6, 30), "2021-06-30"),
    (dt.datetime(2021, 5, 3, 10, 30), D(2021, 5, 3), "2021-05-03"),
    (44377, D(2021, 6, 30), "2021-06-30"),
    (44377.75, D(2021, 6, 30), "2021-06-30"),
    (44197, D(2021, 1, 1), "2021-01-01"),
]


@pytest.mark.parametrize("value,expected,phrase", CELL_CASES, ids=[str(c[0]) for c in CELL_CASES])
def test_parse_cell_value(value, expected, phrase):
    assert parse_deadline(value, year=1999) == ParsedDeadline("date", expected, "", phrase)


# (value, a fragment the message must contain)
ERROR_CASES = [
    (None, "完成时限为空"),
    ("", "完成时限为空"),
    ("   ", "完成时限为空"),
    (float("nan"), "完成时限为空"),
    ("下个月吧", "无法识别的完成时限“下个月吧”"),
    ("尽快", "“尽快”"),
    ("abc", "“abc”"),
    ("按要求", "“按要求”"),
    ("，；", "“，；”"),
    ("2021年13月", "“2021年13月”"),
    ("2月30日", "“2月30日”"),
    ("2021年0月", "“2021年0月”"),
    ("2021.02.30", "“2021.02.30”"),
    ("2023年2月29日", "“2023年2月29日”"),
    ("6月31日前", "“6月31日前”"),
    ("13月至6月", "“13月至6月”"),
    ("6月底前完成方案，2月30日前验收", "“6月底前完成方案，2月30日前验收”"),
    (12, "“12”"),
    (100000, "“100000”"),
    (True, "“True”"),
]


@pytest.mark.parametrize("value,fragment", ERROR_CASES, ids=[repr(c[0]) for c in ERROR_CASES])
def test_parse_error(value, fragment):
    with pytest.raises(DeadlineError) as excinfo:
        parse_deadline(value, year=2021)
    assert fragment in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


def test_result_is_frozen():
    result = parse_deadline("6月底前", year=2021)
    with pytest.raises(AttributeError):
        result.date = None  # type: ignore[misc]
