"""How a finding's state looks on a page: one place for the status pill — its colour and words — used by the
list (plain values into the template) and by the other templates (through the `finding_pill` tag)."""
from __future__ import annotations

from django.utils.html import format_html
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
