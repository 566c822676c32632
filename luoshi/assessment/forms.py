"""Forms of the assessment pages. They check shape only (required, length, dates); the rules — who may,
in which state, what a value means for a leaf — are the services'."""
from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.html import conditional_escape
from django.utils.translation import gettext_lazy as _

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SchemeForm(forms.Form):
    text = forms.CharField(label=_("指标体系（YAML）"), required=False, strip=False,
                           widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false", "class": "yaml"}))
    upload = forms.FileField(label=_("或上传 YAML 文件"), required=False)
    note = forms.CharField(label=_("修订说明"), required=False, max_length=300)

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if upload is not None:
            raw = upload.read()
            try:
                data["text"] = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("upload", _("文件须为 UTF-8 编码的文本。"))
        if not (data.get("text") or "").strip() and "upload" not in self.errors:
            self.add_error("text", _("请填写或上传指标体系。"))
        return data


class RoundForm(forms.Form):
    name = forms.CharField(label=_("期次名称"), max_length=200, widget=forms.TextInput(attrs={"placeholder": _("如：2026年1月")}))
    period_start = forms.DateField(label=_("考核期开始"), widget=DATE)
    period_end = forms.DateField(label=_("考核期结束"), widget=DATE)
    compare_to = forms.TypedChoiceField(label=_("同比期次"), coerce=int, required=False, empty_value=None,
                                        help_text=_("监测指标排名计算同比变化率时对照的期次"))

    def __init__(self, *args, rounds=(), metric=False, **kwargs):
        super().__init__(*args, **kwargs)
        if metric:
            self.fields["compare_to"].choices = [("", "—")] + [(r.pk, r.name) for r in rounds]
        else:
            del self.fields["compare_to"]

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("考核期结束日期不能早于开始日期。"))
        return data


class EvaluatorForm(forms.Form):
    person = forms.CharField(label=_("评估员（用户名或姓名）"), max_length=150,
                             widget=forms.TextInput(attrs={"list": "evaluator-names", "autocomplete": "off"}))
    units = forms.TypedMultipleChoiceField(label=_("负责的单位（不选：全部）"), coerce=int, required=False,
                                           widget=forms.SelectMultiple(attrs={"size": 6}))
    indicators = forms.TypedMultipleChoiceField(label=_("负责的末级标准（不选：全部）"), coerce=int, required=False,
                                                widget=forms.SelectMultiple(attrs={"size": 6}))

    def __init__(self, *args, units=(), leaves=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = [(u.pk, u.name) for u in units]
        self.fields["indicators"].choices = [(i.pk, f"{i.code} {i.name}") for i in leaves]


class ExcludeForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("单位"), coerce=int)
    reason = forms.CharField(label=_("不参与排名的原因（留空则恢复参与排名）"), required=False, max_length=200)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—")] + [(u.pk, u.name) for u in units]


