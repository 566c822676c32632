"""The rows of the overview's 按牵头单位 table, written in Python.

A city-wide program assigns tasks to hundreds of streets and communities; their rows and every ancestor's make
a table of ~1,300 rows, and the template loop spent about two thirds of the page's time on tag dispatch and one
`{% url %}` per row (docs/benchmarks.md). The same markup is built here, everything escaped, the URL reversed once.
"""
from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def unit_rows_html(program, by_unit: list[dict]) -> SafeString:
    list_url = escape(reverse("task_list", args=[program.code]))
    out = []
    for r in by_unit:
        unit = r["unit"]
        out.append(
            f'<tr class="depth{unit.depth}"><td style="padding-left: {unit.depth}em">'
            f'<a href="{list_url}?unit={unit.pk}">{escape(unit.name)}</a></td>'
            f'<td class="num r">{r["red"]}</td><td class="num y">{r["yellow"]}</td><td class="num g">{r["normal"]}</td>'
            f'<td class="num">{r["extended"]}</td><td class="num">{r["closed"]}</td>'
            f'<td class="num">{r["total"]}</td></tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped or an int
