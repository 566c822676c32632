from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Decision, SourceKind
from .scheme import province_names


class IdeaForm(forms.Form):
    """The public form. `website` is a honeypot: people never see it, robots fill it in."""

    title = forms.CharField(label=_("标题"), max_length=100,
                            widget=forms.TextInput(attrs={"placeholder": _("一句话概括您的建议"), "autocomplete": "off"}))
    topic = forms.ChoiceField(label=_("征集领域"))
    content = forms.CharField(label=_("建议内容"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 8, "placeholder": _("现状和问题、具体建议、预期效果（至少 20 字）")}))
    source_kind = forms.ChoiceField(label=_("建议人类别"), choices=[("", _("请选择"))] + list(SourceKind.choices))
    name = forms.CharField(label=_("姓名"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(label=_("联系电话"), max_length=30,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    email = forms.CharField(label=_("电子邮箱"), max_length=100, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "email", "inputmode": "email"}))
    organisation = forms.CharField(label=_("工作单位"), max_length=100, required=False,
                                   widget=forms.TextInput(attrs={"autocomplete": "organization"}))
    province = forms.ChoiceField(label=_("所在省份"))
    city = forms.CharField(label=_("所在城市"), max_length=30, required=False)
    website = forms.CharField(required=False, label=_("请勿填写此项"),
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def __init__(self, *args, topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", _("请选择"))] + [(t, t) for t in topics]
        self.fields["province"].choices = [("", _("请选择"))] + [(p, p) for p in province_names()]


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("活动名称"), max_length=100)
    owner_unit = forms.TypedChoiceField(label=_("主办单位"), coerce=int)
    start_date = forms.DateField(label=_("征集开始"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("征集截止"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("征集公告"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    scheme_text = forms.CharField(label=_("评审方案（YAML）"), widget=forms.Textarea(attrs={"rows": 18, "class": "code"}),
                                  help_text=_("评分项及满分、去掉最高最低分的专家人数、奖项名额、征集领域；见 presets/ideas/。"))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].choices = [(u.pk, u.name) for u in units]


class CampaignEditForm(CampaignForm):
    is_closed = forms.BooleanField(label=_("结束征集（不再接收新建议）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["owner_unit"]


class ScreenForm(forms.Form):
    action = forms.ChoiceField(label=_("初审结果"), widget=forms.RadioSelect,
                               choices=[("pass", _("通过，进入专家评审")), ("reject", _("不通过")), ("duplicate", _("重复建议"))])
    reason = forms.CharField(label=_("理由（建议人可查看）"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
    duplicate_of = forms.TypedChoiceField(label=_("与哪条建议重复"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate_of"].choices = [("", "—")] + [(i.pk, f"{i.number} {i.title}") for i in candidates]


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("处理结果"), widget=forms.RadioSelect, choices=Decision.choices)
    reply = forms.CharField(label=_("答复（在公开网站和查询页显示）"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    publish = forms.BooleanField(label=_("采纳或获奖后在公开网站发布"), required=False, initial=True)


class AwardForm(forms.Form):
    award = forms.ChoiceField(label=_("奖项"), required=False)

    def __init__(self, *args, awards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["award"].choices = [("", _("不评奖／撤销奖项"))] + [(a["code"], a["name"]) for a in awards]


class TaskForm(forms.Form):
    program = forms.TypedChoiceField(label=_("专项工作"), coerce=int)
    lead_unit = forms.TypedChoiceField(label=_("牵头单位"), coerce=int)
    title = forms.CharField(label=_("任务内容"), max_length=500, required=False, help_text=_("留空则用建议标题"))
    measures = forms.CharField(label=_("具体措施/目标"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5}),
                               help_text=_("已填入建议内容，请改写为任务的措施；给建议人的答复不会写入任务"))
    deadline_phrase = forms.CharField(label=_("完成时限"), max_length=100,
                                      help_text=_("如：6月底前、年底前、长期坚持"))

    def __init__(self, *args, programs=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [(p.pk, f"{p.name}（{p.year}）") for p in programs]
        self.fields["lead_unit"].choices = [(u.pk, u.name) for u in units]


class ExpertForm(forms.Form):
    username = forms.CharField(label=_("专家账号"), max_length=150)
