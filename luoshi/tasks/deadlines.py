"""Parse the Chinese deadline phrases (完成时限) of government task lists.

``parse_deadline("6月底前完成方案，年底前全面完成", year=2021)`` returns a
``ParsedDeadline`` with ``date=2021-12-31`` and the milestone
``("6月底前完成方案", 2021-06-30)``.  Only the standard library is used.

How a cell is read:

1. Dates, datetimes and Excel serial numbers are taken as they are.
2. Text is split into segments on ；;，,。 and newlines.  Each segment is
   NFKC-normalised (full-width digits/brackets become ASCII) and read as
   recurring (每月…), dated (6月底前…) or open-ended (长期坚持…), in that
   order, so "每年6月底前" is recurring rather than a single date.
3. The last dated segment is the deadline and earlier dated segments are
   milestones.  When an open-ended segment comes after the last dated one
   ("……，此后长期坚持") the result is "open" and every dated segment is a
   milestone.  Undated segments are otherwise ignored; if no segment has a
   date, the last recognised one decides the kind.
"""

import calendar
import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass

from luoshi.core import numerals

__all__ = ["DeadlineError", "ParsedDeadline", "parse_deadline"]


class DeadlineError(ValueError):
    """message is a short Chinese explanation, e.g. '无法识别的完成时限“下个月吧”'"""


@dataclass(frozen=True)
class ParsedDeadline:
    kind: str  # "date" | "open" | "recurring"
    date: dt.date | None  # the final deadline for kind "date"; None otherwise
    recurrence: str  # "" | "weekly" | "monthly" | "quarterly" | "semiannual" | "yearly"
    phrase: str  # the original text, whitespace-trimmed (date cells: ISO string)
    milestones: tuple[tuple[str, dt.date], ...] = ()


class _BadDate(Exception):
    """A phrase that looks like a date but names an impossible one."""


# A month (or quarter) number: 1-2 ASCII digits or a Chinese numeral 一…十二.
# Out-of-range digits such as 13 are matched on purpose so they can be rejected.
_NUM = r"(?:\d{1,2}|十[一二]?|[一二三四五六七八九])"
# Keeps "12月" from also being read as "2月", and "十二月" as "二月".
_NO_NUM_BEFORE = r"(?<![\d一二三四五六七八九十])"
# Optional year prefix of month/quarter/half phrases: 2021年, 2021年度, 次年, 明年.
_YEAR = r"(?:(?P<y>\d{4})\s*年度?|(?P<nx>次|明|翌|下一?)年度?)?\s*"
# Year-word phrases (年底, 2021年底, 2021年年底, 明年底): the 年 is the one in 年底.
_YEAR_WORD = r"(?<!\d)(?:(?P<y>\d{4})\s*年?|(?P<nx>次|明|翌|下一?))?\s*年"

_SEPARATORS = re.compile(r"[;；,，。\n\r]+")
_TRIM = " \t\u3000;；,，。、:：.．!！?？"

# Checked first: a segment mentioning a period is recurring even if it names a day.
_RECURRING = [
    ("weekly", re.compile(r"[每按逐]\s*(?:周|星期|礼拜)")),
    ("monthly", re.compile(r"[每按逐]\s*个?\s*月")),
    ("quarterly", re.compile(r"[每按逐]\s*个?\s*季")),
    ("semiannual", re.compile(r"[每按]\s*半\s*年")),
    ("yearly", re.compile(r"[每按逐]\s*年")),
]
# Checked last: only when the segment names no date.
_OPEN = re.compile(r"长期|持续|常态|常年|经常|坚持|始终|久久为功")

# "3月至6月", "3-6月", "2021年3月—6月", "3月1日至6月30日": the start of the range
# is deleted so that the end is what the date rules see ("2021年6月").
_RANGE = re.compile(
    rf"{_NO_NUM_BEFORE}(?P<m>{_NUM})\s*月?(?:\s*(?P<d>\d{{1,2}})\s*[日号])?\s*(?:至|到|[—–―~-]+)\s*"
    rf"(?=(?:\d{{4}}\s*年|次年|明年)?\s*{_NUM}\s*月)")

# (regex, rule) in priority order; within a segment the first rule that
# matches wins and its last match is used.
_DATE_RULES = [(re.compile(rx), rule) for rx, rule in [
    # 2021.11.15 / 2021-11-15 / 2021/11/15 (the same separator twice)
    (r"(?<!\d)(?P<y>\d{4})\s*(?P<s>[./-])\s*(?P<m>\d{1,2})\s*(?P=s)\s*(?P<d>\d{1,2})(?!\d)", "day"),
    # 11月15日, 2021年11月15号
    (rf"{_YEAR}{_NO_NUM_BEFORE}(?P<m>{_NUM})\s*月\s*(?P<d>\d{{1,2}})\s*[日号]", "day"),
    # 2021.6 / 2021-06 (year and month only)
    (r"(?<!\d)(?P<y>\d{4})\s*[./-]\s*(?P<m>\d{1,2})(?![\d./-])", "month"),
    # 6月, 10月份, 六月底前, 2022年3月, 6月上旬/中旬/下旬, 6月初, 6月中
    (rf"{_YEAR}{_NO_NUM_BEFORE}(?P<m>{_NUM})\s*月\s*份?\s*(?P<part>上旬|中旬|下旬|初|中|底|末)?", "month"),
    # 一季度, 第一季度, 1季度, 三季度末, 前三季度, 2022年二季度
    (rf"{_YEAR}前?\s*第?\s*{_NO_NUM_BEFORE}(?P<q>[1-4一二三四])\s*季", "quarter"),
    # Q1, 2022Q1, 2022年Q1
    (r"(?<![A-Za-z])(?:(?P<y>\d{4})\s*年?\s*)?[Qq]\s*(?P<q>[1-4])(?!\d)", "quarter"),
    # 上半年, 下半年, 2022年上半年
    (rf"{_YEAR}(?P<h>[上下])\s*半\s*年", "half"),
    # 年中, 2022年年中 -> 6月30日
    (rf"{_YEAR_WORD}中(?!旬)", "midyear"),
    # 年底, 年底前, 年末, 年内, 年度内, 2021年底前, 明年底
    (rf"{_YEAR_WORD}(?:底|末|内|度内)", "yearend"),
    # 2021年, 2021年度, 次年, 明年, 全年, 本年, 今年, 当年
    (r"(?<!\d)(?:(?P<y>\d{4})|(?P<nx>次|明|翌))\s*年|全年|本年|今年|当年", "yearend"),
]]

