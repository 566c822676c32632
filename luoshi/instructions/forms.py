from django import forms
from django.utils.translation import gettext_lazy as _

from luoshi.core.widgets import UnitPicker


class InstructionForm(forms.Form):
    text = forms.CharField(label=_("批示内容"), widget=forms.Textarea(attrs={"rows": 5}), max_length=2000)
    units = forms.MultipleChoiceField(label=_("办理单位"), required=False, widget=forms.CheckboxSelectMultiple)
    other_units = forms.CharField(label=_("其他办理单位"), required=False, max_length=500, widget=UnitPicker(multiple=True),
                                  help_text=_("单位全称或简称，多个用“、”分隔"))
    deadline = forms.DateField(label=_("办理时限"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, unit_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = list(unit_choices)


class ReplyForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("回复单位"), coerce=int)
    text = forms.CharField(label=_("落实情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def __init__(self, *args, unit_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = list(unit_choices)


class CloseForm(forms.Form):
    note = forms.CharField(label=_("办结意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
