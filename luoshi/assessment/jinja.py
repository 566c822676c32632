"""How assessment numbers and states look on a page: the filters and functions assessment templates use
(collected by luoshi.core.jinja, ADR 0043)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.html import format_html
from django.utils.translation import gettext as _

from luoshi.core import clock

from .models import RoundState


STATE_CSS = {RoundState.DRAFT: "", RoundState.COLLECTING: "extended", RoundState.SCORING: "yellow",
             RoundState.REVIEW: "yellow", RoundState.PUBLISHED: "normal", RoundState.FINAL: "closed"}


def num(value):
    """20.0000 → "20", 2.5000 → "2.5", None → "—": numbers as people write them (the stored precision stays)."""
    if value is None or value == "":
        return "—"
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return value
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def places(value, n):
    """A published number at the scheme's precision: 92.5 with 2 places → "92.50"."""
    if value is None or value == "":
        return "—"
    try:
        return str(Decimal(str(value)).quantize(Decimal(1).scaleb(-int(n))))
    except (InvalidOperation, ValueError):
        return value


def rank(value):
    """A rank: 3 → "3", 2.5 (fractional) → "2.5"."""
    return num(value)


def movement(value):
    """升降位次: +2 → ↑2, −1 → ↓1, 0 → 持平, None → —."""
    if value is None:
        return "—"
    if value > 0:
        return format_html('<span class="up" title="{}">↑{}</span>', _("上升"), value)
    if value < 0:
        return format_html('<span class="down" title="{}">↓{}</span>', _("下降"), -value)
    return _("持平")


def stars(value):
    if not value:
        return ""
    return format_html('<span class="stars" title="{}">{}</span>', _("%(n)s星") % {"n": value}, "★" * int(value))


def round_pill(rnd):
    label = rnd.get_state_display()
    if rnd.state == RoundState.PUBLISHED and rnd.appeal_deadline:
        if clock.today() > rnd.appeal_deadline:
            label = _("已公布（申诉期已结束，待定稿）")
        else:
            label = _("已公布（申诉期至%(date)s）") % {"date": f"{rnd.appeal_deadline:%Y-%m-%d}"}
    return format_html('<span class="pill {}">{}</span>', STATE_CSS.get(rnd.state, ""), label)




FILTERS = {"num": num, "places": places, "rank": rank, "movement": movement, "stars": stars}
GLOBALS = {"round_pill": round_pill}
