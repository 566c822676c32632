"""The score card's 加分/减分 forms are written by the card's template from plain values (forms.plain_fields and
assessment/_plain_widget.html, ADR 0055), not by Django's form templates: each widget must be the same HTML as
Django writes it, unbound, bound, with errors, with texts that need escaping."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from django import forms
from django.template import engines
from hypothesis import given, strategies as st

from luoshi.assessment.forms import BonusForm, DeductionForm, plain_fields

# texts with what HTML escapes (', ", <, &) and Chinese, as labels, codes and posted values
TEXT = st.text(alphabet=st.sampled_from(list("ab1.-'\"<>& 国家级")), max_size=6)


def _definition(kinds, levels, deductions):
    return SimpleNamespace(
        bonuses=SimpleNamespace(kinds=[SimpleNamespace(code=c, name=n) for c, n in kinds], levels=levels),
        deductions=[SimpleNamespace(code=c, name=n) for c, n in deductions])


def _written(form: forms.Form) -> list[str]:
    widget = engines["jinja2"].env.get_template("assessment/_plain_widget.html").module.plain_widget
    return [str(widget(f)) for f in plain_fields(form)]


def _django(form: forms.Form) -> list[str]:
    return [str(bf) for bf in form]


@given(kinds=st.lists(st.tuples(TEXT, TEXT), max_size=3, unique_by=lambda kv: kv[0]),
       levels=st.lists(TEXT, max_size=3, unique=True),
       deductions=st.lists(st.tuples(TEXT, TEXT), max_size=3, unique_by=lambda kv: kv[0]),
       data=st.none() | st.dictionaries(st.sampled_from(["item", "level", "award", "note", "count"]),
                                        TEXT | st.sampled_from(["1", "2.5", "-1", "1e3", "x" * 201])))
def test_the_plain_widgets_are_what_django_writes(kinds, levels, deductions, data):
    definition = _definition(kinds, levels, deductions)
    for form_class in (BonusForm, DeductionForm):
        form = form_class(data, definition=definition)
        if data is not None:
            form.is_valid()   # the errors: aria-invalid, the posted values written back
        fields = plain_fields(form)
        assert _written(form) == _django(form)
        assert [(f.id_for_label, f.label, f.help_text, f.errors) for f in fields] == [
            (bf.id_for_label, bf.label, bf.help_text, list(bf.errors)) for bf in form]


def test_the_cases_the_comparison_must_cover():
    """Errors, a selected option, a value written back and a quote escaped the Django way all occur."""
    definition = _definition([("a'b", "A<b>"), ("c", "C")], ["国家级", "市级"], [("N1", "x")])
    form = BonusForm({"item": "a'b", "level": "无此级", "award": "R&D 'x'", "note": "n" * 2001}, definition=definition)
    assert not form.is_valid()
    written = _written(form)
    assert written == _django(form)
    assert '<option value="a&#x27;b" selected>A&lt;b&gt;</option>' in written[0]
    assert 'aria-invalid="true"' in written[1] and 'aria-invalid="true"' in written[3]
    assert 'value="R&amp;D &#x27;x&#x27;"' in written[2]
    deduction = DeductionForm(definition=definition)
    assert _written(deduction)[1] == '<input type="number" name="count" value="1" step="0.01" required id="id_count">'


def test_a_widget_it_cannot_write_is_refused():
    class Other(forms.Form):
        text = forms.CharField(widget=forms.Textarea)

    with pytest.raises(TypeError):
        plain_fields(Other())
