"""Form widgets for long lists."""
from __future__ import annotations

import json

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



class UnitPicker(forms.TextInput):
    """A unit box with a searchable list (static/js/unitpicker.js): typing asks the server (htmx, org's unit_search)
    for the units whose name contains the text, each shown with the units above it; choosing one (mouse, or ↑↓ and
    Enter) writes a text that names it without doubt — the name, or "崂山区>区财政局" when the name repeats — which
    the form's resolver reads. `multiple`: the box holds several units separated by 、 and a choice replaces the last.
    Without JavaScript it stays a plain text box."""

    def __init__(self, attrs=None, *, multiple: bool = False):
        super().__init__(attrs)
        self.multiple = multiple

    def render(self, name, value, attrs=None, renderer=None):
        from django.urls import reverse

        final = self.build_attrs(self.attrs, attrs)
        box_id = final.get("id") or f"id_{name}"
        listbox = f"{box_id}-options"
        final.update({
            "type": "text", "name": name, "id": box_id, "autocomplete": "off", "role": "combobox",
            "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listbox,
            "data-unit-picker": "multiple" if self.multiple else "one",
            "hx-get": reverse("unit_search"), "hx-trigger": "input changed delay:250ms", "hx-target": f"#{listbox}",
            "hx-swap": "innerHTML", "hx-sync": "this:replace",
            "hx-vals": json.dumps({"field": name, "listbox": listbox}),  # flatatt escapes the quotes
        })
        if value not in (None, ""):
            final["value"] = self.format_value(value)
        return format_html('<span class="unitpicker"><input{}><ul id="{}" role="listbox" class="unitpicker-list" '
                           'hidden></ul></span>', flatatt(final), listbox)
