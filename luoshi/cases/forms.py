from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from luoshi.core.forms import IdChoiceField
from luoshi.org.models import Unit

from .models import Level, Nomination


class CaseForm(forms.Form):
    title = forms.CharField(label=_("案例名称"), max_length=100)
    unit = IdChoiceField(label=_("牵头单位"), queryset=Unit.objects.filter(is_active=True).order_by("path"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    team = forms.CharField(label=_("创新团队"), max_length=200, required=False, help_text=_("领衔人及成员，用顿号分隔"))
    summary = forms.CharField(label=_("摘要"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    problem = forms.CharField(label=_("解决的问题"), widget=forms.Textarea(attrs={"rows": 3}))
    body = forms.CharField(label=_("主要做法"), widget=forms.Textarea(attrs={"rows": 8}))
    results = forms.CharField(label=_("取得成效"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    figures = forms.CharField(label=_("成效数据"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              help_text=_("每行一条：名称｜数值｜单位，如“办结时间｜5｜个工作日”"))
    tags = forms.CharField(label=_("标签"), max_length=300, required=False, help_text=_("用顿号或逗号分隔"))

    def parsed_figures(self) -> list[dict]:
        out = []
        for line in (self.cleaned_data.get("figures") or "").splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("|", "｜").split("｜")]
            out.append({"label": parts[0], "value": parts[1] if len(parts) > 1 else "",
                        "unit": parts[2] if len(parts) > 2 else ""})
        return out

    def parsed_tags(self) -> list[str]:
        raw = (self.cleaned_data.get("tags") or "").replace("，", "、").replace(",", "、")
        return [t.strip() for t in raw.split("、") if t.strip()]


class NominateForm(forms.Form):
    nomination = forms.ChoiceField(label=_("推荐方式"), choices=Nomination.choices)
    note = forms.CharField(label=_("推荐理由"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RecognitionForm(forms.Form):
    level = forms.ChoiceField(label=_("推广层级"), choices=Level.choices)
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.CharField(label=_("来源文件"), max_length=200)


class AdoptionForm(forms.Form):
    unit = IdChoiceField(label=_("借鉴单位"), queryset=Unit.objects.filter(is_active=True).order_by("path"))
    adopted_on = forms.DateField(label=_("借鉴日期"), widget=forms.DateInput(attrs={"type": "date"}))
    result = forms.CharField(label=_("借鉴成效"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
