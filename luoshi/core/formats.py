"""One way to write each kind of figure and each date, for pages, Word and Excel alike (issue #12 §4).

    score_text(Decimal("25.0000")) → "25.00"        scores and points: 2 decimals
    rate_text(Decimal("43.25"))    → "43.3%"        rates given in percent (0–100): 1 decimal and %
    ratio_text(Decimal("0.4325"))  → "43.3%"        the same for a ratio 0–1
    wan_text(Decimal("1234.5"))    → "1,234.50万元"  money, held in 万元
    day_text(date)                 → "2026-06-30"
    moment_text(datetime)          → "2026-06-30 14:05" in local time

Deadlines are stored as the instant their last day ends: 24:00 local, which is 00:00 of the next day. Written as
"00:00 of the next day" a deadline on the 11th read as the 12th; every date and time is therefore written through
`local_moment`, which reads exactly 00:00 local as 24:00 of the day before (day_text gives that day, moment_text
"2026-12-11 24:00"). Nothing else happens at exactly midnight to the microsecond."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

EMPTY = "—"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _fixed(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def score_text(value, places: int = 2) -> str:
    """A score or points: 25.00 (the published rounding is the scheme's; this is how it is written)."""
    d = _decimal(value)
    return EMPTY if d is None else f"{_fixed(d, places):f}"


def rate_text(value, places: int = 1) -> str:
    """A rate already in percent (0–100): 43.3%."""
    d = _decimal(value)
    return EMPTY if d is None else f"{_fixed(d, places):f}%"


def ratio_text(value, places: int = 1) -> str:
    """A ratio (0–1) as a percentage: 0.4325 → 43.3%."""
    d = _decimal(value)
    return EMPTY if d is None else rate_text(d * 100, places)


def wan_text(value, *, unit: bool = True) -> str:
    """Money held in 万元: 1,234.50万元 (unit=False: 1,234.50, for a column headed （万元）)."""
    d = _decimal(value)
    if d is None:
        return EMPTY
    text = f"{_fixed(d, 2):,f}"
    return _("%(amount)s万元") % {"amount": text} if unit else text


def local_moment(value: dt.datetime) -> tuple[dt.date, str]:
    """(day, "HH:MM") of an instant in local time, with 00:00 read as 24:00 of the day before (see the module)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    if value.time() == dt.time.min:
        return value.date() - dt.timedelta(days=1), "24:00"
    return value.date(), f"{value:%H:%M}"


def day_text(value) -> str:
    """2026-06-30. A datetime gives its local day (a deadline's last day)."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, dt.datetime):
        return f"{local_moment(value)[0]:%Y-%m-%d}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def moment_text(value) -> str:
    """2026-06-30 14:05 in local time (a deadline: 2026-06-30 24:00). A date alone is written as day_text."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, dt.datetime):
        day, hm = local_moment(value)
        return f"{day:%Y-%m-%d} {hm}"
    return day_text(value)


# The same formats as Excel number formats: a date stays a date cell (sortable, filterable), written the same way.
EXCEL_DAY = "yyyy-mm-dd"
EXCEL_MOMENT = "yyyy-mm-dd hh:mm"
EXCEL_RATIO = "0.0%"   # a cell holding a ratio 0–1
EXCEL_SCORE = "0.00"
EXCEL_WAN = "#,##0.00"
