"""How a finding's state looks on a page: one place for the status pill — its colour and words — used by the
list (plain values into the template) and by the other templates (through the `finding_pill` tag)."""
from __future__ import annotations

import unicodedata

from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .models import OWING_STATUSES, FindingStatus

PILL_CSS = {"closed": "closed", "submitted": "extended", "recorded": "yellow"}


def status_labels() -> dict[str, str]:
    """The status names in the active language, plus the overdue marker; built once per page."""
    return {k: str(v) for k, v in FindingStatus.choices} | {"overdue": _("逾期")}


def pill_of(status: str, deadline, today, labels: dict) -> tuple[str, str, bool]:
    """(css class, words, overdue?) of a finding's pill as of `today`."""
    overdue = status in OWING_STATUSES and deadline is not None and deadline < today
    css = "red" if overdue else PILL_CSS.get(status, "normal")
    return css, (labels["overdue"] + "·" if overdue else "") + labels[status], overdue


def status_pill(finding, today, labels: dict | None = None):
    """(pill HTML, overdue?) for a finding as of `today` (the `finding_pill` tag)."""
    css, text, overdue = pill_of(finding.status, finding.deadline, today, labels or status_labels())
    return format_html('<span class="pill {}">{}</span>', css, text), overdue


def cut(text: str, length: int) -> str:
    """`Truncator(text).chars(length)` (the list's `truncatechars`): it normalizes the text (NFC) and cuts it when it
    has more than `length` characters, not counting combining ones. A text that fits (most do) then costs a
    normalize and a len(), not a translation and a walk over its characters."""
    text = unicodedata.normalize("NFC", text)
    return text if len(text) <= length else Truncator(text).chars(length)
