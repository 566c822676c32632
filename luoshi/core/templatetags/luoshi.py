from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _, gettext_lazy

register = template.Library()

LABELS = {"normal": gettext_lazy("正常"), "yellow": gettext_lazy("黄灯"), "red": gettext_lazy("红灯"),
          "extended": gettext_lazy("已延期"), "closed": gettext_lazy("已办结")}


@register.simple_tag
def status_pill(status, reason=""):
    return format_html('<span class="pill {}" title="{}">{}</span>', status, reason, LABELS.get(status, status))


@register.filter
def cndate(value):
    """2021年6月30日, the way Chinese official text writes dates (in English: 30 Jun 2021)."""
    if not value:
        return "—"
    # Translators: a Django date format (Y = year, n = month, j = day); the Chinese characters are literal.
    return date_format(value, _("Y年n月j日"))


@register.filter
def period_label(period):
    """A reporting period as ReportingPeriod.__str__ writes it (第3期（03.26–04.25）), translatable."""
    return _("第%(seq)s期（%(start)s–%(due)s）") % {
        "seq": period.seq, "start": f"{period.start:%m.%d}", "due": f"{period.due:%m.%d}"}


@register.filter
def pct(value):
    return "—" if value is None else f"{value:.1f}%"


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


VERBS = {
    "task.create": gettext_lazy("新建任务"), "task.update": gettext_lazy("修改任务"),
    "task.import_create": gettext_lazy("导入新建"), "task.import_update": gettext_lazy("导入更新"),
    "task.acknowledge": gettext_lazy("签收"), "task.report": gettext_lazy("报送进展"),
    "task.status": gettext_lazy("状态变化"), "task.extension_request": gettext_lazy("申请延期"),
    "task.extension_decide": gettext_lazy("审核延期"), "task.closure_request": gettext_lazy("申请办结"),
    "task.closure_decide": gettext_lazy("审核办结"),
}


@register.filter
def verb_label(verb):
    return VERBS.get(verb, verb)
