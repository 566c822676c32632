"""core.numerals (cn2an): the numbers the callers meet — 序号 of a task sheet, months and quarters in deadline
phrases, the ordinals of a 公文 — and what is not a number."""
import pytest

from luoshi.core import numerals
from luoshi.tasks.deadlines import parse_deadline
from luoshi.tasks.importer import parse_number


@pytest.mark.parametrize("text, n", [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十一", 21),
                                     ("九十九", 99), ("一百零一", 101), ("一十二", 12), ("零", 0), ("两", 2),
                                     ("12", 12), (" 7 ", 7)])
def test_parse_int(text, n):
    assert numerals.parse_int(text) == n


@pytest.mark.parametrize("text", ["", "十十", "二二", "十二十", "负一", "一点五", "十二月", "１２", "abc", "二〇二六年"])
def test_what_is_not_a_whole_number(text):
    assert numerals.parse_int(text) is None


@pytest.mark.parametrize("n, text", [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (21, "二十一"), (99, "九十九"),
                                     (100, "100"), (0, "0"), (-3, "-3")])
def test_to_chinese(n, text):
    assert numerals.to_chinese(n) == text


def test_round_trip_of_the_ordinals():
    assert all(numerals.parse_int(numerals.to_chinese(n)) == n for n in range(1, 100))


@pytest.mark.parametrize("raw, expected", [("十二、", (0, "12")), ("二十一、", (0, "21")), ("（二十一）", (1, "21")),
                                           ("(三)", (1, "3")), ("十十、", None), ("（二二）", None)])
def test_task_sheet_numbers(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize("phrase, day", [("十二月底前", "2026-12-31"), ("十一月15日", "2026-11-15"),
                                          ("第三季度", "2026-09-30"), ("二季度末", "2026-06-30")])
def test_deadline_months_and_quarters(phrase, day):
    assert str(parse_deadline(phrase, year=2026).date) == day


def test_ordinal_key_orders_headings_by_their_numeral():
    from luoshi.core.numerals import ordinal_key

    headings = ["三、民生保障", "一、营商环境", "十一、其他", "二、科技创新", "四、生态环境", "", "附：说明"]
    assert sorted(headings, key=ordinal_key) == ["一、营商环境", "二、科技创新", "三、民生保障", "四、生态环境",
                                                 "十一、其他", "", "附：说明"]
    assert sorted(["（三）c", "（一）a", "(二)b"], key=ordinal_key) == ["（一）a", "(二)b", "（三）c"]
