from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from luoshi.core.forms import IdChoiceField, IdMultipleChoiceField
from luoshi.assessment.models import Scheme
from luoshi.org.models import Person, Role, Unit
from luoshi.org.scopes import scope_for
from luoshi.programs.models import Program

from .models import FORMATS, SeriesKind
from .schedule import WorkdayRule


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("刊物名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=SeriesKind.choices)
    program = IdChoiceField(label=_("专项工作/问题台账"), queryset=Program.objects.none(), required=False)
    scheme = IdChoiceField(label=_("考核指标体系"), queryset=Scheme.objects.none(), required=False)
    owner_unit = IdChoiceField(label=_("编发单位"), queryset=Unit.objects.none())
    schedule = forms.CharField(label=_("出刊周期"), max_length=50, required=False,
                               help_text=_("如：每周一、每月5日、每季度首月10日、每年1月10日；工作动态可留空，手工编发"))
    workday_rule = forms.ChoiceField(label=_("遇节假日"), choices=WorkdayRule.choices, initial=WorkdayRule.NEXT)
    formats = forms.MultipleChoiceField(label=_("文件格式"), choices=[(f, f.upper()) for f in FORMATS],
                                        widget=forms.CheckboxSelectMultiple, required=False)
    review_required = forms.BooleanField(label=_("生成后先由督查室审核，再签发"), required=False)
    recipients = IdMultipleChoiceField(label=_("接收人"), queryset=Person.objects.none(), required=False,
                                                widget=forms.SelectMultiple(attrs={"size": 8}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        office = scope.paths_for(Role.OFFICE)
        units = Unit.objects.all() if scope.is_admin else Unit.objects.filter(path__within=office)
        self.fields["owner_unit"].queryset = units.filter(depth__lte=3).order_by("path")
        self.fields["program"].queryset = (Program.objects.visible_to(scope).filter(is_archived=False)
                                           .order_by("-year", "name"))
        self.fields["scheme"].queryset = Scheme.objects.wholly_visible_to(scope).order_by("name")
        people = Person.objects.filter(is_active=True)
        if not scope.is_admin:
            people = people.filter(grants__unit__path__within=office)
        self.fields["recipients"].queryset = people.distinct().order_by("full_name", "username")


class SectionForm(forms.Form):
    type = forms.ChoiceField(label=_("栏目来源"), choices=[("text", _("自行撰写")), ("case", _("典型案例（编号）")),
                                                          ("report", _("进展报送（编号）")),
                                                          ("figures", _("专项工作数据（代码）"))])
    ref = forms.CharField(label=_("编号或代码"), max_length=64, required=False)
    heading = forms.CharField(label=_("标题"), max_length=100, required=False)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
