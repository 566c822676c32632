"""Form widgets for long lists."""
from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class _FastOptions(forms.Select):
    """<option>s written in Python. Django renders each option through a template, about 0.1 ms apiece: the
    request list's filters and the dispatch form carry hundreds of units, which was most of those pages."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        if self.allow_multiple_selected:
            final["multiple"] = True
        selected = {str(v) for v in self.format_value(value)}
        return format_html("<select{}>{}</select>", flatatt(final), self._options(self.choices, selected))

    def _options(self, choices, selected) -> str:
        parts = []
        for option_value, label in choices:
            if isinstance(label, (list, tuple)):  # an optgroup
                parts.append(format_html('<optgroup label="{}">{}</optgroup>', option_value,
                                         self._options(label, selected)))
                continue
            value = "" if option_value is None else str(option_value)
            mark = mark_safe(" selected") if value in selected else ""
            parts.append(format_html('<option value="{}"{}>{}</option>', value, mark, label))
        return mark_safe("".join(parts))


class FastSelect(_FastOptions, forms.Select):
    pass


class FastSelectMultiple(_FastOptions, forms.SelectMultiple):
    pass