class PublishForm(forms.Form):
    note = forms.CharField(label=_("公布说明"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    allow_incomplete = forms.BooleanField(label=_("评分不完整时仍然公布（理由写在上面的说明里，记入日志）"),
                                          required=False)


class ScoreForm(forms.Form):
    value = forms.CharField(label=_("录入值"), max_length=40)
    note = forms.CharField(label=_("评分说明"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回理由"), max_length=2000)


class BonusForm(forms.Form):
    item = forms.ChoiceField(label=_("加分类别"))
    level = forms.ChoiceField(label=_("级别"))
    award = forms.CharField(label=_("表彰文件（文号）"), required=False, max_length=200,
                            help_text=_("同一表彰只按最高级别计一次"))
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)

    def __init__(self, *args, definition=None, **kwargs):
        super().__init__(*args, **kwargs)
        bonuses = definition.bonuses if definition is not None else None
        self.fields["item"].choices = [(k.code, k.name) for k in (bonuses.kinds if bonuses else [])]
        self.fields["level"].choices = [(lv, lv) for lv in (bonuses.levels if bonuses else [])]


class DeductionForm(forms.Form):
    item = forms.ChoiceField(label=_("减分项"))
    count = forms.DecimalField(label=_("次数"), max_digits=9, decimal_places=2, initial=1)
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)

    def __init__(self, *args, definition=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(d.code, d.name) for d in (definition.deductions if definition is not None else [])]


class AppealForm(forms.Form):
    indicator = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("申诉理由"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class AppealDecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("复核结论"), widget=forms.RadioSelect,
                                choices=[("uphold", _("维持原分")), ("revise", _("改分"))])
    value = forms.CharField(label=_("复核后的录入值"), required=False, max_length=40)
    decision = forms.CharField(label=_("复核意见"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "revise" and not (data.get("value") or "").strip():
            self.add_error("value", _("改分须填写复核后的录入值。"))
        return data


class ConsequenceForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", _("确认")), ("dismiss", _("不予采纳"))])
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)


class MaterialForm(forms.Form):
    indicator = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(label=_("说明"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


@dataclass(slots=True)
class PlainField:
    """One field of a form as plain values, for a template that writes the field's widget itself (the score card's
    加分/减分 forms, ADR 0055): the values Django's widget template would be given, so the HTML is the same without
    rendering Django's form templates (~0.6 ms a form). The texts inside the widget's tag — `value`, the attributes'
    values, the options' values and labels — are escaped here the way Django's templates escape (`&#x27;` for a
    quote, where Jinja2 writes `&#39;`); the template writes them as they are."""
    id_for_label: str
    label: str
    help_text: str
    errors: list[str]
    input_type: str                                 # "select": a <select>; else the <input>'s type
    name: str
    value: str | None                               # the <input>'s value attribute; None: none
    attrs: list[tuple[str, str | bool]]             # in Django's order; True: the attribute alone, False: left out
    options: list[tuple[str, str, bool]]            # a <select>'s (value, label, selected)


# The widgets plain_fields writes (a <select> of single choices without groups, a one-line <input>); any other
# widget is refused rather than written differently from Django.
PLAIN_WIDGETS = (forms.Select, forms.TextInput, forms.NumberInput)


def _escaped(value) -> str:
    return conditional_escape(str(value))


def _escaped_attrs(attrs: dict) -> list[tuple[str, str | bool]]:
    return [(_escaped(name), value if isinstance(value, bool) else _escaped(value)) for name, value in attrs.items()]


def plain_fields(form: forms.Form) -> list[PlainField]:
    """The form's fields as plain values (PlainField), by the steps of BoundField.as_widget: the attributes the
    bound field adds (required, aria-invalid, aria-describedby, id), its value, then the widget's own context."""
    out = []
    for bf in form:
        widget = bf.field.widget
        if type(widget) not in PLAIN_WIDGETS or bf.field.localize:
            raise TypeError(f"plain_fields cannot write the field {bf.name!r} ({type(widget).__name__})")
        attrs = bf.build_widget_attrs({}, widget)
        if bf.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", bf.auto_id)
        context = widget.get_context(bf.html_name, bf.value(), attrs)["widget"]
        options = []
        if isinstance(widget, forms.Select):
            for group_name, group, _index in context["optgroups"]:
                if group_name:
                    raise TypeError(f"plain_fields cannot write the option groups of {bf.name!r}")
                options += [(_escaped(o["value"]), _escaped(o["label"]), bool(o["attrs"].get("selected")))
                            for o in group]
            input_type, value = "select", None
        else:
            input_type, value = _escaped(context["type"]), context["value"]
        out.append(PlainField(
            id_for_label=bf.id_for_label, label=bf.label, help_text=bf.help_text, errors=list(bf.errors),
            input_type=input_type, name=_escaped(context["name"]),
            value=None if value is None else _escaped(value), attrs=_escaped_attrs(context["attrs"]),
            options=options))
    return out
