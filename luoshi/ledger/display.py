"""How a finding's state looks on a page: one place for the status pill, used by the list (built in Python
for speed) and by the templates (through the `finding_pill` tag)."""
from __future__ import annotations

from django.utils.html import format_html
from django.utils.translation import gettext as _

from .models import OWING_STATUSES, FindingStatus


def status_labels() -> dict[str, str]:
    """The status names in the active language, plus the overdue marker; built once per page."""
    return {k: str(v) for k, v in FindingStatus.choices} | {"overdue": _("逾期")}


def status_pill(finding, today, labels: dict | None = None):
    """(pill HTML, overdue?) for a finding as of `today`."""
    labels = labels or status_labels()
    overdue = finding.status in OWING_STATUSES and finding.deadline is not None and finding.deadline < today
    css = ("red" if overdue else {"closed": "closed", "submitted": "extended", "recorded": "yellow"}.get(
        finding.status, "normal"))
    text = (labels["overdue"] + "·" if overdue else "") + labels[finding.status]
    return format_html('<span class="pill {}">{}</span>', css, text), overdue
