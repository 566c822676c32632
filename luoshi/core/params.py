"""The bounds every interface checks a parameter against before it reaches a query: ids, days, moments, page
numbers, counts and text.

A value can be well-formed and still break the database or the clock: an id past 64 bits overflows SQLite's
integers and PostgreSQL's bigint, 0001-01-01 overflows when it becomes a moment in the local time zone, a page
number of 9223372036854775809 makes an OFFSET no database takes, NaN passes `float()`, and a NUL character is
refused by PostgreSQL. Each interface checks these in one place with the types and functions below:

* the REST API (django-ninja): the annotated types `Id`, `Day`, `Moment`, `PageNo`, `Count`, `Percent`,
  `Coordinate` in its schemas and signatures (so the OpenAPI schema states the bounds, and
  `api/tests/test_params.py` refuses an integer or a date without them);
* pages: `core.filters` (IdField, DayField) and `query_id` / `query_date` in `core.http`;
* Open311: `intake/open311/params.py`, with these same bounds.
"""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field

MAX_ID = 2**63 - 1  # the largest primary key both databases store
MAX_PAGE = 1_000_000  # past this no list has rows; a larger number is refused instead of becoming an OFFSET
MAX_COUNT = 1_000_000  # days, sizes, counts a person may ask for
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)


def day_in_range(value: dt.date) -> dt.date:
    """The day when it lies in 1900–2100 (ValueError in the user's language otherwise)."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(_("日期须在 1900 年至 2100 年之间。"))
    return value


def finite(value: float) -> float:
    """The number when it is finite (NaN and ±inf are refused)."""
    if not math.isfinite(value):
        raise ValueError(_("须为有限的数。"))
    return value


def no_nul(value: str) -> str:
    """The text when it holds no NUL character (PostgreSQL stores none; no person types one)."""
    if "\x00" in value:
        raise ValueError(_("含有不允许的控制字符。"))
    return value


def parse_id(raw: str | None) -> int | None:
    """A row id from a query string: None when it is missing, not a number, below 1 or past 64 bits."""
    raw = (raw or "").strip()
    if not raw.isdigit() or len(raw) > 19:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def parse_day(raw: str | None) -> dt.date | None:
    """An ISO day from a query string: None when it is missing, not a date or outside 1900–2100."""
    raw = (raw or "").strip()
    try:
        day = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return day if day is not None and FIRST_DAY <= day <= LAST_DAY else None


# ---- pydantic / django-ninja types ---------------------------------------------------------------------------
DAY_SCHEMA = {"x-luoshi-range": f"{FIRST_DAY.isoformat()}..{LAST_DAY.isoformat()}"}

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PageNo = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Percent = Annotated[int, Field(ge=0, le=100)]
Year = Annotated[int, Field(ge=FIRST_DAY.year, le=LAST_DAY.year)]
Day = Annotated[dt.date, AfterValidator(day_in_range), Field(json_schema_extra=DAY_SCHEMA)]
Moment = Annotated[dt.datetime, AfterValidator(day_in_range), Field(json_schema_extra=DAY_SCHEMA)]
Latitude = Annotated[float, AfterValidator(finite), Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, AfterValidator(finite), Field(ge=-180, le=180, allow_inf_nan=False)]
Text = Annotated[str, AfterValidator(no_nul)]
SmallInt = Annotated[int, Field(ge=-MAX_COUNT, le=MAX_COUNT)]  # a number the service judges (with its own words)
Points = Annotated[Decimal, Field(ge=-MAX_COUNT, le=MAX_COUNT, allow_inf_nan=False)] | Annotated[
    int, Field(ge=-MAX_COUNT, le=MAX_COUNT)]
LatitudeDecimal = Annotated[Decimal, Field(ge=-90, le=90, allow_inf_nan=False)]
LongitudeDecimal = Annotated[Decimal, Field(ge=-180, le=180, allow_inf_nan=False)]


def _pages():
    from ninja import Field as NinjaField, Schema
    from ninja.pagination import PageNumberPagination

    class Pages(PageNumberPagination):
        """django-ninja's page-number pagination with the page number and size bounded (a page past the end is
        an empty list; a number past MAX_PAGE is refused, not turned into an OFFSET the database cannot take)."""

        class Input(Schema):
            page: int = NinjaField(1, ge=1, le=MAX_PAGE)
            page_size: int | None = NinjaField(None, ge=1, le=1000)

        def _items_count(self, queryset) -> int:
            # a list that knows its total from maintained counts says so (`counted`), instead of a COUNT(*) of its rows
            known = getattr(queryset, "known_count", None)
            return known if known is not None else super()._items_count(queryset)

    return Pages


Pages = _pages()


def counted(queryset, total: int | None):
    """`queryset` for a `Pages` list, carrying its total when the caller knows it (None: Pages counts the rows)."""
    queryset.known_count = total
    return queryset


class BodyIn(Schema):
    """What a REST request body is read into: a key the schema does not have is refused (422 naming it), not
    ignored — a misspelt `percnet` must not leave the progress unreported while the answer says 200."""

    model_config = ConfigDict(extra="forbid")
