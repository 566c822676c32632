from django import forms
from django.utils.translation import gettext_lazy as _

from luoshi.core.errors import ServiceError
from luoshi.core.widgets import UnitPicker
from luoshi.programs.models import CadenceKind

STATUS_CHOICES = [("", _("全部状态")), ("red", _("红灯")), ("yellow", _("黄灯")), ("normal", _("正常")), ("extended", _("已延期")),
                  ("closed", _("已办结"))]


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False, label=_("状态"))
    q = forms.CharField(required=False, max_length=100, label=_("关键词"))
    category = forms.CharField(required=False, max_length=100, label=_("类别"))
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    leader = forms.IntegerField(required=False, widget=forms.HiddenInput)
    mine = forms.BooleanField(required=False, label=_("只看本单位"))
    # lead: tasks led in the unit's subtree (overview); own: led by the unit itself (league)
    role = forms.ChoiceField(choices=[("", ""), ("lead", "lead"), ("own", "own")], required=False,
                             widget=forms.HiddenInput)
    top = forms.BooleanField(required=False, widget=forms.HiddenInput)


class TaskForm(forms.Form):
    number = forms.CharField(label=_("序号"), max_length=20, required=False, help_text=_("留空则自动编号"))
    category = forms.CharField(label=_("类别"), max_length=100, required=False)
    title = forms.CharField(label=_("任务内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    measures = forms.CharField(label=_("具体措施/目标"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    lead_units = forms.CharField(label=_("牵头单位"), max_length=500, help_text=_("多个单位用“、”分隔，可写“各街道”等"),
                                 widget=UnitPicker(multiple=True))
    coop_units = forms.CharField(label=_("配合单位"), max_length=1000, required=False, widget=UnitPicker(multiple=True))
    leaders = forms.CharField(label=_("责任领导"), max_length=200, required=False, help_text=_("姓名，多位用“、”分隔"))
    deadline_phrase = forms.CharField(label=_("完成时限"), max_length=100,
                                      help_text=_("如：6月底前、三季度、11月15日前、长期坚持、每月"))
    parent = forms.TypedChoiceField(label=_("上级任务"), required=False, coerce=int, empty_value=None)
    tags = forms.CharField(label=_("标签"), max_length=200, required=False, help_text=_("用“、”分隔"))
    note = forms.CharField(label=_("备注"), max_length=500, required=False)
    reason = forms.CharField(label=_("修改说明"), max_length=300, required=False)


class ReportForm(forms.Form):
    text = forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    percent = forms.IntegerField(label=_("完成进度（%）"), min_value=0, max_value=100, required=False)


class ExtensionForm(forms.Form):
    new_deadline = forms.DateField(label=_("申请延期至"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ClosureForm(forms.Form):
    summary = forms.CharField(label=_("办结情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)


class MilestoneDoneForm(forms.Form):
    done_on = forms.DateField(label=_("完成日期"), widget=forms.DateInput(attrs={"type": "date"}))
    evidence = forms.CharField(label=_("完成依据"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                               help_text=_("做了什么、文件或照片在哪里；公开的专项工作在公开网站只显示“已完成”和日期"))


class MilestoneUndoForm(forms.Form):
    reason = forms.CharField(label=_("撤销理由"), max_length=500)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("同意")), ("refuse", _("不同意/退回"))])
    note = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"), required=False)
    token = forms.CharField(required=False, widget=forms.HiddenInput)
    dry_run = forms.BooleanField(required=False, initial=True, label=_("只检查，不写入"))
    create_leaders = forms.BooleanField(required=False, label=_("为以下责任领导创建人员（无登录账号）"))


class ProgramForm(forms.Form):
    code = forms.SlugField(label=_("代码"), max_length=64, help_text=_("英文字母、数字和连字符，如 laoshan-innovation-2026"))
    name = forms.CharField(label=_("名称"), max_length=200)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    owner_unit = forms.TypedChoiceField(label=_("主办单位"), coerce=int)
    description = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    cadence_kind = forms.ChoiceField(label=_("调度频次"), choices=CadenceKind.choices)
    cadence_weekday = forms.IntegerField(label=_("每周调度日（0=周一）"), min_value=0, max_value=6, initial=0)
    cadence_day = forms.IntegerField(label=_("每月/季调度日"), min_value=1, max_value=31, initial=25)
    warn_days = forms.IntegerField(label=_("到期预警天数 N"), min_value=0, max_value=90, initial=7)
    lag_points = forms.IntegerField(label=_("进度滞后预警 X（百分点）"), min_value=1, max_value=100, initial=20)
    ack_days = forms.IntegerField(label=_("及时签收天数"), min_value=1, max_value=30, initial=3)
    is_public = forms.BooleanField(label=_("在公开网站发布（公开通报）"), required=False,
                                   help_text=_("任务、牵头单位、时限、状态和进展（隐去个人信息）向社会公开"))
    is_shishi = forms.BooleanField(label=_("民生实事"), required=False,
                                   help_text=_("在公开网站“民生实事”栏目展示时间节点和推进过程，接受群众评价"))


class ProgramPublicationForm(forms.Form):
    is_public = ProgramForm.base_fields["is_public"]
    is_shishi = ProgramForm.base_fields["is_shishi"]
    public_review = forms.BooleanField(label=_("进展文字经督查室审核后公开"), required=False,
                                       help_text=_("不勾选：牵头单位报送的进展文字提交后立即出现在公开网站"))


def uploaded_files(request, field="files", limit: int | None = 10) -> list[tuple[str, bytes]]:
    """Read uploaded evidence files; the size/type checks happen in core.files.attachment_store. More than `limit`
    files is refused (ServiceError), not cut to the first `limit`; with `limit` None the service counts them (Django's
    DATA_UPLOAD_MAX_NUMBER_FILES bounds what is read)."""
    files = request.FILES.getlist(field)
    if limit is not None and len(files) > limit:
        raise ServiceError(_("一次最多上传 %(n)s 个文件，您选择了 %(m)s 个。") % {"n": limit, "m": len(files)}, field=field)
    return [(f.name, f.read()) for f in files]
