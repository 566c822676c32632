from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from luoshi.core import clock
from luoshi.core.widgets import UnitPicker

from .models import Severity, Source


class FindingForm(forms.Form):
    unit = forms.CharField(label=_("责任单位"), max_length=200,
                           widget=UnitPicker())
    category = forms.TypedChoiceField(label=_("问题类别"), coerce=int, required=False, empty_value=None)
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    address = forms.CharField(label=_("地点"), max_length=200, required=False)
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices, initial=Severity.GENERAL,
                                 widget=forms.RadioSelect)
    source = forms.ChoiceField(label=_("问题来源"), choices=Source.choices, initial=Source.INSPECTION)
    group = forms.TypedChoiceField(label=_("督导组"), coerce=int, required=False, empty_value=None)
    found_on = forms.DateField(label=_("发现日期"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, categories=(), groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [(c.pk, c.name) for c in categories]
        self.fields["group"].choices = [("", "—")] + [(g.pk, g.name) for g in groups]
        self.fields["found_on"].initial = clock.today()


class SubmitForm(forms.Form):
    text = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class VerifyForm(forms.Form):
    outcome = forms.ChoiceField(label=_("核验结论"), widget=forms.RadioSelect,
                                choices=[("close", _("整改到位，销号")), ("return", _("整改不到位，退回"))])
    method = forms.ChoiceField(label=_("核验方式"), choices=[("on_site", _("实地核验")), ("evidence", _("佐证材料核验"))])
    reason = forms.CharField(label=_("核验意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)


class ReopenForm(forms.Form):
    text = forms.CharField(label=_("复发情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class IssueForm(forms.Form):
    requirements = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    deadline = forms.DateField(label=_("统一整改时限"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               help_text=_("不填则按严重程度计算"))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", _("确认实施")), ("dismiss", _("不采取"))], widget=forms.RadioSelect,
                                 label=_("决定"))
    held_on = forms.DateField(label=_("实施日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    attendees = forms.CharField(label=_("参加人员"), required=False, max_length=500)
    minutes = forms.CharField(label=_("记录/纪要"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RoundForm(forms.Form):
    group = forms.TypedChoiceField(label=_("督导组"), coerce=int)
    date = forms.DateField(label=_("督导日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=_("说明"), required=False, max_length=1000)
