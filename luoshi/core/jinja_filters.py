"""The filters and functions every app's templates use (luoshi.core.jinja adds them to the engine, ADR 0043)."""
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _, gettext_lazy

from luoshi.core import formats
from luoshi.core.journal_text import journal_rows, verb_text
from luoshi.core.reasons import reason_text


LABELS = {"normal": gettext_lazy("正常"), "yellow": gettext_lazy("黄灯"), "red": gettext_lazy("红灯"),
          "extended": gettext_lazy("已延期"), "closed": gettext_lazy("已办结")}


def status_pill(status, reason=""):
    return format_html('<span class="pill {}" title="{}">{}</span>', status, reason_text(reason),
                       LABELS.get(status, status))


def reason(stored):
    """A reason the system stored in Chinese, in the reader's language (core.reasons)."""
    return reason_text(stored)


def period_label(period):
    """A reporting period as ReportingPeriod.__str__ writes it (第3期（03.26–04.25）), translatable."""
    return _("第%(seq)s期（%(start)s–%(due)s）") % {
        "seq": period.seq, "start": f"{period.start:%m.%d}", "due": f"{period.due:%m.%d}"}


# One format per kind of figure and one date format (core/formats.py); pages use these filters, Word and Excel the
# functions behind them.
def score(value):
    return formats.score_text(value)


def rate(value):
    return formats.rate_text(value)




def ratio(value):
    return formats.ratio_text(value)


def wan(value):
    return formats.wan_text(value)


def day(value):
    return formats.day_text(value)


def moment(value):
    return formats.moment_text(value)


def get(mapping, key):
    return mapping.get(key) if mapping else None


def verb_label(verb):
    return verb_text(verb)


def journal_changes(entry):
    """A journal entry's changes as a reader wants them (core.journal_text): 字段：旧 → 新."""
    return escape(journal_rows([entry])[0].changes_text)


def masked(text):
    """Phone and ID numbers masked (138****1234), for anything a page shows beyond its staff."""
    from luoshi.core.privacy import mask_personal

    return mask_personal(str(text or ""))


def unit_picker(name, value="", multiple=False, box_id=""):
    """A unit box outside a Django form (a list's filter): the same picker as core.widgets.UnitPicker."""
    from luoshi.core.widgets import UnitPicker

    return UnitPicker(multiple=multiple).render(name, value, attrs={"id": box_id or f"id_{name}"})


FILTERS = {"reason": reason, "period_label": period_label, "score": score, "rate": rate, "ratio": ratio, "wan": wan, "day": day, "moment": moment, "get": get, "verb_label": verb_label, "journal_changes": journal_changes, "masked": masked, "pct": rate}
GLOBALS = {"status_pill": status_pill, "unit_picker": unit_picker}
