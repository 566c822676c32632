from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from luoshi.core.forms import IdChoiceField, IdMultipleChoiceField
from luoshi.org.models import Unit

from .models import Tag, Theme


class ClauseForm(forms.Form):
    code = forms.CharField(label=_("条款编号"), max_length=30)
    title = forms.CharField(label=_("条款名称"), max_length=200)
    theme = IdChoiceField(label=_("主题"), queryset=Theme.objects.all())
    tags = IdMultipleChoiceField(label=_("标签"), queryset=Tag.objects.select_related("theme"), required=False,
                                          widget=forms.SelectMultiple(attrs={"size": 8}))
    declare_type = forms.CharField(label=_("申报类型"), max_length=30)
    beneficiary = forms.CharField(label=_("享受对象"), max_length=300)
    condition_text = forms.CharField(label=_("享受条件"), widget=forms.Textarea(attrs={"rows": 3}))
    rules = forms.CharField(label=_("条件规则"), required=False, widget=forms.Textarea(attrs={"rows": 6, "class": "mono"}),
                            help_text=_("每行一个条件，例如：上年营业收入 >= 2000万元；需要材料的写“审核：材料名称”。"))
    amount_rule = forms.CharField(label=_("金额规则"), required=False, max_length=300,
                                  help_text=_("固定 50万元 ｜ 比例 研发投入 10% 封顶 100万元 ｜ 每 新增从业人数 2000元 ｜ 分档 上年营业收入：1亿元→20万元；5亿元→50万元 ｜ 无"))
    procedure = forms.CharField(label=_("申报流程"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    dept = IdChoiceField(label=_("责任单位"), queryset=Unit.objects.none())
    contact_person = forms.CharField(label=_("责任人"), required=False, max_length=30)
    contact_phone = forms.CharField(label=_("联系电话"), required=False, max_length=30)
    start_date = forms.DateField(label=_("受理开始"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("受理截止"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    no_application = forms.BooleanField(label=_("免申即享"), required=False)
    is_published = forms.BooleanField(label=_("发布到政策词典"), required=False, initial=True)
    reason = forms.CharField(label=_("修改说明"), required=False, max_length=200)

    def __init__(self, *args, depts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if depts is not None:
            self.fields["dept"].queryset = depts


class BatchForm(forms.Form):
    period = forms.CharField(label=_("兑现期间"), max_length=20, help_text=_("例如 2026年度、2026年上半年"))
    note = forms.CharField(label=_("说明"), required=False, max_length=300)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
