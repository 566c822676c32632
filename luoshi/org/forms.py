from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from luoshi.core.widgets import UnitPicker

from .models import Role


def language_choices() -> list[tuple[str, str]]:
    """The languages a person may choose, each in its own name; blank: the site's language."""
    default = dict(settings.LANGUAGES).get(settings.LANGUAGE_CODE, settings.LANGUAGE_CODE)
    return [("", _("系统默认（%(language)s）") % {"language": default}), *settings.LANGUAGES]


def language_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("语言"), choices=language_choices, required=False,
                             help_text=_("消息、每日待办和提醒邮件用这种语言写，登录后界面也用这种语言；公文仍为中文。"))


class LanguageForm(forms.Form):
    """A person's own language (their account page)."""

    language = language_field()


class PersonForm(forms.Form):
    username = forms.CharField(label=_("账号"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    unit = forms.CharField(label=_("单位"), max_length=200, help_text=_("单位名称或简称；同名单位写“上级/名称”"),
                           widget=UnitPicker())
    title = forms.CharField(label=_("职务"), max_length=100, required=False)
    phone = forms.CharField(label=_("手机"), max_length=30, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    language = language_field()
    is_active = forms.BooleanField(label=_("在用（取消则停用，不能登录）"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["username"]
        else:
            del self.fields["is_active"]


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"))
    unit = forms.CharField(label=_("范围单位"), max_length=200, help_text=_("角色对该单位及其下级单位有效"),
                           widget=UnitPicker())

    def __init__(self, *args, admin: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        if not isinstance(role, forms.ChoiceField):
            raise TypeError("GrantForm.role must be a ChoiceField")
        role.choices = [(v, lbl) for v, lbl in Role.choices if admin or v != Role.ADMIN]


class PeopleImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    dry_run = forms.BooleanField(label=_("只检查，不写入"), required=False)
