from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from luoshi.core.forms import IdChoiceField, IdMultipleChoiceField
from luoshi.org.models import Unit

from .models import DeclareType, Tag, Theme


class ClauseForm(forms.Form):
    code = forms.CharField(label=_("条款编号"), max_length=30)
    title = forms.CharField(label=_("条款名称"), max_length=200)
    theme = IdChoiceField(label=_("主题"), queryset=Theme.objects.all())
    tags = IdMultipleChoiceField(label=_("标签"), queryset=Tag.objects.select_related("theme"), required=False,
                                          widget=forms.SelectMultiple(attrs={"size": 8}))
    declare_type = forms.ChoiceField(label=_("申报类型"), choices=())
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
        # the managed vocabulary (services check it again on save and on import)
        self.fields["declare_type"].choices = [("", "---------")] + [
            (n, n) for n in DeclareType.objects.values_list("name", flat=True)]


class PolicyForm(forms.Form):
    title = forms.CharField(label=_("文件名"), max_length=200)
    doc_number = forms.CharField(label=_("文号"), max_length=60, required=False)
    issuer = forms.CharField(label=_("发文单位"), max_length=100)
    region = forms.ModelChoiceField(label=_("适用区域"), queryset=Unit.objects.none())
    valid_from = forms.DateField(label=_("有效期起"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("有效期止"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("修改说明"), required=False, max_length=200)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions


class WordForm(forms.Form):
    """One word of the vocabulary: a theme, a tag (with its theme) or a 申报类型."""
    name = forms.CharField(label=_("名称"), max_length=30)
    sort_order = forms.IntegerField(label=_("排序"), required=False, min_value=0, max_value=999)
    theme = forms.ModelChoiceField(label=_("主题"), queryset=Theme.objects.all(), required=False)


class BatchForm(forms.Form):
    period = forms.CharField(label=_("兑现期间"), max_length=20, help_text=_("例如 2026年度、2026年上半年"))
    note = forms.CharField(label=_("说明"), required=False, max_length=300)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
