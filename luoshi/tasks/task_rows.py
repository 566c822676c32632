"""The rows of the task list (tasks/_task_table.html), written in Python.

Fifty rows of seven cells took more than half of the page's rendering time in template tag dispatch and one
`{% url %}` per row (docs/benchmarks.md). The same markup is built here: every value escaped, the detail URL
reversed once, the same translation strings as the templates (so the English catalogue still applies).
"""
from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from luoshi.core.templatetags.luoshi import cndate, status_pill

# (status, css class or "", the translatable "n 红灯" text) in the order _rollup.html shows them
ROLLUP_PARTS = (("red", "r", "%(n)s 红灯"), ("yellow", "y", "%(n)s 黄灯"), ("normal", "", "%(n)s 正常"),
                ("extended", "", "%(n)s 已延期"), ("closed", "", "%(n)s 已办结"))


def rollup_html(rollup: dict) -> str:
    """The same text as tasks/_rollup.html."""
    counts = rollup["counts"]
    parts = []
    for status, css, text in ROLLUP_PARTS:
        n = counts.get(status)
        if n:
            label = escape(_(text) % {"n": n})
            parts.append(f'<span class="{css}">{label}</span>' if css else label)
    return f'<small class="rollup">{escape(_("子任务："))}{" ".join(parts)}</small>'


def task_rows_html(tasks) -> SafeString:
    detail = escape(reverse("task_detail", args=[0])[:-2])  # ".../tasks/" + pk + "/"
    t_progress = escape(_("进度"))
    out = []
    for t in tasks:
        title = ['<span class="muted">↳ </span>' if t.parent_id else "",
                 f'<a href="{detail}{t.pk}/">{escape(Truncator(t.title).chars(60))}</a>']
        if t.category and not t.parent_id:
            title.append(f'<br><small class="muted">{escape(t.category)}</small>')
        rollup = getattr(t, "rollup", None)
        if rollup:
            title.append("<br>" + rollup_html(rollup))
        deadline = escape(t.deadline_phrase)
        if t.extended_deadline:
            deadline += f"<br><small>{escape(_('延至%(date)s') % {'date': cndate(t.extended_deadline)})}</small>"
        status = str(status_pill(t.status, t.status_reason))
        if t.status_reason and t.status != "closed":
            status += f'<br><small class="muted">{escape(t.status_reason)}</small>'
        out.append(
            f'<tr><td class="code">{escape(t.code)}</td><td>{"".join(title)}</td>'
            f'<td>{escape(Truncator(t.lead_units_text).chars(24))}</td><td>{escape(t.leaders_text)}</td>'
            f'<td>{deadline}</td>'
            f'<td class="num"><progress max="100" value="{t.progress}" aria-label="{t_progress}">'
            f'{t.progress}%</progress>'
            f' {t.progress}%</td><td>{status}</td></tr>'
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped or an int