_MONTH_PART_DAY = {"上旬": 10, "初": 10, "中": 15, "中旬": 20}  # others: month end


def _num(text: str) -> int:
    """A month or quarter number as _NUM matched it (12, 十二)."""
    n = numerals.parse_int(text)
    assert n is not None, text  # _NUM only matches digits and the numerals 一…十二
    return n


def _make_date(y: int, m: int, d: int | None, source: str) -> dt.date:
    """Build a date (d=None: last day of the month); never clamps."""
    try:
        if not 1 <= m <= 12:
            raise ValueError
        return dt.date(y, m, calendar.monthrange(y, m)[1] if d is None else d)
    except ValueError:
        raise _BadDate(source) from None


def _match_to_date(match: re.Match, rule: str, year: int) -> dt.date:
    g = match.groupdict()
    y = int(g["y"]) if g.get("y") else year + 1 if g.get("nx") else year
    source = match.group(0).strip()
    if rule == "day":
        return _make_date(y, _num(g["m"]), int(g["d"]), source)
    if rule == "month":
        return _make_date(y, _num(g["m"]), _MONTH_PART_DAY.get(g.get("part") or ""), source)
    if rule == "quarter":
        return _make_date(y, 3 * _num(g["q"]), None, source)
    if rule == "half":
        return _make_date(y, 6 if g["h"] == "上" else 12, None, source)
    if rule == "midyear":
        return _make_date(y, 6, None, source)
    return _make_date(y, 12, None, source)  # yearend


def _drop_range_start(match: re.Match) -> str:
    """re.sub callback for _RANGE: an impossible range start still raises."""
    if not 1 <= _num(match["m"]) <= 12 or not 1 <= int(match["d"] or 1) <= 31:
        raise _BadDate(match.group(0).strip())
    return ""


def _parse_segment(text: str, year: int) -> tuple[str, dt.date | None, str] | None:
    """(kind, date, recurrence) for one segment, or None if it says nothing usable."""
    s = unicodedata.normalize("NFKC", text).strip()
    for recurrence, rx in _RECURRING:
        if rx.search(s):
            return "recurring", None, recurrence
    s = _RANGE.sub(_drop_range_start, s)
    for rx, rule in _DATE_RULES:
        matches = list(rx.finditer(s))
        if matches:
            return "date", _match_to_date(matches[-1], rule, year), ""
    if _OPEN.search(s):
        return "open", None, ""
    return None


def _from_cell_value(value) -> dt.date | None:
    """The date of a date/datetime cell or an Excel serial number, else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 30000 <= value <= 80000:  # 1900 date system; serial 1 is 1900-01-01
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
        raise DeadlineError(f"无法识别的完成时限“{value}”")
    return None


def parse_deadline(value, *, year: int) -> ParsedDeadline:
    """Parse one 完成时限 cell; ``year`` is used when the phrase names none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise DeadlineError("完成时限为空")
    cell_date = _from_cell_value(value)
    if cell_date is not None:
        return ParsedDeadline("date", cell_date, "", cell_date.isoformat())
    if not isinstance(value, str):
        raise DeadlineError(f"无法识别的完成时限“{value}”")
    phrase = value.strip()
    if not phrase:
        raise DeadlineError("完成时限为空")

    segments = [seg.strip(_TRIM) for seg in _SEPARATORS.split(phrase)]
    parsed = []  # (segment text, kind, date, recurrence) of recognised segments
    for seg in filter(None, segments):
        try:
            result = _parse_segment(seg, year)
        except _BadDate as exc:
            bad = "" if str(exc) == phrase else f"中的“{exc}”"
            raise DeadlineError(f"完成时限“{phrase}”{bad}不是有效日期") from None
        if result is not None:
            parsed.append((seg, *result))
    if not parsed:
        raise DeadlineError(f"无法识别的完成时限“{phrase}”")

    dated = [(seg, date) for seg, kind, date, _ in parsed if kind == "date" and date is not None]
    if not dated:  # only open-ended / recurring segments: the last one decides
        _, kind, _, recurrence = parsed[-1]
        return ParsedDeadline(kind, None, recurrence, phrase)
    last_dated = max(i for i, item in enumerate(parsed) if item[1] == "date")
    if any(kind == "open" for _, kind, _, _ in parsed[last_dated + 1:]):
        return ParsedDeadline("open", None, "", phrase, tuple(dated))
    return ParsedDeadline("date", dated[-1][1], "", phrase, tuple(dated[:-1]))
