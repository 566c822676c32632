"""Forms of the request pages. They check the shape of what was typed; the rules (time limits, who may act,
photo types, phone formats) are the services' and come back as ServiceError next to the field."""
from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from luoshi.core.widgets import FastSelect, FastSelectMultiple

from .models import Outcome

SATISFACTION_CHOICES = [(5, _("非常满意")), (4, _("满意")), (3, _("基本满意")), (2, _("不满意")), (1, _("非常不满意"))]
RESOLVED_CHOICES = [("yes", _("已解决")), ("no", _("未解决"))]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _message(text: str, label) -> str:
    return gettext(text) % {"label": label}


# Translated when shown, in the reader's language: `_("…") % …` here would translate once, at import, in whatever
# language was active then (an English request that first imported this module froze the messages in English).
_message_lazy = lazy(_message, str)


def _required(label) -> dict:
    return {"required": _message_lazy(gettext_noop("请填写%(label)s。"), label)}


def _choose(label) -> dict:
    return {"required": _message_lazy(gettext_noop("请选择%(label)s。"), label),
            "invalid_choice": _message_lazy(gettext_noop("请从列表中选择%(label)s。"), label)}


class RequestForm(forms.Form):
    """受理: the public form and the hotline operator's form (which adds the channel). The category's extra
    attributes are read by the view (names attr-<category>-<code>), the photos too."""

    # the photo limit the form states (services.MAX_PHOTOS); on the form, so every view that shows it has the number
    max_photos = 3

    channel = forms.TypedChoiceField(label=_("受理渠道"), coerce=int, error_messages=_choose(_("受理渠道")))
    category = forms.TypedChoiceField(label=_("诉求类别"), coerce=int, error_messages=_choose(_("诉求类别")))
    description = forms.CharField(label=_("诉求内容"), max_length=4000, error_messages={
        **_required(_("诉求内容")), "max_length": _("诉求内容最多 %(limit_value)d 字，现有 %(show_value)d 字。")},
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": 4000, "data-counter": "description-count"}))
    address = forms.CharField(label=_("地址"), max_length=200, required=False,
                              help_text=_("如：中韩街道海尔路 100 号东门"),
                              error_messages={"max_length": _("地址最多 %(limit_value)d 字。")})
    lat = forms.DecimalField(label=_("纬度"), max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput,
                             error_messages={"invalid": _("坐标须为数字。")})
    lng = forms.DecimalField(label=_("经度"), max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput,
                             error_messages={"invalid": _("坐标须为数字。")})
    area = forms.TypedChoiceField(label=_("所在镇街"), coerce=int, required=False, empty_value=None,
                                  error_messages=_choose(_("镇街")))
    name = forms.CharField(label=_("姓名"), max_length=50, required=False,
                           error_messages={"max_length": _("姓名最多 %(limit_value)d 字。")})
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
                            error_messages={"max_length": _("联系电话最多 %(limit_value)d 位。")})
    email = forms.CharField(label=_("电子邮箱"), max_length=100, required=False,
                            widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                            error_messages={"max_length": _("电子邮箱最多 %(limit_value)d 个字符。")})
    anonymous = forms.BooleanField(label=_("匿名反映（承办单位看不到您的姓名和电话）"), required=False)

    def __init__(self, *args, categories=(), channels=None, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list] = {}
        for c in categories:
            groups.setdefault(c.group, []).append((c.pk, _("%(name)s（%(days)s个工作日办结）") % {
                "name": c.name, "days": c.limit_days}))
        self.fields["category"].choices = [("", _("请选择"))] + list(groups.items())
        self.fields["area"].choices = [("", _("不清楚 / 不选"))] + [(u.pk, u.name) for u in areas]
        if channels is None:
            del self.fields["channel"]
        else:
            self.fields["channel"].choices = [("", _("请选择"))] + [(c.pk, c.name) for c in channels]


# ---- actions on a request ----------------------------------------------------------------------------

class DispatchForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("承办单位"), coerce=int, error_messages=_choose(_("承办单位")), widget=FastSelect)
    assist = forms.TypedMultipleChoiceField(label=_("协办单位"), coerce=int, required=False,
                                            widget=FastSelectMultiple(attrs={"size": 4}))
    note = forms.CharField(label=_("派单意见"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    lock = forms.BooleanField(label=_("审定派单（承办单位不得再退单）"), required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(u.pk, u.name) for u in units]
        self.fields["unit"].choices = [("", _("请选择"))] + choices
        self.fields["assist"].choices = choices


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("结果"), widget=forms.RadioSelect, error_messages=_choose(_("结果")),
                                choices=[(Outcome.INVALID, _("不予受理")), (Outcome.DUPLICATE, _("重复诉求"))])
    duplicate_of = forms.CharField(label=_("与哪件工单重复（工单号）"), max_length=20, required=False,
                                   widget=forms.TextInput(attrs={"list": "similar-numbers", "autocomplete": "off"}))
    reason = forms.CharField(label=_("理由（诉求人可见）"), max_length=500, error_messages=_required(_("理由")),
                             widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退单理由"), max_length=500, error_messages=_required(_("退单理由")),
                             widget=forms.Textarea(attrs={"rows": 3}))
    suggested_unit = forms.TypedChoiceField(label=_("建议改派至"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suggested_unit"].choices = [("", _("不指定"))] + [(u.pk, u.name) for u in units]


class TextForm(forms.Form):
    """办理记录 and 回复 (photos come with the request's files)."""

    text = forms.CharField(label=_("内容"), max_length=2000, error_messages=_required(_("内容")),
                           widget=forms.Textarea(attrs={"rows": 4}))


class ExtensionAskForm(forms.Form):
    days = forms.IntegerField(label=_("延期（工作日）"), min_value=1, max_value=30,
                              error_messages={**_required(_("延期天数")), "min_value": _("延期天数须为 1～30 个工作日。"),
                                              "max_value": _("延期天数须为 1～30 个工作日。"),
                                              "invalid": _("延期天数须为 1～30 个工作日。")})
    reason = forms.CharField(label=_("延期理由"), max_length=1000, error_messages=_required(_("延期理由")),
                             widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("审批"), choices=[("approve", _("同意")), ("refuse", _("不同意"))],
                                 widget=forms.RadioSelect, error_messages=_choose(_("审批意见")))
    note = forms.CharField(label=_("意见"), max_length=300, required=False)


class UrgeForm(forms.Form):
    note = forms.CharField(label=_("催办意见"), max_length=500, error_messages=_required(_("催办意见")),
                           widget=forms.Textarea(attrs={"rows": 2}))
    supervise = forms.BooleanField(label=_("督办（正式督办，记入工单）"), required=False)


class RateForm(forms.Form):
    """回访: by the requester through the link, or recorded by a dispatcher from a phone call."""

    resolved = forms.ChoiceField(label=_("问题是否解决"), choices=RESOLVED_CHOICES, widget=forms.RadioSelect,
                                 error_messages=_choose(_("问题是否解决")))
    satisfaction = forms.TypedChoiceField(label=_("满意程度"), choices=SATISFACTION_CHOICES, coerce=int,
                                          widget=forms.RadioSelect, error_messages=_choose(_("满意程度")))
    comment = forms.CharField(label=_("评价意见"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"max_length": _("评价意见最多 %(limit_value)d 字。")})
